import { asArray, asObject, asString, lookup } from './coding.js';
import { fullDay } from './dates.js';
import type { EpochDay } from './dates.js';

/**
 * Reading MedicationRequests and MedicationStatements (RULES.md 2.3): which medication (with
 * `medicationReference` resolved), status, start and end, and the first dosage instruction.
 */

/** `current` counts as therapy now; `history` only for exposure chains and past treatment. */
export type UseStatus = 'current' | 'history' | 'draft' | 'ignored';

const REQUEST_STATUS: Readonly<Record<string, UseStatus>> = {
  active: 'current',
  'on-hold': 'current',
  completed: 'history',
  stopped: 'history',
  draft: 'draft',
};

const STATEMENT_STATUS: Readonly<Record<string, UseStatus>> = {
  active: 'current',
  intended: 'current',
  'on-hold': 'current',
  completed: 'history',
  stopped: 'history',
};

export interface Dosage {
  /** `doseAndRate[0].doseQuantity` as given. */
  dose?: { value: number; unit: string };
  /** Administrations per day from `timing.repeat`; none given means once daily (RULES.md 2.3). */
  perDay: number | undefined;
  route: unknown;
  text: string | undefined;
}

export interface MedicationUse {
  id: string | undefined;
  resourceType: 'MedicationRequest' | 'MedicationStatement';
  status: UseStatus;
  /** The medication concept, and each ingredient's concept when a Medication resource lists them. */
  concepts: unknown[];
  /** Active ingredients a referenced Medication lists (0 when it lists none). */
  ingredientCount: number;
  /** `medicationReference.display` when the reference could not be resolved. */
  referenceDisplay: string | undefined;
  /** Whether a `medicationReference` was given but not found. */
  unresolvedReference: boolean;
  startDay: EpochDay | undefined;
  endDay: EpochDay | undefined;
  dosage: Dosage | undefined;
}

/** Medication resources by reference: `Medication/<id>`, and a Bundle entry's `fullUrl` (e.g. `urn:uuid:…`). */
export type MedicationIndex = ReadonlyMap<string, Record<string, unknown>>;

export interface IndexedEntry {
  resource: Record<string, unknown>;
  fullUrl?: string | undefined;
}

export function medicationIndex(entries: Iterable<IndexedEntry>): MedicationIndex {
  const index = new Map<string, Record<string, unknown>>();
  for (const { resource, fullUrl } of entries) {
    if (resource.resourceType !== 'Medication') continue;
    const id = asString(resource.id);
    if (id) index.set(`Medication/${id}`, resource);
    if (fullUrl) index.set(fullUrl, resource);
  }
  return index;
}

/** A reference as `Medication/<id>`, whether relative or absolute (`https://ehr/fhir/Medication/1`). */
const relativeReference = (reference: string): string =>
  /(Medication\/[^/]+?)(\/_history\/.*)?$/.exec(reference)?.[1] ?? reference;

function resolveMedication(
  reference: Record<string, unknown>,
  owner: Record<string, unknown>,
  index: MedicationIndex,
): Record<string, unknown> | undefined {
  const ref = asString(reference.reference);
  if (!ref) return undefined;
  if (ref.startsWith('#')) {
    return asArray(owner.contained)
      .map(asObject)
      .find(
        (contained) => contained?.resourceType === 'Medication' && contained.id === ref.slice(1),
      );
  }
  return index.get(ref) ?? index.get(relativeReference(ref));
}

const PER_DAY: Readonly<Record<string, number>> = { h: 24, d: 1, wk: 1 / 7 };

/** Administrations per day from `timing.repeat` (frequency per period in h, d or wk); none given: once. */
function administrationsPerDay(timing: unknown): number | undefined {
  const repeat = asObject(asObject(timing)?.repeat);
  if (!repeat || (repeat.frequency === undefined && repeat.period === undefined)) {
    // A coded timing (BID, TID...) without repeat is not "once daily": the count is unknown.
    return asObject(timing)?.code === undefined ? 1 : undefined;
  }
  const frequency = typeof repeat.frequency === 'number' ? repeat.frequency : 1;
  const period = typeof repeat.period === 'number' ? repeat.period : undefined;
  const unitsPerDay = lookup(PER_DAY, String(repeat.periodUnit));
  if (period === undefined || period <= 0 || unitsPerDay === undefined) return undefined;
  return (frequency / period) * unitsPerDay;
}

function readDosage(instruction: unknown): Dosage | undefined {
  const dosage = asObject(instruction);
  if (!dosage) return undefined;
  const quantity = asObject(asObject(asArray(dosage.doseAndRate)[0])?.doseQuantity);
  const unit = asString(quantity?.code) ?? asString(quantity?.unit);
  return {
    ...(typeof quantity?.value === 'number' && unit
      ? { dose: { value: quantity.value, unit } }
      : {}),
    perDay: administrationsPerDay(dosage.timing),
    route: dosage.route,
    text: asString(dosage.text),
  };
}

/** Reads a MedicationRequest or MedicationStatement; `draft` only counts where `drafts` allows it. */
export function readMedicationUse(
  resource: Record<string, unknown>,
  index: MedicationIndex,
): MedicationUse | undefined {
  const resourceType = resource.resourceType;
  if (resourceType !== 'MedicationRequest' && resourceType !== 'MedicationStatement') {
    return undefined;
  }
  const isRequest = resourceType === 'MedicationRequest';
  const statusCode = asString(resource.status) ?? 'unknown';
  const status = lookup(isRequest ? REQUEST_STATUS : STATEMENT_STATUS, statusCode) ?? 'ignored';
  const reference = asObject(resource.medicationReference);
  const medication = reference ? resolveMedication(reference, resource, index) : undefined;
  const ingredients = asArray(medication?.ingredient).filter(
    (item) => asObject(item)?.isActive !== false,
  );
  const concepts = medication
    ? [medication.code, ...ingredients.map((item) => asObject(item)?.itemCodeableConcept)].filter(
        (concept) => concept !== undefined,
      )
    : [resource.medicationCodeableConcept].filter((concept) => concept !== undefined);
  const validity = asObject(asObject(resource.dispenseRequest)?.validityPeriod);
  const effective = asObject(resource.effectivePeriod);
  const dosages = asArray(isRequest ? resource.dosageInstruction : resource.dosage);
  return {
    id: asString(resource.id),
    resourceType,
    status,
    concepts,
    ingredientCount: ingredients.length,
    referenceDisplay: reference && !medication ? asString(reference.display) : undefined,
    unresolvedReference: reference !== undefined && medication === undefined,
    startDay: isRequest
      ? (fullDay(resource.authoredOn) ?? fullDay(validity?.start))
      : (fullDay(effective?.start) ?? fullDay(resource.effectiveDateTime)),
    endDay: isRequest ? fullDay(validity?.end) : fullDay(effective?.end),
    dosage: readDosage(dosages[0]),
  };
}
