import fc from 'fast-check';
import {
  ANALYTES,
  ATC_NAMES,
  CONDITION_GROUPS,
  PREGNANCY_STATUS,
  ROUTE_CODES,
  RXNORM_INGREDIENTS,
  RXNORM_PRODUCTS,
} from '../../cds-services/b12/index.js';
import { LAB_UNIT_SYNONYMS } from '../../src/fhir/units.js';
import { ATC, LOINC, RXNORM, SNOMED } from '../../src/fhir/systems.js';
import { daysBefore } from './fhir.js';

/**
 * fast-check arbitraries for the robustness properties: FHIR-shaped resources in which any field
 * may be missing or of the wrong type (the shapes EHRs really send, and worse), and a mutation
 * engine that breaks a valid JSON document in place (delete, retype, null, wrap, unwrap, giant
 * arrays, unicode, hostile keys). Everything produced is plain JSON, as it would arrive on the wire.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, unknown>;

/**
 * Strings that break naive code: prototype keys, blanks, control characters, astral and lone
 * surrogates. ('NaN' and 'undefined' are left out: the card checks look for them as signs of a
 * value printed without being read.)
 */
export const TRICKY_STRINGS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  '',
  ' ',
  '\t\n',
  '\u0000',
  '\ud800',
  '😀'.repeat(40),
  'Z̸̢̛a̴͝l̷g̶o̵',
  'é',
  '0x10',
  'Infinity',
  '-1',
  '1e309',
  'x'.repeat(300),
] as const;

export const trickyString: fc.Arbitrary<string> = fc.constantFrom(...TRICKY_STRINGS);

/** Any JSON value of small size: what a wrong-typed field holds. */
export const junk: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }),
  trickyString,
  fc.constant<Json>([]),
  fc.constant<Json>({}),
  fc.array(fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>, {
    maxKeys: 3,
    noNullPrototype: true,
  }),
);

/** Mostly `arbitrary`, sometimes missing (`undefined`, dropped from the object), sometimes junk. */
export function maybe<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | Json | undefined> {
  return fc.oneof(
    { weight: 7, arbitrary },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: junk },
  );
}

/** An object from a record of field arbitraries, with `undefined` fields left out. */
export function fields(shape: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<JsonObject> {
  return fc
    .record(shape)
    .map((record): JsonObject =>
      Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)),
    );
}

// ---------------------------------------------------------------------------------------------
// Dates relative to a fixed "today"

/** FHIR dates and dateTimes around `today`, partial dates, impossible dates and non-dates. */
export function dateArb(today: Date, maxDaysAgo = 6000): fc.Arbitrary<Json> {
  const day = fc.integer({ min: -40, max: maxDaysAgo });
  const isoDayBefore = (daysAgo: number): string =>
    daysBefore(today.toISOString().slice(0, 10), daysAgo);
  return fc.oneof(
    { weight: 6, arbitrary: day.map((ago) => isoDayBefore(ago)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          day,
          fc.constantFrom(
            'T08:15:00Z',
            'T23:59:59+14:00',
            'T00:00:00-12:00',
            'T10:00:00.123456Z',
            'T10:00',
            'T24:00:00Z',
            'T12:00:60Z',
          ),
        )
        .map(([ago, time]) => `${isoDayBefore(ago)}${time}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '2026',
        '2026-11',
        '1948',
        '0001-01-01',
        '0050',
        '0099-06',
        '9999-12-31',
        '2026-02-30',
        '2026-13-01',
        '2026-00-10',
        'yesterday',
        '21/11/2026',
        '2026-11-21T',
        '+002026-11-21',
        '2026-11-21 08:00',
        '',
      ),
    },
    { weight: 1, arbitrary: junk },
  );
}

// ---------------------------------------------------------------------------------------------
// Codes and concepts

const ALL_LOINC = [
  ...Object.values(ANALYTES).flatMap((analyte) => analyte.loinc),
  PREGNANCY_STATUS.loinc,
];
const ALL_SNOMED = [
  ...Object.values(CONDITION_GROUPS).flatMap((group) => group.snomed),
  ...PREGNANCY_STATUS.pregnant.map((code) => code.code),
  ...PREGNANCY_STATUS.notPregnant.map((code) => code.code),
  ...Object.keys(ROUTE_CODES),
];
const ALL_RXNORM = [...Object.keys(RXNORM_PRODUCTS), ...Object.keys(RXNORM_INGREDIENTS)];
const ALL_ATC = [...Object.keys(ATC_NAMES), 'B03BA51', 'B03BA99', 'A10BD07', 'A02BC99', 'A02BA9'];

/** Every canonical unit and laboratory spelling the service knows, and some it does not. */
export const UNITS = [
  ...new Set([
    ...Object.values(ANALYTES).map((analyte) => analyte.unit),
    ...LAB_UNIT_SYNONYMS.flatMap((synonym) => synonym.spellings),
  ]),
  'pg/mL',
  'pmol/L',
  'g/dL',
  'x10^9/L',
  '10*9/L',
  'µmol/L',
  'mL/min/{1.73_m2}',
  'mg',
  'mmol',
  '%',
];

const TEXTS = [
  'folic acid 5 mg tablet',
  'Folic acid 400 micrograms',
  'Hydroxocobalamin 1 mg/ml injection',
  'cyanocobalamin 1000 mcg injection',
  'Cyanocobalamin (vitamin B12) 50 microgram tablets',
  'vitamin B12',
  'multivitamin with B12',
  'metformin 500 mg',
  'omeprazole 20 mg capsule',
  'ranitidine',
  'colchicine 500 micrograms',
  'topiramate',
  'vegan',
  'Vegan diet',
  'peripheral neuropathy',
  'paraesthesia of feet',
  'fatigue',
  'Crohn disease of ileum',
  'coeliac disease',
  'atrophic gastritis',
  'gastrectomy',
  'pregnant',
  'intramuscular',
  'subcutaneous injection',
  'oral',
  'chronic kidney disease stage 4',
];

export const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TEXTS) },
  { weight: 2, arbitrary: trickyString },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
);

const SYSTEMS = [LOINC, SNOMED, RXNORM, ATC, 'urn:oid:1.2.3', ''];

/** A Coding whose code is usually one `system` knows, and whose fields may be missing or wrong. */
function codingArb(systems: readonly string[], codes: readonly string[]): fc.Arbitrary<JsonObject> {
  return fields({
    system: maybe(
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...systems) },
        { weight: 1, arbitrary: fc.constantFrom(...SYSTEMS) },
        { weight: 1, arbitrary: trickyString },
      ),
    ),
    code: maybe(
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...codes) },
        { weight: 1, arbitrary: trickyString },
        { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
      ),
    ),
    display: maybe(textArb),
  });
}

/**
 * A CodeableConcept: usually `{ coding: [...], text }`; sometimes the coding is a single object,
 * the concept a bare string or an array, or the coding absent (text only).
 */
export function conceptArb(
  systems: readonly string[],
  codes: readonly string[],
): fc.Arbitrary<Json | undefined> {
  const coding = codingArb(systems, codes);
  const proper = fields({
    coding: maybe(
      fc.oneof(
        { weight: 8, arbitrary: fc.array(coding, { minLength: 1, maxLength: 3 }) },
        { weight: 1, arbitrary: coding },
        { weight: 1, arbitrary: fc.constant([]) },
      ),
    ),
    text: maybe(textArb),
  });
  return fc.oneof(
    { weight: 8, arbitrary: proper as fc.Arbitrary<Json> },
    { weight: 1, arbitrary: textArb },
    { weight: 1, arbitrary: fc.array(proper, { maxLength: 2 }) as fc.Arbitrary<Json> },
  );
}

export const loincConcept = conceptArb([LOINC], ALL_LOINC);
export const snomedConcept = conceptArb([SNOMED], ALL_SNOMED);
export const medicationConcept = conceptArb([RXNORM, RXNORM, ATC], [...ALL_RXNORM, ...ALL_ATC]);
const statusConcept = (codes: readonly string[]): fc.Arbitrary<Json | undefined> =>
  conceptArb(
    [
      'http://terminology.hl7.org/CodeSystem/condition-clinical',
      'http://terminology.hl7.org/CodeSystem/condition-ver-status',
    ],
    codes,
  );

// ---------------------------------------------------------------------------------------------
// Resources

/** Ids: good ones (shared, so duplicates and references meet), and ids no FHIR server would issue. */
export const idArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('r1', 'r2', 'r3', 'm1', 'm2', 'c1', 'd1', 'd2', 's1') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('draft 1', ' d1 ', 'é', 'a/b', '..', 'x'.repeat(65), '#c1'),
  },
  { weight: 1, arbitrary: trickyString },
  { weight: 1, arbitrary: junk },
);

const numberArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 1500 }) },
  { weight: 3, arbitrary: fc.double({ min: 0, max: 1500, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, -1, 1e308, 5e-324, 0.1, 9.999) },
  { weight: 1, arbitrary: fc.integer() },
);

export interface ResourceArbitraries {
  observation: fc.Arbitrary<JsonObject>;
  medicationRequest: fc.Arbitrary<JsonObject>;
  draftMedicationRequest: fc.Arbitrary<JsonObject>;
  medicationStatement: fc.Arbitrary<JsonObject>;
  medication: fc.Arbitrary<JsonObject>;
  condition: fc.Arbitrary<JsonObject>;
  procedure: fc.Arbitrary<JsonObject>;
  patient: fc.Arbitrary<JsonObject>;
  serviceRequest: fc.Arbitrary<JsonObject>;
  /** Something with a resourceType that is no resource this service reads, or no resourceType. */
  stranger: fc.Arbitrary<Json>;
  /** Any of the above, weighted towards what the rules read. */
  any: fc.Arbitrary<Json>;
}

/** FHIR-shaped resources about `patientIds[0]` (mostly), with every field sometimes missing or wrong. */
export function resourceArbitraries(
  today: Date,
  patientIds: readonly string[],
): ResourceArbitraries {
  const date = dateArb(today);
  const subject = maybe(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.constantFrom(...patientIds).map((id) => ({ reference: `Patient/${id}` })),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          { reference: 'Patient/someone-else' },
          { reference: `https://ehr.example/fhir/Patient/${patientIds[0] ?? 'p'}` },
          { reference: 'Group/1' },
          { display: 'Bea' },
          { reference: 42 },
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom(...patientIds).map((id) => `Patient/${id}`) },
    ),
  );
  const period = fields({ start: maybe(date), end: maybe(date) });
  const quantity = (units: readonly string[]): fc.Arbitrary<JsonObject> =>
    fields({
      value: maybe(
        fc.oneof(
          { weight: 8, arbitrary: numberArb },
          { weight: 1, arbitrary: numberArb.map(String) },
        ),
      ),
      unit: maybe(
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...units) },
          { weight: 1, arbitrary: trickyString },
        ),
      ),
      code: maybe(
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...units) },
          { weight: 1, arbitrary: trickyString },
        ),
      ),
      system: maybe(fc.constant('http://unitsofmeasure.org')),
      comparator: fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 3, arbitrary: fc.constantFrom('<', '<=', '>', '>=') },
        { weight: 1, arbitrary: fc.constantFrom('ad', '=', '', '≤') },
      ),
    });
  const interpretation = maybe(
    fc.array(
      conceptArb(
        ['http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation'],
        ['H', 'HH', 'HU', 'L', 'LL', 'N', 'A', 'h'],
      ),
      {
        maxLength: 2,
      },
    ),
  );

  const observation = fields({
    resourceType: fc.constant('Observation'),
    id: maybe(idArb),
    status: maybe(
      fc.constantFrom(
        'final',
        'final',
        'final',
        'amended',
        'corrected',
        'preliminary',
        'registered',
        'cancelled',
        'entered-in-error',
        'unknown',
        'FINAL',
        'constructor',
      ),
    ),
    category: maybe(
      fc.oneof(
        fc.constant([
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'laboratory',
              },
            ],
          },
        ]),
        fc.constant({ coding: [{ code: 'laboratory' }] }),
      ),
    ),
    code: maybe(
      fc.oneof({ weight: 9, arbitrary: loincConcept }, { weight: 1, arbitrary: snomedConcept }),
    ),
    subject: subject,
    effectiveDateTime: maybe(date),
    effectivePeriod: fc.option(period, { nil: undefined, freq: 5 }),
    effectiveInstant: fc.option(date, { nil: undefined, freq: 8 }),
    issued: fc.option(date, { nil: undefined, freq: 3 }),
    valueQuantity: maybe(
      fc.oneof(
        { weight: 9, arbitrary: quantity(UNITS) },
        { weight: 1, arbitrary: fc.array(quantity(UNITS), { maxLength: 2 }) },
      ),
    ),
    valueString: fc.option(
      fc.oneof(
        fc.constantFrom(
          '<150 pg/mL',
          '180 pmol/L',
          '>= 2000 ng/L',
          '45',
          'high',
          '1.2.3 g/L',
          '.5 g/dL',
          '<',
          '',
        ),
        textArb,
      ),
      { nil: undefined, freq: 6 },
    ),
    valueCodeableConcept: fc.option(snomedConcept, { nil: undefined, freq: 5 }),
    dataAbsentReason: fc.option(junk, { nil: undefined, freq: 12 }),
    referenceRange: maybe(
      fc.oneof(
        fc.array(
          fields({
            low: maybe(quantity(UNITS)),
            high: maybe(quantity(UNITS)),
            text: maybe(textArb),
          }),
          { maxLength: 2 },
        ),
        fields({ high: maybe(quantity(UNITS)) }),
      ),
    ),
    interpretation,
  });

  const dosage = fields({
    sequence: maybe(fc.integer({ min: 0, max: 3 })),
    text: maybe(textArb),
    timing: maybe(
      fields({
        repeat: maybe(
          fields({
            frequency: maybe(numberArb),
            period: maybe(numberArb),
            periodUnit: maybe(
              fc.oneof(fc.constantFrom('h', 'd', 'wk', 'mo', 'a', 's'), trickyString),
            ),
            boundsDuration: fc.option(fields({ value: maybe(numberArb), unit: maybe(textArb) }), {
              nil: undefined,
              freq: 4,
            }),
          }),
        ),
        code: fc.option(
          conceptArb(
            ['http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation'],
            ['BID', 'TID', 'QD'],
          ),
          { nil: undefined, freq: 4 },
        ),
      }),
    ),
    route: maybe(snomedConcept),
    doseAndRate: maybe(
      fc.oneof(
        fc.array(
          fields({
            doseQuantity: maybe(
              quantity([
                'mg',
                'ug',
                'mcg',
                'micrograms',
                'g',
                'tablet',
                '{tablet}',
                'TAB',
                '1',
                'mL',
                'constructor',
                'toString',
              ]),
            ),
          }),
          { maxLength: 2 },
        ),
        fields({ doseQuantity: maybe(quantity(['mg', 'ug'])) }),
      ),
    ),
  });
  const dosages = maybe(
    fc.oneof(
      { weight: 8, arbitrary: fc.array(dosage, { maxLength: 3 }) },
      { weight: 1, arbitrary: dosage },
    ),
  );

  const medicationReference = fields({
    reference: maybe(
      fc.constantFrom(
        'Medication/m1',
        'Medication/m2',
        '#c1',
        '#m1',
        'urn:uuid:7f1c0a9e-0000-4000-8000-000000000001',
        'https://ehr.example/fhir/Medication/m1/_history/2',
        'Medication/',
        '#',
        'Medication/constructor',
      ),
    ),
    display: maybe(textArb),
  });

  const medication = fields({
    resourceType: fc.constant('Medication'),
    id: maybe(
      fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom('m1', 'm2', 'c1') },
        { weight: 1, arbitrary: idArb },
      ),
    ),
    code: maybe(medicationConcept),
    ingredient: maybe(
      fc.array(
        fields({ itemCodeableConcept: maybe(medicationConcept), isActive: maybe(fc.boolean()) }),
        { maxLength: 3 },
      ),
    ),
  });

  const medicationRequestOf = (
    statuses: fc.Arbitrary<string>,
    ids: fc.Arbitrary<Json> = idArb,
  ): fc.Arbitrary<JsonObject> =>
    fields({
      resourceType: fc.constant('MedicationRequest'),
      id: maybe(ids),
      status: maybe(statuses),
      intent: maybe(fc.constantFrom('order', 'plan', 'proposal')),
      subject,
      medicationCodeableConcept: maybe(medicationConcept),
      medicationReference: fc.option(medicationReference, { nil: undefined, freq: 3 }),
      contained: fc.option(fc.array(medication, { maxLength: 2 }), { nil: undefined, freq: 4 }),
      authoredOn: maybe(date),
      dispenseRequest: fc.option(fields({ validityPeriod: maybe(period) }), {
        nil: undefined,
        freq: 3,
      }),
      dosageInstruction: dosages,
    });
  const medicationRequest = medicationRequestOf(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.constantFrom(
          'active',
          'active',
          'on-hold',
          'completed',
          'stopped',
          'draft',
          'cancelled',
          'entered-in-error',
          'unknown',
        ),
      },
      { weight: 1, arbitrary: trickyString },
    ),
  );
  // Draft ids end up in delete suggestions (`MedicationRequest/<id>`): ids no server would issue are frequent.
  const draftMedicationRequest = medicationRequestOf(
    fc.oneof(
      { weight: 8, arbitrary: fc.constant('draft') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('active', 'cancelled', 'entered-in-error', 'constructor'),
      },
    ),
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('d1', 'd2', 'r1') },
      {
        weight: 2,
        arbitrary: fc.constantFrom('draft 1', ' d1 ', 'é', 'a/b', '..', 'x'.repeat(65)),
      },
      { weight: 1, arbitrary: idArb },
    ),
  );

  const medicationStatement = fields({
    resourceType: fc.constant('MedicationStatement'),
    id: maybe(idArb),
    status: maybe(
      fc.oneof(
        fc.constantFrom(
          'active',
          'intended',
          'on-hold',
          'completed',
          'stopped',
          'not-taken',
          'unknown',
        ),
        trickyString,
      ),
    ),
    subject,
    medicationCodeableConcept: maybe(medicationConcept),
    medicationReference: fc.option(medicationReference, { nil: undefined, freq: 3 }),
    effectivePeriod: maybe(period),
    effectiveDateTime: maybe(date),
    dosage: dosages,
  });

  const condition = fields({
    resourceType: fc.constant('Condition'),
    id: maybe(idArb),
    clinicalStatus: maybe(
      statusConcept(['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved']),
    ),
    verificationStatus: maybe(
      statusConcept(['confirmed', 'provisional', 'unconfirmed', 'refuted', 'entered-in-error']),
    ),
    code: maybe(snomedConcept),
    subject,
    onsetDateTime: maybe(date),
    recordedDate: maybe(date),
  });

  const procedure = fields({
    resourceType: fc.constant('Procedure'),
    id: maybe(idArb),
    status: maybe(
      fc.oneof(
        fc.constantFrom('completed', 'not-done', 'entered-in-error', 'in-progress'),
        trickyString,
      ),
    ),
    code: maybe(snomedConcept),
    subject,
    performedDateTime: maybe(date),
    performedPeriod: fc.option(period, { nil: undefined, freq: 4 }),
  });

  const patient = fields({
    resourceType: fc.constant('Patient'),
    id: maybe(
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...patientIds) },
        { weight: 1, arbitrary: idArb },
      ),
    ),
    gender: maybe(
      fc.oneof(fc.constantFrom('male', 'female', 'other', 'unknown', 'MALE'), trickyString),
    ),
    birthDate: maybe(
      fc.oneof(
        { weight: 5, arbitrary: dateArb(today, 40_000) },
        {
          weight: 1,
          arbitrary: fc
            .integer({ min: 0, max: 110 })
            .map((years) => String(today.getUTCFullYear() - years)),
        },
      ),
    ),
  });

  const serviceRequest = fields({
    resourceType: fc.constant('ServiceRequest'),
    id: maybe(idArb),
    status: maybe(fc.constantFrom('draft', 'active')),
    intent: maybe(fc.constant('order')),
    code: maybe(loincConcept),
    subject,
  });

  const stranger: fc.Arbitrary<Json> = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
    fields({
      resourceType: fc.oneof(
        fc.constantFrom('Encounter', 'Bundle', 'OperationOutcome', 'observation', 'Observation '),
        trickyString,
        junk,
      ),
      id: maybe(idArb),
      subject,
    }) as fc.Arbitrary<Json>,
  );

  const any = fc.oneof(
    { weight: 8, arbitrary: observation as fc.Arbitrary<Json> },
    { weight: 4, arbitrary: medicationRequest as fc.Arbitrary<Json> },
    { weight: 2, arbitrary: medicationStatement as fc.Arbitrary<Json> },
    { weight: 2, arbitrary: medication as fc.Arbitrary<Json> },
    { weight: 3, arbitrary: condition as fc.Arbitrary<Json> },
    { weight: 1, arbitrary: procedure as fc.Arbitrary<Json> },
    { weight: 2, arbitrary: patient as fc.Arbitrary<Json> },
    { weight: 1, arbitrary: serviceRequest as fc.Arbitrary<Json> },
    { weight: 1, arbitrary: stranger },
  );

  return {
    observation,
    medicationRequest,
    draftMedicationRequest,
    medicationStatement,
    medication,
    condition,
    procedure,
    patient,
    serviceRequest,
    stranger,
    any,
  };
}

// ---------------------------------------------------------------------------------------------
// Mutations of a valid document

export type MutationOp =
  | { kind: 'delete' }
  | { kind: 'set'; value: Json }
  | { kind: 'null' }
  | { kind: 'stringify' }
  | { kind: 'numberify' }
  | { kind: 'wrap' }
  | { kind: 'unwrap' }
  | { kind: 'resourceType'; value: string }
  | { kind: 'giantArray'; size: number }
  | { kind: 'unicode'; value: string }
  | { kind: 'addKey'; key: string; value: Json };

export interface Mutation {
  /** Child choices on the way down (each taken modulo the number of children); the walk stops early at leaves. */
  path: number[];
  /**
   * When set, the target is instead a leaf (string, number, boolean or null) chosen uniformly
   * among all leaves of the document: deep fields such as a draft's id or a coding's code are
   * reached as often as top-level ones.
   */
  leaf?: number;
  /** With `leaf`: only leaves under a key that names or codes something (`code`, `id`, `unit`...). */
  keyedLeaf?: boolean;
  op: MutationOp;
}

/** Leaf keys whose values are looked up, compared or put into URLs and references. */
const KEYED_LEAVES = new Set([
  'code',
  'id',
  'unit',
  'system',
  'reference',
  'status',
  'periodUnit',
  'resourceType',
  'patientId',
  'fullUrl',
  'url',
  'relation',
  'gender',
  'comparator',
]);

const RESOURCE_TYPES = [
  'Patient',
  'Observation',
  'Bundle',
  'OperationOutcome',
  'MedicationRequest',
  'Medication',
  'Condition',
  'Foo',
  'observation',
  'Bundle ',
  '',
];

export const mutationOpArb: fc.Arbitrary<MutationOp> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'delete' as const }) },
  { weight: 3, arbitrary: junk.map((value) => ({ kind: 'set' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'null' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'stringify' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'numberify' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'wrap' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'unwrap' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...RESOURCE_TYPES)
      .map((value) => ({ kind: 'resourceType' as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 1000, max: 3000 }))
      .map((size) => ({ kind: 'giantArray' as const, size })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        trickyString,
      )
      .map((value) => ({ kind: 'unicode' as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.oneof(trickyString, fc.constantFrom('resourceType', 'entry', 'link', 'issue', 'next')),
        junk,
      )
      .map(([key, value]) => ({ kind: 'addKey' as const, key, value })),
  },
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: fc.array(fc.nat(), { maxLength: 9 }), op: mutationOpArb }),
  fc.record({
    path: fc.constant<number[]>([]),
    leaf: fc.nat(),
    keyedLeaf: fc.boolean(),
    op: fc.oneof(
      mutationOpArb,
      trickyString.map((value): MutationOp => ({ kind: 'unicode', value })),
    ),
  }),
);

const isContainer = (value: unknown): value is Json[] | Record<string, Json> =>
  typeof value === 'object' && value !== null;

function mutated(value: Json, op: MutationOp): Json | undefined {
  switch (op.kind) {
    case 'delete':
      return undefined;
    case 'set':
      return op.value;
    case 'null':
      return null;
    case 'stringify':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'numberify':
      return typeof value === 'string' ? Number(value) || value.length : 1;
    case 'wrap':
      return [value];
    case 'unwrap':
      return Array.isArray(value)
        ? (value[0] ?? null)
        : isContainer(value)
          ? Object.values(value)
          : value;
    case 'resourceType':
      return isContainer(value) && !Array.isArray(value)
        ? { ...value, resourceType: op.value }
        : op.value;
    case 'giantArray':
      return Array.from({ length: op.size }, () => value);
    case 'unicode':
      return op.value;
    case 'addKey':
      if (!isContainer(value) || Array.isArray(value)) return value;
      // defineProperty: a plain assignment of "__proto__" would set the prototype instead of a key.
      return Object.defineProperty({ ...value }, op.key, {
        value: op.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
}

const keysOf = (node: Json[] | Record<string, Json>): (string | number)[] =>
  Array.isArray(node) ? node.map((_, index) => index) : Object.keys(node);

/** The paths (child indices) of every leaf of `node`, with the key each leaf is under. */
function leafPaths(
  node: Json,
  prefix: number[] = [],
  under: string | number = '',
  found: { path: number[]; key: string | number }[] = [],
): { path: number[]; key: string | number }[] {
  if (!isContainer(node)) {
    found.push({ path: prefix, key: under });
    return found;
  }
  keysOf(node).forEach((key, index) => {
    // An array element is keyed by the array's own key (`coding[0]` is under `coding`).
    const name = Array.isArray(node) ? under : key;
    leafPaths((node as Record<string, Json>)[key] as Json, [...prefix, index], name, found);
  });
  return found;
}

/** Applies one mutation to a deep copy of `document` and returns the copy. */
export function applyMutation(document: Json, mutation: Mutation): Json {
  const root: Json = structuredClone(document);
  if (!isContainer(root)) return root;
  const all = mutation.leaf === undefined ? [] : leafPaths(root);
  const keyed = mutation.keyedLeaf ? all.filter((leaf) => KEYED_LEAVES.has(String(leaf.key))) : [];
  const leaves = keyed.length > 0 ? keyed : all;
  const path =
    leaves.length > 0 ? (leaves[(mutation.leaf ?? 0) % leaves.length]?.path ?? []) : mutation.path;
  const [first = 0, ...rest] = path;
  const rootKeys = keysOf(root);
  if (rootKeys.length === 0) return root;
  let parent: Json[] | Record<string, Json> = root;
  let key = rootKeys[first % rootKeys.length] as string | number;
  for (const choice of rest) {
    const node = (parent as Record<string, Json>)[key] as Json;
    if (!isContainer(node)) break;
    const keys = keysOf(node);
    if (keys.length === 0) break;
    parent = node;
    key = keys[choice % keys.length] as string | number;
  }
  const next = mutated((parent as Record<string, Json>)[key] as Json, mutation.op);
  if (Array.isArray(parent)) {
    if (next === undefined) parent.splice(key as number, 1);
    else parent[key as number] = next;
  } else if (next === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
    delete parent[key];
  } else {
    Object.defineProperty(parent, key, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return root;
}

export const applyMutations = (document: Json, mutations: readonly Mutation[]): Json =>
  mutations.reduce(applyMutation, document);
