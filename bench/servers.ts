import { spawn } from 'node:child_process';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import cors from 'cors';
import express from 'express';
import type { Express } from 'express';
import helmet from 'helmet';
import { b12Services } from '../cds-services/index.js';
import { DEFAULT_CLINICAL_CONFIG } from '../cds-services/b12/index.js';
import { configuredThreads } from '../src/main/hook-call-threads.js';
import type { GcPauses } from '../src/main/hook-call-threads.js';
import { createApp } from '../src/main/app.js';
import { corsOptions } from '../src/http/cors.js';
import { loadConfig } from '../src/main/config.js';
import type { Config } from '../src/main/config.js';
import type { FeedbackStore } from '../src/feedback/store.js';
import { alwaysOpen } from '../src/feedback/availability.js';
import { FeedbackRecorder } from '../src/feedback/recorder.js';
import { createLogger } from '../src/main/logger.js';
import { BENCH_NOW } from './patient.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The service's environment in the benchmark: loopback, silent logs, no authentication, and room
 * for the 10,000-observation scale row (about 10,070 resources, over the default of 10,000).
 */
export const BENCH_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: 'development',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  CDS_AUTH: 'off',
  PREFETCH_MAX_RESOURCES: '20000',
  // Passed on, to compare: CDS_CALL_THREADS=0 measures every call on the HTTP thread.
  ...(process.env.CDS_CALL_THREADS === undefined
    ? {}
    : { CDS_CALL_THREADS: process.env.CDS_CALL_THREADS }),
};

export function benchConfig(): Config {
  return loadConfig(BENCH_ENV);
}

export interface Running {
  baseUrl: string;
  /** POST requests answered 200 so far, when counted (`countAnswers`). */
  answered(): number;
  /** The hook-call threads' GC pauses so far, when the service has them. */
  threadGc?: () => Promise<GcPauses>;
  close(): Promise<void>;
}

/** Listens on a free loopback port; `countAnswers` counts the 200 answers to POST requests. */
export async function listen(app: Express, countAnswers = false): Promise<Running> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) => {
      if (error) reject(error);
      else resolve(listening);
    });
  });
  let answered = 0;
  if (countAnswers) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST') return;
      res.once('finish', () => {
        if (res.statusCode === 200) answered += 1;
      });
    });
  }
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    answered: () => answered,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/**
 * The real service (createApp with the B12 services), with the benchmark's fixed clock. With a
 * feedback store, the 200 answers are counted, to compare with the hook calls it recorded, and
 * closing writes the cards still queued (as the server does).
 */
export async function startService(feedbackStore?: FeedbackStore): Promise<Running> {
  const config = benchConfig();
  const logger = createLogger(config.logLevel);
  const recorder = feedbackStore
    ? new FeedbackRecorder(alwaysOpen(feedbackStore), logger)
    : undefined;
  const hookCallThreads = configuredThreads(config, DEFAULT_CLINICAL_CONFIG);
  const app = createApp({
    config,
    services: b12Services(),
    logger,
    now: () => BENCH_NOW,
    ...(feedbackStore && recorder ? { feedbackStore, recorder } : {}),
    ...(hookCallThreads ? { hookCallThreads } : {}),
  });
  const running = await listen(app, feedbackStore !== undefined);
  return {
    ...running,
    ...(hookCallThreads ? { threadGc: () => hookCallThreads.gcPauses() } : {}),
    close: async () => {
      await running.close();
      await hookCallThreads?.close();
      await recorder?.flush();
    },
  };
}

/** The fixed answer of the floor endpoint: one small card. */
export const FLOOR_RESPONSE = {
  cards: [
    {
      uuid: '6f1c8e7a-3b1d-4c55-9b0e-2a7f4f0c9d11',
      summary: 'Benchmark floor: a fixed card',
      indicator: 'info',
      source: { label: 'Benchmark' },
    },
  ],
};

/**
 * The floor: the same Express set-up as createApp in front of a handler that ignores the body
 * and answers a fixed card. Same helmet options, CORS on /cds-services, and express.json with
 * the same media types and size limit: one JSON.parse, as the service parses a body up to 1 MiB
 * (a larger one the service parses in event-loop slices, src/http/read-json.ts). What the floor
 * leaves out is the service's own work: authentication (off here), the JSON depth check,
 * validation, prefetch resolution, the rules and the cards.
 */
export function startFloor(): Promise<Running> {
  const config = benchConfig();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' } }));
  app.use('/cds-services', cors(corsOptions));
  app.use(
    express.json({
      type: ['application/json', 'application/fhir+json'],
      limit: config.bodyLimitBytes,
    }),
  );
  app.post('/cds-services/:id', (_req, res) => {
    res.json(FLOOR_RESPONSE);
  });
  return listen(app);
}

export type FhirServerMode = 'direct' | 'replay';

/**
 * The in-memory FHIR server of the tests (test/support/fhir-server.ts) in a child process: in
 * its own process its work does not run on the service's event loop. `resourcesPath` is a JSON file holding an array of resources; for
 * the modes see fhir-server-process.ts.
 */
export async function startFhirServerProcess(
  resourcesPath: string,
  latencyMs: number,
  mode: FhirServerMode,
): Promise<Running> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/fhir-server-process.ts', resourcesPath, String(latencyMs), mode],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => {
      const parsed = JSON.parse(line) as { baseUrl?: unknown };
      if (typeof parsed.baseUrl === 'string') resolve(parsed.baseUrl);
      else reject(new Error(`FHIR server process said: ${line}`));
    });
    child.once('exit', (code) => {
      reject(new Error(`FHIR server process exited (${String(code)}) before listening`));
    });
  });
  return {
    baseUrl,
    answered: () => 0,
    close: async () => {
      lines.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
