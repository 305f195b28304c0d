import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePatient, hookRequest } from '../bench/patient.js';
import { testApp } from './support/app.js';
import { loopback } from './support/loopback.js';
import type { Loopback } from './support/loopback.js';
import type { TestApp } from './support/app.js';
import {
  b12Observation,
  completePrefetch,
  demoPatient,
  PATIENT_ID,
  USER_ID,
} from './support/hook-calls.js';
import { searchset } from './support/fhir.js';

/**
 * Issue 14 item 4: no request may block the event loop for more than 100 ms at the default
 * limits. The real app listens on loopback and is sent the worst inputs it accepts; the event-loop
 * delay of this process (app, FHIR server and client alike) is measured with
 * `perf_hooks.monitorEventLoopDelay` at a 10 ms resolution. The figures are printed to be quoted.
 *
 * A case is measured up to three times and the least delay is held to the 100 ms: work that
 * blocks the loop blocks it every time, while a stall of this process by the machine does not
 * come back three times. The file runs after every other test file, alone (vitest.config.ts).
 */

const MAX_DELAY_MS = 100;
const ATTEMPTS = 3;

const SERVICE = '/cds-services/b12-patient-view';

interface Delay {
  maxMs: number;
  p99Ms: number;
}

/** The event-loop delay while `work` runs. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; delay: Delay }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return {
      result,
      delay: { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 },
    };
  } finally {
    histogram.disable();
  }
}

// The figures are printed on purpose: issue 14 asks for them in the closing note.
/* eslint-disable no-console */
const report = (label: string, { maxMs, p99Ms }: Delay): void => {
  console.log(`[event-loop] ${label}: max ${maxMs.toFixed(1)} ms, p99 ${p99Ms.toFixed(1)} ms`);
};

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Runs `work` until its delay is within {@link MAX_DELAY_MS} (at most {@link ATTEMPTS} times). */
async function leastDelay<T>(
  label: string,
  work: () => Promise<T>,
  check: (result: T) => void,
): Promise<Delay> {
  let least: Delay | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const { result, delay } = await measured(work);
    check(result);
    report(`${label} (attempt ${attempt})`, delay);
    if (!least || delay.maxMs < least.maxMs) least = delay;
    if (least.maxMs <= MAX_DELAY_MS) break;
  }
  return least as Delay;
}

let app: TestApp;
let service: Loopback;
/** The same app with every hook call on the HTTP thread (CDS_CALL_THREADS=0). */
let alone: Loopback;

beforeAll(async () => {
  app = testApp(); // default limits: calls over 128 KiB go to hook-call threads
  service = await loopback((req, res) => {
    app.app(req, res);
  });
  const httpThreadOnly = testApp({ env: { CDS_CALL_THREADS: '0' } });
  alone = await loopback((req, res) => {
    httpThreadOnly.app(req, res);
  });
});

afterAll(async () => {
  await service.close();
  await alone.close();
});

/**
 * The large bodies are sent both ways: to hook-call threads (the default), where the HTTP
 * thread only reads them, and to the HTTP thread alone, which parses and answers them in slices.
 */
const WAYS = [
  ['to hook-call threads', () => service],
  ['on the HTTP thread alone', () => alone],
] as const;

const post = async (
  body: string,
  to: Loopback = service,
): Promise<{ status: number; json: unknown }> => {
  const response = await fetch(`${to.origin}${SERVICE}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  return { status: response.status, json: await response.json() };
};

describe.each(WAYS)(
  '200,000 undeclared prefetch keys in the largest accepted body, %s',
  (way, to) => {
    it(`(a) are ignored (200), the delay measured`, async () => {
      const limit = app.config.bodyLimitBytes;
      const keys = 200_000;
      const head = JSON.stringify({
        hook: 'patient-view',
        hookInstance: randomUUID(),
        context: { userId: USER_ID, patientId: PATIENT_ID },
        prefetch: completePrefetch(),
      }).slice(0, -2); // open again after the last prefetch key: `…}}` → `…`
      // Each undeclared key is padded so the body fills the limit: `,"k000001-xx…":null`.
      const tail = '}}';
      const perKey = Math.floor((limit - head.length - tail.length) / keys);
      const padding = perKey - ',"":null'.length - 7;
      expect(padding).toBeGreaterThan(0);
      const parts = [head];
      for (let i = 0; i < keys; i++) {
        parts.push(`,"k${String(i).padStart(6, '0')}${'x'.repeat(padding)}":null`);
      }
      parts.push(tail);
      const body = parts.join('');
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(limit);
      expect(Buffer.byteLength(body)).toBeGreaterThan(limit * 0.99);
      expect(Object.keys((JSON.parse(body) as { prefetch: object }).prefetch).length).toBe(
        keys + Object.keys(completePrefetch()).length,
      );

      const delay = await leastDelay(
        `(a) ${keys} undeclared keys, ${mb(body.length)} body, ${way}`,
        () => post(body, to()),
        (result) => expect(result.status).toBe(200),
      );
      expect(delay.maxMs).toBeLessThanOrEqual(MAX_DELAY_MS);
    }, 60_000);
  },
);

describe.each(WAYS)(
  'the most declared data accepted: PREFETCH_MAX_RESOURCES resources in a body under the limit, %s',
  (way, to) => {
    /** The resources of a request's prefetch, counted as the service counts them. */
    const resourceCount = (request: {
      prefetch: Record<string, { entry?: unknown[] } | null>;
    }): number =>
      Object.values(request.prefetch).reduce(
        (sum, value) => sum + (value === null ? 0 : (value.entry?.length ?? 1)),
        0,
      );

    it('(d) a Synthea-like patient: every resource read, the delay measured', async () => {
      const { maxPrefetchResources, bodyLimitBytes } = app.config;
      const generated = generatePatient({ observations: maxPrefetchResources });
      let request = hookRequest('patient-view', generated) as Parameters<typeof resourceCount>[0];
      let body = JSON.stringify(request);
      while (resourceCount(request) > maxPrefetchResources || body.length > bodyLimitBytes) {
        generated.observations.splice(-50);
        request = hookRequest('patient-view', generated) as typeof request;
        body = JSON.stringify(request);
      }
      expect(resourceCount(request)).toBeGreaterThan(maxPrefetchResources * 0.95);

      const delay = await leastDelay(
        `(d) ${resourceCount(request)} resources, ${mb(body.length)} body, ${way}`,
        () => post(body, to()),
        (result) => expect(JSON.stringify(result.json)).toContain('"cards":[{'),
      );
      expect(delay.maxMs).toBeLessThanOrEqual(MAX_DELAY_MS);
    }, 60_000);

    it('(e) as many haemoglobin results as the limit allows, each one read by the rules', async () => {
      const { maxPrefetchResources } = app.config;
      const prefetch = completePrefetch();
      const haemoglobin = Array.from({ length: maxPrefetchResources - 3 }, (_, i) => ({
        ...b12Observation(),
        id: `hb-${i}`,
        code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
        effectiveDateTime: new Date(Date.UTC(2026, 0, 1) - i * 3_600_000).toISOString(),
        valueQuantity: {
          value: 9 + (i % 40) / 10,
          system: 'http://unitsofmeasure.org',
          code: 'g/dL',
        },
      }));
      const labs = searchset([b12Observation(), ...haemoglobin]);
      const body = JSON.stringify({
        hook: 'patient-view',
        hookInstance: randomUUID(),
        context: { userId: USER_ID, patientId: PATIENT_ID },
        prefetch: { ...prefetch, labs },
      });

      const delay = await leastDelay(
        `(e) ${haemoglobin.length} haemoglobin results, ${mb(body.length)} body, ${way}`,
        () => post(body, to()),
        (result) => expect(result.status).toBe(200),
      );
      expect(delay.maxMs).toBeLessThanOrEqual(MAX_DELAY_MS);
    }, 60_000);
  },
);

/**
 * A FHIR server whose every search answers a page of `perPage` resources with a `next` link,
 * the page padded to just under FHIR_MAX_RESPONSE_BYTES with numbers (cheap to send, costly to
 * parse); reads of the patient answer the patient.
 */
async function hostileFhirServer(
  perPage: number,
  maxBytes: number,
): Promise<Loopback & { pages: () => number }> {
  let pages = 0;
  let page = Buffer.alloc(0);
  const server = await loopback((req, res) => {
    res.setHeader('Content-Type', 'application/fhir+json');
    if (req.url?.startsWith('/fhir/Patient/')) {
      res.end(JSON.stringify(demoPatient()));
      return;
    }
    pages += 1;
    res.end(page);
  });
  const { baseUrl } = server;
  const head = `{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"${baseUrl}/Observation?_page=next"}],"entry":[`;
  const entry = (filler: number): string =>
    `{"resource":{"resourceType":"Observation","status":"final","x":[${'0,'.repeat(filler)}0]}}`;
  const fillers =
    Math.floor((maxBytes - head.length - 2 - perPage * (entry(0).length + 1)) / 2 / perPage) - 1;
  const entries = new Array<string>(perPage).fill(entry(fillers)).join(',');
  page = Buffer.from(`${head}${entries}]}`);
  expect(page.length).toBeLessThanOrEqual(maxBytes);
  expect(page.length).toBeGreaterThan(maxBytes * 0.99);
  return Object.assign(server, { pages: () => pages });
}

describe('a FHIR server answering more resources than PREFETCH_MAX_RESOURCES', () => {
  /** Resources per page: each key's first page is within the limit, the pages together are not. */
  const perPage = 3000;
  let fhir: Awaited<ReturnType<typeof hostileFhirServer>>;

  beforeAll(async () => {
    fhir = await hostileFhirServer(perPage, app.config.fhir.maxResponseBytes);
  });

  afterAll(async () => {
    await fhir.close();
  });

  const fallbackCall = (): Promise<{ status: number; json: unknown }> =>
    post(
      JSON.stringify({
        hook: 'patient-view',
        hookInstance: randomUUID(),
        context: { userId: USER_ID, patientId: PATIENT_ID },
        fhirServer: fhir.baseUrl,
      }),
    );

  /** `orDeadline`: concurrent calls may also pass FHIR_TIMEOUT_MS first, which is as final. */
  const expectStoppedEarly = (
    result: { status: number; json: unknown },
    pagesRead: number,
    orDeadline = false,
  ): void => {
    const { maxPages } = app.config.fhir;
    const searches = 5;
    expect(result.status).toBe(412);
    const limit = `resources, more than the ${app.config.maxPrefetchResources} this service reads`;
    expect(JSON.stringify(result.json)).toMatch(
      new RegExp(orDeadline ? `${limit}|could not provide the data` : limit),
    );
    // Stopped as soon as the limit was passed: no more pages than the limit needs, plus the
    // pages already requested by the other keys when it was passed.
    const needed = Math.ceil(app.config.maxPrefetchResources / perPage) + 1;
    expect(pagesRead).toBeLessThanOrEqual(needed + searches);
    expect(pagesRead).toBeLessThan(searches * maxPages);
  };

  it(`(b) one call stops early (412), the delay measured`, async () => {
    let before = fhir.pages();
    const delay = await leastDelay(
      `(b) one fallback call, pages of ${perPage} resources`,
      async () => {
        before = fhir.pages();
        return fallbackCall();
      },
      (result) => expectStoppedEarly(result, fhir.pages() - before),
    );
    expect(delay.maxMs).toBeLessThanOrEqual(MAX_DELAY_MS);
  }, 60_000);

  it(`(c) 4 concurrent calls stop early (412), delay and RSS measured`, async () => {
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 5);
    let before = fhir.pages();
    let delay: Delay;
    try {
      delay = await leastDelay(
        '(c) 4 concurrent fallback calls',
        async () => {
          before = fhir.pages();
          return Promise.all([1, 2, 3, 4].map(() => fallbackCall()));
        },
        (results) => {
          const pagesRead = fhir.pages() - before;
          for (const result of results) expectStoppedEarly(result, pagesRead / 4, true);
        },
      );
    } finally {
      clearInterval(sampler);
    }
    console.log(
      `[rss] (c) before ${mb(rssBefore)}, peak ${mb(rssPeak)} (growth to peak ${mb(rssPeak - rssBefore)})`,
    );
    expect(delay.maxMs).toBeLessThanOrEqual(MAX_DELAY_MS);
  }, 120_000);
});
