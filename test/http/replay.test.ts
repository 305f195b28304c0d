import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from 'fhir/r4.js';
import { testApp } from '../support/app.js';
import { expectB12Response } from '../support/card-checks.js';
import { expectConformantResponse } from '../support/conformance.js';
import { startFhirServer } from '../support/fhir-server.js';
import type { TestFhirServer } from '../support/fhir-server.js';
import { allCaptures, demoPatient } from '../support/hook-calls.js';
import type { Capture, JsonObject } from '../support/hook-calls.js';

/**
 * Replays every real captured request (CDS Hooks Sandbox, Da Vinci CRD request generator, Inferno
 * CRD) against the real app. The captures' `fhirServer` is answered by a real in-memory FHIR server
 * loaded with the data the captures themselves carried in prefetch.
 */

const captures = allCaptures();
const hookCalls = captures.filter((capture) => typeof capture.body.hook === 'string');
const feedbackCaptures = captures.filter((capture) => Array.isArray(capture.body.feedback));

const isResource = (value: unknown): value is Resource =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { resourceType?: unknown }).resourceType === 'string';

/** Every Patient, Observation and MedicationRequest found in the captures' prefetch, once each. */
function resourcesFromCaptures(): Resource[] {
  const found = new Map<string, Resource>();
  const keep = (resource: Resource): void => {
    if (!['Patient', 'Observation', 'MedicationRequest'].includes(resource.resourceType)) return;
    found.set(`${resource.resourceType}/${resource.id ?? ''}`, resource);
  };
  for (const capture of hookCalls) {
    const prefetch = (capture.body.prefetch ?? {}) as JsonObject;
    for (const value of Object.values(prefetch)) {
      if (!isResource(value)) continue;
      if (value.resourceType === 'Bundle') {
        const entries = (value as { entry?: { resource?: unknown }[] }).entry ?? [];
        for (const entry of entries) if (isResource(entry.resource)) keep(entry.resource);
      } else {
        keep(value);
      }
    }
  }
  return [...found.values()];
}

const loadCaptureByFile = (file: string): Capture => {
  const found = captures.find((capture) => capture.file === file);
  if (!found) throw new Error(`no capture ${file}`);
  return found;
};

const patientIdOf = (capture: Capture): string =>
  String((capture.body.context as JsonObject).patientId);

const accessTokenOf = (capture: Capture): string | undefined => {
  const auth = capture.body.fhirAuthorization as { access_token?: unknown } | undefined;
  return typeof auth?.access_token === 'string' && auth.access_token !== ''
    ? auth.access_token
    : undefined;
};

describe('replay of the captured requests in fixtures/requests/', () => {
  let server: TestFhirServer;
  let templates: Record<string, Record<string, string>>;

  beforeAll(async () => {
    const resources = resourcesFromCaptures();
    // The Inferno captures' patient `example` exists on the server but has no data.
    server = await startFhirServer([...resources, demoPatient('example')]);
    const discovery = await request(testApp().app).get('/cds-services').expect(200);
    const services = (
      discovery.body as { services: { id: string; prefetch?: Record<string, string> }[] }
    ).services;
    templates = Object.fromEntries(services.map((service) => [service.id, service.prefetch ?? {}]));
  });

  afterAll(async () => {
    await server.close();
  });

  it('covers every capture: each file is either a hook call or feedback', () => {
    expect(hookCalls.length).toBeGreaterThanOrEqual(8);
    expect(feedbackCaptures.map((capture) => capture.file)).toEqual([
      '029-sandbox--feedback-b12-patient-view.json',
    ]);
    expect(hookCalls.length + feedbackCaptures.length).toBe(captures.length);
  });

  it('loads the FHIR server with the b12-demo data found in the captures', () => {
    const resources = resourcesFromCaptures();
    const types = new Set(resources.map((resource) => resource.resourceType));
    expect([...types].sort()).toEqual(['MedicationRequest', 'Observation', 'Patient']);
    expect(resources).toContainEqual(expect.objectContaining({ id: 'b12-demo' }));
  });

  it.each(hookCalls.map((capture) => [capture.file, capture] as const))(
    'answers %s with 200 and a conformant response, fetching exactly the missing prefetch keys from fhirServer',
    async (_file, capture) => {
      const serviceId = `b12-${String(capture.body.hook)}`;
      const body = { ...capture.body, fhirServer: server.baseUrl };
      const before = server.requests.length;

      let call = request(testApp().app)
        .post(`/cds-services/${serviceId}`)
        .set('Content-Type', 'application/json');
      if (capture.authorization !== undefined)
        call = call.set('Authorization', capture.authorization);
      if (capture.origin !== undefined) call = call.set('Origin', capture.origin);
      const res = await call.send(JSON.stringify(body));

      expect(res.status, res.text).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expectConformantResponse(res.body);
      expectB12Response(res.body, body);

      // Keys the capture did not prefetch were read from its fhirServer, the others were not.
      const declared = templates[serviceId] ?? {};
      expect(Object.keys(declared).length).toBeGreaterThan(0);
      const prefetched = (capture.body.prefetch ?? {}) as JsonObject;
      const patientId = encodeURIComponent(patientIdOf(capture));
      const expectedUrls = Object.entries(declared)
        .filter(([key]) => !(key in prefetched))
        .map(([, template]) => `/fhir/${template.replaceAll('{{context.patientId}}', patientId)}`);
      const seen = server.requests.slice(before);
      expect(seen.map((r) => r.url).sort()).toEqual(expectedUrls.sort());
      expect(seen.every((r) => r.method === 'GET')).toBe(true);

      // The capture's token is used as a bearer token only when there is one.
      const token = accessTokenOf(capture);
      for (const fetched of seen) {
        expect(fetched.authorization, fetched.url).toBe(
          token === undefined ? undefined : `Bearer ${token}`,
        );
      }
    },
  );

  it('includes captures lacking prefetch keys, and tokenless and token-bearing ones, so the checks above bite', () => {
    const lacking = (capture: Capture): string[] => {
      const prefetched = (capture.body.prefetch ?? {}) as JsonObject;
      return ['patient', 'labs', 'meds', 'conditions'].filter((key) => !(key in prefetched));
    };
    const byFile = Object.fromEntries(hookCalls.map((capture) => [capture.file, lacking(capture)]));
    expect(byFile['021-sandbox--call-b12-patient-view.json']).toEqual(['conditions']);
    expect(byFile['023-sandbox--call-b12-order-select.json']).toEqual(['labs', 'conditions']);
    expect(byFile['026-sandbox--call-b12-order-sign.json']).toHaveLength(4);
    expect(byFile['030-crd-request-generator--call-b12-order-sign.json']).toHaveLength(4);
    const tokenless = hookCalls.filter((capture) => accessTokenOf(capture) === undefined);
    // Sandbox captures send no fhirAuthorization; the CRD generator sends an empty access_token.
    expect(tokenless.map((capture) => capture.file)).toContain(
      '030-crd-request-generator--call-b12-order-sign.json',
    );
    expect(tokenless.map((capture) => capture.file)).toContain(
      '026-sandbox--call-b12-order-sign.json',
    );
    expect(accessTokenOf(loadCaptureByFile('inferno-crd--order-sign.json'))).toBe('SAMPLE_TOKEN');
  });

  it.each(feedbackCaptures.map((capture) => [capture.file, capture] as const))(
    'answers the feedback capture %s with 200 at /cds-services/b12-patient-view/feedback',
    async (_file, capture) => {
      const res = await request(testApp().app)
        .post('/cds-services/b12-patient-view/feedback')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(capture.body));
      expect(res.status).toBe(200);
    },
  );
});
