/**
 * The B12 prefetch keys and the resource types each brings (the templates are in prefetch.ts).
 * Kept apart, without the terminology, so that the demo page's browser code can fill the keys
 * from a patient Bundle. Administrations have no key of their own (prefetch.ts says why): they
 * travel with the medication requests, since the facts read every resource by its type.
 */
export const PREFETCH_RESOURCE_TYPES = {
  patient: ['Patient'],
  labs: ['Observation'],
  meds: ['MedicationRequest', 'MedicationAdministration', 'Medication'],
  conditions: ['Condition'],
  procedures: ['Procedure'],
  medStatements: ['MedicationStatement', 'Medication'],
} as const satisfies Readonly<Record<string, readonly string[]>>;

export type PrefetchKey = keyof typeof PREFETCH_RESOURCE_TYPES;
