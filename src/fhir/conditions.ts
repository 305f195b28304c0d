import { anyCodes, asObject, asString, codesOf, textOf } from './coding.js';
import type { Code } from './coding.js';
import { fullDay } from './dates.js';
import type { EpochDay } from './dates.js';

/**
 * Reading Conditions, and the Procedures and Observations that record the same facts
 * (RULES.md 2.4): whether a record counts, and its codes and text.
 */

export interface ProblemRecord {
  resourceType: 'Condition' | 'Procedure' | 'Observation';
  /** The resource read, for a site's own recognisers. */
  resource: Record<string, unknown>;
  id: string | undefined;
  codes: Code[];
  texts: string[];
  /** clinicalStatus active, recurrence or relapse, or absent (a Procedure: completed). */
  active: boolean;
  /** verificationStatus refuted or entered-in-error: never counts, not even as history. */
  excluded: boolean;
  /** Onset (dateTime or Period start), else recorded date; a procedure's or observation's date. */
  day: EpochDay | undefined;
  /** When it ended (`abatement[x]`); `undated` for an abatement given without a day (RULES.md 10.1.3). */
  abated?: EpochDay | 'undated';
}

const COUNTED_CLINICAL_STATUS = new Set(['active', 'recurrence', 'relapse']);
const EXCLUDED_VERIFICATION = new Set(['refuted', 'entered-in-error']);
const USABLE_OBSERVATION_STATUS = new Set(['final', 'amended', 'corrected']);

/** The code of a status CodeableConcept, whatever system the client put on it. */
const statusCode = (concept: unknown): string | undefined => anyCodes(concept)[0];

/** SNOMED CT answers "Present"/"Yes" and "Absent"/"No" to a finding recorded as an Observation (RULES.md 10.2.5). */
const PRESENT_ANSWERS = new Set(['52101004', '373066001']);
const ABSENT_ANSWERS = new Set(['2667000', '373067005']);

/**
 * What an Observation records as found (RULES.md 10.2.5): its coded value (a finding as the
 * answer), and its own code when it has no value, `valueBoolean: true`, or a "Present"/"Yes"
 * answer. "Absent", "No" and `false` record nothing; nor does a measured value.
 */
function observationFindings(resource: Record<string, unknown>): unknown[] {
  const value = asObject(resource.valueCodeableConcept);
  const answers = value ? codesOf(value).map((code) => code.code) : [];
  if (answers.some((code) => ABSENT_ANSWERS.has(code))) return [];
  const present =
    resource.valueBoolean === true ||
    answers.some((code) => PRESENT_ANSWERS.has(code)) ||
    !Object.keys(resource).some((key) => key.startsWith('value'));
  if (present) return [resource.code];
  return value ? [value] : [];
}

/** `abatement[x]`: its day, `undated` when it gives none (a string, an age), or none at all. */
function abatementOf(resource: Record<string, unknown>): EpochDay | 'undated' | undefined {
  const period = asObject(resource.abatementPeriod);
  const day = fullDay(resource.abatementDateTime) ?? fullDay(period?.end) ?? fullDay(period?.start);
  if (day !== undefined) return day;
  if (resource.abatementBoolean === false) return undefined;
  return Object.keys(resource).some((key) => key.startsWith('abatement')) ? 'undated' : undefined;
}

/** Reads a Condition, a Procedure, or an Observation whose code or value records a finding. */
export function readProblem(resource: Record<string, unknown>): ProblemRecord | undefined {
  const id = asString(resource.id);
  switch (resource.resourceType) {
    case 'Condition': {
      const clinical = statusCode(resource.clinicalStatus);
      const verification = statusCode(resource.verificationStatus);
      const abated = abatementOf(resource);
      return {
        resourceType: 'Condition',
        resource,
        id,
        codes: codesOf(resource.code),
        texts: textOf(resource.code),
        active: clinical === undefined || COUNTED_CLINICAL_STATUS.has(clinical),
        excluded: verification !== undefined && EXCLUDED_VERIFICATION.has(verification),
        day:
          fullDay(resource.onsetDateTime) ??
          fullDay(asObject(resource.onsetPeriod)?.start) ??
          fullDay(resource.recordedDate),
        ...(abated === undefined ? {} : { abated }),
      };
    }
    case 'Procedure': {
      const status = asString(resource.status);
      return {
        resourceType: 'Procedure',
        resource,
        id,
        codes: codesOf(resource.code),
        texts: textOf(resource.code),
        active: status === 'completed',
        excluded: status === 'entered-in-error' || status === 'not-done',
        day:
          fullDay(resource.performedDateTime) ?? fullDay(asObject(resource.performedPeriod)?.start),
      };
    }
    case 'Observation': {
      const status = asString(resource.status) ?? 'unknown';
      const findings = observationFindings(resource);
      return {
        resourceType: 'Observation',
        resource,
        id,
        codes: findings.flatMap(codesOf),
        texts: findings.flatMap(textOf),
        active: USABLE_OBSERVATION_STATUS.has(status),
        excluded: status === 'entered-in-error' || status === 'cancelled',
        day:
          fullDay(resource.effectiveDateTime) ?? fullDay(asObject(resource.effectivePeriod)?.start),
      };
    }
    default:
      return undefined;
  }
}
