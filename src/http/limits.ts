import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { callingClient } from './auth/client-auth.js';
import { OperationOutcomeError } from '../fhir/operation-outcome.js';

/**
 * The nesting depth of a parsed JSON value, counting no further than `stopAbove + 1`. The walk
 * recurses at most that deep (JSON_MAX_DEPTH is at most 1000, well within the stack) and
 * allocates nothing: it runs over every request body before anything else reads it.
 */
export function jsonDepth(value: unknown, stopAbove: number): number {
  return typeof value === 'object' && value !== null ? depthAt(value, 1, stopAbove) : 0;
}

/** The depth of the object or array `value` found at level `level`. */
function depthAt(value: object, level: number, stopAbove: number): number {
  let deepest = level;
  // Indexed loops and for…in without a callback (a closure made the walk seven times slower);
  // scalars are passed over without a call.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && deepest <= stopAbove; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) {
        deepest = Math.max(deepest, depthAt(item, level + 1, stopAbove));
      }
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (deepest > stopAbove) break;
      const item = record[key];
      if (typeof item === 'object' && item !== null) {
        deepest = Math.max(deepest, depthAt(item, level + 1, stopAbove));
      }
    }
  }
  return deepest;
}

/** Optional requests-per-minute limit per client (issuer, or address without authentication). */
export function clientRateLimit(perMinute: number): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // IPv6 addresses are grouped by subnet, so one host cannot rotate through its addresses.
    keyGenerator: (req, res) => callingClient(res)?.iss ?? ipKeyGenerator(req.ip ?? 'unknown'),
    handler: (_req, _res, next) => {
      next(
        new OperationOutcomeError(429, [
          { code: 'throttled', diagnostics: `More than ${perMinute} requests in a minute` },
        ]),
      );
    },
  });
}
