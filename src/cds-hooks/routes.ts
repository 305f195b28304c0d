import { performance } from 'node:perf_hooks';
import { Router } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../main/config.js';
import type { Logger } from '../main/logger.js';
import type { FeedbackStoreAccess } from '../feedback/availability.js';
import { FeedbackItemLimit, checkCommentLength } from '../feedback/limits.js';
import type { FeedbackReceipt } from '../feedback/store.js';
import { callingClient } from '../http/auth/client-auth.js';
import { feedbackRequestSchema } from './feedback.js';
import { callService } from './hook-call.js';
import { UUID } from './hook-request.js';
import { logValue } from '../http/log-values.js';
import { OperationOutcomeError, notFound } from '../fhir/operation-outcome.js';
import { PrefetchFailure } from './prefetch.js';
import { discoveryEntry } from './service.js';
import type { CdsService } from './service.js';
import { jsonBody, parseOr400 } from './validation.js';

/**
 * The CDS Hooks 2.0 HTTP API: discovery, service calls and feedback.
 * See {@link https://cds-hooks.hl7.org/2.0/#discovery | Discovery},
 * {@link https://cds-hooks.hl7.org/2.0/#calling-a-cds-service | Calling a CDS Service} and
 * {@link https://cds-hooks.hl7.org/2.0/#feedback | Feedback}.
 */

export interface CdsRoutesOptions {
  config: Config;
  registry: ReadonlyMap<string, CdsService>;
  logger: Logger;
  now: () => Date;
  /**
   * Where shown cards and feedback are kept; without one, neither is stored (feedback answers 200,
   * not kept). A configured store that is not open makes feedback answer 503.
   */
  feedbackStore: FeedbackStoreAccess | undefined;
  /** Store writes that failed (a store outage never fails a hook call). */
  storeFailures: { count: number };
}

const elapsedMs = (started: number): number => Math.round((performance.now() - started) * 10) / 10;

const methodNotAllowed =
  (allowed: string): RequestHandler =>
  (req, res, next) => {
    res.set('Allow', `${allowed}, OPTIONS`);
    next(
      new OperationOutcomeError(405, [
        { code: 'not-supported', diagnostics: `${req.method} is not allowed here; use ${allowed}` },
      ]),
    );
  };

function findService(registry: ReadonlyMap<string, CdsService>, req: Request): CdsService {
  const id = String(req.params.id);
  const service = registry.get(id);
  if (!service) throw notFound(`No CDS service '${id}' (see GET /cds-services)`);
  return service;
}

export function cdsRoutes({
  config,
  registry,
  logger,
  now,
  feedbackStore,
  storeFailures,
}: CdsRoutesOptions): Router {
  const storeFailed = (error: unknown, what: string): void => {
    storeFailures.count += 1;
    logger.error(
      { err: { message: (error as Error).message }, what },
      'feedback store write failed',
    );
  };
  // Bounded feedback (issue 14, item 5): items per minute per client, and comment length.
  const feedbackItems = new FeedbackItemLimit(config.feedback.itemsPerMinute, () =>
    now().getTime(),
  );
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
      const started = performance.now();
      const service = findService(registry, req);
      const hookInstance = (req.body as { hookInstance?: unknown } | undefined)?.hookInstance;
      const line = {
        serviceId: service.id,
        // Only a UUID is logged: a client that puts an MRN here must not put it in the logs.
        hookInstance:
          typeof hookInstance === 'string' && UUID.test(hookInstance) ? hookInstance : undefined,
      };
      try {
        const { request, resolved, calledAt, response, events } = await callService(
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
        res.json(response);
        for (const event of events) logger.info({ ...line, ...event }, event.event);
        // After the answer is sent: the store never slows or fails a hook call. While a configured
        // store is not open, the call's cards are not recorded (counted as a failed write).
        const store = feedbackStore?.current();
        if (feedbackStore && !store) storeFailures.count += 1;
        store
          ?.recordHookCall({
            serviceId: service.id,
            hook: service.hook,
            hookInstance: request.hookInstance,
            at: calledAt,
            issuer: callingClient(res)?.iss,
            cards: response.cards,
          })
          .catch((error: unknown) => {
            storeFailed(error, 'hook call');
          });
        logger.info(
          {
            ...line,
            status: 200,
            cards: response.cards.map((card) => card.source.topic?.code ?? card.source.label),
            sources: resolved.sources,
            durationMs: elapsedMs(started),
          },
          'hook call',
        );
      } catch (error) {
        // The caller got one wording for an unavailable FHIR server; the cause is logged here.
        if (error instanceof PrefetchFailure) {
          for (const { key, reason } of error.unavailable) {
            logger.warn({ ...line, key, cause: reason }, 'FHIR server could not provide the data');
          }
        }
        const status = error instanceof OperationOutcomeError ? error.status : 500;
        logger.info(
          {
            ...line,
            status,
            problems:
              error instanceof OperationOutcomeError
                ? error.issues.map((issue) => logValue(issue.expression ?? issue.code))
                : undefined,
            durationMs: elapsedMs(started),
          },
          'hook call failed',
        );
        throw error;
      }
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/cds-services/:id/feedback')
    .post(async (req: Request, res: Response) => {
      const service = findService(registry, req);
      const { feedback } = parseOr400(feedbackRequestSchema, jsonBody(req));
      checkCommentLength(feedback, config.feedback.commentMaxChars);
      const client = callingClient(res)?.iss ?? ipKeyGenerator(req.ip ?? 'unknown');
      try {
        feedbackItems.admit(client, feedback.length);
      } catch (error) {
        logger.warn(
          { serviceId: service.id, items: feedback.length, client: logValue(client) },
          'feedback refused: over FEEDBACK_ITEMS_PER_MINUTE',
        );
        throw error;
      }
      const store = feedbackStore?.current();
      if (feedbackStore && !store) {
        logger.warn(
          { serviceId: service.id, items: feedback.length },
          'feedback refused: the feedback store is not open',
        );
        throw new OperationOutcomeError(
          503,
          [
            {
              code: 'transient',
              diagnostics:
                'The feedback store is unavailable; please send the feedback again later',
            },
          ],
          { 'Retry-After': String(feedbackStore.retryAfterSeconds()) },
        );
      }
      let receipt: FeedbackReceipt | undefined;
      try {
        receipt = await store?.recordFeedback(service.id, feedback, callingClient(res)?.iss, now());
      } catch (error) {
        storeFailed(error, 'feedback');
        // The client may send it again: duplicates are stored once.
        throw new OperationOutcomeError(
          503,
          [
            {
              code: 'transient',
              diagnostics: 'Feedback could not be stored; please send it again later',
            },
          ],
          { 'Retry-After': String(feedbackStore?.retryAfterSeconds() ?? 5) },
        );
      }
      logger.info(
        {
          serviceId: service.id,
          ...(receipt ?? {}),
          accepted: feedback.filter((item) => item.outcome === 'accepted').length,
          overridden: feedback.filter((item) => item.outcome === 'overridden').length,
          overrideReasons: feedback.flatMap((item) =>
            item.overrideReason?.reason ? [logValue(item.overrideReason.reason.code)] : [],
          ),
        },
        'feedback',
      );
      res.status(200).end();
    })
    .all(methodNotAllowed('POST'));

  return router;
}
