import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, FhirResource, Observation, Procedure } from 'fhir/r4.js';
import { b12Services } from '../../cds-services/index.js';
import { B12_PREFETCH } from '../../cds-services/b12/index.js';
import { cdsResponse } from '../../src/cds-hooks/cards.js';
import type { CdsResponse } from '../../src/cds-hooks/cards.js';
import { defineService } from '../../src/cds-hooks/service.js';
import type { PrefetchData } from '../../src/cds-hooks/prefetch.js';
import { startFhirServer } from '../support/fhir-server.js';
import type { TestFhirServer } from '../support/fhir-server.js';
import { testApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { LOINC, RXNORM, SNOMED } from '../../src/fhir/systems.js';

/**
 * The B12 prefetch templates run, unchanged, as real R4 searches against an in-memory FHIR server
 * (Medplum), through the service's FHIR fallback (CDS Hooks 2.0 §FHIR Resource Access).
 */

/** A completed total gastrectomy, as an EHR's surgical history records it (RULES.md 2.4). */
const gastrectomy = (id: string, patient: string): Procedure => ({
  resourceType: 'Procedure',
  id,
  status: 'completed',
  subject: { reference: `Patient/${patient}` },
  code: { coding: [{ system: SNOMED, code: '26452005', display: 'Total gastrectomy' }] },
  performedDateTime: '2025-02-10',
});

const observation = (id: string, patient: string, code: string, date: string): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: `Patient/${patient}` },
  code: { coding: [{ system: LOINC, code }] },
  effectiveDateTime: date,
});

/** `YYYY-MM-DD`, `days` before the real today: the service evaluates on the clock's date. */
const daysAgo = (days: number): string =>
  new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

const fixtures: FhirResource[] = [
  { resourceType: 'Patient', id: 'pat-1', birthDate: '1951-03-14' },
  { resourceType: 'Patient', id: 'pat-2', birthDate: '1980-07-01' },
  // pat-1's B12-related laboratory results (LOINC), and one result the B12 rules never read
  observation('b12-old', 'pat-1', '2132-9', '2025-02-01'),
  observation('b12-new', 'pat-1', '2132-9', '2026-10-05'),
  observation('hb', 'pat-1', '718-7', '2026-09-20'),
  observation('plt', 'pat-1', '777-3', '2026-08-11'),
  observation('mma', 'pat-1', '13964-2', '2026-07-02'),
  observation('glucose', 'pat-1', '2345-7', '2026-10-06'),
  // another patient's B12
  observation('b12-pat-2', 'pat-2', '2132-9', '2026-10-04'),
  { resourceType: 'Medication', id: 'med-1', code: { text: 'Omeprazole 20 mg capsule' } },
  { resourceType: 'Medication', id: 'med-2', code: { text: 'Lansoprazole 30 mg capsule' } },
  {
    resourceType: 'MedicationRequest',
    id: 'metformin',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/pat-1' },
    medicationCodeableConcept: {
      coding: [
        { system: RXNORM, code: '861007', display: 'metformin hydrochloride 500 MG Oral Tablet' },
      ],
    },
  },
  {
    resourceType: 'MedicationRequest',
    id: 'ppi',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/pat-1' },
    medicationReference: { reference: 'Medication/med-1' },
  },
  {
    resourceType: 'MedicationRequest',
    id: 'ppi-pat-2',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/pat-2' },
    medicationReference: { reference: 'Medication/med-2' },
  },
  {
    resourceType: 'Condition',
    id: 't2dm',
    subject: { reference: 'Patient/pat-1' },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
  },
  {
    resourceType: 'Condition',
    id: 'asthma-pat-2',
    subject: { reference: 'Patient/pat-2' },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '195967001' }] },
  },
  // Surgical history and patient-reported medicines, of pat-1 and of another patient
  {
    resourceType: 'Procedure',
    id: 'appendectomy',
    status: 'completed',
    subject: { reference: 'Patient/pat-1' },
    code: { coding: [{ system: SNOMED, code: '80146002', display: 'Appendectomy' }] },
  },
  gastrectomy('gastrectomy-pat-2', 'pat-2'),
  { resourceType: 'Medication', id: 'med-3', code: { text: 'Cyanocobalamin 1 mg tablets' } },
  {
    resourceType: 'MedicationStatement',
    id: 'otc-b12',
    status: 'active',
    subject: { reference: 'Patient/pat-1' },
    medicationReference: { reference: 'Medication/med-3' },
  },
  {
    resourceType: 'MedicationStatement',
    id: 'otc-omeprazole-pat-2',
    status: 'active',
    subject: { reference: 'Patient/pat-2' },
    medicationCodeableConcept: { text: 'Omeprazole 20 mg capsules' },
  },
  // pat-3: a total gastrectomy only in the surgical history; pat-4 likewise, taking oral B12
  { resourceType: 'Patient', id: 'pat-3', birthDate: '1962-05-30', gender: 'female' },
  gastrectomy('gastrectomy-pat-3', 'pat-3'),
  { resourceType: 'Patient', id: 'pat-4', birthDate: '1962-05-30', gender: 'female' },
  gastrectomy('gastrectomy-pat-4', 'pat-4'),
  {
    resourceType: 'MedicationStatement',
    id: 'oral-b12-pat-4',
    status: 'active',
    subject: { reference: 'Patient/pat-4' },
    medicationCodeableConcept: { text: 'Cyanocobalamin 1 mg tablets, one daily' },
    effectivePeriod: { start: '2026-10-01' },
  },
  // pat-5: a low total B12 and a paraesthesia found on examination, recorded as an Observation
  { resourceType: 'Patient', id: 'pat-5', birthDate: '1958-02-11', gender: 'male' },
  {
    ...observation('b12-pat-5', 'pat-5', '2132-9', daysAgo(20)),
    valueQuantity: { value: 120, unit: 'ng/L', system: 'http://unitsofmeasure.org', code: 'ng/L' },
  },
  {
    resourceType: 'Observation',
    id: 'paraesthesia-pat-5',
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'exam' },
        ],
      },
    ],
    subject: { reference: 'Patient/pat-5' },
    code: { coding: [{ system: SNOMED, code: '91019004', display: 'Paresthesia' }] },
    valueBoolean: true,
    effectiveDateTime: daysAgo(20),
  },
];

/** pat-1's lab results the B12 template asks for, most recent first (`_sort=-date`). */
const PAT1_LABS = ['b12-new', 'hb', 'plt', 'mma', 'b12-old'];

type Key = keyof typeof B12_PREFETCH;
const KEYS = Object.keys(B12_PREFETCH) as Key[];

/** A test-only patient-view service that keeps the prefetch data it was given. */
function recordingService(
  id: string,
  prefetch: Readonly<Record<string, string>>,
): { service: ReturnType<typeof defineService<'patient-view'>>; calls: PrefetchData[] } {
  const calls: PrefetchData[] = [];
  const service = defineService({
    id,
    hook: 'patient-view',
    title: 'Prefetch recorder (test only)',
    description: 'Records the resolved prefetch data',
    prefetch,
    handler: ({ prefetch: data }) => {
      calls.push(data);
      return cdsResponse([]);
    },
  });
  return { service, calls };
}

const hookCall = (
  app: TestApp,
  serviceId: string,
  fhirServer: string,
  patientId = 'pat-1',
): request.Test =>
  request(app.app)
    .post(`/cds-services/${serviceId}`)
    .set('Content-Type', 'application/json')
    .send({
      hook: 'patient-view',
      hookInstance: randomUUID(),
      fhirServer,
      context: { userId: 'Practitioner/123', patientId },
    });

const ids = (resources: readonly FhirResource[] | undefined): string[] =>
  (resources ?? []).map((resource) => `${resource.resourceType}/${resource.id ?? ''}`);

/** The request path the server sees for a template, with `pat-1` substituted. */
const pathFor = (template: string): string =>
  `/fhir/${template.replaceAll('{{context.patientId}}', 'pat-1')}`;

describe('FHIR fallback against a real FHIR R4 server', () => {
  let server: TestFhirServer;
  let firstRequest = 0;

  beforeAll(async () => {
    server = await startFhirServer(fixtures);
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    firstRequest = server.requests.length;
  });

  /** Requests the server received during this test. */
  const received = (): TestFhirServer['requests'] => server.requests.slice(firstRequest);

  it('b12-patient-view with no prefetch makes exactly one request per declared key', async () => {
    const app = testApp();

    await hookCall(app, 'b12-patient-view', server.baseUrl).expect(200);

    const urls = received().map((r) => `${r.method} ${r.url}`);
    expect(urls.sort()).toEqual(KEYS.map((key) => `GET ${pathFor(B12_PREFETCH[key])}`).sort());
    for (const r of received()) expect(r.authorization).toBeUndefined();
  });

  it('every B12 template is a search the R4 server accepts (200, searchset or Patient)', async () => {
    for (const key of KEYS) {
      const response = await fetch(
        `${server.baseUrl}/${B12_PREFETCH[key].replaceAll('{{context.patientId}}', 'pat-1')}`,
      );
      expect(response.status, key).toBe(200);
      const body = (await response.json()) as FhirResource;
      expect(body.resourceType, key).toBe(key === 'patient' ? 'Patient' : 'Bundle');
      if (body.resourceType === 'Bundle') expect(body.type, key).toBe('searchset');
    }
  });

  it("the B12 templates obtain exactly pat-1's matching resources", async () => {
    const recorder = recordingService('b12-prefetch-recorder', B12_PREFETCH);
    const app = testApp({ services: [...b12Services(), recorder.service] });
    expect(recorder.service.prefetch).toBe(b12Services()[0]?.prefetch);

    await hookCall(app, 'b12-prefetch-recorder', server.baseUrl).expect(200);

    expect(received()).toHaveLength(KEYS.length); // no paging at _count=100
    const data = recorder.calls[0];
    expect(ids(data?.patient)).toEqual(['Patient/pat-1']);
    // every B12 lab of pat-1, newest first; not the glucose result, not pat-2's B12
    expect(ids(data?.labs)).toEqual(PAT1_LABS.map((id) => `Observation/${id}`));
    expect(ids(data?.meds).sort()).toEqual([
      'Medication/med-1',
      'MedicationRequest/metformin',
      'MedicationRequest/ppi',
    ]);
    expect(ids(data?.conditions)).toEqual(['Condition/t2dm']);
    expect(ids(data?.procedures)).toEqual(['Procedure/appendectomy']);
    // with the Medication it references, and not pat-2's statement
    expect(ids(data?.medStatements).sort()).toEqual([
      'Medication/med-3',
      'MedicationStatement/otc-b12',
    ]);
    const metformin = data?.meds?.find((resource) => resource.id === 'metformin');
    expect(metformin).toMatchObject({
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '861007' }] },
    });
    const sources = app.logLines
      .map((line) => JSON.parse(line) as { msg: string; serviceId?: string; sources?: unknown })
      .find((line) => line.msg === 'hook call' && line.serviceId === 'b12-prefetch-recorder');
    expect(sources?.sources).toEqual({
      patient: 'fhirServer',
      labs: 'fhirServer',
      meds: 'fhirServer',
      conditions: 'fhirServer',
      procedures: 'fhirServer',
      medStatements: 'fhirServer',
    });
  });

  it('a gastrectomy Procedure served only by the FHIR server gives b12-prophylaxis-malabsorption (RULES.md 2.4, 5.16)', async () => {
    const response = await hookCall(testApp(), 'b12-patient-view', server.baseUrl, 'pat-3').expect(
      200,
    );

    const cards = (response.body as CdsResponse).cards;
    const prophylaxis = cards.find(
      (card) => card.source.topic?.code === 'b12-prophylaxis-malabsorption',
    );
    expect(prophylaxis?.summary).toMatch(/gastrectomy/i);
    expect(received().map((r) => r.url)).toContain(
      pathFor(B12_PREFETCH.procedures).replace('pat-1', 'pat-3'),
    );
  });

  it('oral B12 in a MedicationStatement served only by the FHIR server counts as B12 therapy: no prophylaxis card (RULES.md 2.3, 10.4.1)', async () => {
    const response = await hookCall(testApp(), 'b12-patient-view', server.baseUrl, 'pat-4').expect(
      200,
    );

    const codes = (response.body as CdsResponse).cards.map((card) => card.source.topic?.code);
    expect(codes).not.toContain('b12-prophylaxis-malabsorption');
    expect(codes).not.toContain('b12-test-consider');
    expect(received().map((r) => r.url)).toContain(
      pathFor(B12_PREFETCH.medStatements).replace('pat-1', 'pat-4'),
    );
  });

  it('a paraesthesia recorded as an exam Observation comes with the labs search: the urgent neurological card, not the loading regimen (RULES.md 10.2.5, 5.7)', async () => {
    const response = await hookCall(testApp(), 'b12-patient-view', server.baseUrl, 'pat-5').expect(
      200,
    );

    const codes = (response.body as CdsResponse).cards.map((card) => card.source.topic?.code);
    expect(codes).toContain('b12-deficiency-neuro-urgent');
    expect(codes).not.toContain('b12-deficiency-treat');
  });

  it('_include=MedicationRequest:medication brings the referenced Medication, and only it', async () => {
    const recorder = recordingService('meds-recorder', { meds: B12_PREFETCH.meds });
    const app = testApp({ services: [recorder.service] });

    await hookCall(app, 'meds-recorder', server.baseUrl).expect(200);

    const meds = recorder.calls[0]?.meds ?? [];
    const medication = meds.find((resource) => resource.resourceType === 'Medication');
    expect(medication).toMatchObject({ id: 'med-1', code: { text: 'Omeprazole 20 mg capsule' } });
    expect(ids(meds)).not.toContain('Medication/med-2');
    expect(ids(meds)).not.toContain('MedicationRequest/ppi-pat-2');

    // The server itself marks it as an included resource, so the parameter was understood.
    const bundle = (await (
      await fetch(
        `${server.baseUrl}/${B12_PREFETCH.meds.replace('{{context.patientId}}', 'pat-1')}`,
      )
    ).json()) as Bundle;
    expect(
      bundle.entry?.filter((entry) => entry.search?.mode === 'include').map((e) => e.resource?.id),
    ).toEqual(['med-1']);
  });

  it("follows the real server's next links: a labs template with _count=2 returns all of pat-1's labs", async () => {
    const pagedLabs = B12_PREFETCH.labs.replace('_count=100', '_count=2');
    expect(pagedLabs).toContain('_count=2');
    const recorder = recordingService('paged-labs', { labs: pagedLabs });
    const app = testApp({ services: [recorder.service] });

    await hookCall(app, 'paged-labs', server.baseUrl).expect(200);

    expect(ids(recorder.calls[0]?.labs)).toEqual(PAT1_LABS.map((id) => `Observation/${id}`));
    // five results at two a page: three requests, the first one the template itself
    const urls = received().map((r) => r.url);
    expect(urls).toHaveLength(3);
    expect(urls[0]).toBe(pathFor(pagedLabs));
    expect(urls.slice(1)).toEqual([
      expect.stringContaining('_offset=2'),
      expect.stringContaining('_offset=4'),
    ]);
  });

  it('a labs search that needs more pages than FHIR_MAX_PAGES is a 412 naming prefetch.labs', async () => {
    const recorder = recordingService('paged-labs', {
      labs: B12_PREFETCH.labs.replace('_count=100', '_count=2'),
    });
    const app = testApp({ env: { FHIR_MAX_PAGES: '2' }, services: [recorder.service] });

    const response = await hookCall(app, 'paged-labs', server.baseUrl).expect(412);

    expect(response.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'too-costly', expression: ['prefetch.labs'] }],
    });
    expect(received()).toHaveLength(2);
    expect(recorder.calls).toHaveLength(0);
  });
});
