import request from 'supertest';
import type { Response } from 'supertest';
import { describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { patientViewBody } from '../support/hook-calls.js';

/** The CDS Hooks Sandbox's origin in the captures (fixtures/requests/*.json `origin`). */
const ORIGIN = 'http://127.0.0.1:8080';

const PATHS = [
  '/cds-services',
  '/cds-services/b12-patient-view',
  '/cds-services/b12-patient-view/feedback',
];

const listOf = (header: string | undefined): string[] =>
  (header ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);

function expectAllowedOrigin(res: Response): void {
  const allowed = res.headers['access-control-allow-origin'];
  expect(allowed === '*' || allowed === ORIGIN, `Access-Control-Allow-Origin: ${allowed}`).toBe(
    true,
  );
}

async function preflight(
  path: string,
  env: NodeJS.ProcessEnv = {},
  method = 'POST',
): Promise<Response> {
  return request(testApp({ env }).app)
    .options(path)
    .set('Origin', ORIGIN)
    .set('Access-Control-Request-Method', method)
    .set('Access-Control-Request-Headers', 'authorization,content-type');
}

describe('CORS preflight (CDS Hooks 2.0 §CORS: browser clients such as the Sandbox)', () => {
  it.each(PATHS)(
    'answers the OPTIONS preflight for %s with 204 and the origin, methods and headers the Sandbox needs',
    async (path) => {
      const res = await preflight(path);
      expect(res.status).toBe(204);
      expectAllowedOrigin(res);
      const methods = listOf(res.headers['access-control-allow-methods']);
      expect(methods).toEqual(expect.arrayContaining(['get', 'post']));
      const headers = listOf(res.headers['access-control-allow-headers']);
      expect(headers).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    },
  );

  it('answers the preflight for a GET of discovery', async () => {
    const res = await preflight('/cds-services', {}, 'GET');
    expect(res.status).toBe(204);
    expectAllowedOrigin(res);
  });

  it.each(PATHS)(
    'answers the preflight for %s even when CDS_AUTH=required (browsers send no Authorization on a preflight)',
    async (path) => {
      const res = await preflight(path, { CDS_AUTH: 'required' });
      expect(res.status).toBe(204);
      expectAllowedOrigin(res);
      expect(listOf(res.headers['access-control-allow-headers'])).toContain('authorization');
    },
  );

  it('does not allow credentials together with a wildcard origin', async () => {
    const res = await preflight('/cds-services/b12-patient-view');
    if (res.headers['access-control-allow-origin'] === '*') {
      expect(res.headers['access-control-allow-credentials']).not.toBe('true');
    }
  });
});

describe('CORS on actual responses', () => {
  it('puts Access-Control-Allow-Origin on GET /cds-services', async () => {
    const res = await request(testApp().app).get('/cds-services').set('Origin', ORIGIN);
    expect(res.status).toBe(200);
    expectAllowedOrigin(res);
  });

  it('puts Access-Control-Allow-Origin on a successful service call', async () => {
    const res = await request(testApp().app)
      .post('/cds-services/b12-patient-view')
      .set('Origin', ORIGIN)
      .send(patientViewBody());
    expect(res.status).toBe(200);
    expectAllowedOrigin(res);
  });

  it('puts Access-Control-Allow-Origin on a feedback answer', async () => {
    const res = await request(testApp().app)
      .post('/cds-services/b12-patient-view/feedback')
      .set('Origin', ORIGIN)
      .send({
        feedback: [
          { card: 'c-28', outcome: 'overridden', outcomeTimestamp: '2026-11-21T09:16:16.198Z' },
        ],
      });
    expect(res.status).toBe(200);
    expectAllowedOrigin(res);
  });

  it.each([
    ['404 for an unknown service', '/cds-services/no-such-service', patientViewBody(), 404],
    ['400 for an invalid body', '/cds-services/b12-patient-view', { hook: 'patient-view' }, 400],
    [
      '412 for unobtainable data',
      '/cds-services/b12-patient-view',
      { ...patientViewBody(), prefetch: {} },
      412,
    ],
    ['400 for invalid feedback', '/cds-services/b12-patient-view/feedback', { feedback: [] }, 400],
  ])(
    'puts Access-Control-Allow-Origin on error answers too (%s), so the browser can read them',
    async (_name, path, body, status) => {
      const res = await request(testApp().app).post(path).set('Origin', ORIGIN).send(body);
      expect(res.status).toBe(status);
      expectAllowedOrigin(res);
    },
  );

  it('puts Access-Control-Allow-Origin on an unparseable JSON body answer (400)', async () => {
    const res = await request(testApp().app)
      .post('/cds-services/b12-patient-view')
      .set('Origin', ORIGIN)
      .set('Content-Type', 'application/json')
      .send('{');
    expect(res.status).toBe(400);
    expectAllowedOrigin(res);
  });

  it('puts Access-Control-Allow-Origin on the 401 of CDS_AUTH=required', async () => {
    const res = await request(testApp({ env: { CDS_AUTH: 'required' } }).app)
      .get('/cds-services')
      .set('Origin', ORIGIN);
    expect(res.status).toBe(401);
    expectAllowedOrigin(res);
  });
});
