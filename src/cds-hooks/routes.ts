import { Router } from 'express';
import type { Request, Response } from 'express';
import type { Config } from '../main/config.js';
import type { Logger } from '../main/logger.js';
import type { FeedbackRecorder } from '../feedback/recorder.js';
import { callingClient } from '../http/auth/client-auth.js';
import { methodNotAllowed } from '../http/errors.js';
import { logValue } from '../http/log-values.js';
import { UnparsedJson } from '../http/read-json.js';
import { describeCall } from '../http/request-log.js';
import type { RecordedCard } from './cards.js';
import { answerHookCall, errorOfAnswer } from './hook-call-answer.js';
import type { HookCallThreads, RefusedCall } from './hook-call-answer.js';
import { discoveryEntry, findService } from './service.js';
import type { CdsService } from './service.js';
import { jsonBody } from './validation.js';

/**
 * The CDS Hooks 2.0 HTTP API: discovery and service calls (feedback: src/feedback/router.ts).
 * See {@link https://cds-hooks.hl7.org/2.0/#discovery | Discovery} and
 * {@link https://cds-hooks.hl7.org/2.0/#calling-a-cds-service | Calling a CDS Service}.
 */

export interface CdsRoutesOptions {
  config: Config;
  registry: ReadonlyMap<string, CdsService>;
  logger: Logger;
  now: () => Date;
  /** Where shown cards are recorded, after each answer is sent. */
  recorder: FeedbackRecorder;
  /** Answer calls whose bodies were left unparsed (UnparsedJson); the others run on this thread. */
  hookCallThreads?: HookCallThreads;
}

const HOOK_CALL = { answered: 'hook call', failed: 'hook call failed' };

const cardCodes = (cards: readonly RecordedCard[]): string[] => cards.map((card) => card.code);

/** What the log says of a refused call (a failed one is logged by the error handler). */
function logRefused(
  logger: Logger,
  res: Response,
  line: Record<string, unknown>,
  answer: RefusedCall,
): void {
  // The caller got one wording for an unavailable FHIR server; the cause is logged here.
  for (const { key, reason } of answer.unavailable) {
    logger.warn({ ...line, key, cause: reason }, 'FHIR server could not provide the data');
  }
  describeCall(res, HOOK_CALL, {
    problems: answer.issues.map((issue) => logValue(issue.expression ?? issue.code)),
  });
}

export function cdsRoutes({
  config,
  registry,
  logger,
  now,
  recorder,
  hookCallThreads,
}: CdsRoutesOptions): Router {
  const router = Router();
  const discovery = { services: [...registry.values()].map(discoveryEntry) };

  router
    .route('/cds-services')
    .get((_req, res) => {
      res.json(discovery);
    })
    .all(methodNotAllowed('GET'));

  router
    .route('/cds-services/:id')
    .post(async (req: Request, res: Response) => {
      const service = findService(registry, String(req.params.id));
      describeCall(res, HOOK_CALL, { serviceId: service.id });
      const body = jsonBody(req);
      const allowedServers = callingClient(res)?.fhirServers;
      const answer =
        body instanceof UnparsedJson && hookCallThreads
          ? await hookCallThreads.call({
              serviceId: service.id,
              chunks: body.chunks,
              allowedServers,
              now: now(),
            })
          : await answerHookCall(service, body, { config, allowedServers, now });
      const line = { serviceId: service.id, hookInstance: answer.loggedHookInstance };
      describeCall(res, HOOK_CALL, line);
      if (answer.kind !== 'answered') {
        if (answer.kind === 'refused') logRefused(logger, res, line, answer);
        throw errorOfAnswer(answer);
      }
      if (answer.refetchedAfterOutcome.length > 0) {
        logger.warn(
          { ...line, keys: answer.refetchedAfterOutcome.map((key) => logValue(key)) },
          'prefetch carried an OperationOutcome; fetched from the FHIR server',
        );
      }
      describeCall(res, HOOK_CALL, {
        cards: cardCodes(answer.cards),
        // Named apart: a reader of the log must never take a silent card for one shown.
        ...(answer.silentCards.length > 0 ? { silentCards: cardCodes(answer.silentCards) } : {}),
        sources: answer.sources,
      });
      res.type('json').send(answer.json);
      for (const event of answer.events) logger.info({ ...line, ...event }, event.event);
      // After the answer is sent: the store never slows or fails a hook call.
      recorder.recordHookCall({
        serviceId: service.id,
        hook: service.hook,
        hookInstance: answer.hookInstance,
        at: new Date(answer.calledAt),
        issuer: callingClient(res)?.iss,
        cards: answer.cards,
        silentCards: answer.silentCards,
      });
    })
    .all(methodNotAllowed('POST'));

  return router;
}
