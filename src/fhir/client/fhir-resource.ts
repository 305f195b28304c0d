import type { FhirResource } from 'fhir/r4.js';
import { z } from 'zod';
import { isObject } from '../coding.js';

/**
 * FHIR resources as received from a CDS client (prefetch, draft orders) or a FHIR server. Only
 * what this layer reads is checked: `resourceType` everywhere, plus the structure of Bundles
 * (entries, paging links) and OperationOutcomes (issues). The data layer reads the rest defensively.
 *
 * The check is written out rather than composed from zod objects: zod copies every object it
 * validates, and a prefetch Bundle holds thousands of them (docs/performance.md).
 */

interface Problem {
  path: (string | number)[];
  message: string;
  /** The field is absent rather than wrong (reported as `required`). */
  missing: boolean;
}

type Path = (string | number)[];

const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;

function problem(path: Path, message: string, value: unknown): Problem {
  return { path, message, missing: value === undefined };
}

/** The elements of an optional array field that must be objects. */
function objectsOf(
  value: unknown,
  path: Path,
  problems: Problem[],
  required = false,
): [Record<string, unknown>, Path][] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) {
    problems.push(problem(path, 'expected an array', value));
    return [];
  }
  if (required && value.length === 0) {
    problems.push(problem(path, 'expected at least one element', value));
  }
  const items: [Record<string, unknown>, Path][] = [];
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (isObject(item)) items.push([item, [...path, i]]);
    else problems.push(problem([...path, i], 'expected an object', item));
  }
  return items;
}

function stringAt(
  object: Record<string, unknown>,
  key: string,
  path: Path,
  problems: Problem[],
): void {
  const value = object[key];
  if (typeof value !== 'string') problems.push(problem([...path, key], 'expected a string', value));
}

function operationOutcomeProblems(
  outcome: Record<string, unknown>,
  path: Path,
  problems: Problem[],
): void {
  for (const [issue, at] of objectsOf(outcome.issue, [...path, 'issue'], problems, true)) {
    if (issue.severity !== undefined) stringAt(issue, 'severity', at, problems);
  }
}

function bundleProblems(bundle: Record<string, unknown>, path: Path, problems: Problem[]): void {
  for (const [entry, at] of objectsOf(bundle.entry, [...path, 'entry'], problems)) {
    if (entry.resource !== undefined) {
      // Entries are searched data or outcomes; nested Bundles are not looked into.
      resourceProblems(entry.resource, [...at, 'resource'], problems, false);
    }
  }
  for (const [link, at] of objectsOf(bundle.link, [...path, 'link'], problems)) {
    stringAt(link, 'relation', at, problems);
    stringAt(link, 'url', at, problems);
  }
}

function resourceProblems(
  value: unknown,
  path: Path,
  problems: Problem[],
  topLevel: boolean,
): void {
  if (!isObject(value)) {
    problems.push(problem(path, 'expected a FHIR resource (an object)', value));
    return;
  }
  const type = value.resourceType;
  if (typeof type !== 'string' || !RESOURCE_TYPE.test(type)) {
    problems.push(problem([...path, 'resourceType'], 'expected a FHIR resource type', type));
  } else if (type === 'OperationOutcome') {
    operationOutcomeProblems(value, path, problems);
  } else if (type === 'Bundle' && topLevel) {
    bundleProblems(value, path, problems);
  }
}

export const fhirResourceSchema = z.custom<FhirResource>().superRefine((value, ctx) => {
  const problems: Problem[] = [];
  resourceProblems(value, [], problems, true);
  for (const { path, message, missing } of problems) {
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
