import type {
  Bundle,
  CodeableConcept,
  Coding,
  Condition,
  FhirResource,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
  Observation,
  ObservationComponent,
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
import { daysBefore, draftOrdersBundle, epochDayOf } from '../support/scenarios.js';
import {
  ATC,
  CONDITION_CLINICAL,
  CONDITION_VERIFICATION,
  ICD10_CM,
  LOINC,
  OBSERVATION_CATEGORY,
  RXNORM,
  SNOMED,
  UCUM,
} from '../../src/fhir/systems.js';

/**
 * Small typed factories for valid FHIR R4 test data, written from the R4 specification (each is
 * checked by the `fhir` validator in factories.test.ts), and a runner for `readPatientFacts` with a
 * fixed evaluation day. Dates are whole UTC days before {@link TODAY}.
 */

export const TODAY = '2026-11-21';
export const TODAY_DAY = epochDayOf(TODAY);
export const PATIENT_ID = 'pat-1';

/** Code systems as EHRs send them under their HL7 OIDs (RULES.md 10.2.1). */
export const OID = {
  loinc: 'urn:oid:2.16.840.1.113883.6.1',
  snomed: 'urn:oid:2.16.840.1.113883.6.96',
  rxnorm: 'urn:oid:2.16.840.1.113883.6.88',
  icd10cm: 'urn:oid:2.16.840.1.113883.6.90',
  icd10: 'urn:oid:2.16.840.1.113883.6.3',
  atc: 'urn:oid:2.16.840.1.113883.6.73',
} as const;

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
/** An ICD-10-CM coding, as US problem lists send them (RULES.md 10.5.1). */
export const icd10cm = (code: string, display?: string): Coding => ({
  system: ICD10_CM,
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

/** A panel component with a LOINC code and a UCUM quantity (RULES.md 10.2.2). */
export const component = (
  code: string,
  display: string,
  value: number,
  unit: string,
  extra: Partial<ObservationComponent> = {},
): ObservationComponent => ({
  code: concept([loinc(code, display)]),
  valueQuantity: quantity(value, unit),
  ...extra,
});

/** A panel component the laboratory could not report: `dataAbsentReason` (RULES.md 10.2.2). */
export const absentComponent = (
  code: string,
  display: string,
  reason = 'error',
): ObservationComponent => ({
  code: concept([loinc(code, display)]),
  dataAbsentReason: concept([
    { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: reason },
  ]),
});

/**
 * A panel (a full blood count, say) whose results are its `component`s, as many EHRs send them
 * (RULES.md 10.2.2): the status, date and `issued` are the panel's.
 */
export function panel(
  code: string,
  display: string,
  components: ObservationComponent[],
  options: LabOptions = {},
  extra: Partial<Observation> = {},
): Observation {
  return plain<Observation>({
    resourceType: 'Observation',
    id: options.id ?? nextId('panel'),
    status: options.status ?? 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory' }] }],
    code: concept([loinc(code, display)]),
    subject: subject(options.patientId ?? PATIENT_ID),
    effectiveDateTime: ago(options.daysAgo ?? 1),
    ...(options.issued === undefined ? {} : { issued: options.issued }),
    component: components,
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
  /** `dateAsserted`: when the patient said so (RULES.md 10.4.2). */
  assertedDaysAgo?: number;
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
    ...(options.assertedDaysAgo === undefined
      ? {}
      : { dateAsserted: ago(options.assertedDaysAgo) }),
  });
}

export interface AdministrationOptions {
  id?: string;
  status?: MedicationAdministration['status'];
  route?: CodeableConcept;
  dose?: Quantity;
}

/** A dose given (`effectiveDateTime`) `daysAgo` days before today (RULES.md 10.4.1). */
export function medicationAdministration(
  medication: CodeableConcept,
  daysAgo: number,
  options: AdministrationOptions = {},
): MedicationAdministration {
  return plain<MedicationAdministration>({
    resourceType: 'MedicationAdministration',
    id: options.id ?? nextId('admin'),
    status: options.status ?? 'completed',
    medicationCodeableConcept: medication,
    subject: subject(PATIENT_ID),
    effectiveDateTime: ago(daysAgo),
    ...(options.route || options.dose
      ? {
          dosage: {
            ...(options.route ? { route: options.route } : {}),
            ...(options.dose ? { dose: options.dose } : {}),
          },
        }
      : {}),
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
  /** `recordedDate` (RULES.md 10.1.3: the date of a pregnancy without onset). */
  recordedDaysAgo?: number;
  /** `abatementDateTime`: when it ended (RULES.md 10.1.3). */
  abatedDaysAgo?: number;
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
    ...(options.abatedDaysAgo === undefined
      ? {}
      : { abatementDateTime: ago(options.abatedDaysAgo) }),
    ...(options.recordedDaysAgo === undefined
      ? {}
      : { recordedDate: ago(options.recordedDaysAgo) }),
  });
}

/** What an examination Observation records about its finding (RULES.md 10.2.5). */
export type FindingValue =
  { valueBoolean: boolean } | { valueCodeableConcept: CodeableConcept } | Record<string, never>;

export const PRESENT = concept([sct('52101004', 'Present')]);
export const ABSENT = concept([sct('2667000', 'Absent')]);
export const YES = concept([sct('373066001', 'Yes')]);
export const NO = concept([sct('373067005', 'No')]);

/**
 * A finding recorded as an examination Observation (RULES.md 10.2.5): its code, and a value
 * (none, a boolean, an answer, or the finding itself as the value).
 */
export function examFinding(
  code: CodeableConcept,
  value: FindingValue,
  daysAgo = 5,
  status: Observation['status'] = 'final',
): Observation {
  return plain<Observation>({
    resourceType: 'Observation',
    id: nextId('exam'),
    status,
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'exam' }] }],
    code,
    subject: subject(PATIENT_ID),
    effectiveDateTime: ago(daysAgo),
    ...value,
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

/** A draft test order under the EHR's own procedure code, named by text (RULES.md 10.7.3). */
export function localServiceRequest(text: string, id: string = nextId('sr')): ServiceRequest {
  return plain<ServiceRequest>({
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'order',
    code: concept(
      [{ system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.696580', code: 'LAB1234' }],
      text,
    ),
    subject: subject(PATIENT_ID),
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
