import type { Bundle, FhirResource, Patient } from 'fhir/r4.js';
import { DEFAULT_DATA_RULES } from '../../cds-services/b12/clinical-config.js';
import type { DataRulesConfig } from '../../cds-services/b12/clinical-config.js';
import { readPatientFacts } from '../../cds-services/b12/patient-facts.js';
import type { PatientFacts } from '../../cds-services/b12/patient-facts.js';
import { PATIENT_ID, TODAY_DAY, draftOrdersBundle, patient } from '../support/fhir.js';

/** A runner for `readPatientFacts` on resources built with test/support/fhir.ts. */

export interface FactsOptions {
  /** The Patient resource; `null` for none. Defaults to {@link patient}(). */
  patient?: Patient | null;
  /** The draft orders, sent as `context.draftOrders` (a Bundle). */
  draftOrders?: FhirResource[];
  /** `context.draftOrders` exactly as given (instead of {@link FactsOptions.draftOrders}). */
  draftBundle?: Bundle<FhirResource>;
  selections?: string[];
  config?: DataRulesConfig;
  today?: number;
}

/** `readPatientFacts` on the resources (with a Patient) as of {@link TODAY_DAY}. */
export function facts(resources: FhirResource[], options: FactsOptions = {}): PatientFacts {
  const subjectPatient = options.patient === undefined ? patient() : options.patient;
  return readPatientFacts(
    {
      patientId: PATIENT_ID,
      today: options.today ?? TODAY_DAY,
      resources: subjectPatient ? [subjectPatient, ...resources] : resources,
      ...(options.draftBundle
        ? { draftOrders: options.draftBundle }
        : options.draftOrders
          ? { draftOrders: draftOrdersBundle(options.draftOrders) }
          : {}),
      ...(options.selections ? { selections: options.selections } : {}),
    },
    options.config ?? DEFAULT_DATA_RULES,
  );
}
