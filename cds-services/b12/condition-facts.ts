import type { ProblemRecord } from '../../src/fhir/conditions.js';
import type { EpochDay } from '../../src/fhir/dates.js';
import { CONDITION_GROUPS, SNOMED_SYSTEM } from './terminology.js';
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

const SURGICAL = GROUPS.filter(([, definition]) => definition.surgical === true).map(
  ([group]) => group,
);

/**
 * The groups a record falls in (RULES.md 2.4): by SNOMED CT code; by the text patterns only when
 * no code of the rule book's sets matches (supplementary groups never stop the fallback).
 */
function groupsOf(
  record: ProblemRecord,
): { group: ConditionGroup; recognisedBy: 'code' | 'text' }[] {
  const snomed = new Set(
    record.codes.filter((code) => code.system === SNOMED_SYSTEM).map((code) => code.code),
  );
  const coded = GROUPS.filter(([, definition]) =>
    definition.snomed.some((code) => snomed.has(code)),
  ).map(([group]) => ({ group, recognisedBy: 'code' as const }));
  if (coded.some(({ group }) => CONDITION_GROUPS[group].supplementary !== true)) return coded;
  const text = record.texts.join(' ');
  const written = GROUPS.filter(([, definition]) => definition.text?.test(text) === true).map(
    ([group]) => ({ group, recognisedBy: 'text' as const }),
  );
  return [...coded, ...written];
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
    const allowed = groupsOf(record).filter(({ group }) => {
      if (record.resourceType === 'Observation') return group === 'veganDiet' && record.active;
      if (record.resourceType === 'Procedure') return SURGICAL.includes(group) && record.active;
      return record.active || CONDITION_GROUPS[group].permanent === true;
    });
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
