import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { defineService } from '../../src/cds-hooks/service.js';
import { testApp } from '../support/app.js';
import { expectOperationOutcome, findEmptyValues } from '../support/conformance.js';

interface DiscoveryService {
  id: string;
  hook: string;
  title: string;
  description: string;
  prefetch?: Record<string, string>;
  usageRequirements?: string;
}

interface Discovery {
  services: DiscoveryService[];
}

const SERVICE_FIELDS = ['hook', 'title', 'description', 'id', 'prefetch', 'usageRequirements'];

/** Tokens a prefetch template may contain (CDS Hooks 2.0 §Prefetch tokens, CDS Hooks Library 1.0.1). */
const ALLOWED_TOKEN =
  /^\{\{(context\.(patientId|userId|encounterId)|userPractitionerId|userPractitionerRoleId|userPatientId|userRelatedPersonId)\}\}$/;

async function discover(app = testApp().app): Promise<Discovery> {
  const res = await request(app).get('/cds-services').expect(200);
  return res.body as Discovery;
}

describe('GET /cds-services (discovery)', () => {
  it('answers 200 application/json with an object holding only a services array', async () => {
    const res = await request(testApp().app).get('/cds-services');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['services']);
    expect(Array.isArray(body.services)).toBe(true);
  });

  it('lists exactly b12-patient-view, b12-order-select and b12-order-sign with their hooks', async () => {
    const { services } = await discover();
    const pairs = services.map(({ id, hook }) => [id, hook]);
    expect(pairs.sort()).toEqual([
      ['b12-order-select', 'order-select'],
      ['b12-order-sign', 'order-sign'],
      ['b12-patient-view', 'patient-view'],
    ]);
  });

  it('gives every service id, hook, title, description and prefetch, and no other field', async () => {
    const { services } = await discover();
    for (const service of services) {
      for (const field of ['id', 'hook', 'title', 'description'] as const) {
        expect(typeof service[field], `${service.id}.${field}`).toBe('string');
        expect(service[field].trim(), `${service.id}.${field}`).not.toBe('');
      }
      expect(service.prefetch, `${service.id}.prefetch`).toBeTypeOf('object');
      expect(Object.keys(service).filter((key) => !SERVICE_FIELDS.includes(key))).toEqual([]);
    }
  });

  it('has no null, "", [] or {} anywhere in the discovery document', async () => {
    const discovery = await discover();
    expect(findEmptyValues(discovery.services, '$.services')).toEqual([]);
  });

  it('writes prefetch templates as relative R4 queries sorted with _sort=-date, never sort:desc', async () => {
    const { services } = await discover();
    const templates = services.flatMap((service) => Object.values(service.prefetch ?? {}));
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) {
      expect(typeof template).toBe('string');
      expect(template, template).not.toMatch(/^(\/|https?:)/);
      // The spec's own example `sort:desc=date` is DSTU2 syntax; R4 is `_sort=-date`.
      expect(template, template).not.toMatch(/(^|[?&])sort[:=]/);
      expect(template, template).not.toMatch(/:desc|:asc/);
    }
    const sorted = templates.filter((template) => template.includes('_sort='));
    expect(sorted.length).toBeGreaterThan(0);
    for (const template of sorted) expect(template).toMatch(/[?&]_sort=-date(&|$)/);
  });

  it('uses only {{context.patientId}}-style and user tokens in prefetch templates', async () => {
    const { services } = await discover();
    for (const service of services) {
      for (const [key, template] of Object.entries(service.prefetch ?? {})) {
        const tokens = template.match(/\{\{[^}]*\}\}/g) ?? [];
        for (const token of tokens) expect(token, `${service.id}.${key}`).toMatch(ALLOWED_TOKEN);
        // A patient-scoped query names the patient through the context token only.
        expect(template, `${service.id}.${key}`).toContain('{{context.patientId}}');
        // No stray braces outside complete tokens.
        expect(template.replace(/\{\{[^}]*\}\}/g, ''), `${service.id}.${key}`).not.toMatch(/[{}]/);
      }
    }
  });

  it('declares the same six B12 keys on every service: patient, labs, meds, conditions, procedures (RULES.md 2.4) and medStatements (10.4.1)', async () => {
    const { services } = await discover();
    for (const service of services) {
      expect(Object.keys(service.prefetch ?? {}), service.id).toEqual([
        'patient',
        'labs',
        'meds',
        'conditions',
        'procedures',
        'medStatements',
      ]);
      expect(service.prefetch?.procedures).toBe(
        'Procedure?patient={{context.patientId}}&_count=100',
      );
      expect(service.prefetch?.medStatements).toBe(
        'MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication&_count=100',
      );
      // Not narrowable by date in CDS Hooks 2.0, so not declared (cds-services/b12/prefetch.ts).
      for (const template of Object.values(service.prefetch ?? {})) {
        expect(template).not.toMatch(/^MedicationAdministration/);
      }
    }
  });

  it('is derived from the service registry: a custom list shows exactly those services', async () => {
    const custom = defineService({
      id: 'test-only-service',
      hook: 'order-sign',
      title: 'Test only',
      description: 'A service that exists only in this test',
      prefetch: { patient: 'Patient/{{context.patientId}}' },
      handler: () => ({ cards: [] }),
    });
    const { services } = await discover(testApp({ services: [custom] }).app);
    expect(services).toEqual([
      {
        hook: 'order-sign',
        title: 'Test only',
        description: 'A service that exists only in this test',
        id: 'test-only-service',
        prefetch: { patient: 'Patient/{{context.patientId}}' },
      },
    ]);
  });

  it('omits prefetch (no empty object) for a service that declares no templates', async () => {
    const bare = defineService({
      id: 'no-prefetch',
      hook: 'patient-view',
      title: 'No prefetch',
      description: 'Declares no prefetch templates',
      prefetch: {},
      handler: () => ({ cards: [] }),
    });
    const { services } = await discover(testApp({ services: [bare] }).app);
    expect(services).toHaveLength(1);
    expect(services[0]).not.toHaveProperty('prefetch');
  });

  it('answers 200 with an empty services array when no service is registered', async () => {
    expect(await discover(testApp({ services: [] }).app)).toEqual({ services: [] });
  });

  it('answers POST /cds-services with 405, an Allow header naming GET and an OperationOutcome', async () => {
    const res = await request(testApp().app).post('/cds-services').send({});
    expectOperationOutcome(res, 405);
    expect(res.headers.allow).toMatch(/\bGET\b/);
    expect(res.headers.allow).not.toMatch(/\bPOST\b/);
  });

  it('answers GET on a service URL with 405 and an Allow header naming POST', async () => {
    const res = await request(testApp().app).get('/cds-services/b12-patient-view');
    expectOperationOutcome(res, 405);
    expect(res.headers.allow).toMatch(/\bPOST\b/);
  });
});

describe('other paths', () => {
  it('answers GET /healthz with 200', async () => {
    const res = await request(testApp().app).get('/healthz');
    expect(res.status).toBe(200);
  });

  it.each(['/', '/nope', '/cds-services/b12-patient-view/feedback/extra', '/.well-known/x'])(
    'answers 404 with an OperationOutcome for an unknown path (%s)',
    async (path) => {
      const res = await request(testApp().app).get(path);
      expectOperationOutcome(res, 404);
      expect(res.body).toMatchObject({ issue: [{ code: 'not-found' }] });
    },
  );
});
