import type { Dosage } from 'fhir/r4.js';
import { FHIR_ID } from '../../src/cds-hooks/references.js';
import { asArray, asObject, asString, codesOf, mapDefined, textOf } from '../../src/fhir/coding.js';
import type { Code } from '../../src/fhir/coding.js';
import { readProblem } from '../../src/fhir/conditions.js';
import { ageInYears, isoDay, parseFhirDate } from '../../src/fhir/dates.js';
import type { EpochDay } from '../../src/fhir/dates.js';
import { medicationIndex, readMedicationUse } from '../../src/fhir/medications.js';
import type { MedicationIndex, MedicationUse } from '../../src/fhir/medications.js';
import type { DataRulesConfig } from './clinical-config.js';
import { siteRecognisers } from './site-recognisers.js';
import type { SiteRecognisers } from './site-recognisers.js';
import { mayCountAsObservation, namesAnyGroup, readConditionGroups } from './condition-facts.js';
import type { ConditionEvidence, ConditionsByGroup } from './condition-facts.js';
import { B12_MARKERS, isReadObservation, readLabFacts } from './lab-facts.js';
import type {
  AnalyteResult,
  MarkerResult,
  ResultsByAnalyte,
  UnusableObservation,
} from './lab-facts.js';
import { exposureOf, medicationFact, otherRiskDrug } from './medication-facts.js';
import type { Exposure, MedicationFact } from './medication-facts.js';
import { ANALYTES } from './terminology.js';
import type { Analyte, ConditionGroup, MedicationClass } from './terminology.js';
import { LOINC } from '../../src/fhir/systems.js';
import { PREFETCH_RESOURCE_TYPES } from './prefetch-keys.js';

/**
 * Everything the B12 rules know about a patient, read once from the hook request's FHIR data
 * (RULES.md section 2). Plain data: no FHIR left to re-parse, and every problem met on the way
 * recorded as a data note instead of being guessed around.
 */
export interface PatientFacts {
  /** The evaluation date (UTC day of the request). */
  today: EpochDay;
  patient: {
    /** Recorded as dead: no card is given on any hook (RULES.md 10.1.1). */
    deceased: boolean;
    /** Whole years; the youngest possible for a partial birth date; `undefined` if unknown. */
    ageYears: number | undefined;
    /** The birth year when only a year or month is recorded, for evidence ("born 1950", 10.1.2). */
    bornIn?: string;
    sex: 'male' | 'female' | 'other' | 'unknown';
    pregnant: boolean;
  };
  /** Every usable result per analyte, newest first. */
  results: ResultsByAnalyte;
  /** Results that could not be read (RULES.md 2.2), for the cards that must say so (5.13, 5.19). */
  unusable: readonly UnusableObservation[];
  /** The latest usable result per analyte within its lookback; for B12 and MMA, diagnostic results only. */
  latest: { readonly [A in Analyte]?: AnalyteResult<A> };
  b12: {
    /** The latest diagnostic total or active B12 within the lookback (same day: active B12). */
    latest: MarkerResult | undefined;
    /** With none in the lookback: the latest diagnostic B12 up to `staleB12MaxDays` old. */
    stale: MarkerResult | undefined;
    /** A preliminary or registered B12 test within `pendingTestDays`. */
    pendingTest: boolean;
  };
  /** Current and past medications of the classes the rules read (drafts are in `drafts`). */
  medications: MedicationFact[];
  /** Continuous current use per class (metformin, PPI, H2RA, folic acid, B12 products). */
  exposure: Partial<Record<MedicationClass, Exposure>>;
  b12Therapy: {
    /** On B12 therapy now: a current product whose only active ingredient is a cobalamin. */
    current: boolean;
    /** Start of the current therapy's continuous chain, if known. */
    startDay: EpochDay | undefined;
  };
  /** Current colchicine, topiramate, pregabalin, phenobarbital or primidone (RULES.md 2.5). */
  otherRiskDrugs: string[];
  conditions: ConditionsByGroup;
  /** `context.draftOrders` of an order hook. */
  drafts: {
    medications: DraftMedication[];
    /** A total or active B12 test is among the drafts (RULES.md 5.12, 10.7.3). */
    b12TestOrdered: boolean;
  };
  notes: DataNote[];
}

/** A draft medication order; `focused` when the clinician is acting on it (RULES.md 6). */
export interface DraftMedication extends MedicationFact {
  focused: boolean;
  /** The draft's own dosage, kept to re-use in a replacement order (RULES.md 5.14). */
  dosageInstruction: Dosage[];
}

/**
 * The kind of data a note is about: only cards that use that data carry it (RULES.md 10.5.3).
 * Without one (a resource about another patient) the note concerns every card.
 */
export type DataNoteTopic =
  | { analyte: Analyte }
  | { medication: readonly MedicationClass[] }
  | { conditions: readonly ConditionGroup[] }
  | { drafts: true };

export interface DataNote {
  kind:
    | 'unusable-observation'
    | 'unreadable-reference-range'
    | 'recognised-by-text'
    | 'unidentified-medication'
    | 'other-patient'
    | 'unreadable-draft-id';
  /** The line shown to clinicians, e.g. "Data note: total B12 result of 2026-11-14 ignored (…)". */
  text: string;
  about?: DataNoteTopic;
  /** For an unusable result: the observation, for the `unusable_observation` log event (RULES.md 2.2). */
  observation?: UnusableObservation;
}

export interface FactsInput {
  /** `context.patientId`. */
  patientId: string;
  today: EpochDay;
  /** The patient's FHIR data: every resource of every prefetch key. */
  resources: readonly unknown[];
  /** `context.draftOrders` of an order hook: a Bundle of draft orders. */
  draftOrders?: unknown;
  /** `context.selections` (order-select); absent or empty means every draft is focused. */
  selections?: readonly string[];
}

type Resource = Record<string, unknown>;

/** The patient a resource is about, when it names one by reference (`subject` or `patient`). */
export function subjectPatientId(resource: Resource): string | undefined {
  const reference = asString(asObject(resource.subject ?? resource.patient)?.reference);
  if (reference === undefined) return undefined;
  // `Patient/<id>`, relative or at the end of an absolute URL.
  const at = reference.lastIndexOf('Patient/');
  const id =
    at >= 0 && (at === 0 || reference[at - 1] === '/') ? reference.slice(at + 8) : undefined;
  return id !== undefined && id !== '' && !id.includes('/') ? id : undefined;
}

function dataNote(kind: DataNote['kind'], text: string, about?: DataNoteTopic): DataNote {
  return about ? { kind, text: `Data note: ${text}`, about } : { kind, text: `Data note: ${text}` };
}

/** The resource types the rules read, those the prefetch keys bring; others are passed over unread. */
export const READ_TYPES: ReadonlySet<string> = new Set(
  Object.values(PREFETCH_RESOURCE_TYPES).flat(),
);

/**
 * Whether the rules could read a resource at all, judged from the resource alone: one of the
 * types they read; an Observation of a test or finding they know ({@link isReadObservation}); a
 * Condition or Procedure that names a condition group, by code or text (any, with a site's
 * recognisers). Leaving out one that fails changes no fact, so `b12-cds forecast` drops it as it
 * streams in; a hook call's data pass only the first two checks (`patientResources`).
 */
export function isReadResource(
  resource: Record<string, unknown>,
  config: Pick<DataRulesConfig, 'localCodes' | 'recognisers'>,
): boolean {
  const type = resource.resourceType;
  if (typeof type !== 'string' || !READ_TYPES.has(type)) return false;
  if (type === 'Observation') return isReadObservation(resource, config);
  if (type !== 'Condition' && type !== 'Procedure') return true;
  if (!siteRecognisers(config).empty) return true;
  const record = readProblem(resource);
  return record !== undefined && namesAnyGroup(record);
}

/**
 * The patient's resources the rules read, by type, in one pass: a resource no rule reads (another
 * type, an Observation of no test or finding the rules know) is passed over before any other work;
 * one that arrives under two prefetch keys is read once; one about another patient is noted and
 * left out.
 */
function patientResources(
  input: FactsInput,
  config: DataRulesConfig,
  notes: DataNote[],
): ReadonlyMap<string, Resource[]> {
  const byType = new Map<string, Resource[]>();
  // Ids per resource type: no `Type/id` string is built for each resource.
  const seen = new Map<string, Set<string>>();
  const own = `Patient/${input.patientId}`;
  for (const value of input.resources) {
    const resource = asObject(value);
    const type = resource?.resourceType;
    if (resource === undefined || typeof type !== 'string' || !READ_TYPES.has(type)) continue;
    if (type === 'Observation' && !isReadObservation(resource, config)) continue;
    const id = asString(resource.id);
    let ids = seen.get(type);
    if (ids === undefined) seen.set(type, (ids = new Set()));
    if (id !== undefined) {
      if (ids.has(id)) continue;
      ids.add(id);
    }
    if (!isPatients(resource, type, own, input.patientId)) {
      notes.push(
        dataNote('other-patient', `${type} ${id ?? ''} is about another patient and was ignored`),
      );
      continue;
    }
    const list = byType.get(type);
    if (list) list.push(resource);
    else byType.set(type, [resource]);
  }
  return byType;
}

/** Whether a resource is about the patient, or names no patient (then it is taken as theirs). */
function isPatients(resource: Resource, type: string, own: string, patientId: string): boolean {
  if (type === 'Patient') {
    const id = asString(resource.id);
    return id === undefined || id === patientId;
  }
  // Most name the patient exactly as `Patient/<id>`: compared before the reference is taken apart.
  if (asObject(resource.subject ?? resource.patient)?.reference === own) return true;
  const owner = subjectPatientId(resource);
  return owner === undefined || owner === patientId;
}

/** `deceasedBoolean: true`, or a `deceasedDateTime` on or before today (RULES.md 10.1.1). */
function isDeceased(patient: Resource | undefined, today: EpochDay): boolean {
  if (patient?.deceasedBoolean === true) return true;
  const died = parseFhirDate(patient?.deceasedDateTime);
  // A year or month of death stands for its last day; either way it is before today's visit.
  return died !== undefined && Math.floor(died.ms / 86_400_000) <= today;
}

/** "1950" for a birth date of `1950` or `1950-06`: the age is a range (RULES.md 10.1.2). */
function bornIn(patient: Resource | undefined): string | undefined {
  const born = parseFhirDate(patient?.birthDate);
  return born?.partial ? String(patient?.birthDate).trim().slice(0, 4) : undefined;
}

function readSex(patient: Resource | undefined): PatientFacts['patient']['sex'] {
  const gender = asString(patient?.gender);
  return gender === 'male' || gender === 'female' || gender === 'other' ? gender : 'unknown';
}

const byStartDesc = (a: MedicationFact, b: MedicationFact): number =>
  (b.startDay ?? -Infinity) - (a.startDay ?? -Infinity);

function withinDays(day: EpochDay, today: EpochDay, days: number): boolean {
  return today - day <= days;
}

/** Same-day total and active B12: active B12 wins (RULES.md 2.2); otherwise newest first. */
function latestB12(
  results: ResultsByAnalyte,
  accept: (result: MarkerResult) => boolean,
): MarkerResult | undefined {
  const candidates = [...results.activeB12, ...results.totalB12].filter(accept);
  // Each list is newest first; on a tie in day the earlier candidate (active B12) is kept.
  return candidates.reduce<MarkerResult | undefined>(
    (best, candidate) => (best === undefined || candidate.day > best.day ? candidate : best),
    undefined,
  );
}

function unusableNote(observation: UnusableObservation): DataNote {
  const when = observation.day === undefined ? '(undated)' : `of ${isoDay(observation.day)}`;
  return {
    ...dataNote(
      'unusable-observation',
      `${ANALYTES[observation.analyte].label} result ${when} ignored (${observation.reason})`,
      { analyte: observation.analyte },
    ),
    observation,
  };
}

function isPregnant(
  sex: PatientFacts['patient']['sex'],
  statuses: readonly { day: EpochDay; pregnant: boolean | undefined }[],
  conditions: ConditionsByGroup,
  today: EpochDay,
  config: DataRulesConfig,
): boolean {
  if (sex === 'male') return false;
  const latestStatus = [...statuses]
    .filter((status) => withinDays(status.day, today, config.pregnancyStatusDays))
    .sort((a, b) => b.day - a.day)[0];
  if (latestStatus?.pregnant === true) return true;
  // A pregnancy that has ended, or began more than a pregnancy ago, is no pregnancy now (10.1.3).
  const current = (conditions.pregnancy ?? []).filter(
    (condition) =>
      (condition.abated === undefined ||
        (condition.abated !== 'undated' && condition.abated > today)) &&
      (condition.day === undefined || withinDays(condition.day, today, config.pregnancyStatusDays)),
  );
  return current.some((condition) =>
    statuses.every(
      (status) =>
        status.pregnant !== false ||
        (condition.day === undefined
          ? !withinDays(status.day, today, config.pregnancyStatusDays)
          : status.day <= condition.day),
    ),
  );
}

/** A selection names a draft by `Type/id`, relative or at the end of an absolute URL (RULES.md 10.7.1). */
const selects = (selection: string, reference: string): boolean =>
  selection === reference || selection.endsWith(`/${reference}`);

/** An EHR's own procedure code for a B12 test, by its name (RULES.md 10.7.3). */
const B12_TEST_TEXT = /\b(vitamin\s*)?b[\s-]?12\b|cobalamin|holotranscobalamin|active b12/i;

/** A total or active B12 test order: by LOINC, or by name for EHR procedure codes (RULES.md 10.7.3). */
function isB12TestOrder(resource: Resource, b12TestCodes: ReadonlySet<string>): boolean {
  if (resource.resourceType !== 'ServiceRequest') return false;
  const codes = codesOf(resource.code);
  if (codes.some((code) => code.system === LOINC && b12TestCodes.has(code.code))) {
    return true;
  }
  return textOf(resource.code).some((text) => B12_TEST_TEXT.test(text));
}

function readDrafts(
  draftOrders: readonly Resource[],
  selections: readonly string[] | undefined,
  index: MedicationIndex,
  today: EpochDay,
  site: SiteRecognisers,
  notes: DataNote[],
): PatientFacts['drafts'] {
  const focusAll = selections === undefined || selections.length === 0;
  const b12TestCodes = new Set<string>([...ANALYTES.totalB12.loinc, ...ANALYTES.activeB12.loinc]);
  const medications = draftOrders.flatMap((resource) => {
    const status = asString(resource.status);
    if (status === 'entered-in-error' || status === 'cancelled') return [];
    const use = readMedicationUse(resource, index, today);
    const fact = use && medicationFact({ ...use, status: 'draft' }, site);
    if (!fact) return [];
    // Only a FHIR id can be named by `selections` or a delete suggestion (`MedicationRequest/<id>`).
    const id =
      typeof resource.id === 'string' && FHIR_ID.test(resource.id) ? resource.id : undefined;
    if (id === undefined && resource.id !== undefined) {
      notes.push(
        dataNote(
          'unreadable-draft-id',
          `the draft order '${fact.name}' has no valid FHIR id, so no suggestion can remove or replace it`,
          { drafts: true },
        ),
      );
    }
    const reference = `${String(resource.resourceType)}/${id ?? ''}`;
    return [
      {
        ...fact,
        id,
        focused:
          focusAll ||
          (id !== undefined && selections.some((selection) => selects(selection, reference))),
        dosageInstruction: asArray(resource.dosageInstruction).filter(
          (dosage): dosage is Dosage => asObject(dosage) !== undefined,
        ),
      },
    ];
  });
  const b12TestOrdered = draftOrders.some((resource) => isB12TestOrder(resource, b12TestCodes));
  return { medications, b12TestOrdered };
}

/** Each condition group as a clinician would name it, for data notes. */
const GROUP_WORDS: Readonly<Record<ConditionGroup, string>> = {
  neuro: 'a neurological feature',
  symptom: 'a symptom',
  gastrectomy: 'gastrectomy',
  totalGastrectomy: 'total gastrectomy',
  bariatricSurgery: 'bariatric surgery',
  ilealResection: 'ileal resection',
  ilealCrohns: "ileal Crohn's disease",
  coeliac: 'coeliac disease',
  atrophicGastritis: 'atrophic gastritis',
  perniciousAnaemia: 'pernicious anaemia/autoimmune gastritis',
  veganDiet: 'a vegan diet',
  otherRisk: 'an associated autoimmune condition',
  codedB12Deficiency: 'B12 deficiency',
  ckd345: 'chronic kidney disease stage 3–5',
  pregnancy: 'pregnancy',
  pancytopenia: 'pancytopenia',
  thrombocytopenia: 'thrombocytopenia',
  diabetes: 'diabetes',
};

/**
 * One note per record recognised by its text (RULES.md 10.5.3), naming every group it was
 * counted in; it goes to the cards that use any of them.
 */
function conditionNotes(conditions: ConditionsByGroup): DataNote[] {
  const byRecord = new Map<string, { item: ConditionEvidence; groups: ConditionGroup[] }>();
  for (const [group, evidence] of Object.entries(conditions) as [
    ConditionGroup,
    ConditionEvidence[],
  ][]) {
    for (const item of evidence) {
      if (item.recognisedBy !== 'text') continue;
      const key = `${item.resourceType}/${item.id ?? item.name}`;
      const entry = byRecord.get(key) ?? { item, groups: [] };
      byRecord.set(key, { ...entry, groups: [...entry.groups, group] });
    }
  }
  return [...byRecord.values()].flatMap(({ item, groups }) => {
    const label = `${item.resourceType}${item.id ? ` ${item.id}` : ''}`;
    const counted = groups.map((group) => GROUP_WORDS[group]).join(' and ');
    const text = `'${item.name}' (${label}) was counted as ${counted}, ${byNameWording(item.unlistedCode)}`;
    return [dataNote('recognised-by-text', text, { conditions: groups })];
  });
}

/** Every class a medication could be: an unidentified one may be any of them. */
const ALL_CLASSES: readonly MedicationClass[] = ['metformin', 'ppi', 'h2ra', 'folicAcid', 'b12'];

/**
 * How a record was recognised by its name, truthfully (RULES.md 10.5.3): it has no code at all,
 * or a code the service does not list.
 */
export function byNameWording(unlistedCode: Code | undefined): string {
  return unlistedCode
    ? `recognised by its name; its code ${unlistedCode.system}|${unlistedCode.code} is not in the service's code list`
    : 'recognised by its name only, without a coded term';
}

function medicationNotes(
  uses: readonly MedicationUse[],
  facts: readonly (MedicationFact | undefined)[],
): DataNote[] {
  return uses.flatMap((use, index) => {
    const fact = facts[index];
    const label = `${use.resourceType}${use.id ? ` ${use.id}` : ''}`;
    if (use.unresolvedReference && use.referenceDisplay === undefined && use.status !== 'ignored') {
      return [
        dataNote(
          'unidentified-medication',
          `${label} names a Medication that was not provided, so it could not be identified`,
          { medication: ALL_CLASSES },
        ),
      ];
    }
    if (fact?.recognisedBy === 'text') {
      return [
        dataNote(
          'recognised-by-text',
          `'${fact.name}' (${label}) was ${byNameWording(fact.unlistedCode)}`,
          { medication: fact.classes },
        ),
      ];
    }
    return [];
  });
}

/** Reads the hook request's FHIR data into {@link PatientFacts}. `input.today` is the only clock. */
export function readPatientFacts(input: FactsInput, config: DataRulesConfig): PatientFacts {
  const { today } = input;
  const notes: DataNote[] = [];
  const byType = patientResources(input, config, notes);
  const ofType = (type: string): readonly Resource[] => byType.get(type) ?? [];
  const draftEntries = asArray(asObject(input.draftOrders)?.entry).flatMap((entry) => {
    const resource = asObject(asObject(entry)?.resource);
    return resource && typeof resource.resourceType === 'string'
      ? [{ resource, fullUrl: asString(asObject(entry)?.fullUrl) }]
      : [];
  });
  const drafts = draftEntries.map((entry) => entry.resource);
  const index = medicationIndex([
    ...ofType('Medication').map((resource) => ({ resource })),
    ...draftEntries,
  ]);
  const uses = mapDefined(
    [
      ...ofType('MedicationRequest'),
      ...ofType('MedicationStatement'),
      ...ofType('MedicationAdministration'),
    ],
    (resource) => {
      const use = readMedicationUse(resource, index, today);
      // Drafts outside an order hook's context are not facts (RULES.md 2.3).
      return use?.status === 'draft' ? undefined : use;
    },
  );
  const site = siteRecognisers(config);
  const classified = uses.map((use) => medicationFact(use, site));
  notes.push(...medicationNotes(uses, classified));
  const medications = classified
    .filter((fact): fact is MedicationFact => fact !== undefined)
    .sort(byStartDesc);

  const exposure: Partial<Record<MedicationClass, Exposure>> = {};
  for (const cls of ALL_CLASSES) {
    const found = exposureOf(
      medications.filter((fact) => fact.classes.includes(cls)),
      today,
      config,
    );
    if (found) exposure[cls] = found;
  }
  const therapy = medications.filter((fact) => fact.isB12Therapy);
  const therapyExposure = exposureOf(therapy, today, config);

  const observations = ofType('Observation');
  const labs = readLabFacts(observations, therapy, therapyExposure?.startDay, today, config);
  for (const observation of labs.unusable) {
    const window =
      observation.analyte === 'totalB12' || observation.analyte === 'activeB12'
        ? config.staleB12MaxDays
        : config.lookbackDays[observation.analyte];
    if (observation.day === undefined || withinDays(observation.day, today, window)) {
      notes.push(unusableNote(observation));
    }
  }

  const latest: Partial<Record<Analyte, AnalyteResult<Analyte>>> = {};
  for (const analyte of Object.keys(ANALYTES) as Analyte[]) {
    const isMarker = (B12_MARKERS as readonly string[]).includes(analyte);
    const found = (labs.results[analyte] as readonly AnalyteResult<Analyte>[]).find(
      (result) =>
        withinDays(result.day, today, config.lookbackDays[analyte]) &&
        (!isMarker || (result as MarkerResult).diagnostic),
    );
    if (found) latest[analyte] = found;
  }
  const mma = latest.methylmalonicAcid as MarkerResult | undefined;
  if (mma?.referenceHighUnreadable) {
    notes.push(
      dataNote(
        'unreadable-reference-range',
        `the reference range of the methylmalonic acid (MMA) result of ${isoDay(mma.day)} could not be read`,
        { analyte: 'methylmalonicAcid' },
      ),
    );
  }
  const recentB12 = latestB12(
    labs.results,
    (result) => result.diagnostic && withinDays(result.day, today, config.lookbackDays.totalB12),
  );
  const staleB12 = recentB12
    ? undefined
    : latestB12(
        labs.results,
        (result) => result.diagnostic && withinDays(result.day, today, config.staleB12MaxDays),
      );

  const problems = mapDefined(
    [
      ...ofType('Condition'),
      ...ofType('Procedure'),
      // A site's recognisers may name any Observation; the rule book's sets, only a few.
      ...(site.empty
        ? labs.otherObservations.filter(mayCountAsObservation)
        : labs.otherObservations),
    ],
    readProblem,
  );
  const conditions = readConditionGroups(
    problems,
    today,
    site.empty ? undefined : (record) => site.conditionGroupsOf(record.resource),
  );
  notes.push(...conditionNotes(conditions));

  const patient = ofType('Patient')[0];
  const sex = readSex(patient);
  const draftFacts = readDrafts(drafts, input.selections, index, today, site, notes);
  const born = bornIn(patient);
  return {
    today,
    patient: {
      deceased: isDeceased(patient, today),
      ageYears: ageInYears(patient?.birthDate, today),
      ...(born === undefined ? {} : { bornIn: born }),
      sex,
      pregnant: isPregnant(sex, labs.pregnancyStatus, conditions, today, config),
    },
    results: labs.results,
    unusable: labs.unusable,
    latest: latest as PatientFacts['latest'],
    b12: { latest: recentB12, stale: staleB12, pendingTest: labs.pendingB12Test },
    medications,
    exposure,
    b12Therapy: { current: therapyExposure !== undefined, startDay: therapyExposure?.startDay },
    otherRiskDrugs: [...new Set(uses.flatMap((use) => otherRiskDrug(use) ?? []))],
    conditions,
    drafts: draftFacts,
    notes: [...new Map(notes.map((note) => [note.text, note])).values()],
  };
}
