import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * Service configuration, read once from the environment at start and passed down.
 * Nothing else reads `process.env`.
 */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Externally visible base URL without a trailing slash; JWT `aud` is built from it. */
  publicUrl: string;
  /** `required`: every CDS call must carry a verified client JWT (CDS Hooks 2.0 §Trusting CDS Clients). */
  auth: 'off' | 'required';
  trustedClientsPath: string | undefined;
  /** A JSON file of clinical threshold and lookback overrides (validated by the knowledge layer). */
  clinicalConfigPath: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  fhir: {
    /** Deadline for fetching all missing prefetch keys from the EHR's FHIR server. */
    timeoutMs: number;
    /** Search result pages followed per prefetch key before the data is declared incomplete. */
    maxPages: number;
    /** Largest FHIR server answer read, in bytes. */
    maxResponseBytes: number;
    /** Whether a plain-http `fhirServer` may be called (never by default in production). */
    allowHttp: boolean;
  };
  /** Largest accepted request body, in bytes (prefetch bundles can be large). */
  bodyLimitBytes: number;
  /** Deepest JSON nesting accepted in a request body. */
  jsonMaxDepth: number;
  /** Most FHIR resources read from one request's prefetch and draft orders. */
  maxPrefetchResources: number;
  /** Threads that answer hook calls beside the HTTP thread (issue 17); 0 answers them on it. */
  callThreads: number;
  /** Requests per minute per client (issuer, or address without authentication); 0 is off. */
  rateLimitPerMinute: number;
  /** Failed authentications per minute per client address before 429; 0 is off. */
  authFailuresPerMinute: number;
  /** Node HTTP server timeouts, in ms (Node's own defaults keep slow connections for minutes). */
  http: {
    /** Time a client has to send the complete request headers. */
    headersTimeoutMs: number;
    /** Time a client has to send the complete request, headers and body. */
    requestTimeoutMs: number;
    /** How long an idle kept-alive connection stays open. */
    keepAliveTimeoutMs: number;
  };
  feedback: {
    /** PostgreSQL for several replicas; without it, an embedded SQLite file. */
    databaseUrl: string | undefined;
    sqlitePath: string;
    /** Cards and feedback older than this are purged (daily in the process, and `npm run purge`). */
    retentionDays: number;
    /** Feedback items per minute per client (issuer, or address without authentication); 0 is off. */
    itemsPerMinute: number;
    /** Longest override reason `userComment` accepted, in characters. */
    commentMaxChars: number;
  };
  jwt: {
    /** Allowed clock difference for `exp` and `iat`, in seconds. */
    clockSkewSeconds: number;
    /** Oldest accepted token (`iat`), in seconds; also bounds the replay cache. */
    maxAgeSeconds: number;
  };
  /** Serve the demo EHR page at /demo (DEMO_PAGE; on unless NODE_ENV=production). */
  demoPage: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Plain decimal digits only: `1e3` or `0x50` is a mistake, not a port. */
const integer = (
  min: number,
  max: number,
): z.ZodPipe<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>, z.ZodNumber> =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const BYTES_PER_UNIT = { b: 1, kb: 1024, mb: 1024 * 1024 } as const;

const byteSize = z
  .string()
  .transform((value, ctx) => {
    const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(value);
    if (!match) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a size such as 10mb, 512kb or 1048576',
      });
      return z.NEVER;
    }
    const unit = (match[2] ?? 'b').toLowerCase() as keyof typeof BYTES_PER_UNIT;
    return Math.round(Number(match[1]) * BYTES_PER_UNIT[unit]);
  })
  .pipe(
    z
      .number()
      .int()
      .min(1024)
      .max(200 * 1024 * 1024),
  );

const existingFile = z.string().refine((path) => existsSync(path), 'file does not exist');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: integer(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  CDS_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .refine((url) => !/[?#]/.test(url), 'must not contain a query or fragment')
    .optional(),
  CDS_AUTH: z.enum(['off', 'required']).optional(),
  CDS_TRUSTED_CLIENTS: existingFile.optional(),
  CDS_CLINICAL_CONFIG: existingFile.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FHIR_TIMEOUT_MS: integer(100, 60_000).default(5000),
  FHIR_MAX_PAGES: integer(1, 1000).default(20),
  FHIR_MAX_RESPONSE_BYTES: byteSize.default(5 * 1024 * 1024),
  FHIR_ALLOW_HTTP: z.enum(['true', 'false']).optional(),
  JSON_MAX_DEPTH: integer(8, 1000).default(64),
  PREFETCH_MAX_RESOURCES: integer(1, 1_000_000).default(10_000),
  // One per core, as the HTTP thread's share of a handed-over call is small, up to 4: each thread
  // holds its own copy of the services and, under load, about 100 MB (docs/performance.md).
  CDS_CALL_THREADS: integer(0, 64).default(Math.min(availableParallelism(), 4)),
  RATE_LIMIT_PER_MINUTE: integer(0, 1_000_000).default(0),
  AUTH_FAILURES_PER_MINUTE: integer(0, 1_000_000).default(20),
  HTTP_HEADERS_TIMEOUT_MS: integer(1000, 600_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: integer(1000, 3_600_000).default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(100, 600_000).default(5000),
  JWT_CLOCK_SKEW_SECONDS: integer(0, 600).default(60),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  FEEDBACK_DB_PATH: z.string().min(1).default('data/feedback.sqlite'),
  FEEDBACK_RETENTION_DAYS: integer(1, 36_500).default(365),
  FEEDBACK_ITEMS_PER_MINUTE: integer(0, 1_000_000).default(600),
  FEEDBACK_COMMENT_MAX_CHARS: integer(1, 100_000).default(1000),
  JWT_MAX_AGE_SECONDS: integer(60, 86_400).default(3600),
  REQUEST_BODY_LIMIT: byteSize.default(10 * 1024 * 1024),
  DEMO_PAGE: z.enum(['on', 'off']).optional(),
});

/** Node refuses a headers timeout longer than the whole-request timeout. */
const checkHttpTimeouts = (vars: z.infer<typeof EnvSchema>): string[] =>
  vars.HTTP_HEADERS_TIMEOUT_MS > vars.HTTP_REQUEST_TIMEOUT_MS
    ? [
        `HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (${vars.HTTP_REQUEST_TIMEOUT_MS})`,
      ]
    : [];

/** Variables this service reads; documented in the README configuration table. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

/** Reads and validates the configuration; a bad value throws a {@link ConfigError} naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`PORT=`) means "use the default", as shells and container specs produce them.
  const present = Object.fromEntries(
    CONFIG_VARIABLES.filter((name) => env[name] !== undefined && env[name].trim() !== '').map(
      (name) => [name, env[name]?.trim()],
    ),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const vars = parsed.data;
  const conflicts = checkHttpTimeouts(vars);
  if (conflicts.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  ${conflicts.join('\n  ')}`);
  }
  return {
    nodeEnv: vars.NODE_ENV,
    port: vars.PORT,
    host: vars.HOST,
    publicUrl: (vars.CDS_PUBLIC_URL ?? `http://localhost:${vars.PORT}`).replace(/\/+$/, ''),
    auth: vars.CDS_AUTH ?? (vars.NODE_ENV === 'production' ? 'required' : 'off'),
    trustedClientsPath: vars.CDS_TRUSTED_CLIENTS,
    clinicalConfigPath: vars.CDS_CLINICAL_CONFIG,
    logLevel: vars.LOG_LEVEL,
    fhir: {
      timeoutMs: vars.FHIR_TIMEOUT_MS,
      maxPages: vars.FHIR_MAX_PAGES,
      maxResponseBytes: vars.FHIR_MAX_RESPONSE_BYTES,
      allowHttp:
        (vars.FHIR_ALLOW_HTTP ?? (vars.NODE_ENV === 'production' ? 'false' : 'true')) === 'true',
    },
    bodyLimitBytes: vars.REQUEST_BODY_LIMIT,
    jsonMaxDepth: vars.JSON_MAX_DEPTH,
    maxPrefetchResources: vars.PREFETCH_MAX_RESOURCES,
    callThreads: vars.CDS_CALL_THREADS,
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: vars.AUTH_FAILURES_PER_MINUTE,
    http: {
      headersTimeoutMs: vars.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: vars.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: vars.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    feedback: {
      databaseUrl: vars.DATABASE_URL,
      sqlitePath: vars.FEEDBACK_DB_PATH,
      retentionDays: vars.FEEDBACK_RETENTION_DAYS,
      itemsPerMinute: vars.FEEDBACK_ITEMS_PER_MINUTE,
      commentMaxChars: vars.FEEDBACK_COMMENT_MAX_CHARS,
    },
    jwt: { clockSkewSeconds: vars.JWT_CLOCK_SKEW_SECONDS, maxAgeSeconds: vars.JWT_MAX_AGE_SECONDS },
    demoPage: (vars.DEMO_PAGE ?? (vars.NODE_ENV === 'production' ? 'off' : 'on')) === 'on',
  };
}
