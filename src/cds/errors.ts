import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { logValue } from './log-values.js';
import { OperationOutcomeError, operationOutcome } from './operation-outcome.js';
import type { Issue } from './operation-outcome.js';

/** Errors raised by Express's body parser carry a `type` and a 4xx `status`. */
interface BodyParserError {
  type: string;
  status: number;
}

const isBodyParserError = (error: unknown): error is BodyParserError =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as Partial<BodyParserError>).type === 'string' &&
  typeof (error as Partial<BodyParserError>).status === 'number';

/** Body parser failures in our words: its own messages can quote the body, which may hold patient data. */
function bodyParserIssue(error: BodyParserError): { status: number; issue: Issue } {
  switch (error.type) {
    case 'entity.parse.failed':
      return {
        status: 400,
        issue: { code: 'structure', diagnostics: 'The request body is not valid JSON' },
      };
    case 'entity.too.large':
      return {
        status: 413,
        issue: {
          code: 'too-long',
          diagnostics: 'The request body is larger than this service accepts',
        },
      };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return {
        status: 415,
        issue: {
          code: 'not-supported',
          diagnostics: 'The request body encoding or charset is not supported',
        },
      };
    default:
      return {
        status: 400,
        issue: { code: 'invalid', diagnostics: 'The request body could not be read' },
      };
  }
}

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
    } else if (isBodyParserError(error) && error.status >= 400 && error.status < 500) {
      const mapped = bodyParserIssue(error);
      status = mapped.status;
      issues = [mapped.issue];
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
