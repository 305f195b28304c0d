import { describe, expect, it } from 'vitest';
import type { FhirResource, Observation } from 'fhir/r4.js';
import {
  b12IndeterminateMma,
  mmaRenalCaution,
  severeAnaemiaUrgent,
} from '../../cds-services/b12/rules/interpretation.js';
import { POTASSIUM_CHECK } from '../../cds-services/b12/texts.js';
import { ago, concept, condition, lab, pregnancyStatus, sct } from '../support/fhir.js';
import {
  activeB12,
  aged,
  ataxia,
  ckdStage4,
  egfr,
  expectScenario,
  expectValidSuggestionResources,
  fatigue,
  folicDraft,
  hb,
  mcv,
  mma,
  orderedTests,
  pancytopenia,
  paraesthesia,
  paragraphs,
  platelets,
  reported,
  ruleCard,
  ruleOn,
  run,
  suggestion,
  textOf,
  totalB12,
} from './rule-cases.js';
import type { RunOptions } from './rule-cases.js';

/**
 * Interpreting results (RULES.md 5.4 indeterminate B12, 5.5 raised MMA in renal impairment,
 * 5.10 severe anaemia): wording, evidence, suggestions. Which inputs show which card, thresholds
 * on both sides included, is in the case tables (cases/5.4-*, 5.5-*, 5.10-*.yaml).
 */

const PREGNANT = pregnancyStatus('pregnant', 10);
const RANGE_LINE =
  'Result is in the NICE NG239 indeterminate range (total B12 180–350 ng/L, active B12 25–70 pmol/L).';
const MMA_LINE =
  'If symptoms are present, measure serum methylmalonic acid (MMA); a raised MMA supports deficiency.';
const RENAL_LINE_5_4 =
  'eGFR < 60: MMA may be raised by renal impairment; active B12 may be more informative.';
const NEURO_LINE_5_4 =
  'Neurological features are recorded: do not delay treatment if the clinical picture is strong; seek urgent specialist advice (BSH 2014).';
const CAUTION_LINE =
  'MMA rises with renal impairment, so this result cannot by itself establish B12 deficiency. Use clinical judgement; active B12 may help.';
const NEURO_LINE_5_5 =
  'Neurological features are recorded: do not delay treatment on clinical grounds; seek specialist advice.';
const WHO_LINE =
  'WHO: severe anaemia is Hb < 80 g/L (< 70 g/L in pregnancy). Arrange urgent same-day medical assessment or haematology advice.';
const SAMPLES_LINE =
  'Take B12, folate and FBC samples before treatment; if seriously ill, give B12 and folic acid together after sampling (US hydroxocobalamin label).';
/** Never in the two interpretation cards (RULES.md 5.0): no deficiency label, no regimen. */
const NEVER_5_4_5_5 = [
  'confirmed deficiency',
  'three times a week',
  'alternate days',
  'every 3 months',
  'every 2 months',
  'hydroxocobalamin',
];

const mmaWith = (value: number, upperLimit?: number, flag?: string): Observation =>
  mma(value, {}, reported(upperLimit, flag));

// ---------------------------------------------------------------------------------------------

describe('b12-indeterminate-mma (RULES.md 5.4)', () => {
  it('fires for total B12 250 ng/L with the exact summary, detail and suggestion', () => {
    const card = run([totalB12(250, { daysAgo: 7 })]).card('b12-indeterminate-mma');
    expect(card.summary).toBe(
      'Indeterminate B12 (250 ng/L): consider serum methylmalonic acid (MMA)',
    );
    expect(card.indicator).toBe('info');
    expect(card.source.topic).toMatchObject({
      code: 'b12-indeterminate-mma',
      display: 'Indeterminate B12: consider MMA',
    });
    expect(paragraphs(card)).toEqual([
      `Evidence: total B12 250 ng/L, ${ago(7)}.`,
      `${RANGE_LINE} ${MMA_LINE}`,
    ]);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order serum MMA', true],
    ]);
    expect(orderedTests(suggestion(card, 'Order serum MMA'))).toEqual(['13964-2']);
    expectValidSuggestionResources(card);
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'test-already-ordered',
      'not-clinically-relevant',
      'treated-elsewhere',
    ]);
  });

  it('fills the summary with the converted value at full precision', () => {
    expect(ruleOn(b12IndeterminateMma, [lab('14685-2', 133, 'pmol/L')])?.summary).toBe(
      'Indeterminate B12 (180.3 ng/L): consider serum methylmalonic acid (MMA)',
    );
    expect(ruleOn(b12IndeterminateMma, [activeB12(40)])?.summary).toBe(
      'Indeterminate B12 (40 pmol/L): consider serum methylmalonic acid (MMA)',
    );
  });

  it('asks for active B12 instead of MMA for a total B12 in pregnancy', () => {
    const card = ruleCard(b12IndeterminateMma, [totalB12(250, { daysAgo: 7 }), PREGNANT], aged(30));
    expect(card.summary).toBe('Indeterminate total B12 (250 ng/L) in pregnancy: test active B12');
    expect(paragraphs(card)).toEqual([
      `Evidence: total B12 250 ng/L, ${ago(7)}; pregnant.`,
      RANGE_LINE,
    ]);
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order active B12', true],
    ]);
    expect(orderedTests(suggestion(card, 'Order active B12'))).toEqual(['72160-5']);
    expectValidSuggestionResources(card);
  });

  it('keeps the MMA summary and suggestion for an indeterminate active B12 in pregnancy, without the MMA line', () => {
    const card = ruleCard(b12IndeterminateMma, [activeB12(40), PREGNANT], aged(30));
    expect(card.summary).toBe(
      'Indeterminate B12 (40 pmol/L): consider serum methylmalonic acid (MMA)',
    );
    expect(paragraphs(card)).not.toContain(MMA_LINE);
    expect(card.suggestions?.map((item) => item.label)).toEqual(['Order serum MMA']);
  });

  it.each<[string, FhirResource[], boolean]>([
    ['eGFR 59.9', [egfr(59.9, { daysAgo: 3 })], true],
    ['eGFR 60', [egfr(60, { daysAgo: 3 })], false],
    ['CKD stage 4 recorded without an eGFR', [ckdStage4()], true],
    ['CKD stage 4 recorded but eGFR 75', [ckdStage4(), egfr(75)], false],
  ])('%s: renal line %s', (_name, renal, shown) => {
    const card = ruleCard(b12IndeterminateMma, [totalB12(250), ...renal]);
    expect(paragraphs(card).includes(RENAL_LINE_5_4)).toBe(shown);
    if (shown) expect(paragraphs(card).indexOf(RENAL_LINE_5_4)).toBe(2);
  });

  it('names the eGFR in the evidence when the renal line is shown', () => {
    const card = ruleCard(b12IndeterminateMma, [totalB12(250), egfr(45, { daysAgo: 3 })]);
    expect(paragraphs(card)[0]).toContain(`eGFR 45 mL/min/1.73 m²`);
    expect(paragraphs(card)[0]).toContain(ago(3));
  });

  it('puts the neurological line (safety) before the renal line (cause) in the bullets (RULES.md 10.9.4)', () => {
    const card = ruleCard(b12IndeterminateMma, [totalB12(250), paraesthesia(), egfr(40)]);
    expect(paragraphs(card).slice(1)).toEqual([
      `${RANGE_LINE} ${MMA_LINE}`,
      NEURO_LINE_5_4,
      RENAL_LINE_5_4,
    ]);
    expect(paragraphs(card)[0]).toContain('neurological features: Paresthesia');
    expect(paragraphs(ruleCard(b12IndeterminateMma, [totalB12(250)]))).not.toContain(
      NEURO_LINE_5_4,
    );
  });

  it('never calls the result a deficiency and never shows a regimen (RULES.md 5.0)', () => {
    const card = ruleCard(b12IndeterminateMma, [
      totalB12(250),
      paraesthesia(),
      egfr(40),
      fatigue(),
    ]);
    for (const words of NEVER_5_4_5_5) expect(textOf(card).toLowerCase()).not.toContain(words);
  });
});

// ---------------------------------------------------------------------------------------------

describe('mma-renal-caution (RULES.md 5.5)', () => {
  const RENAL = [totalB12(250, { daysAgo: 20 }), egfr(25, { daysAgo: 20 })];

  it('fires for a raised MMA with eGFR 25 and an indeterminate B12, with the exact wording', () => {
    const card = run([...RENAL, mma(0.62, { daysAgo: 10 })]).card('mma-renal-caution');
    expect(card.summary).toBe(
      'Raised MMA with eGFR 25 mL/min/1.73 m²: may reflect renal impairment rather than B12 deficiency',
    );
    expect(card.indicator).toBe('info');
    expect(card.source.topic).toMatchObject({ display: 'Raised MMA with renal impairment' });
    expect(paragraphs(card)).toEqual([
      `Evidence: total B12 250 ng/L, ${ago(20)}; raised methylmalonic acid (MMA) 0.62 µmol/L, ${ago(10)} (above 0.45 µmol/L); eGFR 25 mL/min/1.73 m², ${ago(20)}.`,
      CAUTION_LINE,
    ]);
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'already-addressed',
      'specialist-managing',
      'not-clinically-relevant',
    ]);
  });

  it('explains why the MMA counts as raised: laboratory limit or flag', () => {
    expect(ruleOn(mmaRenalCaution, [...RENAL, mmaWith(0.41, 0.4)])?.detail[0]).toContain(
      '(laboratory upper limit 0.4 µmol/L)',
    );
    expect(ruleOn(mmaRenalCaution, [...RENAL, mmaWith(0.3, undefined, 'HH')])?.detail[0]).toContain(
      '(flagged HH)',
    );
  });

  it.each<[string, FhirResource[], string | undefined]>([
    ['eGFR 60 (not impaired)', [egfr(60)], undefined],
    ['eGFR 59.9', [egfr(59.9)], 'eGFR 59.9 mL/min/1.73 m²'],
    ['CKD stage 4 recorded without an eGFR', [ckdStage4()], 'recorded CKD stage 3–5'],
    ['CKD stage 4 recorded but eGFR 75', [ckdStage4(), egfr(75)], undefined],
    ['no eGFR and no CKD', [], undefined],
  ])(
    '%s: the renal caution names the kidney finding, or does not fire',
    (_name, renal, kidneys) => {
      const spec = ruleOn(mmaRenalCaution, [totalB12(250, { daysAgo: 20 }), mma(0.62), ...renal]);
      expect(spec?.summary).toBe(
        kidneys === undefined
          ? undefined
          : `Raised MMA with ${kidneys}: may reflect renal impairment rather than B12 deficiency`,
      );
    },
  );

  it('names a recorded CKD stage in the evidence, not the summary, when there is no eGFR', () => {
    const longCkd = condition(
      concept([
        sct(
          '433146000',
          'Chronic kidney disease stage 5 due to type 2 diabetes mellitus with hypertension (disorder)',
        ),
      ]),
    );
    const card = ruleCard(mmaRenalCaution, [totalB12(250), mma(0.62), longCkd]);
    expect(card.summary).toBe(
      'Raised MMA with recorded CKD stage 3–5: may reflect renal impairment rather than B12 deficiency',
    );
    expect(paragraphs(card)[0]).toContain(
      'Chronic kidney disease stage 5 due to type 2 diabetes mellitus with hypertension (disorder) recorded (no eGFR in the last 12 months)',
    );
  });

  it('says so when there is no B12 result', () => {
    expect(ruleOn(mmaRenalCaution, [egfr(25), mma(0.62)])?.detail[0]).toMatch(
      /^Evidence: no B12 result in the last 12 months; raised methylmalonic acid/,
    );
  });

  it('suggests active B12, not marked recommended, only without an active B12 in 365 days', () => {
    const card = ruleCard(mmaRenalCaution, [...RENAL, mma(0.62)]);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order active B12', undefined],
    ]);
    expect(orderedTests(suggestion(card, 'Order active B12'))).toEqual(['72160-5']);
    expectValidSuggestionResources(card);

    const withActive = ruleCard(mmaRenalCaution, [
      ...RENAL,
      mma(0.62),
      activeB12(50, { daysAgo: 365 }),
    ]);
    expect(withActive.suggestions).toBeUndefined();
    expect(withActive.selectionBehavior).toBeUndefined();

    const olderActive = ruleCard(mmaRenalCaution, [
      ...RENAL,
      mma(0.62),
      activeB12(50, { daysAgo: 366 }),
    ]);
    expect(olderActive.suggestions?.map((item) => item.label)).toEqual(['Order active B12']);
  });

  it('adds the neurological line when neurological features are recorded', () => {
    const card = ruleCard(mmaRenalCaution, [...RENAL, mma(0.62), ataxia()]);
    expect(paragraphs(card).slice(1)).toEqual([CAUTION_LINE, NEURO_LINE_5_5]);
  });

  it('never calls the result a deficiency and never shows a regimen (RULES.md 5.0)', () => {
    const card = ruleCard(mmaRenalCaution, [...RENAL, mma(0.62), ataxia()]);
    for (const words of NEVER_5_4_5_5) expect(textOf(card).toLowerCase()).not.toContain(words);
  });
});

// ---------------------------------------------------------------------------------------------

describe('severe-anaemia-urgent (RULES.md 5.10)', () => {
  it('fires for Hb 79.9 g/L with the exact summary and detail, critical and without suggestions', () => {
    const card = run([hb(79.9, { daysAgo: 2 }), mcv(95, { daysAgo: 2 })]).card(
      'severe-anaemia-urgent',
    );
    expect(card.summary).toBe('Severe anaemia (Hb 79.9 g/L): arrange urgent same-day assessment');
    expect(card.indicator).toBe('critical');
    expect(card.source.topic).toMatchObject({ display: 'Severe anaemia: urgent assessment' });
    expect(paragraphs(card)).toEqual([
      `Evidence: Hb 79.9 g/L, ${ago(2)}; MCV 95 fL, ${ago(2)}.`,
      WHO_LINE,
      POTASSIUM_CHECK,
    ]);
    expect(card.suggestions).toBeUndefined();
    expect(card.selectionBehavior).toBeUndefined();
    expect(card.links?.map((link) => link.label)).toEqual([
      'WHO 2011',
      'NICE CKS',
      'How this card decides (B12 CDS)',
    ]);
  });

  it('shows an Hb reported in g/dL with its converted value', () => {
    const card = ruleCard(severeAnaemiaUrgent, [lab('718-7', 7.9, 'g/dL', { daysAgo: 1 })]);
    expect(card.summary).toBe('Severe anaemia (Hb 79 g/L): arrange urgent same-day assessment');
    expect(paragraphs(card)[0]).toBe(`Evidence: Hb 7.9 g/dL (= 79 g/L), ${ago(1)}.`);
  });

  it.each<[string, FhirResource[], boolean]>([
    ['MCV 100.1 (macrocytosis)', [mcv(100.1)], true],
    ['MCV 100 with platelets 150', [mcv(100), platelets(150)], false],
    ['MCV 100 with platelets 149.9', [mcv(100), platelets(149.9)], true],
    ['a recorded pancytopenia (127034005)', [pancytopenia()], true],
    ['no MCV or platelets', [], false],
  ])('%s: sampling line %s', (_name, resources, shown) => {
    const card = ruleCard(severeAnaemiaUrgent, [hb(70), ...resources]);
    expect(paragraphs(card).includes(SAMPLES_LINE)).toBe(shown);
    expect(paragraphs(card).at(-1)).toBe(POTASSIUM_CHECK);
    if (shown) expect(paragraphs(card).slice(1)).toEqual([WHO_LINE, SAMPLES_LINE, POTASSIUM_CHECK]);
  });

  it('names Hb, MCV and platelets in the evidence', () => {
    const card = ruleCard(severeAnaemiaUrgent, [
      hb(70, { daysAgo: 1 }),
      mcv(101, { daysAgo: 1 }),
      platelets(120, { daysAgo: 1 }),
    ]);
    expect(paragraphs(card)[0]).toBe(
      `Evidence: Hb 70 g/L, ${ago(1)}; MCV 101 fL, ${ago(1)}; platelets 120 ×10⁹/L, ${ago(1)}.`,
    );
  });

  const orderHook = (drafts: FhirResource[], options: Partial<RunOptions> = {}): RunOptions => ({
    hook: 'order-sign',
    draftOrders: drafts,
    ...options,
  });

  it('keeps the patient-view wording on order hooks', () => {
    const card = run([hb(68)], orderHook([folicDraft()])).card('severe-anaemia-urgent');
    expect(card.summary).toBe('Severe anaemia (Hb 68 g/L): arrange urgent same-day assessment');
  });
});

// ---------------------------------------------------------------------------------------------

describe('public scenarios: the interpretation cards (facts level)', () => {
  const MINE = ['b12-indeterminate-mma', 'mma-renal-caution', 'severe-anaemia-urgent'] as const;

  it.each(['S01', 'S08', 'S15', 'S16', 'S19', 'S27', 'S29'])(
    '%s: exactly the expected interpretation cards, with the required wording',
    (id) => {
      expectScenario(id, MINE);
    },
  );
});
