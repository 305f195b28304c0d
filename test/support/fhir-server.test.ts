import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, FhirResource, Observation, OperationOutcome, Patient } from 'fhir/r4.js';
import { startFhirServer } from './fhir-server.js';
import type { TestFhirServer } from './fhir-server.js';

const obs = (id: string, patient: string, code: string, date: string): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: `Patient/${patient}` },
  code: { coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: date,
});

const fixtures: FhirResource[] = [
  { resourceType: 'Patient', id: 'b12-demo', name: [{ family: 'Demo' }] },
  { resourceType: 'Patient', id: 'other-patient' },
  obs('b12-old', 'b12-demo', '2132-9', '2024-01-10'),
  obs('b12-new', 'b12-demo', '2132-9', '2024-06-10'),
  obs('hb-mid', 'b12-demo', '718-7', '2024-03-10'),
  obs('glucose', 'b12-demo', '2345-7', '2024-05-10'),
  obs('other-b12', 'other-patient', '2132-9', '2024-04-10'),
  {
    resourceType: 'MedicationRequest',
    id: 'metformin',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/b12-demo' },
    medicationCodeableConcept: { text: 'Metformin 500 mg' },
  },
  {
    resourceType: 'Condition',
    id: 't2dm',
    subject: { reference: 'Patient/b12-demo' },
  },
];

const ids = (bundle: Bundle): (string | undefined)[] =>
  (bundle.entry ?? []).map((e) => e.resource?.id);

describe('startFhirServer', () => {
  let server: TestFhirServer;

  beforeAll(async () => {
    server = await startFhirServer(fixtures);
  });
  afterAll(async () => {
    await server.close();
  });

  const get = async (
    path: string,
    init?: RequestInit,
  ): Promise<{ status: number; contentType: string | null; body: never }> => {
    const res = await fetch(`${server.baseUrl}/${path}`, init);
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: (await res.json()) as never,
    };
  };

  it('reads a Patient by id', async () => {
    const { status, contentType, body } = await get('Patient/b12-demo');
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/fhir\+json/);
    expect(body as Patient).toMatchObject({
      resourceType: 'Patient',
      id: 'b12-demo',
      name: [{ family: 'Demo' }],
    });
  });

  it('answers 404 with an OperationOutcome for an unknown id', async () => {
    const { status, body } = await get('Patient/nope');
    expect(status).toBe(404);
    expect((body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  it.each(['patient=b12-demo', 'patient=Patient/b12-demo'])(
    'filters Observations by patient and system|code list, sorted by date desc (%s)',
    async (patientParam) => {
      const { status, body } = await get(
        `Observation?${patientParam}&code=http://loinc.org|2132-9,http://loinc.org|718-7&_sort=-date&_count=100`,
      );
      expect(status).toBe(200);
      const bundle = body as Bundle;
      expect(bundle).toMatchObject({
        resourceType: 'Bundle',
        type: 'searchset',
        total: 3,
      });
      expect(ids(bundle)).toEqual(['b12-new', 'hb-mid', 'b12-old']);
      expect(bundle.link?.find((l) => l.relation === 'next')).toBeUndefined();
      expect(bundle.entry?.[0]?.fullUrl).toBe(`${server.baseUrl}/Observation/b12-new`);
    },
  );

  it('serves the other prefetch searches', async () => {
    expect(ids((await get('MedicationRequest?patient=b12-demo&_count=100')).body)).toEqual([
      'metformin',
    ]);
    expect(ids((await get('Condition?patient=b12-demo')).body)).toEqual(['t2dm']);
    expect(ids((await get('Condition?patient=other-patient')).body)).toEqual([]);
  });

  it('pages with _count=1 through absolute next links on this server', async () => {
    const seen: (string | undefined)[] = [];
    let url: string | undefined =
      `${server.baseUrl}/Observation?patient=b12-demo&_sort=-date&_count=1`;
    while (url) {
      expect(url.startsWith(`${server.baseUrl}/Observation?`)).toBe(true);
      const bundle = (await (await fetch(url)).json()) as Bundle;
      expect(bundle.entry).toHaveLength(1);
      seen.push(...ids(bundle));
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(seen).toEqual(['b12-new', 'glucose', 'hb-mid', 'b12-old']);
  });

  it('records each request with its Authorization header', async () => {
    const before = server.requests.length;
    await get('Patient/b12-demo', {
      headers: { Authorization: 'Bearer test-token' },
    });
    await get('Condition?patient=b12-demo');
    expect(server.requests.slice(before)).toEqual([
      {
        method: 'GET',
        url: '/fhir/Patient/b12-demo',
        authorization: 'Bearer test-token',
      },
      {
        method: 'GET',
        url: '/fhir/Condition?patient=b12-demo',
        authorization: undefined,
      },
    ]);
  });
});

describe('startFhirServer lifecycle', () => {
  it('applies latencyMs before answering', async () => {
    const server = await startFhirServer([], { latencyMs: 150 });
    try {
      const started = Date.now();
      await fetch(`${server.baseUrl}/Patient/none`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await server.close();
    }
  });

  it('close() frees the port', async () => {
    const server = await startFhirServer(fixtures);
    await fetch(`${server.baseUrl}/Patient/b12-demo`); // leave a keep-alive socket open
    await server.close();
    const port = Number(new URL(server.baseUrl).port);

    await expect(fetch(`${server.baseUrl}/Patient/b12-demo`)).rejects.toThrow();
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => probe.close(resolve));
  });
});
