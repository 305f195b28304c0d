/**
 * Every code-system URI this service reads or writes, once (FHIR R4 terminology pages:
 * https://hl7.org/fhir/R4/terminologies-systems.html). Plain constants, so the demo page's browser
 * code can build orders with them too.
 */

export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const ATC = 'http://www.whocc.no/atc';
/** ICD-10 codes are read in both systems, by dotless prefix (RULES.md 10.5.1, 10.6). */
export const ICD10_CM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const ICD10_WHO = 'http://hl7.org/fhir/sid/icd-10';
export const UCUM = 'http://unitsofmeasure.org';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const OBSERVATION_INTERPRETATION =
  'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
export const DATA_ABSENT_REASON = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';

/**
 * The same systems as EHRs send them under their HL7 OIDs (RULES.md 10.2.1; OIDs from the HL7 OID
 * registry as listed there): read as the systems above.
 */
export const SYSTEM_BY_OID: Readonly<Record<string, string>> = {
  'urn:oid:2.16.840.1.113883.6.1': LOINC,
  'urn:oid:2.16.840.1.113883.6.96': SNOMED,
  'urn:oid:2.16.840.1.113883.6.88': RXNORM,
  'urn:oid:2.16.840.1.113883.6.90': ICD10_CM,
  'urn:oid:2.16.840.1.113883.6.3': ICD10_WHO,
  'urn:oid:2.16.840.1.113883.6.73': ATC,
};
