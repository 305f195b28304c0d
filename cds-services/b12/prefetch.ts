import type { PrefetchKey } from './prefetch-keys.js';
import { ANALYTES, CONDITION_GROUPS, PREGNANCY_STATUS } from './terminology.js';
import { LOINC, SNOMED } from '../../src/fhir/systems.js';

/**
 * Every laboratory code the B12 facts read, and the SNOMED CT findings an Observation can record
 * as its code (a paraesthesia on examination, fatigue, a vegan diet: RULES.md 10.2.5, 7.4), as
 * one R4 token list (`system|code,...`).
 */
const labCodes = [
  ...[...Object.values(ANALYTES).flatMap((analyte) => analyte.loinc), PREGNANCY_STATUS.loinc].map(
    (code) => `${LOINC}|${code}`,
  ),
  ...(['neuro', 'symptom', 'veganDiet'] as const)
    .flatMap((group) => CONDITION_GROUPS[group].snomed)
    .map((code) => `${SNOMED}|${code}`),
].join(',');

/**
 * Prefetch templates shared by the three B12 services (CDS Hooks 2.0 §Prefetch template), in R4
 * search syntax. Laboratory results are narrowed by code. Medications, conditions and procedures
 * are not, because the rules also recognise them by text when an EHR sends no standard code
 * (RULES.md 2.3, 2.4, 10.4); the medication searches include referenced Medication resources for
 * that reason. No template is narrowed by date: CDS Hooks 2.0 tokens are context fields only
 * (`{{context.patientId}}`), and date tokens such as `{{today()}}` exist only in the 3.0 ballot.
 *
 * MedicationAdministration (RULES.md 10.4.1) has no template: a search not narrowed by date brings
 * every administration of a long inpatient stay, more than the FHIR fallback reads (a 412 on every
 * hook), and its `code` search misses administrations that reference a Medication
 * (docs/integration.md section 3). The rules still read administrations a request carries.
 */
export const B12_PREFETCH = {
  patient: 'Patient/{{context.patientId}}',
  labs: `Observation?patient={{context.patientId}}&code=${labCodes}&_sort=-date&_count=100`,
  meds: 'MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication&_count=100',
  conditions: 'Condition?patient={{context.patientId}}&_count=100',
  /** Surgical history: gastrectomy, bariatric surgery, ileal resection (RULES.md 2.4). */
  procedures: 'Procedure?patient={{context.patientId}}&_count=100',
  /** Patient-reported and over-the-counter medicines (RULES.md 10.4.1). */
  medStatements:
    'MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication&_count=100',
} as const satisfies Record<PrefetchKey, string>;
