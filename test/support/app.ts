import { Writable } from 'node:stream';
import type { Express, Router } from 'express';
import { b12Services } from '../../cds-services/index.js';
import { DEFAULT_CLINICAL_CONFIG, guidanceRouter } from '../../cds-services/b12/index.js';
import type { ClinicalConfig } from '../../cds-services/b12/index.js';
import { createApp } from '../../src/main/app.js';
import type { CdsService } from '../../src/cds-hooks/service.js';
import type { HookCallThreads } from '../../src/cds-hooks/hook-call-answer.js';
import type { TrustedClient } from '../../src/http/auth/trusted-clients.js';
import { loadConfig } from '../../src/main/config.js';
import type { Config } from '../../src/main/config.js';
import type { FeedbackStoreAccess } from '../../src/feedback/availability.js';
import type { FeedbackStore } from '../../src/feedback/store.js';
import { createLogger } from '../../src/main/logger.js';
import { configuredThreads } from '../../src/main/hook-call-threads.js';

export interface TestApp {
  app: Express;
  config: Config;
  /** Every log line the app wrote, raw (JSON text). */
  logLines: string[];
}

/**
 * The real app with the B12 services and their guidance pages (built from `clinicalConfig`, the
 * rule book's defaults without one), a fixed clock and a captured log.
 */
export function testApp(
  options: {
    env?: NodeJS.ProcessEnv;
    /** The clinical configuration the app runs with, as CDS_CLINICAL_CONFIG gives it. */
    clinicalConfig?: ClinicalConfig;
    services?: readonly CdsService[];
    trustedClients?: ReadonlyMap<string, TrustedClient>;
    /** Where the app records shown cards and feedback; without one nothing is stored. */
    feedbackStore?: FeedbackStore | FeedbackStoreAccess;
    now?: Date;
    /** The demo page's routes (demo/router.ts), mounted when DEMO_PAGE allows. */
    demo?: Router;
    /** Threads for hook calls; without, those CDS_CALL_THREADS configures (none with services). */
    hookCallThreads?: HookCallThreads;
  } = {},
): TestApp {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', ...options.env });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const now = options.now ?? new Date('2026-11-21T09:30:00Z');
  const clinicalConfig = options.clinicalConfig ?? DEFAULT_CLINICAL_CONFIG;
  // Services of a test's own cannot be rebuilt on another thread: those calls run on this one.
  const hookCallThreads =
    options.hookCallThreads ??
    (options.services ? undefined : configuredThreads(config, clinicalConfig));
  const app = createApp({
    config,
    services: options.services ?? b12Services(clinicalConfig),
    guidance: guidanceRouter(clinicalConfig),
    ...(options.trustedClients ? { trustedClients: options.trustedClients } : {}),
    ...(options.feedbackStore ? { feedbackStore: options.feedbackStore } : {}),
    ...(options.demo ? { demo: options.demo } : {}),
    ...(hookCallThreads ? { hookCallThreads } : {}),
    logger: createLogger(config.logLevel, sink),
    now: () => now,
  });
  return { app, config, logLines };
}
