import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import request from 'supertest';
import type { Response, Test } from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, FhirResource, Observation } from 'fhir/r4.js';
import { testApp } from './support/app.js';
import { loopback } from './support/loopback.js';
import type { TestApp } from './support/app.js';
import { expectOperationOutcome } from './support/conformance.js';
import type { OperationOutcome } from './support/conformance.js';
import { startFhirServer } from './support/fhir-server.js';
import type { TestFhirServer } from './support/fhir-server.js';
import { draftMedication, demoPatient, patientViewBody } from './support/hook-calls.js';
import type { JsonObject } from './support/hook-calls.js';

/**
 * Faults, end to end through the real app: a FHIR server (the prefetch fallback) that is slow,
 * silent, failing, malformed, too big or endless, and request bodies that are too big, too deep or
 * carry too many resources. Every one is a 4xx OperationOutcome naming the problem, answered in
 * bounded time; never a 500 and never a stuck request.
 *
 * test/cds-hooks/prefetch.test.ts already covers 500/503, a 200 error OperationOutcome, a network error,
 * a nock-delayed timeout, a redirect, an HTML answer, malformed Bundles and a finite chain just
 * over FHIR_MAX_PAGES; these tests add what it does not.
 */

const SERVICE = '/cds-services/b12-patient-view';
const ORIGIN = 'https://ehr.faults.example';
const FHIR_BASE = `${ORIGIN}/fhir`;
const PATIENT_ID = 'pat-1';
const KEYS = ['patient', 'labs', 'meds', 'conditions', 'procedures', 'medStatements'] as const;
type Key = (typeof KEYS)[number];

/** Where each key's request arrives (the B12 prefetch templates). */
const PATH: Record<Key, string> = {
  patient: `/fhir/Patient/${PATIENT_ID}`,
  labs: '/fhir/Observation',
  meds: '/fhir/MedicationRequest',
  conditions: '/fhir/Condition',
  procedures: '/fhir/Procedure',
  medStatements: '/fhir/MedicationStatement',
};

const observation = (id: string): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: `Patient/${PATIENT_ID}` },
  code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
  effectiveDateTime: '2026-10-01',
  valueQuantity: { value: 130, unit: 'g/L', code: 'g/L' },
});

function searchset(resources: readonly FhirResource[], next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    ...(resources.length > 0 ? { entry: resources.map((resource) => ({ resource })) } : {}),
  };
}

const manyObservations = (count: number, prefix = 'obs'): Observation[] =>
  Array.from({ length: count }, (_, index) => observation(`${prefix}-${index}`));

/** A patient-view request with only the given prefetch keys, and fhirServer for the rest. */
function hookRequest(
  fhirServer: string | undefined,
  prefetch: Partial<Record<Key, unknown>> = {},
): JsonObject {
  return {
    hook: 'patient-view',
    hookInstance: randomUUID(),
    context: { userId: 'Practitioner/1', patientId: PATIENT_ID },
    ...(fhirServer === undefined ? {} : { fhirServer }),
    prefetch,
  };
}

const call = (app: TestApp, body: unknown, path = SERVICE): Test =>
  request(app.app)
    .post(path)
    .set('Content-Type', 'application/json')
    .send(typeof body === 'string' ? body : JSON.stringify(body));

/** Mocks the keys the test does not break, each answered once and well. */
function answerWell(keys: readonly Key[]): void {
  const answers: Record<Key, FhirResource> = {
    patient: demoPatient(PATIENT_ID),
    labs: searchset([observation('hb')]),
    meds: searchset([]),
    conditions: searchset([]),
    procedures: searchset([]),
    medStatements: searchset([]),
  };
  for (const key of keys) {
    const interceptor =
      key === 'patient' ? nock(ORIGIN).get(PATH[key]) : nock(ORIGIN).get(PATH[key]).query(true);
    interceptor.reply(200, answers[key], { 'Content-Type': 'application/fhir+json' });
  }
}

const others = (key: Key): Key[] => KEYS.filter((candidate) => candidate !== key);

/** The 412 OperationOutcome's issues, checked to be errors. */
function failures(res: Response): OperationOutcome['issue'] {
  return expectOperationOutcome(res, 412).issue;
}

/** The issue naming `prefetch.<key>`. */
function issueFor(res: Response, key: Key): OperationOutcome['issue'][number] | undefined {
  return failures(res).find((issue) => issue.expression?.includes(`prefetch.${key}`));
}

/**
 * The cause logged for a key the FHIR server could not give: the caller is told only
 * "the FHIR server could not provide the data" (code transient), whatever the cause.
 */
function loggedCause(app: TestApp, key: Key): string | undefined {
  return app.logLines
    .map((line) => JSON.parse(line) as { msg?: string; key?: string; cause?: string })
    .find((line) => line.msg === 'FHIR server could not provide the data' && line.key === key)
    ?.cause;
}

const namedKeys = (res: Response): string[] =>
  failures(res)
    .flatMap((issue) => issue.expression ?? [])
    .sort();

async function timed<T>(action: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await action();
  return { result, ms: performance.now() - started };
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

describe('a FHIR server that does not answer in time: 412 within about FHIR_TIMEOUT_MS', () => {
  const TIMEOUT_MS = 400;
  /** Generous: the deadline plus time for a loaded CI machine, far below any "stuck" request. */
  const BOUND_MS = TIMEOUT_MS + 2500;

  let slow: TestFhirServer;
  beforeAll(async () => {
    slow = await startFhirServer([demoPatient(PATIENT_ID)], { latencyMs: 4000 });
  });
  afterAll(async () => {
    await slow.close();
  });

  it('a real FHIR server slower than the deadline: every key is named, the cause (timeout) logged', async () => {
    const app = testApp({ env: { FHIR_TIMEOUT_MS: String(TIMEOUT_MS) } });

    const { result: res, ms } = await timed(() => call(app, hookRequest(slow.baseUrl)));

    expect(namedKeys(res)).toEqual(KEYS.map((key) => `prefetch.${key}`).sort());
    for (const key of KEYS) expect(issueFor(res, key)?.code).toBe('transient');
    for (const key of KEYS) expect(loggedCause(app, key)).toMatch(/^timeout/);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(BOUND_MS);
    // All four requests were sent (in parallel), none was answered in time.
    expect(slow.requests).toHaveLength(KEYS.length);
  });

  it('a server that accepts the connection and never answers', async () => {
    const silent = await loopback(() => {
      // never answers
    });
    try {
      const app = testApp({ env: { FHIR_TIMEOUT_MS: String(TIMEOUT_MS) } });
      const { result: res, ms } = await timed(() => call(app, hookRequest(silent.baseUrl)));

      expect(namedKeys(res)).toEqual(KEYS.map((key) => `prefetch.${key}`).sort());
      expect(issueFor(res, 'labs')?.code).toBe('transient');
      expect(loggedCause(app, 'labs')).toMatch(/^timeout/);
      expect(ms).toBeLessThan(BOUND_MS);
    } finally {
      await silent.close();
    }
  });

  it('a server that sends its headers and part of the body, then stalls: the body read is bounded too', async () => {
    const stalling = await loopback((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.write('{"resourceType":"Bundle","type":"searchset","entry":[');
      // ...and nothing more, ever.
    });
    try {
      const app = testApp({ env: { FHIR_TIMEOUT_MS: String(TIMEOUT_MS) } });
      const { result: res, ms } = await timed(() => call(app, hookRequest(stalling.baseUrl)));

      expect(namedKeys(res)).toEqual(KEYS.map((key) => `prefetch.${key}`).sort());
      expect(issueFor(res, 'meds')?.code).toBe('transient');
      expect(loggedCause(app, 'meds')).toMatch(/^timeout/);
      expect(ms).toBeLessThan(BOUND_MS);
    } finally {
      await stalling.close();
    }
  });

  it('pages that each answer in time but together overrun the deadline: the deadline covers every page', async () => {
    let page = 0;
    const paging = await loopback((req, res) => {
      const isLabs = req.url?.startsWith('/fhir/Observation') === true;
      const body = isLabs
        ? searchset([observation(`p${page}`)], `${paging.baseUrl}/Observation?page=${++page}`)
        : req.url?.startsWith('/fhir/Patient') === true
          ? demoPatient(PATIENT_ID)
          : searchset([]);
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end(JSON.stringify(body));
      }, 60);
    });
    try {
      const app = testApp({ env: { FHIR_TIMEOUT_MS: String(TIMEOUT_MS), FHIR_MAX_PAGES: '1000' } });
      const { result: res, ms } = await timed(() => call(app, hookRequest(paging.baseUrl)));

      expect(namedKeys(res)).toEqual(['prefetch.labs']);
      expect(issueFor(res, 'labs')?.code).toBe('transient');
      expect(loggedCause(app, 'labs')).toMatch(/^timeout/);
      expect(ms).toBeLessThan(BOUND_MS);
      expect(page).toBeLessThan(1000);
    } finally {
      await paging.close();
    }
  });

  it('the app answers the next request normally after a timeout', async () => {
    const app = testApp({ env: { FHIR_TIMEOUT_MS: String(TIMEOUT_MS) } });
    await call(app, hookRequest(slow.baseUrl)).expect(412);

    await call(app, patientViewBody(PATIENT_ID)).expect(200);
    await request(app.app).get('/healthz').expect(200);
  });
});

describe('a FHIR server that fails or answers garbage: 412 naming the key, the cause in the log', () => {
  it.each([
    [502, '<html><body>Bad Gateway</body></html>', 'text/html'],
    [504, '', 'text/plain'],
    [500, '{"resourceType":"OperationOutcome"', 'application/fhir+json'],
    [429, '{}', 'application/json'],
  ])('HTTP %i with body %j', async (status, body, contentType) => {
    const app = testApp();
    answerWell(others('labs'));
    nock(ORIGIN).get(PATH.labs).query(true).reply(status, body, { 'Content-Type': contentType });

    const res = await call(app, hookRequest(FHIR_BASE));

    expect(namedKeys(res)).toEqual(['prefetch.labs']);
    expect(issueFor(res, 'labs')?.code).toBe('transient');
    expect(issueFor(res, 'labs')?.diagnostics).toMatch(
      /\): the FHIR server could not provide the data$/,
    );
    expect(loggedCause(app, 'labs')).toBe(`status ${status}`);
  });

  it.each([
    ['truncated JSON', '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":'],
    ['an empty body', ''],
    ['JSON null', 'null'],
    ['a JSON array', '[{"resourceType":"Observation"}]'],
    ['a JSON string', '"Bundle"'],
    ['an object without resourceType', '{"type":"searchset","entry":[]}'],
    ['a resourceType that is not a FHIR type name', '{"resourceType":"bundle"}'],
    ['JSON with trailing garbage', '{"resourceType":"Bundle","type":"searchset"}}'],
  ])('malformed: %s, served as application/fhir+json', async (_name, body) => {
    const app = testApp();
    answerWell(others('labs'));
    nock(ORIGIN)
      .get(PATH.labs)
      .query(true)
      .reply(200, body, { 'Content-Type': 'application/fhir+json' });

    const res = await call(app, hookRequest(FHIR_BASE));

    expect(namedKeys(res)).toEqual(['prefetch.labs']);
    expect(issueFor(res, 'labs')?.code).toBe('transient');
    expect(loggedCause(app, 'labs')).toMatch(/^not JSON$|^not a valid FHIR resource$/);
  });

  it.each([
    ['labs', 'an Observation', observation('lonely')],
    ['meds', 'the Patient', demoPatient(PATIENT_ID)],
    ['conditions', 'a Parameters resource', { resourceType: 'Parameters', parameter: [] }],
  ] as const)(
    'a search (%s) answered with %s instead of a Bundle: the data are incomplete, not "one result"',
    async (key, _what, answer) => {
      const app = testApp();
      answerWell(others(key));
      nock(ORIGIN).get(PATH[key]).query(true).reply(200, answer);

      const res = await call(app, hookRequest(FHIR_BASE));

      expect(namedKeys(res)).toEqual([`prefetch.${key}`]);
      expect(issueFor(res, key)?.code).toBe('transient');
      expect(loggedCause(app, key)).toMatch(/not a Bundle/);
    },
  );

  it('an answer larger than FHIR_MAX_RESPONSE_BYTES, announced by Content-Length', async () => {
    const app = testApp({ env: { FHIR_MAX_RESPONSE_BYTES: '16kb' } });
    answerWell(others('labs'));
    const big = JSON.stringify(searchset(manyObservations(200)));
    expect(Buffer.byteLength(big)).toBeGreaterThan(16 * 1024);
    nock(ORIGIN)
      .get(PATH.labs)
      .query(true)
      .reply(200, big, { 'Content-Length': String(Buffer.byteLength(big)) });

    const res = await call(app, hookRequest(FHIR_BASE));

    expect(namedKeys(res)).toEqual(['prefetch.labs']);
    expect(issueFor(res, 'labs')?.code).toBe('transient');
    expect(loggedCause(app, 'labs')).toMatch(/^too large/);
  });

  it('an answer larger than FHIR_MAX_RESPONSE_BYTES, streamed without Content-Length', async () => {
    const chunk = JSON.stringify(observation('x')).padEnd(4096, ' ');
    const streaming = await loopback((req, res) => {
      if (!req.url?.startsWith('/fhir/Observation')) {
        res
          .writeHead(200, { 'Content-Type': 'application/fhir+json' })
          .end(
            JSON.stringify(
              req.url?.startsWith('/fhir/Patient') ? demoPatient(PATIENT_ID) : searchset([]),
            ),
          );
        return;
      }
      // Chunked: 1 MB in 4 kB pieces, no Content-Length to refuse it by.
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.write('{"resourceType":"Bundle","type":"searchset","entry":[');
      let sent = 0;
      const more = (): void => {
        while (sent < 256 && res.write(`{"resource":${chunk}},`)) sent += 1;
        if (sent < 256) res.once('drain', more);
        else res.end('{"resource":{"resourceType":"Basic"}}]}');
      };
      more();
    });
    try {
      const app = testApp({ env: { FHIR_MAX_RESPONSE_BYTES: '64kb' } });
      const res = await call(app, hookRequest(streaming.baseUrl));

      expect(namedKeys(res)).toEqual(['prefetch.labs']);
      expect(issueFor(res, 'labs')?.code).toBe('transient');
      expect(loggedCause(app, 'labs')).toMatch(/^too large/);
    } finally {
      await streaming.close();
    }
  });
});

describe('too much data from the FHIR server: 412 too-costly', () => {
  it('a searchset with more entries than PREFETCH_MAX_RESOURCES', async () => {
    const app = testApp({ env: { PREFETCH_MAX_RESOURCES: '100' } });
    answerWell(others('labs'));
    nock(ORIGIN)
      .get(PATH.labs)
      .query(true)
      .reply(200, searchset(manyObservations(150)));

    const res = await call(app, hookRequest(FHIR_BASE));

    const outcome = expectOperationOutcome(res, 412);
    expect(outcome.issue.map((issue) => issue.code)).toEqual(['too-costly']);
    expect(outcome.issue[0]?.diagnostics).toMatch(/more than the 100/);
  });

  it('keys that are each within the limit but together exceed it', async () => {
    const app = testApp({ env: { PREFETCH_MAX_RESOURCES: '100' } });
    answerWell(['patient', 'conditions', 'procedures', 'medStatements']);
    nock(ORIGIN)
      .get(PATH.labs)
      .query(true)
      .reply(200, searchset(manyObservations(60, 'lab')));
    nock(ORIGIN)
      .get(PATH.meds)
      .query(true)
      .reply(200, searchset(manyObservations(60, 'med')));

    const res = await call(app, hookRequest(FHIR_BASE));

    expect(expectOperationOutcome(res, 412).issue[0]?.code).toBe('too-costly');
  });

  it('prefetched data and fetched data together', async () => {
    const app = testApp({ env: { PREFETCH_MAX_RESOURCES: '100' } });
    answerWell(['patient', 'conditions', 'procedures', 'medStatements']);
    nock(ORIGIN)
      .get(PATH.labs)
      .query(true)
      .reply(200, searchset(manyObservations(60, 'fetched')));

    const res = await call(
      app,
      // `labs` is absent, so fetched; the prefetched `meds` key is a searchset of 60 in the request.
      hookRequest(FHIR_BASE, { meds: searchset(manyObservations(60, 'prefetched')) }),
    );

    expect(expectOperationOutcome(res, 412).issue[0]?.code).toBe('too-costly');
  });
});

describe('an endless next chain: 412 after FHIR_MAX_PAGES pages', () => {
  it('next always points to a further page: exactly FHIR_MAX_PAGES pages are read', async () => {
    const app = testApp();
    const maxPages = app.config.fhir.maxPages;
    answerWell(others('labs'));
    let pages = 0;
    nock(ORIGIN)
      .persist()
      .get(PATH.labs)
      .query(true)
      .reply(() => {
        pages += 1;
        return [
          200,
          searchset([observation(`p${pages}`)], `${FHIR_BASE}/Observation?page=${pages + 1}`),
        ];
      });

    const res = await call(app, hookRequest(FHIR_BASE));

    expect(namedKeys(res)).toEqual(['prefetch.labs']);
    expect(issueFor(res, 'labs')?.code).toBe('too-costly');
    expect(issueFor(res, 'labs')?.diagnostics).toContain(`more than ${maxPages} pages`);
    expect(pages).toBe(maxPages);
  });

  it('next points back to the same page', async () => {
    const app = testApp({ env: { FHIR_MAX_PAGES: '5' } });
    answerWell(others('labs'));
    let pages = 0;
    nock(ORIGIN)
      .persist()
      .get(PATH.labs)
      .query(true)
      .reply((uri) => {
        pages += 1;
        return [200, searchset([observation('same')], `${ORIGIN}${uri}`)];
      });

    const res = await call(app, hookRequest(FHIR_BASE));

    expect(issueFor(res, 'labs')?.code).toBe('too-costly');
    expect(pages).toBe(5);
  });

  it('a prefetched searchset whose chain never ends', async () => {
    const app = testApp({ env: { FHIR_MAX_PAGES: '3' } });
    let pages = 0;
    nock(ORIGIN)
      .persist()
      .get('/fhir/Observation')
      .query(true)
      .reply(() => {
        pages += 1;
        return [200, searchset([], `${FHIR_BASE}/Observation?page=${pages + 2}`)];
      });

    const res = await call(
      app,
      hookRequest(FHIR_BASE, {
        patient: demoPatient(PATIENT_ID),
        labs: searchset([observation('first')], `${FHIR_BASE}/Observation?page=2`),
        meds: null,
        conditions: null,
        procedures: null,
        medStatements: null,
      }),
    );

    expect(namedKeys(res)).toEqual(['prefetch.labs']);
    expect(issueFor(res, 'labs')?.code).toBe('too-costly');
    // The prefetched page is the first of the three.
    expect(pages).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------

describe('request bodies beyond the input limits', () => {
  describe('more FHIR resources than PREFETCH_MAX_RESOURCES in the request: 413', () => {
    const env = { PREFETCH_MAX_RESOURCES: '10' };
    const prefetch = (labs: number): Partial<Record<Key, unknown>> => ({
      patient: demoPatient(PATIENT_ID),
      labs: searchset(manyObservations(labs)),
      meds: null,
      conditions: null,
      procedures: null,
      medStatements: null,
    });

    it('a prefetch searchset over the limit', async () => {
      const res = await call(testApp({ env }), hookRequest(undefined, prefetch(10)));

      const outcome = expectOperationOutcome(res, 413);
      expect(outcome.issue[0]?.code).toBe('too-costly');
      expect(outcome.issue[0]?.diagnostics).toMatch(/11 FHIR resources, more than the 10/);
    });

    it('exactly at the limit is accepted', async () => {
      await call(testApp({ env }), hookRequest(undefined, prefetch(9))).expect(200);
    });

    it('draft orders count too', async () => {
      const body = {
        ...hookRequest(undefined, prefetch(5)),
        hook: 'order-sign',
        context: {
          userId: 'Practitioner/1',
          patientId: PATIENT_ID,
          draftOrders: {
            resourceType: 'Bundle',
            entry: Array.from({ length: 5 }, (_, index) => ({
              resource: draftMedication(PATIENT_ID, `draft-${index}`),
            })),
          },
        },
      };

      const res = await call(testApp({ env }), body, '/cds-services/b12-order-sign');

      expect(expectOperationOutcome(res, 413).issue[0]?.code).toBe('too-costly');
    });

    it('a huge prefetch is refused before the FHIR server is asked for anything', async () => {
      const scope = nock(ORIGIN).get(/.*/).reply(200, searchset([]));

      const res = await call(
        testApp({ env }),
        hookRequest(FHIR_BASE, { labs: searchset(manyObservations(50)) }),
      );

      expectOperationOutcome(res, 413);
      expect(scope.isDone()).toBe(false);
    });
  });

  describe('JSON nested deeper than JSON_MAX_DEPTH: 400', () => {
    /** A valid request with an extension nested `levels` deep under context (body depth = levels + 2). */
    const nestedBody = (levels: number): string =>
      JSON.stringify(patientViewBody(PATIENT_ID)).replace(
        '"context":{',
        `"context":{"x-extension":${'['.repeat(levels)}${']'.repeat(levels)},`,
      );

    it('one level too deep is refused; at the limit is accepted', async () => {
      const app = testApp();
      const max = app.config.jsonMaxDepth;

      const refused = await call(app, nestedBody(max - 1));
      const outcome = expectOperationOutcome(refused, 400);
      expect(outcome.issue[0]?.code).toBe('too-long');
      expect(outcome.issue[0]?.diagnostics).toContain(`deeper than ${max} levels`);

      await call(app, nestedBody(max - 2)).expect(200);
    });

    it.each([
      ['arrays', (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`],
      ['objects', (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`],
    ])(
      '100 000 levels of %s: 400 in bounded time, on services and feedback',
      async (_kind, nest) => {
        const app = testApp();
        for (const path of [SERVICE, `${SERVICE}/feedback`]) {
          const { result: res, ms } = await timed(() => call(app, nest(100_000), path));
          expect(res.status).toBe(400);
          expectOperationOutcome(res, 400);
          expect(ms).toBeLessThan(5000);
        }
        await request(app.app).get('/healthz').expect(200);
      },
    );

    it('a configured JSON_MAX_DEPTH of 8 refuses an ordinary prefetch', async () => {
      const res = await call(
        testApp({ env: { JSON_MAX_DEPTH: '8' } }),
        patientViewBody(PATIENT_ID),
      );

      expect(expectOperationOutcome(res, 400).issue[0]?.code).toBe('too-long');
    });
  });

  describe('a body over REQUEST_BODY_LIMIT: 413', () => {
    const env = { REQUEST_BODY_LIMIT: '8kb' };
    const oversized = (): string =>
      JSON.stringify({ ...patientViewBody(PATIENT_ID), padding: 'x'.repeat(16 * 1024) });

    it('on the feedback endpoint too', async () => {
      const res = await call(testApp({ env }), oversized(), `${SERVICE}/feedback`);

      expect(expectOperationOutcome(res, 413).issue[0]?.code).toBe('too-long');
    });

    /** Sends `body` with headers of our own choosing (no Content-Length unless given). */
    function rawPost(
      app: TestApp,
      headers: Record<string, string>,
      body: Buffer,
    ): Promise<{ status: number; body: unknown }> {
      return new Promise((resolve, reject) => {
        const server = app.app.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          const req = httpRequest(
            { host: '127.0.0.1', port, path: SERVICE, method: 'POST', headers },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () => {
                server.close();
                const text = Buffer.concat(chunks).toString('utf8');
                resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
              });
            },
          );
          req.on('error', (error) => {
            server.close();
            reject(error);
          });
          // Chunked when no Content-Length is set: the limit must hold without one.
          for (let offset = 0; offset < body.length; offset += 1024) {
            req.write(body.subarray(offset, offset + 1024));
          }
          req.end();
        });
      });
    }

    it('sent chunked, without a Content-Length', async () => {
      const res = await rawPost(
        testApp({ env }),
        { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        Buffer.from(oversized()),
      );

      expect(res.status).toBe(413);
      expectOperationOutcome(res.body);
    });

    it('gzip-compressed: a small body that inflates beyond the limit (a zip bomb)', async () => {
      const bomb = gzipSync(
        Buffer.from(
          oversized().replace('"padding":"', `"padding":"${'x'.repeat(4 * 1024 * 1024)}`),
        ),
      );
      expect(bomb.length).toBeLessThan(8 * 1024);

      const res = await rawPost(
        testApp({ env }),
        {
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
          'Content-Length': String(bomb.length),
        },
        bomb,
      );

      expect(res.status).toBe(413);
      expectOperationOutcome(res.body);
    });

    it('an encoding the service does not read: 415', async () => {
      const res = await rawPost(
        testApp(),
        {
          'Content-Type': 'application/json',
          'Content-Encoding': 'compress',
          'Content-Length': '2',
        },
        Buffer.from('{}'),
      );

      expect(res.status).toBe(415);
      expectOperationOutcome(res.body);
    });
  });
});
