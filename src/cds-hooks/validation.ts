import type { Request } from 'express';
import type { z } from 'zod';
import { OperationOutcomeError } from '../fhir/operation-outcome.js';

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

/** Parses with a zod schema, or 400 listing each problem with its path (never the offending value). */
export function parseOr400<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
): z.infer<Schema> {
  // reportInput only to tell a missing field (no input) from a wrong one; values are never echoed.
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  throw new OperationOutcomeError(
    400,
    result.error.issues.slice(0, 20).map((issue) => {
      const path = issue.path.map(String).join('.');
      return {
        code: issue.code === 'invalid_type' && issue.input === undefined ? 'required' : 'invalid',
        diagnostics: path === '' ? issue.message : `${path}: ${issue.message}`,
        ...(path === '' ? {} : { expression: path }),
      };
    }),
  );
}
