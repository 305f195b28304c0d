import { Router } from 'express';
import type { Request, Response } from 'express';
import type { Config } from '../main/config.js';
import type { Logger } from '../main/logger.js';
import type { FeedbackRecorder } from '../feedback/recorder.js';
import { callingClient } from '../http/auth/client-auth.js';
import { methodNotAllowed } from '../http/errors.js';
import { logValue } from '../http/log-values.js';
import { describeCall } from '../http/request-log.js';
import { OperationOutcomeError } from '../fhir/operation-outcome.js';
import { cardCode } from './cards.js';
import type { Card } from './cards.js';
import { callService } from './hook-call.js';
import { UUID } from './hook-request.js';
import { PrefetchFailure } from './prefetch.js';
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
}

const HOOK_CALL = { answered: 'hook call', failed: 'hook call failed' };

const cardCodes = (cards: readonly Card[]): string[] => cards.map(cardCode);

export function cdsRoutes({ config, registry, logger, now, recorder }: CdsRoutesOptions): Router {
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
      const hookInstance = (req.body as { hookInstance?: unknown } | undefined)?.hookInstance;
      const line = {
        serviceId: service.id,
        // Only a UUID is logged: a client that puts an MRN here must not put it in the logs.
        hookInstance:
          typeof hookInstance === 'string' && UUID.test(hookInstance) ? hookInstance : undefined,
      };
      describeCall(res, HOOK_CALL, line);
      try {
        const { request, resolved, calledAt, response, events, silentCards } = await callService(
          service,
          jsonBody(req),
          { config, allowedServers: callingClient(res)?.fhirServers, now },
        );
        if (resolved.refetchedAfterOutcome.length > 0) {
          logger.warn(
            { ...line, keys: resolved.refetchedAfterOutcome.map((key) => logValue(key)) },
            'prefetch carried an OperationOutcome; fetched from the FHIR server',
          );
        }
        describeCall(res, HOOK_CALL, {
          cards: cardCodes(response.cards),
          // Named apart: a reader of the log must never take a silent card for one shown.
          ...(silentCards.length > 0 ? { silentCards: cardCodes(silentCards) } : {}),
          sources: resolved.sources,
        });
        res.json(response);
        for (const event of events) logger.info({ ...line, ...event }, event.event);
        // After the answer is sent: the store never slows or fails a hook call.
        recorder.recordHookCall({
          serviceId: service.id,
          hook: service.hook,
          hookInstance: request.hookInstance,
          at: calledAt,
          issuer: callingClient(res)?.iss,
          cards: response.cards,
          silentCards,
        });
      } catch (error) {
        // The caller got one wording for an unavailable FHIR server; the cause is logged here.
        if (error instanceof PrefetchFailure) {
          for (const { key, reason } of error.unavailable) {
            logger.warn({ ...line, key, cause: reason }, 'FHIR server could not provide the data');
          }
        }
        if (error instanceof OperationOutcomeError) {
          describeCall(res, HOOK_CALL, {
            problems: error.issues.map((issue) => logValue(issue.expression ?? issue.code)),
          });
        }
        throw error;
      }
    })
    .all(methodNotAllowed('POST'));

  return router;
}
