import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  TrustedClientsError,
  readTrustedClients,
  trustedClientsFrom,
} from '../../src/http/auth/trusted-clients.js';
import type { TrustedClient } from '../../src/http/auth/trusted-clients.js';
import { testApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import {
  claimsFor,
  clientToken,
  epochNow,
  signingKey,
  unsignedToken,
} from '../support/client-jwt.js';
import type { SigningKey, TokenOptions } from '../support/client-jwt.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { clone, loadCapture, patientViewBody } from '../support/hook-calls.js';
import type { JsonObject } from '../support/hook-calls.js';
import { freePort, startServerProcess } from '../support/server-process.js';

/**
 * CDS client authentication (CDS Hooks 2.0 §Trusting CDS Clients, SPEC-NOTES §1.8) through the
 * real app: every discovery, service and feedback call needs a bearer JWT signed by a trusted
 * client's asymmetric key, naming the exact URL invoked as `aud`, fresh, and never seen before.
 * Keys are generated here with jose; the remote JWK Set is served by nock.
 */

const PUBLIC_URL = 'https://cds.example.org';
const DISCOVERY = '/cds-services';
const SERVICE = '/cds-services/b12-patient-view';
const FEEDBACK = '/cds-services/b12-patient-view/feedback';
const aud = (path: string): string => `${PUBLIC_URL}${path}`;

/** The main EHR: inline ES384 and RS384 keys, plus an ES256 key it has not enabled. */
const EHR = 'https://ehr.example.org';
/** A client that signs with ES256 and lists it in `algorithms`. */
const ES256_EHR = 'https://es256.example.org';
/** A client that must name its tenant. */
const TENANTED_EHR = 'https://tenanted.example.org';
const TENANT = 'st-elsewhere-north';
/** A client whose keys are only at an allow-listed `jku`. */
const REMOTE_EHR = 'https://remote.example.org';
const KEYS_ORIGIN = 'https://keys.example.org';
const KEYS_PATH = '/.well-known/jwks.json';
const JKU = `${KEYS_ORIGIN}${KEYS_PATH}`;
const ATTACKER_ORIGIN = 'https://attacker.example.net';
const ATTACKER_JKU = `${ATTACKER_ORIGIN}/jwks.json`;

const SANDBOX_ISS = 'https://sandbox.cds-hooks.org';
const SANDBOX_KID = '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f';
const SANDBOX_JKU = 'https://sandbox.cds-hooks.org/.well-known/jwks.json';
const EXAMPLE_FILE = 'config/trusted-clients.example.json';

const es384 = await signingKey('ES384', 'ehr-es384');
const rs384 = await signingKey('RS384', 'ehr-rs384');
const es256 = await signingKey('ES256', 'ehr-es256');
/** Another key that claims the ES384 key's kid: its signatures must not verify. */
const impostor = await signingKey('ES384', 'ehr-es384');
const es256Client = await signingKey('ES256', 'es256-client');
const tenantKey = await signingKey('ES384', 'tenanted-es384');
const remoteKey = await signingKey('ES384', 'remote-2026-01');
const rotatedKey = await signingKey('ES384', 'remote-2026-02');

/** A fresh map for every app: the remote JWK Set cache lives in it. */
const trustedClients = (): ReadonlyMap<string, TrustedClient> =>
  trustedClientsFrom([
    { iss: EHR, jwks: { keys: [es384.publicJwk, rs384.publicJwk, es256.publicJwk] } },
    { iss: ES256_EHR, jwks: { keys: [es256Client.publicJwk] }, algorithms: ['ES256'] },
    { iss: TENANTED_EHR, jwks: { keys: [tenantKey.publicJwk] }, tenant: TENANT },
    { iss: REMOTE_EHR, jku: JKU },
  ]);

function authApp(
  env: NodeJS.ProcessEnv = {},
  clients: ReadonlyMap<string, TrustedClient> = trustedClients(),
): TestApp {
  return testApp({
    env: { CDS_AUTH: 'required', CDS_PUBLIC_URL: PUBLIC_URL, ...env },
    trustedClients: clients,
  });
}

type Endpoint = 'discovery' | 'service' | 'feedback';
const PATHS: Record<Endpoint, string> = {
  discovery: DISCOVERY,
  service: SERVICE,
  feedback: FEEDBACK,
};

const feedbackBody = (): JsonObject => ({
  feedback: [
    {
      card: randomUUID(),
      outcome: 'accepted',
      acceptedSuggestions: [{ id: randomUUID() }],
      outcomeTimestamp: '2026-11-21T09:16:16.198Z',
    },
  ],
});

/** Calls an endpoint the way a CDS client does (a complete prefetch for the service call). */
function call(
  app: TestApp,
  endpoint: Endpoint,
  authorization?: string,
  path: string = PATHS[endpoint],
): request.Test {
  let test = endpoint === 'discovery' ? request(app.app).get(path) : request(app.app).post(path);
  if (authorization !== undefined) test = test.set('Authorization', authorization);
  if (endpoint === 'discovery') return test;
  const body = endpoint === 'service' ? patientViewBody() : feedbackBody();
  return test.set('Content-Type', 'application/json').send(JSON.stringify(body));
}

const bearer = (token: string): string => `Bearer ${token}`;

/** A token from the main EHR for an endpoint, signed with `key`. */
const ehrToken = (
  key: SigningKey,
  endpoint: Endpoint,
  options: Partial<TokenOptions> = {},
): Promise<string> => clientToken(key, { iss: EHR, aud: aud(PATHS[endpoint]), ...options });

function expectAccepted(res: request.Response, endpoint: Endpoint): void {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  if (endpoint === 'discovery') {
    expect((res.body as { services: unknown[] }).services.length).toBeGreaterThan(0);
  }
  if (endpoint === 'service') expect(Array.isArray((res.body as JsonObject).cards)).toBe(true);
}

interface FailureLine {
  msg: string;
  level: number;
  iss?: unknown;
  kid?: unknown;
  jti?: unknown;
  reason?: unknown;
  path?: unknown;
}

const authFailures = (app: TestApp): FailureLine[] =>
  app.logLines
    .map((line) => JSON.parse(line) as FailureLine)
    .filter((line) => line.msg === 'client authentication failed');

/** What the log should name for a token: its iss, kid and jti, where it carried them. */
function namedIn(token: string | undefined): { iss?: unknown; kid?: unknown; jti?: unknown } {
  if (token === undefined) return {};
  try {
    const header = decodeProtectedHeader(token);
    const payload = decodeJwt(token);
    return { iss: payload.iss, kid: header.kid, jti: payload.jti };
  } catch {
    return {};
  }
}

/**
 * A bare 401: OperationOutcome, `WWW-Authenticate: Bearer`, no reason given to the caller; one
 * warning in the log naming iss/kid/jti and the reason, and no log line holding the token.
 */
function expectRefused(
  app: TestApp,
  res: request.Response,
  reason: RegExp,
  authorization: string | undefined,
): FailureLine {
  const outcome = expectOperationOutcome(res, 401);
  expect(outcome.issue.map((issue) => issue.code)).toEqual(['login']);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  const failures = authFailures(app);
  expect(failures).toHaveLength(1);
  const [line] = failures as [FailureLine];
  expect(line.level).toBe(40);
  expect(String(line.reason)).toMatch(reason);
  expect(JSON.stringify(res.body)).not.toContain(String(line.reason));
  const token = authorization?.replace(/^\S+\s+/, '');
  const named = /^bearer\s/i.test(authorization ?? '') ? namedIn(token) : {};
  for (const field of ['iss', 'kid', 'jti'] as const) {
    if (named[field] !== undefined) expect(line[field]).toEqual(named[field]);
  }
  if (token) {
    const signature = token.split('.')[2] ?? '';
    for (const logged of app.logLines) {
      expect(logged).not.toContain(token);
      if (signature.length > 0) expect(logged).not.toContain(signature);
    }
  }
  return line;
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});

afterEach(() => {
  nock.cleanAll();
  vi.useRealTimers();
});

afterAll(() => {
  nock.enableNetConnect();
});

// ---------------------------------------------------------------------------------------------

describe('valid client JWTs are accepted', () => {
  const ENDPOINTS: Endpoint[] = ['discovery', 'service', 'feedback'];

  it.each(ENDPOINTS)('an ES384 token whose aud is the %s URL is accepted', async (endpoint) => {
    const app = authApp();
    const token = await ehrToken(es384, endpoint);
    expectAccepted(await call(app, endpoint, bearer(token)), endpoint);
    expect(authFailures(app)).toEqual([]);
    for (const line of app.logLines) expect(line).not.toContain(token);
  });

  it.each(ENDPOINTS)('an RS384 token whose aud is the %s URL is accepted', async (endpoint) => {
    const app = authApp();
    const token = await ehrToken(rs384, endpoint);
    expectAccepted(await call(app, endpoint, bearer(token)), endpoint);
  });

  it('ES256 is accepted from a client that lists it in algorithms', async () => {
    const app = authApp();
    const token = await clientToken(es256Client, { iss: ES256_EHR, aud: aud(SERVICE) });
    expectAccepted(await call(app, 'service', bearer(token)), 'service');
  });

  it('a trailing slash on aud is tolerated', async () => {
    const app = authApp();
    const token = await ehrToken(es384, 'discovery', { aud: `${aud(DISCOVERY)}/` });
    expectAccepted(await call(app, 'discovery', bearer(token)), 'discovery');
  });

  it('a trailing slash on CDS_PUBLIC_URL is tolerated', async () => {
    const app = authApp({ CDS_PUBLIC_URL: `${PUBLIC_URL}/` });
    const token = await ehrToken(es384, 'service');
    expectAccepted(await call(app, 'service', bearer(token)), 'service');
  });

  it('an aud array that contains the URL invoked is accepted', async () => {
    const app = authApp();
    const token = await ehrToken(es384, 'service', {
      aud: ['https://other.example.org/cds-services/b12-patient-view', aud(SERVICE)],
    });
    expectAccepted(await call(app, 'service', bearer(token)), 'service');
  });

  it('a query string on the URL invoked is not part of aud', async () => {
    const app = authApp();
    const token = await ehrToken(es384, 'discovery');
    expectAccepted(
      await call(app, 'discovery', bearer(token), `${DISCOVERY}?_format=json`),
      'discovery',
    );
  });

  it('the Bearer scheme is matched case-insensitively (RFC 6750)', async () => {
    const app = authApp();
    const token = await ehrToken(es384, 'discovery');
    expectAccepted(await call(app, 'discovery', `bearer ${token}`), 'discovery');
  });

  it('a token that expired less than JWT_CLOCK_SKEW_SECONDS ago is accepted', async () => {
    const app = authApp({ JWT_CLOCK_SKEW_SECONDS: '60' });
    const now = epochNow();
    const token = await ehrToken(es384, 'service', {
      claims: { iat: now - 330, exp: now - 30 },
    });
    expectAccepted(await call(app, 'service', bearer(token)), 'service');
  });

  it('a token issued less than JWT_CLOCK_SKEW_SECONDS in the future is accepted', async () => {
    const app = authApp({ JWT_CLOCK_SKEW_SECONDS: '60' });
    const now = epochNow();
    const token = await ehrToken(es384, 'service', {
      claims: { iat: now + 30, exp: now + 330 },
    });
    expectAccepted(await call(app, 'service', bearer(token)), 'service');
  });

  it('the tenant a client must name is accepted when named', async () => {
    const app = authApp();
    const token = await clientToken(tenantKey, {
      iss: TENANTED_EHR,
      aud: aud(SERVICE),
      claims: { tenant: TENANT },
    });
    expectAccepted(await call(app, 'service', bearer(token)), 'service');
  });
});

// ---------------------------------------------------------------------------------------------

interface Refusal {
  name: string;
  endpoint: Endpoint;
  /** The Authorization header, or undefined for none. */
  authorization: () => Promise<string | undefined>;
  /** Why the log must say it was refused. */
  reason: RegExp;
  env?: NodeJS.ProcessEnv;
}

const hs256 = (secret: string, endpoint: Endpoint): Promise<string> =>
  new SignJWT(claimsFor(EHR, aud(PATHS[endpoint])))
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: es384.kid })
    .sign(new TextEncoder().encode(secret));

const now = epochNow;

const REFUSALS: Refusal[] = [
  {
    name: 'a call without Authorization is refused',
    endpoint: 'discovery',
    authorization: () => Promise.resolve(undefined),
    reason: /no bearer JWT/,
  },
  {
    name: 'a service call without Authorization is refused',
    endpoint: 'service',
    authorization: () => Promise.resolve(undefined),
    reason: /no bearer JWT/,
  },
  {
    name: 'feedback without Authorization is refused',
    endpoint: 'feedback',
    authorization: () => Promise.resolve(undefined),
    reason: /no bearer JWT/,
  },
  {
    name: 'a Basic scheme is refused',
    endpoint: 'discovery',
    authorization: () => Promise.resolve(`Basic ${Buffer.from('ehr:secret').toString('base64')}`),
    reason: /no bearer JWT/,
  },
  {
    name: 'a valid JWT sent without the Bearer scheme is refused',
    endpoint: 'discovery',
    authorization: () => ehrToken(es384, 'discovery'),
    reason: /no bearer JWT/,
  },
  {
    name: 'a valid JWT under another scheme (DPoP) is refused',
    endpoint: 'discovery',
    authorization: async () => `DPoP ${await ehrToken(es384, 'discovery')}`,
    reason: /no bearer JWT/,
  },
  {
    name: 'a bearer value that is not a JWT is refused',
    endpoint: 'discovery',
    authorization: () => Promise.resolve('Bearer opaque-access-token'),
    reason: /no bearer JWT/,
  },
  {
    name: 'a malformed JWT (three parts, not base64url JSON) is refused',
    endpoint: 'service',
    authorization: () => Promise.resolve('Bearer not.a.jwt'),
    reason: /./,
  },
  {
    name: 'a token signed by another key under the trusted kid is refused (bad signature)',
    endpoint: 'service',
    authorization: async () => bearer(await ehrToken(impostor, 'service')),
    reason: /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
  },
  {
    name: 'a token whose payload was altered after signing is refused',
    endpoint: 'service',
    authorization: async () => {
      const [header, , signature] = (await ehrToken(es384, 'service')).split('.');
      const payload = Buffer.from(
        JSON.stringify({ ...claimsFor(EHR, aud(SERVICE)), tenant: 'altered' }),
      ).toString('base64url');
      return bearer(`${header ?? ''}.${payload}.${signature ?? ''}`);
    },
    reason: /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
  },
  {
    name: 'a key embedded in the token header (jwk) is never trusted',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(impostor, 'service', { header: { jwk: impostor.publicJwk } })),
    reason: /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
  },
  {
    name: 'a token with a kid the client does not have is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { header: { kid: 'unknown-kid' } })),
    reason: /ERR_JWKS_NO_MATCHING_KEY/,
  },
  {
    name: 'a token without kid is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { header: { kid: undefined } })),
    reason: /no kid/,
  },
  {
    name: 'a token from an issuer not on the allowlist is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(await clientToken(es384, { iss: 'https://stranger.example.net', aud: aud(SERVICE) })),
    reason: /issuer not trusted/,
  },
  {
    name: 'a token without iss is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { claims: { iss: undefined } })),
    reason: /issuer not trusted/,
  },
  {
    name: 'a discovery token (aud = discovery URL) is refused on a service call',
    endpoint: 'service',
    authorization: async () => bearer(await ehrToken(es384, 'discovery')),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
  },
  {
    name: 'a service-call token is refused on that service’s feedback endpoint',
    endpoint: 'feedback',
    authorization: async () => bearer(await ehrToken(es384, 'service')),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
  },
  {
    name: 'a token for another service is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { aud: aud('/cds-services/b12-order-sign') })),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
  },
  {
    name: 'a token for the same path on another host is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(
        await ehrToken(es384, 'service', {
          aud: 'https://cds.other.example.org/cds-services/b12-patient-view',
        }),
      ),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
  },
  {
    name: 'a token for the same host over plain http is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(
        await ehrToken(es384, 'service', {
          aud: 'http://cds.example.org/cds-services/b12-patient-view',
        }),
      ),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
  },
  {
    name: 'a token without aud is refused',
    endpoint: 'discovery',
    authorization: async () =>
      bearer(await ehrToken(es384, 'discovery', { claims: { aud: undefined } })),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
  },
  {
    name: 'an expired token (exp beyond the clock skew) is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { claims: { iat: now() - 400, exp: now() - 100 } })),
    reason: /ERR_JWT_EXPIRED/,
    env: { JWT_CLOCK_SKEW_SECONDS: '60' },
  },
  {
    name: 'a token expired by one second is refused without clock skew',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { claims: { iat: now() - 300, exp: now() - 1 } })),
    reason: /ERR_JWT_EXPIRED/,
    env: { JWT_CLOCK_SKEW_SECONDS: '0' },
  },
  {
    name: 'a token issued in the future beyond the clock skew is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { claims: { iat: now() + 120, exp: now() + 420 } })),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
    env: { JWT_CLOCK_SKEW_SECONDS: '60' },
  },
  {
    name: 'a token issued longer ago than JWT_MAX_AGE_SECONDS is refused, though exp is ahead',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { claims: { iat: now() - 400, exp: now() + 3600 } })),
    reason: /ERR_JWT_EXPIRED/,
    env: { JWT_MAX_AGE_SECONDS: '300', JWT_CLOCK_SKEW_SECONDS: '60' },
  },
  ...(['jti', 'exp', 'iat'] as const).map((claim): Refusal => ({
    name: `a token without ${claim} is refused`,
    endpoint: 'service',
    authorization: async () => bearer(await ehrToken(es384, 'service', { omit: [claim] })),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
  })),
  {
    name: 'an unsecured token (alg: none) is refused',
    endpoint: 'service',
    authorization: () =>
      Promise.resolve(
        bearer(
          unsignedToken({ alg: 'none', typ: 'JWT', kid: es384.kid }, claimsFor(EHR, aud(SERVICE))),
        ),
      ),
    reason: /ERR_JOSE_ALG_NOT_ALLOWED/,
  },
  {
    name: 'an unsecured token (alg: none) without kid is refused',
    endpoint: 'discovery',
    authorization: () =>
      Promise.resolve(
        bearer(unsignedToken({ alg: 'none', typ: 'JWT' }, claimsFor(EHR, aud(DISCOVERY)))),
      ),
    reason: /no kid/,
  },
  ...[
    'secret',
    JSON.stringify({ keys: [es384.publicJwk] }),
    String(es384.publicJwk.x),
    String(rs384.publicJwk.n),
  ].map((secret, index): Refusal => ({
    name: `an HS256 (symmetric) token is refused, whatever the secret (#${index + 1})`,
    endpoint: 'service',
    authorization: async () => bearer(await hs256(secret, 'service')),
    reason: /ERR_JOSE_ALG_NOT_ALLOWED/,
  })),
  {
    name: 'an ES256 token is refused from a client that does not list ES256, though its key is on record',
    endpoint: 'service',
    authorization: async () => bearer(await ehrToken(es256, 'service')),
    reason: /ERR_JOSE_ALG_NOT_ALLOWED/,
  },
  {
    name: 'a token from a client that requires a tenant is refused with another tenant',
    endpoint: 'service',
    authorization: async () =>
      bearer(
        await clientToken(tenantKey, {
          iss: TENANTED_EHR,
          aud: aud(SERVICE),
          claims: { tenant: 'other-hospital' },
        }),
      ),
    reason: /tenant not trusted/,
  },
  {
    name: 'a token from a client that requires a tenant is refused without tenant',
    endpoint: 'service',
    authorization: async () =>
      bearer(await clientToken(tenantKey, { iss: TENANTED_EHR, aud: aud(SERVICE) })),
    reason: /tenant not trusted/,
  },
  {
    name: 'a token whose typ is not JWT (at+jwt) is refused',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { header: { typ: 'at+jwt' } })),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
  },
  {
    name: 'a token without typ is refused (typ is REQUIRED)',
    endpoint: 'service',
    authorization: async () =>
      bearer(await ehrToken(es384, 'service', { header: { typ: undefined } })),
    reason: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
  },
];

describe('invalid client JWTs get a bare 401 with WWW-Authenticate: Bearer and a log line without the token', () => {
  it.each(REFUSALS.map((refusal) => [refusal.name, refusal] as const))(
    '%s',
    async (_name, { endpoint, authorization, reason, env }) => {
      const app = authApp(env);
      const header = await authorization();
      const res = await call(app, endpoint, header);
      const line = expectRefused(app, res, reason, header);
      expect(line.path).toBe(PATHS[endpoint]);
    },
  );

  it('a refused service call is not processed: no hook-call log line', async () => {
    const app = authApp();
    await call(app, 'service', bearer(await ehrToken(impostor, 'service'))).expect(401);
    const messages = app.logLines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).not.toContain('hook call');
    expect(messages).not.toContain('hook call failed');
  });

  it('an unauthenticated call to an unknown service is a 401, not a 404 (no service enumeration)', async () => {
    const app = authApp();
    const res = await call(app, 'service', undefined, '/cds-services/no-such-service');
    expectRefused(app, res, /no bearer JWT/, undefined);
  });
});

// ---------------------------------------------------------------------------------------------

describe('jti replay protection', () => {
  it('the second use of the same token is refused', async () => {
    const app = authApp();
    const header = bearer(await ehrToken(es384, 'service'));
    expectAccepted(await call(app, 'service', header), 'service');
    const replay = await call(app, 'service', header);
    expectRefused(app, replay, /jti replayed/, header);
  });

  it('a replayed discovery token is refused as well', async () => {
    const app = authApp();
    const header = bearer(await ehrToken(es384, 'discovery'));
    expectAccepted(await call(app, 'discovery', header), 'discovery');
    expectRefused(app, await call(app, 'discovery', header), /jti replayed/, header);
  });

  it('a newly signed token that reuses a seen jti is refused', async () => {
    const app = authApp();
    const jti = randomUUID();
    const first = bearer(await ehrToken(es384, 'service', { claims: { jti } }));
    expectAccepted(await call(app, 'service', first), 'service');
    const second = bearer(await ehrToken(rs384, 'service', { claims: { jti } }));
    expectRefused(app, await call(app, 'service', second), /jti replayed/, second);
  });

  it('a token naming several endpoints in aud is usable once, not once per endpoint', async () => {
    const app = authApp();
    const header = bearer(
      await ehrToken(es384, 'discovery', { aud: [aud(DISCOVERY), aud(SERVICE)] }),
    );
    expectAccepted(await call(app, 'discovery', header), 'discovery');
    expectRefused(app, await call(app, 'service', header), /jti replayed/, header);
  });

  it('a token refused for another reason does not use up its jti (an attacker cannot burn jtis)', async () => {
    const app = authApp();
    const jti = randomUUID();
    const forged = bearer(await ehrToken(impostor, 'service', { claims: { jti } }));
    await call(app, 'service', forged).expect(401);
    const genuine = bearer(await ehrToken(es384, 'service', { claims: { jti } }));
    expectAccepted(await call(app, 'service', genuine), 'service');
  });

  it('jti is unique per issuer: another trusted issuer may use the same value', async () => {
    const app = authApp();
    const jti = randomUUID();
    const fromEhr = bearer(await ehrToken(es384, 'service', { claims: { jti } }));
    const fromOther = bearer(
      await clientToken(es256Client, { iss: ES256_EHR, aud: aud(SERVICE), claims: { jti } }),
    );
    expectAccepted(await call(app, 'service', fromEhr), 'service');
    expectAccepted(await call(app, 'service', fromOther), 'service');
  });
});

// ---------------------------------------------------------------------------------------------

describe('jku: keys only from the client’s allow-listed JWK Set URL', () => {
  const keySet = (...keys: SigningKey[]): { keys: unknown[] } => ({
    keys: keys.map((key) => key.publicJwk),
  });
  const remoteToken = (key: SigningKey, header: Record<string, unknown> = {}): Promise<string> =>
    clientToken(key, { iss: REMOTE_EHR, aud: aud(SERVICE), header });

  it('a jku not on the client’s allow-list is refused and never fetched (inline-keys client)', async () => {
    const attacker = nock(ATTACKER_ORIGIN).get('/jwks.json').reply(200, keySet(impostor));
    const app = authApp();
    const header = bearer(await ehrToken(impostor, 'service', { header: { jku: ATTACKER_JKU } }));
    expectRefused(app, await call(app, 'service', header), /jku not on the allowlist/, header);
    expect(attacker.isDone()).toBe(false);
  });

  it('a jku not on the client’s allow-list is refused and never fetched (jku client)', async () => {
    const attacker = nock(ATTACKER_ORIGIN).get('/jwks.json').reply(200, keySet(impostor));
    const keys = nock(KEYS_ORIGIN).get(KEYS_PATH).reply(200, keySet(remoteKey));
    const app = authApp();
    const header = bearer(await remoteToken(impostor, { jku: ATTACKER_JKU }));
    expectRefused(app, await call(app, 'service', header), /jku not on the allowlist/, header);
    expect(attacker.isDone()).toBe(false);
    expect(keys.isDone()).toBe(false);
  });

  it('a jku on another client’s allow-list does not count for this issuer', async () => {
    const keys = nock(KEYS_ORIGIN).get(KEYS_PATH).reply(200, keySet(impostor));
    const app = authApp();
    const header = bearer(await ehrToken(impostor, 'service', { header: { jku: JKU } }));
    expectRefused(app, await call(app, 'service', header), /jku not on the allowlist/, header);
    expect(keys.isDone()).toBe(false);
  });

  it('the allow-listed JWK Set is fetched once and cached: several fresh tokens, one fetch', async () => {
    const keys = nock(KEYS_ORIGIN).get(KEYS_PATH).once().reply(200, keySet(remoteKey));
    const app = authApp();
    for (const header of [{ jku: JKU }, {}, { jku: JKU }, {}]) {
      const token = bearer(await remoteToken(remoteKey, header));
      expectAccepted(await call(app, 'service', token), 'service');
    }
    expect(keys.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('a new kid after key rotation triggers one refetch, at most once per 30 s cooldown', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.parse('2026-11-21T10:00:00Z');
    vi.setSystemTime(start);
    const first = nock(KEYS_ORIGIN).get(KEYS_PATH).once().reply(200, keySet(remoteKey));
    const app = authApp();

    expectAccepted(await call(app, 'service', bearer(await remoteToken(remoteKey))), 'service');
    expect(first.isDone()).toBe(true);

    // The client rotates 10 s later; within the cooldown the unknown kid is not refetched.
    const rotated = nock(KEYS_ORIGIN)
      .get(KEYS_PATH)
      .once()
      .reply(200, keySet(remoteKey, rotatedKey));
    vi.setSystemTime(start + 10_000);
    const early = bearer(await remoteToken(rotatedKey));
    expectRefused(app, await call(app, 'service', early), /ERR_JWKS_NO_MATCHING_KEY/, early);
    expect(rotated.isDone()).toBe(false);

    // After the cooldown, the unknown kid triggers exactly one refetch.
    vi.setSystemTime(start + 31_000);
    expectAccepted(await call(app, 'service', bearer(await remoteToken(rotatedKey))), 'service');
    expect(rotated.isDone()).toBe(true);

    // Both keys are now cached: no further fetch (none is mocked, and the network is off).
    vi.setSystemTime(start + 40_000);
    expectAccepted(await call(app, 'service', bearer(await remoteToken(rotatedKey))), 'service');
    expectAccepted(await call(app, 'service', bearer(await remoteToken(remoteKey))), 'service');
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('an unreachable or failing JWK Set endpoint gives 401, never 500', async () => {
    nock(KEYS_ORIGIN).get(KEYS_PATH).reply(500, 'down');
    const app = authApp();
    const header = bearer(await remoteToken(remoteKey));
    const line = expectRefused(app, await call(app, 'service', header), /./, header);
    expect(line.iss).toBe(REMOTE_EHR);
  });

  it('a redirect from the JWK Set URL is not followed', async () => {
    nock(KEYS_ORIGIN).get(KEYS_PATH).reply(302, '', { Location: ATTACKER_JKU });
    const attacker = nock(ATTACKER_ORIGIN).get('/jwks.json').reply(200, keySet(impostor));
    const app = authApp();
    const header = bearer(await remoteToken(impostor));
    expectRefused(app, await call(app, 'service', header), /./, header);
    expect(attacker.isDone()).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

/** A minimal valid trusted client. */
const valid = { iss: EHR, jwks: { keys: [es384.publicJwk] } };

describe('trusted-clients configuration', () => {
  it('the example file (the public sandbox) parses, with the sandbox iss, its jku and its ES384 key', () => {
    const clients = readTrustedClients(EXAMPLE_FILE);
    const sandbox = clients.get(SANDBOX_ISS);
    expect(sandbox).toBeDefined();
    expect(sandbox?.jkuAllowList).toEqual([SANDBOX_JKU]);
    expect(sandbox?.algorithms).toContain('ES384');
    expect(sandbox?.tenant).toBeUndefined();
    const raw = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as {
      iss: string;
      jwks: { keys: JsonObject[] };
    }[];
    expect(raw.find((client) => client.iss === SANDBOX_ISS)?.jwks.keys).toContainEqual(
      expect.objectContaining({ kty: 'EC', crv: 'P-384', alg: 'ES384', kid: SANDBOX_KID }),
    );
  });

  it('a token signed by a test key claiming the sandbox iss and kid is refused, with no key fetch', async () => {
    const sandboxJwks = nock('https://sandbox.cds-hooks.org')
      .get('/.well-known/jwks.json')
      .reply(200, { keys: [impostor.publicJwk] });
    const fake = await signingKey('ES384', SANDBOX_KID);
    const app = authApp({}, readTrustedClients(EXAMPLE_FILE));
    const header = bearer(
      await clientToken(fake, {
        iss: SANDBOX_ISS,
        aud: aud(SERVICE),
        header: { jku: SANDBOX_JKU },
      }),
    );
    expectRefused(
      app,
      await call(app, 'service', header),
      /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
      header,
    );
    expect(sandboxJwks.isDone()).toBe(false);
  });

  it('a real sandbox token (capture 021) verifies against the example key at the time it was issued, once', async () => {
    const capture = loadCapture('021-sandbox--call-b12-patient-view.json');
    const authorization = capture.authorization ?? '';
    const { iat, aud: capturedAud } = decodeJwt(authorization.replace(/^Bearer /, ''));
    const url = new URL(String(capturedAud));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(((iat ?? 0) + 5) * 1000);
    const app = testApp({
      env: { CDS_AUTH: 'required', CDS_PUBLIC_URL: url.origin },
      trustedClients: readTrustedClients(EXAMPLE_FILE),
    });
    const body = clone(capture.body);
    delete body.fhirServer;
    Object.assign(body.prefetch as JsonObject, {
      conditions: null,
      procedures: null,
      medStatements: null,
    });
    const send = (): request.Test =>
      request(app.app)
        .post(url.pathname)
        .set('Authorization', authorization)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
    expect((await send()).status).toBe(200);
    expectRefused(app, await send(), /jti replayed/, authorization);
  });

  it('the same real sandbox token is refused today: it has expired', async () => {
    const capture = loadCapture('021-sandbox--call-b12-patient-view.json');
    const authorization = capture.authorization ?? '';
    const url = new URL(String(decodeJwt(authorization.replace(/^Bearer /, '')).aud));
    const app = testApp({
      env: { CDS_AUTH: 'required', CDS_PUBLIC_URL: url.origin },
      trustedClients: readTrustedClients(EXAMPLE_FILE),
    });
    const res = await request(app.app)
      .post(url.pathname)
      .set('Authorization', authorization)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(capture.body));
    expectRefused(app, res, /ERR_JWT_EXPIRED/, authorization);
  });

  it.each([
    ['HS256 listed in algorithms', [{ ...valid, algorithms: ['HS256'] }], /algorithms/],
    ['none listed in algorithms', [{ ...valid, algorithms: ['none'] }], /algorithms/],
    ['neither jwks nor jku', [{ iss: EHR }], /"jwks" or "jku"/],
    ['a duplicate iss', [valid, { ...valid }], /each "iss" may appear once/],
    ['an empty iss', [{ ...valid, iss: '' }], /iss/],
    ['an empty key set', [{ iss: EHR, jwks: { keys: [] } }], /jwks/],
    ['a jku that is not an http(s) URL', [{ iss: EHR, jku: 'file:///etc/jwks.json' }], /jku/],
    ['an unknown field (a typo must not pass silently)', [{ ...valid, tennant: 'x' }], /tennant/],
    ['an object instead of a list', valid, /array/],
  ])('trustedClientsFrom rejects %s', (_name, json, message) => {
    expect(() => trustedClientsFrom(json)).toThrow(TrustedClientsError);
    expect(() => trustedClientsFrom(json)).toThrow(message);
  });

  it('every client accepts ES384 and RS384, and only the asymmetric extras it lists', () => {
    const clients = trustedClientsFrom([
      valid,
      { iss: ES256_EHR, jwks: { keys: [es256Client.publicJwk] }, algorithms: ['ES256'] },
    ]);
    expect([...(clients.get(EHR)?.algorithms ?? [])].sort()).toEqual(['ES384', 'RS384']);
    expect([...(clients.get(ES256_EHR)?.algorithms ?? [])].sort()).toEqual([
      'ES256',
      'ES384',
      'RS384',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the server process refuses to start with authentication it cannot enforce', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cds-trusted-clients-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function expectExit1(env: NodeJS.ProcessEnv, stderr: RegExp): Promise<void> {
    const server = startServerProcess({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      ...env,
    });
    try {
      const { code } = await server.exit;
      expect(code).toBe(1);
      expect(server.stderr()).toMatch(/CDS_TRUSTED_CLIENTS/);
      expect(server.stderr()).toMatch(stderr);
      expect(server.stdout()).not.toContain('"msg":"listening"');
    } finally {
      server.kill('SIGKILL');
    }
  }

  it('CDS_AUTH=required without CDS_TRUSTED_CLIENTS exits 1 naming CDS_TRUSTED_CLIENTS', async () => {
    await expectExit1({ NODE_ENV: 'development', CDS_AUTH: 'required' }, /required/);
  }, 60_000);

  it('NODE_ENV=production (authentication on by default) without CDS_TRUSTED_CLIENTS exits 1', async () => {
    await expectExit1({ NODE_ENV: 'production' }, /required/);
  }, 60_000);

  const badFiles: [string, unknown, RegExp][] = [
    ['HS256 listed', [{ ...valid, algorithms: ['HS256'] }], /algorithms/],
    ['neither jwks nor jku', [{ iss: EHR }], /"jwks" or "jku"/],
    ['a duplicate iss', [valid, valid], /each "iss" may appear once/],
    ['not JSON', '{ "iss": ', /cannot read/],
  ];

  it.each(badFiles)(
    'a trusted-clients file with %s exits 1',
    async (name, content, stderr) => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      await expectExit1(
        { NODE_ENV: 'development', CDS_AUTH: 'required', CDS_TRUSTED_CLIENTS: file },
        stderr,
      );
    },
    60_000,
  );

  it('starts with the example file and then refuses an unauthenticated discovery call', async () => {
    const port = await freePort();
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      CDS_AUTH: 'required',
      CDS_TRUSTED_CLIENTS: EXAMPLE_FILE,
      LOG_LEVEL: 'info',
    });
    try {
      await server.waitFor('"msg":"listening"');
      expect(server.stdout()).toContain(SANDBOX_ISS);
      const res = await fetch(`http://127.0.0.1:${port}/cds-services`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      await res.body?.cancel();
    } finally {
      server.kill('SIGKILL');
      await server.exit;
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------

describe('failed authentications are limited per client address (AUTH_FAILURES_PER_MINUTE)', () => {
  const badToken = bearer('not.a.jwt');

  it('after the limit of failures, even a valid token gets 429 with an OperationOutcome and Retry-After, before any JWT work', async () => {
    const app = authApp({ AUTH_FAILURES_PER_MINUTE: '3' });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await call(app, 'discovery', badToken)).status).toBe(401);
    }
    const res = await call(app, 'discovery', bearer(await ehrToken(es384, 'discovery')));
    const outcome = expectOperationOutcome(res, 429);
    expect(outcome.issue.map((issue) => issue.code)).toEqual(['throttled']);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The refused call's token was never read: no further authentication line.
    expect(authFailures(app)).toHaveLength(3);
    expect(
      app.logLines.filter((line) => line.includes('too many failed authentications')),
    ).toHaveLength(1);
  });

  it('defaults to 20 failures a minute', async () => {
    const app = authApp();
    for (let attempt = 0; attempt < 20; attempt += 1) {
      expect((await call(app, 'discovery', badToken)).status).toBe(401);
    }
    expect((await call(app, 'discovery', badToken)).status).toBe(429);
  });

  it('successful calls never count against the limit', async () => {
    const app = authApp({ AUTH_FAILURES_PER_MINUTE: '2' });
    expect((await call(app, 'discovery', badToken)).status).toBe(401);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const token = await ehrToken(es384, 'discovery');
      expectAccepted(await call(app, 'discovery', bearer(token)), 'discovery');
    }
    expect((await call(app, 'discovery', badToken)).status).toBe(401);
    expect((await call(app, 'discovery', badToken)).status).toBe(429);
  });

  it('the window ends after a minute: the address may try again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const app = authApp({ AUTH_FAILURES_PER_MINUTE: '1' });
    expect((await call(app, 'discovery', badToken)).status).toBe(401);
    expect((await call(app, 'discovery', badToken)).status).toBe(429);
    vi.setSystemTime(Date.now() + 61_000);
    expect((await call(app, 'discovery', badToken)).status).toBe(401);
  });

  it('AUTH_FAILURES_PER_MINUTE=0 turns the limit off', async () => {
    const app = authApp({ AUTH_FAILURES_PER_MINUTE: '0' });
    for (let attempt = 0; attempt < 25; attempt += 1) {
      expect((await call(app, 'discovery', badToken)).status).toBe(401);
    }
  });
});

describe('two Authorization headers are refused (a proxy in front may read the other one)', () => {
  /** Sends raw header lines, as supertest would merge them. */
  async function withHeaders(
    app: TestApp,
    headers: [string, string][],
  ): Promise<{ status: number; body: string }> {
    const server = app.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      return await new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: DISCOVERY, method: 'GET' });
        for (const [name, value] of headers) req.appendHeader(name, value);
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    } finally {
      server.close();
    }
  }

  it('two Authorization headers, even with a valid token first, get 400 with an OperationOutcome', async () => {
    const app = authApp();
    const token = await ehrToken(es384, 'discovery');
    const res = await withHeaders(app, [
      ['Authorization', bearer(token)],
      ['authorization', 'Bearer other.token.here'],
    ]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid' }],
    });
    expect(authFailures(app).map((line) => line.reason)).toEqual(['several Authorization headers']);
    for (const line of app.logLines) expect(line).not.toContain(token);
  });

  it('two Authorization headers get 400 with authentication off too', async () => {
    const app = testApp({ env: { CDS_AUTH: 'off' } });
    const res = await withHeaders(app, [
      ['Authorization', 'Bearer a.b.c'],
      ['Authorization', 'Bearer d.e.f'],
    ]);
    expect(res.status).toBe(400);
  });

  it('one Authorization header with a valid token is accepted', async () => {
    const app = authApp();
    const res = await withHeaders(app, [
      ['Authorization', bearer(await ehrToken(es384, 'discovery'))],
    ]);
    expect(res.status).toBe(200);
  });
});

describe('caller-chosen token fields are cut to 64 characters in the log', () => {
  it('a 7 KB kid, a 1 KB iss and a 1 KB jti each reach the log as at most 64 characters', async () => {
    const app = authApp();
    const kid = `k${'x'.repeat(7000)}`;
    const token = await clientToken(es384, {
      iss: `https://${'i'.repeat(1000)}.example.org`,
      aud: aud(DISCOVERY),
      claims: { jti: 'j'.repeat(1000) },
      header: { kid },
    });
    const res = await call(app, 'discovery', bearer(token));
    expect(res.status).toBe(401);
    const [line] = authFailures(app) as [FailureLine];
    for (const field of [line.iss, line.kid, line.jti]) {
      expect(typeof field).toBe('string');
      expect((field as string).length).toBeLessThanOrEqual(64);
    }
    expect(String(line.kid)).toMatch(/^kx+…$/);
    for (const logged of app.logLines) expect(logged.length).toBeLessThan(1000);
  });

  it('a claim that is not a string (an object iss) is logged as short text', async () => {
    const app = authApp();
    const token = unsignedToken({ alg: 'ES384', typ: 'JWT', kid: es384.kid }, {
      iss: { nested: 'y'.repeat(5000) },
      aud: aud(DISCOVERY),
      jti: randomUUID(),
    } as unknown as Parameters<typeof unsignedToken>[1]);
    expect((await call(app, 'discovery', bearer(token))).status).toBe(401);
    const [line] = authFailures(app) as [FailureLine];
    expect(typeof line.iss).toBe('string');
    expect((line.iss as string).length).toBeLessThanOrEqual(64);
  });
});
