import type { FhirResource } from 'fhir/r4.js';
import { z } from 'zod';
import { isObject } from '../coding.js';

/**
 * FHIR resources as received from a CDS client (prefetch, draft orders) or a FHIR server. Only
 * what this layer reads is checked: `resourceType` everywhere, plus the structure of Bundles
 * (entries, paging links) and OperationOutcomes (issues). The data layer reads the rest defensively.
 *
 * The check is written out rather than composed from zod objects: zod copies every object it
 * validates, and a prefetch Bundle holds thousands of them. Prefetch values and FHIR server
 * answers do not go through zod at all (see parseHookRequest).
 */

/** Where a received value is not what this layer reads. */
export interface StructureProblem {
  path: (string | number)[];
  message: string;
  /** The field is absent rather than wrong (reported as `required`). */
  missing: boolean;
}

type Path = (string | number)[];

const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;

/**
 * The check walks with one path stack: a path is copied only for a problem, never for each of the
 * thousands of entries of a valid Bundle.
 */
class Check {
  readonly problems: StructureProblem[] = [];

  constructor(private readonly path: Path) {}

  problem(message: string, value: unknown, ...more: (string | number)[]): void {
    this.problems.push({ path: [...this.path, ...more], message, missing: value === undefined });
  }

  /** Runs `check` on each object of an optional array field (objects only; others are problems). */
  objects(
    owner: Record<string, unknown>,
    key: string,
    check: (item: Record<string, unknown>) => void,
    required = false,
  ): void {
    const value = owner[key];
    if (value === undefined && !required) return;
    if (!Array.isArray(value)) {
      this.problem('expected an array', value, key);
      return;
    }
    if (required && value.length === 0) this.problem('expected at least one element', value, key);
    this.path.push(key);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      this.path.push(i);
      if (isObject(item)) check(item);
      else this.problem('expected an object', item);
      this.path.pop();
    }
    this.path.pop();
  }

  string(object: Record<string, unknown>, key: string): void {
    if (typeof object[key] !== 'string') this.problem('expected a string', object[key], key);
  }

  resource(value: unknown, topLevel: boolean): void {
    if (!isObject(value)) {
      this.problem('expected a FHIR resource (an object)', value);
      return;
    }
    const type = value.resourceType;
    if (typeof type !== 'string' || !RESOURCE_TYPE.test(type)) {
      this.problem('expected a FHIR resource type', type, 'resourceType');
    } else if (type === 'OperationOutcome') {
      this.objects(
        value,
        'issue',
        (issue) => {
          if (issue.severity !== undefined) this.string(issue, 'severity');
        },
        true,
      );
    } else if (type === 'Bundle' && topLevel) {
      this.objects(value, 'entry', (entry) => {
        // Entries are searched data or outcomes; nested Bundles are not looked into.
        if (entry.resource === undefined) return;
        this.path.push('resource');
        this.resource(entry.resource, false);
        this.path.pop();
      });
      this.objects(value, 'link', (link) => {
        this.string(link, 'relation');
        this.string(link, 'url');
      });
    }
  }
}

/** What is wrong with a received FHIR resource, each problem with its path under `at`. */
export function fhirResourceProblems(value: unknown, at: Path = []): StructureProblem[] {
  const check = new Check([...at]);
  check.resource(value, true);
  return check.problems;
}

/** Whether a received value is a FHIR resource as far as this layer reads it. */
export const isFhirResource = (value: unknown): value is FhirResource =>
  fhirResourceProblems(value).length === 0;

/** The same check for zod schemas (draft orders): the value is passed on as received. */
export const fhirResourceSchema = z.custom<FhirResource>().superRefine((value, ctx) => {
  for (const { path, message, missing } of fhirResourceProblems(value)) {
    ctx.addIssue(
      missing
        ? { code: 'invalid_type', expected: 'nonoptional', input: undefined, path, message }
        : { code: 'custom', path, message },
    );
  }
});

/** An OperationOutcome reporting a failure; an issue without a severity counts as one. */
export function isErrorOutcome(resource: FhirResource): boolean {
  return (
    resource.resourceType === 'OperationOutcome' &&
    resource.issue.some((issue) => issue.severity !== 'warning' && issue.severity !== 'information')
  );
}
