import type {
  Bundle,
  CodeableConcept,
  Coding,
  Condition,
  FhirResource,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Procedure,
  Quantity,
  Reference,
  ServiceRequest,
  TimingRepeat,
} from 'fhir/r4.js';
import { DEFAULT_DATA_RULES } from '../../cds-services/b12/clinical-config.js';
import type { DataRulesConfig } from '../../cds-services/b12/clinical-config.js';
import { readPatientFacts } from '../../cds-services/b12/patient-facts.js';
import type { PatientFacts } from '../../cds-services/b12/patient-facts.js';
import {
  CONDITION_CLINICAL,
  CONDITION_VERIFICATION,
  LOINC,
  OBSERVATION_CATEGORY,
  RXNORM,
  SNOMED,
  UCUM,
} from '../support/fhir-r4.js';
import { daysBefore, draftOrdersBundle, epochDayOf } from '../support/scenarios.js';

/**
 * Small typed factories for valid FHIR R4 test data, written from the R4 specification (each is
 * checked by the `fhir` validator in factories.test.ts), and a runner for `readPatientFacts` with a
 * fixed evaluation day. Dates are whole UTC days before {@link TODAY}.
 */

export const TODAY = '2026-11-21';
export const TODAY_DAY = epochDayOf(TODAY);
export const PATIENT_ID = 'pat-1';
export const ATC = 'http://www.whocc.no/atc';

/** `YYYY-MM-DD`, `days` before {@link TODAY}. */
export const ago = (days: number): string => daysBefore(TODAY, days);
/** The epoch day `days` before {@link TODAY}. */
export const dayAgo = (days: number): number => TODAY_DAY - days;

let sequence = 0;
const nextId = (prefix: string): string => `${prefix}-${String(++sequence)}`;

/** Drops `undefined` members, so that a resource is plain JSON as an EHR would send it. */
function plain<T>(resource: T): T {
  return JSON.parse(JSON.stringify(resource)) as T;
}

const subject = (patientId: string): Reference => ({ reference: `Patient/${patientId}` });

// ---------------------------------------------------------------------------------------------
// Codings

export const loinc = (code: string, display?: string): Coding => ({
  system: LOINC,
  code,
  ...(display === undefined ? {} : { display }),
});
export const sct = (code: string, display?: string): Coding => ({
  system: SNOMED,
  code,
  ...(display === undefined ? {} : { display }),
});
export const rx = (code: string, display?: string): Coding => ({
  system: RXNORM,
  code,
  ...(display === undefined ? {} : { display }),
});
export const atc = (code: string, display?: string): Coding => ({
  system: ATC,
  code,
  ...(display === undefined ? {} : { display }),
});
export const concept = (codings: Coding[], text?: string): CodeableConcept => ({
  ...(codings.length > 0 ? { coding: codings } : {}),
  ...(text === undefined ? {} : { text }),
});
export const textOnly = (text: string): CodeableConcept => ({ text });

export const quantity = (value: number, unit: string, code: string = unit): Quantity => ({
  value,
  unit,
  system: UCUM,
  code,
});

// ---------------------------------------------------------------------------------------------
// Patient

export function patient(overrides: Partial<Patient> = {}): Patient {
  return plain<Patient>({
    resourceType: 'Patient',
    id: PATIENT_ID,
    gender: 'female',
    birthDate: '1960-05-01',
    ...overrides,
  });
}

// ---------------------------------------------------------------------------------------------
// Observations

export interface LabOptions {
  id?: string;
  daysAgo?: number;
  status?: Observation['status'];
  /** UCUM code; `null` for a quantity with a human unit only. */
  code?: string | null;
  comparator?: Quantity['comparator'];
  /** `issued` instant. */
  issued?: string;
  patientId?: string;
}

/** A laboratory result with a LOINC code and a UCUM quantity, `daysAgo` days before today. */
export function lab(
  code: string,
  value: number,
  unit: string,
  options: LabOptions = {},
  extra: Partial<Observation> = {},
): Observation {
  return plain<Observation>({
    resourceType: 'Observation',
    id: options.id ?? nextId('obs'),
    status: options.status ?? 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory' }] }],
    code: concept([loinc(code)]),
    subject: subject(options.patientId ?? PATIENT_ID),
    effectiveDateTime: ago(options.daysAgo ?? 1),
    ...(options.issued === undefined ? {} : { issued: options.issued }),
    valueQuantity: {
      value,
      unit,
      ...(options.comparator === undefined ? {} : { comparator: options.comparator }),
      ...(options.code === null ? {} : { system: UCUM, code: options.code ?? unit }),
    },
    ...extra,
  });
}

export type PregnancyAnswer = 'pregnant' | 'pregnant-loinc' | 'not-pregnant' | 'unknown';

const PREGNANCY_ANSWERS: Readonly<Record<PregnancyAnswer, Coding>> = {
  pregnant: sct('77386006', 'Pregnant'),
  'pregnant-loinc': loinc('LA15173-0', 'Pregnant'),
  'not-pregnant': sct('60001007', 'Not pregnant'),
  unknown: sct('261665006', 'Unknown'),
};

/** A LOINC 82810-3 pregnancy status Observation. */
export function pregnancyStatus(
  answer: PregnancyAnswer,
  daysAgo: number,
  status: Observation['status'] = 'final',
): Observation {
  return plain<Observation>({
    resourceType: 'Observation',
    id: nextId('preg'),
    status,
    code: concept([loinc('82810-3', 'Pregnancy status')]),
    subject: subject(PATIENT_ID),
    effectiveDateTime: ago(daysAgo),
    valueCodeableConcept: concept([PREGNANCY_ANSWERS[answer]]),
  });
}

// ---------------------------------------------------------------------------------------------
// Medications

export interface DosageOptions {
  dose?: Quantity;
  timing?: TimingRepeat;
  route?: CodeableConcept;
  dosageText?: string;
}

export interface MedicationOptions extends DosageOptions {
  id?: string;
  status?: MedicationRequest['status'];
  /** `authoredOn`; `null` for none. */
  startedDaysAgo?: number | null;
  validityStartDaysAgo?: number;
  validityEndDaysAgo?: number;
  /** `medicationReference` instead of a concept. */
  reference?: Reference;
  contained?: Medication[];
  intent?: MedicationRequest['intent'];
  patientId?: string;
}

function dosage(options: DosageOptions): MedicationRequest['dosageInstruction'] {
  const { dose, timing, route, dosageText } = options;
  if (!dose && !timing && !route && dosageText === undefined) return undefined;
  return [
    {
      sequence: 1,
      ...(dosageText === undefined ? {} : { text: dosageText }),
      ...(timing ? { timing: { repeat: timing } } : {}),
      ...(route ? { route } : {}),
      ...(dose ? { doseAndRate: [{ doseQuantity: dose }] } : {}),
    },
  ];
}

/** A MedicationRequest: the medication as a concept, or `options.reference`. */
export function medicationRequest(
  medication: CodeableConcept | undefined,
  options: MedicationOptions = {},
): MedicationRequest {
  const validity =
    options.validityStartDaysAgo === undefined && options.validityEndDaysAgo === undefined
      ? undefined
      : {
          validityPeriod: {
            ...(options.validityStartDaysAgo === undefined
              ? {}
              : { start: ago(options.validityStartDaysAgo) }),
            ...(options.validityEndDaysAgo === undefined
              ? {}
              : { end: ago(options.validityEndDaysAgo) }),
          },
        };
  const started = options.startedDaysAgo === undefined ? 30 : options.startedDaysAgo;
  return plain<MedicationRequest>({
    resourceType: 'MedicationRequest',
    id: options.id ?? nextId('med'),
    ...(options.contained ? { contained: options.contained } : {}),
    status: options.status ?? 'active',
    intent: options.intent ?? 'order',
    ...(options.reference
      ? { medicationReference: options.reference }
      : { medicationCodeableConcept: medication }),
    subject: subject(options.patientId ?? PATIENT_ID),
    ...(started === null ? {} : { authoredOn: ago(started) }),
    dosageInstruction: dosage(options),
    ...(validity ? { dispenseRequest: validity } : {}),
  });
}

/** A draft MedicationRequest as found in `context.draftOrders`. */
export function draftOrder(
  medication: CodeableConcept | undefined,
  options: Omit<MedicationOptions, 'status' | 'startedDaysAgo'> = {},
): MedicationRequest {
  return medicationRequest(medication, { ...options, status: 'draft', startedDaysAgo: 0 });
}

export interface StatementOptions {
  id?: string;
  status?: MedicationStatement['status'];
  startedDaysAgo?: number;
  endedDaysAgo?: number;
}

export function medicationStatement(
  medication: CodeableConcept,
  options: StatementOptions = {},
): MedicationStatement {
  return plain<MedicationStatement>({
    resourceType: 'MedicationStatement',
    id: options.id ?? nextId('stmt'),
    status: options.status ?? 'active',
    medicationCodeableConcept: medication,
    subject: subject(PATIENT_ID),
    ...(options.startedDaysAgo === undefined
      ? {}
      : {
          effectivePeriod: {
            start: ago(options.startedDaysAgo),
            ...(options.endedDaysAgo === undefined ? {} : { end: ago(options.endedDaysAgo) }),
          },
        }),
  });
}

/** A Medication resource, with ingredients when given. */
export function medication(
  id: string,
  code: CodeableConcept,
  ingredients: CodeableConcept[] = [],
): Medication {
  return plain<Medication>({
    resourceType: 'Medication',
    id,
    code,
    ...(ingredients.length > 0
      ? {
          ingredient: ingredients.map((item) => ({ itemCodeableConcept: item, isActive: true })),
        }
      : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Conditions, procedures, orders

export interface ConditionOptions {
  id?: string;
  /** clinicalStatus code; `null` for none. */
  clinical?: string | null;
  /** verificationStatus code; `null` for none. */
  verification?: string | null;
  onsetDaysAgo?: number;
}

export function condition(code: CodeableConcept, options: ConditionOptions = {}): Condition {
  const clinical = options.clinical === undefined ? 'active' : options.clinical;
  const verification = options.verification === undefined ? 'confirmed' : options.verification;
  return plain<Condition>({
    resourceType: 'Condition',
    id: options.id ?? nextId('cond'),
    ...(clinical === null
      ? {}
      : { clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: clinical }] } }),
    ...(verification === null
      ? {}
      : {
          verificationStatus: { coding: [{ system: CONDITION_VERIFICATION, code: verification }] },
        }),
    code,
    subject: subject(PATIENT_ID),
    ...(options.onsetDaysAgo === undefined ? {} : { onsetDateTime: ago(options.onsetDaysAgo) }),
  });
}

export function procedure(
  code: CodeableConcept,
  status: Procedure['status'] = 'completed',
  performedDaysAgo = 2000,
): Procedure {
  return plain<Procedure>({
    resourceType: 'Procedure',
    id: nextId('proc'),
    status,
    code,
    subject: subject(PATIENT_ID),
    performedDateTime: ago(performedDaysAgo),
  });
}

export function serviceRequest(code: string, id: string = nextId('sr')): ServiceRequest {
  return plain<ServiceRequest>({
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'order',
    code: concept([loinc(code)]),
    subject: subject(PATIENT_ID),
  });
}

// ---------------------------------------------------------------------------------------------
// Running the facts layer

export interface FactsOptions {
  /** The Patient resource; `null` for none. Defaults to {@link patient}(). */
  patient?: Patient | null;
  /** The draft orders, sent as `context.draftOrders` (a Bundle). */
  draftOrders?: FhirResource[];
  /** `context.draftOrders` exactly as given (instead of {@link FactsOptions.draftOrders}). */
  draftBundle?: Bundle<FhirResource>;
  selections?: string[];
  config?: DataRulesConfig;
  today?: number;
}

/** `readPatientFacts` on the resources (with a Patient) as of {@link TODAY}. */
export function facts(resources: FhirResource[], options: FactsOptions = {}): PatientFacts {
  const subjectPatient = options.patient === undefined ? patient() : options.patient;
  return readPatientFacts(
    {
      patientId: PATIENT_ID,
      today: options.today ?? TODAY_DAY,
      resources: subjectPatient ? [subjectPatient, ...resources] : resources,
      ...(options.draftBundle
        ? { draftOrders: options.draftBundle }
        : options.draftOrders
          ? { draftOrders: draftOrdersBundle(options.draftOrders) }
          : {}),
      ...(options.selections ? { selections: options.selections } : {}),
    },
    options.config ?? DEFAULT_DATA_RULES,
  );
}

// ---------------------------------------------------------------------------------------------
// Validation
