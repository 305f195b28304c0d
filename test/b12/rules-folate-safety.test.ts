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
import { ago, pregnancyStatus } from '../support/fhir.js';
import {
  aged,
  coded,
  created,
  deleted,
  expectScenario,
  folicDraft,
  hb,
  imB12Draft,
  mcv,
  mg,
  micrograms,
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
 * order hooks, through the whole pipeline: wording, evidence, suggestions. Which orders show which
 * card is in the case tables (cases/5.11-*, 5.12-*.yaml).
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
    it('a coded deficiency is named in the evidence', () => {
      const card = run([coded('190634004', 'Vitamin B12 deficiency anaemia')], {
        draftOrders: [FOLIC_5MG()],
      }).card(UNTREATED);
      expect(paragraphs(card)[0]).toBe(
        'Evidence: recorded: Vitamin B12 deficiency anaemia; ordered: folic acid 5 mg/day.',
      );
    });
  });

  describe('suppression', () => {
    it('B12 planned by an unselected draft on order-select (context only)', () => {
      const result = run([totalB12(150)], {
        hook: 'order-select',
        draftOrders: [FOLIC_5MG(), imB12Draft({ id: 'd-b12' })],
        selections: ['MedicationRequest/d-folic'],
      });
      expect(result.context.b12Planned).toBe(true);
      expect(result.codes).not.toContain(UNTREATED);
    });

    it('the rule itself is silent once the patient is on B12', () => {
      const context = run([totalB12(150)], { draftOrders: [FOLIC_5MG()] }).context;
      expect(folateOrderB12Untreated(onB12(context))).toBeUndefined();
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
    it('an unknown dose is shown as such in the evidence', () => {
      const card = run([], { draftOrders: [folicDraft(undefined)] }).card(UNKNOWN);
      expect(paragraphs(card)[0]).toBe('Evidence: ordered: folic acid, dose unknown.');
    });
  });

  describe('B12 status', () => {
    it('a stale B12 is shown in the evidence', () => {
      const card = run([totalB12(400, { daysAgo: 400 })], { draftOrders: [FOLIC_5MG()] }).card(
        UNKNOWN,
      );
      expect(paragraphs(card)[0]).toBe(
        `Evidence: ordered: folic acid 5 mg/day; total B12 400 ng/L, ${ago(400)}.`,
      );
    });
  });

  describe('suppression', () => {
    it('the rule itself is silent once the patient is on B12', () => {
      const context = run([], { draftOrders: [FOLIC_5MG()] }).context;
      expect(folateOrderB12Unknown(onB12(context))).toBeUndefined();
    });
  });
});
