import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Condition,
  Dosage,
  FhirResource,
  MedicationRequest,
  Observation,
  Patient,
  Quantity,
} from 'fhir/r4.js';
import { draftOrder } from '../cds-services/b12/index.js';
import { isOrderHook } from '../src/cds-hooks/hooks.js';
import type { HookName } from '../src/cds-hooks/hooks.js';
import {
  CONDITION_CATEGORY,
  CONDITION_CLINICAL,
  CONDITION_VERIFICATION,
  LOINC,
  OBSERVATION_CATEGORY,
  RXNORM,
  SNOMED,
  UCUM,
} from '../src/fhir/systems.js';

/**
 * A deterministic, Synthea-like patient for the benchmark: the same seed and size always give the
 * same resources, byte for byte. Observations come in encounters (newest first, about a month
 * apart) with vital signs, a full blood count, a basic metabolic panel and, now and then, HbA1c,
 * lipids and a B12/folate/MMA work-up, in the units different laboratories report (B12 in pg/mL
 * and pmol/L, Hb in g/dL and g/L, MMA in nmol/L, folate in ng/mL). The newest encounter holds a
 * low B12 with anaemia, so patient-view gives `b12-deficiency-treat` and a folic acid draft gives
 * a folate safety card at every size, down to 10 Observations.
 */
const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition';

/** The evaluation day the benchmark fixes (the service is given the same clock). */
export const BENCH_TODAY = '2026-06-15';
export const BENCH_NOW = new Date(`${BENCH_TODAY}T12:00:00Z`);

export interface PatientOptions {
  observations: number;
  medications?: number;
  conditions?: number;
  seed?: number;
  /** `YYYY-MM-DD`; every date is computed back from it in UTC. */
  today?: string;
}

export interface GeneratedPatient {
  patientId: string;
  today: string;
  patient: Patient;
  observations: Observation[];
  medicationRequests: MedicationRequest[];
  conditions: Condition[];
}

// ---------------------------------------------------------------------------------------------
// Randomness and dates

/** mulberry32: a small, fast, seedable PRNG; good enough for test data. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = prng(seed);
  }

  float(): number {
    return this.next();
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Normally distributed (Box–Muller), rounded to `decimals`. */
  normal(mean: number, sd: number, decimals = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    const factor = 10 ** decimals;
    return Math.round((mean + sd * z) * factor) / factor;
  }

  /** A version-4-shaped UUID, as Synthea gives every resource. */
  uuid(): string {
    const hex = Array.from({ length: 4 }, () =>
      Math.floor(this.next() * 4_294_967_296)
        .toString(16)
        .padStart(8, '0'),
    ).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

const MS_PER_DAY = 86_400_000;

function dayMs(isoDay: string): number {
  return Date.parse(`${isoDay}T00:00:00Z`);
}

/** A Synthea-style local date-time (fixed −05:00 offset) `daysAgo` days before `today`. */
function dateTime(today: string, daysAgo: number, minuteOfDay: number): string {
  const ms = dayMs(today) - daysAgo * MS_PER_DAY + minuteOfDay * 60_000;
  return `${new Date(ms).toISOString().slice(0, 19)}-05:00`;
}

function isoDayBefore(today: string, daysAgo: number): string {
  return new Date(dayMs(today) - daysAgo * MS_PER_DAY).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Observations

interface LabDefinition {
  loinc: string;
  display: string;
  unit: string;
  mean: number;
  sd: number;
  decimals?: number;
  category?: 'laboratory' | 'vital-signs';
  /** Upper reference limit sent with the result (MMA), in `unit`. */
  referenceHigh?: number;
}

const lab = (
  loinc: string,
  display: string,
  unit: string,
  mean: number,
  sd: number,
  extra: Partial<LabDefinition> = {},
): LabDefinition => ({ loinc, display, unit, mean, sd, ...extra });

const VITALS: readonly LabDefinition[] = [
  lab('8302-2', 'Body Height', 'cm', 164.2, 0.3, { category: 'vital-signs' }),
  lab('29463-7', 'Body Weight', 'kg', 88.4, 1.5, { category: 'vital-signs' }),
  lab('39156-5', 'Body mass index (BMI) [Ratio]', 'kg/m2', 32.8, 0.6, { category: 'vital-signs' }),
  lab('8867-4', 'Heart rate', '/min', 74, 8, { category: 'vital-signs', decimals: 0 }),
  lab('9279-1', 'Respiratory rate', '/min', 14, 2, { category: 'vital-signs', decimals: 0 }),
];

const HB_G_DL = lab('718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/dL', 12.9, 0.5);
const HB_G_L = lab('718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/L', 129, 5, { decimals: 0 });

const CBC: readonly LabDefinition[] = [
  lab('6690-2', 'Leukocytes [#/volume] in Blood by Automated count', '10*3/uL', 7.1, 1.2),
  lab('789-8', 'Erythrocytes [#/volume] in Blood by Automated count', '10*6/uL', 4.3, 0.2),
  lab('4544-3', 'Hematocrit [Volume Fraction] of Blood by Automated count', '%', 39.5, 1.5),
  lab('787-2', 'MCV [Entitic volume] by Automated count', 'fL', 92, 3),
  lab('785-6', 'MCH [Entitic mass] by Automated count', 'pg', 30.1, 1),
  lab('786-4', 'MCHC [Mass/volume] by Automated count', 'g/dL', 33.4, 0.6),
  lab('21000-5', 'Erythrocyte distribution width [Entitic volume] by Automated count', 'fL', 44, 3),
  lab('777-3', 'Platelets [#/volume] in Blood by Automated count', '10*3/uL', 245, 30, {
    decimals: 0,
  }),
];

const BMP: readonly LabDefinition[] = [
  lab('2345-7', 'Glucose [Mass/volume] in Serum or Plasma', 'mg/dL', 128, 18, { decimals: 0 }),
  lab('6299-2', 'Urea nitrogen [Mass/volume] in Blood', 'mg/dL', 16, 3, { decimals: 0 }),
  lab('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL', 0.92, 0.08, {
    decimals: 2,
  }),
  lab('2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 'mmol/L', 140, 2, { decimals: 0 }),
  lab('2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'mmol/L', 4.2, 0.3),
  lab('2075-0', 'Chloride [Moles/volume] in Serum or Plasma', 'mmol/L', 103, 2, { decimals: 0 }),
  lab('2028-9', 'Carbon dioxide, total [Moles/volume] in Serum or Plasma', 'mmol/L', 25, 2, {
    decimals: 0,
  }),
  lab('17861-6', 'Calcium [Mass/volume] in Serum or Plasma', 'mg/dL', 9.4, 0.3),
  lab(
    '33914-3',
    'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (MDRD)',
    'mL/min/{1.73_m2}',
    72,
    6,
    { decimals: 0 },
  ),
];

const HBA1C = lab('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', '%', 7.1, 0.4);

const LIPIDS: readonly LabDefinition[] = [
  lab('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 'mg/dL', 182, 15, { decimals: 0 }),
  lab('2571-8', 'Triglycerides', 'mg/dL', 150, 25, { decimals: 0 }),
  lab(
    '18262-6',
    'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay',
    'mg/dL',
    104,
    12,
    {
      decimals: 0,
    },
  ),
  lab('2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', 'mg/dL', 48, 5, {
    decimals: 0,
  }),
];

const B12_PG_ML = lab(
  '2132-9',
  'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma',
  'pg/mL',
  410,
  40,
  { decimals: 0 },
);
const B12_PMOL_L = lab(
  '14685-2',
  'Cobalamin (Vitamin B12) [Moles/volume] in Serum or Plasma',
  'pmol/L',
  300,
  30,
  { decimals: 0 },
);
const FOLATE_NG_ML = lab('2284-8', 'Folate [Mass/volume] in Serum or Plasma', 'ng/mL', 9.5, 1.5);
const MMA_NMOL_L = lab(
  '13964-2',
  'Methylmalonate [Moles/volume] in Serum or Plasma',
  'nmol/L',
  260,
  40,
  { decimals: 0, referenceHigh: 400 },
);

/** The newest encounter's work-up first, with fixed values: low B12, raised MMA, macrocytic anaemia. */
const WORKUP: readonly [LabDefinition, number][] = [
  [B12_PG_ML, 128],
  [FOLATE_NG_ML, 8.4],
  [MMA_NMOL_L, 612],
  [HB_G_DL, 10.6],
  [lab('787-2', 'MCV [Entitic volume] by Automated count', 'fL', 0, 0), 106.4],
  [lab('777-3', 'Platelets [#/volume] in Blood by Automated count', '10*3/uL', 0, 0), 212],
  [BMP[8] as LabDefinition, 71],
  [BMP[2] as LabDefinition, 0.94],
  [BMP[0] as LabDefinition, 131],
  [BMP[3] as LabDefinition, 139],
];

function quantity(value: number, unit: string): Quantity {
  return { value, unit, system: UCUM, code: unit };
}

function concept(system: string, code: string, display: string): CodeableConcept {
  return { coding: [{ system, code, display }], text: display };
}

/** The results of one encounter: which panels depend on the encounter's number. */
function encounterPanels(index: number, random: Random): [LabDefinition, number | undefined][] {
  const labs: LabDefinition[] = [...VITALS, index % 2 === 0 ? HB_G_DL : HB_G_L, ...CBC, ...BMP];
  if (index % 3 === 0) labs.push(HBA1C);
  if (index % 12 === 1) labs.push(...LIPIDS);
  if (index % 6 === 3) {
    labs.push(index % 12 === 3 ? B12_PG_ML : B12_PMOL_L, FOLATE_NG_ML);
    if (random.float() < 0.5) labs.push(MMA_NMOL_L);
  }
  return labs.map((definition) => [definition, undefined]);
}

function observation(
  definition: LabDefinition,
  value: number,
  context: { id: string; patientId: string; encounterId: string; effective: string },
): Observation {
  const category = definition.category ?? 'laboratory';
  return {
    resourceType: 'Observation',
    id: context.id,
    meta: {
      profile: [
        category === 'laboratory'
          ? `${US_CORE}/us-core-observation-lab`
          : 'http://hl7.org/fhir/StructureDefinition/vitalsigns',
      ],
    },
    status: 'final',
    category: [
      {
        coding: [
          {
            system: OBSERVATION_CATEGORY,
            code: category,
            display: category === 'laboratory' ? 'Laboratory' : 'Vital signs',
          },
        ],
      },
    ],
    code: concept(LOINC, definition.loinc, definition.display),
    subject: { reference: `Patient/${context.patientId}` },
    encounter: { reference: `Encounter/${context.encounterId}` },
    effectiveDateTime: context.effective,
    issued: context.effective.replace('-05:00', '.000-05:00'),
    valueQuantity: quantity(value, definition.unit),
    ...(definition.referenceHigh === undefined
      ? {}
      : { referenceRange: [{ high: quantity(definition.referenceHigh, definition.unit) }] }),
  };
}

function generateObservations(
  count: number,
  patientId: string,
  today: string,
  random: Random,
): Observation[] {
  const observations: Observation[] = [];
  let daysAgo = 20;
  for (let index = 0; observations.length < count; index++) {
    const encounterId = random.uuid();
    const effective = dateTime(today, daysAgo, 8 * 60 + random.int(0, 9 * 60));
    const panels: [LabDefinition, number | undefined][] =
      index === 0 ? [...WORKUP, ...encounterPanels(1, random)] : encounterPanels(index, random);
    for (const [definition, fixed] of panels) {
      if (observations.length >= count) break;
      const value =
        fixed ?? Math.max(0, random.normal(definition.mean, definition.sd, definition.decimals));
      observations.push(
        observation(definition, value, { id: random.uuid(), patientId, encounterId, effective }),
      );
    }
    daysAgo += random.int(21, 42);
  }
  return observations;
}

// ---------------------------------------------------------------------------------------------
// Medications

interface MedicationDefinition {
  rxnorm: string;
  display: string;
  status: MedicationRequest['status'];
  /** Days before today the request was written. */
  startedDaysAgo: number;
  dose?: { value: number; unit: string; perDay: number };
}

/** The chronic and acute medicines of a 67-year-old with type 2 diabetes, hypertension and reflux. */
const MEDICATIONS: readonly MedicationDefinition[] = [
  {
    rxnorm: '861007',
    display: 'metformin hydrochloride 500 MG Oral Tablet',
    status: 'active',
    startedDaysAgo: 2190,
    dose: { value: 1, unit: 'tablet', perDay: 2 },
  },
  {
    rxnorm: '198051',
    display: 'omeprazole 20 MG Delayed Release Oral Capsule',
    status: 'active',
    startedDaysAgo: 1130,
    dose: { value: 1, unit: 'capsule', perDay: 1 },
  },
  {
    rxnorm: '314076',
    display: 'lisinopril 10 MG Oral Tablet',
    status: 'active',
    startedDaysAgo: 2900,
  },
  {
    rxnorm: '259255',
    display: 'atorvastatin 80 MG Oral Tablet',
    status: 'active',
    startedDaysAgo: 1500,
  },
  {
    rxnorm: '197361',
    display: 'amlodipine 5 MG Oral Tablet',
    status: 'active',
    startedDaysAgo: 800,
  },
  {
    rxnorm: '745679',
    display: '200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler',
    status: 'active',
    startedDaysAgo: 400,
  },
  {
    rxnorm: '310798',
    display: 'Hydrochlorothiazide 25 MG Oral Tablet',
    status: 'stopped',
    startedDaysAgo: 3300,
  },
  {
    rxnorm: '312961',
    display: 'Simvastatin 20 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 2400,
  },
  {
    rxnorm: '314200',
    display: 'pantoprazole 40 MG Delayed Release Oral Tablet',
    status: 'completed',
    startedDaysAgo: 1800,
  },
  {
    rxnorm: '310273',
    display: 'famotidine 20 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 2000,
  },
  {
    rxnorm: '308182',
    display: 'Amoxicillin 250 MG Oral Capsule',
    status: 'completed',
    startedDaysAgo: 95,
  },
  {
    rxnorm: '562251',
    display: 'Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 380,
  },
  {
    rxnorm: '310965',
    display: 'Ibuprofen 200 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 210,
  },
  {
    rxnorm: '313782',
    display: 'Acetaminophen 325 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 540,
  },
  {
    rxnorm: '849574',
    display: 'Naproxen sodium 220 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 720,
  },
  {
    rxnorm: '1014676',
    display: 'cetirizine hydrochloride 5 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 640,
  },
  {
    rxnorm: '834061',
    display: 'Penicillin V Potassium 250 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 1100,
  },
  {
    rxnorm: '308460',
    display: 'Azithromycin 250 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 1460,
  },
  {
    rxnorm: '895994',
    display: '120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler',
    status: 'completed',
    startedDaysAgo: 900,
  },
  {
    rxnorm: '311372',
    display: 'Loratadine 10 MG Oral Tablet',
    status: 'completed',
    startedDaysAgo: 1250,
  },
];

function medicationRequest(
  definition: MedicationDefinition,
  startedDaysAgo: number,
  context: { id: string; patientId: string; encounterId: string; today: string; minute: number },
): MedicationRequest {
  const dosage: Dosage = {
    sequence: 1,
    asNeededBoolean: definition.dose === undefined,
    ...(definition.dose
      ? {
          timing: { repeat: { frequency: definition.dose.perDay, period: 1, periodUnit: 'd' } },
          doseAndRate: [
            {
              type: concept(
                'http://terminology.hl7.org/CodeSystem/dose-rate-type',
                'ordered',
                'Ordered',
              ),
              doseQuantity: { value: definition.dose.value },
            },
          ],
        }
      : {}),
  };
  return {
    resourceType: 'MedicationRequest',
    id: context.id,
    meta: { profile: [`${US_CORE}/us-core-medicationrequest`] },
    status: definition.status,
    intent: 'order',
    medicationCodeableConcept: concept(RXNORM, definition.rxnorm, definition.display),
    subject: { reference: `Patient/${context.patientId}` },
    encounter: { reference: `Encounter/${context.encounterId}` },
    authoredOn: dateTime(context.today, startedDaysAgo, context.minute),
    requester: { reference: 'Practitioner/bench-practitioner', display: 'Dr. Bench Mark' },
    dosageInstruction: [dosage],
  };
}

function generateMedications(
  count: number,
  patientId: string,
  today: string,
  random: Random,
): MedicationRequest[] {
  // Past fills of the same medicines repeat after the list runs out, a year further back each round.
  return Array.from({ length: count }, (_, index) => {
    const definition = MEDICATIONS[index % MEDICATIONS.length] as MedicationDefinition;
    const round = Math.floor(index / MEDICATIONS.length);
    const repeat = round === 0 ? definition : { ...definition, status: 'completed' as const };
    return medicationRequest(repeat, definition.startedDaysAgo + round * 365 + random.int(0, 30), {
      id: random.uuid(),
      patientId,
      encounterId: random.uuid(),
      today,
      minute: 8 * 60 + random.int(0, 9 * 60),
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Conditions

/** [SNOMED, display, active, times]: chronic problems, then repeated acute and social findings. */
const CONDITIONS: readonly [string, string, boolean, number][] = [
  ['59621000', 'Essential hypertension (disorder)', true, 1],
  ['44054006', 'Diabetes mellitus type 2 (disorder)', true, 1],
  ['55822004', 'Hyperlipidemia (disorder)', true, 1],
  ['162864005', 'Body mass index 30+ - obesity (finding)', true, 1],
  ['271737000', 'Anemia (disorder)', true, 1],
  ['239873007', 'Osteoarthritis of knee (disorder)', true, 1],
  ['40055000', 'Chronic sinusitis (disorder)', true, 1],
  ['15777000', 'Prediabetes (finding)', false, 1],
  ['444814009', 'Viral sinusitis (disorder)', false, 6],
  ['195662009', 'Acute viral pharyngitis (disorder)', false, 5],
  ['10509002', 'Acute bronchitis (disorder)', false, 4],
  ['65363002', 'Otitis media (disorder)', false, 2],
  ['43878008', 'Streptococcal sore throat (disorder)', false, 2],
  ['44465007', 'Sprain of ankle (disorder)', false, 1],
  ['284549007', 'Laceration of hand (disorder)', false, 1],
  ['66383009', 'Gingivitis (disorder)', false, 3],
  ['160903007', 'Full-time employment (finding)', false, 1],
  ['73595000', 'Stress (finding)', false, 2],
  ['224299000', 'Received higher education (finding)', true, 1],
  ['314529007', 'Medication review due (situation)', false, 4],
];

function generateConditions(
  count: number,
  patientId: string,
  today: string,
  random: Random,
): Condition[] {
  const expanded = CONDITIONS.flatMap(([code, display, active, times]) =>
    Array.from({ length: times }, () => ({ code, display, active })),
  );
  return Array.from({ length: count }, (_, index) => {
    const item = expanded[index % expanded.length] as (typeof expanded)[number];
    const onsetDaysAgo = random.int(60, 7000);
    const onset = dateTime(today, onsetDaysAgo, 8 * 60 + random.int(0, 9 * 60));
    return {
      resourceType: 'Condition',
      id: random.uuid(),
      meta: { profile: [`${US_CORE}/us-core-condition-encounter-diagnosis`] },
      clinicalStatus: {
        coding: [{ system: CONDITION_CLINICAL, code: item.active ? 'active' : 'resolved' }],
      },
      verificationStatus: { coding: [{ system: CONDITION_VERIFICATION, code: 'confirmed' }] },
      category: [
        {
          coding: [
            {
              system: CONDITION_CATEGORY,
              code: 'encounter-diagnosis',
              display: 'Encounter Diagnosis',
            },
          ],
        },
      ],
      code: concept(SNOMED, item.code, item.display),
      subject: { reference: `Patient/${patientId}` },
      encounter: { reference: `Encounter/${random.uuid()}` },
      onsetDateTime: onset,
      ...(item.active
        ? {}
        : { abatementDateTime: dateTime(today, onsetDaysAgo - random.int(5, 40), 9 * 60) }),
      recordedDate: onset,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The patient and the hook requests

export function generatePatient(options: PatientOptions): GeneratedPatient {
  const today = options.today ?? BENCH_TODAY;
  const random = new Random(options.seed ?? 12);
  const patientId = `bench-${random.uuid()}`;
  const patient: Patient = {
    resourceType: 'Patient',
    id: patientId,
    meta: { profile: [`${US_CORE}/us-core-patient`] },
    identifier: [
      {
        system: 'https://github.com/synthetichealth/synthea',
        value: random.uuid(),
      },
      {
        type: concept(
          'http://terminology.hl7.org/CodeSystem/v2-0203',
          'MR',
          'Medical Record Number',
        ),
        system: 'http://hospital.smarthealthit.org',
        value: random.uuid(),
      },
    ],
    name: [{ use: 'official', family: 'Rempel203', given: ['Marlene142'], prefix: ['Mrs.'] }],
    telecom: [{ system: 'phone', value: '555-214-3381', use: 'home' }],
    gender: 'female',
    birthDate: isoDayBefore(today, 67 * 365 + 120),
    address: [
      {
        line: ['742 Kertzmann Way Suite 12'],
        city: 'Worcester',
        state: 'MA',
        postalCode: '01604',
        country: 'US',
      },
    ],
    maritalStatus: concept(
      'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus',
      'M',
      'Married',
    ),
    communication: [{ language: concept('urn:ietf:bcp:47', 'en-US', 'English (United States)') }],
  };
  return {
    patientId,
    today,
    patient,
    observations: generateObservations(options.observations, patientId, today, random),
    medicationRequests: generateMedications(options.medications ?? 30, patientId, today, random),
    conditions: generateConditions(options.conditions ?? 40, patientId, today, random),
  };
}

/** Every resource of the patient, as a FHIR server holds them. */
export function allResources(patient: GeneratedPatient): FhirResource[] {
  return [
    patient.patient,
    ...patient.observations,
    ...patient.medicationRequests,
    ...patient.conditions,
  ];
}

function searchset(resources: readonly FhirResource[]): Bundle {
  const entry: BundleEntry[] = resources.map((resource) => ({
    fullUrl: `urn:uuid:${resource.id ?? ''}`,
    resource,
    search: { mode: 'match' },
  }));
  return { resourceType: 'Bundle', type: 'searchset', total: resources.length, entry };
}

/**
 * The service's prefetch keys filled as an EHR would. The labs key carries every Observation,
 * unrelated codes included: not every EHR narrows by the template's codes. The generated patients
 * have no Procedures or MedicationStatements: those searches match nothing.
 */
export function prefetchOf(patient: GeneratedPatient): Record<string, FhirResource> {
  return {
    patient: patient.patient,
    labs: searchset(patient.observations),
    meds: searchset(patient.medicationRequests),
    conditions: searchset(patient.conditions),
    procedures: searchset([]),
    medStatements: searchset([]),
  };
}

export interface HookRequestOptions {
  /** Fill the prefetch keys (default); without, the service must use `fhirServer`. */
  prefetch?: boolean;
  fhirServer?: string;
}

/** A CDS Hooks 2.0 request body for `hook` about `patient`; order hooks carry the folic acid draft. */
export function hookRequest(
  hook: HookName,
  patient: GeneratedPatient,
  options: HookRequestOptions = {},
): Record<string, unknown> {
  const context: Record<string, unknown> = {
    userId: 'Practitioner/bench-practitioner',
    patientId: patient.patientId,
    encounterId: 'bench-encounter',
  };
  if (isOrderHook(hook)) {
    // The folic acid 5 mg draft of the demo page and the CLI.
    const draft = draftOrder('folic-acid-5mg', patient.patientId, patient.today);
    context.draftOrders = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: draft }],
    };
    if (hook === 'order-select') context.selections = [`MedicationRequest/${draft.id ?? ''}`];
  }
  return {
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    hook,
    ...(options.fhirServer === undefined ? {} : { fhirServer: options.fhirServer }),
    context,
    ...(options.prefetch === false ? {} : { prefetch: prefetchOf(patient) }),
  };
}
