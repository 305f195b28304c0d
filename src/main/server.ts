import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { guidanceRouter } from '../../cds-services/b12/index.js';
import { demoRouter } from '../../demo/router.js';
import { ReopeningStore, configuredStore } from '../feedback/availability.js';
import { FeedbackRecorder } from '../feedback/recorder.js';
import { startRetention } from '../feedback/retention.js';
import { clientsWithoutFhirServers } from '../http/auth/trusted-clients.js';
import { createApp } from './app.js';
import { configuredThreads } from './hook-call-threads.js';
import { createHttpServer } from '../http/http-server.js';
import { ConfigError } from './config.js';
import { loadRuntime, requireClients } from './runtime.js';
import type { Runtime } from './runtime.js';

/**
 * The service as a running server: {@link startServer} opens the feedback store, mounts the
 * routes and listens, and gives back `close`, which stops it gracefully. {@link serve} is the
 * process around it (`npm start`, `b12-cds serve`, the image's command): configuration from the
 * environment, SIGTERM/SIGINT, exit codes.
 */

const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  port: number;
  /**
   * Stops accepting, lets answers in flight finish, stops the hook-call threads, writes the queued
   * cards, closes the store.
   */
  close: () => Promise<void>;
}

function warnAboutSettings({ config, trustedClients, logger }: Runtime): void {
  if (config.auth === 'off') {
    logger.warn(
      'CDS_AUTH=off: CDS clients are NOT authenticated. Use this only for development and testing; set NODE_ENV=production or CDS_AUTH=required for real patient data.',
    );
  } else {
    logger.info(
      { trustedIssuers: [...trustedClients.keys()] },
      'CDS client authentication required',
    );
  }
  if (clientsWithoutFhirServers(trustedClients).length > 0) {
    logger.warn(
      { clients: clientsWithoutFhirServers(trustedClients) },
      'trusted clients without "fhirServers": any FHIR server they name is called (refused with NODE_ENV=production)',
    );
  }
  if (config.demoPage && config.auth === 'required') {
    logger.warn(
      'DEMO_PAGE=on with CDS_AUTH=required: the demo page cannot sign JWTs, so its calls are refused',
    );
  }
}

export async function startServer(runtime: Runtime): Promise<RunningServer> {
  const { config, clinicalConfig, services, trustedClients, logger } = runtime;
  warnAboutSettings(runtime);
  /**
   * The feedback store; if it cannot be opened the service still gives cards, feedback answers
   * 503, /readyz answers 503, and it is retried with backoff (1 s doubling to 30 s) until it opens.
   */
  const feedbackStore = await ReopeningStore.start({
    ...configuredStore(config.feedback),
    logger,
  });
  // FEEDBACK_RETENTION_DAYS applied in the process: shortly after start, then daily (unref'd).
  const retention = startRetention({
    store: feedbackStore,
    retentionDays: config.feedback.retentionDays,
    logger,
  });
  // The page's script is bundled by `npm run build` beside the built server: dist/demo/client.js.
  const demo = config.demoPage
    ? demoRouter({
        config,
        clinicalConfig,
        services,
        now: () => new Date(),
        clientScript: readFileSync(new URL('../../demo/client.js', import.meta.url), 'utf8'),
      })
    : undefined;
  const recorder = new FeedbackRecorder(feedbackStore, logger);
  const hookCallThreads = configuredThreads(config, clinicalConfig);
  const app = createApp({
    config,
    services,
    logger,
    trustedClients,
    guidance: guidanceRouter(clinicalConfig),
    feedbackStore,
    recorder,
    ...(demo ? { demo } : {}),
    ...(hookCallThreads ? { hookCallThreads } : {}),
  });
  // Timeouts from the configuration (HTTP_*_TIMEOUT_MS), not Node's minutes-long defaults.
  const server: Server = createHttpServer(app, config.http);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  logger.info(
    {
      host: config.host,
      port,
      node: process.version,
      discovery: `${config.publicUrl}/cds-services`,
      ...(demo ? { demo: `${config.publicUrl}/demo` } : {}),
    },
    'listening',
  );

  /**
   * Answers not yet sent. Once closing, every answer closes its connection: a kept-alive
   * connection would otherwise go on carrying new calls, and `close()` would never complete.
   */
  const unsent = new Set<ServerResponse>();
  let closing = false;
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      res.setHeader('Connection', 'close');
      return;
    }
    unsent.add(res);
    res.once('close', () => unsent.delete(res));
  });

  const close = async (): Promise<void> => {
    closing = true;
    for (const res of unsent) if (!res.headersSent) res.setHeader('Connection', 'close');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await hookCallThreads?.close();
    await recorder.flush();
    await retention.stop();
    await feedbackStore.close();
  };
  return { port, close };
}

/** The service process: exits 1 on a configuration mistake or when it cannot listen. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let runtime: Runtime;
  try {
    runtime = loadRuntime(env);
    requireClients(runtime);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`b12-cds-hooks: ${error.message}\n`);
    process.exit(1);
  }
  const { logger } = runtime;
  let running: RunningServer;
  try {
    running = await startServer(runtime);
  } catch (error) {
    logger.fatal({ err: { message: (error as Error).message } }, 'could not listen');
    process.exit(1);
  }
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    void running.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.main) await serve();
