import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ClinicalConfig } from '../cds-services/b12/clinical-config.js';
import { b12Services } from '../cds-services/index.js';
import { guidanceRouter } from '../cds-services/b12/guidance-page.js';
import { ReopeningStore, configuredStore } from './feedback/availability.js';
import { startRetention } from './feedback/retention.js';
import {
  clientsWithoutFhirServers,
  readTrustedClients,
  requireFhirServers,
} from './cds/trusted-clients.js';
import type { TrustedClient } from './cds/trusted-clients.js';
import { demoRouter } from '../demo/router.js';
import { createApp } from './app.js';
import { createHttpServer } from './http-server.js';
import { readClinicalConfigFile } from './clinical-config-file.js';
import { ConfigError, loadConfig } from './config.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';

/** Starts the service: validated configuration, then listen; SIGTERM/SIGINT shut it down gracefully. */

const SHUTDOWN_GRACE_MS = 10_000;

function stop(message: string): never {
  process.stderr.write(`b12-cds-hooks: ${message}\n`);
  process.exit(1);
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) stop(error.message);
    throw error;
  }
}

function readClinicalConfig(path: string | undefined): ClinicalConfig {
  try {
    return readClinicalConfigFile(path);
  } catch (error) {
    stop(`Invalid configuration:\n  ${(error as Error).message}`);
  }
}

/** The trusted CDS clients (`CDS_TRUSTED_CLIENTS`); required when authentication is. */
function readClients(config: Config): ReadonlyMap<string, TrustedClient> {
  if (config.trustedClientsPath === undefined) {
    if (config.auth === 'required') {
      stop(
        'Invalid configuration:\n  CDS_TRUSTED_CLIENTS: required when CDS_AUTH=required (no client could call)',
      );
    }
    return new Map();
  }
  try {
    const clients = readTrustedClients(config.trustedClientsPath);
    if (config.nodeEnv === 'production') requireFhirServers(clients);
    return clients;
  } catch (error) {
    stop(
      `Invalid configuration:\n  CDS_TRUSTED_CLIENTS (${config.trustedClientsPath}): ${(error as Error).message}`,
    );
  }
}

const config = readConfig();
const clinicalConfig = readClinicalConfig(config.clinicalConfigPath);
const services = b12Services(clinicalConfig);
const trustedClients = readClients(config);
const logger = createLogger(config.logLevel);

if (config.auth === 'off') {
  logger.warn(
    'CDS_AUTH=off: CDS clients are NOT authenticated. Use this only for development and testing; set NODE_ENV=production or CDS_AUTH=required for real patient data.',
  );
} else {
  logger.info({ trustedIssuers: [...trustedClients.keys()] }, 'CDS client authentication required');
}
if (clientsWithoutFhirServers(trustedClients).length > 0) {
  logger.warn(
    { clients: clientsWithoutFhirServers(trustedClients) },
    'trusted clients without "fhirServers": any FHIR server they name is called (refused with NODE_ENV=production)',
  );
}

/**
 * The feedback store; if it cannot be opened the service still gives cards, feedback answers 503,
 * /readyz answers 503, and it is retried with backoff (1 s doubling to 30 s) until it opens.
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
      clientScript: readFileSync(new URL('../demo/client.js', import.meta.url), 'utf8'),
    })
  : undefined;
if (demo && config.auth === 'required') {
  logger.warn(
    'DEMO_PAGE=on with CDS_AUTH=required: the demo page cannot sign JWTs, so its calls are refused',
  );
}
const app = createApp({
  config,
  services,
  logger,
  trustedClients,
  guidance: guidanceRouter(clinicalConfig),
  feedbackStore,
  ...(demo ? { demo } : {}),
});
// Timeouts from the configuration (HTTP_*_TIMEOUT_MS), not Node's minutes-long defaults.
const server: Server = createHttpServer(app, config.http).listen(config.port, config.host, () => {
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
});
server.on('error', (error) => {
  logger.fatal({ err: { message: error.message } }, 'could not listen');
  process.exit(1);
});

/**
 * Answers not yet sent. Once shutting down, every answer closes its connection: a kept-alive
 * connection would otherwise go on carrying new calls, and `close()` would never complete.
 */
const unsent = new Set<ServerResponse>();
let stopping = false;
server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
  if (stopping) {
    res.setHeader('Connection', 'close');
    return;
  }
  unsent.add(res);
  res.once('close', () => unsent.delete(res));
});

function shutdown(signal: string): void {
  logger.info({ signal }, 'shutting down');
  stopping = true;
  for (const res of unsent) if (!res.headersSent) res.setHeader('Connection', 'close');
  server.close(() => {
    void retention
      .stop()
      .then(() => feedbackStore.close())
      .finally(() => process.exit(0));
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
