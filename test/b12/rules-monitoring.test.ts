import { describe, expect, it } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import {
  b12LowOnOral,
  b12ReviewDue,
  hypokalaemiaMonitoring,
} from '../../cds-services/b12/rules/monitoring.js';
import {
  FOLIC_ACID_ALONE_WARNING,
  POTASSIUM_CHECK,
  LOADING_REGIMEN,
  NEUROLOGICAL_REGIMEN,
} from '../../cds-services/b12/texts.js';
import {
  ago,
  atc,
  concept,
  draftOrder,
  lab,
  medicationAdministration,
  medicationRequest,
  medicationStatement,
  pregnancyStatus,
  sct,
  textOnly,
} from '../support/fhir.js';
import {
  activeB12,
  aged,
  b12Draft,
  expectScenario,
  expectValidSuggestionResources,
  folicDraft,
  hb,
  hydroxocobalamin,
  HYDROXOCOBALAMIN,
  mcv,
  metforminDraft,
  orderedTests,
  paraesthesia,
  paragraphs,
  platelets,
  ruleCard,
  ruleOn,
  run,
  suggestion,
  totalB12,
} from './rule-cases.js';
import type { RunOptions } from './rule-cases.js';

/**
 * Following B12 treatment (RULES.md 5.18 review due, 5.15 potassium in severe anaemia): triggers,
 * day counts on both sides, suppression, wording and suggestions.
 */

const PREGNANT = pregnancyStatus('pregnant', 10);
const REVIEW_LINE =
  'NICE NG239: review symptoms and full blood count 3 months after starting (1 month if pregnant).';
const PERSISTING_LINE =
  'Persisting symptoms: on injections increase frequency; on oral treatment increase the dose or switch to IM. Do not routinely re-test B12 on injections.';

// ---------------------------------------------------------------------------------------------

describe('b12-review-due (RULES.md 5.18)', () => {
  it('fires 90 days after starting B12 with no full blood count since, with the exact wording', () => {
    const card = run([hydroxocobalamin(90)]).card('b12-review-due');
    expect(card.summary).toBe(
      `On B12 since ${ago(90)} with no full blood count since: review response (NG239 review at 3 months)`,
    );
    expect(card.indicator).toBe('info');
    expect(card.source.topic).toMatchObject({
      code: 'b12-review-due',
      display: 'B12 treatment review due',
    });
    expect(paragraphs(card)).toEqual([
      `Evidence: hydroxocobalamin since ${ago(90)} (90 days); no Hb, MCV or platelet result since then.`,
      REVIEW_LINE,
      PERSISTING_LINE,
    ]);
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'already-addressed',
      'test-already-ordered',
      'not-clinically-relevant',
    ]);
    expect(card.links?.map((link) => link.label)).toEqual([
      'NICE NG239',
      'How this card decides (B12 CDS)',
    ]);
  });

  it('suggests a recommended full blood count (LOINC 58410-2)', () => {
    const card = ruleCard(b12ReviewDue, [hydroxocobalamin(120)]);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order full blood count', true],
    ]);
    expect(orderedTests(suggestion(card, 'Order full blood count'))).toEqual(['58410-2']);
    expectValidSuggestionResources(card);
  });

  it.each<[number, boolean]>([
    [89, false],
    [90, true],
  ])('B12 started %s days ago, not pregnant: due %s (3 months)', (days, due) => {
    expect(ruleOn(b12ReviewDue, [hydroxocobalamin(days)])?.code).toBe(
      due ? 'b12-review-due' : undefined,
    );
  });

  it.each<[number, boolean]>([
    [29, false],
    [30, true],
  ])('B12 started %s days ago in pregnancy: due %s (1 month)', (days, due) => {
    expect(ruleOn(b12ReviewDue, [hydroxocobalamin(days), PREGNANT], aged(30))?.code).toBe(
      due ? 'b12-review-due' : undefined,
    );
  });

  it('uses the pregnancy summary and names the pregnancy in the evidence', () => {
    const card = ruleCard(b12ReviewDue, [hydroxocobalamin(30), PREGNANT], aged(30));
    expect(card.summary).toBe(
      `On B12 since ${ago(30)} with no full blood count since: review response (NG239 review at 1 month in pregnancy)`,
    );
    expect(paragraphs(card)[0]).toContain('; pregnant.');
  });

  it.each<[string, FhirResource, boolean]>([
    ['an Hb the day after the start', hb(130, { daysAgo: 99 }), false],
    ['an MCV alone after the start', mcv(90, { daysAgo: 50 }), false],
    ['a platelet count alone after the start', platelets(250, { daysAgo: 10 }), false],
    ['an Hb on the start day (not after it)', hb(130, { daysAgo: 100 }), true],
    ['an Hb before the start', hb(100, { daysAgo: 120 }), true],
    [
      'an Hb after the start with an unusable unit',
      lab('718-7', 130, 'furlongs', { daysAgo: 50 }),
      true,
    ],
    ['a preliminary Hb after the start', hb(130, { daysAgo: 50, status: 'preliminary' }), true],
    ['a total B12 after the start', totalB12(900, { daysAgo: 30 }), true],
  ])('B12 for 100 days with %s: due %s', (_name, result, due) => {
    expect(ruleOn(b12ReviewDue, [hydroxocobalamin(100), result])?.code).toBe(
      due ? 'b12-review-due' : undefined,
    );
  });

  it('counts from the start of the continuous treatment chain', () => {
    const earlier = hydroxocobalamin(200, { status: 'completed' });
    const card = ruleCard(b12ReviewDue, [earlier, hydroxocobalamin(60)]);
    expect(card.summary).toContain(`On B12 since ${ago(200)} `);
    expect(ruleOn(b12ReviewDue, [hydroxocobalamin(60)])).toBeUndefined();
  });

  it.each<[string, FhirResource[]]>([
    ['no B12 therapy', []],
    ['a completed B12 course only', [hydroxocobalamin(200, { status: 'completed' })]],
    ['B12 therapy with no start date', [hydroxocobalamin(0, { startedDaysAgo: null })]],
    [
      'a B-complex product (not B12 therapy)',
      [
        medicationRequest(concept([atc('B03BA51')], 'Vitamin B complex with vitamin B12'), {
          startedDaysAgo: 200,
        }),
      ],
    ],
  ])('does not fire with %s', (_name, resources) => {
    expect(ruleOn(b12ReviewDue, resources)).toBeUndefined();
  });

  it('fires for oral cyanocobalamin too', () => {
    const oral = medicationRequest(
      concept([atc('B03BA01', 'cyanocobalamin')], 'Cyanocobalamin 1 mg tablet'),
      { startedDaysAgo: 150, route: concept([sct('26643006', 'Oral route')]) },
    );
    expect(ruleOn(b12ReviewDue, [oral])?.code).toBe('b12-review-due');
  });

  it('is dropped under 16 and kept at 16 (RULES.md 5.1.1), and survives onB12 (5.1.7)', () => {
    expect(run([hydroxocobalamin(100)], aged(15)).codes).not.toContain('b12-review-due');
    expect(run([hydroxocobalamin(100)], aged(16)).codes).toContain('b12-review-due');
  });
});

// ---------------------------------------------------------------------------------------------

describe('hypokalaemia-monitoring (RULES.md 5.15)', () => {
  const sign = (drafts: FhirResource[], options: Partial<RunOptions> = {}): RunOptions => ({
    hook: 'order-sign',
    draftOrders: drafts,
    ...options,
  });

  it('fires for a B12 order in severe anaemia with the exact wording and a potassium suggestion', () => {
    const card = run([hb(79.9, { daysAgo: 2 })], sign([b12Draft()])).card(
      'hypokalaemia-monitoring',
    );
    expect(card.summary).toBe(
      'Severe anaemia (Hb 79.9 g/L): check potassium in the first 48 hours of B12 treatment',
    );
    expect(card.indicator).toBe('info');
    expect(card.source.topic).toMatchObject({
      code: 'hypokalaemia-monitoring',
      display: 'Potassium monitoring in severe anaemia',
    });
    expect(paragraphs(card)).toEqual([
      `Evidence: Hb 79.9 g/L, ${ago(2)}; B12 order: hydroxocobalamin.`,
      POTASSIUM_CHECK,
      'Reticulocytosis is expected on days 3–10.',
    ]);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Order serum potassium', true],
    ]);
    expect(orderedTests(suggestion(card, 'Order serum potassium'))).toEqual(['2823-3']);
    expectValidSuggestionResources(card);
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'already-addressed',
      'test-already-ordered',
      'not-clinically-relevant',
    ]);
    expect(card.links?.map((link) => link.label)).toEqual([
      'DailyMed cyanocobalamin',
      'NICE CKS',
      'How this card decides (B12 CDS)',
    ]);
  });

  it.each<[string, number, boolean, boolean]>([
    ['treats exactly 80 g/L as not severe', 80, false, false],
    ['treats 79.9 g/L as severe', 79.9, false, true],
    ['treats exactly 70 g/L in pregnancy as not severe', 70, true, false],
    ['treats 69.9 g/L in pregnancy as severe', 69.9, true, true],
  ])('%s', (_name, value, pregnant, fires) => {
    const resources = [hb(value), ...(pregnant ? [PREGNANT] : [])];
    expect(
      ruleOn(hypokalaemiaMonitoring, resources, { ...aged(30), ...sign([b12Draft()]) })?.code,
    ).toBe(fires ? 'hypokalaemia-monitoring' : undefined);
  });

  it.each<[string, RunOptions, boolean]>([
    ['order-sign, IM hydroxocobalamin draft', sign([b12Draft()]), true],
    [
      'order-sign, oral cyanocobalamin draft (any route)',
      sign([
        draftOrder(concept([atc('B03BA01', 'cyanocobalamin')], 'Cyanocobalamin 1 mg tablet'), {
          route: concept([sct('26643006', 'Oral route')]),
        }),
      ]),
      true,
    ],
    [
      'order-sign, subcutaneous hydroxocobalamin draft',
      sign([
        draftOrder(HYDROXOCOBALAMIN, { route: concept([sct('34206005', 'Subcutaneous route')]) }),
      ]),
      true,
    ],
    ['order-sign, folic acid draft only', sign([folicDraft()]), false],
    ['order-sign, metformin draft only', sign([metforminDraft()]), false],
    [
      'order-select, B12 draft selected',
      sign([b12Draft('b'), folicDraft(undefined, { id: 'f' })], {
        hook: 'order-select',
        selections: ['MedicationRequest/b'],
      }),
      true,
    ],
    [
      'order-select, B12 draft not selected (context only)',
      sign([b12Draft('b'), folicDraft(undefined, { id: 'f' })], {
        hook: 'order-select',
        selections: ['MedicationRequest/f'],
      }),
      false,
    ],
    ['patient-view (not a hook of this card)', { hook: 'patient-view' }, false],
  ])('Hb 70 with %s: fires %s', (_name, options, fires) => {
    expect(run([hb(70)], options).codes.includes('hypokalaemia-monitoring')).toBe(fires);
  });

  it('fires for a patient already on B12 therapy (a draft is not current therapy)', () => {
    expect(run([hb(70), hydroxocobalamin(30)], sign([b12Draft()])).codes).toContain(
      'hypokalaemia-monitoring',
    );
  });

  it('fires under 16 (an order-safety card, RULES.md 1)', () => {
    expect(run([hb(70)], { ...aged(12), ...sign([b12Draft()]) }).codes).toContain(
      'hypokalaemia-monitoring',
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('b12-low-on-oral (RULES.md 10.8, 5.20)', () => {
  const LOW_ON_ORAL = 'b12-low-on-oral';
  const ORAL_ROUTE = concept([sct('26643006', 'Oral route')]);
  const CYANOCOBALAMIN_TABLET = concept(
    [atc('B03BA01', 'cyanocobalamin')],
    'Cyanocobalamin 1 mg tablet',
  );
  const oralB12 = (startedDaysAgo: number | null): ReturnType<typeof medicationRequest> =>
    medicationRequest(CYANOCOBALAMIN_TABLET, {
      id: 'mr-oral',
      startedDaysAgo,
      route: ORAL_ROUTE,
    });
  const NG239_ORAL =
    'NICE NG239: if symptoms persist on oral treatment increase the dose or switch to intramuscular; malabsorption (pernicious anaemia, gastrectomy, ileal disease, metformin, acid suppression) makes oral treatment less reliable.';

  it('oral cyanocobalamin started 125 days ago and total B12 150 ng/L 5 days ago (120 days after the start): warning, exact wording, MR-LOAD', () => {
    const card = run([oralB12(125), totalB12(150, { daysAgo: 5 })]).card(LOW_ON_ORAL);
    expect(card.indicator).toBe('warning');
    expect(card.summary).toBe(
      `Low B12 (total B12 150 ng/L, ${ago(5)}) on oral B12: check adherence and absorption; consider IM hydroxocobalamin`,
    );
    expect(card.summary.length).toBeLessThan(140);
    expect(paragraphs(card)).toEqual([
      `Evidence: total B12 150 ng/L, ${ago(5)}; on cyanocobalamin since ${ago(125)}.`,
      LOADING_REGIMEN,
      FOLIC_ACID_ALONE_WARNING,
      NG239_ORAL,
    ]);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
      ['Switch to hydroxocobalamin 1 mg IM', true],
    ]);
    const [action] = card.suggestions?.[0]?.actions ?? [];
    expect(action?.type === 'create' ? action.resource : undefined).toMatchObject({
      resourceType: 'MedicationRequest',
      medicationCodeableConcept: { coding: [{ code: '317106' }, { code: 'B03BA03' }] },
      dosageInstruction: [
        { sequence: 1, text: '1 mg IM three times a week for 2 weeks' },
        { sequence: 2, text: 'then 1 mg IM every 3 months' },
      ],
    });
    expectValidSuggestionResources(card);
    expect(card.overrideReasons?.map((reason) => reason.code)).toEqual([
      'treated-elsewhere',
      'result-not-representative',
      'patient-declined',
      'specialist-managing',
    ]);
    expect(card.links?.map((link) => link.label)).toEqual([
      'NICE NG239',
      'BNF hydroxocobalamin',
      'How this card decides (B12 CDS)',
    ]);
  });

  it('with neurological features: R-NEURO and MR-NEURO, never the loading regimen (RULES.md 5.0)', () => {
    const card = run([oralB12(125), totalB12(150, { daysAgo: 5 }), paraesthesia()]).card(
      LOW_ON_ORAL,
    );
    expect(paragraphs(card)).toContain(NEUROLOGICAL_REGIMEN);
    expect(card.detail).not.toContain('three times a week');
    const [action] = card.suggestions?.[0]?.actions ?? [];
    expect(
      action?.type === 'create' && action.resource.resourceType === 'MedicationRequest'
        ? action.resource.dosageInstruction?.[0]?.text
        : undefined,
    ).toBe('1 mg IM on alternate days until no further improvement');
  });

  it.each<[string, number, boolean]>([
    ['a low result 30 days after the start does not fire (oral B12 needs time)', 35, false],
    ['89 days after the start: not yet', 94, false],
    ['exactly 90 days after the start: fires', 95, true],
    ['120 days after the start: fires', 125, true],
  ])('%s', (_name, startedDaysAgo, fires) => {
    const spec = ruleOn(b12LowOnOral, [oralB12(startedDaysAgo), totalB12(150, { daysAgo: 5 })]);
    expect(spec?.code).toBe(fires ? LOW_ON_ORAL : undefined);
  });

  it('active B12 20 pmol/L (< 25) on oral B12 fires and names active B12', () => {
    const card = run([oralB12(125), activeB12(20, { daysAgo: 5 })]).card(LOW_ON_ORAL);
    expect(card.summary).toBe(
      `Low B12 (active B12 20 pmol/L, ${ago(5)}) on oral B12: check adherence and absorption; consider IM hydroxocobalamin`,
    );
  });

  it.each<[string, number]>([
    ['total B12 exactly 180 ng/L (indeterminate, not low)', 180],
    ['total B12 400 ng/L', 400],
  ])('%s on oral B12: no card', (_name, value) => {
    expect(ruleOn(b12LowOnOral, [oralB12(125), totalB12(value, { daysAgo: 5 })])).toBeUndefined();
  });

  it('start unknown: a low result at any time in the last 365 days fires, and says "start unknown"', () => {
    const card = run([oralB12(null), totalB12(150, { daysAgo: 300 })]).card(LOW_ON_ORAL);
    expect(paragraphs(card)[0]).toBe(
      `Evidence: total B12 150 ng/L, ${ago(300)}; on cyanocobalamin (start unknown).`,
    );
  });

  it('a low result 366 days ago is outside the lookback: no card', () => {
    expect(ruleOn(b12LowOnOral, [oralB12(600), totalB12(150, { daysAgo: 366 })])).toBeUndefined();
  });

  it('with current injections as well (an IM hydroxocobalamin course): no card', () => {
    expect(
      ruleOn(b12LowOnOral, [
        oralB12(125),
        hydroxocobalamin(20, { route: concept([sct('78421000', 'Intramuscular route')]) }),
        totalB12(150, { daysAgo: 5 }),
      ]),
    ).toBeUndefined();
  });

  it('with a B12 injection given 40 days ago (MedicationAdministration): no card', () => {
    expect(
      ruleOn(b12LowOnOral, [
        oralB12(125),
        medicationAdministration(HYDROXOCOBALAMIN, 40, {
          route: concept([sct('78421000', 'Intramuscular route')]),
        }),
        totalB12(150, { daysAgo: 5 }),
      ]),
    ).toBeUndefined();
  });

  it('injections only (no oral B12): no card', () => {
    expect(
      ruleOn(b12LowOnOral, [hydroxocobalamin(125), totalB12(150, { daysAgo: 5 })]),
    ).toBeUndefined();
  });

  it.each<[string, ReturnType<typeof medicationRequest> | ReturnType<typeof medicationStatement>]>([
    [
      'a nasal spray (route from the name)',
      medicationRequest(textOnly('Nascobal 500 mcg/0.1 mL nasal spray'), { startedDaysAgo: 200 }),
    ],
    [
      'sublingual methylcobalamin (route from the name)',
      medicationRequest(textOnly('Methylcobalamin 1000 mcg sublingual tablet'), {
        startedDaysAgo: 200,
      }),
    ],
    [
      'an over-the-counter tablet the patient reports (MedicationStatement)',
      medicationStatement(textOnly('Vitamin B12 1000 mcg tablet'), { startedDaysAgo: 200 }),
    ],
  ])('fires on %s', (_name, therapy) => {
    expect(ruleOn(b12LowOnOral, [therapy, totalB12(150, { daysAgo: 5 })])?.code).toBe(LOW_ON_ORAL);
  });

  it('coexists with b12-review-due (RULES.md 10.8: 5.18 still coexists) and survives onB12 (5.1.2)', () => {
    const codes = run([oralB12(125), totalB12(150, { daysAgo: 5 })]).codes;
    expect(codes).toContain(LOW_ON_ORAL);
    expect(codes).toContain('b12-review-due');
    expect(codes).not.toContain('b12-deficiency-treat');
  });

  it('is dropped under 16 and kept at 16 (RULES.md 5.1.1)', () => {
    const resources = [oralB12(125), totalB12(150, { daysAgo: 5 })];
    expect(run(resources, aged(15)).codes).not.toContain(LOW_ON_ORAL);
    expect(run(resources, aged(16)).codes).toContain(LOW_ON_ORAL);
  });

  it('never on the order hooks', () => {
    expect(
      run([oralB12(125), totalB12(150, { daysAgo: 5 })], {
        hook: 'order-sign',
        draftOrders: [b12Draft()],
      }).codes,
    ).not.toContain(LOW_ON_ORAL);
  });
});

// ---------------------------------------------------------------------------------------------

describe('public scenarios: the monitoring cards (facts level)', () => {
  const MINE = ['b12-review-due', 'hypokalaemia-monitoring'] as const;

  it.each(['S01', 'S08', 'S15', 'S16', 'S19', 'S27', 'S29'])(
    '%s: exactly the expected monitoring cards, with the required wording',
    (id) => {
      expectScenario(id, MINE);
    },
  );
});
