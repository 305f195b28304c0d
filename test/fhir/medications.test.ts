import {
  concept,
  epochDayOf,
  medicationAdministration,
  quantity,
  rx,
  sct,
} from '../support/fhir.js';
import type { Dosage as FhirDosage, MedicationAdministration, Timing } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import {
  ADMINISTRATION_CURRENT_DAYS,
  medicationIndex,
  readMedicationUse,
} from '../../src/fhir/medications.js';
import type { MedicationIndex, MedicationUse } from '../../src/fhir/medications.js';
import {
  condition,
  containedMedication,
  medication,
  medicationRequest,
  medicationStatement,
  observation,
  validR4,
} from './support.js';
import type { Json } from './support.js';
import { RXNORM } from '../../src/fhir/systems.js';

/* RULES.md 2.3 (medications) and 6 (medicationReference resolution). */

const EMPTY: MedicationIndex = new Map();
/** The day of the request: whether a dose given is still current depends on it (RULES.md 10.4.1). */
const TODAY = epochDayOf('2026-11-21');

function use(resource: Json, index: MedicationIndex = EMPTY, today = TODAY): MedicationUse {
  const read = readMedicationUse(resource, index, today);
  if (!read) expect.fail(`expected a medication use for ${JSON.stringify(resource)}`);
  return read;
}

describe('status (RULES.md 2.3)', () => {
  it.each([
    { status: 'active', expected: 'current' },
    { status: 'on-hold', expected: 'current' },
    { status: 'completed', expected: 'history' },
    { status: 'stopped', expected: 'history' },
    { status: 'draft', expected: 'draft' },
    { status: 'cancelled', expected: 'ignored' },
    { status: 'entered-in-error', expected: 'ignored' },
    { status: 'unknown', expected: 'ignored' },
  ] as const)('MedicationRequest $status is $expected', ({ status, expected }) => {
    const read = use(medicationRequest({ status }));
    expect(read.status).toBe(expected);
    expect(read.resourceType).toBe('MedicationRequest');
  });

  it.each([
    { status: 'active', expected: 'current' },
    { status: 'intended', expected: 'current' },
    { status: 'on-hold', expected: 'current' },
    { status: 'completed', expected: 'history' },
    { status: 'stopped', expected: 'history' },
    { status: 'entered-in-error', expected: 'ignored' },
    { status: 'unknown', expected: 'ignored' },
    { status: 'not-taken', expected: 'ignored' },
  ] as const)('MedicationStatement $status is $expected', ({ status, expected }) => {
    const read = use(medicationStatement({ status }));
    expect(read.status).toBe(expected);
    expect(read.resourceType).toBe('MedicationStatement');
  });

  it('a MedicationRequest without status is ignored', () => {
    // Not valid R4: status is required.
    const resource = medicationRequest();
    delete resource.status;
    expect(use(resource).status).toBe('ignored');
  });

  it.each([
    { fact: 'an Observation', resource: (): Json => observation() },
    { fact: 'a Condition', resource: (): Json => condition() },
    { fact: 'a Medication', resource: (): Json => medication() },
  ])('$fact is not a medication use (undefined)', ({ resource }) => {
    expect(readMedicationUse(resource(), EMPTY, TODAY)).toBeUndefined();
  });

  it('keeps the id', () => {
    expect(use(medicationRequest({ id: 'mr-hydroxo' })).id).toBe('mr-hydroxo');
  });
});

describe('start and end days (RULES.md 2.3 "Start date", 2.2 course end)', () => {
  it('a request starts on authoredOn', () => {
    expect(use(medicationRequest({ authoredOn: '2026-01-10' })).startDay).toBe(
      epochDayOf('2026-01-10'),
    );
  });

  it('authoredOn wins over dispenseRequest.validityPeriod.start', () => {
    const resource = medicationRequest({
      authoredOn: '2026-01-10',
      dispenseRequest: { validityPeriod: { start: '2026-01-15' } },
    });
    expect(use(resource).startDay).toBe(epochDayOf('2026-01-10'));
  });

  it('without authoredOn a request starts on validityPeriod.start', () => {
    const resource = medicationRequest({
      authoredOn: undefined,
      dispenseRequest: { validityPeriod: { start: '2026-01-15', end: '2026-04-15' } },
    });
    expect(use(resource).startDay).toBe(epochDayOf('2026-01-15'));
  });

  it('a request with neither has no start (duration unknown)', () => {
    expect(use(medicationRequest({ authoredOn: undefined })).startDay).toBeUndefined();
  });

  it('a year-month authoredOn is not a start day; validityPeriod.start is used instead', () => {
    const resource = medicationRequest({
      authoredOn: '2026-01',
      dispenseRequest: { validityPeriod: { start: '2026-01-15' } },
    });
    expect(use(resource).startDay).toBe(epochDayOf('2026-01-15'));
  });

  it.each([
    { authoredOn: '2026-01-10T00:30:00+13:00', utcDate: '2026-01-09' },
    { authoredOn: '2026-01-10T20:00:00-05:00', utcDate: '2026-01-11' },
  ])('authoredOn $authoredOn starts on UTC day $utcDate', ({ authoredOn, utcDate }) => {
    expect(use(medicationRequest({ authoredOn })).startDay).toBe(epochDayOf(utcDate));
  });

  it('a request ends on validityPeriod.end', () => {
    const resource = medicationRequest({
      status: 'completed',
      dispenseRequest: { validityPeriod: { start: '2026-01-10', end: '2026-04-10' } },
    });
    expect(use(resource).endDay).toBe(epochDayOf('2026-04-10'));
  });

  it('a request without validityPeriod.end has no end', () => {
    expect(use(medicationRequest()).endDay).toBeUndefined();
  });

  it('a statement starts on effectivePeriod.start and ends on effectivePeriod.end', () => {
    const read = use(
      medicationStatement({ effectivePeriod: { start: '2026-02-01', end: '2026-05-01' } }),
    );
    expect(read.startDay).toBe(epochDayOf('2026-02-01'));
    expect(read.endDay).toBe(epochDayOf('2026-05-01'));
  });

  it('a statement with effectiveDateTime starts then and has no end', () => {
    const read = use(medicationStatement({ effectiveDateTime: '2026-02-03' }));
    expect(read.startDay).toBe(epochDayOf('2026-02-03'));
    expect(read.endDay).toBeUndefined();
  });

  it('a statement with no effective[x] has no start', () => {
    expect(use(medicationStatement({ effectivePeriod: undefined })).startDay).toBeUndefined();
  });

  it('a statement without effective[x] starts on dateAsserted (RULES.md 10.4.2)', () => {
    const read = use(
      medicationStatement({ effectivePeriod: undefined, dateAsserted: '2026-02-05' }),
    );
    expect(read.startDay).toBe(epochDayOf('2026-02-05'));
  });

  it('without authoredOn or validityPeriod, a request starts on the earliest dosage boundsPeriod.start (RULES.md 10.4.2)', () => {
    const resource = medicationRequest({
      authoredOn: undefined,
      dosageInstruction: [
        { sequence: 2, timing: { repeat: { boundsPeriod: { start: '2026-03-01' } } } },
        {
          sequence: 1,
          timing: { repeat: { boundsPeriod: { start: '2026-01-20', end: '2026-02-28' } } },
        },
        { sequence: 3, text: 'no timing' },
      ],
    });
    expect(use(resource).startDay).toBe(epochDayOf('2026-01-20'));
  });

  it('validityPeriod.start wins over boundsPeriod.start (RULES.md 10.4.2)', () => {
    const resource = medicationRequest({
      authoredOn: undefined,
      dispenseRequest: { validityPeriod: { start: '2026-02-15' } },
      dosageInstruction: [{ timing: { repeat: { boundsPeriod: { start: '2026-01-20' } } } }],
    });
    expect(use(resource).startDay).toBe(epochDayOf('2026-02-15'));
  });

  it('effective[x] wins over dateAsserted (RULES.md 10.4.2)', () => {
    const read = use(
      medicationStatement({ effectiveDateTime: '2026-01-20', dateAsserted: '2026-02-05' }),
    );
    expect(read.startDay).toBe(epochDayOf('2026-01-20'));
  });
});

describe('MedicationAdministration: a dose given (RULES.md 10.4.1)', () => {
  /** A hydroxocobalamin dose given on 2026-10-12 (40 days before 2026-11-21). */
  function administration(overrides: Partial<MedicationAdministration> = {}): Json {
    const given = medicationAdministration(concept([rx('317106')]), 40, { id: 'ma-1' });
    if (overrides.effectivePeriod) delete given.effectiveDateTime;
    return validR4({ ...given, ...overrides });
  }

  it('a completed dose 40 days ago is current, starting and ending on its day', () => {
    const read = use(administration());
    expect(read).toMatchObject({
      resourceType: 'MedicationAdministration',
      id: 'ma-1',
      status: 'current',
      startDay: epochDayOf('2026-10-12'),
      endDay: epochDayOf('2026-10-12'),
    });
  });

  it('a dose keeps the therapy current for 92 days (maintenance every 2–3 months)', () => {
    expect(ADMINISTRATION_CURRENT_DAYS).toBe(92);
    expect(use(administration({ effectiveDateTime: '2026-08-21' })).status).toBe('current');
    expect(use(administration({ effectiveDateTime: '2026-08-20' })).status).toBe('history');
  });

  it('a dose given over a period starts on its start and ends on its end', () => {
    const read = use(
      administration({
        effectivePeriod: { start: '2026-11-01T10:00:00Z', end: '2026-11-01T10:30:00Z' },
      }),
    );
    expect(read.startDay).toBe(epochDayOf('2026-11-01'));
    expect(read.endDay).toBe(epochDayOf('2026-11-01'));
  });

  it.each([
    { status: 'completed', expected: 'current' },
    { status: 'in-progress', expected: 'current' },
    { status: 'not-done', expected: 'ignored' },
    { status: 'on-hold', expected: 'ignored' },
    { status: 'stopped', expected: 'ignored' },
    { status: 'entered-in-error', expected: 'ignored' },
    { status: 'unknown', expected: 'ignored' },
  ] as const)('MedicationAdministration $status is $expected', ({ status, expected }) => {
    expect(use(administration({ status })).status).toBe(expected);
  });

  it('a dose dated after tomorrow is no dose given', () => {
    expect(use(administration({ effectiveDateTime: '2026-11-25' })).status).toBe('ignored');
  });

  it('its dosage is the one dose given (dosage.dose and dosage.route), with no schedule', () => {
    const route = concept([sct('78421000', 'Intramuscular route')]);
    const read = use(
      administration({ dosage: { text: '1 mg IM', route, dose: quantity(1, 'mg') } }),
    );
    expect(read.dosage).toEqual({
      dose: { value: 1, unit: 'mg' },
      perDay: undefined,
      route,
      text: '1 mg IM',
    });
  });
});

describe('medication concept and medicationReference (RULES.md 6)', () => {
  const hydroxo = medication({ id: 'm1' });
  const index = medicationIndex([hydroxo, observation()].map((resource) => ({ resource })));

  it('medicationCodeableConcept is the only concept, with no reference', () => {
    const read = use(medicationRequest());
    expect(read.concepts).toEqual([
      {
        coding: [{ system: RXNORM, code: '317106' }],
        text: 'Hydroxocobalamin 1 mg/1 mL injection',
      },
    ]);
    expect(read.unresolvedReference).toBe(false);
    expect(read.referenceDisplay).toBeUndefined();
  });

  it('#med1 resolves to the contained Medication', () => {
    const contained = containedMedication({
      id: 'med1',
      code: { text: 'Cyanocobalamin 1 mg/mL injection' },
    });
    const resource = medicationRequest({
      contained: [contained],
      medicationReference: { reference: '#med1' },
    });
    const read = use(resource);
    expect(read.concepts).toEqual([{ text: 'Cyanocobalamin 1 mg/mL injection' }]);
    expect(read.unresolvedReference).toBe(false);
  });

  it('a #reference to a contained id that is absent is unresolved', () => {
    const contained = containedMedication({ id: 'med1' });
    const resource = medicationRequest({
      contained: [contained],
      medicationReference: { reference: '#med2', display: 'Cyanocobalamin' },
    });
    const read = use(resource);
    expect(read.unresolvedReference).toBe(true);
    expect(read.referenceDisplay).toBe('Cyanocobalamin');
  });

  it.each([
    'Medication/m1',
    'https://ehr.example.org/fhir/Medication/m1',
    'Medication/m1/_history/2',
    'https://ehr.example.org/fhir/Medication/m1/_history/2',
  ])('%s resolves to Medication m1 in the index', (reference) => {
    const read = use(medicationRequest({ medicationReference: { reference } }), index);
    expect(read.concepts).toEqual([hydroxo.code]);
    expect(read.unresolvedReference).toBe(false);
    expect(read.referenceDisplay).toBeUndefined();
  });

  it('a statement resolves medicationReference the same way', () => {
    const read = use(
      medicationStatement({ medicationReference: { reference: 'Medication/m1' } }),
      index,
    );
    expect(read.concepts).toEqual([hydroxo.code]);
  });

  it('an unresolved reference is flagged and keeps its display; it has no concepts', () => {
    const resource = medicationRequest({
      medicationReference: {
        reference: 'Medication/missing',
        display: 'Hydroxocobalamin 1 mg/1 mL',
      },
    });
    const read = use(resource, index);
    expect(read.unresolvedReference).toBe(true);
    expect(read.referenceDisplay).toBe('Hydroxocobalamin 1 mg/1 mL');
    expect(read.concepts).toEqual([]);
  });

  it('a reference to Medication/m10 does not resolve to m1', () => {
    const read = use(
      medicationRequest({ medicationReference: { reference: 'Medication/m10' } }),
      index,
    );
    expect(read.unresolvedReference).toBe(true);
  });

  it('each ingredient itemCodeableConcept of a Medication is a concept after the code', () => {
    const combination = medication({
      id: 'm2',
      code: { text: 'Vitamin B complex tablets' },
      ingredient: [
        {
          itemCodeableConcept: concept([rx('11248')], 'cyanocobalamin'),
        },
        { itemCodeableConcept: concept([rx('4511')], 'folic acid') },
        { itemReference: { reference: 'Substance/s1' } },
      ],
    });
    const read = use(
      medicationRequest({ medicationReference: { reference: 'Medication/m2' } }),
      medicationIndex([{ resource: combination }]),
    );
    expect(read.concepts).toEqual([
      { text: 'Vitamin B complex tablets' },
      { coding: [{ system: RXNORM, code: '11248' }], text: 'cyanocobalamin' },
      { coding: [{ system: RXNORM, code: '4511' }], text: 'folic acid' },
    ]);
  });

  it('a Medication with ingredients but no code contributes just the ingredients', () => {
    const noCode = medication({
      id: 'm3',
      code: undefined,
      ingredient: [{ itemCodeableConcept: { text: 'hydroxocobalamin' } }],
    });
    const read = use(
      medicationRequest({ medicationReference: { reference: 'Medication/m3' } }),
      medicationIndex([{ resource: noCode }]),
    );
    expect(read.concepts).toEqual([{ text: 'hydroxocobalamin' }]);
  });

  it('medicationIndex keys Medications by Medication/<id> and skips other resources', () => {
    expect([...index.keys()]).toEqual(['Medication/m1']);
  });

  it("resolves a reference to a Bundle entry's fullUrl (urn:uuid), as draftOrders use (RULES.md 6)", () => {
    const fullUrl = 'urn:uuid:4f0c6b8e-2d1a-4a7e-9b1e-0a4c2f1d3e5b';
    const read = use(
      medicationRequest({ medicationReference: { reference: fullUrl } }),
      medicationIndex([{ resource: medication({ id: undefined }), fullUrl }]),
    );
    expect(read.unresolvedReference).toBe(false);
    expect(read.concepts).toHaveLength(1);
  });
});

describe('dosage: the first dosage instruction (RULES.md 2.3 daily dose and route)', () => {
  const withDosage = (dosage: FhirDosage[]): Json =>
    medicationRequest({ dosageInstruction: dosage });
  const timing = (repeat: Timing['repeat']): Timing => ({ repeat });

  it('doseAndRate[0].doseQuantity is read with the UCUM code before the unit text', () => {
    const read = use(
      withDosage([{ doseAndRate: [{ doseQuantity: quantity(5, 'milligram', 'mg') }] }]),
    );
    expect(read.dosage?.dose).toEqual({ value: 5, unit: 'mg' });
  });

  it('doseQuantity.unit is used when there is no code', () => {
    const read = use(
      withDosage([{ doseAndRate: [{ doseQuantity: { value: 400, unit: 'microgram' } }] }]),
    );
    expect(read.dosage?.dose).toEqual({ value: 400, unit: 'microgram' });
  });

  it('a doseQuantity without a unit gives no dose', () => {
    const read = use(withDosage([{ doseAndRate: [{ doseQuantity: { value: 5 } }] }]));
    expect(read.dosage?.dose).toBeUndefined();
  });

  it('no doseAndRate gives no dose', () => {
    expect(use(withDosage([{ text: 'one tablet daily' }])).dosage?.dose).toBeUndefined();
  });

  it.each([
    {
      fact: 'frequency 3 per 1 d is 3 a day',
      repeat: { frequency: 3, period: 1, periodUnit: 'd' },
      perDay: 3,
    },
    {
      fact: 'frequency 1 per 8 h is 3 a day',
      repeat: { frequency: 1, period: 8, periodUnit: 'h' },
      perDay: 3,
    },
    {
      fact: 'frequency 1 per 12 h is 2 a day',
      repeat: { frequency: 1, period: 12, periodUnit: 'h' },
      perDay: 2,
    },
    {
      fact: 'frequency 1 per 1 wk is 1/7 a day',
      repeat: { frequency: 1, period: 1, periodUnit: 'wk' },
      perDay: 1 / 7,
    },
    {
      fact: 'frequency 3 per 1 wk is 3/7 a day',
      repeat: { frequency: 3, period: 1, periodUnit: 'wk' },
      perDay: 3 / 7,
    },
    {
      fact: 'frequency 1 per 2 d is 0.5 a day',
      repeat: { frequency: 1, period: 2, periodUnit: 'd' },
      perDay: 0.5,
    },
    {
      fact: 'a period without frequency is once per period',
      repeat: { period: 1, periodUnit: 'd' },
      perDay: 1,
    },
    {
      fact: 'a repeat with neither frequency nor period is once daily',
      repeat: { boundsDuration: quantity(7, 'd') },
      perDay: 1,
    },
  ] satisfies { fact: string; repeat: Timing['repeat']; perDay: number }[])(
    '$fact',
    ({ repeat, perDay }) => {
      const read = use(withDosage([{ timing: timing(repeat) }]));
      expect(read.dosage?.perDay).toBeCloseTo(perDay, 12);
    },
  );

  it('no timing at all is once daily (RULES.md 2.3 "none → once daily")', () => {
    expect(use(withDosage([{ text: 'one tablet' }])).dosage?.perDay).toBe(1);
  });

  it.each([
    { fact: "periodUnit 'mo'", repeat: { frequency: 1, period: 1, periodUnit: 'mo' } },
    { fact: "periodUnit 'a'", repeat: { frequency: 1, period: 1, periodUnit: 'a' } },
    { fact: "periodUnit 'min'", repeat: { frequency: 1, period: 30, periodUnit: 'min' } },
    { fact: 'a frequency without a period', repeat: { frequency: 2 } },
    { fact: 'a period of 0', repeat: { frequency: 1, period: 0, periodUnit: 'd' } },
  ] satisfies { fact: string; repeat: Timing['repeat'] }[])(
    '$fact gives administrations per day undefined (dose unknown)',
    ({ repeat }) => {
      expect(use(withDosage([{ timing: timing(repeat) }])).dosage?.perDay).toBeUndefined();
    },
  );

  it('route and text are kept', () => {
    const route = concept([sct('78421000', 'Intramuscular route')]);
    const read = use(withDosage([{ text: ' 1 mg IM three times a week ', route }]));
    expect(read.dosage?.route).toEqual(route);
    expect(read.dosage?.text).toBe('1 mg IM three times a week');
  });

  it('without text, the patientInstruction is the dosage text (RULES.md 10.4.7)', () => {
    const read = use(withDosage([{ patientInstruction: 'Take 5 mg daily with food' }]));
    expect(read.dosage?.text).toBe('Take 5 mg daily with food');
  });

  it('the text wins over the patientInstruction', () => {
    const read = use(
      withDosage([
        { text: '5 mg once daily', patientInstruction: 'Take one tablet in the morning' },
      ]),
    );
    expect(read.dosage?.text).toBe('5 mg once daily');
  });

  it('only the first dosage instruction is read', () => {
    const read = use(
      withDosage([
        { text: 'first', timing: timing({ frequency: 1, period: 1, periodUnit: 'd' }) },
        { text: 'second', timing: timing({ frequency: 4, period: 1, periodUnit: 'd' }) },
      ]),
    );
    expect(read.dosage?.text).toBe('first');
    expect(read.dosage?.perDay).toBe(1);
  });

  it('no dosageInstruction gives no dosage', () => {
    expect(use(medicationRequest()).dosage).toBeUndefined();
  });

  it('a statement reads its dosage element', () => {
    const read = use(
      medicationStatement({
        dosage: [
          {
            text: '1 mg daily',
            timing: timing({ frequency: 1, period: 1, periodUnit: 'd' }),
            doseAndRate: [{ doseQuantity: quantity(1, 'mg') }],
          },
        ],
      }),
    );
    expect(read.dosage).toEqual({
      dose: { value: 1, unit: 'mg' },
      perDay: 1,
      route: undefined,
      text: '1 mg daily',
    });
  });
});
