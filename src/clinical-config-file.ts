import { readFileSync } from 'node:fs';
import {
  DEFAULT_CLINICAL_CONFIG,
  clinicalConfigFrom,
} from '../cds-services/b12/clinical-config.js';
import type { ClinicalConfig } from '../cds-services/b12/clinical-config.js';

/**
 * The rule book's thresholds with the deployment's overrides (`CDS_CLINICAL_CONFIG`), for the
 * server and the command line alike. A missing, unreadable or invalid file throws an error that
 * names the variable and the file.
 */
export function readClinicalConfigFile(path: string | undefined): ClinicalConfig {
  if (path === undefined) return DEFAULT_CLINICAL_CONFIG;
  try {
    return clinicalConfigFrom(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new Error(`CDS_CLINICAL_CONFIG (${path}): ${(error as Error).message}`, { cause: error });
  }
}
