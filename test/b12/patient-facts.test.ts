import { describe, expect, it } from 'vitest';
import type { FhirResource, Patient } from 'fhir/r4.js';
import {
  OID,
  TODAY,
  TODAY_DAY,
  ago,
  concept,
  condition,
  dayAgo,
  draftOrder,
  epochDayOf,
  icd10cm,
  lab,
  localServiceRequest,
  medicationAdministration,
  medicationRequest,
  patient,
  pregnancyStatus,
  quantity,
  rx,
  sct,
  serviceRequest,
} from '../support/fhir.js';
import { facts } from './facts.js';

/** The patient (RULES.md 2.1), draft orders (RULES.md 6) and what is read at all. */

describe('age in whole years from Patient.birthDate (RULES.md 2.1)', () => {
  it.each<[string, string, string, number | undefined]>([
    ['on the 60th birthday', '1966-11-21', TODAY, 60],
    ['the day before the 60th birthday', '1966-11-22', TODAY, 59],
    ['the day after the 16th birthday', '2010-11-20', TODAY, 16],
    ['the day before the 16th birthday', '2010-11-22', TODAY, 15],
    ['born 29 February, on 28 February of a common year', '2000-02-29', '2027-02-28', 26],
    ['born 29 February, on 1 March of a common year', '2000-02-29', '2027-03-01', 27],
    ['born 29 February, on 29 February', '2000-02-29', '2028-02-29', 28],
    ['a year-only birth date gives the youngest possible age', '1950', TODAY, 75],
    ['a year-month birth date gives the youngest possible age', '1950-11', TODAY, 75],
    ['a year-month birth date in a later month', '1950-12', TODAY, 75],
  ])('%s', (_name, birthDate, today, age) => {
    expect(
      facts([], { patient: patient({ birthDate }), today: epochDayOf(today) }).patient.ageYears,
    ).toBe(age);
  });

  it('no birth date: age unknown', () => {
    expect(
      facts([], { patient: patient({ birthDate: undefined }) }).patient.ageYears,
    ).toBeUndefined();
  });

  it('no Patient resource: age unknown and sex unknown', () => {
    expect(facts([], { patient: null }).patient).toEqual({
      deceased: false,
      ageYears: undefined,
      sex: 'unknown',
      pregnant: false,
    });
  });
});

describe('deceased (RULES.md 10.1.1)', () => {
  it.each<[string, Partial<Patient>, boolean]>([
    ['deceasedBoolean true', { deceasedBoolean: true }, true],
    ['deceasedBoolean false', { deceasedBoolean: false }, false],
    ['deceasedDateTime yesterday', { deceasedDateTime: ago(1) }, true],
    ['deceasedDateTime today', { deceasedDateTime: TODAY }, true],
    [
      'deceasedDateTime late yesterday in New York (today in UTC)',
      { deceasedDateTime: `${ago(1)}T23:30:00-05:00` },
      true,
    ],
    ['deceasedDateTime a year ago', { deceasedDateTime: ago(365) }, true],
    [
      'deceasedDateTime tomorrow (not on or before today)',
      { deceasedDateTime: '2026-11-22' },
      false,
    ],
    ['deceasedDateTime next year', { deceasedDateTime: '2027-01-15' }, false],
    ['no deceased[x]', {}, false],
  ])('%s: deceased %s', (_name, fields, deceased) => {
    expect(facts([], { patient: patient(fields) }).patient.deceased).toBe(deceased);
  });
});

describe('partial birth dates give an age range; the rules use the youngest age (RULES.md 10.1.2)', () => {
  it.each<[string, number, string | undefined]>([
    // Born 1950-12-31 at the latest: 75 on 2026-11-21 (76 if born before 22 November).
    ['1950', 75, '1950'],
    ['1950-06', 76, '1950'],
    ['1950-11', 75, '1950'],
    ['2010', 15, '2010'],
    ['2009', 16, '2009'],
    ['1950-06-15', 76, undefined],
  ])('birthDate %s: youngest age %i, born in %s', (birthDate, age, born) => {
    const found = facts([], { patient: patient({ birthDate }) }).patient;
    expect(found.ageYears).toBe(age);
    expect(found.bornIn).toBe(born);
  });
});

describe('sex from Patient.gender (RULES.md 2.1)', () => {
  it.each<[Patient['gender'], string]>([
    ['male', 'male'],
    ['female', 'female'],
    ['other', 'other'],
    ['unknown', 'unknown'],
    [undefined, 'unknown'],
  ])('gender %s is sex %s (no gender: unknown)', (gender, sex) => {
    expect(facts([], { patient: patient({ gender }) }).patient.sex).toBe(sex);
  });
});

describe('pregnant (RULES.md 2.1)', () => {
  const PREGNANCY = concept([sct('77386006', 'Pregnant')]);

  const CASES: [string, FhirResource[], Patient['gender'], boolean][] = [
    ['no data: not pregnant', [], 'female', false],
    ['82810-3 = SNOMED 77386006 at 10 days', [pregnancyStatus('pregnant', 10)], 'female', true],
    [
      '82810-3 = LOINC LA15173-0 at 10 days',
      [pregnancyStatus('pregnant-loinc', 10)],
      'female',
      true,
    ],
    ['82810-3 pregnant at 300 days (inside)', [pregnancyStatus('pregnant', 300)], 'female', true],
    ['82810-3 pregnant at 301 days (outside)', [pregnancyStatus('pregnant', 301)], 'female', false],
    ['82810-3 pregnant, amended', [pregnancyStatus('pregnant', 10, 'amended')], 'female', true],
    ['82810-3 pregnant, corrected', [pregnancyStatus('pregnant', 10, 'corrected')], 'female', true],
    [
      '82810-3 pregnant, preliminary',
      [pregnancyStatus('pregnant', 10, 'preliminary')],
      'female',
      false,
    ],
    [
      '82810-3 pregnant, entered-in-error',
      [pregnancyStatus('pregnant', 10, 'entered-in-error')],
      'female',
      false,
    ],
    ['82810-3 pregnant for sex unknown', [pregnancyStatus('pregnant', 10)], 'unknown', true],
    ['82810-3 pregnant for sex other', [pregnancyStatus('pregnant', 10)], 'other', true],
    ['82810-3 pregnant: never for male', [pregnancyStatus('pregnant', 10)], 'male', false],
    [
      'the latest 82810-3 says not pregnant',
      [pregnancyStatus('pregnant', 100), pregnancyStatus('not-pregnant', 10)],
      'female',
      false,
    ],
    [
      'the latest 82810-3 says pregnant after an earlier not pregnant',
      [pregnancyStatus('not-pregnant', 100), pregnancyStatus('pregnant', 10)],
      'female',
      true,
    ],
    ['82810-3 with another answer', [pregnancyStatus('unknown', 10)], 'female', false],
    ['an active pregnancy Condition', [condition(PREGNANCY, { onsetDaysAgo: 60 })], 'female', true],
    [
      'an active pregnancy Condition (72892002)',
      [condition(concept([sct('72892002')]))],
      'female',
      true,
    ],
    ['a pregnancy Condition: never for male', [condition(PREGNANCY)], 'male', false],
    [
      'a resolved pregnancy Condition',
      [condition(PREGNANCY, { clinical: 'resolved' })],
      'female',
      false,
    ],
    [
      'a refuted pregnancy Condition',
      [condition(PREGNANCY, { verification: 'refuted' })],
      'female',
      false,
    ],
    [
      'a pregnancy Condition and a later "not pregnant" 82810-3',
      [condition(PREGNANCY, { onsetDaysAgo: 200 }), pregnancyStatus('not-pregnant', 20)],
      'female',
      false,
    ],
    [
      'a pregnancy Condition and an earlier "not pregnant" 82810-3',
      [condition(PREGNANCY, { onsetDaysAgo: 60 }), pregnancyStatus('not-pregnant', 200)],
      'female',
      true,
    ],
    [
      'a pregnancy Condition and a later preliminary "not pregnant" 82810-3',
      [
        condition(PREGNANCY, { onsetDaysAgo: 200 }),
        pregnancyStatus('not-pregnant', 20, 'preliminary'),
      ],
      'female',
      true,
    ],
    [
      'an undated pregnancy Condition and a recent "not pregnant" 82810-3',
      [condition(PREGNANCY), pregnancyStatus('not-pregnant', 20)],
      'female',
      false,
    ],
    // RULES.md 10.1.3: a pregnancy ends, and one that began more than 300 days ago has ended.
    [
      '10.1.3 an active pregnancy Condition abated 20 days ago',
      [condition(PREGNANCY, { onsetDaysAgo: 200, abatedDaysAgo: 20 })],
      'female',
      false,
    ],
    [
      '10.1.3 an active pregnancy Condition abated today',
      [condition(PREGNANCY, { onsetDaysAgo: 200, abatedDaysAgo: 0 })],
      'female',
      false,
    ],
    [
      '10.1.3 an abatement without a date (abatementString "delivered")',
      [{ ...condition(PREGNANCY, { onsetDaysAgo: 200 }), abatementString: 'delivered' }],
      'female',
      false,
    ],
    [
      '10.1.3 a pregnancy Condition with onset 300 days ago (inside)',
      [condition(PREGNANCY, { onsetDaysAgo: 300 })],
      'female',
      true,
    ],
    [
      '10.1.3 a pregnancy Condition with onset 301 days ago (outside)',
      [condition(PREGNANCY, { onsetDaysAgo: 301 })],
      'female',
      false,
    ],
    [
      '10.1.3 a pregnancy Condition with onsetPeriod.start 400 days ago',
      [{ ...condition(PREGNANCY), onsetPeriod: { start: ago(400) } }],
      'female',
      false,
    ],
    [
      '10.1.3 no onset: recordedDate 400 days ago',
      [condition(PREGNANCY, { recordedDaysAgo: 400 })],
      'female',
      false,
    ],
    [
      '10.1.3 no onset: recordedDate 100 days ago',
      [condition(PREGNANCY, { recordedDaysAgo: 100 })],
      'female',
      true,
    ],
    [
      '10.1.3 onset 100 days ago wins over recordedDate 400 days ago',
      [condition(PREGNANCY, { onsetDaysAgo: 100, recordedDaysAgo: 400 })],
      'female',
      true,
    ],
    [
      '10.6 ICD-10-CM Z34.90 (supervision of normal pregnancy) with onset 60 days ago',
      [
        condition(concept([icd10cm('Z34.90', 'Encounter for supervision of normal pregnancy')]), {
          onsetDaysAgo: 60,
        }),
      ],
      'female',
      true,
    ],
  ];
  it.each(
    CASES.map(([name, resources, gender, pregnant]) => [
      `${name} (${String(gender)}): ${pregnant ? 'pregnant' : 'not pregnant'}`,
      resources,
      gender,
      pregnant,
    ]),
  )('%s', (_name, resources, gender, pregnant) => {
    expect(facts(resources, { patient: patient({ gender }) }).patient.pregnant).toBe(pregnant);
  });
});

describe('draft orders (RULES.md 6)', () => {
  const FOLIC = concept([rx('310410', 'folic acid 1 MG Oral Tablet')]);
  const HYDROXO = concept([rx('317106', 'hydroxocobalamin 1 MG/ML Injectable Solution')]);

  const drafts = (): FhirResource[] => [
    draftOrder(FOLIC, {
      id: 'd-folic',
      dose: quantity(5, 'mg'),
      timing: { frequency: 1, period: 1, periodUnit: 'd' },
    }),
    draftOrder(HYDROXO, { id: 'd-b12', route: concept([sct('78421000')]) }),
  ];

  it.each<[string, string[] | undefined, Record<string, boolean>]>([
    [
      'order-select: only the selected draft is focused',
      ['MedicationRequest/d-folic'],
      { 'd-folic': true, 'd-b12': false },
    ],
    [
      'order-select: both selected',
      ['MedicationRequest/d-folic', 'MedicationRequest/d-b12'],
      { 'd-folic': true, 'd-b12': true },
    ],
    ['empty selections: every draft is focused', [], { 'd-folic': true, 'd-b12': true }],
    ['no selections: every draft is focused', undefined, { 'd-folic': true, 'd-b12': true }],
    [
      'a selection of another resource type does not focus a MedicationRequest',
      ['ServiceRequest/d-folic'],
      { 'd-folic': false, 'd-b12': false },
    ],
    [
      '10.7.1 an absolute selection URL focuses the draft whose Type/id ends it',
      ['https://ehr.example/fhir/MedicationRequest/d-folic'],
      { 'd-folic': true, 'd-b12': false },
    ],
    [
      '10.7.1 an absolute URL of a longer id does not focus a draft whose id only ends it',
      ['https://ehr.example/fhir/MedicationRequest/xd-folic'],
      { 'd-folic': false, 'd-b12': false },
    ],
    [
      '10.7.1 an absolute URL of another resource type does not focus the draft',
      ['https://ehr.example/fhir/ServiceRequest/d-folic'],
      { 'd-folic': false, 'd-b12': false },
    ],
  ])('%s', (_name, selections, focused) => {
    const found = facts([], { draftOrders: drafts(), ...(selections ? { selections } : {}) });
    expect(
      Object.fromEntries(found.drafts.medications.map((draft) => [draft.id, draft.focused])),
    ).toEqual(focused);
  });

  it('reads each draft: class, route, daily dose, status draft', () => {
    const found = facts([], { draftOrders: drafts() });
    expect(
      found.drafts.medications.map(({ id, status, classes, route, dailyDoseMg, isB12Therapy }) => ({
        id,
        status,
        classes,
        route,
        dailyDoseMg,
        isB12Therapy,
      })),
    ).toEqual([
      {
        id: 'd-folic',
        status: 'draft',
        classes: ['folicAcid'],
        route: undefined,
        dailyDoseMg: 5,
        isB12Therapy: false,
      },
      {
        id: 'd-b12',
        status: 'draft',
        classes: ['b12'],
        route: 'intramuscular',
        dailyDoseMg: 1,
        isB12Therapy: true,
      },
    ]);
  });

  it('a draft B12 order is not current therapy', () => {
    const found = facts([], { draftOrders: drafts() });
    expect(found.b12Therapy).toEqual({ current: false, startDay: undefined });
    expect(found.medications).toEqual([]);
    expect(found.exposure).toEqual({});
  });

  it('entered-in-error and cancelled drafts are left out', () => {
    const found = facts([], {
      draftOrders: [
        { ...draftOrder(FOLIC, { id: 'd-eie' }), status: 'entered-in-error' },
        { ...draftOrder(FOLIC, { id: 'd-cancelled' }), status: 'cancelled' },
        draftOrder(FOLIC, { id: 'd-ok' }),
      ],
    });
    expect(found.drafts.medications.map((draft) => draft.id)).toEqual(['d-ok']);
  });

  it.each<[string, string, boolean]>([
    ['total B12 2132-9', '2132-9', true],
    ['total B12 14685-2', '14685-2', true],
    ['active B12 72160-5', '72160-5', true],
    ['serum folate 2284-8', '2284-8', false],
    ['MMA 13964-2', '13964-2', false],
  ])('a %s ServiceRequest (%s) among drafts: b12TestOrdered %s', (_name, code, ordered) => {
    const found = facts([], { draftOrders: [serviceRequest(code), ...drafts()] });
    expect(found.drafts.b12TestOrdered).toBe(ordered);
  });

  it.each<[string, boolean]>([
    ['Vitamin B12 level', true],
    ['B12 and folate', true],
    ['Cobalamin, serum', true],
    ['Holotranscobalamin', true],
    ['Active B12', true],
    ['Folate level', false],
    ['Full blood count', false],
  ])(
    'a draft test under an EHR procedure code named "%s": b12TestOrdered %s (RULES.md 10.7.3)',
    (text, ordered) => {
      const found = facts([], { draftOrders: [localServiceRequest(text), ...drafts()] });
      expect(found.drafts.b12TestOrdered).toBe(ordered);
    },
  );

  it('a B12 test draft coded LOINC under its OID is a B12 test ordered (RULES.md 10.2.1)', () => {
    const request = {
      ...serviceRequest('2132-9'),
      code: { coding: [{ system: OID.loinc, code: '2132-9' }] },
    };
    expect(facts([], { draftOrders: [request, ...drafts()] }).drafts.b12TestOrdered).toBe(true);
  });

  it('a B12 ServiceRequest in prefetch (not a draft) is not a B12 test ordered', () => {
    expect(facts([serviceRequest('2132-9')]).drafts.b12TestOrdered).toBe(false);
  });

  it('drafts in prefetch (outside draftOrders) are ignored', () => {
    const found = facts([...drafts()]);
    expect(found.drafts.medications).toEqual([]);
    expect(found.medications).toEqual([]);
    expect(found.b12Therapy.current).toBe(false);
    expect(found.notes).toEqual([]);
  });

  it('a draft may name a Medication by the fullUrl of a draftOrders Bundle entry', () => {
    const found = facts([], {
      draftBundle: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          {
            fullUrl: 'urn:uuid:0b7f7c6e-3c1e-4a55-9d43-2f1a7e5b9c10',
            resource: { resourceType: 'Medication', code: FOLIC },
          },
          {
            resource: draftOrder(undefined, {
              id: 'd-urn',
              reference: { reference: 'urn:uuid:0b7f7c6e-3c1e-4a55-9d43-2f1a7e5b9c10' },
            }),
          },
        ],
      },
    });
    expect(found.drafts.medications.map((draft) => [draft.id, draft.classes])).toEqual([
      ['d-urn', ['folicAcid']],
    ]);
    expect(found.notes).toEqual([]);
  });

  it('a draft may name a Medication in the prefetch resources', () => {
    const found = facts([{ resourceType: 'Medication', id: 'med-h', code: HYDROXO }], {
      draftOrders: [
        draftOrder(undefined, {
          id: 'd-ref',
          reference: { reference: 'Medication/med-h' },
        }),
      ],
    });
    expect(found.drafts.medications.map((draft) => draft.classes)).toEqual([['b12']]);
  });
});

describe('medicines given: MedicationAdministration (RULES.md 10.4.1)', () => {
  const HYDROXO = concept([rx('317106', 'hydroxocobalamin 1 MG/ML Injectable Solution')]);
  const IM = concept([sct('78421000', 'Intramuscular route')]);

  it('a hydroxocobalamin injection given 40 days ago is current B12 therapy since that day', () => {
    const found = facts([
      medicationAdministration(HYDROXO, 40, { id: 'ma-1', route: IM, dose: quantity(1, 'mg') }),
    ]);
    expect(found.b12Therapy).toEqual({ current: true, startDay: dayAgo(40) });
    expect(found.medications).toEqual([
      expect.objectContaining({
        id: 'ma-1',
        resourceType: 'MedicationAdministration',
        status: 'current',
        isB12Therapy: true,
        route: 'intramuscular',
        startDay: dayAgo(40),
        endDay: dayAgo(40),
      }),
    ]);
    expect(found.notes).toEqual([]);
  });

  it('an injection 92 days ago is current; one 93 days ago is history', () => {
    expect(facts([medicationAdministration(HYDROXO, 92)]).b12Therapy.current).toBe(true);
    const older = facts([medicationAdministration(HYDROXO, 93)]);
    expect(older.b12Therapy.current).toBe(false);
    expect(older.medications.map((item) => item.status)).toEqual(['history']);
  });

  it('injections every 2 months chain: therapy starts at the first of them', () => {
    const found = facts([
      medicationAdministration(HYDROXO, 10),
      medicationAdministration(HYDROXO, 70),
      medicationAdministration(HYDROXO, 130),
    ]);
    expect(found.b12Therapy).toEqual({ current: true, startDay: dayAgo(130) });
  });

  it.each<['completed' | 'in-progress' | 'not-done' | 'entered-in-error' | 'stopped', boolean]>([
    ['completed', true],
    ['in-progress', true],
    ['not-done', false],
    ['entered-in-error', false],
    ['stopped', false],
  ])('an administration %s counts as a dose given: %s', (status, given) => {
    const found = facts([medicationAdministration(HYDROXO, 10, { status })]);
    expect(found.b12Therapy.current).toBe(given);
    expect(found.medications).toHaveLength(given ? 1 : 0);
  });
});

describe('what is read (RULES.md 2, 6)', () => {
  it('resources about another patient are ignored, each with a note', () => {
    const found = facts([
      medicationRequest(concept([rx('861007')]), {
        id: 'mr-other',
        patientId: 'someone-else',
        startedDaysAgo: 400,
      }),
      {
        ...condition(concept([sct('84229001')]), { id: 'c-other' }),
        subject: { reference: 'Patient/someone-else' },
      },
    ]);
    expect(found.medications).toEqual([]);
    expect(found.exposure).toEqual({});
    expect(found.conditions).toEqual({});
    expect(found.notes).toEqual([
      {
        kind: 'other-patient',
        text: 'Data note: MedicationRequest mr-other is about another patient and was ignored',
      },
      {
        kind: 'other-patient',
        text: 'Data note: Condition c-other is about another patient and was ignored',
      },
    ]);
  });

  it("resources no rule reads are passed over before anything else, another patient's too", () => {
    const found = facts([
      // A heart rate and an Encounter: neither is read, so neither is noted.
      lab('8867-4', 72, '/min', { id: 'hr-other', patientId: 'someone-else' }),
      {
        resourceType: 'Encounter',
        id: 'enc-other',
        status: 'finished',
        class: { code: 'AMB' },
        subject: { reference: 'Patient/someone-else' },
      },
      // A haemoglobin is read: another patient's is noted.
      lab('718-7', 9.1, 'g/dL', { id: 'hb-other', patientId: 'someone-else' }),
      lab('718-7', 12.5, 'g/dL', { id: 'hb-own' }),
    ]);
    expect(found.results.haemoglobin.map((result) => result.id)).toEqual(['hb-own']);
    expect(found.notes).toEqual([
      {
        kind: 'other-patient',
        text: 'Data note: Observation hb-other is about another patient and was ignored',
      },
    ]);
  });

  it('a second Patient resource for someone else is ignored with a note', () => {
    const found = facts([patient({ id: 'someone-else', gender: 'male', birthDate: '2015-01-01' })]);
    expect(found.patient.sex).toBe('female');
    expect(found.patient.ageYears).toBe(66);
    expect(found.notes.map((note) => note.kind)).toEqual(['other-patient']);
  });

  it('the same resources under two prefetch keys are read once', () => {
    const metformin = medicationRequest(concept([rx('861007')]), {
      id: 'mr-dup',
      startedDaysAgo: 150,
    });
    const fatigue = condition(concept([sct('84229001')]), { id: 'c-dup' });
    const hb = lab('718-7', 100, 'g/L', { id: 'o-dup' });
    const found = facts([
      metformin,
      fatigue,
      hb,
      structuredClone(metformin),
      structuredClone(fatigue),
      structuredClone(hb),
    ]);
    expect(found.medications).toHaveLength(1);
    expect(found.conditions.symptom).toHaveLength(1);
    expect(found.results.haemoglobin).toHaveLength(1);
  });

  it('clean, coded data: no data notes', () => {
    const found = facts([
      lab('2132-9', 150, 'ng/L'),
      lab('718-7', 105, 'g/L'),
      medicationRequest(concept([rx('861007')])),
      condition(concept([sct('84229001')])),
    ]);
    expect(found.notes).toEqual([]);
    expect(found.today).toBe(TODAY_DAY);
  });

  it('reads nothing but the resources given: anything that is not a resource is skipped', () => {
    const found = facts([null, 'x', 42, { id: 'no-type' }] as unknown as FhirResource[]);
    expect(found.notes).toEqual([]);
    expect(found.patient.ageYears).toBe(66);
  });
});
