import { readFileSync } from 'node:fs';
import { b12Services } from '../../cds-services/index.js';
import { DEFAULT_CLINICAL_CONFIG, clinicalConfigFrom } from '../../cds-services/b12/index.js';
import type { ClinicalConfig } from '../../cds-services/b12/index.js';
import type { CdsService } from '../cds-hooks/service.js';
import { readTrustedClients, requireFhirServers } from '../http/auth/trusted-clients.js';
import type { TrustedClient } from '../http/auth/trusted-clients.js';
import { ConfigError, loadConfig } from './config.js';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';

/**
 * The composition root: everything a process of this service runs on, read once from the
 * environment and checked before anything starts. The server, `b12-cds evaluate` and the
 * feedback command line all begin here, so they read a setting the same way and refuse the same
 * mistakes; each then starts only what it needs (the server its store and listener).
 */

export interface Runtime {
  config: Config;
  /** The rule book's thresholds with the deployment's overrides (`CDS_CLINICAL_CONFIG`). */
  clinicalConfig: ClinicalConfig;
  services: readonly CdsService[];
  /** The CDS clients allowed to call (`CDS_TRUSTED_CLIENTS`), by issuer. */
  trustedClients: ReadonlyMap<string, TrustedClient>;
  logger: Logger;
}

const invalid = (message: string): ConfigError =>
  new ConfigError(`Invalid configuration:\n  ${message}`);

function readClinicalConfig(path: string | undefined): ClinicalConfig {
  if (path === undefined) return DEFAULT_CLINICAL_CONFIG;
  try {
    return clinicalConfigFrom(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw invalid(`CDS_CLINICAL_CONFIG (${path}): ${(error as Error).message}`);
  }
}

/** The trusted CDS clients, each with `fhirServers` in production (none without a file). */
function readClients(config: Config): ReadonlyMap<string, TrustedClient> {
  if (config.trustedClientsPath === undefined) return new Map();
  try {
    const clients = readTrustedClients(config.trustedClientsPath);
    if (config.nodeEnv === 'production') requireFhirServers(clients);
    return clients;
  } catch (error) {
    throw invalid(
      `CDS_TRUSTED_CLIENTS (${config.trustedClientsPath}): ${(error as Error).message}`,
    );
  }
}

/**
 * Reads and checks the whole configuration; a mistake throws a {@link ConfigError} naming it.
 * (A server requiring authentication also needs clients: {@link requireClients}.)
 */
export function loadRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const config = loadConfig(env);
  const clinicalConfig = readClinicalConfig(config.clinicalConfigPath);
  return {
    config,
    clinicalConfig,
    services: b12Services(clinicalConfig),
    trustedClients: readClients(config),
    logger: createLogger(config.logLevel),
  };
}

/** A server that requires authentication with no trusted client would refuse every call. */
export function requireClients({ config }: Runtime): void {
  if (config.auth === 'required' && config.trustedClientsPath === undefined) {
    throw invalid('CDS_TRUSTED_CLIENTS: required when CDS_AUTH=required (no client could call)');
  }
}
