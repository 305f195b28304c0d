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
  id: string | undefined;
  codes: Code[];
  texts: string[];
  /** clinicalStatus active, recurrence or relapse, or absent (a Procedure: completed). */
  active: boolean;
  /** verificationStatus refuted or entered-in-error: never counts, not even as history. */
  excluded: boolean;
  day: EpochDay | undefined;
}

const COUNTED_CLINICAL_STATUS = new Set(['active', 'recurrence', 'relapse']);
const EXCLUDED_VERIFICATION = new Set(['refuted', 'entered-in-error']);
const USABLE_OBSERVATION_STATUS = new Set(['final', 'amended', 'corrected']);

/** The code of a status CodeableConcept, whatever system the client put on it. */
const statusCode = (concept: unknown): string | undefined => anyCodes(concept)[0];

/** Reads a Condition, a Procedure, or an Observation whose code or value records a finding. */
export function readProblem(resource: Record<string, unknown>): ProblemRecord | undefined {
  const id = asString(resource.id);
  switch (resource.resourceType) {
    case 'Condition': {
      const clinical = statusCode(resource.clinicalStatus);
      const verification = statusCode(resource.verificationStatus);
      return {
        resourceType: 'Condition',
        id,
        codes: codesOf(resource.code),
        texts: textOf(resource.code),
        active: clinical === undefined || COUNTED_CLINICAL_STATUS.has(clinical),
        excluded: verification !== undefined && EXCLUDED_VERIFICATION.has(verification),
        day: fullDay(resource.onsetDateTime) ?? fullDay(resource.recordedDate),
      };
    }
    case 'Procedure': {
      const status = asString(resource.status);
      return {
        resourceType: 'Procedure',
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
      return {
        resourceType: 'Observation',
        id,
        codes: [...codesOf(resource.code), ...codesOf(resource.valueCodeableConcept)],
        texts: [...textOf(resource.valueCodeableConcept), ...textOf(resource.code)],
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
