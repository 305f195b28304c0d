import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import nock from 'nock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  Bundle,
  Condition,
  FhirResource,
  MedicationRequest,
  MedicationStatement,
  Observation,
  OperationOutcome,
  Patient,
  Procedure,
} from 'fhir/r4.js';
import {
  ANALYTES,
  B12_PREFETCH,
  CONDITION_GROUPS,
  PREGNANCY_STATUS,
} from '../../cds-services/b12/index.js';
import { cdsResponse } from '../../src/cds-hooks/cards.js';
import { defineService } from '../../src/cds-hooks/service.js';
import type { PrefetchData } from '../../src/cds-hooks/prefetch.js';
import { testApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { LOINC } from '../../src/fhir/systems.js';

/**
 * Prefetch resolution and the FHIR-server fallback (CDS Hooks 2.0 §Prefetch, §FHIR Resource
 * Access), driven through the real HTTP app with the EHR's FHIR server mocked by nock.
 */

const ORIGIN = 'https://ehr.example.org';
const FHIR_BASE = `${ORIGIN}/fhir`;
const ELSEWHERE = 'https://elsewhere.example.com';
const TOKEN = 'tok-3f9a1c77-secret';
const PATIENT_ID = 'pat-1';
const SERVICE_PATH = '/cds-services/b12-patient-view';

type Key = keyof typeof B12_PREFETCH;
const KEYS = Object.keys(B12_PREFETCH) as Key[];
/** Every declared key but these, in declaration order. */
const keysExcept = (...excluded: Key[]): Key[] => KEYS.filter((key) => !excluded.includes(key));

// ---------------------------------------------------------------------------------------------
// Fixtures

const patient: Patient = { resourceType: 'Patient', id: PATIENT_ID, birthDate: '1950-04-02' };

const observation = (id: string, code: string, date: string): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: `Patient/${PATIENT_ID}` },
  code: { coding: [{ system: LOINC, code }] },
  effectiveDateTime: date,
});

const b12Low = observation('b12-low', '2132-9', '2026-10-01');
const hb = observation('hb', '718-7', '2026-09-01');
const mma = observation('mma', '13964-2', '2026-08-01');

const metformin: MedicationRequest = {
  resourceType: 'MedicationRequest',
  id: 'metformin',
  status: 'active',
  intent: 'order',
  subject: { reference: `Patient/${PATIENT_ID}` },
  medicationCodeableConcept: {
    coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '861007' }],
  },
};

const diabetes: Condition = {
  resourceType: 'Condition',
  id: 't2dm',
  subject: { reference: `Patient/${PATIENT_ID}` },
  code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
};

const gastrectomy: Procedure = {
  resourceType: 'Procedure',
  id: 'gastrectomy',
  status: 'completed',
  subject: { reference: `Patient/${PATIENT_ID}` },
  code: { coding: [{ system: 'http://snomed.info/sct', code: '26452005' }] },
};

const otcOmeprazole: MedicationStatement = {
  resourceType: 'MedicationStatement',
  id: 'otc-omeprazole',
  status: 'active',
  subject: { reference: `Patient/${PATIENT_ID}` },
  medicationCodeableConcept: { text: 'Omeprazole 20 mg capsules (bought over the counter)' },
};

const errorOutcome: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'timeout', diagnostics: 'EHR search timed out' }],
};

const warningOutcome: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'warning', code: 'informational', diagnostics: 'results truncated' }],
};

function searchset(resources: readonly FhirResource[], next?: string): Bundle<FhirResource> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({
      fullUrl: `${FHIR_BASE}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      search: { mode: resource.resourceType === 'OperationOutcome' ? 'outcome' : 'match' },
    })),
  };
}

/** What the mocked server answers for each key, when not told otherwise. */
const ANSWERS: Record<Key, FhirResource> = {
  patient,
  labs: searchset([b12Low, hb]),
  meds: searchset([metformin]),
  conditions: searchset([diabetes]),
  procedures: searchset([gastrectomy]),
  medStatements: searchset([otcOmeprazole]),
};

/**
 * The keys a test about one key's prefetch value fills with "no data" (CDS Hooks 2.0: `null`), so
 * that they are neither fetched nor a 412.
 */
const NO_PROCEDURES_OR_STATEMENTS = { procedures: null, medStatements: null };

/** What the service is expected to request for each key, from `context.patientId = pat-1`. */
const labCodes = [
  ...[...Object.values(ANALYTES).flatMap((analyte) => analyte.loinc), PREGNANCY_STATUS.loinc].map(
    (code) => `${LOINC}|${code}`,
  ),
  // Findings recorded as an Observation's code (RULES.md 10.2.5).
  ...[
    ...CONDITION_GROUPS.neuro.snomed,
    ...CONDITION_GROUPS.symptom.snomed,
    ...CONDITION_GROUPS.veganDiet.snomed,
  ].map((code) => `http://snomed.info/sct|${code}`),
];
const EXPECTED_PATH: Record<Key, string> = {
  patient: '/fhir/Patient/pat-1',
  labs: `/fhir/Observation?patient=pat-1&code=${labCodes.join(',')}&_sort=-date&_count=100`,
  meds: '/fhir/MedicationRequest?patient=pat-1&_include=MedicationRequest:medication&_count=100',
  conditions: '/fhir/Condition?patient=pat-1&_count=100',
  procedures: '/fhir/Procedure?patient=pat-1&_count=100',
  medStatements:
    '/fhir/MedicationStatement?patient=pat-1&_include=MedicationStatement:medication&_count=100',
};

// ---------------------------------------------------------------------------------------------
// Helpers

interface HookRequestOptions {
  fhirServer?: string;
  fhirAuthorization?: Record<string, unknown>;
  prefetch?: Record<string, FhirResource | null>;
}

/** A patient-view hook request; only the given envelope fields are present. */
function hookRequest(options: HookRequestOptions = {}): Record<string, unknown> {
  return {
    hook: 'patient-view',
    hookInstance: randomUUID(),
    context: { userId: 'Practitioner/123', patientId: PATIENT_ID },
    ...options,
  };
}

const authorization = (accessToken: string): Record<string, unknown> => ({
  access_token: accessToken,
  token_type: 'Bearer',
  expires_in: 300,
  scope: 'patient/Patient.read patient/Observation.read',
  subject: 'b12-cds-service',
});

/** One request as it reached the mocked FHIR server. */
interface Seen {
  key: Key;
  /** path and raw query, exactly as sent */
  path: string;
  authorization: string | undefined;
}

/** Where each key's request goes on the mocked server (searches carry a query). */
const RESOURCE_PATH: Record<Key, string> = {
  patient: '/fhir/Patient/pat-1',
  labs: '/fhir/Observation',
  meds: '/fhir/MedicationRequest',
  conditions: '/fhir/Condition',
  procedures: '/fhir/Procedure',
  medStatements: '/fhir/MedicationStatement',
};

const intercept = (scope: nock.Scope, key: Key): nock.Interceptor =>
  key === 'patient' ? scope.get(RESOURCE_PATH[key]) : scope.get(RESOURCE_PATH[key]).query(true);

/**
 * Mocks the FHIR server's answer to the given keys (each exactly once) and records what arrived.
 * `options` are nock scope options (`reqheaders`, `badheaders`).
 */
function mockFhirServer(keys: readonly Key[], options: nock.Options = {}): Seen[] {
  const seen: Seen[] = [];
  const scope = nock(ORIGIN, options);
  for (const key of keys) {
    intercept(scope, key).reply(function (uri) {
      seen.push({ key, path: uri, authorization: this.req.headers.authorization });
      return [200, ANSWERS[key], { 'Content-Type': 'application/fhir+json' }];
    });
  }
  return seen;
}

const call = (app: TestApp, body: Record<string, unknown>): request.Test =>
  request(app.app).post(SERVICE_PATH).set('Content-Type', 'application/json').send(body);

interface LogLine {
  msg: string;
  key?: string;
  cause?: string;
  status?: number;
  sources?: Record<string, string>;
  keys?: string[];
  problems?: string[];
}

const logged = (app: TestApp, msg: string): LogLine[] =>
  app.logLines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.msg === msg);

/** The cause logged for a key the FHIR server could not give (the caller gets one wording). */
const loggedCause = (app: TestApp, key: string): string | undefined =>
  logged(app, 'FHIR server could not provide the data').find((line) => line.key === key)?.cause;

/** A service with the B12 patient-view prefetch whose handler keeps what it was given. */
function recordingApp(env: NodeJS.ProcessEnv = {}): { app: TestApp; calls: PrefetchData[] } {
  const calls: PrefetchData[] = [];
  const recorder = defineService({
    id: 'b12-patient-view',
    hook: 'patient-view',
    title: 'B12 prefetch recorder (test only)',
    description: 'Records the resolved prefetch data',
    prefetch: B12_PREFETCH,
    handler: ({ prefetch }) => {
      calls.push(prefetch);
      return cdsResponse([]);
    },
  });
  return { app: testApp({ env, services: [recorder] }), calls };
}

const ids = (resources: readonly FhirResource[] | undefined): (string | undefined)[] =>
  (resources ?? []).map((resource) => resource.id);

/** Checks a 412 OperationOutcome body and returns the issues' expressions. */
function failedKeys(response: request.Response): string[] {
  expect(response.status).toBe(412);
  const outcome = response.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  for (const issue of outcome.issue) expect(issue.severity).toBe('error');
  return outcome.issue.flatMap((issue) => issue.expression ?? []);
}

const issueFor = (
  response: request.Response,
  key: Key,
): OperationOutcome['issue'][number] | undefined =>
  (response.body as OperationOutcome).issue.find((issue) =>
    issue.expression?.includes(`prefetch.${key}`),
  );

// ---------------------------------------------------------------------------------------------

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

describe('prefetch tokens are substituted in every template sent to the FHIR server', () => {
  it('queries Patient/<id> and the labs, meds, conditions, procedures and medStatements searches with patient=<id>', async () => {
    const app = testApp();
    const seen = mockFhirServer(KEYS);

    const response = await call(app, hookRequest({ fhirServer: FHIR_BASE }));

    expect(response.status).toBe(200);
    expect(nock.isDone()).toBe(true);
    const byKey = Object.fromEntries(seen.map((s) => [s.key, s.path]));
    expect(byKey).toEqual(EXPECTED_PATH);
    for (const { path } of seen) expect(path).not.toMatch(/\{\{|\}\}|%7B|%7D/i);
  });

  it('sends the labs search with the LOINC code list, the SNOMED CT findings and _sort=-date', async () => {
    const app = testApp();
    const seen = mockFhirServer(KEYS);

    await call(app, hookRequest({ fhirServer: FHIR_BASE })).expect(200);

    const labs = seen.find((s) => s.key === 'labs');
    expect(labs).toBeDefined();
    const query = new URLSearchParams(labs?.path.split('?')[1]);
    expect(query.getAll('patient')).toEqual(['pat-1']);
    expect(query.get('code')?.split(',')).toEqual(labCodes);
    expect(query.get('code')).toContain('http://loinc.org|2132-9');
    // A paraesthesia recorded on examination arrives with the results (RULES.md 10.2.5).
    expect(query.get('code')).toContain('http://snomed.info/sct|91019004');
    expect(query.get('_sort')).toBe('-date');
  });

  it('works with a fhirServer given with a trailing slash', async () => {
    const app = testApp();
    const seen = mockFhirServer(KEYS);

    await call(app, hookRequest({ fhirServer: `${FHIR_BASE}/` })).expect(200);

    expect(nock.isDone()).toBe(true);
    expect(Object.fromEntries(seen.map((s) => [s.key, s.path]))).toEqual(EXPECTED_PATH);
  });
});

describe('fhirAuthorization', () => {
  it('forwards access_token as "Authorization: Bearer <token>" on every request', async () => {
    const app = testApp();
    const seen = mockFhirServer(KEYS, { reqheaders: { authorization: `Bearer ${TOKEN}` } });

    await call(
      app,
      hookRequest({ fhirServer: FHIR_BASE, fhirAuthorization: authorization(TOKEN) }),
    ).expect(200);

    expect(nock.isDone()).toBe(true);
    expect(seen.map((s) => s.authorization)).toEqual(KEYS.map(() => `Bearer ${TOKEN}`));
  });

  it('sends no Authorization header when the request has no fhirAuthorization (sandbox)', async () => {
    const app = testApp();
    const seen = mockFhirServer(KEYS, { badheaders: ['authorization'] });

    await call(app, hookRequest({ fhirServer: FHIR_BASE })).expect(200);

    expect(nock.isDone()).toBe(true);
    expect(seen.map((s) => s.authorization)).toEqual(KEYS.map(() => undefined));
  });

  it('sends no Authorization header when access_token is "" (CRD request generator)', async () => {
    const app = testApp();
    const seen = mockFhirServer(KEYS, { badheaders: ['authorization'] });

    await call(
      app,
      hookRequest({ fhirServer: FHIR_BASE, fhirAuthorization: authorization('') }),
    ).expect(200);

    expect(nock.isDone()).toBe(true);
    expect(seen).toHaveLength(KEYS.length);
    expect(seen.map((s) => s.authorization)).toEqual(KEYS.map(() => undefined));
  });
});

describe('which prefetch values are used and which are fetched again', () => {
  it('does not re-query a key present with null ("no data"), but fetches the absent keys', async () => {
    const { app, calls } = recordingApp();
    const seen = mockFhirServer(keysExcept('labs'));

    await call(app, hookRequest({ fhirServer: FHIR_BASE, prefetch: { labs: null } })).expect(200);

    expect(nock.isDone()).toBe(true);
    expect(seen.map((s) => s.key).sort()).toEqual(keysExcept('labs').sort());
    expect(calls[0]?.labs).toEqual([]);
    expect(ids(calls[0]?.meds)).toEqual(['metformin']);
    expect(ids(calls[0]?.procedures)).toEqual(['gastrectomy']);
    expect(ids(calls[0]?.medStatements)).toEqual(['otc-omeprazole']);
    expect(logged(app, 'hook call')[0]?.sources).toEqual({
      patient: 'fhirServer',
      labs: 'prefetch',
      meds: 'fhirServer',
      conditions: 'fhirServer',
      procedures: 'fhirServer',
      medStatements: 'fhirServer',
    });
  });

  it('does not re-query keys present with data', async () => {
    const { app, calls } = recordingApp();
    const seen = mockFhirServer(keysExcept('patient', 'labs'));

    await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        prefetch: { patient, labs: searchset([mma]) },
      }),
    ).expect(200);

    expect(nock.isDone()).toBe(true);
    expect(seen.map((s) => s.key).sort()).toEqual(keysExcept('patient', 'labs').sort());
    expect(ids(calls[0]?.patient)).toEqual([PATIENT_ID]);
    expect(ids(calls[0]?.labs)).toEqual(['mma']);
  });

  it('makes no FHIR request at all when every key is prefetched', async () => {
    const app = testApp();

    // No interceptor and no network: any request would fail the call with 412.
    await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        fhirAuthorization: authorization(TOKEN),
        prefetch: {
          patient,
          labs: searchset([b12Low]),
          meds: searchset([]),
          conditions: null,
          procedures: searchset([gastrectomy]),
          medStatements: null,
        },
      }),
    ).expect(200);

    expect(logged(app, 'hook call')[0]?.sources).toEqual({
      patient: 'prefetch',
      labs: 'prefetch',
      meds: 'prefetch',
      conditions: 'prefetch',
      procedures: 'prefetch',
      medStatements: 'prefetch',
    });
  });

  it('re-queries a key whose prefetch value is an OperationOutcome', async () => {
    const { app, calls } = recordingApp();
    const seen = mockFhirServer(['labs']);

    await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        prefetch: {
          patient,
          labs: errorOutcome,
          meds: searchset([metformin]),
          conditions: searchset([diabetes]),
          ...NO_PROCEDURES_OR_STATEMENTS,
        },
      }),
    ).expect(200);

    expect(nock.isDone()).toBe(true);
    expect(seen.map((s) => s.path)).toEqual([EXPECTED_PATH.labs]);
    expect(ids(calls[0]?.labs)).toEqual(['b12-low', 'hb']);
    expect(logged(app, 'hook call')[0]?.sources?.labs).toBe('fhirServer');
    expect(
      logged(app, 'prefetch carried an OperationOutcome; fetched from the FHIR server'),
    ).toEqual([expect.objectContaining({ keys: ['labs'] })]);
  });

  it('re-queries a key whose prefetch Bundle contains an error OperationOutcome entry', async () => {
    const { app, calls } = recordingApp();
    const seen = mockFhirServer(['labs']);

    await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        prefetch: {
          patient,
          labs: searchset([mma, errorOutcome]),
          meds: searchset([metformin]),
          conditions: searchset([diabetes]),
          ...NO_PROCEDURES_OR_STATEMENTS,
        },
      }),
    ).expect(200);

    expect(nock.isDone()).toBe(true);
    expect(seen.map((s) => s.key)).toEqual(['labs']);
    // The server's answer replaces the partial prefetch: 'mma' came only from the client.
    expect(ids(calls[0]?.labs)).toEqual(['b12-low', 'hb']);
    expect(logged(app, 'hook call')[0]?.sources?.labs).toBe('fhirServer');
  });

  it('uses a searchset carrying only a warning OperationOutcome as is', async () => {
    const { app, calls } = recordingApp();

    // No interceptor: a re-query would fail the call with 412.
    await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        prefetch: {
          patient,
          labs: searchset([b12Low, warningOutcome]),
          meds: searchset([warningOutcome]),
          conditions: searchset([diabetes]),
          procedures: searchset([warningOutcome]),
          medStatements: searchset([otcOmeprazole, warningOutcome]),
        },
      }),
    ).expect(200);

    expect(ids(calls[0]?.labs)).toEqual(['b12-low']);
    expect(calls[0]?.meds).toEqual([]);
    expect(calls[0]?.procedures).toEqual([]);
    expect(ids(calls[0]?.medStatements)).toEqual(['otc-omeprazole']);
    expect(logged(app, 'hook call')[0]?.sources).toEqual({
      patient: 'prefetch',
      labs: 'prefetch',
      meds: 'prefetch',
      conditions: 'prefetch',
      procedures: 'prefetch',
      medStatements: 'prefetch',
    });
  });

  it('answers 412 for a prefetch OperationOutcome when there is no fhirServer to ask', async () => {
    const app = testApp();

    const response = await call(
      app,
      hookRequest({
        prefetch: {
          patient,
          labs: errorOutcome,
          meds: searchset([]),
          conditions: searchset([]),
          ...NO_PROCEDURES_OR_STATEMENTS,
        },
      }),
    );

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
  });
});

describe('pagination', () => {
  const page2 = `${FHIR_BASE}?_getpages=c0ffee&_getpagesoffset=2&_count=2`;
  const page3 = `${FHIR_BASE}?_getpages=c0ffee&_getpagesoffset=4&_count=2`;

  /**
   * The server's labs search answers with page 1 of a 2- or 3-page result (HAPI-style paging
   * links); returns the scope serving page 3.
   */
  function pagedLabs(pages: 2 | 3): nock.Scope {
    mockFhirServer(keysExcept('labs'));
    nock(ORIGIN)
      .get('/fhir/Observation')
      .query(true)
      .reply(200, searchset([b12Low], page2));
    nock(ORIGIN)
      .get('/fhir')
      .query({ _getpages: 'c0ffee', _getpagesoffset: '2', _count: '2' })
      .reply(200, searchset([hb], pages === 3 ? page3 : undefined));
    return nock(ORIGIN)
      .get('/fhir')
      .query({ _getpages: 'c0ffee', _getpagesoffset: '4', _count: '2' })
      .reply(200, searchset([mma]));
  }

  it("follows the server's next links to the end", async () => {
    const { app, calls } = recordingApp();
    pagedLabs(3);

    await call(app, hookRequest({ fhirServer: FHIR_BASE })).expect(200);

    expect(nock.isDone()).toBe(true);
    expect(ids(calls[0]?.labs)).toEqual(['b12-low', 'hb', 'mma']);
  });

  it('follows the next link of a paginated prefetch searchset', async () => {
    const { app, calls } = recordingApp();
    const scope = nock(ORIGIN, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/fhir')
      .query({ _getpages: 'c0ffee', _getpagesoffset: '2', _count: '2' })
      .reply(200, searchset([hb, mma]));

    await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        fhirAuthorization: authorization(TOKEN),
        prefetch: {
          patient,
          labs: searchset([b12Low], page2),
          meds: searchset([]),
          conditions: searchset([]),
          ...NO_PROCEDURES_OR_STATEMENTS,
        },
      }),
    ).expect(200);

    expect(scope.isDone()).toBe(true);
    expect(ids(calls[0]?.labs)).toEqual(['b12-low', 'hb', 'mma']);
    expect(logged(app, 'hook call')[0]?.sources?.labs).toBe('prefetch');
  });

  it('answers 412 for a paginated prefetch searchset when there is no fhirServer', async () => {
    const app = testApp();

    const response = await call(
      app,
      hookRequest({
        prefetch: {
          patient,
          labs: searchset([b12Low], page2),
          meds: searchset([]),
          conditions: searchset([]),
          ...NO_PROCEDURES_OR_STATEMENTS,
        },
      }),
    );

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
  });

  it('reads exactly FHIR_MAX_PAGES pages', async () => {
    const { app, calls } = recordingApp({ FHIR_MAX_PAGES: '2' });
    pagedLabs(2);

    await call(app, hookRequest({ fhirServer: FHIR_BASE })).expect(200);

    expect(ids(calls[0]?.labs)).toEqual(['b12-low', 'hb']);
  });

  it('answers 412 when a search has more pages than FHIR_MAX_PAGES, without reading them', async () => {
    const app = testApp({ env: { FHIR_MAX_PAGES: '2' } });
    const page3Scope = pagedLabs(3);

    const response = await call(app, hookRequest({ fhirServer: FHIR_BASE }));

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
    expect(issueFor(response, 'labs')?.code).toBe('too-costly');
    expect(page3Scope.isDone()).toBe(false);
    expect(nock.pendingMocks()).toHaveLength(1);
  });

  it('does not follow a next link to another origin, and never sends the token there', async () => {
    const app = testApp();
    mockFhirServer(keysExcept('labs'));
    nock(ORIGIN)
      .get('/fhir/Observation')
      .query(true)
      .reply(200, searchset([b12Low], `${ELSEWHERE}/fhir/Observation?page=2`));
    const elsewhere = nock(ELSEWHERE)
      .get(/.*/)
      .reply(200, searchset([hb]));
    const arrivedElsewhere: unknown[] = [];
    elsewhere.on('request', (req: unknown) => arrivedElsewhere.push(req));

    const response = await call(
      app,
      hookRequest({ fhirServer: FHIR_BASE, fhirAuthorization: authorization(TOKEN) }),
    );

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
    expect(issueFor(response, 'labs')?.code).toBe('transient');
    expect(loggedCause(app, 'labs')).toMatch(/outside the FHIR base URL/);
    expect(elsewhere.isDone()).toBe(false);
    expect(arrivedElsewhere).toEqual([]);
  });

  it('does not follow a next link of a prefetch searchset to another origin', async () => {
    const app = testApp();
    const elsewhere = nock(ELSEWHERE)
      .get(/.*/)
      .reply(200, searchset([hb]));

    const response = await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        fhirAuthorization: authorization(TOKEN),
        prefetch: {
          patient,
          labs: searchset([b12Low], `${ELSEWHERE}/fhir/Observation?page=2`),
          meds: searchset([]),
          conditions: searchset([]),
          ...NO_PROCEDURES_OR_STATEMENTS,
        },
      }),
    );

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
    expect(elsewhere.isDone()).toBe(false);
  });
});

describe('failures give 412 with an OperationOutcome naming the key', () => {
  /** The other keys succeed; labs fails as `failLabs` says. */
  function failingLabs(failLabs: (interceptor: nock.Interceptor) => nock.Scope): void {
    mockFhirServer(keysExcept('labs'));
    failLabs(nock(ORIGIN).get('/fhir/Observation').query(true));
  }

  it.each([500, 503])('a %i from the FHIR server', async (status) => {
    const app = testApp();
    failingLabs((labs) => labs.reply(status, errorOutcome));

    const response = await call(app, hookRequest({ fhirServer: FHIR_BASE }));

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
    expect(issueFor(response, 'labs')?.code).toBe('transient');
    expect(loggedCause(app, 'labs')).toBe(`status ${status}`);
    expect(nock.isDone()).toBe(true);
  });

  it('a 200 whose body is an error OperationOutcome', async () => {
    const app = testApp();
    failingLabs((labs) => labs.reply(200, errorOutcome));

    const response = await call(app, hookRequest({ fhirServer: FHIR_BASE }));

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
    expect(loggedCause(app, 'labs')).toBe('an error OperationOutcome');
  });

  it('a network error', async () => {
    const app = testApp();
    failingLabs((labs) => labs.replyWithError({ code: 'ECONNRESET', message: 'socket hang up' }));

    const response = await call(app, hookRequest({ fhirServer: FHIR_BASE }));

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
    expect(issueFor(response, 'labs')?.code).toBe('transient');
    expect(loggedCause(app, 'labs')).toMatch(/^unreachable/);
  });

  it('a FHIR server slower than FHIR_TIMEOUT_MS', async () => {
    const app = testApp({ env: { FHIR_TIMEOUT_MS: '200' } });
    failingLabs((labs) => labs.delay(2000).reply(200, searchset([b12Low])));

    const started = performance.now();
    const response = await call(app, hookRequest({ fhirServer: FHIR_BASE }));
    const elapsed = performance.now() - started;

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
    expect(issueFor(response, 'labs')?.code).toBe('transient');
    expect(loggedCause(app, 'labs')).toMatch(/^timeout/);
    expect(elapsed).toBeLessThan(1500);
  });

  it('a 302 redirect, which is not followed', async () => {
    const app = testApp();
    failingLabs((labs) =>
      labs.reply(302, '', { Location: `${ELSEWHERE}/fhir/Observation?patient=pat-1` }),
    );
    const elsewhere = nock(ELSEWHERE)
      .get(/.*/)
      .reply(200, searchset([b12Low]));

    const response = await call(
      app,
      hookRequest({ fhirServer: FHIR_BASE, fhirAuthorization: authorization(TOKEN) }),
    );

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
    expect(issueFor(response, 'labs')?.code).toBe('transient');
    expect(loggedCause(app, 'labs')).toBe('status 302 (redirects are not followed)');
    expect(elsewhere.isDone()).toBe(false);
  });

  it('absent keys and no fhirServer in the request: every absent key is named', async () => {
    const app = testApp();

    const response = await call(app, hookRequest({ prefetch: { patient } }));

    expect(failedKeys(response).sort()).toEqual(
      keysExcept('patient')
        .map((key) => `prefetch.${key}`)
        .sort(),
    );
    expect(issueFor(response, 'labs')?.code).toBe('incomplete');
  });

  it('no prefetch and no fhirServer: every declared key is named', async () => {
    const app = testApp();

    const response = await call(app, hookRequest());

    expect(failedKeys(response).sort()).toEqual(KEYS.map((key) => `prefetch.${key}`).sort());
  });
});

describe('malformed data is a 4xx naming the key, never a 500', () => {
  const otherKeys = { patient, meds: null, conditions: null, ...NO_PROCEDURES_OR_STATEMENTS };

  /** Prefetch values that pass the request schema (which checks only `resourceType`). */
  const malformedPrefetch: [string, Record<string, unknown>][] = [
    [
      'a searchset whose next link is not a URL',
      {
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: 'http://[oops' }],
      },
    ],
    [
      'a Bundle whose entry is not an array',
      { resourceType: 'Bundle', type: 'searchset', entry: {} },
    ],
    ['a Bundle with a null entry', { resourceType: 'Bundle', type: 'searchset', entry: [null] }],
    [
      'a Bundle whose link is not an array',
      { resourceType: 'Bundle', type: 'searchset', link: {} },
    ],
    [
      'a Bundle with an OperationOutcome entry that has no issue',
      {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: { resourceType: 'OperationOutcome' } }],
      },
    ],
  ];

  it.each(malformedPrefetch)('prefetch labs: %s', async (_name, labs) => {
    const app = testApp();

    const response = await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        prefetch: { ...otherKeys, labs: labs as unknown as FhirResource },
      }),
    );

    expect([400, 412]).toContain(response.status);
    const expressions = (response.body as OperationOutcome).issue.flatMap(
      (issue) => issue.expression ?? [],
    );
    expect(expressions.some((expression) => expression.startsWith('prefetch.labs'))).toBe(true);
  });

  const malformedAnswers: [string, Record<string, unknown>][] = [
    [
      'a Bundle whose entry is not an array',
      { resourceType: 'Bundle', type: 'searchset', entry: {} },
    ],
    [
      'a searchset whose next link is not a URL',
      {
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: 'http://[oops' }],
      },
    ],
  ];

  it.each(malformedAnswers)('FHIR server answers labs with %s', async (_name, answer) => {
    const app = testApp();
    mockFhirServer(keysExcept('labs'));
    nock(ORIGIN).get('/fhir/Observation').query(true).reply(200, answer);

    const response = await call(app, hookRequest({ fhirServer: FHIR_BASE }));

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
  });

  it('a 200 that is not JSON gets the same wording as every other failure; the log says "not JSON"', async () => {
    const app = testApp();
    mockFhirServer(keysExcept('labs'));
    nock(ORIGIN)
      .get('/fhir/Observation')
      .query(true)
      .reply(200, '<html>Login</html>', { 'Content-Type': 'text/html' });

    const response = await call(app, hookRequest({ fhirServer: FHIR_BASE }));

    expect(failedKeys(response)).toEqual(['prefetch.labs']);
    expect(issueFor(response, 'labs')?.code).toBe('transient');
    expect(loggedCause(app, 'labs')).toBe('not JSON');
  });

  it('a Bundle entry that is not a resource is never handed to the service as one', async () => {
    const { app, calls } = recordingApp();

    const response = await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        prefetch: {
          ...otherKeys,
          labs: {
            resourceType: 'Bundle',
            type: 'searchset',
            entry: [{ resource: b12Low }, { resource: 'not a resource' }],
          } as unknown as FhirResource,
        },
      }),
    );

    expect(response.status).not.toBe(500);
    const handed: unknown[] = calls.flatMap((data) => data.labs ?? []);
    expect(
      handed.every(
        (resource) =>
          typeof resource === 'object' &&
          resource !== null &&
          typeof (resource as { resourceType?: unknown }).resourceType === 'string',
      ),
    ).toBe(true);
  });
});

describe('keys are fetched in parallel', () => {
  it('the requests of every key reach the server before any is answered', async () => {
    const app = testApp();
    const events: string[] = [];
    let arrived = 0;
    let releaseAll: () => void = () => undefined;
    const allArrived = new Promise<void>((resolve) => {
      releaseAll = resolve;
    });
    const scope = nock(ORIGIN);
    for (const key of KEYS) {
      intercept(scope, key).reply(async () => {
        events.push(`arrived ${key}`);
        arrived += 1;
        if (arrived === KEYS.length) releaseAll();
        // A sequential implementation never gets here with all of them: give up after a while.
        await Promise.race([allArrived, sleep(400)]);
        events.push(`answered ${key}`);
        return [200, ANSWERS[key]];
      });
    }

    await call(app, hookRequest({ fhirServer: FHIR_BASE })).expect(200);

    expect(events.slice(0, KEYS.length).every((event) => event.startsWith('arrived'))).toBe(true);
    expect(events).toHaveLength(2 * KEYS.length);
  });
});

describe('the hook-call log line', () => {
  it('records the source of each key, and neither the access token nor the patient id', async () => {
    const app = testApp();
    mockFhirServer(['labs', 'conditions', 'procedures']);

    await call(
      app,
      hookRequest({
        fhirServer: FHIR_BASE,
        fhirAuthorization: authorization(TOKEN),
        prefetch: { patient, meds: null, medStatements: searchset([]) },
      }),
    ).expect(200);

    expect(logged(app, 'hook call')).toEqual([
      expect.objectContaining({
        status: 200,
        sources: {
          patient: 'prefetch',
          labs: 'fhirServer',
          meds: 'prefetch',
          conditions: 'fhirServer',
          procedures: 'fhirServer',
          medStatements: 'prefetch',
        },
      }),
    ]);
    const log = app.logLines.join('\n');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(PATIENT_ID);
  });

  it('a failed call logs the failing key, and neither the access token nor the patient id', async () => {
    const app = testApp();
    mockFhirServer(keysExcept('labs'));
    nock(ORIGIN).get('/fhir/Observation').query(true).reply(503, errorOutcome);

    await call(
      app,
      hookRequest({ fhirServer: FHIR_BASE, fhirAuthorization: authorization(TOKEN) }),
    ).expect(412);

    expect(logged(app, 'hook call failed')).toEqual([
      expect.objectContaining({ status: 412, problems: ['prefetch.labs'] }),
    ]);
    const log = app.logLines.join('\n');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(PATIENT_ID);
  });
});
