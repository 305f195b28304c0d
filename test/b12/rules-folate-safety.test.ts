import { describe, expect, it } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import {
  folateOrderB12Unknown,
  folateOrderB12Untreated,
} from '../../cds-services/b12/rules/folate-safety.js';
import type { RuleContext } from '../../cds-services/b12/rule.js';
import {
  FOLIC_ACID_ALONE_WARNING,
  LOADING_REGIMEN,
  NEUROLOGICAL_REGIMEN,
} from '../../cds-services/b12/texts.js';
import { r4Problems } from '../support/fhir-r4.js';
import {
  ago,
  draftOrder,
  medicationRequest,
  pregnancyStatus,
  serviceRequest,
} from '../support/fhir.js';
import {
  aged,
  activeB12,
  ckdStage4,
  coded,
  created,
  deleted,
  egfr,
  expectScenario,
  FOLIC_ACID_1MG,
  folicDraft,
  hb,
  HYDROXO_INJ,
  imB12Draft,
  mcv,
  mg,
  micrograms,
  mma,
  orderedTests,
  paraesthesia,
  paragraphs,
  run,
  suggestion,
  textOf,
  totalB12,
} from './rule-cases.js';

/**
 * Folic acid ordered before B12 deficiency is excluded or treated (RULES.md 5.11, 5.12) on the
 * order hooks, through the whole pipeline.
 */

const UNTREATED = 'folate-order-b12-untreated';
const UNKNOWN = 'folate-order-b12-unknown';
const D5 = ago(5);

const ADD_LABEL = 'Add hydroxocobalamin 1 mg IM with the folic acid';
const REMOVE_LABEL = 'Remove the folic acid order';
const TEST_LABEL = 'Order total B12';
const START_FIRST = 'Start hydroxocobalamin first or at the same time: ';
const MEASURE =
  'Measure B12 (active B12 in pregnancy) before or together with starting folic acid; start B12 first if deficiency is confirmed.';

const FOLIC_5MG = (): FhirResource => folicDraft(mg(5), { id: 'd-folic' });
const FOLIC_1MG_DRAFT = (): FhirResource => folicDraft(mg(1), { id: 'd-folic' });

const onB12 = (context: RuleContext): RuleContext => ({
  ...context,
  findings: { ...context.findings, onB12: true },
});

// ---------------------------------------------------------------------------------------------

describe('folate-order-b12-untreated (RULES.md 5.11)', () => {
  it('S21: order-select folic acid 1 mg with untreated B12 150 ng/L is critical', () => {
    expectScenario('S21', [UNTREATED, UNKNOWN]);
  });

  it('critical, rule book summary; detail: evidence, B12 first with R-LOAD, then R-FOLATE', () => {
    const card = run([totalB12(150), hb(125)], { draftOrders: [FOLIC_5MG()] }).card(UNTREATED);
    expect(card.indicator).toBe('critical');
    expect(card.summary).toBe(
      'Folic acid ordered but B12 deficiency is untreated: risk of subacute combined degeneration',
    );
    expect(paragraphs(card)).toEqual([
      `Evidence: total B12 150 ng/L, ${D5}; Hb 125 g/L, ${D5}; ordered: folic acid 5 mg/day.`,
      `${START_FIRST}${LOADING_REGIMEN}`,
      FOLIC_ACID_ALONE_WARNING,
    ]);
  });

  it('with neurological features: R-NEURO and MR-NEURO, never "three times a week"', () => {
    const card = run([totalB12(150), paraesthesia()], { draftOrders: [FOLIC_5MG()] }).card(
      UNTREATED,
    );
    expect(paragraphs(card)[1]).toBe(`${START_FIRST}${NEUROLOGICAL_REGIMEN}`);
    expect(JSON.stringify(card)).not.toContain('three times a week');
    const [order] = created(suggestion(card, ADD_LABEL), 'MedicationRequest');
    expect(order?.dosageInstruction?.map((dosage) => dosage.timing?.repeat)).toEqual([
      { frequency: 1, period: 2, periodUnit: 'd' },
      { frequency: 1, period: 2, periodUnit: 'mo' },
    ]);
  });

  it('without neurological features never "until no further improvement"', () => {
    const card = run([totalB12(150)], { draftOrders: [FOLIC_5MG()] }).card(UNTREATED);
    expect(JSON.stringify(card)).not.toContain('no further improvement');
  });

  it('suggestions: add MR-LOAD (recommended) or delete the folic acid draft, at most one', () => {
    const card = run([totalB12(150)], { draftOrders: [FOLIC_5MG()] }).card(UNTREATED);
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.map((s) => [s.label, s.isRecommended])).toEqual([
      [ADD_LABEL, true],
      [REMOVE_LABEL, undefined],
    ]);
    const [order, ...others] = created(suggestion(card, ADD_LABEL), 'MedicationRequest');
    expect(others).toEqual([]);
    expect(order?.medicationCodeableConcept?.coding?.map((coding) => coding.code)).toEqual([
      '317106',
      'B03BA03',
    ]);
    expect(order?.dosageInstruction?.map((dosage) => dosage.timing?.repeat)).toEqual([
      {
        frequency: 3,
        period: 1,
        periodUnit: 'wk',
        boundsDuration: {
          value: 2,
          unit: 'weeks',
          system: 'http://unitsofmeasure.org',
          code: 'wk',
        },
      },
      { frequency: 1, period: 3, periodUnit: 'mo' },
    ]);
    expect(order?.subject).toEqual({ reference: 'Patient/pat-1' });
    if (order) expect(r4Problems(order)).toEqual([]);
    const remove = suggestion(card, REMOVE_LABEL);
    expect(remove.actions?.[0]).not.toHaveProperty('resource');
    expect(remove.actions).toEqual([
      {
        type: 'delete',
        description: 'Remove the draft folic acid order',
        resourceId: 'MedicationRequest/d-folic',
      },
    ]);
  });

  it('several folic acid drafts: the card lists all and deletes the first', () => {
    const card = run([totalB12(150)], {
      draftOrders: [
        folicDraft(mg(5), { id: 'first' }),
        folicDraft(micrograms(400), { id: 'second' }),
      ],
    }).card(UNTREATED);
    expect(paragraphs(card)[0]).toContain(
      'ordered: folic acid 5 mg/day; ordered: folic acid 0.4 mg/day',
    );
    expect(deleted(suggestion(card, REMOVE_LABEL))).toEqual(['MedicationRequest/first']);
  });

  describe('trigger', () => {
    it.each([
      ['total B12 179.9 ng/L (confirmed)', [totalB12(179.9)], true],
      ['total B12 180 ng/L (indeterminate, no MMA)', [totalB12(180)], false],
      ['active B12 24.9 pmol/L', [activeB12(24.9)], true],
      ['active B12 25 pmol/L', [activeB12(25)], false],
      [
        'indeterminate B12 with MMA 0.46 (raised), eGFR 60',
        [totalB12(250), mma(0.46), egfr(60)],
        true,
      ],
      ['indeterminate B12 with MMA 0.46, eGFR 59.9', [totalB12(250), mma(0.46), egfr(59.9)], false],
      ['indeterminate B12 with MMA 0.45 (not raised)', [totalB12(250), mma(0.45)], false],
      ['functional: B12 400 ng/L, MMA 0.62, eGFR 75', [totalB12(400), mma(0.62), egfr(75)], true],
      [
        'coded B12 deficiency, no results',
        [coded('190634004', 'Vitamin B12 deficiency anaemia')],
        true,
      ],
      ['B12 400 ng/L, no MMA', [totalB12(400)], false],
    ])('%s', (_name, resources, fires) => {
      expect(run(resources, { draftOrders: [FOLIC_5MG()] }).codes.includes(UNTREATED)).toBe(fires);
    });

    it('any dose: 400 micrograms a day', () => {
      const draft = folicDraft(micrograms(400), { id: 'd-folic' });
      expect(run([totalB12(150)], { draftOrders: [draft] }).codes).toContain(UNTREATED);
    });

    it('a coded deficiency is named in the evidence', () => {
      const card = run([coded('190634004', 'Vitamin B12 deficiency anaemia')], {
        draftOrders: [FOLIC_5MG()],
      }).card(UNTREATED);
      expect(paragraphs(card)[0]).toBe(
        'Evidence: recorded: Vitamin B12 deficiency anaemia; ordered: folic acid 5 mg/day.',
      );
    });

    it('on order-select and order-sign, never on patient-view', () => {
      expect(
        run([totalB12(150)], { hook: 'order-select', draftOrders: [FOLIC_5MG()] }).codes,
      ).toContain(UNTREATED);
      expect(
        run([totalB12(150)], { hook: 'order-sign', draftOrders: [FOLIC_5MG()] }).codes,
      ).toContain(UNTREATED);
      expect(run([totalB12(150)], { hook: 'patient-view' }).codes).not.toContain(UNTREATED);
    });
  });

  describe('suppression', () => {
    it('B12 planned: a hydroxocobalamin draft among the drafts', () => {
      expect(
        run([totalB12(150)], { draftOrders: [FOLIC_5MG(), imB12Draft({ id: 'd-b12' })] }).codes,
      ).not.toContain(UNTREATED);
    });

    it('B12 planned by an unselected draft on order-select (context only)', () => {
      const result = run([totalB12(150)], {
        hook: 'order-select',
        draftOrders: [FOLIC_5MG(), imB12Draft({ id: 'd-b12' })],
        selections: ['MedicationRequest/d-folic'],
      });
      expect(result.context.b12Planned).toBe(true);
      expect(result.codes).not.toContain(UNTREATED);
    });

    it('an unselected folic acid draft on order-select is context only: no card', () => {
      const result = run([totalB12(150)], {
        hook: 'order-select',
        draftOrders: [FOLIC_5MG(), draftOrder(FOLIC_ACID_1MG, { id: 'd-other' })],
        selections: ['MedicationRequest/d-none'],
      });
      expect(result.codes).not.toContain(UNTREATED);
    });

    it('on B12 therapy with a coded deficiency: no card', () => {
      const resources = [
        coded('190634004', 'Vitamin B12 deficiency anaemia'),
        medicationRequest(HYDROXO_INJ, { startedDaysAgo: 60 }),
      ];
      expect(run(resources, { draftOrders: [FOLIC_5MG()] }).codes).not.toContain(UNTREATED);
      const context = run([totalB12(150)], { draftOrders: [FOLIC_5MG()] }).context;
      expect(folateOrderB12Untreated(onB12(context))).toBeUndefined();
    });

    it('a draft B12 ServiceRequest does not suppress it (only 5.12)', () => {
      const result = run([totalB12(150)], {
        draftOrders: [FOLIC_5MG(), serviceRequest('2132-9')],
      });
      expect(result.codes).toContain(UNTREATED);
    });
  });

  describe('under 16 (RULES.md 1)', () => {
    it('15 years: "Seek paediatric advice" instead of a regimen, and no regimen suggestion', () => {
      const card = run([totalB12(150)], {
        ...aged(15),
        draftOrders: [FOLIC_5MG()],
      }).card(UNTREATED);
      expect(paragraphs(card)[1]).toBe(`${START_FIRST}Seek paediatric advice.`);
      expect(textOf(card)).not.toContain(LOADING_REGIMEN);
      expect(JSON.stringify(card)).not.toContain('three times a week');
      expect(card.suggestions?.map((s) => s.label)).toEqual([REMOVE_LABEL]);
    });

    it('16 years: the adult regimen and its suggestion', () => {
      const card = run([totalB12(150)], {
        ...aged(16),
        draftOrders: [FOLIC_5MG()],
      }).card(UNTREATED);
      expect(paragraphs(card)[1]).toBe(`${START_FIRST}${LOADING_REGIMEN}`);
      expect(card.suggestions?.map((s) => s.label)).toEqual([ADD_LABEL, REMOVE_LABEL]);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('folate-order-b12-unknown (RULES.md 5.12)', () => {
  it('S22: order-sign folic acid 1 mg, no B12 ever, MCV 109 fL: warning', () => {
    expectScenario('S22', [UNKNOWN, UNTREATED]);
  });

  it('warning, rule book summary; detail: evidence, measure B12, then R-FOLATE', () => {
    const card = run([mcv(109), hb(122)], {
      ...aged(48, 'male'),
      draftOrders: [FOLIC_1MG_DRAFT()],
    }).card(UNKNOWN);
    expect(card.indicator).toBe('warning');
    expect(card.summary).toBe(
      'Folic acid ordered without a usable recent B12 result: check B12 before or with folic acid',
    );
    expect(paragraphs(card)).toEqual([
      `Evidence: ordered: folic acid 1 mg/day; MCV 109 fL, ${D5}; Hb 122 g/L, ${D5}.`,
      MEASURE,
      FOLIC_ACID_ALONE_WARNING,
    ]);
  });

  it('indeterminate B12 without an MMA since: the indeterminate summary', () => {
    const card = run([totalB12(250)], { draftOrders: [FOLIC_5MG()] }).card(UNKNOWN);
    expect(card.summary).toBe(
      'Folic acid ordered and B12 is indeterminate: check B12 status before or with folic acid',
    );
    expect(paragraphs(card)[0]).toBe(
      `Evidence: ordered: folic acid 5 mg/day; total B12 250 ng/L, ${D5}.`,
    );
  });

  it('suggestions (any): order total B12 (recommended), delete the folic acid draft', () => {
    const card = run([], { draftOrders: [FOLIC_5MG()] }).card(UNKNOWN);
    expect(card.selectionBehavior).toBe('any');
    expect(card.suggestions?.map((s) => [s.label, s.isRecommended])).toEqual([
      [TEST_LABEL, true],
      [REMOVE_LABEL, undefined],
    ]);
    const order = suggestion(card, TEST_LABEL);
    expect(orderedTests(order)).toEqual(['2132-9']);
    for (const request of created(order, 'ServiceRequest')) {
      expect(r4Problems(request)).toEqual([]);
      expect(request.subject).toEqual({ reference: 'Patient/pat-1' });
    }
    expect(suggestion(card, REMOVE_LABEL).actions).toEqual([
      {
        type: 'delete',
        description: 'Remove the draft folic acid order',
        resourceId: 'MedicationRequest/d-folic',
      },
    ]);
  });

  it('pregnant: orders active B12 (SR-AB12), labelled as such', () => {
    const card = run([pregnancyStatus('pregnant', 10)], { draftOrders: [FOLIC_5MG()] }).card(
      UNKNOWN,
    );
    expect(card.suggestions?.map((s) => s.label)).toEqual(['Order active B12', REMOVE_LABEL]);
    expect(orderedTests(suggestion(card, 'Order active B12'))).toEqual(['72160-5']);
  });

  describe('dose, macrocytosis and anaemia (RULES.md 4: ≤ 1 mg/day is prophylactic)', () => {
    it.each([
      ['1 mg/day, normal blood count: prophylactic, no card', folicDraft(mg(1)), [], false],
      ['1.1 mg/day: card', folicDraft(mg(1.1)), [], true],
      ['dose unknown (counted as > 1 mg/day): card', folicDraft(undefined), [], true],
      ['5 mg/day: card', folicDraft(mg(5)), [], true],
      [
        '0.5 mg twice a day (1 mg/day): no card',
        folicDraft(mg(0.5), { timing: { frequency: 2, period: 1, periodUnit: 'd' } }),
        [],
        false,
      ],
      ['1 mg/day with MCV 100.1 fL: card', folicDraft(mg(1)), [mcv(100.1)], true],
      ['1 mg/day with MCV 100 fL: no card', folicDraft(mg(1)), [mcv(100)], false],
      ['1 mg/day with Hb 119.9 g/L (female): card', folicDraft(mg(1)), [hb(119.9)], true],
      ['1 mg/day with Hb 120 g/L (female): no card', folicDraft(mg(1)), [hb(120)], false],
    ])('%s', (_name, draft, resources, fires) => {
      expect(run(resources, { draftOrders: [draft] }).codes.includes(UNKNOWN)).toBe(fires);
    });

    it('400 micrograms a day in pregnancy, normal blood count: no card', () => {
      const result = run([pregnancyStatus('pregnant', 10), hb(115), mcv(90)], {
        draftOrders: [folicDraft(micrograms(400))],
      });
      expect(result.codes).not.toContain(UNKNOWN);
    });

    it('an unknown dose is shown as such in the evidence', () => {
      const card = run([], { draftOrders: [folicDraft(undefined)] }).card(UNKNOWN);
      expect(paragraphs(card)[0]).toBe('Evidence: ordered: folic acid, dose unknown.');
    });

    it('uses the configured prophylactic maximum', () => {
      const draft = folicDraft(mg(4));
      expect(run([], { draftOrders: [draft] }).codes).toContain(UNKNOWN);
      expect(
        run([], { draftOrders: [draft], thresholds: { folicProphylacticMaxMgPerDay: 5 } }).codes,
      ).not.toContain(UNKNOWN);
    });
  });

  describe('B12 status', () => {
    it.each([
      ['no B12 ever', [], true],
      ['B12 350 ng/L (indeterminate)', [totalB12(350)], true],
      ['B12 351 ng/L (unlikely)', [totalB12(351)], false],
      ['active B12 70 pmol/L (indeterminate)', [activeB12(70)], true],
      ['active B12 71 pmol/L (unlikely)', [activeB12(71)], false],
      [
        'indeterminate with a non-raised MMA since',
        [totalB12(250, { daysAgo: 20 }), mma(0.3)],
        false,
      ],
      [
        'indeterminate with a non-raised MMA since but eGFR 59.9',
        [totalB12(250, { daysAgo: 20 }), mma(0.3), egfr(59.9)],
        true,
      ],
      [
        'indeterminate with a non-raised MMA since and eGFR 60',
        [totalB12(250, { daysAgo: 20 }), mma(0.3), egfr(60)],
        false,
      ],
      [
        'indeterminate with a non-raised MMA since and CKD stage 4, no eGFR',
        [totalB12(250, { daysAgo: 20 }), mma(0.3), ckdStage4()],
        true,
      ],
      [
        'indeterminate with a non-raised MMA before the B12',
        [totalB12(250, { daysAgo: 5 }), mma(0.3, { daysAgo: 20 })],
        true,
      ],
      [
        'B12 400 ng/L 400 days ago (stale counts as missing)',
        [totalB12(400, { daysAgo: 400 })],
        true,
      ],
      ['B12 400 ng/L 365 days ago (inside the year)', [totalB12(400, { daysAgo: 365 })], false],
    ])('%s', (_name, resources, fires) => {
      expect(run(resources, { draftOrders: [FOLIC_5MG()] }).codes.includes(UNKNOWN)).toBe(fires);
    });

    it('a stale B12 is shown in the evidence', () => {
      const card = run([totalB12(400, { daysAgo: 400 })], { draftOrders: [FOLIC_5MG()] }).card(
        UNKNOWN,
      );
      expect(paragraphs(card)[0]).toBe(
        `Evidence: ordered: folic acid 5 mg/day; total B12 400 ng/L, ${ago(400)}.`,
      );
    });

    it('untreated deficiency gives 5.11, never both', () => {
      const codes = run([totalB12(150)], { draftOrders: [FOLIC_5MG()] }).codes;
      expect(codes).toContain(UNTREATED);
      expect(codes).not.toContain(UNKNOWN);
    });

    it('indeterminate with a raised MMA since is deficiency: 5.11, not 5.12', () => {
      const codes = run([totalB12(250, { daysAgo: 20 }), mma(0.62), egfr(75)], {
        draftOrders: [FOLIC_5MG()],
      }).codes;
      expect(codes).toEqual(expect.arrayContaining([UNTREATED]));
      expect(codes).not.toContain(UNKNOWN);
    });
  });

  describe('suppression', () => {
    it.each([
      ['total B12 (2132-9)', '2132-9'],
      ['active B12 (72160-5)', '72160-5'],
    ])('a draft %s ServiceRequest: no card', (_name, code) => {
      expect(run([], { draftOrders: [FOLIC_5MG(), serviceRequest(code)] }).codes).not.toContain(
        UNKNOWN,
      );
    });

    it('an unselected B12 ServiceRequest on order-select still counts', () => {
      const result = run([], {
        hook: 'order-select',
        draftOrders: [FOLIC_5MG(), serviceRequest('2132-9', 'sr-b12')],
        selections: ['MedicationRequest/d-folic'],
      });
      expect(result.codes).not.toContain(UNKNOWN);
    });

    it('a folate ServiceRequest does not count', () => {
      expect(run([], { draftOrders: [FOLIC_5MG(), serviceRequest('2284-8')] }).codes).toContain(
        UNKNOWN,
      );
    });

    it('B12 planned (a B12 draft, focused or not): no card', () => {
      expect(run([], { draftOrders: [FOLIC_5MG(), imB12Draft()] }).codes).not.toContain(UNKNOWN);
      const result = run([], {
        hook: 'order-select',
        draftOrders: [FOLIC_5MG(), imB12Draft({ id: 'd-b12' })],
        selections: ['MedicationRequest/d-folic'],
      });
      expect(result.codes).not.toContain(UNKNOWN);
    });

    it('on B12 therapy: no card', () => {
      const therapy = medicationRequest(HYDROXO_INJ, { startedDaysAgo: 60 });
      expect(run([therapy], { draftOrders: [FOLIC_5MG()] }).codes).not.toContain(UNKNOWN);
      const context = run([], { draftOrders: [FOLIC_5MG()] }).context;
      expect(folateOrderB12Unknown(onB12(context))).toBeUndefined();
    });

    it('an unselected folic acid draft on order-select: no card', () => {
      const result = run([], {
        hook: 'order-select',
        draftOrders: [FOLIC_5MG()],
        selections: ['MedicationRequest/elsewhere'],
      });
      expect(result.codes).not.toContain(UNKNOWN);
    });

    it('never on patient-view', () => {
      expect(run([mcv(110)]).codes).not.toContain(UNKNOWN);
    });
  });
});
