import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { callingClient } from './client-auth.js';
import { OperationOutcomeError } from './operation-outcome.js';

/** The nesting depth of a parsed JSON value, counted without recursion (no stack to exhaust). */
export function jsonDepth(value: unknown, stopAbove: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > stopAbove) return deepest;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** 400 for a body nested deeper than any FHIR or CDS Hooks payload needs to be. */
export function jsonDepthLimit(maxDepth: number): RequestHandler {
  return (req, _res, next) => {
    if (jsonDepth(req.body, maxDepth) > maxDepth) {
      next(
        new OperationOutcomeError(400, [
          {
            code: 'too-long',
            diagnostics: `The request body is nested deeper than ${maxDepth} levels`,
          },
        ]),
      );
      return;
    }
    next();
  };
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
