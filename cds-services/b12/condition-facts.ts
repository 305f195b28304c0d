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

/** The groups a record's codes fall in; text patterns only when no code of any group matches (RULES.md 2.4). */
function groupsOf(record: ProblemRecord): {
  groups: ConditionGroup[];
  recognisedBy: 'code' | 'text';
} {
  const snomed = new Set(
    record.codes.filter((code) => code.system === SNOMED_SYSTEM).map((code) => code.code),
  );
  const coded = GROUPS.filter(([, definition]) =>
    definition.snomed.some((code) => snomed.has(code)),
  ).map(([group]) => group);
  if (coded.length > 0) return { groups: coded, recognisedBy: 'code' };
  const text = record.texts.join(' ');
  const written = GROUPS.filter(([, definition]) => definition.text?.test(text) === true).map(
    ([group]) => group,
  );
  return { groups: written, recognisedBy: 'text' };
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
    const { groups, recognisedBy } = groupsOf(record);
    const allowed = groups.filter((group) => {
      if (record.resourceType === 'Observation') return group === 'veganDiet' && record.active;
      if (record.resourceType === 'Procedure') return SURGICAL.includes(group) && record.active;
      return record.active || CONDITION_GROUPS[group].permanent === true;
    });
    const evidence: ConditionEvidence = {
      name: record.texts[0] ?? record.codes[0]?.code ?? 'unnamed record',
      recognisedBy,
      resourceType: record.resourceType,
      id: record.id,
      day: record.day,
    };
    for (const group of allowed) (byGroup[group] ??= []).push(evidence);
  }
  return byGroup;
}
