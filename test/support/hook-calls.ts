import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { MedicationRequest, Observation, Patient } from 'fhir/r4.js';
import {
  concept,
  draftOrder,
  draftOrdersBundle,
  lab,
  medicationRequest,
  patient,
  rx,
  searchset,
} from './fhir.js';

/**
 * Builders for CDS Hooks request bodies (their resources from ./fhir.ts) and access to the real
 * captured requests in `fixtures/requests/`. Bodies are plain JSON objects, so tests can break them
 * at will.
 */

export type JsonObject = Record<string, unknown>;

export const PATIENT_ID = 'b12-demo';
export const USER_ID = 'Practitioner/COREPRACTITIONER1';

/** The patient of the demo calls: Bea Testpatient, born 1948. */
export const demoPatient = (id = PATIENT_ID): Patient =>
  patient({ id, name: [{ family: 'Testpatient', given: ['Bea'] }], birthDate: '1948-03-02' });

/** Her total B12 of 180 pg/mL in September 2025. */
export const b12Observation = (patientId = PATIENT_ID): Observation =>
  lab('2132-9', 180, 'pg/mL', { id: 'b12-1', patientId }, { effectiveDateTime: '2025-09-01' });

/** Her metformin, since January 2019. */
export const activeMedication = (patientId = PATIENT_ID): MedicationRequest =>
  medicationRequest(
    concept([rx('861007', 'metformin hydrochloride 500 MG Oral Tablet')]),
    { id: 'mr-metformin', patientId },
    { authoredOn: '2019-01-15' },
  );

/** The folic acid draft of the order hooks. */
export const draftMedication = (patientId = PATIENT_ID, id = 'request-123'): MedicationRequest =>
  draftOrder(concept([rx('310410', 'folic acid 5 MG Oral Tablet')]), { id, patientId });

/**
 * A prefetch that satisfies every key the B12 services declare, so a call needs no FHIR server.
 * `conditions`, `procedures` and `medStatements` are `null`: "no data", never re-queried.
 */
export const completePrefetch = (patientId = PATIENT_ID): JsonObject => ({
  patient: demoPatient(patientId),
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
      draftOrders: draftOrdersBundle([draftMedication(patientId)]),
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
      draftOrders: draftOrdersBundle([draftMedication(patientId)]),
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
