import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger } from 'pino';

/**
 * Structured JSON logs. Code logs only service ids, hookInstances, card codes, statuses and
 * timings; the redaction below is a second line of defence should a token or patient data
 * ever be passed to a log call.
 */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'b12-cds-hooks' },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers',
          '*.headers',
          'fhirAuthorization',
          '*.fhirAuthorization',
          'access_token',
          '*.access_token',
          'context',
          '*.context',
          'prefetch',
          '*.prefetch',
          'body',
          '*.body',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
