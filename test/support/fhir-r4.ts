import { Fhir } from 'fhir';

/** Code systems used when building test resources. */
export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const UCUM = 'http://unitsofmeasure.org';
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

const validator = new Fhir();

/**
 * What the independent `fhir` R4 validator finds wrong with a resource: error and fatal messages,
 * with unexpected properties counted as errors. Empty for valid FHIR R4.
 */
export function r4Problems(resource: object): string[] {
  const response = validator.validate(resource, { errorOnUnexpected: true });
  const errors = response.messages
    .filter((message) => ['error', 'fatal'].includes(String(message.severity)))
    .map((message) => `${message.location ?? '?'}: ${message.message ?? ''}`);
  return response.valid ? errors : errors.length > 0 ? errors : ['invalid'];
}
