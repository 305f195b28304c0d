import { ANALYTES, LOINC_SYSTEM, PREGNANCY_STATUS } from './terminology.js';

/** Every laboratory code the B12 facts read, as one R4 token list (`system|code,...`). */
const labCodes = [
  ...Object.values(ANALYTES).flatMap((analyte) => analyte.loinc),
  PREGNANCY_STATUS.loinc,
]
  .map((code) => `${LOINC_SYSTEM}|${code}`)
  .join(',');

/**
 * Prefetch templates shared by the three B12 services (CDS Hooks 2.0 §Prefetch template), in R4
 * search syntax. Laboratory results are narrowed by code. Medications and conditions are not,
 * because the rules also recognise them by text when an EHR sends no standard code (RULES.md 2.3,
 * 2.4); the medication search includes referenced Medication resources for that reason.
 */
export const B12_PREFETCH = {
  patient: 'Patient/{{context.patientId}}',
  labs: `Observation?patient={{context.patientId}}&code=${labCodes}&_sort=-date&_count=100`,
  meds: 'MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication&_count=100',
  conditions: 'Condition?patient={{context.patientId}}&_count=100',
} as const;
