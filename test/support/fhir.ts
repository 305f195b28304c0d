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
import {
  ATC,
  CONDITION_CATEGORY,
  CONDITION_CLINICAL,
  CONDITION_VERIFICATION,
  DATA_ABSENT_REASON,
  ICD10_CM,
  LOINC,
  OBSERVATION_CATEGORY,
  RXNORM,
  SNOMED,
  UCUM,
} from '../../src/fhir/systems.js';

/**
 * The one builder of FHIR R4 resources for the tests, written from the R4 specification (each
 * builder is checked by the `fhir` validator in fhir.test.ts). Dates are whole UTC days before
 * {@link TODAY}; a test that needs an exact date or any other element passes it in `extra`, which
 * sets it in place: every builder writes the elements it knows in R4 order (unset ones are dropped),
 * so that generated JSON reads as a server sends it.
 */

// ---------------------------------------------------------------------------------------------
// Dates: whole UTC calendar days, never the local time zone.

const MS_PER_DAY = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` as days since 1970-01-01 (UTC). */
export function epochDayOf(isoDay: string): number {
  const match = ISO_DAY.exec(isoDay);
  if (!match) throw new Error(`not a YYYY-MM-DD date: ${isoDay}`);
  const [, year, month, day] = match;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day));
  if (new Date(ms).toISOString().slice(0, 10) !== isoDay) {
    throw new Error(`not a calendar date: ${isoDay}`);
  }
  return ms / MS_PER_DAY;
}

/** Days since 1970-01-01 (UTC) as `YYYY-MM-DD`. */
export function isoDayOf(epochDay: number): string {
  return new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` minus `days` whole days (UTC). */
export function daysBefore(isoDay: string, days: number): string {
  return isoDayOf(epochDayOf(isoDay) - days);
}

/** The same calendar day `years` earlier; 29 February becomes 28 February in a common year. */
export function yearsBefore(isoDay: string, years: number): string {
  const [year, month, day] = isoDay.split('-').map(Number) as [number, number, number];
  const target = year - years;
  const lastDay = new Date(Date.UTC(target, month, 0)).getUTCDate();
  return isoDayOf(Date.UTC(target, month - 1, Math.min(day, lastDay)) / MS_PER_DAY);
}

/**
 * A birth date giving exactly `age` whole years on `today`: half a year before the `age`th
 * birthday, so that the age does not sit on a birthday boundary.
 */
export function birthDateForAge(today: string, age: number): string {
  return daysBefore(yearsBefore(today, age), 182);
}

/** The fixed evaluation day of the tests. */
export const TODAY = '2026-11-21';
export const TODAY_DAY = epochDayOf(TODAY);

/** `YYYY-MM-DD`, `days` before {@link TODAY}. */
export const ago = (days: number): string => daysBefore(TODAY, days);
/** The epoch day `days` before {@link TODAY}. */
export const dayAgo = (days: number): number => TODAY_DAY - days;
const agoOrNone = (days: number | undefined): string | undefined =>
  days === undefined ? undefined : ago(days);

export const PATIENT_ID = 'pat-1';

let sequence = 0;
const nextId = (prefix: string): string => `${prefix}-${String(++sequence)}`;

/** Drops `undefined` members, so that a resource is plain JSON as an EHR would send it. */
function plain<T>(resource: T): T {
  return JSON.parse(JSON.stringify(resource)) as T;
}

const subject = (patientId: string): Reference => ({ reference: `Patient/${patientId}` });

const LABORATORY = [
  { coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory', display: 'Laboratory' }] },
];

// ---------------------------------------------------------------------------------------------
// Codings

/** Code systems as EHRs send them under their HL7 OIDs (RULES.md 10.2.1). */
export const OID = {
  loinc: 'urn:oid:2.16.840.1.113883.6.1',
  snomed: 'urn:oid:2.16.840.1.113883.6.96',
  rxnorm: 'urn:oid:2.16.840.1.113883.6.88',
  icd10cm: 'urn:oid:2.16.840.1.113883.6.90',
  icd10: 'urn:oid:2.16.840.1.113883.6.3',
  atc: 'urn:oid:2.16.840.1.113883.6.73',
} as const;

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

/** A Patient; an override of `undefined` removes a default. */
export function patient(overrides: Partial<Patient> = {}): Patient {
  return plain<Patient>({
    resourceType: 'Patient',
    id: PATIENT_ID,
    identifier: undefined,
    name: undefined,
    gender: 'female',
    birthDate: '1960-05-01',
    ...overrides,
  });
}

// ---------------------------------------------------------------------------------------------
// Observations

export interface LabOptions {
  id?: string;
  /** The LOINC display. */
  display?: string;
  daysAgo?: number;
  status?: Observation['status'];
  /** UCUM code; `null` for a quantity with a human unit only. */
  code?: string | null;
  comparator?: Quantity['comparator'];
  /** `issued` instant. */
  issued?: string;
  patientId?: string;
}

/**
 * A laboratory result with a LOINC code and a UCUM quantity, `daysAgo` days before today; a
 * `value` of `undefined` for a test registered but not yet resulted.
 */
export function lab(
  code: string,
  value: number | undefined,
  unit: string,
  options: LabOptions = {},
  extra: Partial<Observation> = {},
): Observation {
  return plain<Observation>({
    resourceType: 'Observation',
    id: options.id ?? nextId('obs'),
    status: options.status ?? 'final',
    category: LABORATORY,
    code: concept([loinc(code, options.display)]),
    subject: subject(options.patientId ?? PATIENT_ID),
    effectiveDateTime: ago(options.daysAgo ?? 1),
    issued: options.issued,
    valueQuantity:
      value === undefined
        ? undefined
        : {
            value,
            unit,
            comparator: options.comparator,
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
  dataAbsentReason: concept([{ system: DATA_ABSENT_REASON, code: reason }]),
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
    category: LABORATORY,
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
  requester?: Reference;
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
  extra: Partial<MedicationRequest> = {},
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
    authoredOn: started === null ? undefined : ago(started),
    requester: options.requester,
    dosageInstruction: dosage(options),
    dispenseRequest: validity,
    ...extra,
  });
}

/** A draft MedicationRequest as found in `context.draftOrders`. */
export function draftOrder(
  medication: CodeableConcept | undefined,
  options: Omit<MedicationOptions, 'status' | 'startedDaysAgo'> = {},
  extra: Partial<MedicationRequest> = {},
): MedicationRequest {
  return medicationRequest(medication, { ...options, status: 'draft', startedDaysAgo: 0 }, extra);
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
  category?: Coding;
  patientId?: string;
}

/** A problem-list entry, as the category of a Condition. */
export const PROBLEM_LIST_ITEM: Coding = {
  system: CONDITION_CATEGORY,
  code: 'problem-list-item',
  display: 'Problem List Item',
};

export function condition(
  code: CodeableConcept,
  options: ConditionOptions = {},
  extra: Partial<Condition> = {},
): Condition {
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
    category: options.category && [{ coding: [options.category] }],
    code,
    subject: subject(options.patientId ?? PATIENT_ID),
    onsetDateTime: agoOrNone(options.onsetDaysAgo),
    abatementDateTime: agoOrNone(options.abatedDaysAgo),
    recordedDate: agoOrNone(options.recordedDaysAgo),
    ...extra,
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
// Bundles

/** A searchset as a FHIR server answers a (prefetch) query; no `entry` when nothing matched. */
export function searchset(resources: readonly FhirResource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(resources.length > 0
      ? { entry: resources.map((resource) => ({ search: { mode: 'match' as const }, resource })) }
      : {}),
  };
}

/** `context.draftOrders` as CDS Hooks 2.0 sends it: a Bundle of the draft resources. */
export function draftOrdersBundle(drafts: readonly FhirResource[]): Bundle<FhirResource> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: drafts.map((resource) => ({ resource })),
  };
}
