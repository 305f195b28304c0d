import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import {
  clinicalConfigFrom,
  DEFAULT_CLINICAL_CONFIG,
} from '../cds-services/b12/clinical-config.js';
import type { ClinicalConfig } from '../cds-services/b12/clinical-config.js';
import { b12Services } from '../cds-services/index.js';
import { createApp } from './app.js';
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

/** The rule book's thresholds with the deployment's overrides (`CDS_CLINICAL_CONFIG`). */
function readClinicalConfig(path: string | undefined): ClinicalConfig {
  if (path === undefined) return DEFAULT_CLINICAL_CONFIG;
  try {
    return clinicalConfigFrom(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    stop(`Invalid configuration:\n  CDS_CLINICAL_CONFIG (${path}): ${(error as Error).message}`);
  }
}

const config = readConfig();
const services = b12Services(readClinicalConfig(config.clinicalConfigPath));
const logger = createLogger(config.logLevel);

if (config.auth === 'off') {
  logger.warn(
    'CDS_AUTH=off: CDS clients are NOT authenticated. Use this only for development and testing; set NODE_ENV=production or CDS_AUTH=required for real patient data.',
  );
} else {
  logger.error(
    'CDS_AUTH=required, but this version cannot verify client JWTs yet: every CDS call will be refused with 401.',
  );
}

const app = createApp({ config, services, logger });
const server: Server = app.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  logger.info(
    { host: config.host, port, discovery: `${config.publicUrl}/cds-services` },
    'listening',
  );
});
server.on('error', (error) => {
  logger.fatal({ err: { message: error.message } }, 'could not listen');
  process.exit(1);
});

function shutdown(signal: string): void {
  logger.info({ signal }, 'shutting down');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
