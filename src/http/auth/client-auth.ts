import type { Request, RequestHandler, Response } from 'express';
import { MemoryStore, ipKeyGenerator } from 'express-rate-limit';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Config } from '../../main/config.js';
import type { Logger } from '../../main/logger.js';
import { logValue } from '../log-values.js';
import { OperationOutcomeError } from '../../fhir/operation-outcome.js';
import { MemoryReplayGuard, PostgresReplayGuard, ReplayCheckUnavailable } from './replay-guard.js';
import type { ReplayGuard } from './replay-guard.js';
import type { TrustedClient } from './trusted-clients.js';

/**
 * CDS client authentication (CDS Hooks 2.0 §Trusting CDS Clients and the best practices): every
 * discovery, service and feedback call carries `Authorization: Bearer <JWT>` signed with an
 * asymmetric key of a trusted client. Checked: `iss` on the allowlist, `jku` (if any) on that
 * client's allowlist, `kid` selecting the key, the signature, `aud` = the URL invoked (from
 * `CDS_PUBLIC_URL`), `exp`, `iat` not in the future, `tenant`, and `jti` never seen before (by
 * any replica with `DATABASE_URL`: replay-guard.ts); when that cannot be checked, 503.
 * Failures are a bare 401; the log names iss, kid and jti (each cut to 64 characters), never the
 * token. Failures count per client address: beyond AUTH_FAILURES_PER_MINUTE in a minute, that
 * address gets 429 before any JWT work. Two `Authorization` headers are refused with 400.
 */

/** Who called, once authenticated: what the FHIR fallback may do on the client's behalf. */
export interface CallingClient {
  iss: string;
  /** FHIR server bases this client may name; `undefined` allows any. */
  fhirServers: readonly string[] | undefined;
}

/** The authenticated client of a request (`undefined` with authentication off). */
export const callingClient = (res: Response): CallingClient | undefined =>
  (res.locals as { client?: CallingClient }).client;

class AuthFailure extends Error {}

/** The URL the client invoked, as it knows it: what `aud` must name (trailing slash tolerated). */
function audiences(publicUrl: string, req: Request): string[] {
  const path = req.originalUrl.split('?')[0]?.replace(/\/+$/, '') ?? '';
  const url = `${publicUrl}${path}`;
  return [url, `${url}/`];
}

async function verify(
  req: Request,
  config: Config,
  clients: ReadonlyMap<string, TrustedClient>,
  replays: ReplayGuard,
  onFailure: (details: { iss?: string; kid?: string; jti?: string; reason: string }) => void,
): Promise<CallingClient> {
  const details: { iss?: string; kid?: string; jti?: string } = {};
  try {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*)$/i.exec(
      header.trim(),
    );
    if (!match?.[1]) throw new AuthFailure('no bearer JWT');
    const token = match[1];
    const protectedHeader = decodeProtectedHeader(token);
    const unverified = decodeJwt(token);
    details.kid = typeof protectedHeader.kid === 'string' ? protectedHeader.kid : undefined;
    details.iss = unverified.iss;
    details.jti = unverified.jti;
    const client = unverified.iss === undefined ? undefined : clients.get(unverified.iss);
    if (!client) throw new AuthFailure('issuer not trusted');
    if (!details.kid) throw new AuthFailure('no kid');
    if (protectedHeader.jku !== undefined && !client.jkuAllowList.includes(protectedHeader.jku)) {
      throw new AuthFailure('jku not on the allowlist');
    }
    const { payload } = await jwtVerify(token, client.keys, {
      issuer: client.iss,
      audience: audiences(config.publicUrl, req),
      algorithms: [...client.algorithms],
      typ: 'JWT',
      clockTolerance: config.jwt.clockSkewSeconds,
      maxTokenAge: config.jwt.maxAgeSeconds,
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
    });
    if (client.tenant !== undefined && payload.tenant !== client.tenant) {
      throw new AuthFailure('tenant not trusted');
    }
    const now = Math.floor(Date.now() / 1000);
    const until = Math.min(payload.exp ?? now, (payload.iat ?? now) + config.jwt.maxAgeSeconds);
    // Throws ReplayCheckUnavailable (503 below) when the check cannot be made: never unchecked.
    if (
      !(await replays.firstUse(
        client.iss,
        String(payload.jti),
        until + config.jwt.clockSkewSeconds,
      ))
    ) {
      throw new AuthFailure('jti replayed');
    }
    return { iss: client.iss, fhirServers: client.fhirServers };
  } catch (error) {
    if (error instanceof ReplayCheckUnavailable) {
      throw new OperationOutcomeError(
        503,
        [
          {
            code: 'transient',
            diagnostics: 'Client authentication is unavailable; try again later',
          },
        ],
        { 'Retry-After': String(error.retryAfterSeconds) },
      );
    }
    // jose names the failing claim (aud, iat, typ...): worth a line to whoever debugs an EHR link.
    const { code, claim } = error as { code?: string; claim?: string };
    const reason =
      error instanceof AuthFailure
        ? error.message
        : `${code ?? (error as Error).name}${claim ? ` (${claim})` : ''}`;
    onFailure({ ...details, reason });
    throw new OperationOutcomeError(
      401,
      [{ code: 'login', diagnostics: 'Client authentication failed' }],
      {
        'WWW-Authenticate': 'Bearer',
      },
    );
  }
}

/** Size of the in-memory `jti` replay cache. */
const REPLAY_CACHE_ENTRIES = 100_000;

/**
 * Where `jti`s are recorded: PostgreSQL with `DATABASE_URL` (shared by every replica), else the
 * memory of this process.
 */
export function configuredReplayGuard(config: Config, logger: Logger): ReplayGuard {
  const { databaseUrl } = config.feedback;
  if (databaseUrl === undefined) return new MemoryReplayGuard(REPLAY_CACHE_ENTRIES);
  return new PostgresReplayGuard(databaseUrl, {
    onEvent: (event) => {
      if (event.kind === 'purged') logger.info({ rows: event.rows }, 'expired jtis purged');
      else
        logger.error(
          { err: { message: logValue(event.error.message, 256) } },
          'jti replay check: PostgreSQL unreachable, tokens refused (503)',
        );
    },
  });
}

const FAILURE_WINDOW_MS = 60_000;

/**
 * Failed authentications per client address in a one-minute window. Only failures are counted
 * (an EHR's many concurrent valid calls never are); the address is the connection's (IPv6 grouped
 * by subnet, so one host cannot rotate through its addresses).
 */
class FailureLimit {
  private readonly store = new MemoryStore();

  constructor(private readonly perMinute: number) {
    this.store.init({ windowMs: FAILURE_WINDOW_MS } as Parameters<MemoryStore['init']>[0]);
  }

  static key(req: Request): string {
    return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
  }

  /** Seconds until `key` may try again, or undefined if it is under its limit. */
  async retryAfter(key: string): Promise<number | undefined> {
    const info = await this.store.get(key);
    if (!info || info.totalHits < this.perMinute) return undefined;
    const resetAt = info.resetTime?.getTime() ?? Date.now() + FAILURE_WINDOW_MS;
    return Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
  }

  /** Counts a failure; true when this one reaches the limit. */
  async fail(key: string): Promise<boolean> {
    return (await this.store.increment(key)).totalHits === this.perMinute;
  }
}

/** How many `Authorization` header lines the request carried (Node keeps only the first). */
const authorizationHeaders = (req: Request): number =>
  req.rawHeaders.filter((name, index) => index % 2 === 0 && name.toLowerCase() === 'authorization')
    .length;

/** The authentication switch: `CDS_AUTH=off` lets every call through (development only). */
export function clientAuthentication(
  config: Config,
  clients: ReadonlyMap<string, TrustedClient>,
  logger: Logger,
  /** Where `jti`s are recorded; by default as {@link configuredReplayGuard} chooses. */
  replayGuard?: ReplayGuard,
): RequestHandler {
  // Ambiguous credentials are refused even unauthenticated: a proxy in front may read the other one.
  const singleAuthorization: RequestHandler = (req, _res, next) => {
    if (authorizationHeaders(req) > 1) {
      throw new OperationOutcomeError(400, [
        { code: 'invalid', diagnostics: 'Send exactly one Authorization header' },
      ]);
    }
    next();
  };
  if (config.auth === 'off') return singleAuthorization;
  const replays = replayGuard ?? configuredReplayGuard(config, logger);
  const limit =
    config.authFailuresPerMinute > 0 ? new FailureLimit(config.authFailuresPerMinute) : undefined;
  // The path invoked (as for `aud`); mounted under /cds-services, req.path would drop that prefix.
  const pathOf = (req: Request): string | undefined => logValue(req.originalUrl.split('?')[0], 128);
  const failed = async (req: Request, line: Record<string, unknown>): Promise<void> => {
    logger.warn({ ...line, path: pathOf(req) }, 'client authentication failed');
    if (limit && (await limit.fail(FailureLimit.key(req)))) {
      logger.warn(
        { address: FailureLimit.key(req), perMinute: config.authFailuresPerMinute },
        'too many failed authentications from one address: refused (429) until the minute ends',
      );
    }
  };
  const authenticate = async (req: Request, res: Response): Promise<void> => {
    const retryAfter = await limit?.retryAfter(FailureLimit.key(req));
    if (retryAfter !== undefined) {
      throw new OperationOutcomeError(
        429,
        [
          {
            code: 'throttled',
            diagnostics: 'Too many failed authentications from this address; try again later',
          },
        ],
        { 'Retry-After': String(retryAfter) },
      );
    }
    if (authorizationHeaders(req) > 1) {
      await failed(req, { reason: 'several Authorization headers' });
      throw new OperationOutcomeError(400, [
        { code: 'invalid', diagnostics: 'Send exactly one Authorization header' },
      ]);
    }
    let failure: Record<string, unknown> | undefined;
    try {
      const client = await verify(req, config, clients, replays, (details) => {
        failure = {
          iss: logValue(details.iss),
          kid: logValue(details.kid),
          jti: logValue(details.jti),
          reason: logValue(details.reason, 128),
        };
      });
      (res.locals as { client?: CallingClient }).client = client;
    } finally {
      if (failure) await failed(req, failure);
    }
  };
  return (req, res, next) => {
    authenticate(req, res).then(() => {
      next();
    }, next);
  };
}
