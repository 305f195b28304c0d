import { performance } from 'node:perf_hooks';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../main/logger.js';

/**
 * One log line per call, written when its answer is finished, whatever the route or the error
 * handler sent: the status and duration are the ones the client got. A route names its line and
 * adds its fields (service id, hookInstance, card codes; never patient data) with
 * {@link describeCall}; a request no route described is not logged here.
 */

interface CallLine {
  /** The message when answered below 400, and otherwise. */
  message: { answered: string; failed: string };
  fields: Record<string, unknown>;
}

/** Where the line waits in `res.locals` for the answer to finish. */
const LINE = 'requestLogLine';

export function describeCall(
  res: Response,
  message: CallLine['message'],
  fields: Record<string, unknown>,
): void {
  const line = res.locals[LINE] as CallLine | undefined;
  if (line) Object.assign(line.fields, fields);
  else res.locals[LINE] = { message, fields: { ...fields } };
}

const elapsedMs = (started: number): number => Math.round((performance.now() - started) * 10) / 10;

export function requestLog(logger: Logger): RequestHandler {
  return (_req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const line = res.locals[LINE] as CallLine | undefined;
      if (!line) return;
      logger.info(
        { ...line.fields, status: res.statusCode, durationMs: elapsedMs(started) },
        res.statusCode < 400 ? line.message.answered : line.message.failed,
      );
    });
    next();
  };
}
