import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Express } from 'express';
import type { Bundle, Resource } from 'fhir/r4.js';
import request from 'supertest';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CLINICAL_CONFIG, clinicalConfigFrom } from '../../cds-services/b12/index.js';
import type { ClinicalConfig } from '../../cds-services/b12/index.js';
import type { Card } from '../../src/cds-hooks/cards.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { loadConfig } from '../../src/main/config.js';
import { HookCallThreadPool, THREAD_CALLS_ABOVE_BYTES } from '../../src/main/hook-call-threads.js';
import type { HookCallThreadsOptions } from '../../src/main/hook-call-threads.js';
import { testApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { CARD_CODES, fixtureRequest } from '../support/card-fixtures.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { countRows, eventually } from '../support/feedback-store.js';
import { allCaptures, completePrefetch, patientViewBody } from '../support/hook-calls.js';
import { startFhirServer } from '../support/fhir-server.js';
import { freePort, startServerProcess } from '../support/server-process.js';
import type { JsonObject } from '../support/hook-calls.js';

/**
 * Hook calls answered on threads (src/main/hook-call-threads.ts, issue 17): the same answer, the
 * same refusal and the same log as on the HTTP thread, for every card fixture, every captured
 * client request and every kind of refusal; only large bodies are handed over; a thread that
 * fails takes only its own call with it.
 */

const SERVICES: Record<string, string> = {
  'patient-view': 'b12-patient-view',
  'order-select': 'b12-order-select',
  'order-sign': 'b12-order-sign',
};

const pools: HookCallThreadPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

function threads(
  env: NodeJS.ProcessEnv,
  options: Partial<HookCallThreadsOptions> = {},
  clinicalConfig: ClinicalConfig = DEFAULT_CLINICAL_CONFIG,
): HookCallThreadPool {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const pool = new HookCallThreadPool({ threads: 1, clinicalConfig, config, ...options });
  pools.push(pool);
  return pool;
}

/** The same app twice: every hook call answered on a thread, and every one on the HTTP thread. */
function twoApps(env: NodeJS.ProcessEnv = {}): { threaded: TestApp; local: TestApp } {
  return {
    threaded: testApp({ env, hookCallThreads: threads(env, { unparsedAbove: 0 }) }),
    local: testApp({ env: { ...env, CDS_CALL_THREADS: '0' } }),
  };
}

const post = (app: Express, serviceId: string, body: string): request.Test =>
  request(app)
    .post(`/cds-services/${serviceId}`)
    .set('Content-Type', 'application/json')
    .send(body);

/** A response and the log lines it wrote, with what differs between any two calls taken out. */
async function outcome(
  { app, logLines }: TestApp,
  serviceId: string,
  body: string,
): Promise<{ status: number; body: unknown; log: unknown[] }> {
  logLines.length = 0;
  const res = await post(app, serviceId, body);
  const uuidsOut = JSON.stringify(res.body).replaceAll(
    /"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g,
    '"<uuid>"',
  );
  const log = logLines.map((line) => {
    const fields = JSON.parse(line) as JsonObject;
    delete fields.time;
    delete fields.durationMs;
    return fields;
  });
  return { status: res.status, body: JSON.parse(uuidsOut), log };
}

async function expectSameAnswer(
  apps: { threaded: TestApp; local: TestApp },
  serviceId: string,
  body: string,
): Promise<{ status: number; body: unknown }> {
  const local = await outcome(apps.local, serviceId, body);
  const threaded = await outcome(apps.threaded, serviceId, body);
  expect(threaded).toEqual(local);
  return local;
}

const codesOf = (body: unknown): (string | undefined)[] =>
  (body as { cards: Card[] }).cards.map((card) => card.source.topic?.code);

describe('a hook call answered on a thread', () => {
  const apps = twoApps();

  it.each(CARD_CODES)(
    'gets the answer and log the HTTP thread gives: card fixture %s',
    async (code) => {
      const body = fixtureRequest(code);
      const answer = await expectSameAnswer(
        apps,
        SERVICES[body.hook as string] ?? '',
        JSON.stringify(body),
      );
      expect(answer.status).toBe(200);
      expect(codesOf(answer.body)).toContain(code);
    },
  );

  it.each(allCaptures().filter(({ body }) => 'context' in body))(
    'gets the answer and log the HTTP thread gives: captured request $file',
    async ({ body }) => {
      await expectSameAnswer(apps, SERVICES[body.hook as string] ?? '', JSON.stringify(body));
    },
  );

  const withoutPrefetch = (fhirServer?: string): string => {
    const body = patientViewBody();
    delete body.prefetch;
    return JSON.stringify(fhirServer ? { ...body, fhirServer } : body);
  };
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  it.each([
    ['not JSON', '{"hook":', 'structure'],
    ['nested too deep', nested(100), 'too-long'],
  ])(
    'is refused as on the HTTP thread when %s, and logged as a hook call',
    async (_name, body, code) => {
      const local = await outcome(apps.local, 'b12-patient-view', body);
      const threaded = await outcome(apps.threaded, 'b12-patient-view', body);
      expect(threaded.status).toBe(400);
      expect(threaded.body).toEqual(local.body);
      // The HTTP thread refuses such a body before the route: its log has no hook-call line.
      expect(threaded.log).toEqual([
        expect.objectContaining({
          msg: 'hook call failed',
          serviceId: 'b12-patient-view',
          problems: [code],
          status: 400,
        }),
      ]);
    },
  );

  it.each([
    ['not a hook request', 'b12-patient-view', JSON.stringify({ hook: 'patient-view' }), 400],
    ['for another hook', 'b12-order-sign', JSON.stringify(patientViewBody()), 400],
    [
      'with a resource that is not FHIR',
      'b12-patient-view',
      JSON.stringify({ ...patientViewBody(), prefetch: { patient: { resourceType: 7 } } }),
      400,
    ],
    ['without prefetch or FHIR server', 'b12-patient-view', withoutPrefetch(), 412],
    // Port 9 (discard) on loopback: nothing listens, so the fallback fails at once.
    [
      'whose FHIR server cannot be reached',
      'b12-patient-view',
      withoutPrefetch('http://127.0.0.1:9/fhir'),
      412,
    ],
  ])('is refused as on the HTTP thread when %s', async (_name, serviceId, body, status) => {
    const answer = await expectSameAnswer(apps, serviceId, body);
    expect(answer.status).toBe(status);
    expectOperationOutcome(answer.body);
  });

  it('fetches what the prefetch lacks from the FHIR server, as on the HTTP thread', async () => {
    // The demo patient's data, on a FHIR server instead of in the prefetch (a key may be null).
    const resources = Object.values(completePrefetch()).flatMap((value) => {
      const resource = value as Resource | null;
      if (resource?.resourceType !== 'Bundle') return resource ? [resource] : [];
      return ((resource as Bundle).entry ?? []).flatMap((entry) => entry.resource ?? []);
    });
    const server = await startFhirServer(resources);
    try {
      const body = patientViewBody();
      delete body.prefetch;
      const answer = await expectSameAnswer(
        apps,
        'b12-patient-view',
        JSON.stringify({ ...body, fhirServer: server.baseUrl }),
      );
      expect(answer.status).toBe(200);
      expect(server.requests.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('is refused 413, as on the HTTP thread, when it carries more resources than are read', async () => {
    const answer = await expectSameAnswer(
      twoApps({ PREFETCH_MAX_RESOURCES: '2' }),
      'b12-patient-view',
      JSON.stringify(patientViewBody()),
    );
    expect(answer.status).toBe(413);
  });

  it('records what it showed, and a silent card apart, in the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'b12-threads-'));
    const db = sqliteDatabase(join(dir, 'feedback.sqlite'));
    try {
      const clinicalConfig = clinicalConfigFrom({ cards: { 'b12-test-recommended': 'silent' } });
      const { app } = testApp({
        feedbackStore: await FeedbackStore.open(db),
        clinicalConfig,
        hookCallThreads: threads({}, { unparsedAbove: 0 }, clinicalConfig),
      });
      const treat = { ...fixtureRequest('b12-deficiency-treat'), hookInstance: randomUUID() };
      const silent = { ...fixtureRequest('b12-test-recommended'), hookInstance: randomUUID() };
      const cardsOf = async (body: JsonObject): Promise<Card[]> =>
        ((await post(app, 'b12-patient-view', JSON.stringify(body))).body as { cards: Card[] })
          .cards;
      const cards = [...(await cardsOf(treat)), ...(await cardsOf(silent))];
      expect(cards.map((card) => card.source.topic?.code)).not.toContain('b12-test-recommended');
      const suggestions = cards.flatMap((card) => card.suggestions ?? []);
      await eventually(
        () => countRows(db, 'hook_calls'),
        (n) => n === 2,
      );
      expect(await db.all('SELECT uuid, code, silent FROM cards ORDER BY silent, uuid')).toEqual([
        ...cards
          .map((card) => ({ uuid: card.uuid, code: card.source.topic?.code, silent: 0 }))
          .sort((a, b) => a.uuid.localeCompare(b.uuid)),
        { uuid: expect.any(String) as string, code: 'b12-test-recommended', silent: 1 },
      ]);
      expect(await countRows(db, 'card_suggestions')).toBe(suggestions.length);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The treat fixture's body, padded with spaces (JSON whitespace) to exactly `bytes`. */
function padded(bytes: number): string {
  const text = JSON.stringify(fixtureRequest('b12-deficiency-treat'));
  return text + ' '.repeat(Math.max(0, bytes - Buffer.byteLength(text)));
}

describe('which calls go to a thread', () => {
  it(`hands over a body over ${THREAD_CALLS_ABOVE_BYTES} bytes and answers a smaller one itself`, async () => {
    const pool = threads({});
    const handedOver = vi.spyOn(pool, 'call');
    const { app } = testApp({ hookCallThreads: pool });

    const small = await post(app, 'b12-patient-view', padded(THREAD_CALLS_ABOVE_BYTES));
    expect(handedOver).not.toHaveBeenCalled();
    const large = await post(app, 'b12-patient-view', padded(THREAD_CALLS_ABOVE_BYTES + 1));
    expect(handedOver).toHaveBeenCalledOnce();

    expect(small.status).toBe(200);
    expect(codesOf(large.body)).toEqual(codesOf(small.body));
  });

  it('counts the inflated size of a compressed body, and hands over its inflated bytes', async () => {
    const pool = threads({});
    const handedOver = vi.spyOn(pool, 'call');
    const { app } = testApp({ hookCallThreads: pool });
    const body = padded(THREAD_CALLS_ABOVE_BYTES * 4);
    const compressed = gzipSync(body);
    expect(compressed.length).toBeLessThan(THREAD_CALLS_ABOVE_BYTES);

    const res = await request(app)
      .post('/cds-services/b12-patient-view')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((bytes: Buffer) => bytes as unknown as string)
      .send(compressed);

    expect(handedOver).toHaveBeenCalledOnce();
    expect(res.status).toBe(200);
    expect(codesOf(res.body)).toContain('b12-deficiency-treat');
  });
});

describe('the released server', () => {
  it('answers a large call on its thread as a small one on the HTTP thread, and stops at SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'b12-threads-release-'));
    const port = await freePort();
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      CDS_AUTH: 'off',
      CDS_CALL_THREADS: '1',
      FEEDBACK_DB_PATH: join(dir, 'feedback.sqlite'),
    });
    try {
      await server.waitFor('"msg":"listening"');
      const call = async (body: string): Promise<unknown> => {
        const res = await fetch(`http://127.0.0.1:${String(port)}/cds-services/b12-patient-view`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body,
        });
        expect(res.status).toBe(200);
        return res.json();
      };
      const small = await call(padded(1000));
      const large = await call(padded(THREAD_CALLS_ABOVE_BYTES * 2));
      expect(codesOf(large)).toEqual(codesOf(small));
      expect(codesOf(large)).toContain('b12-deficiency-treat');
      server.kill('SIGTERM');
      expect((await server.exit).code).toBe(0);
    } finally {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('a thread that fails', () => {
  it('fails only the call it held (500, logged without patient data); the next call gets a new thread', async () => {
    // 40 MB of heap holds the service, not the 600,000 objects a 21 MB body parses into.
    const env = { REQUEST_BODY_LIMIT: '30mb' };
    const { app, logLines } = testApp({
      env,
      hookCallThreads: threads(env, {
        unparsedAbove: 0,
        resourceLimits: { maxOldGenerationSizeMb: 40 },
      }),
    });
    const fixture = fixtureRequest('b12-deficiency-treat');
    const padding = Array.from({ length: 600_000 }, (_, i) => ({ i, marker: 'PATIENT-DATA' }));

    const failed = await post(app, 'b12-patient-view', JSON.stringify({ ...fixture, padding }));
    expectOperationOutcome(failed, 500);
    const logged = logLines.find((line) => line.includes('"msg":"unexpected error"')) ?? '';
    expect(logged).toMatch(/hook-call thread stopped .*memory limit/);
    expect(logged).not.toContain('PATIENT-DATA');

    const next = await post(app, 'b12-patient-view', JSON.stringify(fixture));
    expect(next.status).toBe(200);
    expect(codesOf(next.body)).toContain('b12-deficiency-treat');
    expect((await request(app).get('/healthz')).status).toBe(200);
  });
});
