import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { RequestHandler } from 'express';
import { OperationOutcomeError } from '../fhir/operation-outcome.js';
import type { Issue } from '../fhir/operation-outcome.js';
import { JsonReadError, readJson } from './read-json.js';
import type { JsonLimits, JsonReadProblem } from './read-json.js';

/**
 * The JSON request body, read with {@link readJson} so that a large body never blocks the event
 * loop. It reads what Express's `express.json` read (JSON and FHIR JSON in UTF-8, compressed with
 * gzip, deflate or Brotli, the limit counted on the inflated bytes) and answers its refusals with
 * an OperationOutcome in our own words: a parser's message can quote the body, which may hold
 * patient data. A request of another media type is left unread (`req.body` stays undefined).
 */

const MEDIA_TYPES = ['application/json', 'application/fhir+json'];

const refusal = (
  status: number,
  issue: Issue,
  headers?: Record<string, string>,
): OperationOutcomeError => new OperationOutcomeError(status, [issue], headers);

const notSupported = (): OperationOutcomeError =>
  refusal(415, {
    code: 'not-supported',
    diagnostics: 'The request body encoding or charset is not supported',
  });

// The connection is closed after a 413: the rest of an oversized body is not worth reading.
const tooLarge = (): OperationOutcomeError =>
  refusal(
    413,
    { code: 'too-long', diagnostics: 'The request body is larger than this service accepts' },
    { Connection: 'close' },
  );

/** A {@link JsonReadError}'s answer, the same whichever thread parsed the body. */
export function jsonRefusal(problem: JsonReadProblem, maxDepth: number): OperationOutcomeError {
  switch (problem) {
    case 'too-large':
      return tooLarge();
    case 'too-deep':
      return refusal(400, {
        code: 'too-long',
        diagnostics: `The request body is nested deeper than ${maxDepth} levels`,
      });
    case 'invalid':
      return refusal(400, { code: 'structure', diagnostics: 'The request body is not valid JSON' });
  }
}

/** The body's bytes as sent, inflated; `undefined` for an encoding this service does not read. */
function decoded(req: Readable, encoding: string): Readable | undefined {
  switch (encoding) {
    case 'identity':
      return req;
    case 'gzip':
    case 'x-gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      return undefined;
  }
}

const charsetOf = (contentType: string): string | undefined =>
  /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase();

/**
 * `req.body` parsed, or with `unparsedAbove` a larger body's bytes (UnparsedJson) for a hook-call
 * thread to parse. A body an earlier reader on the route read is left alone.
 */
export function jsonBody(limits: JsonLimits): RequestHandler {
  return (req, _res, next) => {
    if (req.body !== undefined || !req.is(MEDIA_TYPES)) {
      next();
      return;
    }
    const charset = charsetOf(req.get('content-type') ?? '');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      next(notSupported());
      return;
    }
    if (Number(req.get('content-length') ?? 0) > limits.maxBytes) {
      next(tooLarge());
      return;
    }
    const source = decoded(req, (req.get('content-encoding') ?? 'identity').trim().toLowerCase());
    if (!source) {
      next(notSupported());
      return;
    }
    // The request itself is not destroyed on an early stop, so the refusal can still be sent.
    readJson(source.iterator({ destroyOnReturn: source !== req }), limits).then(
      (body) => {
        req.body = body;
        next();
      },
      (error: unknown) => {
        req.unpipe();
        next(
          error instanceof JsonReadError
            ? jsonRefusal(error.problem, limits.maxDepth)
            : refusal(400, { code: 'invalid', diagnostics: 'The request body could not be read' }),
        );
      },
    );
  };
}
