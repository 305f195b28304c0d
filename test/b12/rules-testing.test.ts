import { describe, expect, it } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import {
  b12LowStaleUntreated,
  b12TestConsider,
  b12TestRecommended,
  outsideGuidelineAge,
} from '../../cds-services/b12/rules/testing.js';
import { FOLIC_ACID_ALONE_WARNING } from '../../cds-services/b12/texts.js';
import {
  ago,
  concept,
  condition,
  lab,
  medicationRequest,
  patient,
  pregnancyStatus,
  rx,
  sct,
} from '../support/fhir.js';
import {
  aged,
  ataxia,
  cardOf,
  codesFor,
  colchicine,
  expectValidSuggestionResources,
  famotidine,
  fatigue,
  hb,
  hydroxocobalamin,
  mcv,
  metformin,
  mustHave,
  omeprazole,
  orderedLoinc,
  paragraphs,
  paraesthesia,
  ruleCard,
  ruleSpec,
  totalB12,
  type1Diabetes,
  wording,
} from './rule-run.js';
import { expectScenario } from './rule-scenarios.js';

/**
 * Who should be tested for B12 (RULES.md 5.2, 5.3), an old untreated low result (5.8) and a low
 * result under 16 (5.17): triggers, every threshold on both sides, suppression (RULES.md 5.1) and
 * the cards' exact wording and suggestions.
 */

const PREGNANT = pregnancyStatus('pregnant', 10);
const NEURO_LINE_5_2 =
  'Neurological features are recorded: if deficiency is likely, do not delay treatment while awaiting results (BSH 2014).';
const OFFER_LINE =
  'Offer total B12 or active B12 (NICE NG239), with serum folate and a full blood count.';
const PREGNANCY_LINE_5_2 = 'In pregnancy test active B12 (total B12 falls physiologically).';
const STALE_LINE =
  'No B12 treatment is recorded since this result and there is no B12 result in the last 12 months. Repeat B12 with serum folate and a full blood count; treat if still low.';
const STALE_NEURO_LINE =
  'Neurological features are recorded: seek urgent advice; do not delay treatment.';
const CONSIDER_LINE =
  'NICE NG239 tests when symptoms are present; periodic B12 checks are advised for long-term metformin (MHRA 2022, ADA) and for PPI/H2RA > 12 months or age > 75 (AFP 2017).';
const ASK_LINE = 'Ask about fatigue, paraesthesia, memory change, glossitis.';
const PAEDIATRIC_LINE =
  'NICE NG239 covers people aged 16 and over; adult regimens are not suggested. Discuss with a paediatrician.';
const REGIMEN_WORDS = ['three times a week', 'alternate days', 'every 3 months', 'IM'];

// ---------------------------------------------------------------------------------------------

describe('b12-test-recommended (RULES.md 5.2)', () => {
  const T1 = [fatigue(), metformin(150)];
  const T2 = [hb(101), mcv(112)];

  it('fires for a symptom with a major risk factor (T1) and names both in the summary', () => {
    const card = mustHave(cardOf('b12-test-recommended', T1));
    expect(card.summary).toBe('Offer a vitamin B12 test: Fatigue with metformin for over 4 months');
    expect(card.indicator).toBe('warning');
    expect(card.source.topic).toMatchObject({
      code: 'b12-test-recommended',
      display: 'B12 test recommended',
    });
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'test-already-ordered',
      'alternative-explanation',
      'patient-declined',
      'not-clinically-relevant',
    ]);
    expect(card.links?.map((link) => link.label)).toEqual([
      'NICE NG239',
      'NICE CKS',
      'How this card decides (B12 CDS)',
    ]);
  });

  it('names every symptom and risk factor in the evidence, then the test offer, and no R-FOLATE for T1 (RULES.md 10.9.4)', () => {
    const card = mustHave(
      ruleCard(b12TestRecommended, [fatigue(), hb(125, { daysAgo: 3 }), metformin(150)], {
        ...aged(80, 'male'),
      }),
    );
    expect(paragraphs(card)).toEqual([
      `Evidence: Hb 125 g/L, ${ago(3)}; no B12 result in the last 12 months; age 80; symptoms and signs: Fatigue, anaemia; risk factors: metformin for over 4 months, age over 75.`,
      OFFER_LINE,
    ]);
  });

  it('fires for macrocytic anaemia without a risk factor (T2) with its own summary and R-FOLATE', () => {
    const card = mustHave(ruleCard(b12TestRecommended, T2));
    expect(card.summary).toBe(
      'Macrocytic anaemia without a B12 result: test B12 and folate before any folic acid',
    );
    expect(paragraphs(card)).toEqual([
      `Evidence: Hb 101 g/L, ${ago(1)}; MCV 112 fL, ${ago(1)}; no B12 result in the last 12 months; symptoms and signs: anaemia, macrocytosis.`,
      OFFER_LINE,
      FOLIC_ACID_ALONE_WARNING,
    ]);
  });

  it('uses the T2 summary when T1 also holds', () => {
    const card = mustHave(ruleCard(b12TestRecommended, [...T1, ...T2]));
    expect(card.summary).toMatch(/^Macrocytic anaemia without a B12 result/);
    expect(paragraphs(card).at(-1)).toBe(FOLIC_ACID_ALONE_WARNING);
  });

  it('shows a converted Hb with the value the laboratory reported', () => {
    const card = mustHave(
      ruleCard(b12TestRecommended, [lab('718-7', 10.1, 'g/dL', { daysAgo: 4 }), mcv(112)]),
    );
    expect(paragraphs(card)[0]).toContain(`Hb 10.1 g/dL (= 101 g/L), ${ago(4)}`);
  });

  it.each<[string, FhirResource[], boolean]>([
    ['a symptom with an NG239 further risk (type 1 diabetes)', [fatigue(), type1Diabetes()], true],
    ['a symptom with a further-risk drug (colchicine)', [fatigue(), colchicine(10)], true],
    ['a symptom without any risk factor', [fatigue()], false],
    ['a risk factor without any symptom', [metformin(150)], false],
    ['anaemia without macrocytosis and no risk factor', [hb(101)], false],
    ['macrocytosis without anaemia and no risk factor', [hb(125, {}), mcv(112)], false],
  ])('%s: fires %s', (_name, resources, fires) => {
    expect(ruleSpec(b12TestRecommended, resources, aged(60, 'female'))?.code).toBe(
      fires ? 'b12-test-recommended' : undefined,
    );
  });

  it('names the first NG239 further risk when there is no major one', () => {
    expect(ruleSpec(b12TestRecommended, [fatigue(), colchicine(10)])?.summary).toBe(
      'Offer a vitamin B12 test: Fatigue with colchicine',
    );
  });

  it.each<[number, boolean]>([
    [100, false],
    [100.1, true],
  ])(
    'MCV %s fL with Hb 101 g/L: macrocytic anaemia (T2) %s (macrocytosis if > 100)',
    (value, fires) => {
      expect(ruleSpec(b12TestRecommended, [hb(101), mcv(value)])?.code).toBe(
        fires ? 'b12-test-recommended' : undefined,
      );
    },
  );

  it.each<[number, 'male' | 'female', boolean]>([
    [130, 'male', false],
    [129.9, 'male', true],
    [120, 'female', false],
    [119.9, 'female', true],
  ])('Hb %s g/L (%s) with MCV 112: anaemia (T2) %s (WHO 2011)', (value, sex, fires) => {
    expect(ruleSpec(b12TestRecommended, [hb(value), mcv(112)], aged(60, sex))?.code).toBe(
      fires ? 'b12-test-recommended' : undefined,
    );
  });

  it('adds the pregnancy line and recommends active B12 in pregnancy', () => {
    const card = mustHave(ruleCard(b12TestRecommended, [...T2, PREGNANT], aged(30)));
    expect(paragraphs(card)).toContain(PREGNANCY_LINE_5_2);
    expect(paragraphs(card)[0]).toContain('pregnant');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order total B12 and serum folate', false],
      ['Order active B12 and serum folate', true],
    ]);
  });

  it('recommends total B12 outside pregnancy and orders B12 with serum folate (LOINC)', () => {
    const card = mustHave(ruleCard(b12TestRecommended, T1));
    expect(paragraphs(card)).not.toContain(PREGNANCY_LINE_5_2);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order total B12 and serum folate', true],
      ['Order active B12 and serum folate', false],
    ]);
    expect(orderedLoinc(card, 'Order total B12 and serum folate')).toEqual(['2132-9', '2284-8']);
    expect(orderedLoinc(card, 'Order active B12 and serum folate')).toEqual(['72160-5', '2284-8']);
    expectValidSuggestionResources(card);
  });

  it('adds the neurological line when neurological features are recorded, and names them first', () => {
    const card = mustHave(ruleCard(b12TestRecommended, [paraesthesia(), ataxia(), metformin(150)]));
    expect(card.summary).toBe(
      'Offer a vitamin B12 test: Paresthesia with metformin for over 4 months',
    );
    expect(paragraphs(card)).toContain(NEURO_LINE_5_2);
    expect(paragraphs(mustHave(ruleCard(b12TestRecommended, T1)))).not.toContain(NEURO_LINE_5_2);
  });

  it.each<[string, FhirResource, boolean]>([
    ['a total B12 of any band exactly 365 days ago', totalB12(500, { daysAgo: 365 }), false],
    ['a normal total B12 366 days ago (outside 12 months)', totalB12(500, { daysAgo: 366 }), true],
    [
      'a preliminary B12 90 days ago (pending test)',
      totalB12(500, { daysAgo: 90, status: 'preliminary' }),
      false,
    ],
    [
      'a registered B12 91 days ago (no longer pending)',
      totalB12(500, { daysAgo: 91, status: 'registered' }),
      true,
    ],
  ])('with %s: fires %s (tested12m)', (_name, b12, fires) => {
    expect(ruleSpec(b12TestRecommended, [...T1, b12])?.code).toBe(
      fires ? 'b12-test-recommended' : undefined,
    );
  });

  it('names an older normal B12 in the evidence', () => {
    const card = mustHave(ruleCard(b12TestRecommended, [...T1, totalB12(500, { daysAgo: 400 })]));
    expect(paragraphs(card)[0]).toContain(
      `total B12 500 ng/L, ${ago(400)} (more than 12 months ago)`,
    );
  });

  it('does not fire with an untreated low B12 more than 12 months old (staleLow)', () => {
    expect(ruleSpec(b12TestRecommended, [...T1, totalB12(150, { daysAgo: 400 })])).toBeUndefined();
  });

  it('does not fire on B12 therapy or under 16', () => {
    expect(ruleSpec(b12TestRecommended, [...T1, hydroxocobalamin(30)])).toBeUndefined();
    expect(codesFor([...T1, hydroxocobalamin(30)])).not.toContain('b12-test-recommended');
    expect(codesFor(T2, aged(15))).not.toContain('b12-test-recommended');
    expect(codesFor(T2, aged(16))).toContain('b12-test-recommended');
  });

  it('keeps the summary under 140 characters when a recorded symptom is very long', () => {
    const longSymptom = condition(
      concept([sct('84229001', `Fatigue ${'and tiredness '.repeat(12)}`)]),
    );
    const spec = mustHave(ruleCard(b12TestRecommended, [longSymptom, omeprazole(400)]));
    expect(spec.summary.length).toBeLessThan(140);
    expect(spec.summary).toMatch(
      /^Offer a vitamin B12 test: Fatigue and tiredness .*… with proton pump inhibitor \(omeprazole\) for over 12 months$/,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('b12-test-consider (RULES.md 5.3)', () => {
  it('fires for a major risk factor without symptoms, with the drug and its exposure', () => {
    const card = mustHave(cardOf('b12-test-consider', [metformin(150)], aged(60, 'male')));
    expect(card.summary).toBe(
      'Consider a vitamin B12 test: metformin for over 4 months (no B12 result in the last 12 months)',
    );
    expect(card.indicator).toBe('info');
    expect(card.source.topic).toMatchObject({
      code: 'b12-test-consider',
      display: 'B12 test to consider',
    });
    expect(paragraphs(card)).toEqual([
      `Evidence: no B12 result in the last 12 months; risk factors: metformin for over 4 months (metformin since ${ago(150)}, 150 days).`,
      CONSIDER_LINE,
      ASK_LINE,
    ]);
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'test-already-ordered',
      'not-clinically-relevant',
      'patient-declined',
    ]);
    expect(card.links?.map((link) => link.label)).toEqual([
      'AFP 2017',
      'NICE NG239',
      'How this card decides (B12 CDS)',
    ]);
  });

  it('suggests one recommended total B12 test', () => {
    const card = mustHave(ruleCard(b12TestConsider, [metformin(150)]));
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order total B12', true],
    ]);
    expect(orderedLoinc(card, 'Order total B12')).toEqual(['2132-9']);
    expectValidSuggestionResources(card);
  });

  it.each<[string, FhirResource, string | undefined]>([
    ['metformin for exactly 120 days', metformin(120), undefined],
    ['metformin for 121 days', metformin(121), 'metformin for over 4 months'],
    ['a PPI for exactly 365 days', omeprazole(365), undefined],
    [
      'a PPI for 366 days',
      omeprazole(366),
      'proton pump inhibitor (omeprazole) for over 12 months',
    ],
    ['an H2RA for exactly 365 days', famotidine(365), undefined],
    [
      'an H2RA for 366 days',
      famotidine(366),
      'H2 receptor antagonist (famotidine) for over 12 months',
    ],
  ])('%s: risk factor %s (AFP 2017)', (_name, drug, risk) => {
    const spec = ruleSpec(b12TestConsider, [drug], aged(60));
    expect(spec?.summary).toBe(
      risk === undefined
        ? undefined
        : `Consider a vitamin B12 test: ${risk} (no B12 result in the last 12 months)`,
    );
  });

  it.each<[number, boolean]>([
    [75, false],
    [76, true],
  ])('age %s: "age over 75" risk %s', (age, fires) => {
    const spec = ruleSpec(b12TestConsider, [], aged(age));
    expect(spec?.summary).toBe(
      fires
        ? 'Consider a vitamin B12 test: age over 75 (no B12 result in the last 12 months)'
        : undefined,
    );
    if (spec) {
      expect(spec.detail[0]).toBe(
        'Evidence: no B12 result in the last 12 months; age 76; risk factors: age over 75.',
      );
    }
  });

  it('keeps the summary under 140 characters when several drugs make up the risk factor', () => {
    const ppis = ['7646', '283742', '17128', '40790'].map((code) =>
      medicationRequest(concept([rx(code)]), { startedDaysAgo: 400 }),
    );
    const spec = mustHave(ruleCard(b12TestConsider, ppis));
    expect(spec.summary.length).toBeLessThan(140);
    expect(spec.summary).toMatch(
      /^Consider a vitamin B12 test: proton pump inhibitor \(omeprazole, .*… \(no B12 result in the last 12 months\)$/,
    );
    expect(paragraphs(spec)[0]).toContain(
      'proton pump inhibitor (omeprazole, esomeprazole, lansoprazole, pantoprazole) for over 12 months',
    );
  });

  it('does not fire for an NG239 further risk alone', () => {
    expect(ruleSpec(b12TestConsider, [colchicine(400), type1Diabetes()])).toBeUndefined();
  });

  it.each<[string, FhirResource]>([
    ['a B12 within 12 months', totalB12(400, { daysAgo: 200 })],
    ['a pending B12 test', totalB12(400, { daysAgo: 10, status: 'preliminary' })],
    ['an untreated low B12 more than 12 months old', totalB12(150, { daysAgo: 400 })],
    ['B12 therapy', hydroxocobalamin(20)],
  ])('does not fire with %s', (_name, resource) => {
    expect(ruleSpec(b12TestConsider, [metformin(150), resource])).toBeUndefined();
  });

  it('is superseded by b12-test-recommended when a symptom is present (RULES.md 5.1.5)', () => {
    const resources = [metformin(150), fatigue()];
    expect(ruleSpec(b12TestConsider, resources)?.code).toBe('b12-test-consider');
    const codes = codesFor(resources);
    expect(codes).toContain('b12-test-recommended');
    expect(codes).not.toContain('b12-test-consider');
  });

  it('is dropped under 16 and kept at 16 (RULES.md 5.1.1)', () => {
    // Age alone is no risk here: a drug risk for a 15- and a 16-year-old.
    expect(codesFor([omeprazole(400)], aged(15))).not.toContain('b12-test-consider');
    expect(codesFor([omeprazole(400)], aged(16))).toContain('b12-test-consider');
  });
});

// ---------------------------------------------------------------------------------------------

describe('b12-low-stale-untreated (RULES.md 5.8)', () => {
  const STALE = totalB12(140, { daysAgo: 400 });

  it('fires for an untreated low B12 400 days old with the exact summary and detail', () => {
    const card = mustHave(cardOf('b12-low-stale-untreated', [STALE]));
    expect(card.summary).toBe(
      `Low B12 (140 ng/L, ${ago(400)}) from more than 12 months ago was never treated: repeat the test and treat if low`,
    );
    expect(card.indicator).toBe('warning');
    expect(card.source.topic).toMatchObject({ display: 'Old low B12 never treated' });
    expect(paragraphs(card)).toEqual([
      `Evidence: total B12 140 ng/L, ${ago(400)}; no B12 result in the last 12 months.`,
      STALE_LINE,
      FOLIC_ACID_ALONE_WARNING,
    ]);
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'treated-elsewhere',
      'already-addressed',
      'result-not-representative',
    ]);
  });

  it('suggests repeating total B12 with serum folate, recommended', () => {
    const card = mustHave(ruleCard(b12LowStaleUntreated, [STALE]));
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Repeat total B12 and serum folate', true],
    ]);
    expect(orderedLoinc(card, 'Repeat total B12 and serum folate')).toEqual(['2132-9', '2284-8']);
    expectValidSuggestionResources(card);
  });

  it('orders active B12 instead of total B12 in pregnancy', () => {
    const card = mustHave(ruleCard(b12LowStaleUntreated, [STALE, PREGNANT], aged(30)));
    expect(orderedLoinc(card, 'Repeat active B12 and serum folate')).toEqual(['72160-5', '2284-8']);
  });

  it('adds the neurological line before R-FOLATE when neurological features are recorded', () => {
    const card = mustHave(ruleCard(b12LowStaleUntreated, [STALE, paraesthesia()]));
    expect(paragraphs(card).slice(1)).toEqual([
      STALE_LINE,
      STALE_NEURO_LINE,
      FOLIC_ACID_ALONE_WARNING,
    ]);
  });

  it('shows a converted stale value with the reported one', () => {
    const card = mustHave(
      ruleCard(b12LowStaleUntreated, [lab('14685-2', 100, 'pmol/L', { daysAgo: 500 })]),
    );
    expect(card.summary).toMatch(/^Low B12 \(135\.5 ng\/L, /);
    expect(paragraphs(card)[0]).toContain(`total B12 100 pmol/L (= 135.5 ng/L), ${ago(500)}`);
  });

  it.each<[string, FhirResource, boolean]>([
    [
      '365 days old (inside the 12-month window: not stale)',
      totalB12(140, { daysAgo: 365 }),
      false,
    ],
    ['366 days old', totalB12(140, { daysAgo: 366 }), true],
    ['1825 days old', totalB12(140, { daysAgo: 1825 }), true],
    ['1826 days old (beyond the stale window)', totalB12(140, { daysAgo: 1826 }), false],
    ['179.9 ng/L (confirmed band)', totalB12(179.9, { daysAgo: 400 }), true],
    ['180 ng/L (indeterminate band)', totalB12(180, { daysAgo: 400 }), false],
    ['active B12 24.9 pmol/L', lab('72160-5', 24.9, 'pmol/L', { daysAgo: 400 }), true],
    ['active B12 25 pmol/L', lab('72160-5', 25, 'pmol/L', { daysAgo: 400 }), false],
  ])('a low-looking B12 %s: fires %s', (_name, b12, fires) => {
    expect(ruleSpec(b12LowStaleUntreated, [b12])?.code).toBe(
      fires ? 'b12-low-stale-untreated' : undefined,
    );
  });

  it('does not fire when a B12 course started after the result (addressed)', () => {
    const treated = hydroxocobalamin(300, { status: 'completed', validityEndDaysAgo: 250 });
    expect(ruleSpec(b12LowStaleUntreated, [STALE, treated])).toBeUndefined();
  });

  it('supersedes b12-test-recommended and b12-test-consider (RULES.md 5.1.4)', () => {
    const resources = [STALE, fatigue(), metformin(1095), hb(124, { daysAgo: 30 }), mcv(103)];
    const codes = codesFor(resources, aged(70, 'male'));
    expect(codes).toContain('b12-low-stale-untreated');
    expect(codes).not.toContain('b12-test-recommended');
    expect(codes).not.toContain('b12-test-consider');
  });

  it('is dropped on B12 therapy and under 16 (RULES.md 5.1.1–2)', () => {
    const onB12 = [STALE, hydroxocobalamin(30)];
    expect(codesFor(onB12)).not.toContain('b12-low-stale-untreated');
    expect(codesFor([STALE], aged(15))).not.toContain('b12-low-stale-untreated');
  });
});

// ---------------------------------------------------------------------------------------------

describe('outside-guideline-age (RULES.md 5.17)', () => {
  it('fires for a confirmed low B12 at 15 with the exact wording and no regimen or suggestion', () => {
    const card = mustHave(
      cardOf('outside-guideline-age', [totalB12(150, { daysAgo: 5 })], aged(15)),
    );
    expect(card.summary).toBe(
      'Low B12 at age 15 (under 16): NICE NG239 adult pathway not applied — seek paediatric advice',
    );
    expect(card.indicator).toBe('info');
    expect(paragraphs(card)).toEqual([
      `Evidence: total B12 150 ng/L, ${ago(5)}; age 15.`,
      PAEDIATRIC_LINE,
    ]);
    expect(card.suggestions).toBeUndefined();
    expect(card.selectionBehavior).toBeUndefined();
    for (const words of REGIMEN_WORDS) expect(wording(card)).not.toContain(words);
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'specialist-managing',
      'already-addressed',
      'not-clinically-relevant',
    ]);
  });

  it.each<
    [
      string,
      FhirResource[],
      ReturnType<typeof aged> | { patient: ReturnType<typeof patient> },
      boolean,
    ]
  >([
    ['age 16 with a confirmed low B12', [totalB12(150)], aged(16), false],
    [
      'age 15 with an untreated low B12 400 days old (staleLow)',
      [totalB12(150, { daysAgo: 400 })],
      aged(15),
      true,
    ],
    ['age 15 with an indeterminate B12', [totalB12(200)], aged(15), false],
    ['age 15 without a B12 result', [], aged(15), false],
    [
      'unknown age with a confirmed low B12',
      [totalB12(150)],
      { patient: patient({ birthDate: undefined }) },
      false,
    ],
  ])('%s: fires %s', (_name, resources, options, fires) => {
    expect(ruleSpec(outsideGuidelineAge, resources, options)?.code).toBe(
      fires ? 'outside-guideline-age' : undefined,
    );
  });

  it('under 16 only outside-guideline-age and severe-anaemia-urgent remain (RULES.md 5.1.1)', () => {
    const resources = [totalB12(150), fatigue(), metformin(400), hb(79), mcv(110), paraesthesia()];
    const codes = codesFor(resources, aged(15));
    expect(codes).toEqual(
      expect.arrayContaining(['outside-guideline-age', 'severe-anaemia-urgent']),
    );
    expect(
      codes.every((code) => ['outside-guideline-age', 'severe-anaemia-urgent'].includes(code)),
    ).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('public scenarios: the testing cards (facts level)', () => {
  const MINE = [
    'b12-test-recommended',
    'b12-test-consider',
    'b12-low-stale-untreated',
    'outside-guideline-age',
  ] as const;

  it.each(['S01', 'S08', 'S15', 'S16', 'S19', 'S27', 'S29'])(
    '%s: exactly the expected testing cards, with the required wording',
    (id) => {
      expectScenario(id, MINE);
    },
  );
});
