import { asArray, asObject, asString, canonicalSystem, codesOf } from '../../src/fhir/coding.js';
import type { Code } from '../../src/fhir/coding.js';
import type { EpochDay } from '../../src/fhir/dates.js';
import { newestFirst, observationDate, readObservation } from '../../src/fhir/observations.js';
import type { AnalyteReader, LabResult } from '../../src/fhir/observations.js';
import type { DataRulesConfig } from './clinical-config.js';
import { siteRecognisers } from './site-recognisers.js';
import { mayCountAsObservation } from './condition-facts.js';
import type { MedicationFact } from './medication-facts.js';
import { ANALYTES, PREGNANCY_STATUS } from './terminology.js';
import type { Analyte } from './terminology.js';
import { LOINC } from '../../src/fhir/systems.js';

/** Analytes whose results B12 treatment distorts (RULES.md 2.2 "diagnostic results"). */
export const B12_MARKERS = ['totalB12', 'activeB12', 'methylmalonicAcid'] as const;
export type B12Marker = (typeof B12_MARKERS)[number];

const isMarker = (analyte: Analyte): analyte is B12Marker =>
  (B12_MARKERS as readonly string[]).includes(analyte);

/** A B12, active B12 or MMA result, with what B12 treatment means for it (RULES.md 2.2). */
export interface MarkerResult extends LabResult<Analyte> {
  /** Taken before treatment could affect it; only diagnostic results set bands. */
  diagnostic: boolean;
  /** Why not diagnostic: on treatment, or too soon after a course. */
  notDiagnosticBecause?: string;
  /** B12 treatment of any status started on or after this result (RULES.md 2.2 "addressed"). */
  addressed: boolean;
}

export type AnalyteResult<A extends Analyte> = A extends B12Marker
  ? MarkerResult
  : LabResult<Analyte>;

export type ResultsByAnalyte = { readonly [A in Analyte]: readonly AnalyteResult<A>[] };

/** An Observation the rules could not use, reported rather than guessed (RULES.md 2.2). */
export interface UnusableObservation {
  id: string | undefined;
  analyte: Analyte;
  code: Code;
  day: EpochDay | undefined;
  unit: string | undefined;
  reason: string;
}

export interface PregnancyStatusObservation {
  day: EpochDay;
  pregnant: boolean | undefined;
}

export interface LabFacts {
  results: ResultsByAnalyte;
  /** A preliminary or registered B12 / active B12 within `pendingTestDays` (RULES.md 2.2). */
  pendingB12Test: boolean;
  unusable: UnusableObservation[];
  pregnancyStatus: PregnancyStatusObservation[];
  /** Observations that are no laboratory test read here (a diet, say), for the condition groups. */
  otherObservations: Record<string, unknown>[];
}

/**
 * Whether the rules read an Observation at all (checked before anything else is done with it):
 * a panel, whose components may be tests; a test a code identifies (LOINC, configured local
 * codes, pregnancy status); a finding the condition groups count; anything, when the site has
 * recognisers of its own. Most of a patient's Observations (vital signs, most chemistry) are none.
 */
export function isReadObservation(
  observation: Record<string, unknown>,
  config: Pick<DataRulesConfig, 'localCodes' | 'recognisers'>,
): boolean {
  if (observation.component !== undefined) return true;
  const reader = analyteReader(config);
  if (reader.recognisesAny) return true;
  // The codings read as codesOf reads them, without building a Code for each.
  for (const coding of asArray(asObject(observation.code)?.coding)) {
    const object = asObject(coding);
    const system = asString(object?.system);
    const code = asString(object?.code);
    if (
      system !== undefined &&
      code !== undefined &&
      reader.identifies(canonicalSystem(system), code)
    ) {
      return true;
    }
  }
  return mayCountAsObservation(observation);
}

/** Readers by configuration: built once, not per request. */
const readers = new WeakMap<Pick<DataRulesConfig, 'localCodes' | 'recognisers'>, LabReader>();

interface LabReader extends AnalyteReader<Analyte> {
  /** Whether a code names a test the rules read: an analyte, or pregnancy status. */
  identifies: (system: string, code: string) => boolean;
  /** The site has recognisers, which may name any Observation. */
  recognisesAny: boolean;
}

export function analyteReader(
  config: Pick<DataRulesConfig, 'localCodes' | 'recognisers'>,
): LabReader {
  const known = readers.get(config);
  if (known) return known;
  // system → code → analyte
  const bySystem = new Map<string, Map<string, Analyte>>();
  const add = (system: string, code: string, analyte: Analyte): void => {
    const codes = bySystem.get(system) ?? new Map<string, Analyte>();
    codes.set(code, analyte);
    bySystem.set(system, codes);
  };
  for (const [analyte, definition] of Object.entries(ANALYTES) as [
    Analyte,
    { loinc: readonly string[] },
  ][]) {
    for (const code of definition.loinc) add(LOINC, code, analyte);
  }
  for (const local of config.localCodes) add(local.system, local.code, local.analyte);
  const site = siteRecognisers(config);
  const reader: LabReader = {
    identify: (code) => bySystem.get(code.system)?.get(code.code),
    identifies: (system, code) =>
      bySystem.get(system)?.has(code) === true ||
      (system === LOINC && code === PREGNANCY_STATUS.loinc),
    recognisesAny: !site.empty,
    ...(site.empty ? {} : { recognise: (observation) => site.analyteOf(observation) }),
    units: (analyte) => ANALYTES[analyte],
  };
  readers.set(config, reader);
  return reader;
}

interface TherapyWindow {
  from: EpochDay;
  /** Inclusive; `Infinity` for current treatment. */
  to: number;
  because: string;
}

/**
 * Periods in which B12 results are not diagnostic (RULES.md 2.2): from the start of current
 * treatment on, and from the start of a past course to its end + `postInjectionDays` (with no
 * known end, `b12CourseWithoutEndDays` after its start).
 */
function therapyWindows(
  therapy: readonly MedicationFact[],
  currentStart: EpochDay | undefined,
  config: DataRulesConfig,
): TherapyWindow[] {
  const onTreatment = therapy.some((fact) => fact.status === 'current');
  const windows: TherapyWindow[] = [];
  if (onTreatment) {
    // Current treatment of unknown start: no result can be shown to precede it.
    windows.push({
      from: currentStart ?? -Infinity,
      to: Infinity,
      because: 'taken on B12 treatment',
    });
  }
  for (const fact of therapy) {
    if (fact.status !== 'history' || fact.startDay === undefined) continue;
    windows.push({
      from: fact.startDay,
      to:
        fact.endDay === undefined
          ? fact.startDay + config.b12CourseWithoutEndDays
          : fact.endDay + config.postInjectionDays,
      because: `taken during or within ${config.postInjectionDays} days after a course of B12 treatment`,
    });
  }
  return windows;
}

function markerResult(
  result: LabResult<Analyte>,
  windows: readonly TherapyWindow[],
  therapyStarts: readonly EpochDay[],
): MarkerResult {
  let because: string | undefined;
  for (const window of windows) {
    if (result.day >= window.from && result.day <= window.to) {
      because = window.because;
      break;
    }
  }
  let addressed = false;
  for (const start of therapyStarts) if (start >= result.day) addressed = true;
  const marker: MarkerResult = { ...result, diagnostic: because === undefined, addressed };
  if (because !== undefined) marker.notDiagnosticBecause = because;
  return marker;
}

function pregnancyAnswer(observation: Record<string, unknown>): boolean | undefined {
  const answers = codesOf(observation.valueCodeableConcept);
  const matches = (list: readonly { system: string; code: string }[]): boolean =>
    answers.some((answer) =>
      list.some((code) => code.system === answer.system && code.code === answer.code),
    );
  if (matches(PREGNANCY_STATUS.pregnant)) return true;
  if (matches(PREGNANCY_STATUS.notPregnant)) return false;
  return undefined;
}

/** The parent fields a panel's component shares (RULES.md 10.2.2). */
const SHARED_WITH_COMPONENTS = [
  'resourceType',
  'status',
  'effectiveDateTime',
  'effectivePeriod',
  'effectiveInstant',
  'issued',
  'interpretation',
] as const;

/**
 * A panel's components as results of their own (RULES.md 10.2.2): each with the parent's status,
 * dates, `issued` and interpretation (unless it has its own), named `<parent id>#<index>`.
 */
function componentsOf(observation: Record<string, unknown>): Record<string, unknown>[] {
  const components = asArray(observation.component);
  if (components.length === 0) return [];
  const parentId = asString(observation.id) ?? '';
  return components.flatMap((component, index) => {
    const own = asObject(component);
    if (!own) return [];
    const shared: Record<string, unknown> = {};
    for (const key of SHARED_WITH_COMPONENTS) {
      if (observation[key] !== undefined) shared[key] = observation[key];
    }
    return [{ ...shared, ...own, id: `${parentId}#${String(index)}` }];
  });
}

/** Reads every laboratory Observation into results per analyte, newest first (RULES.md 2.2). */
export function readLabFacts(
  observations: readonly Record<string, unknown>[],
  b12Therapy: readonly MedicationFact[],
  currentTherapyStart: EpochDay | undefined,
  today: EpochDay,
  config: DataRulesConfig,
): LabFacts {
  const reader = analyteReader(config);
  const windows = therapyWindows(b12Therapy, currentTherapyStart, config);
  const therapyStarts = b12Therapy.flatMap((fact) =>
    fact.status !== 'draft' && fact.startDay !== undefined ? [fact.startDay] : [],
  );
  const results = Object.fromEntries(
    Object.keys(ANALYTES).map((analyte) => [analyte, []]),
  ) as unknown as {
    [A in Analyte]: AnalyteResult<A>[];
  };
  const unusable: UnusableObservation[] = [];
  const pregnancyStatus: PregnancyStatusObservation[] = [];
  const otherObservations: Record<string, unknown>[] = [];
  let pendingB12Test = false;

  // Components join the list after the Observations: they are results, never findings.
  const components: Record<string, unknown>[] = [];
  for (const observation of observations) {
    if (observation.component !== undefined) components.push(...componentsOf(observation));
  }
  const whole = observations.length;
  const all = components.length > 0 ? [...observations, ...components] : observations;
  for (let position = 0; position < all.length; position++) {
    const observation = all[position] as Record<string, unknown>;
    const reading = readObservation(observation, reader, today);
    switch (reading.kind) {
      case 'result': {
        const { result } = reading;
        const list = results[result.analyte] as LabResult<Analyte>[];
        list.push(isMarker(result.analyte) ? markerResult(result, windows, therapyStarts) : result);
        break;
      }
      case 'pending':
        if (
          (reading.analyte === 'totalB12' || reading.analyte === 'activeB12') &&
          // An undated pending test cannot show the patient was tested recently.
          reading.day !== undefined &&
          today - reading.day <= config.pendingTestDays
        ) {
          pendingB12Test = true;
        }
        break;
      case 'unusable':
        unusable.push(reading);
        break;
      case 'other':
        if (position >= whole) break;
        if (isPregnancyStatus(observation)) {
          const day = readPregnancyDay(observation);
          if (day !== undefined)
            pregnancyStatus.push({ day, pregnant: pregnancyAnswer(observation) });
        } else {
          otherObservations.push(observation);
        }
        break;
      case 'missing':
      case 'ignored':
        break;
    }
  }
  for (const analyte of Object.keys(results) as Analyte[]) {
    (results[analyte] as LabResult<Analyte>[]).sort(newestFirst(ANALYTES[analyte].abnormal));
  }
  return { results, pendingB12Test, unusable, pregnancyStatus, otherObservations };
}

const isPregnancyStatus = (observation: Record<string, unknown>): boolean =>
  codesOf(observation.code).some(
    (code) => code.system === LOINC && code.code === PREGNANCY_STATUS.loinc,
  );

const USABLE_STATUS = new Set(['final', 'amended', 'corrected']);

function readPregnancyDay(observation: Record<string, unknown>): EpochDay | undefined {
  if (!USABLE_STATUS.has(String(observation.status))) return undefined;
  const date = observationDate(observation);
  return date && !date.partial ? date.day : undefined;
}
