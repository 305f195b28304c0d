import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resource } from 'fhir/r4.js';
import { DEFAULT_CLINICAL_CONFIG } from '../../cds-services/b12/index.js';
import type { ClinicalConfig } from '../../cds-services/b12/index.js';
import { b12Services } from '../../cds-services/index.js';
import type { ChartData } from '../../demo/chart-types.js';
import { readFixturePatients } from '../../demo/fixture-patients.js';
import { demoRouter } from '../../demo/router.js';
import { demoClientScript } from '../support/release.js';
import { loadConfig } from '../../src/main/config.js';
import { testApp } from '../support/app.js';
import { startFhirServer } from '../support/fhir-server.js';
import type { TestFhirServer } from '../support/fhir-server.js';

/** The demo EHR page's routes (demo/router.ts): served offline, only where enabled. */

const NOW = new Date('2026-11-21T09:30:00Z');

function appWithDemo(env: NodeJS.ProcessEnv = {}, clinical = DEFAULT_CLINICAL_CONFIG): Express {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const services = b12Services(clinical);
  const demo = demoRouter({
    config,
    clinicalConfig: clinical,
    services,
    now: () => NOW,
    clientScript: demoClientScript(),
  });
  return testApp({ env, services, demo, now: NOW }).app;
}

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(`fixtures/cards/${name}.json`, 'utf8'));

describe('/demo is served only where enabled', () => {
  it('is on by default outside production', async () => {
    await request(appWithDemo()).get('/demo/').expect(200).expect('content-type', /html/);
  });

  it("redirects /demo to /demo/, relative, so the page's relative links resolve", async () => {
    await request(appWithDemo()).get('/demo').expect(301).expect('location', 'demo/');
  });

  it.each<[string, NodeJS.ProcessEnv]>([
    ['in production by default', { NODE_ENV: 'production', CDS_AUTH: 'off' }],
    ['with DEMO_PAGE=off', { DEMO_PAGE: 'off' }],
  ])('is not served %s', async (_name, env) => {
    const res = await request(appWithDemo(env)).get('/demo').expect(404);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome' });
  });
});

describe('the page works offline', () => {
  let app: Express;
  beforeAll(() => {
    app = appWithDemo();
  });

  it('loads its script and styles from the service itself, nothing from elsewhere', async () => {
    const page = (await request(app).get('/demo/').expect(200)).text;
    expect(page).toContain('<script type="module" src="app.js">');
    expect(page).toContain('<link rel="stylesheet" href="demo.css" />');
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    const css = (await request(app).get('/demo/demo.css').expect(200).expect('content-type', /css/))
      .text;
    expect(css).not.toMatch(/url\(|@import/);
    const script = (
      await request(app)
        .get('/demo/app.js')
        .expect(200)
        .expect('content-type', /javascript/)
    ).text;
    // One bundle: no module is fetched at run time.
    expect(script).not.toMatch(/^\s*import\s/m);
    expect(script).toContain('renderCard');
  });

  it('lists every fixture patient with the service date', async () => {
    const res = await request(app).get('/demo/api/patients').expect(200);
    const body = res.body as { today: string; patients: { id: string }[] };
    expect(body.today).toBe('2026-11-21');
    const ids = body.patients.map((patient) => patient.id);
    expect(ids).toEqual(readFixturePatients().map((patient) => patient.id));
    expect(ids).toContain('cards/folate-order-b12-untreated');
    expect(body.patients[0]).not.toHaveProperty('request');
  });

  it('hands out a fixture as its hook request, and 404 for an unknown one', async () => {
    const res = await request(app).get('/demo/api/patients/cards/b12-deficiency-treat').expect(200);
    expect(res.body).toEqual(fixture('b12-deficiency-treat'));
    const missing = await request(app).get('/demo/api/patients/cards/nope').expect(404);
    expect(missing.body).toMatchObject({ resourceType: 'OperationOutcome' });
  });
});

describe('POST /demo/api/chart: the results the rules read, with their thresholds', () => {
  it('gives every usable result in canonical units, oldest first', async () => {
    const app = appWithDemo();
    const res = await request(app)
      .post('/demo/api/chart')
      .send(fixture('combined-b12-folate-deficiency') as object)
      .expect(200);
    const chart = res.body as ChartData;
    expect(chart.today).toBe('2026-11-21');
    expect(chart.series.map((series) => series.analyte)).toEqual([
      'totalB12',
      'activeB12',
      'methylmalonicAcid',
      'haemoglobin',
      'mcv',
      'platelets',
    ]);
    const b12 = chart.series[0];
    // 96 pmol/L reported is 130.1 ng/L (RULES.md 3).
    expect(b12?.points.at(-1)).toMatchObject({
      reported: '96 pmol/L',
      shown: '130.1 ng/L',
      diagnostic: true,
    });
    expect(b12?.points.at(-1)?.value).toBeCloseTo(130.1, 1);
    const hb = chart.series.find((series) => series.analyte === 'haemoglobin');
    expect(hb?.points.at(-1)).toMatchObject({ value: 91, reported: '9.1 g/dL' });
    for (const series of chart.series) {
      const dates = series.points.map((point) => point.date);
      expect(dates).toEqual([...dates].sort());
    }
  });

  it('draws the bands from the running clinical configuration', async () => {
    const clinical: ClinicalConfig = {
      ...DEFAULT_CLINICAL_CONFIG,
      thresholds: { ...DEFAULT_CLINICAL_CONFIG.thresholds, b12TotalConfirmedBelow: 200 },
    };
    const res = await request(appWithDemo({}, clinical))
      .post('/demo/api/chart')
      .send(fixture('b12-deficiency-treat') as object)
      .expect(200);
    const chart = res.body as ChartData;
    expect(chart.series[0]?.bands).toEqual([
      { below: 200, label: 'deficiency confirmed', tone: 'alert' },
      { from: 200, below: 350, label: 'indeterminate', tone: 'caution' },
    ]);
    const platelets = chart.series.find((series) => series.analyte === 'platelets');
    expect(platelets?.bands.map((band) => band.label)).toEqual([
      'avoid IM injection',
      'IM injection: caution',
    ]);
  });

  it('draws the medicines that matter as bars: current ones open, past ones with their end', async () => {
    const res = await request(appWithDemo())
      .post('/demo/api/chart')
      .send(fixture('b12-review-due') as object)
      .expect(200);
    const chart = res.body as ChartData;
    expect(chart.exposures).toContainEqual(
      expect.objectContaining({ lane: 'B12 therapy', start: '2026-06-15', current: true }),
    );
  });

  it('refuses a body that is no hook request (400) and one without data (412)', async () => {
    const app = appWithDemo();
    const bad = await request(app).post('/demo/api/chart').send({ hook: 'x' }).expect(400);
    expect(bad.body).toMatchObject({ resourceType: 'OperationOutcome' });
    const noData = await request(app)
      .post('/demo/api/chart')
      .send({
        hook: 'patient-view',
        hookInstance: randomUUID(),
        context: { userId: 'Practitioner/1', patientId: 'p1' },
      })
      .expect(412);
    expect(noData.body).toMatchObject({ resourceType: 'OperationOutcome' });
  });
});

describe('POST /demo/api/chart without prefetch', () => {
  const source = fixture('b12-deficiency-treat') as {
    context: { patientId: string };
    prefetch: Record<string, { entry?: { resource: Resource }[] } & Resource>;
  };
  const resources = [
    source.prefetch.patient as Resource,
    ...['labs', 'meds', 'conditions'].flatMap(
      (key) => source.prefetch[key]?.entry?.map((entry) => entry.resource) ?? [],
    ),
  ];
  let fhir: TestFhirServer;
  beforeAll(async () => {
    fhir = await startFhirServer(resources);
  });
  afterAll(async () => {
    await fhir.close();
  });
  const withoutPrefetch = (): Record<string, unknown> => ({
    hook: 'patient-view',
    hookInstance: randomUUID(),
    fhirServer: fhir.baseUrl,
    context: { userId: 'Practitioner/1', patientId: source.context.patientId },
  });

  it('reads the patient from the FHIR server, as patient-view would, in development', async () => {
    const res = await request(appWithDemo())
      .post('/demo/api/chart')
      .send(withoutPrefetch())
      .expect(200);
    expect((res.body as ChartData).series[0]?.points.map((point) => point.value)).toEqual([142]);
    expect(fhir.requests.length).toBeGreaterThan(0);
  });

  it('never calls a FHIR server when clients must authenticate (the demo routes cannot)', async () => {
    const before = fhir.requests.length;
    const res = await request(
      appWithDemo({ CDS_AUTH: 'required', DEMO_PAGE: 'on', FHIR_ALLOW_HTTP: 'true' }),
    )
      .post('/demo/api/chart')
      .send(withoutPrefetch())
      .expect(412);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(fhir.requests.length).toBe(before);
  });
});
