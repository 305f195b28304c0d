import type { Dosage, MedicationRequest } from 'fhir/r4.js';
import { z } from 'zod';
import { PRODUCTS, medicationRequest } from './orders.js';

/**
 * RULES.md 5.14: a draft order's schedule copied onto the product that replaces it. A schedule is
 * copied whole or not at all, and only as well-formed R4.
 */

const nonEmpty = z.string().min(1);
const coding = z.strictObject({
  system: nonEmpty.optional(),
  version: nonEmpty.optional(),
  code: nonEmpty.optional(),
  display: nonEmpty.optional(),
  userSelected: z.boolean().optional(),
});
const concept = z.strictObject({
  coding: z.array(coding).min(1).optional(),
  text: nonEmpty.optional(),
});
const quantity = z.strictObject({
  value: z.number(),
  comparator: z.enum(['<', '<=', '>=', '>']).optional(),
  unit: nonEmpty.optional(),
  system: nonEmpty.optional(),
  code: nonEmpty.optional(),
});
const repeat = z.strictObject({
  boundsDuration: quantity.optional(),
  count: z.number().int().positive().optional(),
  duration: z.number().positive().optional(),
  durationUnit: z.enum(['s', 'min', 'h', 'd', 'wk', 'mo', 'a']).optional(),
  frequency: z.number().int().positive().optional(),
  frequencyMax: z.number().int().positive().optional(),
  period: z.number().positive().optional(),
  periodMax: z.number().positive().optional(),
  periodUnit: z.enum(['s', 'min', 'h', 'd', 'wk', 'mo', 'a']).optional(),
  dayOfWeek: z
    .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
    .min(1)
    .optional(),
  timeOfDay: z.array(nonEmpty).min(1).optional(),
  when: z.array(nonEmpty).min(1).optional(),
  offset: z.number().int().nonnegative().optional(),
});
/** The parts of an R4 Dosage a copied schedule may carry; anything else is not copied. */
const dosageSchema = z.strictObject({
  sequence: z.number().int().optional(),
  text: nonEmpty.optional(),
  patientInstruction: nonEmpty.optional(),
  timing: z
    .strictObject({
      repeat: repeat.optional(),
      code: concept.optional(),
      event: z.array(nonEmpty).min(1).optional(),
    })
    .optional(),
  asNeededBoolean: z.boolean().optional(),
  site: concept.optional(),
  route: concept.optional(),
  method: concept.optional(),
  doseAndRate: z
    .array(z.strictObject({ type: concept.optional(), doseQuantity: quantity.optional() }))
    .min(1)
    .optional(),
});

/** FHIR allows no empty objects (a dosage with nothing in it is not a schedule). */
function hasEmptyValue(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0 || value.some(hasEmptyValue);
  if (typeof value === 'object' && value !== null) {
    const children = Object.values(value);
    return children.length === 0 || children.some(hasEmptyValue);
  }
  return false;
}

/**
 * A hydroxocobalamin order with another order's dosage, or `undefined` when that dosage is not
 * well-formed R4 (none given, none copied).
 */
export function hydroxocobalaminWith(
  patientId: string,
  dosageInstruction: readonly unknown[],
): MedicationRequest | undefined {
  const copied = z.array(dosageSchema).safeParse(dosageInstruction);
  return copied.success && !copied.data.some(hasEmptyValue)
    ? medicationRequest(patientId, PRODUCTS.hydroxocobalaminInjection, copied.data as Dosage[])
    : undefined;
}
