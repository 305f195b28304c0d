import { asArray, asObject, asString, lookup } from './coding.js';
import { fullDay } from './dates.js';
import type { EpochDay } from './dates.js';

/**
 * Reading MedicationRequests, MedicationStatements and MedicationAdministrations (RULES.md 2.3,
 * 10.4.1): which medication (with `medicationReference` resolved), status, start and end, and the
 * first dosage instruction.
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

/** Administration statuses that record a dose given (RULES.md 10.4.1). */
const GIVEN_STATUSES = new Set(['completed', 'in-progress']);

/**
 * A dose given this recently keeps the therapy current: maintenance B12 is given every 2–3 months
 * (BNF), so a patient whose latest injection is within about 3 months is on treatment (RULES.md 10.4.1).
 */
export const ADMINISTRATION_CURRENT_DAYS = 92;

export type MedicationResourceType =
  'MedicationRequest' | 'MedicationStatement' | 'MedicationAdministration';

export interface Dosage {
  /** `doseAndRate[0].doseQuantity` as given. */
  dose?: { value: number; unit: string };
  /** Administrations per day from `timing.repeat`; none given means once daily (RULES.md 2.3). */
  perDay: number | undefined;
  route: unknown;
  /** `text`, then `patientInstruction`: where EHRs write "take 5 mg daily". */
  text: string | undefined;
}

export interface MedicationUse {
  id: string | undefined;
  resourceType: MedicationResourceType;
  status: UseStatus;
  /** The medication concept, and each ingredient's concept when a Medication resource lists them. */
  concepts: unknown[];
  /** The resource itself and the Medication it names, for a site's own recognisers. */
  sources: readonly Record<string, unknown>[];
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
export const relativeReference = (reference: string): string =>
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

function readDosage(instruction: unknown, given: boolean): Dosage | undefined {
  const dosage = asObject(instruction);
  if (!dosage) return undefined;
  // An administration records one dose (`dosage.dose`), not a schedule.
  const quantity = given
    ? asObject(dosage.dose)
    : asObject(asObject(asArray(dosage.doseAndRate)[0])?.doseQuantity);
  const unit = asString(quantity?.code) ?? asString(quantity?.unit);
  return {
    ...(typeof quantity?.value === 'number' && unit
      ? { dose: { value: quantity.value, unit } }
      : {}),
    perDay: given ? undefined : administrationsPerDay(dosage.timing),
    route: dosage.route,
    text: asString(dosage.text) ?? asString(dosage.patientInstruction),
  };
}

/** The earliest `timing.repeat.boundsPeriod.start` of the instructions (RULES.md 10.4.2). */
function earliestBoundsStart(dosages: readonly unknown[]): EpochDay | undefined {
  let earliest: EpochDay | undefined;
  for (const dosage of dosages) {
    const bounds = asObject(asObject(asObject(asObject(dosage)?.timing)?.repeat)?.boundsPeriod);
    const day = fullDay(bounds?.start);
    if (day !== undefined && (earliest === undefined || day < earliest)) earliest = day;
  }
  return earliest;
}

interface Period {
  startDay: EpochDay | undefined;
  endDay: EpochDay | undefined;
}

/** When the use started and ended, by the resource's own fields in the rule book's order (RULES.md 10.4.2). */
function periodOf(resource: Record<string, unknown>, dosages: readonly unknown[]): Period {
  const effective = asObject(resource.effectivePeriod);
  switch (resource.resourceType) {
    case 'MedicationRequest': {
      const validity = asObject(asObject(resource.dispenseRequest)?.validityPeriod);
      return {
        startDay:
          fullDay(resource.authoredOn) ?? fullDay(validity?.start) ?? earliestBoundsStart(dosages),
        endDay: fullDay(validity?.end),
      };
    }
    case 'MedicationStatement':
      return {
        startDay:
          fullDay(effective?.start) ??
          fullDay(resource.effectiveDateTime) ??
          fullDay(resource.dateAsserted),
        endDay: fullDay(effective?.end),
      };
    default: {
      // An administration is one dose: it starts and ends on its day.
      const day = fullDay(resource.effectiveDateTime) ?? fullDay(effective?.start);
      return { startDay: day, endDay: fullDay(effective?.end) ?? day };
    }
  }
}

/** Given doses are current when recent, history otherwise (RULES.md 10.4.1). */
function administrationStatus(
  status: string,
  day: EpochDay | undefined,
  today: EpochDay,
): UseStatus {
  if (!GIVEN_STATUSES.has(status) || day === undefined || day > today + 1) return 'ignored';
  return today - day <= ADMINISTRATION_CURRENT_DAYS ? 'current' : 'history';
}

export const MEDICATION_RESOURCES: ReadonlySet<unknown> = new Set<unknown>([
  'MedicationRequest',
  'MedicationStatement',
  'MedicationAdministration',
]);

/**
 * Reads a MedicationRequest, MedicationStatement or MedicationAdministration (`today` decides
 * whether a given dose is still current); `draft` only counts where drafts are read.
 */
export function readMedicationUse(
  resource: Record<string, unknown>,
  index: MedicationIndex,
  today: EpochDay,
): MedicationUse | undefined {
  const resourceType = resource.resourceType as MedicationResourceType;
  if (!MEDICATION_RESOURCES.has(resourceType)) return undefined;
  const isRequest = resourceType === 'MedicationRequest';
  const given = resourceType === 'MedicationAdministration';
  const statusCode = asString(resource.status) ?? 'unknown';
  const dosages = asArray(isRequest ? resource.dosageInstruction : resource.dosage);
  const period = periodOf(resource, dosages);
  const status = given
    ? administrationStatus(statusCode, period.startDay, today)
    : (lookup(isRequest ? REQUEST_STATUS : STATEMENT_STATUS, statusCode) ?? 'ignored');
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
  return {
    id: asString(resource.id),
    resourceType,
    status,
    concepts,
    sources: medication ? [resource, medication] : [resource],
    ingredientCount: ingredients.length,
    referenceDisplay: reference && !medication ? asString(reference.display) : undefined,
    unresolvedReference: reference !== undefined && medication === undefined,
    ...period,
    dosage: readDosage(dosages[0], given),
  };
}
