import { Fhir } from 'fhir';

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
