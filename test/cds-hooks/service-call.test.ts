import request from 'supertest';
import type { Response } from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { b12Services } from '../../cds-services/index.js';
import { defineService } from '../../src/cds-hooks/service.js';
import { testApp } from '../support/app.js';
import { expectB12Response } from '../support/card-checks.js';
import { expectConformantResponse, expectOperationOutcome } from '../support/conformance.js';
import type { OperationOutcome } from '../support/conformance.js';
import { startFhirServer } from '../support/fhir-server.js';
import {
  clone,
  completePrefetch,
  loadCapture,
  orderSelectBody,
  orderSignBody,
  demoPatient,
  patientViewBody,
} from '../support/hook-calls.js';
import type { JsonObject } from '../support/hook-calls.js';

const PATIENT_VIEW = '/cds-services/b12-patient-view';
const ORDER_SELECT = '/cds-services/b12-order-select';
const ORDER_SIGN = '/cds-services/b12-order-sign';

async function post(
  app: Express,
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<Response> {
  return request(app)
    .post(path)
    .set('Content-Type', contentType)
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

/** The OperationOutcome of a 4xx/5xx answer with the expected status, as JSON. */
function outcomeOf(res: Response, status: number): OperationOutcome {
  return expectOperationOutcome(res, status);
}

const expressions = (outcome: OperationOutcome): string[] =>
  outcome.issue.flatMap((issue) => issue.expression ?? []);

const context = (body: JsonObject): JsonObject => body.context as JsonObject;

describe('POST /cds-services/{id}: malformed requests are 400 with an OperationOutcome', () => {
  it('answers 400 for a body that is not valid JSON, without echoing the body back', async () => {
    const broken = '{"hook":"patient-view","context":{"patientName":"Bea Zyxwvut-Testpatient"';
    const res = await post(testApp().app, PATIENT_VIEW, broken);
    const outcome = outcomeOf(res, 400);
    expect(outcome.issue[0]?.code).toMatch(/structure|invalid/);
    expect(res.text).not.toContain('Zyxwvut');
    expect(res.text).not.toContain('patientName');
  });

  it.each([
    ['hook', (body: JsonObject) => delete body.hook],
    ['hookInstance', (body: JsonObject) => delete body.hookInstance],
    ['context', (body: JsonObject) => delete body.context],
    ['context.patientId', (body: JsonObject) => delete context(body).patientId],
  ])('answers 400 naming the field when %s is missing', async (field, remove) => {
    const body = patientViewBody();
    remove(body);
    const outcome = outcomeOf(await post(testApp().app, PATIENT_VIEW, body), 400);
    expect(expressions(outcome)).toContain(field);
  });

  it.each(['../x', 'Patient/b12-demo', 'a b', 'b12-demo?x=1', 'x'.repeat(65), ''])(
    'answers 400 for a context.patientId that is not a FHIR id (%j), without echoing it',
    async (patientId) => {
      const body = patientViewBody();
      context(body).patientId = patientId;
      const res = await post(testApp().app, PATIENT_VIEW, body);
      const outcome = outcomeOf(res, 400);
      expect(expressions(outcome)).toContain('context.patientId');
      if (patientId.length > 0) {
        expect(JSON.stringify(outcome.issue.map((issue) => issue.diagnostics))).not.toContain(
          patientId,
        );
      }
    },
  );

  it.each(['.', '..'])(
    'answers 400 for the dot-segment patientId %j and never sends it to the FHIR server (Patient/{{context.patientId}} would resolve to another URL)',
    async (patientId) => {
      const server = await startFhirServer([demoPatient('b12-demo'), demoPatient('someone-else')]);
      try {
        const body: JsonObject = { ...patientViewBody(), fhirServer: server.baseUrl };
        delete body.prefetch;
        context(body).patientId = patientId;
        const res = await post(testApp().app, PATIENT_VIEW, body);
        // `Patient/.` resolves to `Patient/` (a search returning every patient) and `Patient/..`
        // to the FHIR base: neither is a read of this patient.
        expect(server.requests.map((r) => r.url)).toEqual([]);
        const outcome = outcomeOf(res, 400);
        expect(expressions(outcome)).toContain('context.patientId');
      } finally {
        await server.close();
      }
    },
  );

  it('answers 400 for a patient-view body sent to the order-sign service', async () => {
    outcomeOf(await post(testApp().app, ORDER_SIGN, patientViewBody()), 400);
  });

  it('answers 400 naming `hook` when a well-formed body names another hook than the service', async () => {
    // An order-sign body is also a valid patient-view body in shape: only the hook differs.
    const outcome = outcomeOf(await post(testApp().app, PATIENT_VIEW, orderSignBody()), 400);
    expect(expressions(outcome)).toContain('hook');
    const relabelled = { ...orderSignBody(), hook: 'order-select' };
    outcomeOf(await post(testApp().app, ORDER_SIGN, relabelled), 400);
  });

  it('answers 400 naming fhirServer for fhirAuthorization without fhirServer (cds-r-1)', async () => {
    const body = {
      ...patientViewBody(),
      fhirAuthorization: {
        access_token: 'token',
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'patient/*.read',
        subject: 'b12',
      },
    };
    const outcome = outcomeOf(await post(testApp().app, PATIENT_VIEW, body), 400);
    expect(expressions(outcome)).toContain('fhirServer');
  });

  it('answers 400 naming context.draftOrders for order-select without draftOrders', async () => {
    const body = orderSelectBody();
    delete context(body).draftOrders;
    const outcome = outcomeOf(await post(testApp().app, ORDER_SELECT, body), 400);
    expect(expressions(outcome)).toContain('context.draftOrders');
  });

  it('answers 400 naming context.draftOrders for order-sign without draftOrders', async () => {
    const body = orderSignBody();
    delete context(body).draftOrders;
    const outcome = outcomeOf(await post(testApp().app, ORDER_SIGN, body), 400);
    expect(expressions(outcome)).toContain('context.draftOrders');
  });

  it.each([
    ['a JSON array', []],
    ['a JSON string', '"patient-view"'],
    ['an empty object', {}],
  ])('answers 400 for %s as the body', async (_name, body) => {
    outcomeOf(await post(testApp().app, PATIENT_VIEW, body), 400);
  });
});

describe('POST /cds-services/{id}: other error statuses', () => {
  it('answers 404 with an OperationOutcome for an unknown service id', async () => {
    const res = await post(testApp().app, '/cds-services/no-such-service', patientViewBody());
    const outcome = outcomeOf(res, 404);
    expect(outcome.issue[0]?.code).toBe('not-found');
  });

  it('answers 415 with an OperationOutcome for a text/plain body', async () => {
    const res = await post(
      testApp().app,
      PATIENT_VIEW,
      JSON.stringify(patientViewBody()),
      'text/plain',
    );
    outcomeOf(res, 415);
  });

  it('answers 415 with an OperationOutcome for JSON in a charset other than UTF-8', async () => {
    const res = await post(
      testApp().app,
      PATIENT_VIEW,
      JSON.stringify(patientViewBody()),
      'application/json; charset=latin1',
    );
    outcomeOf(res, 415);
  });

  it('answers 415 for a POST without any Content-Type', async () => {
    const res = await request(testApp().app).post(PATIENT_VIEW);
    outcomeOf(res, 415);
  });

  it('answers 413 with an OperationOutcome for a body over REQUEST_BODY_LIMIT', async () => {
    const { app, config } = testApp({ env: { REQUEST_BODY_LIMIT: '2kb' } });
    expect(config.bodyLimitBytes).toBe(2048);
    // Under the limit the same service answers normally…
    const small = patientViewBody();
    expect(JSON.stringify(small).length).toBeLessThan(2048);
    expect((await post(app, PATIENT_VIEW, small)).status).toBe(200);
    // …and over it the body is refused before it is read.
    const big = patientViewBody();
    context(big).padding = 'x'.repeat(4096);
    outcomeOf(await post(app, PATIENT_VIEW, big), 413);
    outcomeOf(await post(app, PATIENT_VIEW, big, 'application/fhir+json'), 413);
  });

  it('answers 412 naming every missing key when prefetch keys are absent and there is no fhirServer', async () => {
    const body = patientViewBody();
    delete body.prefetch;
    const outcome = outcomeOf(await post(testApp().app, PATIENT_VIEW, body), 412);
    expect(expressions(outcome).sort()).toEqual([
      'prefetch.conditions',
      'prefetch.labs',
      'prefetch.medStatements',
      'prefetch.meds',
      'prefetch.patient',
      'prefetch.procedures',
    ]);
  });

  it('answers 412 naming just the one key that is absent when there is no fhirServer', async () => {
    const body = patientViewBody();
    delete (body.prefetch as JsonObject).labs;
    const outcome = outcomeOf(await post(testApp().app, PATIENT_VIEW, body), 412);
    expect(expressions(outcome)).toEqual(['prefetch.labs']);
  });
});

describe('POST /cds-services/{id}: a failing handler', () => {
  const throwingSync = defineService({
    id: 'throws',
    hook: 'patient-view',
    title: 'Throws',
    description: 'A test-only service whose handler throws',
    prefetch: {},
    handler: () => {
      throw new Error('secret internals');
    },
  });
  const throwingAsync = defineService({
    id: 'rejects',
    hook: 'patient-view',
    title: 'Rejects',
    description: 'A test-only service whose handler rejects',
    prefetch: {},
    handler: () => Promise.reject(new Error('secret internals')),
  });

  it.each([
    ['throws', '/cds-services/throws'],
    ['rejects', '/cds-services/rejects'],
  ])(
    'answers 500 with an OperationOutcome, no stack trace and no internal message when a handler %s',
    async (_how, path) => {
      const { app } = testApp({ services: [throwingSync, throwingAsync, ...b12Services()] });
      const res = await post(app, path, patientViewBody());
      const outcome = outcomeOf(res, 500);
      expect(outcome.issue[0]?.code).toBe('exception');
      expect(res.text).not.toContain('secret internals');
      expect(res.text).not.toMatch(/\bat .+:\d+:\d+/);
      expect(res.text).not.toMatch(/\.ts\b|node_modules|Error:/);

      // The server keeps answering afterwards.
      await request(app).get('/cds-services').expect(200);
      const again = await post(app, PATIENT_VIEW, patientViewBody());
      expect(again.status).toBe(200);
      outcomeOf(await post(app, path, patientViewBody()), 500);
    },
  );
});

describe('POST /cds-services/{id}: accepted media types', () => {
  it.each([
    'application/json',
    'application/fhir+json',
    'application/json; charset=utf-8',
    'application/fhir+json; charset=utf-8',
    'application/json;charset=UTF-8',
  ])('accepts a body sent as %s and answers 200 application/json', async (type) => {
    const res = await post(testApp().app, PATIENT_VIEW, patientViewBody(), type);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectConformantResponse(res.body);
    expectB12Response(res.body, patientViewBody());
  });
});

describe('POST /cds-services/{id}: tolerance of what real clients send', () => {
  const ok = async (path: string, body: unknown): Promise<void> => {
    const res = await post(testApp().app, path, body);
    expect(res.status, res.text).toBe(200);
    expectConformantResponse(res.body);
    expectB12Response(res.body, body);
  };

  it('accepts unknown extra top-level and context fields', async () => {
    const body = {
      ...patientViewBody(),
      extension: { 'org.example.flag': true },
      someVendorField: { nested: [1, 2] },
    };
    context(body).vendorContext = 'x';
    context(body).encounterId = 'enc-1';
    await ok(PATIENT_VIEW, body);
  });

  it.each([
    ['an MRN', 'MRN-0012345678'],
    ['free text', 'Bea Zyxwvut-Testpatient, ward 7'],
    ['a UUID with a suffix', '2f7d74b0-205a-4266-bb5c-25908964e186-x'],
    ['an empty string', ''],
  ])(
    'answers 400 naming hookInstance when it is %s, and neither logs nor echoes it',
    async (_name, value) => {
      const test = testApp();
      const body = patientViewBody();
      body.hookInstance = value;
      const res = await post(test.app, PATIENT_VIEW, body);
      const outcome = outcomeOf(res, 400);
      expect(expressions(outcome)).toContain('hookInstance');
      if (value !== '') {
        expect(res.text).not.toContain(value);
        for (const line of test.logLines) expect(line).not.toContain(value);
      }
    },
  );

  it.each(['2F7D74B0-205A-4266-BB5C-25908964E186', 'c23d1c8d-c3ec-559a-99b3-ed2e981b411b'])(
    'accepts the UUID hookInstance %s (any version, either case)',
    async (value) => {
      const body = patientViewBody();
      body.hookInstance = value;
      await ok(PATIENT_VIEW, body);
    },
  );

  it('answers 200 to the same hookInstance sent twice', async () => {
    const { app } = testApp();
    const body = patientViewBody();
    const first = await post(app, PATIENT_VIEW, body);
    const second = await post(app, PATIENT_VIEW, body);
    expect([first.status, second.status]).toEqual([200, 200]);
  });

  it('accepts a draft MedicationRequest with no medication and no intent', async () => {
    for (const [path, make] of [
      [ORDER_SIGN, orderSignBody],
      [ORDER_SELECT, orderSelectBody],
    ] as const) {
      const body = make();
      context(body).draftOrders = {
        resourceType: 'Bundle',
        entry: [
          {
            resource: {
              resourceType: 'MedicationRequest',
              id: 'request-123',
              status: 'draft',
              subject: { reference: 'Patient/b12-demo' },
            },
          },
        ],
      };
      await ok(path, body);
    }
  });

  it('accepts an Observation whose category is an object instead of an array', async () => {
    const prefetch = completePrefetch();
    const labs = clone(prefetch.labs) as { entry: { resource: JsonObject }[] };
    const observation = labs.entry[0]?.resource;
    if (!observation) throw new Error('fixture has no observation');
    observation.category = {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/observation-category',
          code: 'laboratory',
        },
      ],
    };
    await ok(PATIENT_VIEW, { ...patientViewBody(), prefetch: { ...prefetch, labs } });
  });

  it('accepts order-select without selections', async () => {
    const body = orderSelectBody();
    delete context(body).selections;
    await ok(ORDER_SELECT, body);
  });

  it('accepts draftOrders without a Bundle type, as the sandbox sends it', async () => {
    const body = orderSignBody();
    delete (context(body).draftOrders as JsonObject).type;
    await ok(ORDER_SIGN, body);
  });
});

describe('CDS_AUTH=required with no trusted client configured: fails closed', () => {
  const jwt = loadCapture('021-sandbox--call-b12-patient-view.json').authorization ?? '';

  it('answers a service call with 401, an OperationOutcome and WWW-Authenticate: Bearer', async () => {
    const { app } = testApp({ env: { CDS_AUTH: 'required' } });
    const res = await post(app, PATIENT_VIEW, patientViewBody());
    const outcome = outcomeOf(res, 401);
    expect(outcome.issue[0]?.code).toBe('login');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it('refuses a call carrying a client JWT from an issuer that is not trusted', async () => {
    expect(jwt).toMatch(/^Bearer ey/);
    const { app } = testApp({ env: { CDS_AUTH: 'required' } });
    const res = await request(app)
      .post(PATIENT_VIEW)
      .set('Authorization', jwt)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(patientViewBody()));
    outcomeOf(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it('answers discovery and feedback with 401 as well', async () => {
    const { app } = testApp({ env: { CDS_AUTH: 'required' } });
    outcomeOf(await request(app).get('/cds-services'), 401);
    const feedback = {
      feedback: [{ card: 'c-1', outcome: 'overridden', outcomeTimestamp: '2026-11-21T09:16:16Z' }],
    };
    outcomeOf(await post(app, `${PATIENT_VIEW}/feedback`, feedback), 401);
  });

  it('still answers GET /healthz with 200', async () => {
    const { app } = testApp({ env: { CDS_AUTH: 'required' } });
    await request(app).get('/healthz').expect(200);
  });
});
