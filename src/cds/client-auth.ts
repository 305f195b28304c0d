import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import { OperationOutcomeError } from './operation-outcome.js';

/**
 * The CDS client authentication switch (CDS Hooks 2.0 §Trusting CDS Clients). With `CDS_AUTH=off`
 * (development) every call is let through. With `required` this build verifies no JWT yet, so it
 * fails closed: every CDS call is refused with 401 until verification is configured.
 */
export function clientAuthentication(config: Config): RequestHandler {
  if (config.auth === 'off') return (_req, _res, next) => next();
  return (_req, _res, next) =>
    next(
      new OperationOutcomeError(
        401,
        [{ code: 'login', diagnostics: 'Client authentication failed' }],
        { 'WWW-Authenticate': 'Bearer' },
      ),
    );
}
