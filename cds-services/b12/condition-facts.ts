import { asArray, asObject, asString } from '../../src/fhir/coding.js';
import type { ProblemRecord } from '../../src/fhir/conditions.js';
import type { EpochDay } from '../../src/fhir/dates.js';
import { CONDITION_GROUPS, SNOMED_SYSTEM, anyOf } from './terminology.js';
import type { ConditionGroup } from './terminology.js';

/** A recorded condition (or procedure, or diet observation) that puts the patient in a group. */
export interface ConditionEvidence {
  /** The record's own wording, for card evidence. */
  name: string;
  recognisedBy: 'code' | 'text';
  resourceType: ProblemRecord['resourceType'];
  id: string | undefined;
  day: EpochDay | undefined;
}

export type ConditionsByGroup = Partial<Record<ConditionGroup, ConditionEvidence[]>>;

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

/** The groups each kind of record can put a patient in (RULES.md 2.4). */
const CANDIDATES: Readonly<Record<ProblemRecord['resourceType'], readonly ConditionGroup[]>> = {
  Condition: GROUPS.map(([group]) => group),
  Procedure: GROUPS.filter(([, definition]) => definition.surgical === true).map(
    ([group]) => group,
  ),
  Observation: ['veganDiet'],
};

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

interface GroupMatch {
  group: ConditionGroup;
  recognisedBy: 'code' | 'text';
}

/**
 * The groups a record can count for (RULES.md 2.4): by SNOMED CT code; by the text patterns only
 * when no code of the rule book's sets matches (supplementary groups never stop the fallback).
 */
function groupsOf(record: ProblemRecord): GroupMatch[] {
  const coded = new Set<ConditionGroup>();
  for (const code of record.codes) {
    if (code.system !== SNOMED_SYSTEM) continue;
    for (const group of GROUPS_BY_SNOMED.get(code.code) ?? []) coded.add(group);
  }
  const candidates = CANDIDATES[record.resourceType];
  const found = candidates
    .filter((group) => coded.has(group))
    .map((group): GroupMatch => ({ group, recognisedBy: 'code' }));
  if ([...coded].some((group) => CONDITION_GROUPS[group].supplementary !== true)) return found;
  const text = record.texts.join(' ');
  const fallback = TEXT_FALLBACK[record.resourceType];
  if (!fallback.any.test(text)) return found;
  for (const [group, pattern] of fallback.patterns) {
    if (pattern.test(text)) found.push({ group, recognisedBy: 'text' });
  }
  return found;
}

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
    if (
      asString(object?.system) === SNOMED_SYSTEM &&
      coded?.some((group) => CANDIDATES[type].includes(group))
    ) {
      return true;
    }
    if (matchesText(object?.display, type)) return true;
  }
  return false;
}

/**
 * Whether an Observation that is no laboratory result could count for a group at all (for a
 * vegan diet only, RULES.md 2.4), checked before it is read: most of a patient's Observations
 * (vital signs, chemistry) name none, and reading each into a record costs more than this.
 */
export function mayCountAsObservation(observation: Record<string, unknown>): boolean {
  return (
    namesGroup(observation.code, 'Observation') ||
    namesGroup(observation.valueCodeableConcept, 'Observation')
  );
}

/**
 * Which groups the patient's records put them in (RULES.md 2.4): a Condition counts when its
 * clinical status is active, recurrence or relapse (or absent) and it is not refuted or entered in
 * error; permanent risk factors count whatever their clinical status. Completed Procedures count
 * for the surgical groups, final Observations for a vegan diet.
 */
export function readConditionGroups(records: readonly ProblemRecord[]): ConditionsByGroup {
  const byGroup: ConditionsByGroup = {};
  for (const record of records) {
    if (record.excluded) continue;
    const allowed = groupsOf(record).filter(
      ({ group }) =>
        record.active ||
        (record.resourceType === 'Condition' && CONDITION_GROUPS[group].permanent === true),
    );
    for (const { group, recognisedBy } of allowed) {
      (byGroup[group] ??= []).push({
        name: record.texts[0] ?? record.codes[0]?.code ?? 'unnamed record',
        recognisedBy,
        resourceType: record.resourceType,
        id: record.id,
        day: record.day,
      });
    }
  }
  return byGroup;
}
