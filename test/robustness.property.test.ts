import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import fc from 'fast-check';
import nock from 'nock';
import request from 'supertest';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import { adviceOf, cardsOf, DEFAULT_CLINICAL_CONFIG, factsOf } from '../cds-services/b12/index.js';
import { HOOKS } from '../src/cds-hooks/hooks.js';
import type { HookName } from '../src/cds-hooks/hooks.js';
import { utcDay } from '../src/fhir/dates.js';
import { testApp } from './support/app.js';
import type { TestApp } from './support/app.js';
import {
  applyMutations,
  fields,
  junk,
  maybe,
  mutationArb,
  resourceArbitraries,
  textArb,
  trickyString,
} from './support/arbitraries.js';
import type { Json, JsonObject } from './support/arbitraries.js';
import { cardCheckContextOf, cardProblems, expectB12Response } from './support/card-checks.js';
import { expectConformantResponse, expectOperationOutcome } from './support/conformance.js';
import { startFhirServer } from './support/fhir-server.js';
import type { TestFhirServer } from './support/fhir-server.js';
import {
  activeMedication,
  allCaptures,
  b12Observation,
  orderSelectBody,
  orderSignBody,
  demoPatient,
  patientViewBody,
} from './support/hook-calls.js';
import { draftOrdersBundle, searchset } from './support/fhir.js';
import { loadPublicScenarios, scenarioToFhir } from './support/scenarios.js';
import { RXNORM, SNOMED } from '../src/fhir/systems.js';

/**
 * Robustness properties (fast-check, fixed seed): the service never answers 5xx whatever it is
 * sent, every error is an OperationOutcome, and the clinical engine never throws on FHIR-shaped
 * input that is partial or wrong-typed — and every card it still produces is conformant.
 *
 * Runs per property are in RUNS; the seed is fixed so a failure replays exactly (fast-check prints
 * the seed and path of a counterexample).
 */

const SEED = 20_261_121;
const RUNS = {
  arbitraryJson: 300,
  sizeAndDepth: 200,
  mutatedHookRequests: 500,
  mutatedFeedback: 200,
  fhirServerAnswers: 200,
  engine: 500,
} as const;

const NOW = new Date('2026-11-21T09:30:00Z');
const TODAY = '2026-11-21';
const SERVICE_OF: Readonly<Record<HookName, string>> = {
  'patient-view': '/cds-services/b12-patient-view',
  'order-select': '/cds-services/b12-order-select',
  'order-sign': '/cds-services/b12-order-sign',
};
const SERVICES = Object.values(SERVICE_OF);
const ENDPOINTS = [...SERVICES, ...SERVICES.map((path) => `${path}/feedback`)];
/** Small enough that the "huge string" property runs quickly on both sides of the limit. */
const SMALL_BODY_LIMIT = 64 * 1024;
/** A FHIR server origin that exists only in nock. */
const MOCK_FHIR = 'https://fhir.property.example';

// ---------------------------------------------------------------------------------------------
// The apps under test, each listening once for the whole file

interface Running {
  app: TestApp;
  server: Server;
}

function listen(app: TestApp): Promise<Running> {
  return new Promise((resolve) => {
    const server = app.app.listen(0, '127.0.0.1', () => {
      resolve({ app, server });
    });
  });
}

let main: Running;
let small: Running;
let fallback: Running;
let fhir: TestFhirServer;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  fhir = await startFhirServer([
    demoPatient(),
    b12Observation(),
    activeMedication(),
  ] as FhirResource[]);
  // LOG_LEVEL error: only unexpected errors are logged, and they are what a failure must show.
  main = await listen(testApp({ env: { LOG_LEVEL: 'error', FHIR_TIMEOUT_MS: '1000' }, now: NOW }));
  small = await listen(
    testApp({
      env: { LOG_LEVEL: 'error', REQUEST_BODY_LIMIT: String(SMALL_BODY_LIMIT) },
      now: NOW,
    }),
  );
  fallback = await listen(
    testApp({
      env: { LOG_LEVEL: 'error', FHIR_TIMEOUT_MS: '1000', FHIR_MAX_PAGES: '3' },
      now: NOW,
    }),
  );
}, 30_000);

afterAll(async () => {
  for (const running of [main, small, fallback]) {
    await new Promise<void>((resolve) => {
      running.server.close(() => {
        resolve();
      });
      running.server.closeAllConnections();
    });
  }
  await fhir.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

function post(
  running: Running,
  path: string,
  body: string,
  contentType = 'application/json',
): Promise<Response> {
  return request(running.server).post(path).set('Content-Type', contentType).send(body);
}

/** The invariant of every answer: no 5xx, and an error is an OperationOutcome. */
function expectAnswered(running: Running, res: Response, sent: string): void {
  if (res.status >= 500) {
    const unexpected = running.app.logLines.filter((line) => line.includes('unexpected error'));
    throw new Error(
      `HTTP ${res.status} for ${sent.slice(0, 2000)}\nresponse: ${res.text.slice(0, 500)}\nlog: ${unexpected.slice(-1).join('\n').slice(0, 3000)}`,
    );
  }
  if (res.status >= 400) expectOperationOutcome(res, res.status);
}

async function expectHealthy(running: Running): Promise<void> {
  const res = await request(running.server).get('/healthz');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ok', feedbackStore: 'none' });
}

// ---------------------------------------------------------------------------------------------
// Valid requests to start from

/** A complete prefetch for a public scenario, as the e2e tests send it. */
function scenarioRequests(): { hook: HookName; body: JsonObject }[] {
  return loadPublicScenarios().map((scenario) => {
    const converted = scenarioToFhir(scenario, TODAY);
    const ofType = (type: string): FhirResource[] =>
      converted.resources.filter((resource) => resource.resourceType === type);
    return {
      hook: scenario.hook,
      body: {
        hook: scenario.hook,
        hookInstance: randomUUID(),
        context: {
          userId: 'Practitioner/gp-1',
          patientId: converted.patientId,
          ...(scenario.hook === 'patient-view'
            ? {}
            : { draftOrders: draftOrdersBundle(converted.draftOrders) }),
          ...(converted.selections ? { selections: converted.selections } : {}),
        },
        prefetch: {
          patient: ofType('Patient')[0],
          labs: searchset(ofType('Observation')),
          meds: searchset(ofType('MedicationRequest')),
          conditions: searchset(ofType('Condition')),
          procedures: searchset(ofType('Procedure')),
          medStatements: searchset(ofType('MedicationStatement')),
        },
      },
    };
  });
}

/** Captured real requests; their fhirServer is pointed at the in-memory FHIR server. */
function captureRequests(fhirBase: string): { hook: HookName; body: JsonObject }[] {
  return allCaptures().flatMap((capture) => {
    const hook = capture.body.hook;
    if (hook !== 'patient-view' && hook !== 'order-select' && hook !== 'order-sign') return [];
    return [{ hook, body: { ...capture.body, fhirServer: fhirBase } }];
  });
}

const feedbackBases = (): JsonObject[] => [
  ...allCaptures()
    .filter((capture) => Array.isArray(capture.body.feedback))
    .map((capture) => capture.body),
  {
    feedback: [
      {
        card: 'c2f1e0d9-3b4a-4c5d-8e6f-7a8b9c0d1e33',
        outcome: 'accepted',
        acceptedSuggestions: [{ id: '6a1c8a52-58a4-4a8e-8f3e-2b7d3f1c9e22' }],
        outcomeTimestamp: '2026-11-21T09:16:16.198Z',
      },
      {
        card: 'c2f1e0d9-3b4a-4c5d-8e6f-7a8b9c0d1e34',
        outcome: 'overridden',
        overrideReason: {
          reason: { system: 'https://b12.example/override-reasons', code: 'already-treated' },
          userComment: 'given elsewhere',
        },
        outcomeTimestamp: '2026-11-21T09:16:16+01:00',
      },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// HTTP properties

describe('arbitrary bodies never give a 5xx', () => {
  /** Deep nesting as text, so no JSON.stringify stack limit applies when building it. */
  const deeplyNested = fc
    .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":'))
    .map(([depth, open]) => {
      const close = open === '[' ? ']' : '}';
      return `${open.repeat(depth)}1${close.repeat(depth)}`;
    });
  /** Objects that look like a hook request at the top, with anything inside. */
  const hookish = fields({
    hook: maybe(fc.constantFrom(...HOOKS, 'encounter-start')),
    hookInstance: maybe(fc.uuid()),
    fhirServer: fc.option(fc.constantFrom(MOCK_FHIR, 'ftp://x', 'not a url', 'http://[oops'), {
      nil: undefined,
    }),
    context: maybe(
      fields({
        userId: maybe(fc.constantFrom('Practitioner/1', 'Practitioner/ x')),
        patientId: maybe(fc.oneof(fc.constantFrom('pat-1', '../x', 'a b'), trickyString)),
        draftOrders: maybe(fc.jsonValue({ maxDepth: 3 })),
        selections: maybe(fc.jsonValue({ maxDepth: 2 })),
      }),
    ),
    prefetch: maybe(
      fc.dictionary(
        fc.constantFrom(
          'patient',
          'labs',
          'meds',
          'conditions',
          'procedures',
          'medStatements',
          '__proto__',
        ),
        fc.jsonValue({ maxDepth: 3 }),
      ),
    ),
    feedback: maybe(fc.jsonValue({ maxDepth: 3 })),
  }).map((value) => JSON.stringify(value));

  const body = fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    {
      weight: 2,
      // Inside an array, JSON.stringify writes undefined (and functions) as null, as a client would send.
      arbitrary: fc.anything().map((value) => JSON.stringify([value]).slice(1, -1)),
    },
    { weight: 1, arbitrary: deeplyNested },
    { weight: 3, arbitrary: hookish },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'application/fhir+json',
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
      ),
    },
  );

  it(`POSTed to every service and feedback endpoint (${RUNS.arbitraryJson} runs)`, async () => {
    // nock stops any fhirServer a body names from being called for real.
    nock(MOCK_FHIR).persist().get(/.*/).reply(503);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS, '/cds-services/nope'),
        body,
        contentType,
        async (path, sent, type) => {
          const res = await post(main, path, sent, type);
          expectAnswered(main, res, sent);
        },
      ),
      { seed: SEED, numRuns: RUNS.arbitraryJson },
    );
    nock.cleanAll();
    await expectHealthy(main);
  }, 60_000);

  it(`huge strings and deep nesting, on both sides of REQUEST_BODY_LIMIT and JSON_MAX_DEPTH (${RUNS.sizeAndDepth} runs)`, async () => {
    const depthLimit = small.app.config.jsonMaxDepth;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        fc.oneof(
          fc.integer({ min: 0, max: SMALL_BODY_LIMIT - 1024 }),
          fc.integer({ min: SMALL_BODY_LIMIT - 1024, max: 3 * SMALL_BODY_LIMIT }),
        ),
        fc.constantFrom('x', 'é', '😀', '\\"'),
        fc.integer({ min: 0, max: 2 * depthLimit }),
        async (path, size, unit, nesting) => {
          const document = patientViewBody();
          // The nested extension sits at depth 3 (body → context → extension).
          const nested = `${'['.repeat(nesting)}"${unit.repeat(Math.ceil(size / unit.length))}"${']'.repeat(nesting)}`;
          const text = JSON.stringify(document).replace(
            '"context":{',
            `"context":{"x-extension":${nested},`,
          );
          const res = await post(small, path, text);
          expectAnswered(small, res, `(${Buffer.byteLength(text)} bytes, nesting ${nesting})`);
          if (Buffer.byteLength(text) > SMALL_BODY_LIMIT) expect(res.status).toBe(413);
          else expect(res.status).not.toBe(413);
          if (Buffer.byteLength(text) <= SMALL_BODY_LIMIT && nesting + 2 > depthLimit) {
            expect(res.status).toBe(400);
          }
        },
      ),
      { seed: SEED, numRuns: RUNS.sizeAndDepth },
    );
    await expectHealthy(small);
  }, 60_000);
});

describe('mutated valid requests never give a 5xx', () => {
  const bases = (): { hook: HookName; body: JsonObject }[] => [
    { hook: 'patient-view', body: patientViewBody() },
    { hook: 'order-select', body: orderSelectBody() },
    { hook: 'order-sign', body: orderSignBody() },
    ...captureRequests(fhir.baseUrl),
    ...scenarioRequests(),
  ];

  it(`hook requests: fields deleted, retyped, nulled, wrapped, giant, unicode (${RUNS.mutatedHookRequests} runs)`, async () => {
    const pool = bases();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...pool),
        fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
        fc.option(fc.constantFrom(...SERVICES), { freq: 10, nil: undefined }),
        async (base, mutations, elsewhere) => {
          const mutated = applyMutations(base.body as Json, mutations);
          const sent = JSON.stringify(mutated);
          const res = await post(main, elsewhere ?? SERVICE_OF[base.hook], sent);
          expectAnswered(main, res, sent);
          if (res.status === 200) expectB12Response(res.body, mutated);
        },
      ),
      { seed: SEED, numRuns: RUNS.mutatedHookRequests },
    );
    await expectHealthy(main);
  }, 120_000);

  it(`feedback bodies (${RUNS.mutatedFeedback} runs)`, async () => {
    const pool = feedbackBases();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...pool),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...SERVICES),
        async (base, mutations, service) => {
          const sent = JSON.stringify(applyMutations(base as Json, mutations));
          const res = await post(main, `${service}/feedback`, sent);
          expectAnswered(main, res, sent);
          expect([200, 400, 413]).toContain(res.status);
        },
      ),
      { seed: SEED, numRuns: RUNS.mutatedFeedback },
    );
    await expectHealthy(main);
  }, 60_000);
});

describe('whatever the FHIR server answers, the fallback never gives a 5xx', () => {
  interface Answer {
    status: number;
    contentType: string;
    body: string;
  }

  const resources = resourceArbitraries(NOW, ['pat-1']);
  const link = fc.oneof(
    fc.constantFrom(
      `${MOCK_FHIR}/fhir/Observation?page=2`,
      `${MOCK_FHIR}/fhir/Observation?page=3`,
      'Observation?page=4',
      'https://elsewhere.example/fhir?page=2',
      'http://[oops',
      '',
    ),
    trickyString,
  );
  const bundle = fields({
    resourceType: fc.constant('Bundle'),
    type: maybe(fc.constantFrom('searchset', 'collection')),
    entry: maybe(
      fc.array(fields({ resource: maybe(resources.any), fullUrl: maybe(textArb) }), {
        maxLength: 6,
      }),
    ),
    link: maybe(
      fc.array(
        fields({ relation: maybe(fc.constantFrom('next', 'self', 'previous')), url: maybe(link) }),
        { maxLength: 2 },
      ),
    ),
    total: maybe(fc.integer({ min: 0, max: 10 })),
  });
  const answer: fc.Arbitrary<Answer> = fc.record({
    status: fc.oneof(
      { weight: 8, arbitrary: fc.constant(200) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(201, 204, 301, 304, 400, 401, 404, 410, 429, 500, 503),
      },
    ),
    contentType: fc.constantFrom(
      'application/fhir+json',
      'application/json',
      'text/html',
      'application/octet-stream',
    ),
    body: fc.oneof(
      { weight: 5, arbitrary: bundle.map((value) => JSON.stringify(value)) },
      { weight: 2, arbitrary: resources.any.map((value) => JSON.stringify(value)) },
      { weight: 1, arbitrary: junk.map((value) => JSON.stringify(value)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          '{',
          '<html>Login</html>',
          '{"resourceType":"Bundle","entry":[',
          'null',
        ),
      },
    ),
  });

  it(`answers served in turn to every request of a call (${RUNS.fhirServerAnswers} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(answer, { minLength: 1, maxLength: 8 }),
        fc.subarray(['patient', 'labs', 'meds', 'conditions', 'procedures', 'medStatements']),
        async (answers, prefetched) => {
          let served = 0;
          nock(MOCK_FHIR)
            .persist()
            .get(/.*/)
            .reply(() => {
              const next = answers[served % answers.length] as Answer;
              served += 1;
              return [next.status, next.body, { 'Content-Type': next.contentType }];
            });
          const body = patientViewBody('pat-1');
          const prefetch = body.prefetch as JsonObject;
          for (const key of Object.keys(prefetch)) {
            if (!prefetched.includes(key)) Reflect.deleteProperty(prefetch, key);
          }
          const sent = JSON.stringify({ ...body, fhirServer: `${MOCK_FHIR}/fhir` });
          try {
            const res = await post(fallback, SERVICE_OF['patient-view'], sent);
            expectAnswered(fallback, res, `${sent}\nFHIR answers: ${JSON.stringify(answers)}`);
            expect([200, 412]).toContain(res.status);
            if (res.status === 200) expectB12Response(res.body, JSON.parse(sent));
          } finally {
            nock.cleanAll();
          }
        },
      ),
      { seed: SEED, numRuns: RUNS.fhirServerAnswers },
    );
    await expectHealthy(fallback);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// The clinical engine on FHIR-shaped input

describe('the clinical engine never throws on partial or wrong-typed FHIR', () => {
  const PATIENT_IDS = ['pat-1', 'p.2', 'A-b-9'] as const;
  const resources = resourceArbitraries(NOW, PATIENT_IDS);

  /** Scenario patients with their resources mutated: realistic data that trips the rules, broken. */
  const scenarioCores = loadPublicScenarios().map((scenario) => scenarioToFhir(scenario, TODAY));
  const scenarioCore = fc
    .tuple(
      fc.constantFrom(...scenarioCores),
      fc.array(mutationArb, { maxLength: 6 }),
      fc.array(mutationArb, { maxLength: 3 }),
    )
    .map(([core, mutations, draftMutations]) => ({
      patientId: core.patientId,
      resources: applyMutations(core.resources as unknown as Json, mutations),
      drafts: applyMutations(core.draftOrders as unknown as Json, draftMutations),
      selections: core.selections,
    }));

  const draftOrders = fc.oneof(
    {
      weight: 8,
      arbitrary: fields({
        resourceType: fc.constant('Bundle'),
        type: maybe(fc.constant('collection')),
        entry: maybe(
          fc.array(
            fields({
              resource: maybe(
                fc.oneof(
                  { weight: 6, arbitrary: resources.draftMedicationRequest as fc.Arbitrary<Json> },
                  { weight: 1, arbitrary: resources.serviceRequest as fc.Arbitrary<Json> },
                  { weight: 1, arbitrary: resources.medication as fc.Arbitrary<Json> },
                  { weight: 1, arbitrary: resources.stranger },
                ),
              ),
              fullUrl: maybe(
                fc.constantFrom('urn:uuid:7f1c0a9e-0000-4000-8000-000000000001', 'Medication/m1'),
              ),
            }),
            { maxLength: 4 },
          ),
        ),
      }) as fc.Arbitrary<Json | undefined>,
    },
    { weight: 1, arbitrary: junk },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const selections = fc.option(
    fc.array(
      fc.oneof(
        fc.constantFrom(
          'MedicationRequest/d1',
          'MedicationRequest/d2',
          'MedicationRequest/r1',
          'ServiceRequest/s1',
          'MedicationRequest/draft 1',
        ),
        trickyString,
      ),
      { maxLength: 3 },
    ),
    { nil: undefined },
  );

  const input = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        patientId: fc.constantFrom(...PATIENT_IDS),
        resources: fc.array(resources.any, { maxLength: 25 }),
        draftOrders,
        selections,
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(scenarioCore, fc.array(resources.any, { maxLength: 8 }), draftOrders, fc.boolean())
        .map(([core, extra, drafts, keepDrafts]) => ({
          patientId: core.patientId,
          resources: [
            ...(Array.isArray(core.resources) ? core.resources : [core.resources]),
            ...extra,
          ],
          draftOrders: keepDrafts
            ? {
                resourceType: 'Bundle',
                type: 'collection',
                entry: (Array.isArray(core.drafts) ? core.drafts : [core.drafts]).map(
                  (resource) => ({ resource }),
                ),
              }
            : drafts,
          selections: keepDrafts ? core.selections : undefined,
        })),
    },
  );

  /** Texts a card must never show: a value or name that was not read, but printed. */
  const UNREAD = /\bNaN\b|\bundefined\b|\[object Object\]|\[native code\]|function Object/;

  it(`factsOf → adviceOf → cardsOf (findings, rules, cards), on every hook (${RUNS.engine} runs)`, () => {
    fc.assert(
      fc.property(input, (generated) => {
        // As it would arrive: JSON text parsed (no undefined, no -0, no null-prototype objects).
        const sample = JSON.parse(JSON.stringify(generated)) as typeof generated;
        for (const hook of HOOKS) {
          const facts = factsOf(
            {
              patientId: sample.patientId,
              today: utcDay(NOW),
              resources: sample.resources,
              draftOrders: sample.draftOrders,
              ...(sample.selections ? { selections: sample.selections } : {}),
            },
            DEFAULT_CLINICAL_CONFIG,
          );
          const { cards } = cardsOf(
            adviceOf(hook, sample.patientId, facts, DEFAULT_CLINICAL_CONFIG).shown,
            facts.notes,
            'http://localhost:3000',
          );
          const body: unknown = JSON.parse(JSON.stringify({ cards }));
          expectConformantResponse(body);
          const context = cardCheckContextOf({
            hook,
            context: {
              patientId: sample.patientId,
              draftOrders: sample.draftOrders,
              selections: sample.selections,
            },
          });
          const problems = cards.flatMap((card, index) => [
            ...cardProblems(JSON.parse(JSON.stringify(card)), `${hook} cards[${index}]`, context),
            ...(UNREAD.test(`${card.summary}\n${card.detail ?? ''}`)
              ? [
                  `${hook} cards[${index}] prints an unread value: ${card.summary}\n${card.detail ?? ''}`,
                ]
              : []),
          ]);
          expect(problems).toEqual([]);
        }
      }),
      { seed: SEED, numRuns: RUNS.engine },
    );
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// What these properties found, pinned as plain examples over HTTP

describe('regressions found by the properties', () => {
  const subject = { reference: 'Patient/pat-1' };
  const searchset = (resources: readonly JsonObject[]): JsonObject => ({
    resourceType: 'Bundle',
    type: 'searchset',
    ...(resources.length > 0 ? { entry: resources.map((resource) => ({ resource })) } : {}),
  });
  const patientResource = { resourceType: 'Patient', id: 'pat-1', birthDate: '1950-01-01' };
  /** A coded B12 deficiency: folic acid must not be ordered before B12 (RULES.md 5.11). */
  const b12Deficiency = {
    resourceType: 'Condition',
    id: 'c1',
    subject,
    code: { coding: [{ system: SNOMED, code: '190634004', display: 'B12 deficiency anaemia' }] },
  };
  /** eGFR 20: renal impairment (RULES.md 5.14). */
  const egfr20 = {
    resourceType: 'Observation',
    id: 'egfr',
    status: 'final',
    subject,
    code: { coding: [{ system: 'http://loinc.org', code: '98979-8' }] },
    effectiveDateTime: '2026-11-01',
    valueQuantity: { value: 20, unit: 'mL/min/1.73m2', code: 'mL/min/{1.73_m2}' },
  };
  const draft = (id: string, rxnorm: string, extra: JsonObject = {}): JsonObject => ({
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject,
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm }] },
    ...extra,
  });
  const FOLIC_ACID_5MG = '310410';
  const CYANOCOBALAMIN_INJECTION = '309594';

  function hookBody(
    hook: HookName,
    data: { labs?: JsonObject[]; meds?: JsonObject[]; conditions?: JsonObject[] },
    drafts: JsonObject[] = [],
  ): JsonObject {
    return {
      hook,
      hookInstance: randomUUID(),
      context: {
        userId: 'Practitioner/1',
        patientId: 'pat-1',
        ...(hook === 'patient-view'
          ? {}
          : {
              draftOrders: {
                resourceType: 'Bundle',
                entry: drafts.map((resource) => ({ resource })),
              },
            }),
      },
      prefetch: {
        patient: patientResource,
        labs: searchset(data.labs ?? []),
        meds: searchset(data.meds ?? []),
        conditions: searchset(data.conditions ?? []),
        procedures: searchset([]),
        medStatements: searchset([]),
      },
    };
  }

  async function answer(hook: HookName, body: JsonObject): Promise<JsonObject> {
    const sent = JSON.stringify(body);
    const res = await post(main, SERVICE_OF[hook], sent);
    expectAnswered(main, res, sent);
    expect(res.status).toBe(200);
    expectB12Response(res.body, body);
    return res.body as JsonObject;
  }

  const cardsOf = (body: JsonObject): JsonObject[] => body.cards as JsonObject[];
  const codeOf = (card: JsonObject): unknown =>
    ((card.source as JsonObject).topic as JsonObject).code;
  const textOfCards = (body: JsonObject): string =>
    cardsOf(body)
      .map((card) => `${String(card.summary)}\n${String(card.detail)}`)
      .join('\n');

  // Bug 1: terminology tables were plain objects indexed with codes from the request, so a code
  // such as `__proto__` or `constructor` found Object.prototype members: a TypeError (HTTP 500) for
  // RxNorm codes, `NaN` doses and a function's source text printed on cards for the others.
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'a medication whose RxNorm code is %j is not recognised, and the call answers 200',
    async (code) => {
      const medication = {
        resourceType: 'MedicationRequest',
        id: 'm1',
        status: 'active',
        intent: 'order',
        subject,
        authoredOn: '2020-01-01',
        medicationCodeableConcept: { coding: [{ system: RXNORM, code }] },
      };
      await answer('patient-view', hookBody('patient-view', { meds: [medication] }));
      await answer(
        'order-sign',
        hookBody('order-sign', {}, [
          draft('d1', '', { medicationCodeableConcept: { coding: [{ system: RXNORM, code }] } }),
        ]),
      );
    },
  );

  it('a folic acid draft whose dose unit and period unit are "constructor" has an unknown dose, not NaN', async () => {
    const folic = draft('d1', FOLIC_ACID_5MG, {
      dosageInstruction: [
        {
          timing: { repeat: { frequency: 1, period: 1, periodUnit: 'constructor' } },
          doseAndRate: [{ doseQuantity: { value: 5, unit: 'constructor' } }],
        },
      ],
    });
    const body = await answer(
      'order-sign',
      hookBody('order-sign', { conditions: [b12Deficiency] }, [folic]),
    );
    expect(cardsOf(body).map(codeOf)).toContain('folate-order-b12-untreated');
    expect(textOfCards(body)).toContain('dose unknown');
    expect(textOfCards(body)).not.toMatch(/NaN/);
  });

  it('a cyanocobalamin draft whose route code is "constructor" shows no function source on the card', async () => {
    const cyano = draft('d1', CYANOCOBALAMIN_INJECTION, {
      dosageInstruction: [{ route: { coding: [{ system: SNOMED, code: 'constructor' }] } }],
    });
    const body = await answer('order-sign', hookBody('order-sign', { labs: [egfr20] }, [cyano]));
    expect(cardsOf(body).map(codeOf)).toContain('cyanocobalamin-renal');
    expect(textOfCards(body)).not.toMatch(/native code|function/);
  });

  it('a result in unit "constructor" is reported as an unrecognised unit', async () => {
    const b12 = {
      ...b12Observation('pat-1'),
      effectiveDateTime: '2026-11-01',
      valueQuantity: { value: 180, unit: 'constructor' },
    };
    const body = await answer('patient-view', hookBody('patient-view', { labs: [b12] }));
    expect(textOfCards(body)).toContain("unit 'constructor' not recognised");
  });

  // Bug 2: a draft order's id was used in a delete suggestion (`MedicationRequest/<id>`) whatever
  // it held; the card builder rejects an id that is no FHIR id, so the call failed with HTTP 500.
  it.each(['draft 1', 'é', 'x'.repeat(65), ' d1 '])(
    'a folic acid draft with id %j gets its card, without a suggestion naming it, and a data note',
    async (id) => {
      const body = await answer(
        'order-sign',
        hookBody('order-sign', { conditions: [b12Deficiency] }, [draft(id, FOLIC_ACID_5MG)]),
      );
      const card = cardsOf(body).find(
        (candidate) => codeOf(candidate) === 'folate-order-b12-untreated',
      );
      expect(card).toBeDefined();
      expect(JSON.stringify(card?.suggestions ?? [])).not.toContain('"delete"');
      expect(String(card?.detail)).toContain('has no valid FHIR id');
    },
  );

  // Bug 3 (NOT fixed, see the report): RULES.md 5.14 copies the draft's dosageInstruction into the
  // hydroxocobalamin replacement as it came, so a malformed dosage from the client makes the
  // response non-conformant (empty values) and the suggested MedicationRequest invalid FHIR R4.
  it('a malformed draft dosage never makes the cyanocobalamin-renal suggestion non-conformant', async () => {
    const cyano = draft('d1', CYANOCOBALAMIN_INJECTION, {
      dosageInstruction: [{ text: '1 mg IM monthly', route: 'intramuscular', doseAndRate: [] }],
    });
    const body = await answer('order-sign', hookBody('order-sign', { labs: [egfr20] }, [cyano]));
    expect(cardsOf(body).map(codeOf)).toContain('cyanocobalamin-renal');
  });
});
