import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { Bundle, FhirResource, MedicationRequest, Observation, Patient } from 'fhir/r4.js';

/**
 * Builders for CDS Hooks request bodies and access to the real captured requests in
 * `fixtures/requests/`. Bodies are plain JSON objects, so tests can break them at will.
 */

export type JsonObject = Record<string, unknown>;

export const PATIENT_ID = 'b12-demo';
export const USER_ID = 'Practitioner/COREPRACTITIONER1';

export const patient = (id = PATIENT_ID): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ family: 'Testpatient', given: ['Bea'] }],
  gender: 'female',
  birthDate: '1948-03-02',
});

export const b12Observation = (patientId = PATIENT_ID): Observation => ({
  resourceType: 'Observation',
  id: 'b12-1',
  status: 'final',
  category: [
    {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/observation-category',
          code: 'laboratory',
        },
      ],
    },
  ],
  code: { coding: [{ system: 'http://loinc.org', code: '2132-9' }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: '2025-09-01',
  valueQuantity: { value: 180, unit: 'pg/mL', system: 'http://unitsofmeasure.org', code: 'pg/mL' },
});

export const activeMedication = (patientId = PATIENT_ID): MedicationRequest => ({
  resourceType: 'MedicationRequest',
  id: 'mr-metformin',
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: {
    coding: [
      {
        system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
        code: '861007',
        display: 'metformin hydrochloride 500 MG Oral Tablet',
      },
    ],
  },
  subject: { reference: `Patient/${patientId}` },
  authoredOn: '2019-01-15',
});

export const draftMedication = (patientId = PATIENT_ID, id = 'request-123'): MedicationRequest => ({
  resourceType: 'MedicationRequest',
  id,
  status: 'draft',
  intent: 'order',
  medicationCodeableConcept: {
    coding: [
      {
        system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
        code: '310410',
        display: 'folic acid 5 MG Oral Tablet',
      },
    ],
  },
  subject: { reference: `Patient/${patientId}` },
  authoredOn: '2026-11-21',
});

export const searchset = (resources: readonly FhirResource[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: resources.length,
  entry: resources.map((resource) => ({ search: { mode: 'match' }, resource })),
});

/**
 * A prefetch that satisfies every key the B12 services declare, so a call needs no FHIR server.
 * `conditions`, `procedures` and `medStatements` are `null`: "no data", never re-queried.
 */
export const completePrefetch = (patientId = PATIENT_ID): JsonObject => ({
  patient: patient(patientId),
  labs: searchset([b12Observation(patientId)]),
  meds: searchset([activeMedication(patientId)]),
  conditions: null,
  procedures: null,
  medStatements: null,
});

export function patientViewBody(patientId = PATIENT_ID): JsonObject {
  return {
    hook: 'patient-view',
    hookInstance: randomUUID(),
    context: { userId: USER_ID, patientId },
    prefetch: completePrefetch(patientId),
  };
}

export function orderSelectBody(patientId = PATIENT_ID): JsonObject {
  return {
    hook: 'order-select',
    hookInstance: randomUUID(),
    context: {
      userId: USER_ID,
      patientId,
      selections: ['MedicationRequest/request-123'],
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: draftMedication(patientId) }],
      },
    },
    prefetch: completePrefetch(patientId),
  };
}

export function orderSignBody(patientId = PATIENT_ID): JsonObject {
  return {
    hook: 'order-sign',
    hookInstance: randomUUID(),
    context: {
      userId: USER_ID,
      patientId,
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: draftMedication(patientId) }],
      },
    },
    prefetch: completePrefetch(patientId),
  };
}

/** A deep copy, for tests that mutate a body. */
export const clone = <T>(value: T): T => structuredClone(value);

export const FIXTURES_DIR = new URL('../../fixtures/requests/', import.meta.url);

export interface Capture {
  file: string;
  /** The client's Authorization header, when the capture recorded one. */
  authorization: string | undefined;
  origin: string | undefined;
  body: JsonObject;
}

/**
 * A captured request: sandbox and CRD request generator files wrap the body with the client's
 * headers; the Inferno files are the plain request body.
 */
export function loadCapture(file: string): Capture {
  const raw = JSON.parse(readFileSync(new URL(file, FIXTURES_DIR), 'utf8')) as JsonObject;
  const wrapped =
    typeof raw.body === 'object' &&
    raw.body !== null &&
    !Array.isArray(raw.body) &&
    !('hook' in raw);
  const body = (wrapped ? raw.body : raw) as JsonObject;
  return {
    file,
    authorization: wrapped && typeof raw.authorization === 'string' ? raw.authorization : undefined,
    origin: wrapped && typeof raw.origin === 'string' ? raw.origin : undefined,
    body,
  };
}

export const captureFiles = (): string[] =>
  readdirSync(FIXTURES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();

export const allCaptures = (): Capture[] => captureFiles().map(loadCapture);
