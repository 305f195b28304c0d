import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../main/logger.js';
import { logValue } from './log-values.js';
import { OperationOutcomeError, operationOutcome } from '../fhir/operation-outcome.js';
import type { Issue } from '../fhir/operation-outcome.js';

/** 405 with `Allow`, for a path that answers only `allowed` (and CORS preflight). */
export const methodNotAllowed =
  (allowed: string): RequestHandler =>
  (req, res, next) => {
    res.set('Allow', `${allowed}, OPTIONS`);
    next(
      new OperationOutcomeError(405, [
        { code: 'not-supported', diagnostics: `${req.method} is not allowed here; use ${allowed}` },
      ]),
    );
  };

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(
    new OperationOutcomeError(404, [
      { code: 'not-found', diagnostics: `No resource at ${req.method} ${req.path}` },
    ]),
  );
};

/** Renders every error as an OperationOutcome with its status; never a stack trace or internals. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let status: number;
    let issues: readonly Issue[];
    if (error instanceof OperationOutcomeError) {
      status = error.status;
      issues = error.issues;
      res.set(error.headers);
    } else {
      status = 500;
      issues = [{ code: 'exception', diagnostics: 'The service failed unexpectedly' }];
      logger.error(
        {
          err: {
            name: (error as Error | undefined)?.name,
            message: (error as Error | undefined)?.message,
            stack: (error as Error | undefined)?.stack,
          },
          path: logValue(req.path, 128),
        },
        'unexpected error',
      );
    }
    res
      .status(status)
      .type('application/json')
      .send(JSON.stringify(operationOutcome(issues)));
  };
}
