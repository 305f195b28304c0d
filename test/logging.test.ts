import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patient } from 'fhir/r4.js';
import { testApp } from './support/app.js';
import { startFhirServer } from './support/fhir-server.js';
import type { TestFhirServer } from './support/fhir-server.js';
import {
  activeMedication,
  b12Observation,
  completePrefetch,
  demoPatient,
  loadCapture,
  patientViewBody,
} from './support/hook-calls.js';
import type { JsonObject } from './support/hook-calls.js';
import { searchset } from './support/fhir.js';

/**
 * CDS Hooks best practice: "never store, share, or log the FHIR access token" nor the JWT; and the
 * service logs no patient data. One hook call yields exactly one structured 'hook call' line.
 */

const ACCESS_TOKEN = 'secret-token-123';
const PATIENT_ID = 'pt-q7z3k9';
const GIVEN = 'Quintessa';
const FAMILY = 'Zyxwvutsrq';
const JWT = loadCapture('021-sandbox--call-b12-patient-view.json').authorization ?? '';

describe('logging of a hook call', () => {
  let server: TestFhirServer;

  beforeAll(async () => {
    // `conditions` is left out of the prefetch, so the token is really used against this server.
    const stored: Patient = {
      resourceType: 'Patient',
      id: PATIENT_ID,
      name: [{ family: FAMILY, given: [GIVEN] }],
    };
    server = await startFhirServer([stored]);
  });

  afterAll(async () => {
    await server.close();
  });

  async function call(): Promise<{ logLines: string[]; hookInstance: string; status: number }> {
    const { app, logLines } = testApp();
    const hookInstance = 'd3b07384-d9a0-4c9b-8f3e-1a2b3c4d5e6f';
    const body: JsonObject = {
      hook: 'patient-view',
      hookInstance,
      fhirServer: server.baseUrl,
      fhirAuthorization: {
        access_token: ACCESS_TOKEN,
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'patient/*.read',
        subject: 'b12-cds-hooks',
        patient: PATIENT_ID,
      },
      context: { userId: 'Practitioner/COREPRACTITIONER1', patientId: PATIENT_ID },
      prefetch: {
        patient: {
          resourceType: 'Patient',
          id: PATIENT_ID,
          name: [{ family: FAMILY, given: [GIVEN], text: `${GIVEN} ${FAMILY}` }],
          birthDate: '1948-03-02',
        },
        labs: searchset([b12Observation(PATIENT_ID)]),
        meds: searchset([activeMedication(PATIENT_ID)]),
      },
    };
    const res = await request(app)
      .post('/cds-services/b12-patient-view')
      .set('Authorization', JWT)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
    return { logLines, hookInstance, status: res.status };
  }

  it('writes exactly one "hook call" line with serviceId, hookInstance, status, cards, sources and durationMs', async () => {
    const { logLines, hookInstance, status } = await call();
    expect(status).toBe(200);
    const lines = logLines.map((line) => JSON.parse(line) as JsonObject);
    const hookCalls = lines.filter((line) => line.msg === 'hook call');
    expect(hookCalls).toHaveLength(1);
    const line = hookCalls[0] ?? {};
    expect(line).toMatchObject({
      serviceId: 'b12-patient-view',
      hookInstance,
      status: 200,
      sources: {
        patient: 'prefetch',
        labs: 'prefetch',
        meds: 'prefetch',
        conditions: 'fhirServer',
      },
    });
    expect(Array.isArray(line.cards)).toBe(true);
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('used the access token against the FHIR server (so its absence from the log means something)', async () => {
    const before = server.requests.length;
    await call();
    const fetched = server.requests.slice(before);
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.every((r) => r.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
  });

  it('never logs the access token, the client JWT, the patient name or the patient id', async () => {
    expect(JWT).toMatch(/^Bearer ey/);
    const { logLines } = await call();
    expect(logLines.length).toBeGreaterThan(0);
    const log = logLines.join('\n');
    expect(log).not.toContain(ACCESS_TOKEN);
    expect(log).not.toContain(JWT.slice('Bearer '.length));
    for (const part of JWT.slice('Bearer '.length).split('.')) expect(log).not.toContain(part);
    expect(log).not.toContain(GIVEN);
    expect(log).not.toContain(FAMILY);
    expect(log).not.toContain(PATIENT_ID);
    expect(log).not.toContain('1948-03-02');
  });
});

describe('log events of the advice (RULES.md 2.2, 10.1.1): named, with no patient data', () => {
  async function events(prefetch: JsonObject): Promise<JsonObject[]> {
    const { app, logLines } = testApp();
    const body = { ...patientViewBody(), prefetch: { ...completePrefetch(), ...prefetch } };
    await request(app).post('/cds-services/b12-patient-view').send(body).expect(200);
    return logLines
      .map((line) => JSON.parse(line) as JsonObject)
      .filter((line) => line.msg !== 'hook call' && line.serviceId === 'b12-patient-view');
  }

  it('a deceased patient: one deceased_patient line with the service id and nothing of the patient', async () => {
    const lines = await events({ patient: { ...demoPatient(), deceasedDateTime: '2024-02-01' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'deceased_patient', serviceId: 'b12-patient-view' });
    const line = JSON.stringify(lines[0]);
    for (const data of [demoPatient().id ?? '', 'Testpatient', '1948-03-02', '2024-02-01'])
      expect(line).not.toContain(data);
  });

  it('an unreadable result: an unusable_observation line with its id, code, unit and reason', async () => {
    const unreadable = {
      ...b12Observation(),
      id: 'b12-bad-unit',
      valueQuantity: { value: 250, unit: 'IU/L' },
    };
    const lines = await events({ labs: searchset([unreadable]) });
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'unusable_observation',
        id: 'b12-bad-unit',
        code: 'http://loinc.org|2132-9',
        unit: 'IU/L',
        reason: "unit 'IU/L' not recognised",
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('250');
  });
});
