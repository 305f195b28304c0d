import { performance } from 'node:perf_hooks';
import { Router } from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { FeedbackReceipt, FeedbackStore } from '../feedback/store.js';
import { callingClient } from './client-auth.js';
import { feedbackRequestSchema } from './feedback.js';
import { callService } from './hook-call.js';
import { OperationOutcomeError, notFound } from './operation-outcome.js';
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
  /** Where shown cards and feedback are kept; without one, neither is stored. */
  feedbackStore: FeedbackStore | undefined;
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
        hookInstance: typeof hookInstance === 'string' ? hookInstance.slice(0, 128) : undefined,
      };
      try {
        const { request, resolved, calledAt, response, events } = await callService(
          service,
          jsonBody(req),
          { config, allowedServers: callingClient(res)?.fhirServers, now },
        );
        if (resolved.refetchedAfterOutcome.length > 0) {
          logger.warn(
            { ...line, keys: resolved.refetchedAfterOutcome },
            'prefetch carried an OperationOutcome; fetched from the FHIR server',
          );
        }
        res.json(response);
        for (const event of events) logger.info({ ...line, ...event }, event.event);
        // After the answer is sent: the store never slows or fails a hook call.
        feedbackStore
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
        const status = error instanceof OperationOutcomeError ? error.status : 500;
        logger.info(
          {
            ...line,
            status,
            problems:
              error instanceof OperationOutcomeError
                ? error.issues.map((issue) => issue.expression ?? issue.code)
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
      let receipt: FeedbackReceipt | undefined;
      try {
        receipt = await feedbackStore?.recordFeedback(
          service.id,
          feedback,
          callingClient(res)?.iss,
          now(),
        );
      } catch (error) {
        storeFailed(error, 'feedback');
        // The client may send it again: duplicates are stored once.
        throw new OperationOutcomeError(503, [
          {
            code: 'transient',
            diagnostics: 'Feedback could not be stored; please send it again later',
          },
        ]);
      }
      logger.info(
        {
          serviceId: service.id,
          ...(receipt ?? {}),
          accepted: feedback.filter((item) => item.outcome === 'accepted').length,
          overridden: feedback.filter((item) => item.outcome === 'overridden').length,
          overrideReasons: feedback.flatMap((item) =>
            item.overrideReason?.reason ? [item.overrideReason.reason.code] : [],
          ),
        },
        'feedback',
      );
      res.status(200).end();
    })
    .all(methodNotAllowed('POST'));

  return router;
}
