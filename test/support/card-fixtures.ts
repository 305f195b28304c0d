import { createHash } from 'node:crypto';
import type {
  CodeableConcept,
  Condition,
  MedicationRequest,
  Observation,
  Patient,
  TimingRepeat,
} from 'fhir/r4.js';
import { CARD_CATALOG } from '../../cds-services/b12/index.js';
import type { CardCode } from '../../cds-services/b12/index.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import { OBSERVATION_INTERPRETATION } from '../../src/fhir/systems.js';
import {
  PROBLEM_LIST_ITEM,
  atc,
  concept,
  condition,
  draftOrdersBundle,
  lab,
  loinc,
  medicationRequest,
  patient,
  quantity,
  rx,
  sct,
  searchset,
} from './fhir.js';

/**
 * One realistic CDS Hooks request per card of the catalog: `fixtures/cards/<card-code>.json`.
 *
 * Each is the request body an EHR would send on the evaluation date {@link EVALUATION_DATE}
 * (hook, hookInstance, context, and the complete prefetch of the six B12 templates), with valid
 * FHIR R4 resources, real LOINC/RxNorm/SNOMED CT codes and displays, and the mixture of units real
 * laboratories report (B12 in ng/L, pg/mL, ng/mL or pmol/L; Hb in g/dL or g/L; ...). The files are
 * generated from this module, so they stay stable and consistent:
 *
 *     npx tsx test/support/make-card-fixtures.ts
 *
 * and test/fixtures.test.ts fails when a committed file differs from what this module produces.
 */

export const EVALUATION_DATE = '2026-11-21';
export const FIXTURES_DIR = new URL('../../fixtures/cards/', import.meta.url);

const USER_ID = 'Practitioner/prac-gp-1187';
const REQUESTER = { reference: USER_ID, display: 'Dr Hannah Lowe' };
const MRN_SYSTEM = 'https://ehr.example.org/fhir/sid/mrn';

// ---------------------------------------------------------------------------------------------
// Patients

interface PatientSpec {
  id: string;
  mrn: string;
  given: string;
  family: string;
  gender: 'male' | 'female';
  birthDate: string;
}

function patientResource(spec: PatientSpec): Patient {
  return patient({
    id: spec.id,
    identifier: [{ use: 'usual', system: MRN_SYSTEM, value: spec.mrn }],
    name: [{ use: 'official', family: spec.family, given: [spec.given] }],
    gender: spec.gender,
    birthDate: spec.birthDate,
  });
}

// ---------------------------------------------------------------------------------------------
// Laboratory results

interface UnitDef {
  /** UCUM code. */
  code: string;
  /** What the laboratory prints. */
  unit: string;
  loinc: string;
  display: string;
  low?: number;
  high?: number;
}

const B12_MASS = 'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma';
const B12_MOLES = 'Cobalamin (Vitamin B12) [Moles/volume] in Serum or Plasma';
const FOLATE_MASS = 'Folate [Mass/volume] in Serum or Plasma';
const FOLATE_MOLES = 'Folate [Moles/volume] in Serum or Plasma';
const EGFR_CKD_EPI_2021 =
  'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)';
const EGFR_MDRD =
  'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)';

/** Analyte → unit → LOINC code, display and the laboratory's reference interval. */
const UNITS = {
  totalB12: {
    'ng/L': { code: 'ng/L', unit: 'ng/L', loinc: '2132-9', display: B12_MASS, low: 180, high: 914 },
    'pg/mL': {
      code: 'pg/mL',
      unit: 'pg/mL',
      loinc: '2132-9',
      display: B12_MASS,
      low: 197,
      high: 771,
    },
    'ng/mL': {
      code: 'ng/mL',
      unit: 'ng/mL',
      loinc: '2132-9',
      display: B12_MASS,
      low: 0.18,
      high: 0.914,
    },
    'pmol/L': {
      code: 'pmol/L',
      unit: 'pmol/L',
      loinc: '14685-2',
      display: B12_MOLES,
      low: 145,
      high: 569,
    },
  },
  activeB12: {
    'pmol/L': {
      code: 'pmol/L',
      unit: 'pmol/L',
      loinc: '72160-5',
      display: 'Holotranscobalamin [Moles/volume] in Serum or Plasma',
      low: 25,
      high: 165,
    },
  },
  mma: {
    'nmol/L': {
      code: 'nmol/L',
      unit: 'nmol/L',
      loinc: '13964-2',
      display: 'Methylmalonate [Moles/volume] in Serum or Plasma',
      high: 400,
    },
  },
  hb: {
    'g/dL': {
      code: 'g/dL',
      unit: 'g/dL',
      loinc: '718-7',
      display: 'Hemoglobin [Mass/volume] in Blood',
    },
    'g/L': {
      code: 'g/L',
      unit: 'g/L',
      loinc: '718-7',
      display: 'Hemoglobin [Mass/volume] in Blood',
    },
  },
  mcv: {
    fL: {
      code: 'fL',
      unit: 'fL',
      loinc: '787-2',
      display: 'MCV [Entitic volume] by Automated count',
      low: 80,
      high: 100,
    },
  },
  platelets: {
    '10*3/uL': {
      code: '10*3/uL',
      unit: 'x10^3/uL',
      loinc: '777-3',
      display: 'Platelets [#/volume] in Blood by Automated count',
      low: 150,
      high: 400,
    },
    '10*9/L': {
      code: '10*9/L',
      unit: 'x10^9/L',
      loinc: '777-3',
      display: 'Platelets [#/volume] in Blood by Automated count',
      low: 150,
      high: 400,
    },
  },
  folate: {
    'ng/mL': {
      code: 'ng/mL',
      unit: 'ng/mL',
      loinc: '2284-8',
      display: FOLATE_MASS,
      low: 3.9,
      high: 26.8,
    },
    'nmol/L': {
      code: 'nmol/L',
      unit: 'nmol/L',
      loinc: '14732-2',
      display: FOLATE_MOLES,
      low: 8.8,
      high: 60.8,
    },
  },
  egfr: {
    'CKD-EPI 2021': {
      code: 'mL/min/{1.73_m2}',
      unit: 'mL/min/1.73m2',
      loinc: '98979-8',
      display: EGFR_CKD_EPI_2021,
      low: 60,
    },
    MDRD: {
      code: 'mL/min/{1.73_m2}',
      unit: 'mL/min/1.73m2',
      loinc: '33914-3',
      display: EGFR_MDRD,
      low: 60,
    },
  },
} as const satisfies Record<string, Record<string, UnitDef>>;

/** Hb reference intervals by sex (g/L); other units are scaled. */
const HB_RANGE = { female: [120, 155], male: [130, 170] } as const;

type Units = typeof UNITS;
type Analyte = keyof Units;

interface LabSpec {
  id: string;
  analyte: Analyte;
  /** A unit of {@link UNITS} for the analyte (the `lab` helper checks it at compile time). */
  unit: string;
  /** Omitted for a test that is registered but not yet resulted. */
  value?: number;
  /** `YYYY-MM-DDThh:mm:ssZ` of the sample. */
  collected: string;
  status?: Observation['status'];
  /** The printed unit when the laboratory's system sends one that contradicts its UCUM code. */
  printedUnit?: string;
}

/** The result's date plus some hours: when the laboratory released it. */
function issuedAfter(collected: string): string {
  const released = new Date(Date.parse(collected) + 7 * 3_600_000);
  return released.toISOString().replace('.000Z', 'Z');
}

function labResource(spec: LabSpec, subject: PatientSpec): Observation {
  const def = (UNITS[spec.analyte] as Record<string, UnitDef | undefined>)[spec.unit];
  if (!def) throw new Error(`no unit ${spec.unit} for ${spec.analyte}`);
  let { low, high } = def;
  if (spec.analyte === 'hb') {
    const factor = def.code === 'g/dL' ? 0.1 : 1;
    [low, high] = HB_RANGE[subject.gender].map((limit) => Math.round(limit * factor * 10) / 10);
  }
  const range =
    low === undefined && high === undefined
      ? undefined
      : {
          ...(low === undefined ? {} : { low: quantity(low, def.unit, def.code) }),
          ...(high === undefined ? {} : { high: quantity(high, def.unit, def.code) }),
        };
  const flag =
    spec.value === undefined
      ? undefined
      : low !== undefined && spec.value < low
        ? { code: 'L', display: 'Low' }
        : high !== undefined && spec.value > high
          ? { code: 'H', display: 'High' }
          : { code: 'N', display: 'Normal' };
  const status = spec.status ?? 'final';
  return lab(
    def.loinc,
    spec.value,
    spec.printedUnit ?? def.unit,
    {
      id: spec.id,
      status,
      code: def.code,
      issued: status === 'registered' ? undefined : issuedAfter(spec.collected),
      patientId: subject.id,
    },
    {
      code: concept([loinc(def.loinc, def.display)], def.display),
      effectiveDateTime: spec.collected,
      ...(flag
        ? { interpretation: [{ coding: [{ system: OBSERVATION_INTERPRETATION, ...flag }] }] }
        : {}),
      ...(range && spec.value !== undefined ? { referenceRange: [range] } : {}),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Medications

const ROUTES = {
  IM: sct('78421000', 'Intramuscular route'),
  oral: sct('26643006', 'Oral route'),
} as const;

interface MedSpec {
  id: string;
  status: MedicationRequest['status'];
  /** RxNorm product; or an ATC code with the UK product's name (dm+d is not mapped, RULES.md 7.2). */
  rxnorm?: { code: string; display: string };
  atc?: { code: string; display: string };
  text: string;
  authoredOn: string;
  dosage: {
    text: string;
    route: keyof typeof ROUTES;
    doseMg: number;
    repeat: TimingRepeat;
  };
}

function medicationConcept(spec: MedSpec): CodeableConcept {
  return concept(
    [
      ...(spec.rxnorm ? [rx(spec.rxnorm.code, spec.rxnorm.display)] : []),
      ...(spec.atc ? [atc(spec.atc.code, spec.atc.display)] : []),
    ],
    spec.text,
  );
}

function medicationResource(spec: MedSpec, subject: PatientSpec): MedicationRequest {
  const { doseMg } = spec.dosage;
  return medicationRequest(
    medicationConcept(spec),
    {
      id: spec.id,
      status: spec.status,
      patientId: subject.id,
      requester: REQUESTER,
      dosageText: spec.dosage.text,
      timing: spec.dosage.repeat,
      route: concept([ROUTES[spec.dosage.route]]),
      dose: doseMg < 1 ? quantity(doseMg * 1000, 'microgram', 'ug') : quantity(doseMg, 'mg'),
    },
    {
      authoredOn: spec.authoredOn,
      // A prescription is valid from its writing; a draft is not yet one.
      dispenseRequest:
        spec.status === 'draft' ? undefined : { validityPeriod: { start: spec.authoredOn } },
    },
  );
}

const PRODUCTS = {
  metformin: {
    rxnorm: { code: '861007', display: 'metformin hydrochloride 500 MG Oral Tablet' },
    text: 'Metformin 500 mg tablets',
  },
  omeprazole: {
    rxnorm: { code: '198051', display: 'omeprazole 20 MG Delayed Release Oral Capsule' },
    text: 'Omeprazole 20 mg gastro-resistant capsules',
  },
  folicAcid1: {
    rxnorm: { code: '310410', display: 'folic acid 1 MG Oral Tablet' },
    text: 'Folic acid 1 mg tablets',
  },
  folicAcid5: {
    atc: { code: 'B03BB01', display: 'folic acid' },
    text: 'Folic acid 5 mg tablets',
  },
  hydroxocobalamin: {
    rxnorm: { code: '317106', display: 'hydroxocobalamin 1 MG/ML Injectable Solution' },
    atc: { code: 'B03BA03', display: 'hydroxocobalamin' },
    text: 'Hydroxocobalamin 1 mg/1 mL solution for injection ampoules',
  },
  cyanocobalaminOral: {
    atc: { code: 'B03BA01', display: 'cyanocobalamin' },
    text: 'Cyanocobalamin 1 mg tablets',
  },
  cyanocobalamin: {
    rxnorm: { code: '309594', display: 'cyanocobalamin 1 MG/ML Injectable Solution' },
    atc: { code: 'B03BA01', display: 'cyanocobalamin' },
    text: 'Cyanocobalamin 1000 mcg/mL injection',
  },
} as const;

const DAILY: TimingRepeat = { frequency: 1, period: 1, periodUnit: 'd' };
const TWICE_DAILY: TimingRepeat = { frequency: 2, period: 1, periodUnit: 'd' };
const EVERY_3_MONTHS: TimingRepeat = { frequency: 1, period: 3, periodUnit: 'mo' };
const MONTHLY: TimingRepeat = { frequency: 1, period: 1, periodUnit: 'mo' };
const THREE_A_WEEK: TimingRepeat = { frequency: 3, period: 1, periodUnit: 'wk' };

// ---------------------------------------------------------------------------------------------
// Conditions

interface ConditionSpec {
  id: string;
  snomed: string;
  display: string;
  text?: string;
  clinicalStatus?: 'active' | 'resolved' | 'inactive';
  onset: string;
}

function conditionResource(spec: ConditionSpec, subject: PatientSpec): Condition {
  return condition(
    concept([sct(spec.snomed, spec.display)], spec.text ?? spec.display),
    {
      id: spec.id,
      clinical: spec.clinicalStatus ?? 'active',
      category: PROBLEM_LIST_ITEM,
      patientId: subject.id,
    },
    { onsetDateTime: spec.onset, recordedDate: spec.onset },
  );
}

// ---------------------------------------------------------------------------------------------
// The fixtures

export interface CardFixtureSpec {
  /** What the patient shows, for the README table. */
  story: string;
  hook: HookName;
  patient: PatientSpec;
  labs: LabSpec[];
  meds: MedSpec[];
  conditions: ConditionSpec[];
  /** Draft orders (order hooks); on order-select the first is the selection. */
  drafts?: MedSpec[];
  encounterId: string;
}

const labSpec = <A extends Analyte>(
  id: string,
  analyte: A,
  value: number | undefined,
  unit: keyof Units[A],
  collected: string,
  status?: Observation['status'],
): LabSpec => ({
  id,
  analyte,
  unit: String(unit),
  ...(value === undefined ? {} : { value }),
  collected,
  ...(status ? { status } : {}),
});

const FATIGUE = { snomed: '84229001', display: 'Fatigue' };

export const CARD_FIXTURES: Record<CardCode, CardFixtureSpec> = {
  'b12-test-recommended': {
    story: 'Fatigue and omeprazole since April 2025, no B12 result ever',
    hook: 'patient-view',
    encounterId: 'enc-20417-1121',
    patient: {
      id: 'pat-20417',
      mrn: 'MRN0020417',
      given: 'Margaret',
      family: 'Ellison',
      gender: 'female',
      birthDate: '1968-02-14',
    },
    labs: [
      labSpec('obs-20417-hb', 'hb', 12.6, 'g/dL', '2026-10-30T09:12:00Z'),
      labSpec('obs-20417-mcv', 'mcv', 93, 'fL', '2026-10-30T09:12:00Z'),
      labSpec('obs-20417-plt', 'platelets', 262, '10*3/uL', '2026-10-30T09:12:00Z'),
    ],
    meds: [
      {
        id: 'mr-20417-omep',
        status: 'active',
        ...PRODUCTS.omeprazole,
        authoredOn: '2025-04-09',
        dosage: {
          text: '20 mg orally once daily before breakfast',
          route: 'oral',
          doseMg: 20,
          repeat: DAILY,
        },
      },
    ],
    conditions: [
      { id: 'cond-20417-fatigue', ...FATIGUE, text: 'Tiredness all the time', onset: '2026-10-30' },
      {
        id: 'cond-20417-gord',
        snomed: '235595009',
        display: 'Gastroesophageal reflux disease',
        onset: '2025-04-09',
      },
    ],
  },
  'b12-test-consider': {
    story: 'Metformin since January 2025, no symptoms, no B12 result ever',
    hook: 'patient-view',
    encounterId: 'enc-31562-1121',
    patient: {
      id: 'pat-31562',
      mrn: 'MRN0031562',
      given: 'David',
      family: 'Okonjo',
      gender: 'male',
      birthDate: '1959-07-22',
    },
    labs: [
      labSpec('obs-31562-hb', 'hb', 14.4, 'g/dL', '2026-09-12T08:40:00Z'),
      labSpec('obs-31562-mcv', 'mcv', 89, 'fL', '2026-09-12T08:40:00Z'),
      labSpec('obs-31562-egfr', 'egfr', 78, 'CKD-EPI 2021', '2026-09-12T08:40:00Z'),
    ],
    meds: [
      {
        id: 'mr-31562-metf',
        status: 'active',
        ...PRODUCTS.metformin,
        authoredOn: '2025-01-15',
        dosage: {
          text: '500 mg orally twice daily with meals',
          route: 'oral',
          doseMg: 500,
          repeat: TWICE_DAILY,
        },
      },
    ],
    conditions: [
      {
        id: 'cond-31562-t2dm',
        snomed: '44054006',
        display: 'Diabetes mellitus type 2',
        onset: '2025-01-06',
      },
    ],
  },
  'b12-indeterminate-mma': {
    story: 'Fatigue; total B12 210 pmol/L (= 284.6 ng/L, indeterminate), no MMA',
    hook: 'patient-view',
    encounterId: 'enc-44780-1121',
    patient: {
      id: 'pat-44780',
      mrn: 'MRN0044780',
      given: 'Priya',
      family: 'Raman',
      gender: 'female',
      birthDate: '1974-09-03',
    },
    labs: [
      labSpec('obs-44780-b12', 'totalB12', 210, 'pmol/L', '2026-11-10T10:05:00Z'),
      labSpec('obs-44780-hb', 'hb', 12.9, 'g/dL', '2026-11-10T10:05:00Z'),
      labSpec('obs-44780-mcv', 'mcv', 97, 'fL', '2026-11-10T10:05:00Z'),
      labSpec('obs-44780-fol', 'folate', 18.5, 'nmol/L', '2026-11-10T10:05:00Z'),
    ],
    meds: [],
    conditions: [{ id: 'cond-44780-fatigue', ...FATIGUE, onset: '2026-10-21' }],
  },
  'mma-renal-caution': {
    story: 'Age 81; total B12 262 pg/mL, MMA 580 nmol/L (raised) with eGFR 38',
    hook: 'patient-view',
    encounterId: 'enc-52093-1121',
    patient: {
      id: 'pat-52093',
      mrn: 'MRN0052093',
      given: 'Harold',
      family: 'Pemberton',
      gender: 'male',
      birthDate: '1944-12-01',
    },
    labs: [
      labSpec('obs-52093-b12', 'totalB12', 262, 'pg/mL', '2026-10-20T09:30:00Z'),
      labSpec('obs-52093-mma', 'mma', 580, 'nmol/L', '2026-11-02T09:15:00Z'),
      labSpec('obs-52093-egfr', 'egfr', 38, 'MDRD', '2026-11-02T09:15:00Z'),
      labSpec('obs-52093-hb', 'hb', 124, 'g/L', '2026-11-02T09:15:00Z'),
    ],
    meds: [],
    conditions: [
      {
        id: 'cond-52093-ckd3',
        snomed: '433144002',
        display: 'Chronic kidney disease stage 3',
        onset: '2025-03-18',
      },
    ],
  },
  'b12-deficiency-treat': {
    story: 'Fatigue and glossitis; total B12 0.142 ng/mL (= 142 ng/L), macrocytic anaemia',
    hook: 'patient-view',
    encounterId: 'enc-60318-1121',
    patient: {
      id: 'pat-60318',
      mrn: 'MRN0060318',
      given: 'Aisha',
      family: 'Bello',
      gender: 'female',
      birthDate: '1981-06-19',
    },
    labs: [
      labSpec('obs-60318-b12', 'totalB12', 0.142, 'ng/mL', '2026-11-12T08:55:00Z'),
      labSpec('obs-60318-hb', 'hb', 11.2, 'g/dL', '2026-11-12T08:55:00Z'),
      labSpec('obs-60318-mcv', 'mcv', 104, 'fL', '2026-11-12T08:55:00Z'),
      labSpec('obs-60318-plt', 'platelets', 238, '10*3/uL', '2026-11-12T08:55:00Z'),
      labSpec('obs-60318-fol', 'folate', 9.6, 'ng/mL', '2026-11-12T08:55:00Z'),
    ],
    meds: [],
    conditions: [
      { id: 'cond-60318-fatigue', ...FATIGUE, onset: '2026-09-30' },
      {
        id: 'cond-60318-gloss',
        snomed: '45534005',
        display: 'Glossitis',
        text: 'Sore, smooth red tongue',
        onset: '2026-10-28',
      },
    ],
  },
  'b12-deficiency-neuro-urgent': {
    story: 'Peripheral neuropathy and memory impairment; active B12 18 pmol/L',
    hook: 'patient-view',
    encounterId: 'enc-71542-1121',
    patient: {
      id: 'pat-71542',
      mrn: 'MRN0071542',
      given: 'George',
      family: 'Whitfield',
      gender: 'male',
      birthDate: '1953-03-27',
    },
    labs: [
      labSpec('obs-71542-ab12', 'activeB12', 18, 'pmol/L', '2026-11-16T11:20:00Z'),
      labSpec('obs-71542-hb', 'hb', 134, 'g/L', '2026-11-16T11:20:00Z'),
      labSpec('obs-71542-mcv', 'mcv', 101, 'fL', '2026-11-16T11:20:00Z'),
      labSpec('obs-71542-plt', 'platelets', 201, '10*9/L', '2026-11-16T11:20:00Z'),
    ],
    meds: [
      {
        id: 'mr-71542-omep',
        status: 'active',
        ...PRODUCTS.omeprazole,
        authoredOn: '2025-02-02',
        dosage: { text: '20 mg orally once daily', route: 'oral', doseMg: 20, repeat: DAILY },
      },
    ],
    conditions: [
      {
        id: 'cond-71542-pnd',
        snomed: '302226006',
        display: 'Peripheral nerve disease',
        text: 'Numbness and tingling in both feet',
        onset: '2026-10-14',
      },
      {
        id: 'cond-71542-mem',
        snomed: '386807006',
        display: 'Memory impairment',
        onset: '2026-10-14',
      },
    ],
  },
  'b12-low-stale-untreated': {
    story:
      'Metformin since January 2025, fatigue; total B12 148 ng/L in June 2025, never treated or repeated',
    hook: 'patient-view',
    encounterId: 'enc-83026-1121',
    patient: {
      id: 'pat-83026',
      mrn: 'MRN0083026',
      given: 'Susan',
      family: 'Achterberg',
      gender: 'female',
      birthDate: '1961-10-08',
    },
    labs: [
      labSpec('obs-83026-b12', 'totalB12', 148, 'ng/L', '2025-06-30T09:45:00Z'),
      labSpec('obs-83026-hb', 'hb', 12.8, 'g/dL', '2026-10-05T08:20:00Z'),
      labSpec('obs-83026-mcv', 'mcv', 98, 'fL', '2026-10-05T08:20:00Z'),
    ],
    meds: [
      {
        id: 'mr-83026-metf',
        status: 'active',
        ...PRODUCTS.metformin,
        authoredOn: '2025-01-11',
        dosage: {
          text: '1 g orally twice daily with meals',
          route: 'oral',
          doseMg: 1000,
          repeat: TWICE_DAILY,
        },
      },
    ],
    conditions: [
      {
        id: 'cond-83026-t2dm',
        snomed: '44054006',
        display: 'Diabetes mellitus type 2',
        onset: '2025-01-06',
      },
      { id: 'cond-83026-fatigue', ...FATIGUE, onset: '2026-10-05' },
    ],
  },
  'combined-b12-folate-deficiency': {
    story:
      'Total B12 96 pmol/L (= 130.1 ng/L), serum folate 2.3 ng/mL (= 5.2 nmol/L), Hb 9.1 g/dL, MCV 117 fL',
    hook: 'patient-view',
    encounterId: 'enc-90451-1121',
    patient: {
      id: 'pat-90451',
      mrn: 'MRN0090451',
      given: 'Thomas',
      family: 'Kerrigan',
      gender: 'male',
      birthDate: '1967-01-30',
    },
    labs: [
      labSpec('obs-90451-b12', 'totalB12', 96, 'pmol/L', '2026-11-17T10:10:00Z'),
      labSpec('obs-90451-fol', 'folate', 2.3, 'ng/mL', '2026-11-17T10:10:00Z'),
      labSpec('obs-90451-hb', 'hb', 9.1, 'g/dL', '2026-11-17T10:10:00Z'),
      labSpec('obs-90451-mcv', 'mcv', 117, 'fL', '2026-11-17T10:10:00Z'),
      labSpec('obs-90451-plt', 'platelets', 164, '10*3/uL', '2026-11-17T10:10:00Z'),
    ],
    meds: [],
    conditions: [{ id: 'cond-90451-fatigue', ...FATIGUE, onset: '2026-10-01' }],
  },
  'severe-anaemia-urgent': {
    story: 'Hb 6.9 g/dL, MCV 123 fL, platelets 88 ×10³/µL; B12 requested, not yet resulted',
    hook: 'patient-view',
    encounterId: 'enc-10937-1121',
    patient: {
      id: 'pat-10937',
      mrn: 'MRN0010937',
      given: 'Chloe',
      family: 'Marsden',
      gender: 'female',
      birthDate: '1991-08-15',
    },
    labs: [
      labSpec('obs-10937-hb', 'hb', 6.9, 'g/dL', '2026-11-20T14:05:00Z'),
      labSpec('obs-10937-mcv', 'mcv', 123, 'fL', '2026-11-20T14:05:00Z'),
      labSpec('obs-10937-plt', 'platelets', 88, '10*3/uL', '2026-11-20T14:05:00Z'),
      labSpec('obs-10937-b12', 'totalB12', undefined, 'ng/L', '2026-11-20T14:05:00Z', 'registered'),
    ],
    meds: [],
    conditions: [
      {
        id: 'cond-10937-fatigue',
        ...FATIGUE,
        text: 'Exhaustion and breathlessness on exertion',
        onset: '2026-11-02',
      },
    ],
  },
  'folate-order-b12-untreated': {
    story: 'order-select: folic acid 1 mg daily while total B12 105 pg/mL is untreated',
    hook: 'order-select',
    encounterId: 'enc-22684-1121',
    patient: {
      id: 'pat-22684',
      mrn: 'MRN0022684',
      given: 'Patricia',
      family: 'Nwosu',
      gender: 'female',
      birthDate: '1960-11-02',
    },
    labs: [
      labSpec('obs-22684-b12', 'totalB12', 105, 'pg/mL', '2026-11-09T09:00:00Z'),
      labSpec('obs-22684-hb', 'hb', 10.9, 'g/dL', '2026-11-09T09:00:00Z'),
      labSpec('obs-22684-mcv', 'mcv', 106, 'fL', '2026-11-09T09:00:00Z'),
    ],
    meds: [],
    conditions: [{ id: 'cond-22684-fatigue', ...FATIGUE, onset: '2026-10-12' }],
    drafts: [
      {
        id: 'mr-draft-22684-fa',
        status: 'draft',
        ...PRODUCTS.folicAcid1,
        authoredOn: EVALUATION_DATE,
        dosage: { text: '1 mg orally once daily', route: 'oral', doseMg: 1, repeat: DAILY },
      },
    ],
  },
  'folate-order-b12-unknown': {
    story: 'order-sign: folic acid 5 mg daily with MCV 106 fL and no B12 result ever',
    hook: 'order-sign',
    encounterId: 'enc-35719-1121',
    patient: {
      id: 'pat-35719',
      mrn: 'MRN0035719',
      given: 'Emma',
      family: 'Lindqvist',
      gender: 'female',
      birthDate: '1987-04-25',
    },
    labs: [
      labSpec('obs-35719-hb', 'hb', 11.4, 'g/dL', '2026-11-03T08:35:00Z'),
      labSpec('obs-35719-mcv', 'mcv', 106, 'fL', '2026-11-03T08:35:00Z'),
      labSpec('obs-35719-plt', 'platelets', 244, '10*3/uL', '2026-11-03T08:35:00Z'),
    ],
    meds: [],
    conditions: [],
    drafts: [
      {
        id: 'mr-draft-35719-fa',
        status: 'draft',
        ...PRODUCTS.folicAcid5,
        authoredOn: EVALUATION_DATE,
        dosage: { text: '5 mg orally once daily', route: 'oral', doseMg: 5, repeat: DAILY },
      },
    ],
  },
  'im-injection-thrombocytopenia': {
    story: 'order-select: hydroxocobalamin IM with platelets 32 ×10³/µL (total B12 118 ng/L)',
    hook: 'order-select',
    encounterId: 'enc-47205-1121',
    patient: {
      id: 'pat-47205',
      mrn: 'MRN0047205',
      given: 'Ronald',
      family: 'Fairbairn',
      gender: 'male',
      birthDate: '1955-09-09',
    },
    labs: [
      labSpec('obs-47205-b12', 'totalB12', 118, 'ng/L', '2026-11-18T09:25:00Z'),
      labSpec('obs-47205-hb', 'hb', 10.6, 'g/dL', '2026-11-18T09:25:00Z'),
      labSpec('obs-47205-mcv', 'mcv', 112, 'fL', '2026-11-18T09:25:00Z'),
      labSpec('obs-47205-plt', 'platelets', 32, '10*3/uL', '2026-11-18T09:25:00Z'),
    ],
    meds: [],
    conditions: [],
    drafts: [
      {
        id: 'mr-draft-47205-hydroxo',
        status: 'draft',
        ...PRODUCTS.hydroxocobalamin,
        authoredOn: EVALUATION_DATE,
        dosage: {
          text: '1 mg IM three times a week for 2 weeks',
          route: 'IM',
          doseMg: 1,
          repeat: THREE_A_WEEK,
        },
      },
    ],
  },
  'cyanocobalamin-renal': {
    story: 'order-sign: cyanocobalamin 1000 micrograms IM monthly with eGFR 41',
    hook: 'order-sign',
    encounterId: 'enc-58830-1121',
    patient: {
      id: 'pat-58830',
      mrn: 'MRN0058830',
      given: 'Irene',
      family: 'Castellano',
      gender: 'female',
      birthDate: '1949-05-17',
    },
    labs: [
      labSpec('obs-58830-b12', 'totalB12', 156, 'ng/L', '2026-10-28T08:50:00Z'),
      labSpec('obs-58830-egfr', 'egfr', 41, 'CKD-EPI 2021', '2026-10-28T08:50:00Z'),
      labSpec('obs-58830-hb', 'hb', 12.3, 'g/dL', '2026-10-28T08:50:00Z'),
      labSpec('obs-58830-plt', 'platelets', 215, '10*9/L', '2026-11-14T08:50:00Z'),
    ],
    meds: [],
    conditions: [],
    drafts: [
      {
        id: 'mr-draft-58830-cyano',
        status: 'draft',
        ...PRODUCTS.cyanocobalamin,
        authoredOn: EVALUATION_DATE,
        dosage: {
          text: '1000 micrograms IM once a month',
          route: 'IM',
          doseMg: 1,
          repeat: MONTHLY,
        },
      },
    ],
  },
  'hypokalaemia-monitoring': {
    story: 'order-sign: hydroxocobalamin IM with Hb 72 g/L, MCV 121 fL, total B12 88 ng/L',
    hook: 'order-sign',
    encounterId: 'enc-69147-1121',
    patient: {
      id: 'pat-69147',
      mrn: 'MRN0069147',
      given: 'Kwame',
      family: 'Asante',
      gender: 'male',
      birthDate: '1964-02-03',
    },
    labs: [
      labSpec('obs-69147-b12', 'totalB12', 88, 'ng/L', '2026-11-20T10:40:00Z'),
      labSpec('obs-69147-hb', 'hb', 72, 'g/L', '2026-11-20T10:40:00Z'),
      labSpec('obs-69147-mcv', 'mcv', 121, 'fL', '2026-11-20T10:40:00Z'),
      labSpec('obs-69147-plt', 'platelets', 138, '10*9/L', '2026-11-20T10:40:00Z'),
    ],
    meds: [],
    conditions: [],
    drafts: [
      {
        id: 'mr-draft-69147-hydroxo',
        status: 'draft',
        ...PRODUCTS.hydroxocobalamin,
        authoredOn: EVALUATION_DATE,
        dosage: {
          text: '1 mg IM three times a week for 2 weeks',
          route: 'IM',
          doseMg: 1,
          repeat: THREE_A_WEEK,
        },
      },
    ],
  },
  'b12-prophylaxis-malabsorption': {
    story: 'Total gastrectomy in February 2025, no B12 prophylaxis; total B12 412 ng/L in May 2026',
    hook: 'patient-view',
    encounterId: 'enc-70385-1121',
    patient: {
      id: 'pat-70385',
      mrn: 'MRN0070385',
      given: 'Linda',
      family: 'Hargreaves',
      gender: 'female',
      birthDate: '1971-07-07',
    },
    labs: [
      labSpec('obs-70385-b12', 'totalB12', 412, 'ng/L', '2026-05-20T09:05:00Z'),
      labSpec('obs-70385-hb', 'hb', 12.4, 'g/dL', '2026-10-22T09:05:00Z'),
      labSpec('obs-70385-mcv', 'mcv', 95, 'fL', '2026-10-22T09:05:00Z'),
    ],
    meds: [],
    conditions: [
      {
        id: 'cond-70385-gastrectomy',
        snomed: '53442002',
        display: 'Gastrectomy',
        text: 'Total gastrectomy February 2025 (gastric adenocarcinoma)',
        clinicalStatus: 'resolved',
        onset: '2025-02-18',
      },
    ],
  },
  'outside-guideline-age': {
    story: 'Age 14, vegan diet; total B12 98 pg/mL',
    hook: 'patient-view',
    encounterId: 'enc-81264-1121',
    patient: {
      id: 'pat-81264',
      mrn: 'MRN0081264',
      given: 'Oliver',
      family: 'Brennan',
      gender: 'male',
      birthDate: '2012-06-30',
    },
    labs: [
      labSpec('obs-81264-b12', 'totalB12', 98, 'pg/mL', '2026-11-13T15:30:00Z'),
      labSpec('obs-81264-hb', 'hb', 11.8, 'g/dL', '2026-11-13T15:30:00Z'),
      labSpec('obs-81264-mcv', 'mcv', 99, 'fL', '2026-11-13T15:30:00Z'),
    ],
    meds: [],
    conditions: [
      { id: 'cond-81264-vegan', snomed: '1255165006', display: 'Vegan diet', onset: '2025-01-01' },
    ],
  },
  'b12-review-due': {
    story: 'Pernicious anaemia; hydroxocobalamin since 15 June 2026, no blood count since',
    hook: 'patient-view',
    encounterId: 'enc-92718-1121',
    patient: {
      id: 'pat-92718',
      mrn: 'MRN0092718',
      given: 'Fiona',
      family: 'MacLeod',
      gender: 'female',
      birthDate: '1976-12-12',
    },
    labs: [
      labSpec('obs-92718-b12', 'totalB12', 132, 'pmol/L', '2026-06-08T09:10:00Z'),
      labSpec('obs-92718-hb', 'hb', 11.5, 'g/dL', '2026-06-08T09:10:00Z'),
      labSpec('obs-92718-mcv', 'mcv', 105, 'fL', '2026-06-08T09:10:00Z'),
    ],
    meds: [
      {
        id: 'mr-92718-hydroxo',
        status: 'active',
        ...PRODUCTS.hydroxocobalamin,
        authoredOn: '2026-06-15',
        dosage: { text: '1 mg IM every 3 months', route: 'IM', doseMg: 1, repeat: EVERY_3_MONTHS },
      },
    ],
    conditions: [
      {
        id: 'cond-92718-pa',
        snomed: '84027009',
        display: 'Pernicious anemia',
        onset: '2026-06-15',
      },
    ],
  },
  'b12-result-unreadable': {
    story:
      'Tiredness; a total B12 sent as 152 with UCUM code pmol/L but printed unit pg/mL: which is it?',
    hook: 'patient-view',
    encounterId: 'enc-93514-1121',
    patient: {
      id: 'pat-93514',
      mrn: 'MRN0093514',
      given: 'Graham',
      family: 'Oduya',
      gender: 'male',
      birthDate: '1971-03-19',
    },
    labs: [
      {
        ...labSpec('obs-93514-b12', 'totalB12', 152, 'pmol/L', '2026-11-12T09:05:00Z'),
        printedUnit: 'pg/mL',
      },
      labSpec('obs-93514-hb', 'hb', 14.1, 'g/dL', '2026-11-12T09:05:00Z'),
      labSpec('obs-93514-mcv', 'mcv', 91, 'fL', '2026-11-12T09:05:00Z'),
    ],
    meds: [],
    conditions: [{ id: 'cond-93514-fatigue', ...FATIGUE, onset: '2026-11-05' }],
  },
  'b12-low-on-oral': {
    story:
      'Oral cyanocobalamin 1 mg daily since April 2026 for a low B12; total B12 still 141 ng/L in November',
    hook: 'patient-view',
    encounterId: 'enc-94127-1121',
    patient: {
      id: 'pat-94127',
      mrn: 'MRN0094127',
      given: 'Margaret',
      family: 'Kowalczyk',
      gender: 'female',
      birthDate: '1958-07-02',
    },
    labs: [
      labSpec('obs-94127-b12-0', 'totalB12', 128, 'ng/L', '2026-04-02T08:40:00Z'),
      labSpec('obs-94127-b12', 'totalB12', 141, 'ng/L', '2026-11-09T08:55:00Z'),
      labSpec('obs-94127-hb', 'hb', 12.4, 'g/dL', '2026-11-09T08:55:00Z'),
      labSpec('obs-94127-mcv', 'mcv', 99, 'fL', '2026-11-09T08:55:00Z'),
    ],
    meds: [
      {
        id: 'mr-94127-cyano',
        status: 'active',
        ...PRODUCTS.cyanocobalaminOral,
        authoredOn: '2026-04-09',
        dosage: { text: '1 mg orally once daily', route: 'oral', doseMg: 1, repeat: DAILY },
      },
    ],
    conditions: [],
  },
};

// ---------------------------------------------------------------------------------------------
// Request bodies

/** A stable UUID (version 5 layout, from SHA-1) for a name: fixtures regenerate byte for byte. */
export function stableUuid(name: string): string {
  const hex = createHash('sha1').update(`b12-cds-fixture:${name}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** The CDS Hooks request body of a fixture spec; `seed` makes its stable hookInstance. */
function requestOf(spec: CardFixtureSpec, seed: string): Record<string, unknown> {
  const { patient: subject } = spec;
  const drafts = (spec.drafts ?? []).map((draft) => medicationResource(draft, subject));
  const context: Record<string, unknown> = {
    userId: USER_ID,
    patientId: subject.id,
    encounterId: spec.encounterId,
  };
  if (spec.hook === 'order-select') {
    context.selections = drafts.slice(0, 1).map((draft) => `MedicationRequest/${draft.id ?? ''}`);
  }
  if (spec.hook !== 'patient-view') {
    context.draftOrders = draftOrdersBundle(drafts);
  }
  return {
    hookInstance: stableUuid(seed),
    hook: spec.hook,
    context,
    prefetch: {
      patient: patientResource(subject),
      labs: searchset(spec.labs.map((item) => labResource(item, subject))),
      meds: searchset(spec.meds.map((item) => medicationResource(item, subject))),
      conditions: searchset(spec.conditions.map((item) => conditionResource(item, subject))),
      // No surgical history or patient-reported medicines in these records: "no data" is `null`
      // (CDS Hooks 2.0 §Prefetch), so the service neither queries a FHIR server nor answers 412.
      procedures: null,
      medStatements: null,
    },
  };
}

/** The CDS Hooks request body of a card fixture. */
export const fixtureRequest = (code: CardCode): Record<string, unknown> =>
  requestOf(CARD_FIXTURES[code], code);

/**
 * fixtures/examples/patient-view-b12-history.json: three years of yearly checks of a man on
 * metformin and omeprazole whose B12 drifts down through the indeterminate range into deficiency
 * while his Hb falls and his MCV rises: the demo page's chart shows the story.
 */
const HISTORY_EXAMPLE: CardFixtureSpec = {
  story: 'Metformin since 2018 and omeprazole since 2020; B12 falling over three years',
  hook: 'patient-view',
  encounterId: 'enc-58210-1121',
  patient: {
    id: 'pat-58210',
    mrn: 'MRN0058210',
    given: 'Robert',
    family: 'Hughes',
    gender: 'male',
    birthDate: '1951-09-03',
  },
  labs: (
    [
      ['2023-11-08', 356, 14.1, 91, 228, 71],
      ['2024-11-12', 268, 13.6, 94, 231, 66],
      ['2025-11-10', 214, 13.0, 97, 219, 63],
      ['2026-05-14', undefined, 12.6, 99, 224, undefined],
      ['2026-11-10', 152, 11.9, 103, 208, 61],
    ] as const
  ).flatMap(([day, b12, hb, mcv, platelets, egfr], visit) => {
    const at = `${day}T08:${String(20 + visit)}:00Z`;
    const id = (name: string): string => `obs-58210-${name}-${day}`;
    return [
      ...(b12 === undefined ? [] : [labSpec(id('b12'), 'totalB12', b12, 'pg/mL', at)]),
      labSpec(id('hb'), 'hb', hb, 'g/dL', at),
      labSpec(id('mcv'), 'mcv', mcv, 'fL', at),
      labSpec(id('plt'), 'platelets', platelets, '10*3/uL', at),
      ...(egfr === undefined ? [] : [labSpec(id('egfr'), 'egfr', egfr, 'CKD-EPI 2021', at)]),
    ];
  }),
  meds: [
    {
      id: 'mr-58210-metformin',
      status: 'active',
      ...PRODUCTS.metformin,
      authoredOn: '2018-03-12',
      dosage: {
        text: '500 mg orally twice daily with meals',
        route: 'oral',
        doseMg: 500,
        repeat: TWICE_DAILY,
      },
    },
    {
      id: 'mr-58210-omeprazole',
      status: 'active',
      ...PRODUCTS.omeprazole,
      authoredOn: '2020-06-01',
      dosage: { text: '20 mg orally once daily', route: 'oral', doseMg: 20, repeat: DAILY },
    },
  ],
  conditions: [
    {
      id: 'cond-58210-t2dm',
      snomed: '44054006',
      display: 'Diabetes mellitus type 2',
      onset: '2018-03-12',
    },
    {
      id: 'cond-58210-gord',
      snomed: '235595009',
      display: 'Gastroesophageal reflux disease',
      onset: '2020-06-01',
    },
    { id: 'cond-58210-fatigue', ...FATIGUE, text: 'Tired for some months', onset: '2026-10-20' },
  ],
};

/**
 * fixtures/examples/patient-view-low-platelets.json: untreated B12 deficiency with platelets of
 * 38 ×10⁹/L, the card whose summary and first suggestion turn to oral treatment (RULES.md 10.9.2).
 */
const LOW_PLATELETS_EXAMPLE: CardFixtureSpec = {
  story: 'Total B12 131 ng/L with macrocytic anaemia and platelets 38 ×10⁹/L',
  hook: 'patient-view',
  encounterId: 'enc-47731-1121',
  patient: {
    id: 'pat-47731',
    mrn: 'MRN0047731',
    given: 'Ruth',
    family: 'Okonkwo-Hale',
    gender: 'female',
    birthDate: '1964-09-23',
  },
  labs: [
    labSpec('obs-47731-b12', 'totalB12', 131, 'ng/L', '2026-11-13T09:15:00Z'),
    labSpec('obs-47731-hb', 'hb', 10.4, 'g/dL', '2026-11-13T09:15:00Z'),
    labSpec('obs-47731-mcv', 'mcv', 109, 'fL', '2026-11-13T09:15:00Z'),
    labSpec('obs-47731-plt', 'platelets', 38, '10*3/uL', '2026-11-13T09:15:00Z'),
    labSpec('obs-47731-fol', 'folate', 11.2, 'ng/mL', '2026-11-13T09:15:00Z'),
  ],
  meds: [],
  conditions: [{ id: 'cond-47731-fatigue', ...FATIGUE, onset: '2026-10-30' }],
};

/** The examples of fixtures/examples/, by file name: written by make-card-fixtures.ts. */
const EXAMPLES: Readonly<Record<string, CardFixtureSpec>> = {
  'patient-view-b12-history': HISTORY_EXAMPLE,
  'patient-view-low-platelets': LOW_PLATELETS_EXAMPLE,
};

export const EXAMPLE_NAMES = Object.keys(EXAMPLES);

export const exampleFile = (name: string): URL =>
  new URL(`../../fixtures/examples/${name}.json`, import.meta.url);

export const exampleText = (name: string): string =>
  `${JSON.stringify(requestOf(EXAMPLES[name] ?? HISTORY_EXAMPLE, name), null, 2)}\n`;

/** The file's text: 2-space JSON with a final newline. */
export const fixtureText = (code: CardCode): string =>
  `${JSON.stringify(fixtureRequest(code), null, 2)}\n`;

export const fixtureFile = (code: CardCode): string => `${code}.json`;

export const CARD_CODES = Object.keys(CARD_CATALOG) as CardCode[];

/** fixtures/README.md: the table of fixtures and the card each demonstrates. */
export function readmeText(): string {
  const rows = CARD_CODES.map((code) => {
    const spec = CARD_FIXTURES[code];
    const entry = CARD_CATALOG[code];
    return `| [\`cards/${fixtureFile(code)}\`](cards/${fixtureFile(code)}) | \`${code}\` (${entry.indicator}) | \`b12-${spec.hook}\` | ${spec.story} |`;
  });
  return [
    '# Fixtures',
    '',
    '- `requests/`: real requests captured from the CDS Hooks Sandbox, the Da Vinci CRD request',
    '  generator and Inferno (replayed by `test/http/replay.test.ts`).',
    '- `examples/`: a complete example request for trying the service with `curl` (see the main README).',
    '- `cards/`: one realistic request per card of the catalog (`cds-services/b12/catalog.ts`), described below.',
    "- `synthea/`: twelve Synthea patients' Bundles, real-world-shaped data (its own README).",
    '- `bulk-export/`: the same patients as a FHIR Bulk Data export, one NDJSON file per resource type,',
    '  written by `npx tsx scripts/bulk-fixture.ts`, for `b12-cds forecast` (docs/forecast.md).',
    '',
    '## Card fixtures (`cards/`)',
    '',
    `Each file is the body of a CDS Hooks 2.0 request for an evaluation date of ${EVALUATION_DATE}:`,
    '`hook`, `hookInstance`, `context` (`userId`, `patientId`, `encounterId`, and for order hooks',
    '`draftOrders` and, on order-select, `selections`) and the complete prefetch of the six B12',
    'templates (`patient`, `labs`, `meds`, `conditions` as searchset Bundles; `procedures` and',
    '`medStatements` `null`, "no data"). Resources are valid',
    'FHIR R4 with LOINC, RxNorm/ATC and SNOMED CT codes, and the units vary as they do between',
    'laboratories (B12 in ng/L, pg/mL, ng/mL or pmol/L; Hb in g/dL or g/L; platelets in 10\\*3/uL or',
    '10\\*9/L; MMA in nmol/L; folate in ng/mL or nmol/L).',
    '',
    'Post one to its service on a server whose clock reads the evaluation date to see the card;',
    '`test/fixtures.test.ts` does exactly that with the clock fixed at 2026-11-21.',
    '',
    '| Fixture | Card (indicator) | Service | Patient |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    'The files are generated; do not edit them by hand. Change `test/support/card-fixtures.ts`, then run',
    '',
    '```sh',
    'npx tsx test/support/make-card-fixtures.ts',
    '```',
    '',
    '`test/fixtures.test.ts` fails when a file differs from what the generator produces.',
    '',
  ].join('\n');
}
