import { describe, expect, it } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import {
  b12LowStaleUntreated,
  b12TestConsider,
  b12TestRecommended,
} from '../../cds-services/b12/rules/testing.js';
import { FOLIC_ACID_ALONE_WARNING } from '../../cds-services/b12/texts.js';
import {
  ago,
  concept,
  condition,
  lab,
  medicationRequest,
  pregnancyStatus,
  rx,
  sct,
} from '../support/fhir.js';
import {
  aged,
  ataxia,
  colchicine,
  expectScenario,
  expectValidSuggestionResources,
  famotidine,
  fatigue,
  hb,
  mcv,
  metformin,
  omeprazole,
  orderedTests,
  paraesthesia,
  paragraphs,
  ruleCard,
  ruleOn,
  run,
  suggestion,
  textOf,
  totalB12,
} from './rule-cases.js';

/**
 * Who should be tested for B12 (RULES.md 5.2, 5.3), an old untreated low result (5.8) and a low
 * result under 16 (5.17): the cards' exact wording, evidence and suggestions. Whether each card is
 * shown, at every threshold on both sides and under suppression (RULES.md 5.1), is in the case
 * tables cases/5.2-*.yaml, 5.3-*, 5.8-*, 5.17-* (rule-cases.test.ts).
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
    const card = run(T1).card('b12-test-recommended');
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
    const card = ruleCard(
      b12TestRecommended,
      [fatigue(), hb(125, { daysAgo: 3 }), metformin(150)],
      {
        ...aged(80, 'male'),
      },
    );
    expect(paragraphs(card)).toEqual([
      `Evidence: Hb 125 g/L, ${ago(3)}; no B12 result in the last 12 months; age 80; symptoms and signs: Fatigue, anaemia; risk factors: metformin for over 4 months, age over 75.`,
      OFFER_LINE,
    ]);
  });

  it('fires for macrocytic anaemia without a risk factor (T2) with its own summary and R-FOLATE', () => {
    const card = ruleCard(b12TestRecommended, T2);
    expect(card.summary).toBe(
      'Macrocytic anaemia without a B12 result: test B12 and folate before any folic acid',
    );
    expect(paragraphs(card)).toEqual([
      `Evidence: Hb 101 g/L, ${ago(5)}; MCV 112 fL, ${ago(5)}; no B12 result in the last 12 months; symptoms and signs: anaemia, macrocytosis.`,
      OFFER_LINE,
      FOLIC_ACID_ALONE_WARNING,
    ]);
  });

  it('uses the T2 summary when T1 also holds', () => {
    const card = ruleCard(b12TestRecommended, [...T1, ...T2]);
    expect(card.summary).toMatch(/^Macrocytic anaemia without a B12 result/);
    expect(paragraphs(card).at(-1)).toBe(FOLIC_ACID_ALONE_WARNING);
  });

  it('shows a converted Hb with the value the laboratory reported', () => {
    const card = ruleCard(b12TestRecommended, [
      lab('718-7', 10.1, 'g/dL', { daysAgo: 4 }),
      mcv(112),
    ]);
    expect(paragraphs(card)[0]).toContain(`Hb 10.1 g/dL (= 101 g/L), ${ago(4)}`);
  });

  it('names the first NG239 further risk when there is no major one', () => {
    expect(ruleOn(b12TestRecommended, [fatigue(), colchicine(10)])?.summary).toBe(
      'Offer a vitamin B12 test: Fatigue with colchicine',
    );
  });

  it('adds the pregnancy line and recommends active B12 in pregnancy', () => {
    const card = ruleCard(b12TestRecommended, [...T2, PREGNANT], aged(30));
    expect(paragraphs(card)).toContain(PREGNANCY_LINE_5_2);
    expect(paragraphs(card)[0]).toContain('pregnant');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order total B12 and serum folate', false],
      ['Order active B12 and serum folate', true],
    ]);
  });

  it('recommends total B12 outside pregnancy and orders B12 with serum folate (LOINC)', () => {
    const card = ruleCard(b12TestRecommended, T1);
    expect(paragraphs(card)).not.toContain(PREGNANCY_LINE_5_2);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order total B12 and serum folate', true],
      ['Order active B12 and serum folate', false],
    ]);
    expect(orderedTests(suggestion(card, 'Order total B12 and serum folate'))).toEqual([
      '2132-9',
      '2284-8',
    ]);
    expect(orderedTests(suggestion(card, 'Order active B12 and serum folate'))).toEqual([
      '72160-5',
      '2284-8',
    ]);
    expectValidSuggestionResources(card);
  });

  it('adds the neurological line when neurological features are recorded, and names them first', () => {
    const card = ruleCard(b12TestRecommended, [paraesthesia(), ataxia(), metformin(150)]);
    expect(card.summary).toBe(
      'Offer a vitamin B12 test: Paresthesia with metformin for over 4 months',
    );
    expect(paragraphs(card)).toContain(NEURO_LINE_5_2);
    expect(paragraphs(ruleCard(b12TestRecommended, T1))).not.toContain(NEURO_LINE_5_2);
  });

  it('names an older normal B12 in the evidence', () => {
    const card = ruleCard(b12TestRecommended, [...T1, totalB12(500, { daysAgo: 400 })]);
    expect(paragraphs(card)[0]).toContain(
      `total B12 500 ng/L, ${ago(400)} (more than 12 months ago)`,
    );
  });

  it('keeps the summary under 140 characters when a recorded symptom is very long', () => {
    const longSymptom = condition(
      concept([sct('84229001', `Fatigue ${'and tiredness '.repeat(12)}`)]),
    );
    const spec = ruleCard(b12TestRecommended, [longSymptom, omeprazole(400)]);
    expect(spec.summary.length).toBeLessThan(140);
    expect(spec.summary).toMatch(
      /^Offer a vitamin B12 test: Fatigue and tiredness .*… with proton pump inhibitor \(omeprazole\) for over 12 months$/,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('b12-test-consider (RULES.md 5.3)', () => {
  it('fires for a major risk factor without symptoms, with the drug and its exposure', () => {
    const card = run([metformin(150)], aged(60, 'male')).card('b12-test-consider');
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
    const card = ruleCard(b12TestConsider, [metformin(150)]);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order total B12', true],
    ]);
    expect(orderedTests(suggestion(card, 'Order total B12'))).toEqual(['2132-9']);
    expectValidSuggestionResources(card);
  });

  it.each<[string, FhirResource, string]>([
    ['metformin for 121 days', metformin(121), 'metformin for over 4 months'],
    [
      'a PPI for 366 days',
      omeprazole(366),
      'proton pump inhibitor (omeprazole) for over 12 months',
    ],
    [
      'an H2RA for 366 days',
      famotidine(366),
      'H2 receptor antagonist (famotidine) for over 12 months',
    ],
  ])('%s: risk factor %s (AFP 2017; the day before is in cases/5.3)', (_name, drug, risk) => {
    expect(ruleOn(b12TestConsider, [drug], aged(60))?.summary).toBe(
      `Consider a vitamin B12 test: ${risk} (no B12 result in the last 12 months)`,
    );
  });

  it('age 76: "age over 75" risk, named in the summary and the evidence (age 75 is in cases/5.3)', () => {
    const spec = ruleOn(b12TestConsider, [], aged(76));
    expect(spec?.summary).toBe(
      'Consider a vitamin B12 test: age over 75 (no B12 result in the last 12 months)',
    );
    expect(spec?.detail[0]).toBe(
      'Evidence: no B12 result in the last 12 months; age 76; risk factors: age over 75.',
    );
  });
  it('keeps the summary under 140 characters when several drugs make up the risk factor', () => {
    const ppis = ['7646', '283742', '17128', '40790'].map((code) =>
      medicationRequest(concept([rx(code)]), { startedDaysAgo: 400 }),
    );
    const spec = ruleCard(b12TestConsider, ppis);
    expect(spec.summary.length).toBeLessThan(140);
    expect(spec.summary).toMatch(
      /^Consider a vitamin B12 test: proton pump inhibitor \(omeprazole, .*… \(no B12 result in the last 12 months\)$/,
    );
    expect(paragraphs(spec)[0]).toContain(
      'proton pump inhibitor (omeprazole, esomeprazole, lansoprazole, pantoprazole) for over 12 months',
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('b12-low-stale-untreated (RULES.md 5.8)', () => {
  const STALE = totalB12(140, { daysAgo: 400 });

  it('fires for an untreated low B12 400 days old with the exact summary and detail', () => {
    const card = run([STALE]).card('b12-low-stale-untreated');
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
    const card = ruleCard(b12LowStaleUntreated, [STALE]);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Repeat total B12 and serum folate', true],
    ]);
    expect(orderedTests(suggestion(card, 'Repeat total B12 and serum folate'))).toEqual([
      '2132-9',
      '2284-8',
    ]);
    expectValidSuggestionResources(card);
  });

  it('orders active B12 instead of total B12 in pregnancy', () => {
    const card = ruleCard(b12LowStaleUntreated, [STALE, PREGNANT], aged(30));
    expect(orderedTests(suggestion(card, 'Repeat active B12 and serum folate'))).toEqual([
      '72160-5',
      '2284-8',
    ]);
  });

  it('adds the neurological line before R-FOLATE when neurological features are recorded', () => {
    const card = ruleCard(b12LowStaleUntreated, [STALE, paraesthesia()]);
    expect(paragraphs(card).slice(1)).toEqual([
      STALE_LINE,
      STALE_NEURO_LINE,
      FOLIC_ACID_ALONE_WARNING,
    ]);
  });

  it('shows a converted stale value with the reported one', () => {
    const card = ruleCard(b12LowStaleUntreated, [lab('14685-2', 100, 'pmol/L', { daysAgo: 500 })]);
    expect(card.summary).toMatch(/^Low B12 \(135\.5 ng\/L, /);
    expect(paragraphs(card)[0]).toContain(`total B12 100 pmol/L (= 135.5 ng/L), ${ago(500)}`);
  });
});

// ---------------------------------------------------------------------------------------------

describe('outside-guideline-age (RULES.md 5.17)', () => {
  it('fires for a confirmed low B12 at 15 with the exact wording and no regimen or suggestion', () => {
    const card = run([totalB12(150, { daysAgo: 5 })], aged(15)).card('outside-guideline-age');
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
    for (const words of REGIMEN_WORDS) expect(textOf(card)).not.toContain(words);
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'specialist-managing',
      'already-addressed',
      'not-clinically-relevant',
    ]);
  });

  it('under 16 only outside-guideline-age and severe-anaemia-urgent remain (RULES.md 5.1.1)', () => {
    const resources = [totalB12(150), fatigue(), metformin(400), hb(79), mcv(110), paraesthesia()];
    const codes = run(resources, aged(15)).codes;
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
