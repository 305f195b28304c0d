/**
 * The code systems the B12 knowledge names, apart from the value sets (terminology.ts reads those
 * from disk), so that the orders it writes can be built in the demo page's browser code too.
 */

export const LOINC_SYSTEM = 'http://loinc.org';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const ATC_SYSTEM = 'http://www.whocc.no/atc';
/** ICD-10 codes are read in both systems, by dotless prefix (RULES.md 10.5.1, 10.6). */
export const ICD10_CM_SYSTEM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const ICD10_WHO_SYSTEM = 'http://hl7.org/fhir/sid/icd-10';
