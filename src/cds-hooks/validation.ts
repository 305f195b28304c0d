import type { Request } from 'express';
import type { z } from 'zod';
import { OperationOutcomeError } from '../fhir/operation-outcome.js';
import type { StructureProblem } from '../fhir/client/fhir-resource.js';

const JSON_TYPES = ['application/json', 'application/fhir+json'];

/** A JSON body, or 415: the body parser silently skips other media types. */
export function jsonBody(req: Request): unknown {
  if (!req.is(JSON_TYPES)) {
    throw new OperationOutcomeError(415, [
      { code: 'not-supported', diagnostics: `Send the body as ${JSON_TYPES.join(' or ')}` },
    ]);
  }
  return req.body;
}

/** The 400 listing each problem with its path (never the offending value), at most 20. */
export function invalidRequest(problems: readonly StructureProblem[]): OperationOutcomeError {
  return new OperationOutcomeError(
    400,
    problems.slice(0, 20).map(({ path, message, missing }) => {
      const at = path.map(String).join('.');
      return {
        code: missing ? 'required' : 'invalid',
        diagnostics: at === '' ? message : `${at}: ${message}`,
        ...(at === '' ? {} : { expression: at }),
      };
    }),
  );
}

/** zod's issues as problems; `reportInput` tells a missing field (no input) from a wrong one. */
export const zodProblems = (error: z.ZodError): StructureProblem[] =>
  error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === 'number' ? key : String(key))),
    message: issue.message,
    missing: issue.code === 'invalid_type' && issue.input === undefined,
  }));

/** Parses with a zod schema, or throws {@link invalidRequest}. */
export function parseOr400<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
): z.infer<Schema> {
  // reportInput only to tell a missing field from a wrong one; values are never echoed.
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  throw invalidRequest(zodProblems(result.error));
}
