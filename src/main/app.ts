import cors from 'cors';
import express from 'express';
import type { Express, Router } from 'express';
import helmet from 'helmet';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { clientAuthentication } from '../http/auth/client-auth.js';
import { corsOptions } from '../http/cors.js';
import { errorHandler, notFoundHandler } from '../http/errors.js';
import { jsonBody } from '../http/json-body.js';
import { clientRateLimit } from '../http/limits.js';
import { cdsRoutes } from '../cds-hooks/routes.js';
import { serviceRegistry } from '../cds-hooks/service.js';
import type { CdsService } from '../cds-hooks/service.js';
import type { HookCallThreads } from '../cds-hooks/hook-call-answer.js';
import type { TrustedClient } from '../http/auth/trusted-clients.js';
import { alwaysOpen } from '../feedback/availability.js';
import type { FeedbackStoreAccess } from '../feedback/availability.js';
import { FeedbackStore } from '../feedback/store.js';
import { FeedbackRecorder } from '../feedback/recorder.js';
import { feedbackRouter } from '../feedback/router.js';
import { requestLog } from '../http/request-log.js';

export interface AppOptions {
  config: Config;
  services: readonly CdsService[];
  logger: Logger;
  /** The clients whose JWTs are accepted when `CDS_AUTH=required`. */
  trustedClients?: ReadonlyMap<string, TrustedClient>;
  /** Where shown cards and feedback are kept; without one nothing is stored. */
  feedbackStore?: FeedbackStore | FeedbackStoreAccess;
  /** Writes the shown cards; the server passes its own, to write what is queued at close. */
  recorder?: FeedbackRecorder;
  /** The clock; tests fix it. */
  now?: () => Date;
  /** Extra routes mounted at `/demo` (the demo EHR page), when the configuration enables it. */
  demo?: Router;
  /** The cards' guidance pages, mounted at `/cards` without authentication (no patient data). */
  guidance?: Router;
  /**
   * Threads that answer hook calls built from the same services (see hook-call-threads.ts);
   * without, calls are answered on the HTTP thread.
   */
  hookCallThreads?: HookCallThreads;
}

/** Composes the HTTP app without listening, so tests boot the real thing. */
export function createApp({
  config,
  services,
  logger,
  trustedClients = new Map(),
  feedbackStore,
  now = () => new Date(),
  demo,
  guidance,
  recorder: given,
  hookCallThreads,
}: AppOptions): Express {
  const store = feedbackStore instanceof FeedbackStore ? alwaysOpen(feedbackStore) : feedbackStore;
  if (!store) logger.warn('no feedback store: feedback is answered 200 but not kept');
  const recorder = given ?? new FeedbackRecorder(store, logger);
  const registry = serviceRegistry(services);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Browser CDS clients read these JSON answers cross-origin (see cors.ts).
  app.use(helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' } }));

  app.get('/healthz', (_req, res) => {
    res.json({
      status: 'ok',
      feedbackStore: store ? { kind: store.kind, failedWrites: recorder.failedWrites } : 'none',
    });
  });

  // Readiness: 503 while a configured feedback store is not open (it is retried until it opens).
  app.get('/readyz', (_req, res) => {
    if (!store) {
      res.json({ status: 'ready', feedbackStore: 'none', note: 'feedback is not kept' });
      return;
    }
    const open = store.current() !== undefined;
    res.status(open ? 200 : 503).json({
      status: open ? 'ready' : 'unavailable',
      feedbackStore: {
        kind: store.kind,
        state: open ? 'open' : 'unavailable',
        failedWrites: recorder.failedWrites,
      },
    });
  });

  if (guidance) app.use('/cards', guidance);

  // Authentication comes before the body is read: an unknown caller's megabytes are not parsed.
  app.use(
    '/cds-services',
    requestLog(logger),
    cors(corsOptions),
    clientAuthentication(config, trustedClients, logger),
    clientRateLimit(config.rateLimitPerMinute),
  );
  const limits = { maxBytes: config.bodyLimitBytes, maxDepth: config.jsonMaxDepth };
  // A large hook call's body is left for the thread that answers it to parse.
  if (hookCallThreads) {
    app.post(
      '/cds-services/:id',
      jsonBody({ ...limits, unparsedAbove: hookCallThreads.unparsedAbove }),
    );
  }
  app.use(jsonBody(limits));
  app.use(
    cdsRoutes({ config, registry, logger, now, recorder, hookCallThreads }),
    feedbackRouter({ config, registry, logger, now, recorder }),
  );

  if (demo && config.demoPage) app.use('/demo', demo);

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
