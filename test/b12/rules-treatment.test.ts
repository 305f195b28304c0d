import { describe, expect, it } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import {
  b12ProphylaxisMalabsorption,
  combinedB12FolateDeficiency,
  deficiencyNeuroUrgent,
  deficiencyTreat,
} from '../../cds-services/b12/rules/treatment.js';
import type { RuleContext } from '../../cds-services/b12/rule.js';
import {
  DIETARY_MAINTENANCE,
  FOLIC_ACID_ALONE_WARNING,
  INTRINSIC_FACTOR_ANTIBODY_ADVICE,
  POTASSIUM_CHECK,
  LOADING_REGIMEN,
  NEUROLOGICAL_REGIMEN,
  ORAL_ALTERNATIVE,
  US_LABEL_REGIMEN,
} from '../../cds-services/b12/texts.js';
import { MAX_DETAIL_LENGTH, detailLength } from '../../cds-services/b12/detail.js';
import { r4Problems } from '../support/fhir-r4.js';
import {
  ago,
  concept,
  condition,
  medicationRequest,
  pregnancyStatus,
  procedure,
  rx,
  sct,
  textOnly,
} from '../support/fhir.js';
import { ATC, RXNORM, SNOMED, UCUM } from '../../src/fhir/systems.js';
import {
  bullets,
  coded,
  created,
  egfr,
  expectScenario,
  hb,
  mcv,
  mma,
  named,
  orderedTests,
  paraesthesia,
  paragraphs,
  perniciousAnaemia,
  platelets,
  run,
  runScenario,
  serumFolate,
  shown,
  suggestion,
  textOf,
  totalB12,
  veganDiet,
} from './rule-cases.js';

/**
 * The treatment rules on patient-view (RULES.md 5.6, 5.7, 5.9, 5.16), run through the whole
 * pipeline (facts → findings → evaluate → cards) on FHIR R4 patients: wording, evidence, detail
 * lines, suggestions. Which inputs show which card is mostly in the case tables (cases/5.6-*,
 * 5.7-*, 5.9-*, 5.16-*.yaml).
 */
const D5 = ago(5);

const TREAT = 'b12-deficiency-treat';
const NEURO = 'b12-deficiency-neuro-urgent';
const COMBINED = 'combined-b12-folate-deficiency';
const PROPHYLAXIS = 'b12-prophylaxis-malabsorption';

const LOAD_LABEL =
  'Start hydroxocobalamin 1 mg IM: three times a week for 2 weeks, then every 3 months';
const ORAL_LABEL = 'Start oral cyanocobalamin 1 mg daily';
const NEURO_LABEL = 'Start hydroxocobalamin 1 mg IM on alternate days, then every 2 months';
const COMBINED_LABEL = 'Start hydroxocobalamin and folic acid 5 mg together';

/** Untreated confirmed deficiency, no neurological features, normal platelets. */
const deficient = (value = 150): FhirResource[] => [
  totalB12(value),
  hb(125),
  mcv(96),
  platelets(210),
];

const onB12 = (context: RuleContext): RuleContext => ({
  ...context,
  findings: { ...context.findings, onB12: true },
});

const HYDROXOCOBALAMIN_CODINGS = [
  { system: RXNORM, code: '317106', display: 'hydroxocobalamin 1 MG/ML Injectable Solution' },
  { system: ATC, code: 'B03BA03', display: 'hydroxocobalamin' },
];
const IM_ROUTE = { coding: [{ system: SNOMED, code: '78421000', display: 'Intramuscular route' }] };
const ORAL_ROUTE = { coding: [{ system: SNOMED, code: '26643006', display: 'Oral route' }] };
const dose = (value: number): unknown => [
  { doseQuantity: { value, unit: 'mg', system: UCUM, code: 'mg' } },
];

/** Created orders: draft, order, for the patient, without id, and valid R4. */
function expectValidOrder(resource: FhirResource, patientId = 'pat-1'): void {
  expect(r4Problems(resource)).toEqual([]);
  expect(resource).toMatchObject({
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
  });
  expect(resource.id).toBeUndefined();
}

// ---------------------------------------------------------------------------------------------

describe('b12-deficiency-treat (RULES.md 5.6)', () => {
  it('S05: confirmed deficiency without neurological features gets the loading regimen', () => {
    expectScenario('S05', [TREAT, NEURO, COMBINED]);
  });

  it('is a warning naming the test and value in the summary', () => {
    const card = run(deficient()).card(TREAT);
    expect(card.indicator).toBe('warning');
    expect(card.summary).toBe(
      'B12 deficiency (total B12 150 ng/L): start hydroxocobalamin 1 mg IM loading regimen',
    );
    expect(card.summary.length).toBeLessThan(140);
  });

  it('detail is evidence, R-LOAD with R-IFAB, then R-FOLATE and the review as bullets; no R-ORAL or R-US (RULES.md 10.9.4)', () => {
    const result = run(deficient());
    const card = result.card(TREAT);
    expect(card.detail?.split('\n\n')).toEqual([
      `Evidence: total B12 150 ng/L, ${D5}; Hb 125 g/L, ${D5}; MCV 96 fL, ${D5}; ${shown(result, 'platelets')}.`,
      `${LOADING_REGIMEN} ${INTRINSIC_FACTOR_ANTIBODY_ADVICE}`,
      `- ${FOLIC_ACID_ALONE_WARNING}\n- Review at 3 months (1 month in pregnancy); do not routinely re-test B12 during injections.`,
    ]);
    expect(card.detail).not.toContain(ORAL_ALTERNATIVE);
    expect(card.detail).not.toContain(US_LABEL_REGIMEN);
  });

  it('R-ORAL is carried by the oral suggestion, not the detail (RULES.md 10.9.4)', () => {
    const card = run(deficient()).card(TREAT);
    expect(suggestion(card, ORAL_LABEL).actions?.[0]?.description).toBe(ORAL_ALTERNATIVE);
  });

  it('platelets 40: the summary starts oral cyanocobalamin, MR-ORAL first and recommended, MR-LOAD second (RULES.md 10.9.2)', () => {
    const card = run([totalB12(150), platelets(40)]).card(TREAT);
    expect(card.summary).toBe(
      'B12 deficiency (total B12 150 ng/L) with platelets 40 ×10⁹/L: start oral cyanocobalamin 1 mg daily (IM needs precautions)',
    );
    expect(card.summary.length).toBeLessThan(140);
    expect(card.suggestions?.map((s) => [s.label, s.isRecommended])).toEqual([
      [ORAL_LABEL, true],
      [LOAD_LABEL, false],
    ]);
    expect(paragraphs(card)[1]).toMatch(/^Oral cyanocobalamin 1 mg once daily/);
  });

  it('never shows "until no further improvement" (RULES.md 5.0 exclusivity)', () => {
    const card = run([...deficient(), hb(70)]).card(TREAT);
    expect(JSON.stringify(card)).not.toContain('no further improvement');
  });

  describe('thresholds (RULES.md 4)', () => {
    it('indeterminate B12 with a raised MMA names the MMA in summary and evidence', () => {
      const result = run([totalB12(250), mma(0.62), egfr(75)]);
      const card = result.card(TREAT);
      expect(card.summary).toBe(
        `B12 deficiency (${named(result, 'methylmalonicAcid')}): start hydroxocobalamin 1 mg IM loading regimen`,
      );
      expect(named(result, 'methylmalonicAcid')).toMatch(/^methylmalonic acid \(MMA\) 0\.62 /);
      expect(paragraphs(card)[0]).toBe(
        `Evidence: total B12 250 ng/L, ${D5}; raised ${shown(result, 'methylmalonicAcid')}; ${shown(result, 'egfr')}.`,
      );
    });
  });

  describe('suppression', () => {
    it('the rule itself is silent once the patient is on B12 (RULES.md 5.1.2)', () => {
      expect(deficiencyTreat(onB12(run(deficient()).context))).toBeUndefined();
    });
  });

  describe('conditional detail lines', () => {
    const detailOf = (extra: FhirResource[], base = deficient()): string =>
      textOf(run([...base, ...extra]).card(TREAT));

    it.each([
      [
        'metformin for over 4 months',
        medicationRequest(concept([rx('861007')]), { startedDaysAgo: 200 }),
        'Review the ongoing need for metformin.',
      ],
      [
        'omeprazole for over 12 months',
        medicationRequest(concept([rx('198051')]), { startedDaysAgo: 400 }),
        'Review the ongoing need for omeprazole.',
      ],
      [
        'famotidine for over 12 months',
        medicationRequest(concept([rx('4278')]), { startedDaysAgo: 400 }),
        'Review the ongoing need for famotidine.',
      ],
    ])('%s: the review line names the drug', (_name, medicine, line) => {
      expect(paragraphs(run([...deficient(), medicine]).card(TREAT))).toContain(line);
    });

    it('metformin for 100 days is no risk factor: no review line', () => {
      const medicine = medicationRequest(concept([rx('861007')]), { startedDaysAgo: 100 });
      expect(detailOf([medicine])).not.toContain('Review the ongoing need');
    });

    it.each([
      ['gastrectomy', coded('53442002', 'Gastrectomy')],
      ['ileal resection', coded('51346007', 'Ileectomy')],
      ['atrophic gastritis', coded('84568007', 'Atrophic gastritis')],
      ['pernicious anaemia', perniciousAnaemia()],
    ])('%s: "Likely irreversible cause: treatment is lifelong."', (_name, cause) => {
      expect(paragraphs(run([...deficient(), cause]).card(TREAT))).toContain(
        'Likely irreversible cause: treatment is lifelong.',
      );
    });

    it('several irreversible causes give the lifelong line once', () => {
      const lines = paragraphs(
        run([...deficient(), coded('53442002', 'Gastrectomy'), perniciousAnaemia()]).card(TREAT),
      );
      expect(lines.filter((line) => line.includes('Likely irreversible'))).toHaveLength(1);
    });

    it('bariatric surgery: replacement is lifelong', () => {
      expect(detailOf([coded('430715008', 'Bariatric surgery')])).toContain(
        'After bariatric surgery replacement is lifelong (oral 1 mg daily or 1 mg IM every 3 months).',
      );
    });

    it('vegan diet without a malabsorption cause: R-DIET', () => {
      expect(paragraphs(run([...deficient(), veganDiet()]).card(TREAT))).toContain(
        DIETARY_MAINTENANCE,
      );
    });

    it.each([
      ['coeliac disease', coded('396331005', 'Coeliac disease')],
      ["ileal Crohn's disease", coded('38106008', "Crohn's disease of ileum")],
      ['bariatric surgery', coded('430715008', 'Bariatric surgery')],
      ['pernicious anaemia', perniciousAnaemia()],
    ])('vegan diet with %s (a malabsorption cause): no R-DIET', (_name, cause) => {
      expect(detailOf([veganDiet(), cause])).not.toContain(DIETARY_MAINTENANCE);
    });

    it('vegan diet with metformin (a drug, not malabsorption): R-DIET and the review line', () => {
      const lines = paragraphs(
        run([
          ...deficient(),
          veganDiet(),
          medicationRequest(concept([rx('861007')]), { startedDaysAgo: 200 }),
        ]).card(TREAT),
      );
      // The causes make one bullet (RULES.md 10.9.4: cause in one line).
      expect(lines).toContain(`Review the ongoing need for metformin. ${DIETARY_MAINTENANCE}`);
    });

    it('no vegan diet: no R-DIET', () => {
      expect(detailOf([])).not.toContain(DIETARY_MAINTENANCE);
    });

    it('pernicious anaemia recorded: R-IFAB and the antibody order are omitted', () => {
      const card = run([...deficient(), perniciousAnaemia()]).card(TREAT);
      expect(card.detail).not.toContain(INTRINSIC_FACTOR_ANTIBODY_ADVICE);
      expect(orderedTests(suggestion(card, LOAD_LABEL))).toEqual([]);
      expect(orderedTests(suggestion(card, ORAL_LABEL))).toEqual([]);
    });

    it('autoimmune gastritis recorded by text: R-IFAB omitted', () => {
      const gastritis = condition(textOnly('Autoimmune gastritis'));
      expect(detailOf([gastritis])).not.toContain(INTRINSIC_FACTOR_ANTIBODY_ADVICE);
    });

    it('pregnant: the pregnancy line; not pregnant: none', () => {
      const line =
        'Pregnant: total B12 falls in pregnancy — if borderline, check active B12; review at 1 month (NICE NG239).';
      expect(
        paragraphs(run([...deficient(), pregnancyStatus('pregnant', 10)]).card(TREAT)),
      ).toContain(line);
      expect(detailOf([])).not.toContain('Pregnant:');
    });

    it('platelets 49.9: the precautions line, and the oral route is recommended', () => {
      const card = run([totalB12(150), platelets(49.9)]).card(TREAT);
      expect(paragraphs(card)).toContain(
        'Platelets 49.9 ×10⁹/L: see IM injection precautions; consider the oral route.',
      );
      expect(suggestion(card, LOAD_LABEL).isRecommended).toBe(false);
      expect(suggestion(card, ORAL_LABEL).isRecommended).toBe(true);
    });

    it('platelets 50: no precautions line, and IM is recommended', () => {
      const card = run([totalB12(150), platelets(50)]).card(TREAT);
      expect(textOf(card)).not.toContain('Platelets 50');
      expect(textOf(card)).not.toContain('IM injection precautions');
      expect(suggestion(card, LOAD_LABEL).isRecommended).toBe(true);
      expect(suggestion(card, ORAL_LABEL).isRecommended).toBe(false);
    });

    it('platelets older than 30 days do not count', () => {
      const card = run([totalB12(150), platelets(20, { daysAgo: 31 })]).card(TREAT);
      expect(textOf(card)).not.toContain('IM injection precautions');
    });

    it.each([
      ['Hb 79.9 g/L is severe anaemia: R-K', [hb(79.9)], true],
      ['Hb 80 g/L is not severe: no R-K', [hb(80)], false],
      ['pregnant, Hb 69.9 g/L: R-K', [hb(69.9), pregnancyStatus('pregnant', 10)], true],
      ['pregnant, Hb 70 g/L: no R-K', [hb(70), pregnancyStatus('pregnant', 10)], false],
    ])('%s', (_name, extra, shown) => {
      expect(paragraphs(run([totalB12(150), ...extra]).card(TREAT)).includes(POTASSIUM_CHECK)).toBe(
        shown,
      );
    });

    it('with every condition at once: safety first (R-FOLATE, platelets), at most four bullets, under 700 characters (RULES.md 10.9.4)', () => {
      const card = run([
        totalB12(150),
        hb(65),
        platelets(40),
        pregnancyStatus('pregnant', 10),
        veganDiet(),
        medicationRequest(concept([rx('861007')]), { startedDaysAgo: 200 }),
      ]).card(TREAT);
      const list = bullets(card);
      expect(list.slice(0, 2)).toEqual([
        FOLIC_ACID_ALONE_WARNING,
        'Platelets 40 ×10⁹/L: see IM injection precautions; consider the oral route.',
      ]);
      expect(list.length).toBeLessThanOrEqual(4);
      expect(detailLength((card.detail ?? '').split('\n\n'))).toBeLessThan(MAX_DETAIL_LENGTH);
      expect(card.detail).not.toContain(US_LABEL_REGIMEN);
    });
  });

  describe('suggestions', () => {
    const card = run(deficient()).card(TREAT);

    it('IM loading (recommended) or oral, at most one', () => {
      expect(card.selectionBehavior).toBe('at-most-one');
      expect(card.suggestions?.map((s) => [s.label, s.isRecommended])).toEqual([
        [LOAD_LABEL, true],
        [ORAL_LABEL, false],
      ]);
    });

    it('MR-LOAD: RxNorm 317106 + ATC B03BA03, 3×/week for 2 weeks then every 3 months', () => {
      const [order, ...others] = created(suggestion(card, LOAD_LABEL), 'MedicationRequest');
      expect(others).toEqual([]);
      expect(order?.medicationCodeableConcept).toEqual({
        coding: HYDROXOCOBALAMIN_CODINGS,
        text: 'Hydroxocobalamin 1 mg/1 mL injection',
      });
      expect(order?.dosageInstruction).toEqual([
        {
          sequence: 1,
          text: '1 mg IM three times a week for 2 weeks',
          timing: {
            repeat: {
              frequency: 3,
              period: 1,
              periodUnit: 'wk',
              boundsDuration: { value: 2, unit: 'weeks', system: UCUM, code: 'wk' },
            },
          },
          route: IM_ROUTE,
          doseAndRate: dose(1),
        },
        {
          sequence: 2,
          text: 'then 1 mg IM every 3 months',
          timing: { repeat: { frequency: 1, period: 3, periodUnit: 'mo' } },
          route: IM_ROUTE,
          doseAndRate: dose(1),
        },
      ]);
      if (order) expectValidOrder(order);
    });

    it('MR-ORAL: ATC B03BA01 cyanocobalamin 1 mg orally once daily', () => {
      const [order] = created(suggestion(card, ORAL_LABEL), 'MedicationRequest');
      expect(order?.medicationCodeableConcept).toEqual({
        coding: [{ system: ATC, code: 'B03BA01', display: 'cyanocobalamin' }],
        text: 'Cyanocobalamin 1 mg tablet',
      });
      expect(order?.dosageInstruction).toEqual([
        {
          sequence: 1,
          text: '1 mg orally once daily',
          timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
          route: ORAL_ROUTE,
          doseAndRate: dose(1),
        },
      ]);
      if (order) expectValidOrder(order);
    });

    it('both add SR-IFAB (LOINC 31444-3), valid R4 for the patient', () => {
      for (const label of [LOAD_LABEL, ORAL_LABEL]) {
        const found = suggestion(card, label);
        expect(orderedTests(found)).toEqual(['31444-3']);
        for (const request of created(found, 'ServiceRequest')) expectValidOrder(request);
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('b12-deficiency-neuro-urgent (RULES.md 5.7)', () => {
  const neuroDeficient = (): FhirResource[] => [...deficient(), paraesthesia()];

  it('S06: low B12 with paraesthesia and ataxia gets the neurological regimen', () => {
    expectScenario('S06', [NEURO, TREAT]);
  });

  it('is critical with the rule book summary', () => {
    const card = run(neuroDeficient()).card(NEURO);
    expect(card.indicator).toBe('critical');
    expect(card.summary).toBe(
      'B12 deficiency with neurological features: hydroxocobalamin 1 mg IM alternate days; urgent specialist advice',
    );
    expect(card.summary.length).toBeLessThan(140);
  });

  it('detail: evidence naming the features, R-NEURO with R-IFAB, then R-FOLATE and cord damage as bullets', () => {
    const result = run(neuroDeficient());
    expect(paragraphs(result.card(NEURO))).toEqual([
      `Evidence: total B12 150 ng/L, ${D5}; Hb 125 g/L, ${D5}; MCV 96 fL, ${D5}; ${shown(result, 'platelets')}; neurological features: Paresthesia.`,
      `${NEUROLOGICAL_REGIMEN} ${INTRINSIC_FACTOR_ANTIBODY_ADVICE}`,
      FOLIC_ACID_ALONE_WARNING,
      'Untreated deficiency can cause permanent spinal cord damage (subacute combined degeneration).',
    ]);
  });

  it('never shows "three times a week" with neurological features (RULES.md 5.0 exclusivity)', () => {
    const result = run([
      ...neuroDeficient(),
      hb(70),
      platelets(30),
      pregnancyStatus('pregnant', 9),
    ]);
    expect(JSON.stringify(result.card(NEURO))).not.toContain('three times a week');
    expect(result.codes).not.toContain(TREAT);
  });

  describe('functional deficiency (raised MMA, eGFR ≥ 60, any B12)', () => {
    it('B12 400 ng/L with MMA 0.62 and eGFR 75: card stating the functional deficiency', () => {
      const result = run([totalB12(400), mma(0.62), egfr(75), paraesthesia()]);
      expect(paragraphs(result.card(NEURO))[0]).toBe(
        `Evidence: total B12 400 ng/L, ${D5}; ${shown(result, 'methylmalonicAcid')}; ${shown(result, 'egfr')}; neurological features: Paresthesia; raised ${named(result, 'methylmalonicAcid')} with eGFR ≥ 60 despite total B12 400 ng/L: functional deficiency — BSH 2014: do not delay treatment.`,
      );
    });

    it('without an eGFR the card does not claim one', () => {
      const result = run([totalB12(400), mma(0.62), paraesthesia()]);
      const card = result.card(NEURO);
      expect(textOf(card)).toContain(
        `raised ${named(result, 'methylmalonicAcid')} with no renal impairment recorded (no eGFR) despite total B12 400 ng/L`,
      );
      expect(textOf(card)).not.toContain('eGFR ≥ 60');
    });
  });

  describe('conditional lines', () => {
    it.each([
      [
        'platelets 49.9: non-IM route line',
        [platelets(49.9)],
        'Platelets 49.9 ×10⁹/L: do not delay B12 — use a non-IM route and discuss with haematology.',
      ],
      [
        'pregnant: review at 1 month',
        [pregnancyStatus('pregnant', 10)],
        'Pregnant: review at 1 month.',
      ],
    ])('%s', (_name, extra, line) => {
      const lines = paragraphs(run([totalB12(150), paraesthesia(), ...extra]).card(NEURO));
      expect(lines).toContain(line);
    });

    it('Hb 79.9 g/L: R-K gives way to the 700-character limit, and the severe anaemia card of the response carries it (RULES.md 10.9.4)', () => {
      const result = run([totalB12(150), paraesthesia(), hb(79.9)]);
      expect(result.card(NEURO).detail).not.toContain(POTASSIUM_CHECK);
      expect(paragraphs(result.card('severe-anaemia-urgent'))).toContain(POTASSIUM_CHECK);
    });

    it.each([
      ['platelets 50: no platelet line', [platelets(50)], 'Platelets'],
      ['Hb 80 g/L: no R-K', [hb(80)], POTASSIUM_CHECK],
      ['not pregnant: no pregnancy line', [], 'Pregnant:'],
    ])('%s', (_name, extra, absent) => {
      const card = run([totalB12(150), paraesthesia(), ...extra]).card(NEURO);
      expect(paragraphs(card).slice(1).join('\n')).not.toContain(absent);
    });

    it('with every condition at once: safety bullets first, under 700 characters (RULES.md 10.9.4)', () => {
      const card = run([
        totalB12(150),
        paraesthesia(),
        platelets(30),
        hb(65),
        pregnancyStatus('pregnant', 5),
      ]).card(NEURO);
      expect(paragraphs(card)[1]).toBe(
        `${NEUROLOGICAL_REGIMEN} ${INTRINSIC_FACTOR_ANTIBODY_ADVICE}`,
      );
      expect(bullets(card).slice(0, 2)).toEqual([
        FOLIC_ACID_ALONE_WARNING,
        'Platelets 30 ×10⁹/L: do not delay B12 — use a non-IM route and discuss with haematology.',
      ]);
      expect(detailLength((card.detail ?? '').split('\n\n'))).toBeLessThan(MAX_DETAIL_LENGTH);
    });

    it('pernicious anaemia recorded: no R-IFAB and no antibody order', () => {
      const card = run([...neuroDeficient(), perniciousAnaemia()]).card(NEURO);
      expect(card.detail).not.toContain(INTRINSIC_FACTOR_ANTIBODY_ADVICE);
      expect(orderedTests(suggestion(card, NEURO_LABEL))).toEqual([]);
    });
  });

  describe('suppression', () => {
    it('the rule itself is silent once the patient is on B12', () => {
      expect(deficiencyNeuroUrgent(onB12(run(neuroDeficient()).context))).toBeUndefined();
    });
  });

  it('suggestion: MR-NEURO (recommended) with SR-IFAB, valid R4', () => {
    const card = run(neuroDeficient()).card(NEURO);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((s) => [s.label, s.isRecommended])).toEqual([[NEURO_LABEL, true]]);
    const found = suggestion(card, NEURO_LABEL);
    const [order] = created(found, 'MedicationRequest');
    expect(order?.medicationCodeableConcept?.coding).toEqual(HYDROXOCOBALAMIN_CODINGS);
    expect(order?.dosageInstruction).toEqual([
      {
        sequence: 1,
        text: '1 mg IM on alternate days until no further improvement',
        timing: { repeat: { frequency: 1, period: 2, periodUnit: 'd' } },
        route: IM_ROUTE,
        doseAndRate: dose(1),
      },
      {
        sequence: 2,
        text: 'then 1 mg IM every 2 months',
        timing: { repeat: { frequency: 1, period: 2, periodUnit: 'mo' } },
        route: IM_ROUTE,
        doseAndRate: dose(1),
      },
    ]);
    if (order) expectValidOrder(order);
    expect(orderedTests(found)).toEqual(['31444-3']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('combined-b12-folate-deficiency (RULES.md 5.9)', () => {
  const combined = (): FhirResource[] => [totalB12(130), serumFolate(2.1), hb(95), mcv(115)];

  it('S20: B12 and folate deficiency: the combined card replaces the treatment card (RULES.md 10.9.3)', () => {
    expectScenario('S20', [COMBINED, NEURO]);
    expect(runScenario('S20').run.codes).not.toContain(TREAT);
  });

  it('is a warning with the rule book summary and detail, R-LOAD without neuro', () => {
    const result = run(combined());
    const card = result.card(COMBINED);
    expect(card.indicator).toBe('warning');
    expect(card.summary).toBe(
      'B12 and folate deficiency: start B12 before or together with folic acid 5 mg daily',
    );
    expect(paragraphs(card)).toEqual([
      `Evidence: total B12 130 ng/L, ${D5}; ${shown(result, 'serumFolate')}; Hb 95 g/L, ${D5}; MCV 115 fL, ${D5}.`,
      `Start hydroxocobalamin first or at the same time as folic acid; then folic acid 5 mg daily for about 4 months (BNF). ${LOADING_REGIMEN}`,
      FOLIC_ACID_ALONE_WARNING,
      'Review at 3 months (1 month in pregnancy); do not routinely re-test B12 during injections.',
    ]);
  });

  it('replaces the treatment card and carries its cause line (RULES.md 10.9.3)', () => {
    const result = run([
      ...combined(),
      medicationRequest(concept([rx('861007')]), { startedDaysAgo: 200 }),
    ]);
    expect(result.codes).not.toContain(TREAT);
    expect(bullets(result.card(COMBINED))).toContain('Review the ongoing need for metformin.');
  });

  it('with neurological features: folic acid 5 mg alone, the B12 regimen on the urgent card (RULES.md 10.9.3)', () => {
    const result = run([...combined(), paraesthesia()]);
    const card = result.card(COMBINED);
    expect(card.suggestions?.map((s) => [s.label, s.isRecommended])).toEqual([
      ['Add folic acid 5 mg daily (B12 first or together)', true],
    ]);
    const orders = created(
      suggestion(card, 'Add folic acid 5 mg daily (B12 first or together)'),
      'MedicationRequest',
    );
    expect(orders.map((order) => order.medicationCodeableConcept?.text)).toEqual([
      'Folic acid 5 mg tablet',
    ]);
    expect(card.detail).toContain(
      'Regimen: see the B12 deficiency with neurological features: urgent treatment card',
    );
    expect(JSON.stringify(card)).not.toContain('three times a week');
    expect(card.detail).not.toContain(NEUROLOGICAL_REGIMEN);
    const neuro = result.card(NEURO);
    expect(created(suggestion(neuro, NEURO_LABEL), 'MedicationRequest')).toHaveLength(1);
  });

  it('functional deficiency with neurological features: MR-NEURO stays on the urgent card', () => {
    const result = run([totalB12(400), mma(0.62), egfr(75), paraesthesia(), serumFolate(2)]);
    const [b12Order] = created(suggestion(result.card(NEURO), NEURO_LABEL), 'MedicationRequest');
    expect(b12Order?.dosageInstruction?.[0]?.timing?.repeat).toEqual({
      frequency: 1,
      period: 2,
      periodUnit: 'd',
    });
  });

  it('without neurological features never "until no further improvement"', () => {
    expect(JSON.stringify(run(combined()).card(COMBINED))).not.toContain('no further improvement');
  });

  it('the rule itself is silent once the patient is on B12', () => {
    expect(combinedB12FolateDeficiency(onB12(run(combined()).context))).toBeUndefined();
  });

  it('suggestion: MR-LOAD + MR-FOLIC5 together (recommended), valid R4', () => {
    const card = run(combined()).card(COMBINED);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((s) => [s.label, s.isRecommended])).toEqual([
      [COMBINED_LABEL, true],
    ]);
    const [b12Order, folicOrder] = created(suggestion(card, COMBINED_LABEL), 'MedicationRequest');
    expect(b12Order?.medicationCodeableConcept?.coding).toEqual(HYDROXOCOBALAMIN_CODINGS);
    expect(b12Order?.dosageInstruction?.[0]?.timing?.repeat).toMatchObject({
      frequency: 3,
      period: 1,
      periodUnit: 'wk',
    });
    expect(folicOrder?.medicationCodeableConcept).toEqual({
      coding: [
        { system: RXNORM, code: '4511', display: 'folic acid' },
        { system: ATC, code: 'B03BB01', display: 'folic acid' },
      ],
      text: 'Folic acid 5 mg tablet',
    });
    expect(folicOrder?.dosageInstruction).toEqual([
      {
        sequence: 1,
        text: '5 mg orally once daily for 4 months',
        timing: {
          repeat: {
            frequency: 1,
            period: 1,
            periodUnit: 'd',
            boundsDuration: { value: 4, unit: 'months', system: UCUM, code: 'mo' },
          },
        },
        route: ORAL_ROUTE,
        doseAndRate: dose(5),
      },
    ]);
    for (const order of [b12Order, folicOrder]) if (order) expectValidOrder(order);
  });
});

// ---------------------------------------------------------------------------------------------

describe('b12-prophylaxis-malabsorption (RULES.md 5.16)', () => {
  const GASTRECTOMY = (): FhirResource => coded('53442002', 'Gastrectomy');
  const BARIATRIC = (): FhirResource => coded('430715008', 'Bariatric surgery');
  const ILEAL_RESECTION = (): FhirResource => coded('51346007', 'Ileectomy');
  const ILEAL_CROHNS = (): FhirResource => coded('38106008', "Crohn's disease of ileum");

  const PROPH_LABEL = 'Start hydroxocobalamin 1 mg IM every 3 months';
  const TEST_LABEL = 'Order total B12';
  const SURGICAL_LINE =
    'Lifelong prophylaxis: hydroxocobalamin 1 mg IM every 3 months (BNF, after total gastrectomy or total ileal resection); usually needed when more than 20 cm of terminal ileum is removed.';
  const BARIATRIC_LINE =
    'Lifelong B12: oral cyanocobalamin 1 mg daily (AFP 2017) or hydroxocobalamin 1 mg IM every 3 months (BOMSS 2020); bloods at 3, 6 and 12 months, then at least yearly.';
  const CROHNS_LINE = 'Check B12 at least yearly; lifelong replacement if deficiency develops.';

  it('gastrectomy, never tested: info card with the test and MR-PROPH', () => {
    const card = run([GASTRECTOMY()]).card(PROPHYLAXIS);
    expect(card.indicator).toBe('info');
    expect(card.summary).toBe(
      'Gastrectomy: lifelong B12 prophylaxis is recommended but none is recorded',
    );
    expect(paragraphs(card)).toEqual([
      'Evidence: recorded: Gastrectomy.',
      SURGICAL_LINE,
      'Check B12 before starting.',
    ]);
    expect(card.selectionBehavior).toBe('any');
    expect(card.suggestions?.map((s) => s.label)).toEqual([TEST_LABEL, PROPH_LABEL]);
    expect(orderedTests(suggestion(card, TEST_LABEL))).toEqual(['2132-9']);
    const [order] = created(suggestion(card, PROPH_LABEL), 'MedicationRequest');
    expect(order?.medicationCodeableConcept?.coding).toEqual(HYDROXOCOBALAMIN_CODINGS);
    expect(order?.dosageInstruction).toEqual([
      {
        sequence: 1,
        text: '1 mg IM every 3 months',
        timing: { repeat: { frequency: 1, period: 3, periodUnit: 'mo' } },
        route: IM_ROUTE,
        doseAndRate: dose(1),
      },
    ]);
    if (order) expectValidOrder(order);
    for (const request of created(suggestion(card, TEST_LABEL), 'ServiceRequest')) {
      expectValidOrder(request);
    }
  });

  it('gastrectomy with a B12 result in the last year: no test suggestion or line', () => {
    const card = run([GASTRECTOMY(), totalB12(400)]).card(PROPHYLAXIS);
    expect(paragraphs(card)).toEqual([
      `Evidence: total B12 400 ng/L, ${D5}; recorded: Gastrectomy.`,
      SURGICAL_LINE,
    ]);
    expect(card.suggestions?.map((s) => s.label)).toEqual([PROPH_LABEL]);
  });

  it('a pending B12 test counts as tested', () => {
    const card = run([GASTRECTOMY(), totalB12(400, { status: 'preliminary' })]).card(PROPHYLAXIS);
    expect(textOf(card)).not.toContain('Check B12 before starting.');
    expect(textOf(card)).toContain('B12 test pending');
  });

  it.each([
    [
      'a completed gastrectomy Procedure',
      procedure(concept([sct('53442002')], 'Gastrectomy')),
      true,
    ],
    [
      'a resolved gastrectomy Condition (permanent)',
      condition(concept([sct('53442002')]), { clinical: 'resolved' }),
      true,
    ],
  ])('%s', (_name, record, fires) => {
    expect(run([record]).codes.includes(PROPHYLAXIS)).toBe(fires);
  });

  it('ileal resection: the BNF IM line and MR-PROPH', () => {
    const card = run([ILEAL_RESECTION()]).card(PROPHYLAXIS);
    expect(card.summary).toBe(
      'Ileal resection: lifelong B12 prophylaxis is recommended but none is recorded',
    );
    expect(paragraphs(card)).toContain(SURGICAL_LINE);
    expect(card.suggestions?.map((s) => s.label)).toContain(PROPH_LABEL);
  });

  it('bariatric surgery: the BOMSS line and MR-ORAL', () => {
    const card = run([BARIATRIC()]).card(PROPHYLAXIS);
    expect(card.summary).toBe(
      'Bariatric surgery: lifelong B12 prophylaxis is recommended but none is recorded',
    );
    expect(paragraphs(card)).toContain(BARIATRIC_LINE);
    expect(paragraphs(card)).not.toContain(SURGICAL_LINE);
    expect(card.suggestions?.map((s) => s.label)).toEqual([TEST_LABEL, ORAL_LABEL]);
    const [order] = created(suggestion(card, ORAL_LABEL), 'MedicationRequest');
    expect(order?.dosageInstruction?.[0]?.timing?.repeat).toEqual({
      frequency: 1,
      period: 1,
      periodUnit: 'd',
    });
    if (order) expectValidOrder(order);
  });

  it("ileal Crohn's disease only, tested: yearly check line, no suggestions", () => {
    const card = run([ILEAL_CROHNS(), totalB12(400)]).card(PROPHYLAXIS);
    expect(card.summary).toBe(
      "Ileal Crohn's disease: lifelong B12 prophylaxis is recommended but none is recorded",
    );
    expect(paragraphs(card).slice(1)).toEqual([CROHNS_LINE]);
    expect(card.suggestions).toBeUndefined();
    expect(card.selectionBehavior).toBeUndefined();
  });

  it("ileal Crohn's disease only, untested: the B12 test only", () => {
    const card = run([ILEAL_CROHNS()]).card(PROPHYLAXIS);
    expect(paragraphs(card).slice(1)).toEqual([CROHNS_LINE, 'Check B12 before starting.']);
    expect(card.suggestions?.map((s) => s.label)).toEqual([TEST_LABEL]);
  });

  it("gastrectomy and bariatric surgery and ileal Crohn's: all named, no Crohn's-only line", () => {
    const card = run([GASTRECTOMY(), BARIATRIC(), ILEAL_CROHNS()]).card(PROPHYLAXIS);
    expect(card.summary).toBe(
      "Gastrectomy, bariatric surgery and ileal Crohn's disease: lifelong B12 prophylaxis is recommended but none is recorded",
    );
    expect(card.summary.length).toBeLessThan(140);
    // Both regimens make the action paragraph (RULES.md 10.9.4).
    expect(paragraphs(card)).toContain(`${SURGICAL_LINE} ${BARIATRIC_LINE}`);
    expect(card.detail).not.toContain(CROHNS_LINE);
    expect(card.suggestions?.map((s) => s.label)).toEqual([TEST_LABEL, PROPH_LABEL, ORAL_LABEL]);
  });

  describe('suppression and precedence', () => {
    it('the rule itself is silent once the patient is on B12', () => {
      expect(b12ProphylaxisMalabsorption(onB12(run([GASTRECTOMY()]).context))).toBeUndefined();
    });
  });
});
