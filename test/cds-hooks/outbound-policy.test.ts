import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, FhirResource, Observation, Patient } from 'fhir/r4.js';
import { trustedClientsFrom } from '../../src/http/auth/trusted-clients.js';
import type { TrustedClient } from '../../src/http/auth/trusted-clients.js';
import { testApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { clientToken, signingKey } from '../support/client-jwt.js';
import { expectOperationOutcome } from '../support/conformance.js';
import type { OperationOutcomeIssue } from '../support/conformance.js';

/**
 * The outbound policy of the FHIR fallback (server-side request forgery guards), through the real
 * app with every FHIR server mocked by nock and the network otherwise off: which `fhirServer` may
 * be called at all, that the access token never leaves the fhirServer's origin, that redirects are
 * not followed and that answers are size-capped.
 */

const PUBLIC_URL = 'https://cds.example.org';
const SERVICE = '/cds-services/b12-patient-view';
const EHR_ORIGIN = 'https://ehr.example.org';
const FHIR_BASE = `${EHR_ORIGIN}/fhir`;
const HTTP_ORIGIN = 'http://ehr.example.org';
const EVIL_ORIGIN = 'https://evil.example.net';
const ACCESS_TOKEN = 'fhir-access-7c1e9b-secret';
const PATIENT_ID = 'pat-1';

/** An EHR that may only name its own FHIR server. */
const EHR_ISS = 'https://ehr.example.org/cds-client';
/** An EHR without `fhirServers`: any server it names is called (the allow-list is opt-in). */
const OPEN_ISS = 'https://open.example.org/cds-client';
/** An EHR that allow-lists a plain-http FHIR server. */
const HTTP_ISS = 'https://http-ehr.example.org/cds-client';

const key = await signingKey('ES384', 'outbound-es384');

const trustedClients = (): ReadonlyMap<string, TrustedClient> =>
  trustedClientsFrom([
    { iss: EHR_ISS, jwks: { keys: [key.publicJwk] }, fhirServers: [FHIR_BASE] },
    { iss: OPEN_ISS, jwks: { keys: [key.publicJwk] } },
    { iss: HTTP_ISS, jwks: { keys: [key.publicJwk] }, fhirServers: [`${HTTP_ORIGIN}/fhir`] },
  ]);

/** The real app with client authentication on. */
const authApp = (env: NodeJS.ProcessEnv = {}): TestApp =>
  testApp({
    env: { CDS_AUTH: 'required', CDS_PUBLIC_URL: PUBLIC_URL, ...env },
    trustedClients: trustedClients(),
  });

/** The real app with authentication off (development): no client, so no allow-list. */
const openApp = (env: NodeJS.ProcessEnv = {}): TestApp =>
  testApp({ env: { CDS_AUTH: 'off', ...env } });

// ---------------------------------------------------------------------------------------------
// FHIR data

const patient: Patient = { resourceType: 'Patient', id: PATIENT_ID, birthDate: '1950-04-02' };

const observation = (id: string): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: `Patient/${PATIENT_ID}` },
  code: { coding: [{ system: 'http://loinc.org', code: '2132-9' }] },
  effectiveDateTime: '2026-10-01',
  valueQuantity: { value: 180, unit: 'pg/mL', system: 'http://unitsofmeasure.org', code: 'pg/mL' },
});

function searchset(resources: readonly FhirResource[], next?: string): Bundle<FhirResource> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(next === undefined ? {} : { link: [{ relation: 'next', url: next }] }),
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}

/** A searchset of `count` observations: about 300 bytes each. */
const largeSearchset = (count: number): Bundle<FhirResource> =>
  searchset(Array.from({ length: count }, (_, index) => observation(`obs-${index}`)));

// ---------------------------------------------------------------------------------------------
// Requests

/** A patient-view call with no prefetch: every key is fetched from `fhirServer`. */
const hookRequest = (fhirServer: string, extra: Record<string, unknown> = {}): object => ({
  hook: 'patient-view',
  hookInstance: randomUUID(),
  context: { userId: 'Practitioner/123', patientId: PATIENT_ID },
  fhirServer,
  fhirAuthorization: {
    access_token: ACCESS_TOKEN,
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'patient/Patient.read patient/Observation.read',
    subject: 'b12-cds-service',
  },
  ...extra,
});

/** The call as a trusted client makes it: a fresh JWT with aud = the service URL. */
async function signedCall(app: TestApp, body: object, iss = EHR_ISS): Promise<request.Response> {
  const token = await clientToken(key, { iss, aud: `${PUBLIC_URL}${SERVICE}` });
  return request(app.app)
    .post(SERVICE)
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

const unsignedCall = (app: TestApp, body: object): request.Test =>
  request(app.app).post(SERVICE).set('Content-Type', 'application/json').send(JSON.stringify(body));

// ---------------------------------------------------------------------------------------------
// Mocked servers

interface Arrival {
  url: string;
  authorization: string | undefined;
}

/** What the EHR's FHIR server answers for each prefetch key, unless a test says otherwise. */
const ANSWERS = {
  patient: (): FhirResource => patient,
  labs: (): FhirResource => searchset([observation('b12-low')]),
  meds: (): FhirResource => searchset([]),
  conditions: (): FhirResource => searchset([]),
  procedures: (): FhirResource => searchset([]),
  medStatements: (): FhirResource => searchset([]),
};
type Key = keyof typeof ANSWERS;
const KEY_PATHS: Record<Key, string> = {
  patient: `/Patient/${PATIENT_ID}`,
  labs: '/Observation',
  meds: '/MedicationRequest',
  conditions: '/Condition',
  procedures: '/Procedure',
  medStatements: '/MedicationStatement',
};

/**
 * The EHR's FHIR server at `origin` + `basePath`, answering each of `keys` once and recording
 * what arrived.
 */
function mockFhirServer(
  keys: readonly Key[] = Object.keys(ANSWERS) as Key[],
  origin = EHR_ORIGIN,
  basePath = '/fhir',
): { scope: nock.Scope; arrivals: Arrival[] } {
  const arrivals: Arrival[] = [];
  const scope = nock(origin);
  for (const name of keys) {
    const path = `${basePath}${KEY_PATHS[name]}`;
    const interceptor = name === 'patient' ? scope.get(path) : scope.get(path).query(true);
    interceptor.reply(function (uri) {
      arrivals.push({ url: `${origin}${uri}`, authorization: this.req.headers.authorization });
      return [200, ANSWERS[name](), { 'Content-Type': 'application/fhir+json' }];
    });
  }
  return { scope, arrivals };
}

/** A server that must never be called: any GET is recorded (and would use the interceptor up). */
function trap(origin: string): { scope: nock.Scope; arrivals: Arrival[] } {
  const arrivals: Arrival[] = [];
  const scope = nock(origin)
    .get(() => true)
    .reply(function (uri) {
      arrivals.push({ url: `${origin}${uri}`, authorization: this.req.headers.authorization });
      return [
        200,
        searchset([observation('planted')]),
        { 'Content-Type': 'application/fhir+json' },
      ];
    });
  return { scope, arrivals };
}

function expectNeverCalled(server: { scope: nock.Scope; arrivals: Arrival[] }): void {
  expect(server.arrivals).toEqual([]);
  expect(server.scope.isDone()).toBe(false);
}

/** The 412's issues (each checked to be an error). */
function issues412(res: request.Response): OperationOutcomeIssue[] {
  const outcome = expectOperationOutcome(res, 412);
  for (const issue of outcome.issue) expect(issue.severity).toBe('error');
  return outcome.issue;
}

const issueFor = (res: request.Response, name: Key): OperationOutcomeIssue | undefined =>
  issues412(res).find((issue) => issue.expression?.includes(`prefetch.${name}`));

/** The one wording every FHIR server failure gives the caller (the cause is only logged). */
const UNAVAILABLE = /^Prefetch key '\w+' \(.*\): the FHIR server could not provide the data$/;

/** `name` failed with the one wording for an unavailable FHIR server. */
function expectUnavailable(res: request.Response, name: Key): void {
  const issue = issueFor(res, name);
  expect(issue?.code).toBe('transient');
  expect(issue?.diagnostics).toMatch(UNAVAILABLE);
}

/** The cause logged for `name` (never told to the caller). */
const loggedCause = (app: TestApp, name: Key): string | undefined =>
  app.logLines
    .map((line) => JSON.parse(line) as { msg?: string; key?: string; cause?: string })
    .find((line) => line.msg === 'FHIR server could not provide the data' && line.key === name)
    ?.cause;

/** Every key was refused before any request, for a security reason. */
function expectAllRefused(res: request.Response, diagnostics: RegExp): void {
  const found = issues412(res);
  expect(found.flatMap((issue) => issue.expression ?? []).sort()).toEqual(
    Object.keys(ANSWERS)
      .map((key) => `prefetch.${key}`)
      .sort(),
  );
  for (const issue of found) {
    expect(issue.code).toBe('security');
    expect(issue.diagnostics).toMatch(diagnostics);
  }
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

// ---------------------------------------------------------------------------------------------

describe('a client may only have the FHIR servers it is allowed (fhirServers) called', () => {
  it('a fhirServer the client may not name gets 412 security, and no request (nor the token) reaches it', async () => {
    const evil = trap(EVIL_ORIGIN);
    const app = authApp();
    const res = await signedCall(app, hookRequest(`${EVIL_ORIGIN}/fhir`));
    expectAllRefused(res, /may name/);
    expectNeverCalled(evil);
    for (const line of app.logLines) expect(line).not.toContain(ACCESS_TOKEN);
  });

  it('a fhirServer that merely starts with the allowed base (/fhir-other) is not a prefix match', async () => {
    const ehr = trap(EHR_ORIGIN);
    const res = await signedCall(authApp(), hookRequest(`${EHR_ORIGIN}/fhir-other`));
    expectAllRefused(res, /may name/);
    expectNeverCalled(ehr);
  });

  it('the allowed host used as userinfo in front of another host is refused', async () => {
    const evil = trap(EVIL_ORIGIN);
    const ehr = trap(EHR_ORIGIN);
    const res = await signedCall(
      authApp(),
      hookRequest('https://ehr.example.org@evil.example.net/fhir'),
    );
    expectAllRefused(res, /may name/);
    expectNeverCalled(evil);
    expectNeverCalled(ehr);
  });

  it.each([
    ['dot segments', `${FHIR_BASE}/../admin`],
    ['percent-encoded dot segments', `${FHIR_BASE}/%2e%2e/admin`],
  ])('%s cannot climb out of the allowed base to another path on its host', async (_name, url) => {
    const ehr = trap(EHR_ORIGIN);
    const res = await signedCall(authApp(), hookRequest(url));
    expectAllRefused(res, /may name/);
    expectNeverCalled(ehr);
  });

  it('the allowed fhirServer is called, with the access token', async () => {
    const ehr = mockFhirServer();
    const app = authApp();
    const res = await signedCall(app, hookRequest(FHIR_BASE));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const line of app.logLines) expect(line).not.toContain(ACCESS_TOKEN);
    expect(ehr.scope.isDone()).toBe(true);
    expect(ehr.arrivals).toHaveLength(Object.keys(ANSWERS).length);
    for (const arrival of ehr.arrivals) {
      expect(arrival.url.startsWith(`${FHIR_BASE}/`)).toBe(true);
      expect(arrival.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    }
  });

  it('the allowed fhirServer written with a trailing slash is the same server', async () => {
    const ehr = mockFhirServer();
    const res = await signedCall(authApp(), hookRequest(`${FHIR_BASE}/`));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(ehr.scope.isDone()).toBe(true);
  });

  it('the allow-list is per client and opt-in: a client without fhirServers may name any https server', async () => {
    const other = mockFhirServer(undefined, 'https://other-ehr.example.com', '/r4');
    const res = await signedCall(
      authApp(),
      hookRequest('https://other-ehr.example.com/r4'),
      OPEN_ISS,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(other.scope.isDone()).toBe(true);
  });

  it('another client’s allowed server is refused for a client with its own list', async () => {
    const http = trap(HTTP_ORIGIN);
    const res = await signedCall(
      authApp({ FHIR_ALLOW_HTTP: 'true' }),
      hookRequest(`${HTTP_ORIGIN}/fhir`),
    );
    expectAllRefused(res, /may name/);
    expectNeverCalled(http);
  });
});

describe('plain http FHIR servers are never called unless allowed', () => {
  it('an http:// fhirServer with FHIR_ALLOW_HTTP=false gets 412 security without any request', async () => {
    const http = trap(HTTP_ORIGIN);
    const res = await unsignedCall(
      openApp({ FHIR_ALLOW_HTTP: 'false' }),
      hookRequest(`${HTTP_ORIGIN}/fhir`),
    );
    expectAllRefused(res, /https/);
    expectNeverCalled(http);
  });

  it.each(['HTTP://ehr.example.org/fhir', 'Http://ehr.example.org/fhir'])(
    'an http fhirServer with an upper-case scheme (%s) is refused too (URL schemes are case-insensitive)',
    async (url) => {
      const http = trap(HTTP_ORIGIN);
      const res = await unsignedCall(openApp({ FHIR_ALLOW_HTTP: 'false' }), hookRequest(url));
      expectAllRefused(res, /https/);
      expectNeverCalled(http);
    },
  );

  it('NODE_ENV=production refuses http by default, even a server the client allow-lists', async () => {
    const http = trap(HTTP_ORIGIN);
    const app = testApp({
      env: { NODE_ENV: 'production', CDS_PUBLIC_URL: PUBLIC_URL },
      trustedClients: trustedClients(),
    });
    expect(app.config.auth).toBe('required');
    const res = await signedCall(app, hookRequest(`${HTTP_ORIGIN}/fhir`), HTTP_ISS);
    expectAllRefused(res, /https/);
    expectNeverCalled(http);
  });

  it('NODE_ENV=production refuses http by default with authentication off as well', async () => {
    const http = trap(HTTP_ORIGIN);
    const app = testApp({ env: { NODE_ENV: 'production', CDS_AUTH: 'off' } });
    const res = await unsignedCall(app, hookRequest(`${HTTP_ORIGIN}/fhir`));
    expectAllRefused(res, /https/);
    expectNeverCalled(http);
  });

  it('only FHIR_ALLOW_HTTP=true lets an http server be called (the refusals above are the setting’s)', async () => {
    const http = mockFhirServer(undefined, HTTP_ORIGIN);
    const res = await unsignedCall(
      openApp({ FHIR_ALLOW_HTTP: 'true' }),
      hookRequest(`${HTTP_ORIGIN}/fhir`),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(http.scope.isDone()).toBe(true);
  });
});

describe('the access token is sent only under the fhirServer’s base URL', () => {
  /** The labs search answers with a next link to `next`; the other keys answer normally. */
  function pagedLabs(next: string): void {
    mockFhirServer(['patient', 'meds', 'conditions', 'procedures', 'medStatements']);
    nock(EHR_ORIGIN)
      .get('/fhir/Observation')
      .query(true)
      .reply(200, searchset([observation('b12-low')], next));
  }

  it.each([
    ['another origin', `${EVIL_ORIGIN}/fhir/Observation?page=2`, EVIL_ORIGIN],
    ['a protocol-relative URL', '//evil.example.net/fhir/Observation?page=2', EVIL_ORIGIN],
    ['the same host over http', `${HTTP_ORIGIN}/fhir/Observation?page=2`, HTTP_ORIGIN],
    [
      'the same host on another port',
      'https://ehr.example.org:8443/fhir/Observation',
      'https://ehr.example.org:8443',
    ],
  ])('a next link to %s is refused and never receives the token', async (_name, next, origin) => {
    pagedLabs(next);
    const elsewhere = trap(origin);
    const app = authApp();
    const res = await signedCall(app, hookRequest(FHIR_BASE));
    expectUnavailable(res, 'labs');
    expect(loggedCause(app, 'labs')).toMatch(/outside the FHIR base URL/);
    expectNeverCalled(elsewhere);
  });

  it.each([
    ['another path on the same origin', `${EHR_ORIGIN}/admin/secret`],
    ['a sibling path sharing the prefix', `${EHR_ORIGIN}/fhir-other/Observation?page=2`],
    ['dot segments out of the base', `${FHIR_BASE}/../admin/secret`],
    ['percent-encoded dot segments', `${FHIR_BASE}/%2e%2e/admin/secret`],
    ['a root-relative path', '/admin/secret'],
  ])('a next link to %s on the fhirServer’s origin is never requested', async (_name, next) => {
    pagedLabs(next);
    const origin = trap(EHR_ORIGIN);
    const app = authApp();
    const res = await signedCall(app, hookRequest(FHIR_BASE));
    expectUnavailable(res, 'labs');
    expect(loggedCause(app, 'labs')).toMatch(/outside the FHIR base URL/);
    expectNeverCalled(origin);
    for (const line of app.logLines) expect(line).not.toContain(ACCESS_TOKEN);
  });

  it('a next link in a client-supplied prefetch searchset to another origin is refused', async () => {
    const evil = trap(EVIL_ORIGIN);
    const res = await signedCall(
      authApp(),
      hookRequest(FHIR_BASE, {
        prefetch: {
          patient,
          labs: searchset([observation('b12-low')], `${EVIL_ORIGIN}/fhir/Observation?page=2`),
          meds: searchset([]),
          conditions: null,
        },
      }),
    );
    expectUnavailable(res, 'labs');
    expectNeverCalled(evil);
  });

  it('a next link on the fhirServer’s origin is followed, with the token', async () => {
    pagedLabs(`${FHIR_BASE}/Observation?page=2`);
    const arrivals: Arrival[] = [];
    nock(EHR_ORIGIN)
      .get('/fhir/Observation')
      .query({ page: '2' })
      .reply(function (uri) {
        arrivals.push({ url: uri, authorization: this.req.headers.authorization });
        return [200, searchset([observation('b12-older')])];
      });
    const res = await signedCall(authApp(), hookRequest(FHIR_BASE));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(arrivals).toEqual([
      { url: '/fhir/Observation?page=2', authorization: `Bearer ${ACCESS_TOKEN}` },
    ]);
  });
});

describe('redirects from the FHIR server are not followed', () => {
  it.each([301, 302, 303, 307, 308])(
    'a %i to another origin gives 412 and the target is never called',
    async (status) => {
      mockFhirServer(['patient', 'meds', 'conditions', 'procedures', 'medStatements']);
      nock(EHR_ORIGIN)
        .get('/fhir/Observation')
        .query(true)
        .reply(status, '', { Location: `${EVIL_ORIGIN}/fhir/Observation?patient=${PATIENT_ID}` });
      const evil = trap(EVIL_ORIGIN);
      const app = authApp();
      const res = await signedCall(app, hookRequest(FHIR_BASE));
      expectUnavailable(res, 'labs');
      expect(loggedCause(app, 'labs')).toBe(`status ${status} (redirects are not followed)`);
      expectNeverCalled(evil);
    },
  );

  it('a redirect within the same origin is not followed either', async () => {
    mockFhirServer(['labs', 'meds', 'conditions', 'procedures', 'medStatements']);
    nock(EHR_ORIGIN)
      .get(`/fhir/Patient/${PATIENT_ID}`)
      .reply(307, '', { Location: `${FHIR_BASE}/Patient/moved` });
    const moved = nock(EHR_ORIGIN).get('/fhir/Patient/moved').reply(200, patient);
    const res = await signedCall(authApp(), hookRequest(FHIR_BASE));
    expectUnavailable(res, 'patient');
    expect(moved.isDone()).toBe(false);
  });
});

describe('FHIR answers larger than FHIR_MAX_RESPONSE_BYTES are refused', () => {
  const big = largeSearchset(20);
  const bigJson = JSON.stringify(big);

  it('the test answer is over 5 kB', () => {
    expect(Buffer.byteLength(bigJson)).toBeGreaterThan(5 * 1024);
  });

  function largeLabs(reply: (interceptor: nock.Interceptor) => nock.Scope): void {
    mockFhirServer(['patient', 'meds', 'conditions', 'procedures', 'medStatements']);
    reply(nock(EHR_ORIGIN).get('/fhir/Observation').query(true));
  }

  it('a 5 kB searchset announced by content-length gets the unavailable 412 (limit 1kb)', async () => {
    largeLabs((labs) =>
      labs.reply(200, bigJson, {
        'Content-Type': 'application/fhir+json',
        'Content-Length': String(Buffer.byteLength(bigJson)),
      }),
    );
    const app = authApp({ FHIR_MAX_RESPONSE_BYTES: '1kb' });
    const res = await signedCall(app, hookRequest(FHIR_BASE));
    expectUnavailable(res, 'labs');
    expect(loggedCause(app, 'labs')).toMatch(/too large: .*1024 bytes/);
  });

  it('a 5 kB searchset without content-length gets the unavailable 412 (limit 1kb)', async () => {
    largeLabs((labs) => labs.reply(200, bigJson, { 'Content-Type': 'application/fhir+json' }));
    const res = await signedCall(
      authApp({ FHIR_MAX_RESPONSE_BYTES: '1kb' }),
      hookRequest(FHIR_BASE),
    );
    expectUnavailable(res, 'labs');
  });

  it('a 5 kB searchset streamed in small chunks without content-length gets the unavailable 412', async () => {
    const chunks = bigJson.match(/[\s\S]{1,256}/g) ?? [];
    largeLabs((labs) =>
      labs.reply(200, () => Readable.from(chunks.map((chunk) => Buffer.from(chunk))), {
        'Content-Type': 'application/fhir+json',
      }),
    );
    const res = await signedCall(
      authApp({ FHIR_MAX_RESPONSE_BYTES: '1kb' }),
      hookRequest(FHIR_BASE),
    );
    expectUnavailable(res, 'labs');
  });

  it('a content-length understating the body does not get a large answer through: the bytes read are counted', async () => {
    largeLabs((labs) =>
      labs.reply(200, bigJson, { 'Content-Type': 'application/fhir+json', 'Content-Length': '10' }),
    );
    const res = await signedCall(
      authApp({ FHIR_MAX_RESPONSE_BYTES: '1kb' }),
      hookRequest(FHIR_BASE),
    );
    expectUnavailable(res, 'labs');
  });

  it('a later search page over the limit gets the unavailable 412', async () => {
    mockFhirServer(['patient', 'meds', 'conditions', 'procedures', 'medStatements']);
    nock(EHR_ORIGIN)
      .get('/fhir/Observation')
      .query((query) => query.page === undefined)
      .reply(200, searchset([observation('b12-low')], `${FHIR_BASE}/Observation?page=2`));
    nock(EHR_ORIGIN).get('/fhir/Observation').query({ page: '2' }).reply(200, bigJson);
    const res = await signedCall(
      authApp({ FHIR_MAX_RESPONSE_BYTES: '1kb' }),
      hookRequest(FHIR_BASE),
    );
    expectUnavailable(res, 'labs');
  });

  it('answers under the limit are read (the refusals above are the limit’s)', async () => {
    const ehr = mockFhirServer();
    const res = await signedCall(
      authApp({ FHIR_MAX_RESPONSE_BYTES: '1kb' }),
      hookRequest(FHIR_BASE),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(ehr.scope.isDone()).toBe(true);
  });
});
