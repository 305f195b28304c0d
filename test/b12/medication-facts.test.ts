import { describe, expect, it } from 'vitest';
import type { CodeableConcept, FhirResource, MedicationRequest } from 'fhir/r4.js';
import type { MedicationFact } from '../../cds-services/b12/medication-facts.js';
import type { PatientFacts } from '../../cds-services/b12/patient-facts.js';
import type { CobalaminForm, MedicationClass } from '../../cds-services/b12/terminology.js';
import {
  atc,
  concept,
  dayAgo,
  facts,
  medication,
  medicationRequest,
  medicationStatement,
  quantity,
  rx,
  sct,
  textOnly,
} from './factories.js';
import type { MedicationOptions } from './factories.js';

/** Medications (RULES.md 2.3, 7.2, 7.3): classification, B12 therapy, route, daily dose, exposure. */

function only(
  resource: FhirResource,
  others: FhirResource[] = [],
): {
  fact: MedicationFact | undefined;
  all: PatientFacts;
} {
  const all = facts([resource, ...others]);
  return { fact: all.medications.find((found) => found.id === resource.id), all };
}

interface Classified {
  classes: MedicationClass[];
  ingredients: string[];
  recognisedBy: MedicationFact['recognisedBy'];
  isB12Therapy?: boolean;
  cobalaminForms?: CobalaminForm[];
}

const classification = (fact: MedicationFact | undefined): Classified | undefined =>
  fact && {
    classes: fact.classes,
    ingredients: fact.ingredients,
    recognisedBy: fact.recognisedBy,
    isB12Therapy: fact.isB12Therapy,
    cobalaminForms: fact.cobalaminForms,
  };

const expected = (value: Classified): Classified => ({
  isB12Therapy: false,
  cobalaminForms: [],
  ...value,
});

describe('classification by RxNorm (RULES.md 2.3 step 1, 7.2)', () => {
  it.each<[string, CodeableConcept, Classified]>([
    [
      'ingredient 7646 is omeprazole, a PPI',
      concept([rx('7646')]),
      { classes: ['ppi'], ingredients: ['omeprazole'], recognisedBy: 'rxnorm' },
    ],
    [
      'ingredient 4278 is famotidine, an H2RA',
      concept([rx('4278')]),
      { classes: ['h2ra'], ingredients: ['famotidine'], recognisedBy: 'rxnorm' },
    ],
    [
      'ingredient 6809 is metformin',
      concept([rx('6809')]),
      { classes: ['metformin'], ingredients: ['metformin'], recognisedBy: 'rxnorm' },
    ],
    [
      'product 861007 is metformin',
      concept([rx('861007', 'metformin hydrochloride 500 MG Oral Tablet')]),
      { classes: ['metformin'], ingredients: ['metformin'], recognisedBy: 'rxnorm' },
    ],
    [
      'product 198051 is omeprazole',
      concept([rx('198051')]),
      { classes: ['ppi'], ingredients: ['omeprazole'], recognisedBy: 'rxnorm' },
    ],
    [
      'product 310410 is folic acid',
      concept([rx('310410')]),
      { classes: ['folicAcid'], ingredients: ['folic acid'], recognisedBy: 'rxnorm' },
    ],
    [
      'product 317106 is hydroxocobalamin, B12 therapy',
      concept([rx('317106')]),
      {
        classes: ['b12'],
        ingredients: ['hydroxocobalamin'],
        recognisedBy: 'rxnorm',
        isB12Therapy: true,
        cobalaminForms: ['hydroxocobalamin'],
      },
    ],
    [
      'product 309594 is cyanocobalamin, B12 therapy',
      concept([rx('309594')]),
      {
        classes: ['b12'],
        ingredients: ['cyanocobalamin'],
        recognisedBy: 'rxnorm',
        isB12Therapy: true,
        cobalaminForms: ['cyanocobalamin'],
      },
    ],
    [
      'RxNorm wins over text: 7646 named "metformin" is omeprazole only',
      concept([rx('7646')], 'metformin 500 mg tablet'),
      { classes: ['ppi'], ingredients: ['omeprazole'], recognisedBy: 'rxnorm' },
    ],
    [
      'RxNorm wins over ATC: 7646 with A10BA02 is omeprazole only',
      concept([rx('7646'), atc('A10BA02')]),
      { classes: ['ppi'], ingredients: ['omeprazole'], recognisedBy: 'rxnorm' },
    ],
  ])('%s', (_name, medicationConcept, want) => {
    const { fact, all } = only(medicationRequest(medicationConcept));
    expect(classification(fact)).toEqual(expected(want));
    expect(all.notes).toEqual([]);
  });
});

describe('classification by ATC only (RULES.md 2.3 step 2, 7.3)', () => {
  it.each<[string, CodeableConcept, Classified | undefined]>([
    [
      'A02BC05 is esomeprazole, a PPI',
      concept([atc('A02BC05')]),
      { classes: ['ppi'], ingredients: ['esomeprazole'], recognisedBy: 'atc' },
    ],
    [
      'A02BA03 is famotidine, an H2RA',
      concept([atc('A02BA03')]),
      { classes: ['h2ra'], ingredients: ['famotidine'], recognisedBy: 'atc' },
    ],
    [
      'A10BA02 is metformin',
      concept([atc('A10BA02')]),
      { classes: ['metformin'], ingredients: ['metformin'], recognisedBy: 'atc' },
    ],
    [
      'A10BD07 with the text "metformin" is metformin',
      concept([atc('A10BD07')], 'Sitagliptin and metformin 50 mg/1000 mg tablet'),
      { classes: ['metformin'], ingredients: ['metformin'], recognisedBy: 'atc' },
    ],
    [
      'A10BD07 without "metformin" in its text is not recognised',
      concept([atc('A10BD07')], 'Janumet'),
      undefined,
    ],
    [
      'B03BA03 is hydroxocobalamin, B12 therapy',
      concept([atc('B03BA03')]),
      {
        classes: ['b12'],
        ingredients: ['hydroxocobalamin'],
        recognisedBy: 'atc',
        isB12Therapy: true,
        cobalaminForms: ['hydroxocobalamin'],
      },
    ],
    [
      'B03BA01 is cyanocobalamin, B12 therapy',
      concept([atc('B03BA01')]),
      {
        classes: ['b12'],
        ingredients: ['cyanocobalamin'],
        recognisedBy: 'atc',
        isB12Therapy: true,
        cobalaminForms: ['cyanocobalamin'],
      },
    ],
    [
      'B03BB01 is folic acid',
      concept([atc('B03BB01')]),
      { classes: ['folicAcid'], ingredients: ['folic acid'], recognisedBy: 'atc' },
    ],
    [
      'B03BA51 (cobalamin combination) is a B12 product but never B12 therapy',
      concept([atc('B03BA51')], 'Cyanocobalamin, combinations'),
      {
        classes: ['b12'],
        ingredients: ['vitamin B12'],
        recognisedBy: 'atc',
        isB12Therapy: false,
        cobalaminForms: ['cobalamin'],
      },
    ],
    [
      'an unmapped RxNorm code falls through to ATC',
      concept([rx('999999'), atc('A02BC01')]),
      { classes: ['ppi'], ingredients: ['omeprazole'], recognisedBy: 'atc' },
    ],
  ])('%s', (_name, medicationConcept, want) => {
    const { fact, all } = only(medicationRequest(medicationConcept));
    expect(classification(fact)).toEqual(want && expected(want));
    expect(all.notes).toEqual([]);
  });
});

describe('classification by text, the reported last resort (RULES.md 2.3 step 3)', () => {
  it.each<[string, Classified]>([
    [
      'Metformin 500 mg tablets',
      { classes: ['metformin'], ingredients: ['metformin'], recognisedBy: 'text' },
    ],
    [
      'LANSOPRAZOLE 30 mg capsule',
      { classes: ['ppi'], ingredients: ['lansoprazole'], recognisedBy: 'text' },
    ],
    [
      'Pantoprazole 40mg',
      { classes: ['ppi'], ingredients: ['pantoprazole'], recognisedBy: 'text' },
    ],
    ['Ranitidine 150 mg', { classes: ['h2ra'], ingredients: ['ranitidine'], recognisedBy: 'text' }],
    [
      'Folic acid 5 mg tablets',
      { classes: ['folicAcid'], ingredients: ['folic acid'], recognisedBy: 'text' },
    ],
    [
      'L-methylfolate 15 mg',
      { classes: ['folicAcid'], ingredients: ['folic acid'], recognisedBy: 'text' },
    ],
    [
      'Hydroxocobalamin 1 mg/1 mL solution for injection ampoules',
      {
        classes: ['b12'],
        ingredients: ['hydroxocobalamin'],
        recognisedBy: 'text',
        isB12Therapy: true,
        cobalaminForms: ['hydroxocobalamin'],
      },
    ],
    [
      'Cyanocobalamin (vitamin B12) 1000 microgram tablets',
      {
        classes: ['b12'],
        ingredients: ['cyanocobalamin'],
        recognisedBy: 'text',
        isB12Therapy: true,
        cobalaminForms: ['cyanocobalamin'],
      },
    ],
    [
      'Methylcobalamin 1000 mcg',
      {
        classes: ['b12'],
        ingredients: ['methylcobalamin'],
        recognisedBy: 'text',
        isB12Therapy: true,
        cobalaminForms: ['methylcobalamin'],
      },
    ],
    [
      'Vitamin B-12 1000 mcg',
      {
        classes: ['b12'],
        ingredients: ['vitamin B12'],
        recognisedBy: 'text',
        isB12Therapy: true,
        cobalaminForms: ['cobalamin'],
      },
    ],
  ])('"%s"', (text, want) => {
    const request = medicationRequest(textOnly(text), { id: 'm-text' });
    const { fact, all } = only(request);
    expect(classification(fact)).toEqual(expected(want));
    expect(all.notes).toEqual([
      {
        kind: 'recognised-by-text',
        text: `Data note: '${text}' (MedicationRequest m-text) was recognised by its name only, without an RxNorm or ATC code`,
      },
    ]);
  });

  it('a coding display counts as text', () => {
    const { fact } = only(
      medicationRequest(concept([{ system: 'urn:local', code: 'X1', display: 'Omeprazole 20mg' }])),
    );
    expect(fact?.classes).toEqual(['ppi']);
    expect(fact?.recognisedBy).toBe('text');
  });

  it.each(['Folinic acid 15 mg tablets', 'Calcium folinate 15 mg', 'Leucovorin calcium 25 mg'])(
    '"%s" (folinic acid / leucovorin) is not folic acid',
    (text) => {
      const { fact, all } = only(medicationRequest(textOnly(text)));
      expect(fact).toBeUndefined();
      expect(all.exposure.folicAcid).toBeUndefined();
    },
  );

  it('an unrelated medicine is not read at all', () => {
    const { fact, all } = only(
      medicationRequest(concept([rx('197361')], 'Amlodipine 5 mg tablet')),
    );
    expect(fact).toBeUndefined();
    expect(all.notes).toEqual([]);
  });
});

describe('B12 therapy is a product whose only active ingredient is a cobalamin (RULES.md 2.3)', () => {
  it.each([
    'Multivitamin tablets with vitamin B12',
    'Vitamin B-complex with cyanocobalamin',
    'Vitamin B complex strong tablets (cyanocobalamin)',
    'Prenatal vitamins with cyanocobalamin',
  ])('"%s" is never B12 therapy', (text) => {
    const { fact, all } = only(medicationRequest(textOnly(text)));
    expect(fact?.classes).toContain('b12');
    expect(fact?.isB12Therapy).toBe(false);
    expect(all.b12Therapy.current).toBe(false);
  });

  it('ATC B03BA51 named "hydroxocobalamin" is a combination, never B12 therapy', () => {
    const { fact, all } = only(
      medicationRequest(concept([atc('B03BA51')], 'Hydroxocobalamin, combinations')),
    );
    expect(fact?.isB12Therapy).toBe(false);
    expect(all.b12Therapy.current).toBe(false);
  });

  it('a Medication with cyanocobalamin and folic acid ingredients is both classes and not B12 therapy', () => {
    const request = medicationRequest(undefined, {
      reference: { reference: '#combo' },
      contained: [
        medication('combo', textOnly('B12 and folic acid tablet'), [
          concept([rx('11248', 'cyanocobalamin')]),
          concept([rx('4511', 'folic acid')]),
        ]),
      ],
    });
    const { fact, all } = only(request);
    expect(fact?.classes.sort()).toEqual(['b12', 'folicAcid']);
    expect(fact?.isB12Therapy).toBe(false);
    expect(all.b12Therapy.current).toBe(false);
  });

  // BUG: an ingredient that is not recognised is not a cobalamin, but the product is still
  // counted as B12 therapy (medication-facts.ts isB12Therapy looks only at recognised classes).
  it('a Medication listing cyanocobalamin with another (unmapped) active ingredient is not B12 therapy', () => {
    const request = medicationRequest(undefined, {
      reference: { reference: '#b-vits' },
      contained: [
        medication('b-vits', textOnly('Thiamine, pyridoxine and cyanocobalamin tablet'), [
          concept([rx('11248', 'cyanocobalamin')]),
          textOnly('pyridoxine hydrochloride'),
          textOnly('thiamine hydrochloride'),
        ]),
      ],
    });
    const { fact, all } = only(request);
    expect(fact?.classes).toEqual(['b12']);
    expect(fact?.isB12Therapy).toBe(false);
    expect(all.b12Therapy.current).toBe(false);
  });

  it('stopped B12 is history, not therapy now', () => {
    const { fact, all } = only(medicationRequest(concept([rx('317106')]), { status: 'stopped' }));
    expect(fact?.status).toBe('history');
    expect(fact?.isB12Therapy).toBe(true);
    expect(all.b12Therapy).toEqual({ current: false, startDay: undefined });
  });
});

describe('statuses (RULES.md 2.3)', () => {
  it.each<[MedicationRequest['status'], MedicationFact['status'] | undefined]>([
    ['active', 'current'],
    ['on-hold', 'current'],
    ['completed', 'history'],
    ['stopped', 'history'],
    ['entered-in-error', undefined],
    ['cancelled', undefined],
    ['unknown', undefined],
    ['draft', undefined],
  ])('a MedicationRequest %s is read as %s', (status, want) => {
    const { fact } = only(medicationRequest(concept([rx('6809')]), { status }));
    expect(fact?.status).toBe(want);
  });

  it.each<
    [
      (
        | 'active'
        | 'intended'
        | 'on-hold'
        | 'completed'
        | 'stopped'
        | 'entered-in-error'
        | 'not-taken'
      ),
      MedicationFact['status'] | undefined,
    ]
  >([
    ['active', 'current'],
    ['intended', 'current'],
    ['on-hold', 'current'],
    ['completed', 'history'],
    ['stopped', 'history'],
    ['entered-in-error', undefined],
    ['not-taken', undefined],
  ])('a MedicationStatement %s is read as %s', (status, want) => {
    const { fact } = only(
      medicationStatement(concept([rx('6809')]), { status, startedDaysAgo: 10 }),
    );
    expect(fact?.status).toBe(want);
  });

  it('a MedicationStatement starts at effectivePeriod.start', () => {
    const { fact, all } = only(medicationStatement(concept([rx('7646')]), { startedDaysAgo: 400 }));
    expect(fact?.startDay).toBe(dayAgo(400));
    expect(all.exposure.ppi?.days).toBe(400);
  });
});

describe('route (RULES.md 2.3, 7.4)', () => {
  const ROUTE_CASES: [string, MedicationOptions, CodeableConcept, MedicationFact['route']][] = [
    [
      'SNOMED 78421000 is IM',
      { route: concept([sct('78421000')]) },
      concept([rx('317106')]),
      'intramuscular',
    ],
    [
      'SNOMED 34206005 is SC',
      { route: concept([sct('34206005')]) },
      concept([rx('309594')]),
      'subcutaneous',
    ],
    [
      'SNOMED 26643006 is oral',
      { route: concept([sct('26643006')]) },
      concept([rx('309594')]),
      'oral',
    ],
    ['text "IM" is IM', { route: textOnly('IM') }, concept([rx('309594')]), 'intramuscular'],
    [
      'text "Intramuscular" is IM',
      { route: textOnly('Intramuscular') },
      textOnly('Hydroxocobalamin 1 mg/mL'),
      'intramuscular',
    ],
    ['text "SC" is SC', { route: textOnly('SC') }, concept([rx('309594')]), 'subcutaneous'],
    [
      'text "subcutaneous" is SC',
      { route: textOnly('subcutaneous') },
      concept([rx('309594')]),
      'subcutaneous',
    ],
    ['text "by mouth" is oral', { route: textOnly('by mouth') }, concept([rx('310410')]), 'oral'],
    ['text "Oral" is oral', { route: textOnly('Oral') }, concept([rx('310410')]), 'oral'],
    ['injectable 317106 without route is IM', {}, concept([rx('317106')]), 'intramuscular'],
    ['injectable 309594 without route is IM', {}, concept([rx('309594')]), 'intramuscular'],
    [
      'B12 named "injection" without route is IM',
      {},
      textOnly('Cyanocobalamin 1 mg/mL solution for injection'),
      'intramuscular',
    ],
    [
      'an oral B12 tablet without route has no route',
      {},
      textOnly('Cyanocobalamin 1 mg tablet'),
      undefined,
    ],
    ['folic acid without route has no route', {}, concept([rx('310410')]), undefined],
    // BUG: a coded route that is not IM, SC or oral is not "without route"; routeOf treats it
    // as absent and the injectable default makes an intravenous order IM.
    [
      'injectable 317106 with a coded intravenous route is not IM',
      { route: concept([sct('47625008', 'Intravenous route')], 'Intravenous') },
      concept([rx('317106')]),
      undefined,
    ],
  ];
  it.each(ROUTE_CASES)('%s', (_name, options, medicationConcept, want) => {
    const { fact } = only(medicationRequest(medicationConcept, options));
    expect(fact?.route).toBe(want);
  });
});

describe('daily dose in mg (RULES.md 2.3)', () => {
  const daily = { frequency: 1, period: 1, periodUnit: 'd' } as const;
  const DOSE_CASES: [string, CodeableConcept, MedicationOptions, number | undefined][] = [
    ['5 mg once daily = 5', concept([rx('4511')]), { dose: quantity(5, 'mg'), timing: daily }, 5],
    [
      '400 micrograms (ug) once daily = 0.4',
      concept([rx('4511')]),
      { dose: quantity(400, 'micrograms', 'ug'), timing: daily },
      0.4,
    ],
    [
      '400 mcg (human unit) = 0.4',
      concept([rx('4511')]),
      { dose: { value: 400, unit: 'mcg' } },
      0.4,
    ],
    [
      '1 tablet of 310410 (1 mg) = 1',
      concept([rx('310410')]),
      { dose: quantity(1, 'tablet', '{tbl}'), timing: daily },
      1,
    ],
    [
      '2 tablets of 310410 = 2',
      concept([rx('310410')]),
      { dose: quantity(2, 'tablets', '{tbl}') },
      2,
    ],
    [
      '2 mg twice daily = 4',
      concept([rx('4511')]),
      { dose: quantity(2, 'mg'), timing: { frequency: 2, period: 1, periodUnit: 'd' } },
      4,
    ],
    [
      '1 mg every 8 hours = 3',
      concept([rx('4511')]),
      { dose: quantity(1, 'mg'), timing: { frequency: 1, period: 8, periodUnit: 'h' } },
      3,
    ],
    [
      '5 mg 3 times a week = 15/7',
      concept([rx('4511')]),
      { dose: quantity(5, 'mg'), timing: { frequency: 3, period: 1, periodUnit: 'wk' } },
      15 / 7,
    ],
    [
      '1 mg on alternate days = 0.5',
      concept([rx('4511')]),
      { dose: quantity(1, 'mg'), timing: { frequency: 1, period: 2, periodUnit: 'd' } },
      0.5,
    ],
    ['no timing is once daily: 5 mg = 5', concept([rx('4511')]), { dose: quantity(5, 'mg') }, 5],
    ['no dose: strength of 310410 (1 mg) once daily = 1', concept([rx('310410')]), {}, 1],
    [
      'no dose: strength of 310410 twice daily = 2',
      concept([rx('310410')]),
      { timing: { frequency: 2, period: 1, periodUnit: 'd' } },
      2,
    ],
    ['no dose: strength from text "5 mg" = 5', textOnly('Folic acid 5 mg tablets'), {}, 5],
    ['no dose: strength from text "5mg" = 5', textOnly('Folic acid 5mg tablets'), {}, 5],
    // BUG: the rule book's pattern (\d+(\.\d+)?)\s*(mg|microgram|mcg|ug) matches "400 micrograms";
    // STRENGTH_TEXT in medication-facts.ts requires a word boundary after "microgram" and does not.
    [
      'no dose: strength from text "400 micrograms" = 0.4',
      textOnly('Folic acid 400 micrograms tablets'),
      {},
      0.4,
    ],
    ['no dose: strength from text "400 mcg" = 0.4', textOnly('Folic acid 400 mcg tablet'), {}, 0.4],
    ['no dose and unknown strength: unknown', textOnly('Folic acid tablets'), {}, undefined],
    [
      'no dose and unknown strength (ingredient code): unknown',
      concept([rx('4511')]),
      {},
      undefined,
    ],
    [
      'a dose in tablets with unknown strength: unknown',
      concept([rx('4511')]),
      { dose: quantity(1, 'tablet', '{tbl}') },
      undefined,
    ],
    [
      'a monthly period cannot be counted: unknown',
      concept([rx('4511')]),
      { dose: quantity(5, 'mg'), timing: { frequency: 1, period: 1, periodUnit: 'mo' } },
      undefined,
    ],
  ];
  it.each(DOSE_CASES)('%s', (_name, medicationConcept, options, want) => {
    const { fact } = only(medicationRequest(medicationConcept, options));
    expect(fact).toBeDefined();
    if (want === undefined) expect(fact?.dailyDoseMg).toBeUndefined();
    else expect(fact?.dailyDoseMg).toBeCloseTo(want, 9);
  });
});

describe('exposure: continuous use up to today (RULES.md 2.3)', () => {
  const METFORMIN = concept([rx('861007')]);
  const OMEPRAZOLE = concept([rx('198051')]);

  it.each([
    { cls: 'metformin', medicationConcept: METFORMIN, days: 120 },
    { cls: 'metformin', medicationConcept: METFORMIN, days: 125 },
    { cls: 'ppi', medicationConcept: OMEPRAZOLE, days: 360 },
    { cls: 'ppi', medicationConcept: OMEPRAZOLE, days: 370 },
  ] as const)(
    '$cls started $days days ago: exposure $days days',
    ({ cls, medicationConcept, days }) => {
      const { all } = only(medicationRequest(medicationConcept, { startedDaysAgo: days }));
      expect(all.exposure[cls]).toEqual({
        startDay: dayAgo(days),
        days,
        drugs: [cls === 'ppi' ? 'omeprazole' : 'metformin'],
      });
    },
  );

  it('a chain through a stopped earlier request started within 180 days extends the start', () => {
    const all = facts([
      medicationRequest(METFORMIN, { startedDaysAgo: 60 }),
      medicationRequest(METFORMIN, { status: 'stopped', startedDaysAgo: 200 }),
    ]);
    expect(all.exposure.metformin?.days).toBe(200);
  });

  it('exactly 180 days between starts still chains', () => {
    const all = facts([
      medicationRequest(METFORMIN, { startedDaysAgo: 30 }),
      medicationRequest(METFORMIN, { status: 'completed', startedDaysAgo: 210 }),
    ]);
    expect(all.exposure.metformin?.days).toBe(210);
  });

  it('a gap of 181 days between starts breaks the chain', () => {
    const all = facts([
      medicationRequest(METFORMIN, { startedDaysAgo: 30 }),
      medicationRequest(METFORMIN, { status: 'completed', startedDaysAgo: 211 }),
    ]);
    expect(all.exposure.metformin?.days).toBe(30);
  });

  it('a chain of several requests, each within 180 days of the next, reaches the earliest', () => {
    const all = facts([
      medicationRequest(OMEPRAZOLE, { startedDaysAgo: 10 }),
      medicationRequest(OMEPRAZOLE, { status: 'completed', startedDaysAgo: 170 }),
      medicationRequest(OMEPRAZOLE, { status: 'completed', startedDaysAgo: 340 }),
      medicationRequest(OMEPRAZOLE, { status: 'stopped', startedDaysAgo: 500 }),
      // 181 days before the previous link: not part of the chain.
      medicationRequest(OMEPRAZOLE, { status: 'stopped', startedDaysAgo: 681 }),
    ]);
    expect(all.exposure.ppi?.days).toBe(500);
  });

  it('different members of a class chain together (omeprazole then esomeprazole)', () => {
    const all = facts([
      medicationRequest(concept([rx('283742')]), { startedDaysAgo: 100 }),
      medicationRequest(OMEPRAZOLE, { status: 'completed', startedDaysAgo: 250 }),
    ]);
    expect(all.exposure.ppi?.days).toBe(250);
    expect(all.exposure.ppi?.drugs).toEqual(['esomeprazole']);
  });

  it('stopped requests only: no exposure (not a risk factor)', () => {
    const all = facts([
      medicationRequest(METFORMIN, { status: 'stopped', startedDaysAgo: 700 }),
      medicationRequest(METFORMIN, { status: 'completed', startedDaysAgo: 400 }),
    ]);
    expect(all.exposure.metformin).toBeUndefined();
  });

  it('a current request without a start date: exposure of unknown duration', () => {
    const all = facts([medicationRequest(METFORMIN, { startedDaysAgo: null })]);
    expect(all.exposure.metformin).toEqual({
      startDay: undefined,
      days: undefined,
      drugs: ['metformin'],
    });
  });

  it('without authoredOn the start is dispenseRequest.validityPeriod.start', () => {
    const all = facts([
      medicationRequest(METFORMIN, { startedDaysAgo: null, validityStartDaysAgo: 130 }),
    ]);
    expect(all.exposure.metformin?.days).toBe(130);
  });

  it('entered-in-error and cancelled requests do not join a chain', () => {
    const all = facts([
      medicationRequest(METFORMIN, { startedDaysAgo: 60 }),
      medicationRequest(METFORMIN, { status: 'entered-in-error', startedDaysAgo: 200 }),
      medicationRequest(METFORMIN, { status: 'cancelled', startedDaysAgo: 150 }),
    ]);
    expect(all.exposure.metformin?.days).toBe(60);
  });

  it('B12 therapy starts at the start of its continuous chain', () => {
    const all = facts([
      medicationRequest(concept([rx('317106')]), { startedDaysAgo: 40 }),
      medicationRequest(concept([rx('317106')]), { status: 'completed', startedDaysAgo: 200 }),
    ]);
    expect(all.b12Therapy).toEqual({ current: true, startDay: dayAgo(200) });
  });

  it('a multivitamin does not extend or start B12 therapy', () => {
    const all = facts([
      medicationRequest(concept([rx('317106')]), { startedDaysAgo: 40 }),
      medicationRequest(textOnly('Multivitamin with B12'), {
        status: 'completed',
        startedDaysAgo: 150,
      }),
    ]);
    expect(all.b12Therapy).toEqual({ current: true, startDay: dayAgo(40) });
  });
});

describe('medicationReference (RULES.md 2.3, 6)', () => {
  it('resolves to a contained Medication', () => {
    const request = medicationRequest(undefined, {
      reference: { reference: '#med-a' },
      contained: [medication('med-a', concept([rx('198051')]))],
    });
    const { fact, all } = only(request);
    expect(fact?.classes).toEqual(['ppi']);
    expect(fact?.recognisedBy).toBe('rxnorm');
    expect(all.notes).toEqual([]);
  });

  it('resolves to a Medication found elsewhere in the resources', () => {
    const request = medicationRequest(undefined, { reference: { reference: 'Medication/med-b' } });
    const { fact, all } = only(request, [medication('med-b', concept([atc('B03BA03')]))]);
    expect(fact?.classes).toEqual(['b12']);
    expect(fact?.isB12Therapy).toBe(true);
    expect(all.b12Therapy.current).toBe(true);
    expect(all.notes).toEqual([]);
  });

  it('resolves an absolute reference to a Medication in the resources', () => {
    const request = medicationRequest(undefined, {
      reference: { reference: 'https://ehr.example.org/fhir/Medication/med-c' },
    });
    const { fact } = only(request, [medication('med-c', concept([rx('861007')]))]);
    expect(fact?.classes).toEqual(['metformin']);
  });

  it('reads the ingredients of a resolved Medication', () => {
    const request = medicationRequest(undefined, { reference: { reference: 'Medication/med-d' } });
    const { fact } = only(request, [
      medication('med-d', textOnly('Janumet'), [concept([rx('6809', 'metformin')])]),
    ]);
    expect(fact?.classes).toEqual(['metformin']);
  });

  it('an unresolvable reference with no display: an unidentified-medication note', () => {
    const request = medicationRequest(undefined, {
      id: 'mr-lost',
      reference: { reference: 'Medication/nowhere' },
    });
    const { fact, all } = only(request);
    expect(fact).toBeUndefined();
    expect(all.notes).toEqual([
      {
        kind: 'unidentified-medication',
        text: 'Data note: MedicationRequest mr-lost names a Medication that was not provided, so it could not be identified',
      },
    ]);
  });

  it('an unresolvable reference with a display is recognised by that text, and reported', () => {
    const request = medicationRequest(undefined, {
      id: 'mr-display',
      reference: { reference: 'Medication/nowhere', display: 'Omeprazole 20 mg capsules' },
    });
    const { fact, all } = only(request);
    expect(fact?.classes).toEqual(['ppi']);
    expect(all.notes.map((note) => note.kind)).toEqual(['recognised-by-text']);
  });
});

describe('other NG239 risk drugs by name (RULES.md 2.5 otherRisk)', () => {
  it.each([
    ['Colchicine 500 microgram tablets', 'colchicine'],
    ['Topiramate 25 mg', 'topiramate'],
    ['Pregabalin 75 mg capsules', 'pregabalin'],
    ['Phenobarbital 30 mg', 'phenobarbital'],
    ['Primidone 250 mg', 'primidone'],
  ])('current "%s" is %s', (text, drug) => {
    expect(facts([medicationRequest(textOnly(text))]).otherRiskDrugs).toEqual([drug]);
  });

  it('a stopped one is not', () => {
    expect(
      facts([medicationRequest(textOnly('Colchicine 500 mcg'), { status: 'stopped' })])
        .otherRiskDrugs,
    ).toEqual([]);
  });
});
