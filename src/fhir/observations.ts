import type { Code } from './coding.js';
import { anyCodes, asArray, asObject, asString, codesOf } from './coding.js';
import { parseFhirDate } from './dates.js';
import type { EpochDay, ParsedDate } from './dates.js';
import { limitToCanonical, quantityUnit, toCanonical } from './units.js';
import type { UnitTable } from './units.js';

/**
 * Reading laboratory Observations into usable results (RULES.md 2.2): status, value (with
 * comparator), unit normalisation, date, reference range and interpretation flags.
 */

export type Comparator = '<' | '<=' | '>' | '>=';

export interface LabResult<A extends string = string> {
  /** The Observation id, when it has one. */
  id: string | undefined;
  analyte: A;
  /** The code that identified the test. */
  code: Code;
  /** In the analyte's canonical unit, full precision. */
  value: number;
  unit: string;
  /** A censored result: `<` 50 means below 50. */
  comparator?: Comparator;
  /** The value and unit as the laboratory reported them. */
  reported: { value: number; unit: string };
  day: EpochDay;
  /** `issued` as epoch milliseconds, which orders same-day results. */
  issuedAt?: number;
  status: 'final' | 'amended' | 'corrected';
  /** `referenceRange.high` in the canonical unit. */
  referenceHigh?: number;
  /** A reference range was given but its high limit could not be read. */
  referenceHighUnreadable?: boolean;
  /** Interpretation codes (`H`, `HH`, `L`, `LL`, ...), upper case. */
  interpretation: string[];
}

/** What one Observation contributes. */
export type ObservationReading<A extends string> =
  /** Not a test this service reads. */
  | { kind: 'other' }
  /** Entered in error, or of unknown status: not a result (RULES.md 2.2). */
  | { kind: 'ignored' }
  | { kind: 'result'; result: LabResult<A> }
  /** `preliminary` or `registered`: not usable, but shows a test is under way. */
  | { kind: 'pending'; analyte: A; id: string | undefined; day: EpochDay | undefined }
  /** No value (dataAbsentReason or none given): missing, not a problem to report. */
  | { kind: 'missing'; analyte: A; id: string | undefined; day: EpochDay | undefined }
  /** Present but unusable: never guessed, always reported. */
  | {
      kind: 'unusable';
      analyte: A;
      id: string | undefined;
      code: Code;
      day: EpochDay | undefined;
      unit: string | undefined;
      reason: string;
    };

export interface AnalyteReader<A extends string> {
  /** The analyte a code identifies (LOINC and any configured local codes). */
  identify(code: Code): A | undefined;
  /** A site's own recognisers, asked only about Observations no code identified. */
  recognise?: (observation: Record<string, unknown>) => A | undefined;
  units(analyte: A): UnitTable;
}

/** The code reported for an Observation a site recogniser identified: its own first coding. */
const SITE_CODE: Code = { system: 'site-recogniser', code: 'unnamed' };

const USABLE_STATUSES = new Set(['final', 'amended', 'corrected']);
const PENDING_STATUSES = new Set(['preliminary', 'registered']);
const COMPARATORS = new Set<string>(['<', '<=', '>', '>=']);

/** Results dated after tomorrow are data errors; tomorrow can be today elsewhere in the world. */
const FUTURE_TOLERANCE_DAYS = 1;

/** `valueString` parsed only when unambiguous: optional comparator, one number, a unit (RULES.md 2.2). */
const VALUE_STRING = /^\s*(<=|>=|<|>)?\s*(\d+(?:\.\d+)?|\.\d+)(?![\d.])\s*(\S(?:.*\S)?)\s*$/;

/** When the result applies: effectiveDateTime, else effectivePeriod.start, else effectiveInstant, else issued. */
export function observationDate(observation: Record<string, unknown>): ParsedDate | undefined {
  return parseFhirDate(
    observation.effectiveDateTime ??
      asObject(observation.effectivePeriod)?.start ??
      observation.effectiveInstant ??
      observation.issued,
  );
}

interface RawValue {
  value: number;
  /** `valueQuantity.code` (UCUM). */
  code: string | undefined;
  /** `valueQuantity.unit`, or the unit of a parsed `valueString`. */
  unit: string | undefined;
  comparator?: Comparator;
}

/** The reported value, `missing` when there is none, or a reason it cannot be read. */
function rawValue(
  observation: Record<string, unknown>,
): RawValue | { missing: true } | { unreadable: string } {
  if (observation.dataAbsentReason !== undefined) return { missing: true };
  const quantity = asObject(observation.valueQuantity);
  if (quantity) {
    if (typeof quantity.value !== 'number' || !Number.isFinite(quantity.value)) {
      return { missing: true };
    }
    const comparator = quantity.comparator;
    if (
      comparator !== undefined &&
      !(typeof comparator === 'string' && COMPARATORS.has(comparator))
    ) {
      return { unreadable: 'comparator not supported' };
    }
    return {
      value: quantity.value,
      code: asString(quantity.code),
      unit: asString(quantity.unit),
      ...(comparator === undefined ? {} : { comparator: comparator as Comparator }),
    };
  }
  if (typeof observation.valueString === 'string') {
    const match = VALUE_STRING.exec(observation.valueString);
    if (!match)
      return { unreadable: `value '${observation.valueString.slice(0, 40)}' could not be read` };
    return {
      value: Number(match[2]),
      code: undefined,
      unit: match[3],
      ...(match[1] === undefined ? {} : { comparator: match[1] as Comparator }),
    };
  }
  return { missing: true };
}

function referenceHigh(
  observation: Record<string, unknown>,
  valueUnit: string,
  table: UnitTable,
): Pick<LabResult, 'referenceHigh' | 'referenceHighUnreadable'> {
  const high = asObject(asObject(asArray(observation.referenceRange)[0])?.high);
  if (!high) return {};
  // Its own unit (code and text must not disagree, RULES.md 10.2.4), else the value's.
  const unit = quantityUnit(asString(high.code), asString(high.unit), table) ?? valueUnit;
  const converted =
    typeof high.value === 'number' && typeof unit === 'string'
      ? limitToCanonical(high.value, unit, table)
      : undefined;
  return converted === undefined ? { referenceHighUnreadable: true } : { referenceHigh: converted };
}

function interpretationCodes(observation: Record<string, unknown>): string[] {
  // Flags are read whatever system the client put on them (often none).
  const codes: string[] = [];
  for (const concept of asArray(observation.interpretation)) {
    for (const code of anyCodes(concept)) codes.push(code.toUpperCase());
  }
  return codes;
}

function unusable<A extends string>(
  where: { analyte: A; id: string | undefined; code: Code; day: EpochDay | undefined },
  reason: string,
  unit?: string,
): ObservationReading<A> {
  return { kind: 'unusable', ...where, unit, reason };
}

/** Reads one Observation (`today` is the evaluation date). */
export function readObservation<A extends string>(
  observation: Record<string, unknown>,
  reader: AnalyteReader<A>,
  today: EpochDay,
): ObservationReading<A> {
  let analyte: A | undefined;
  let code: Code | undefined;
  for (const candidate of codesOf(observation.code)) {
    analyte = reader.identify(candidate);
    if (analyte !== undefined) {
      code = candidate;
      break;
    }
  }
  if (analyte === undefined && reader.recognise) {
    analyte = reader.recognise(observation);
    code = codesOf(observation.code)[0] ?? SITE_CODE;
  }
  if (analyte === undefined || code === undefined) return { kind: 'other' };
  const id = asString(observation.id);
  const status = asString(observation.status) ?? 'unknown';
  const parsedDate = observationDate(observation);
  const day = parsedDate && !parsedDate.partial ? parsedDate.day : undefined;
  // No closures here: this runs for every Observation of every request.
  const where = { analyte, id, code, day };
  if (PENDING_STATUSES.has(status)) return { kind: 'pending', analyte, id, day };
  // A cancelled test is reported (the clinician may believe it was done); an entry made in
  // error, or of unknown status, is not a result at all (RULES.md 2.2: ignored).
  if (status === 'cancelled') return unusable(where, 'test cancelled');
  if (!USABLE_STATUSES.has(status)) return { kind: 'ignored' };
  if (parsedDate === undefined) return unusable(where, 'no date');
  if (day === undefined) return unusable(where, 'date not precise to the day');
  if (day > today + FUTURE_TOLERANCE_DAYS) return unusable(where, 'dated in the future');

  const raw = rawValue(observation);
  if ('missing' in raw) return { kind: 'missing', analyte, id, day };
  if ('unreadable' in raw) return unusable(where, raw.unreadable);
  const table = reader.units(analyte);
  // The UCUM code, else the text; both given and read differently: unusable (RULES.md 10.2.4).
  const unit = quantityUnit(raw.code, raw.unit, table);
  if (unit === undefined) return unusable(where, 'no unit');
  if (typeof unit !== 'string') return unusable(where, unit.disagree, raw.code);
  const conversion = toCanonical(raw.value, unit, table);
  if (!conversion.ok) return unusable(where, conversion.reason, unit);
  const issued = parseFhirDate(observation.issued);

  return {
    kind: 'result',
    result: {
      id,
      analyte,
      code,
      value: conversion.value,
      unit: table.unit,
      ...(raw.comparator === undefined ? {} : { comparator: raw.comparator }),
      reported: { value: raw.value, unit },
      day,
      ...(issued ? { issuedAt: issued.ms } : {}),
      status: status as LabResult['status'],
      ...referenceHigh(observation, unit, table),
      interpretation: interpretationCodes(observation),
    },
  };
}

/**
 * Orders results newest first (RULES.md 2.2): by day; on the same day the later `issued`, then
 * the more abnormal value.
 */
export function newestFirst(abnormal: 'low' | 'high'): (a: LabResult, b: LabResult) => number {
  return (a, b) =>
    b.day - a.day ||
    (b.issuedAt ?? 0) - (a.issuedAt ?? 0) ||
    (abnormal === 'low' ? a.value - b.value : b.value - a.value);
}
