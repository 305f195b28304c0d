import { asArray, asObject, asString, canonicalSystem } from '../../src/fhir/coding.js';
import type { Code } from '../../src/fhir/coding.js';
import type { ProblemRecord } from '../../src/fhir/conditions.js';
import type { EpochDay } from '../../src/fhir/dates.js';
import { rememberedByText } from '../../src/fhir/remembered.js';
import { CONDITION_GROUPS, anyOf, dotlessIcd10 } from './terminology.js';
import type { ConditionGroup } from './terminology.js';
import { ICD10_CM, ICD10_WHO, SNOMED } from '../../src/fhir/systems.js';

/** A recorded condition (or procedure, or diet observation) that puts the patient in a group. */
export interface ConditionEvidence {
  /** The record's own wording, for card evidence. */
  name: string;
  recognisedBy: 'code' | 'site' | 'text';
  /** Recognised by text although coded: the first code, which the service does not list (RULES.md 10.5.3). */
  unlistedCode?: Code;
  resourceType: ProblemRecord['resourceType'];
  id: string | undefined;
  day: EpochDay | undefined;
  /** When it ended, if it did (RULES.md 10.1.3). */
  abated?: EpochDay | 'undated';
}

export type ConditionsByGroup = Partial<Record<ConditionGroup, ConditionEvidence[]>>;

/** The names of the records in condition groups, for evidence lines. */
export const recordNames = (
  conditions: ConditionsByGroup,
  groups: readonly ConditionGroup[],
): string[] => [
  ...new Set(groups.flatMap((group) => (conditions[group] ?? []).map((e) => e.name))),
];

const GROUPS = Object.entries(CONDITION_GROUPS) as [
  ConditionGroup,
  (typeof CONDITION_GROUPS)[ConditionGroup],
][];

/** The groups of each SNOMED CT code of the rule book's sets. */
const GROUPS_BY_SNOMED = new Map<string, ConditionGroup[]>();
for (const [group, definition] of GROUPS) {
  for (const code of definition.snomed) {
    GROUPS_BY_SNOMED.set(code, [...(GROUPS_BY_SNOMED.get(code) ?? []), group]);
  }
}

/** The groups each kind of record can put a patient in (RULES.md 2.4, 10.2.5). */
const CANDIDATES: Readonly<Record<ProblemRecord['resourceType'], readonly ConditionGroup[]>> = {
  Condition: GROUPS.map(([group]) => group),
  Procedure: GROUPS.filter(([, definition]) => definition.surgical === true).map(
    ([group]) => group,
  ),
  Observation: ['veganDiet', 'neuro', 'symptom'],
};

/** ICD-10 (CM and WHO) code prefixes, dotless, and the groups they put a patient in (RULES.md 10.6). */
const GROUPS_BY_ICD10 = new Map<string, ConditionGroup[]>();
for (const [group, definition] of GROUPS) {
  for (const prefix of definition.icd10) {
    GROUPS_BY_ICD10.set(prefix, [...(GROUPS_BY_ICD10.get(prefix) ?? []), group]);
  }
}
const ICD10_SYSTEMS = new Set([ICD10_CM, ICD10_WHO]);

/**
 * ICD-10 prefixes that name a group only with the right words (E53.8 is B12 deficiency only when
 * its text names B12 or cobalamin, RULES.md 10.6), by group.
 */
const ICD10_NEEDS_TEXT = new Map<string, Map<ConditionGroup, RegExp>>();
for (const [group, definition] of GROUPS) {
  for (const [prefix, pattern] of Object.entries(definition.icd10RequiresText ?? {})) {
    const groups = ICD10_NEEDS_TEXT.get(prefix) ?? new Map<ConditionGroup, RegExp>();
    ICD10_NEEDS_TEXT.set(prefix, groups.set(group, pattern));
  }
}

/** The groups of an ICD-10 code, matched by prefix (`K50.0` covers `K50.011`, RULES.md 10.5.1). */
function icd10Groups(code: string, text: string): ConditionGroup[] {
  const plain = dotlessIcd10(code);
  const groups: ConditionGroup[] = [];
  for (let length = plain.length; length >= 3; length--) {
    const prefix = plain.slice(0, length);
    const needs = ICD10_NEEDS_TEXT.get(prefix);
    for (const group of GROUPS_BY_ICD10.get(prefix) ?? []) {
      if (needs?.get(group)?.test(text) !== false) groups.push(group);
    }
  }
  return groups;
}

/** The groups the record's codes name (SNOMED CT exactly, ICD-10 by prefix). */
function codedGroups(record: ProblemRecord): Set<ConditionGroup> {
  const coded = new Set<ConditionGroup>();
  const text = record.texts.join(' ');
  for (const code of record.codes) {
    if (code.system === SNOMED) {
      for (const group of GROUPS_BY_SNOMED.get(code.code) ?? []) coded.add(group);
    } else if (ICD10_SYSTEMS.has(code.system)) {
      for (const group of icd10Groups(code.code, text)) coded.add(group);
    }
  }
  return coded;
}

const textPatterns = (groups: readonly ConditionGroup[]): [ConditionGroup, RegExp][] =>
  groups.flatMap((group) => {
    const pattern = CONDITION_GROUPS[group].text;
    return pattern ? [[group, pattern] as [ConditionGroup, RegExp]] : [];
  });

/** Per kind of record, its groups' text patterns, and one matching any of them. */
const TEXT_FALLBACK = Object.fromEntries(
  Object.entries(CANDIDATES).map(([type, groups]) => {
    const patterns = textPatterns(groups);
    return [type, { any: anyOf(patterns.map(([, pattern]) => pattern)), patterns }];
  }),
) as Record<ProblemRecord['resourceType'], { any: RegExp; patterns: [ConditionGroup, RegExp][] }>;

/**
 * The groups a record's text names, per kind of record; none for negated text (RULES.md 10.5.2).
 * Remembered: problem lists repeat the same names, and the patterns are long.
 */
const TEXT_GROUPS = Object.fromEntries(
  Object.entries(TEXT_FALLBACK).map(([type, fallback]) => [
    type,
    rememberedByText(5000, (text): readonly ConditionGroup[] =>
      !fallback.any.test(text) || NEGATION_TEXT.test(text)
        ? []
        : Object.freeze(
            fallback.patterns.filter(([, pattern]) => pattern.test(text)).map(([group]) => group),
          ),
    ),
  ]),
) as Record<ProblemRecord['resourceType'], (text: string) => readonly ConditionGroup[]>;

/** Someone else's condition (RULES.md 10.5.2): family history markers, and SNOMED CT 416471007. */
const FAMILY_HISTORY_TEXT = /family history|family hx|\bFHx\b|\bFH:/i;
const FAMILY_HISTORY_CODES = new Set(['416471007']);
/** Negated text never counts (RULES.md 10.5.2). */
const NEGATION_TEXT = /\b(no|not|denies|denied|negative for|without|ruled out|absent)\b|\br\/o\b/i;
/** "History of fatigue" is a past symptom; "history of gastrectomy" is still the patient's (10.5.2). */
const PAST_TEXT = /^\s*history of\b/i;
const SYMPTOM_GROUPS: ReadonlySet<ConditionGroup> = new Set(['neuro', 'symptom']);

function isFamilyHistory(record: ProblemRecord): boolean {
  return (
    record.codes.some((code) => code.system === SNOMED && FAMILY_HISTORY_CODES.has(code.code)) ||
    record.texts.some((text) => FAMILY_HISTORY_TEXT.test(text))
  );
}

interface GroupMatch {
  group: ConditionGroup;
  recognisedBy: ConditionEvidence['recognisedBy'];
}

/**
 * The groups a record can count for (RULES.md 2.4, 10.5): by SNOMED CT or ICD-10 code; by the
 * text patterns only when no code of the rule book's sets matches (supplementary groups never stop
 * the fallback), and never on negated text. Family history is never the patient's own condition;
 * a past symptom ("History of …") is no current symptom.
 */
function groupsOf(record: ProblemRecord): GroupMatch[] {
  if (isFamilyHistory(record)) return [];
  const past = record.texts.some((text) => PAST_TEXT.test(text));
  const candidates = CANDIDATES[record.resourceType].filter(
    (group) => !(past && SYMPTOM_GROUPS.has(group)),
  );
  const coded = codedGroups(record);
  const found = candidates
    .filter((group) => coded.has(group))
    .map((group): GroupMatch => ({ group, recognisedBy: 'code' }));
  if ([...coded].some((group) => CONDITION_GROUPS[group].supplementary !== true)) return found;
  for (const group of TEXT_GROUPS[record.resourceType](record.texts.join(' '))) {
    if (candidates.includes(group)) found.push({ group, recognisedBy: 'text' });
  }
  return found;
}

/** Whether a record names a group it can count for: by code, or by its text (as groupsOf reads it). */
export const namesAnyGroup = (record: ProblemRecord): boolean => groupsOf(record).length > 0;

const matchesText = (text: unknown, type: ProblemRecord['resourceType']): boolean =>
  typeof text === 'string' && TEXT_FALLBACK[type].any.test(text);

/** Whether the concept carries a code of a group the record type can count for, or its text. */
function namesGroup(value: unknown, type: ProblemRecord['resourceType']): boolean {
  const concept = asObject(value);
  if (concept === undefined) return false;
  if (matchesText(concept.text, type)) return true;
  for (const coding of asArray(concept.coding)) {
    // Read as codesOf and textOf read them.
    const object = asObject(coding);
    const code = asString(object?.code);
    const coded = code === undefined ? undefined : GROUPS_BY_SNOMED.get(code);
    const system = asString(object?.system);
    if (system !== undefined && ICD10_SYSTEMS.has(canonicalSystem(system))) return true;
    if (
      system !== undefined &&
      canonicalSystem(system) === SNOMED &&
      coded?.some((group) => CANDIDATES[type].includes(group))
    ) {
      return true;
    }
    if (matchesText(object?.display, type)) return true;
  }
  return false;
}

/**
 * Whether an Observation that is no laboratory result could count for a group at all (a vegan
 * diet, a symptom or neurological finding: RULES.md 2.4, 10.2.5), checked before it is read: most
 * of a patient's Observations (vital signs, chemistry) name none, and reading each into a record
 * costs more than this.
 */
export function mayCountAsObservation(observation: Record<string, unknown>): boolean {
  // A measurement (a vital sign, a score) records no finding by its code (RULES.md 10.2.5).
  for (const key of MEASURED_VALUES) if (observation[key] !== undefined) return false;
  return (
    namesGroup(observation.code, 'Observation') ||
    namesGroup(observation.valueCodeableConcept, 'Observation')
  );
}

/** The value[x] of an Observation that measures rather than records a finding. */
const MEASURED_VALUES = [
  'valueQuantity',
  'valueString',
  'valueInteger',
  'valueRange',
  'valueRatio',
  'valueSampledData',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
] as const;

/** A symptom recorded as an Observation counts for a year (RULES.md 10.2.5). */
const OBSERVED_SYMPTOM_DAYS = 365;

/** Whether an Observation's finding is recent enough to count (RULES.md 10.2.5). */
const isRecentObservation = (record: ProblemRecord, today: EpochDay): boolean =>
  record.day !== undefined &&
  record.day <= today + 1 &&
  today - record.day <= OBSERVED_SYMPTOM_DAYS;

/**
 * Which groups the patient's records put them in (RULES.md 2.4, 10.2.5): a Condition counts when
 * its clinical status is active, recurrence or relapse (or absent) and it is not refuted or entered
 * in error; permanent risk factors count whatever their clinical status. Completed Procedures count
 * for the surgical groups; final Observations for a vegan diet, and within a year for symptoms and
 * neurological findings. `extra` adds a site's recognisers for records no code recognised.
 */
export function readConditionGroups(
  records: readonly ProblemRecord[],
  today: EpochDay,
  extra?: (record: ProblemRecord) => readonly ConditionGroup[],
): ConditionsByGroup {
  const byGroup: ConditionsByGroup = {};
  for (const record of records) {
    if (record.excluded) continue;
    let matches = groupsOf(record);
    // A site's recognisers are its own codes: they run only where no standard code matched, and
    // what they recognise needs no text fallback.
    if (extra && !matches.some((match) => match.recognisedBy === 'code')) {
      const site = extra(record);
      if (site.length > 0) matches = site.map((group) => ({ group, recognisedBy: 'site' }));
    }
    const allowed = matches.filter(
      ({ group }) =>
        (record.active &&
          (record.resourceType !== 'Observation' ||
            !SYMPTOM_GROUPS.has(group) ||
            isRecentObservation(record, today))) ||
        (record.resourceType === 'Condition' && CONDITION_GROUPS[group].permanent === true),
    );
    for (const { group, recognisedBy } of allowed) {
      const unlistedCode = recognisedBy === 'text' ? record.codes[0] : undefined;
      (byGroup[group] ??= []).push({
        name: record.texts[0] ?? record.codes[0]?.code ?? 'unnamed record',
        recognisedBy,
        ...(unlistedCode ? { unlistedCode } : {}),
        resourceType: record.resourceType,
        id: record.id,
        day: record.day,
        ...(record.abated === undefined ? {} : { abated: record.abated }),
      });
    }
  }
  return byGroup;
}
