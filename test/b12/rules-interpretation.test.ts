import { describe, expect, it } from 'vitest';
import type { FhirResource, Observation } from 'fhir/r4.js';
import {
  b12IndeterminateMma,
  mmaRenalCaution,
  severeAnaemiaUrgent,
} from '../../cds-services/b12/rules/interpretation.js';
import { POTASSIUM_CHECK } from '../../cds-services/b12/texts.js';
import {
  ago,
  atc,
  concept,
  condition,
  draftOrder,
  lab,
  patient,
  pregnancyStatus,
  sct,
} from '../support/fhir.js';
import {
  activeB12,
  aged,
  ataxia,
  b12Draft,
  ckdStage4,
  egfr,
  expectScenario,
  expectValidSuggestionResources,
  fatigue,
  folicDraft,
  hb,
  hydroxocobalamin,
  mcv,
  metformin,
  metforminDraft,
  mma,
  orderedTests,
  pancytopenia,
  paraesthesia,
  paragraphs,
  platelets,
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
 * 5.10 severe anaemia): triggers, thresholds on both sides, suppression, wording, suggestions.
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

const mmaWith = (
  value: number,
  range?: number,
  flag?: string,
  options: { daysAgo?: number } = {},
): Observation =>
  mma(value, options, {
    ...(range === undefined
      ? {}
      : {
          referenceRange: [
            { high: { value: range, unit: 'umol/L', system: 'http://unitsofmeasure.org' } },
          ],
        }),
    ...(flag === undefined
      ? {}
      : {
          interpretation: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
                  code: flag,
                },
              ],
            },
          ],
        }),
  });

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

  it.each<[string, Observation, boolean]>([
    ['total B12 179.9 ng/L (confirmed)', totalB12(179.9), false],
    ['total B12 180 ng/L (indeterminate, inclusive)', totalB12(180), true],
    ['total B12 350 ng/L (indeterminate, inclusive)', totalB12(350), true],
    ['total B12 350.1 ng/L (unlikely)', totalB12(350.1), false],
    ['total B12 132 pmol/L = 178.9 ng/L (confirmed)', lab('14685-2', 132, 'pmol/L'), false],
    ['total B12 133 pmol/L = 180.3 ng/L (indeterminate)', lab('14685-2', 133, 'pmol/L'), true],
    ['total B12 <180 ng/L (wholly below 180)', totalB12(180, { comparator: '<' }), false],
    ['total B12 <=180 ng/L (band of 180)', totalB12(180, { comparator: '<=' }), true],
    ['total B12 >350 ng/L (wholly above 350)', totalB12(350, { comparator: '>' }), false],
    ['active B12 24.9 pmol/L (confirmed)', activeB12(24.9), false],
    ['active B12 25 pmol/L (indeterminate, inclusive)', activeB12(25), true],
    ['active B12 70 pmol/L (indeterminate, inclusive)', activeB12(70), true],
    ['active B12 70.1 pmol/L (unlikely)', activeB12(70.1), false],
  ])('%s: fires %s (NG239 bands)', (_name, b12, fires) => {
    expect(ruleOn(b12IndeterminateMma, [b12])?.code).toBe(
      fires ? 'b12-indeterminate-mma' : undefined,
    );
  });

  it('fills the summary with the converted value at full precision', () => {
    expect(ruleOn(b12IndeterminateMma, [lab('14685-2', 133, 'pmol/L')])?.summary).toBe(
      'Indeterminate B12 (180.3 ng/L): consider serum methylmalonic acid (MMA)',
    );
    expect(ruleOn(b12IndeterminateMma, [activeB12(40)])?.summary).toBe(
      'Indeterminate B12 (40 pmol/L): consider serum methylmalonic acid (MMA)',
    );
  });

  it.each<[string, number, number, boolean]>([
    ['an MMA on the same day as the B12', 10, 10, false],
    ['an MMA after the B12', 10, 5, false],
    ['an MMA only before the B12', 10, 11, true],
  ])('with %s: fires %s (mmaSince)', (_name, b12DaysAgo, mmaDaysAgo, fires) => {
    const resources = [totalB12(250, { daysAgo: b12DaysAgo }), mma(0.3, { daysAgo: mmaDaysAgo })];
    expect(ruleOn(b12IndeterminateMma, resources)?.code).toBe(
      fires ? 'b12-indeterminate-mma' : undefined,
    );
  });

  it.each<[number, boolean]>([
    [365, true],
    [366, false],
  ])('an indeterminate B12 %s days old: fires %s (12-month window)', (days, fires) => {
    expect(ruleOn(b12IndeterminateMma, [totalB12(250, { daysAgo: days })])?.code).toBe(
      fires ? 'b12-indeterminate-mma' : undefined,
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

  it('is dropped on B12 therapy and under 16 (RULES.md 5.1.1–2)', () => {
    expect(run([totalB12(250, { daysAgo: 40 }), hydroxocobalamin(30)]).codes).not.toContain(
      'b12-indeterminate-mma',
    );
    expect(run([totalB12(250)], aged(15)).codes).not.toContain('b12-indeterminate-mma');
    expect(run([totalB12(250)], aged(16)).codes).toContain('b12-indeterminate-mma');
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

  it.each<[string, Observation, boolean]>([
    ['MMA 0.45 without a laboratory range (default upper 0.45)', mmaWith(0.45), false],
    ['MMA 0.46 without a laboratory range', mmaWith(0.46), true],
    ['MMA 0.40 with a laboratory upper limit of 0.40', mmaWith(0.4, 0.4), false],
    ['MMA 0.41 with a laboratory upper limit of 0.40', mmaWith(0.41, 0.4), true],
    ['MMA 0.46 with a laboratory upper limit of 0.50', mmaWith(0.46, 0.5), false],
    ['MMA 0.30 flagged H', mmaWith(0.3, undefined, 'H'), true],
    ['MMA 0.30 flagged HH', mmaWith(0.3, undefined, 'HH'), true],
    ['MMA 0.30 flagged HU', mmaWith(0.3, undefined, 'HU'), true],
    [
      'MMA 0.50 flagged N (a flag and no range: the flag decides)',
      mmaWith(0.5, undefined, 'N'),
      false,
    ],
    ['MMA 0.30 flagged H within a range of 0.40', mmaWith(0.3, 0.4, 'H'), true],
  ])('%s: raised %s', (_name, result, fires) => {
    expect(ruleOn(mmaRenalCaution, [...RENAL, result])?.code).toBe(
      fires ? 'mma-renal-caution' : undefined,
    );
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

  it.each<[string, FhirResource[], boolean]>([
    ['a confirmed low B12 (179.9 ng/L)', [totalB12(179.9, { daysAgo: 20 })], false],
    ['an indeterminate B12 (180 ng/L)', [totalB12(180, { daysAgo: 20 })], true],
    ['an unlikely B12 (400 ng/L)', [totalB12(400, { daysAgo: 20 })], true],
    ['no B12 result', [], true],
  ])('with %s: fires %s (b12Band ≠ confirmed)', (_name, b12, fires) => {
    expect(ruleOn(mmaRenalCaution, [...b12, egfr(25), mma(0.62)])?.code).toBe(
      fires ? 'mma-renal-caution' : undefined,
    );
  });

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

  it('is dropped on B12 therapy and under 16 (RULES.md 5.1.1–2)', () => {
    const resources = [
      totalB12(250, { daysAgo: 100 }),
      egfr(25),
      mma(0.62, { daysAgo: 100 }),
      hydroxocobalamin(30),
    ];
    expect(run(resources).codes).not.toContain('mma-renal-caution');
    expect(run([...RENAL, mma(0.62)], aged(15)).codes).not.toContain('mma-renal-caution');
  });

  it('replaces b12-indeterminate-mma once an MMA follows the B12 (S15)', () => {
    const codes = run([...RENAL, mma(0.62, { daysAgo: 10 })]).codes;
    expect(codes).toContain('mma-renal-caution');
    expect(codes).not.toContain('b12-indeterminate-mma');
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

  it.each<[string, number, boolean, boolean]>([
    ['treats exactly 80 g/L as not severe (WHO 2011)', 80, false, false],
    ['treats 79.9 g/L as severe', 79.9, false, true],
    ['treats exactly 70 g/L in pregnancy as not severe', 70, true, false],
    ['treats 69.9 g/L in pregnancy as severe', 69.9, true, true],
    ['treats 75 g/L in pregnancy as not severe', 75, true, false],
  ])('%s', (_name, value, pregnant, fires) => {
    const resources = [hb(value), ...(pregnant ? [PREGNANT] : [])];
    expect(ruleOn(severeAnaemiaUrgent, resources, aged(30))?.code).toBe(
      fires ? 'severe-anaemia-urgent' : undefined,
    );
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

  it('fires at any age and on B12 therapy, alongside other cards (RULES.md 5.1.1, 5.1.7)', () => {
    expect(run([hb(70)], aged(10)).codes).toContain('severe-anaemia-urgent');
    expect(run([hb(70), hydroxocobalamin(30)]).codes).toContain('severe-anaemia-urgent');
    const codes = run([hb(70), mcv(110), fatigue(), metformin(200)]).codes;
    expect(codes).toEqual(
      expect.arrayContaining(['severe-anaemia-urgent', 'b12-test-recommended']),
    );
  });

  const orderHook = (drafts: FhirResource[], options: Partial<RunOptions> = {}): RunOptions => ({
    hook: 'order-sign',
    draftOrders: drafts,
    ...options,
  });

  it.each<[string, RunOptions, boolean]>([
    ['order-sign with a B12 draft', orderHook([b12Draft()]), true],
    ['order-sign with a folic acid draft', orderHook([folicDraft()]), true],
    ['order-sign with only a metformin draft', orderHook([metforminDraft()]), false],
    ['order-sign without drafts', orderHook([]), false],
    [
      'order-select with the B12 draft selected',
      orderHook([b12Draft('b'), metforminDraft('m')], {
        hook: 'order-select',
        selections: ['MedicationRequest/b'],
      }),
      true,
    ],
    [
      'order-select with the B12 draft unselected (context only)',
      orderHook([b12Draft('b'), metforminDraft('m')], {
        hook: 'order-select',
        selections: ['MedicationRequest/m'],
      }),
      false,
    ],
    [
      'order-select with an oral cyanocobalamin draft',
      orderHook(
        [
          draftOrder(concept([atc('B03BA01', 'cyanocobalamin')], 'Cyanocobalamin 1 mg tablet'), {
            id: 'oral',
          }),
        ],
        { hook: 'order-select' },
      ),
      true,
    ],
  ])('on %s: fires %s', (_name, options, fires) => {
    expect(run([hb(70)], options).codes.includes('severe-anaemia-urgent')).toBe(fires);
  });

  it('does not fire on order hooks without severe anaemia', () => {
    expect(run([hb(80)], orderHook([b12Draft()])).codes).not.toContain('severe-anaemia-urgent');
  });

  it('keeps the patient-view wording on order hooks', () => {
    const card = run([hb(68)], orderHook([folicDraft()])).card('severe-anaemia-urgent');
    expect(card.summary).toBe('Severe anaemia (Hb 68 g/L): arrange urgent same-day assessment');
  });

  it.each<['male' | 'female', number, boolean]>([
    ['male', 80, false],
    ['male', 79.9, true],
    ['female', 80, false],
  ])('uses the same 80 g/L cut-off for a %s patient: Hb %s severe %s', (gender, value, fires) => {
    expect(ruleOn(severeAnaemiaUrgent, [hb(value)], { patient: patient({ gender }) })?.code).toBe(
      fires ? 'severe-anaemia-urgent' : undefined,
    );
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
