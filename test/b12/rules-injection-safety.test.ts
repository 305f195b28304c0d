import { describe, expect, it } from 'vitest';
import type { Dosage, FhirResource } from 'fhir/r4.js';
import { resultText } from '../../cds-services/b12/evidence.js';
import { r4Problems } from '../support/fhir-r4.js';
import {
  ago,
  concept,
  draftOrder,
  lab,
  medicationRequest,
  rx,
  sct,
  textOnly,
} from '../support/fhir.js';
import {
  aged,
  ckdStage4,
  created,
  CYANO_INJ,
  CYANO_TABLET,
  DAILY,
  deleted,
  egfr,
  expectScenario,
  HYDROXO_INJ,
  IM,
  imB12Draft,
  mg,
  ORAL,
  paragraphs,
  platelets,
  run,
  SC,
  shown,
  suggestion,
  textOf,
  valueOf,
} from './rule-cases.js';

/**
 * Safety of the B12 injection being ordered (RULES.md 5.13, 5.14) on the order hooks, through the
 * whole pipeline: tiers, wording, evidence, suggestions. Which orders show which card is in the
 * case tables (cases/5.13-*, 5.14-*.yaml).
 */

const IM_CARD = 'im-injection-thrombocytopenia';
const RENAL = 'cyanocobalamin-renal';

const REPLACE_LABEL = 'Replace the IM order with oral cyanocobalamin 1 mg daily';
const SWAP_LABEL = 'Use hydroxocobalamin instead (same schedule)';

const TIER_25_49 =
  'Use a fine needle (25–27G) with 5–10 minutes of pressure, or deep subcutaneous injection (licensed for cyanocobalamin, off-label for hydroxocobalamin), or oral cyanocobalamin 1–2 mg daily; discuss with haematology if bleeding.';
const TIER_10_24 =
  'Avoid IM: use oral cyanocobalamin 1–2 mg daily or deep subcutaneous injection; discuss with haematology; with neurological features do not delay B12 (non-IM route).';
const TIER_BELOW_10 =
  'Haematology input before any injection; check for pancytopenia; oral cyanocobalamin 1–2 mg daily can start meanwhile; platelets usually recover with B12.';
const RENAL_TEXT =
  'Cyanocobalamin injection contains aluminium, which accumulates in renal impairment (FDA label). Harm in diabetic nephropathy (DIVINe) was with combined B vitamins, not shown for cyanocobalamin alone. No dose adjustment is documented for either form.';

const warningSummary = (count: string): string =>
  `Platelets ${count} ×10⁹/L: bleeding risk with IM B12 injection — consider another route`;
const criticalSummary = (count: string): string =>
  `Platelets ${count} ×10⁹/L: get haematology advice before any B12 injection`;

// ---------------------------------------------------------------------------------------------

describe('im-injection-thrombocytopenia (RULES.md 5.13)', () => {
  const imDraft = (): FhirResource => imB12Draft({ id: 'd-im' });

  it('S29: IM hydroxocobalamin with platelets 8 ×10⁹/L is critical', () => {
    expectScenario('S29', [IM_CARD]);
  });

  describe('platelet tiers (RULES.md 4: < 50 card, < 25 avoid IM, < 10 critical)', () => {
    it.each([
      ['50: no card', 50, undefined],
      ['49.9: warning, precautions', 49.9, ['warning', warningSummary('49.9'), TIER_25_49, false]],
      ['25: warning, precautions', 25, ['warning', warningSummary('25'), TIER_25_49, false]],
      ['24.9: warning, avoid IM', 24.9, ['warning', warningSummary('24.9'), TIER_10_24, true]],
      ['10: warning, avoid IM', 10, ['warning', warningSummary('10'), TIER_10_24, true]],
      ['9.9: critical', 9.9, ['critical', criticalSummary('9.9'), TIER_BELOW_10, true]],
    ] as const)('platelets %s', (_name, count, expected) => {
      const result = run([platelets(count)], { draftOrders: [imDraft()] });
      if (expected === undefined) {
        expect(result.codes).not.toContain(IM_CARD);
        return;
      }
      const [indicator, summary, tier, recommended] = expected;
      const card = result.card(IM_CARD);
      expect(card.indicator).toBe(indicator);
      expect(card.summary).toBe(summary);
      expect(card.summary.length).toBeLessThan(140);
      expect(paragraphs(card)).toEqual([
        `Evidence: ${shown(result, 'platelets')}; IM order: hydroxocobalamin.`,
        tier,
      ]);
      expect(suggestion(card, REPLACE_LABEL).isRecommended).toBe(recommended);
    });

    it('each tier names platelets, oral and haematology', () => {
      for (const count of [40, 20, 5]) {
        const text = textOf(run([platelets(count)], { draftOrders: [imDraft()] }).card(IM_CARD));
        expect(text.toLowerCase()).toContain('platelets');
        expect(text).toContain('oral');
        expect(text.toLowerCase()).toContain('haematology');
      }
    });

    it('platelets <10 (censored) are in the critical tier', () => {
      const card = run([platelets(10, { comparator: '<' })], { draftOrders: [imDraft()] }).card(
        IM_CARD,
      );
      expect(card.indicator).toBe('critical');
      expect(card.summary).toBe(criticalSummary('<10'));
    });

    it('8 ×10³/µL is 8 ×10⁹/L', () => {
      const card = run([lab('777-3', 8, '10*3/uL', { daysAgo: 1 })], {
        draftOrders: [imDraft()],
      }).card(IM_CARD);
      expect(card.summary).toBe(criticalSummary('8'));
    });
  });

  describe('trigger', () => {
    it('platelets 5 at 30 days are critical; at 31 days (outside the 30-day window) only a recheck warning (RULES.md 10.2.6)', () => {
      const recent = run([platelets(5, { daysAgo: 30 })], { draftOrders: [imDraft()] });
      expect(recent.card(IM_CARD).indicator).toBe('critical');
      const older = run([platelets(5, { daysAgo: 31 })], { draftOrders: [imDraft()] });
      expect(older.card(IM_CARD).indicator).toBe('warning');
      expect(older.card(IM_CARD).detail).toContain(
        `Last platelet count 5 ×10⁹/L on ${ago(31)} (31 days ago): recheck before an IM injection.`,
      );
    });

    it('a patient already on B12 therapy is on B12 beside the draft', () => {
      const therapy = medicationRequest(HYDROXO_INJ, { startedDaysAgo: 100 });
      const result = run([platelets(20), therapy], { draftOrders: [imDraft()] });
      expect(result.context.findings.onB12).toBe(true);
    });

    it('a draft IM order does not make the patient on B12', () => {
      expect(run([platelets(20)], { draftOrders: [imDraft()] }).context.findings.onB12).toBe(false);
    });
  });

  describe('no platelet count within 30 days (RULES.md 10.2.6, 10.2.7)', () => {
    const FBC_LABEL = 'Order full blood count';
    const olderPlatelets = (result: ReturnType<typeof run>): string => {
      const [latest] = result.facts.results.platelets;
      if (!latest) throw new Error('no platelet result');
      return resultText(latest);
    };
    const recheck = (count: number, daysAgo: number): string =>
      `Last platelet count ${String(count)} ×10⁹/L on ${ago(daysAgo)} (${String(daysAgo)} days ago): recheck before an IM injection.`;

    it('platelets 30 ×10⁹/L 40 days ago: a warning to recheck, with a full blood count to order (`any`)', () => {
      const result = run([platelets(30, { daysAgo: 40 })], { draftOrders: [imDraft()] });
      const card = result.card(IM_CARD);
      expect(card.indicator).toBe('warning');
      expect(card.summary).toBe(warningSummary('30'));
      expect(paragraphs(card)).toEqual([
        // The older count is the evidence: it is no latest result of the 30-day window.
        `Evidence: ${olderPlatelets(result)}; IM order: hydroxocobalamin.`,
        TIER_25_49,
        recheck(30, 40),
      ]);
      expect(card.selectionBehavior).toBe('any');
      expect(card.suggestions?.map((item) => item.label)).toEqual([REPLACE_LABEL, FBC_LABEL]);
      const fbc = suggestion(card, FBC_LABEL);
      expect(created(fbc, 'ServiceRequest').map((order) => order.code?.coding?.[0]?.code)).toEqual([
        '58410-2',
      ]);
      for (const order of created(fbc, 'ServiceRequest')) expect(r4Problems(order)).toEqual([]);
    });

    it.each([5, 9.9])(
      'an older count of %s ×10⁹/L is never critical: a warning to recheck',
      (count) => {
        const card = run([platelets(count, { daysAgo: 40 })], { draftOrders: [imDraft()] }).card(
          IM_CARD,
        );
        expect(card.indicator).toBe('warning');
        expect(card.summary).toBe(warningSummary(String(count)));
        expect(card.detail).toContain(recheck(count, 40));
        expect(card.detail).not.toContain(TIER_BELOW_10);
      },
    );

    it('under 16: the recheck warning suggests only the full blood count (no adult oral regimen)', () => {
      const card = run([platelets(30, { daysAgo: 40 })], {
        ...aged(15),
        draftOrders: [imDraft()],
      }).card(IM_CARD);
      expect(card.suggestions?.map((item) => item.label)).toEqual([FBC_LABEL]);
    });

    it('an unreadable platelet count 3 days ago: a warning to check platelets, with the data note and a recommended full blood count', () => {
      const result = run([lab('777-3', 20, 'IU/L', { daysAgo: 3, id: 'plt-bad' })], {
        draftOrders: [imDraft()],
      });
      const card = result.card(IM_CARD);
      expect(card.indicator).toBe('warning');
      expect(card.summary).toBe(
        `Platelet count of ${ago(3)} could not be read: check platelets before an IM B12 injection`,
      );
      expect(card.summary.length).toBeLessThan(140);
      expect(paragraphs(card)).toContain(
        `Data note: platelets result of ${ago(3)} ignored (unit 'IU/L' not recognised)`,
      );
      expect(card.suggestions?.map((item) => [item.label, item.isRecommended])).toEqual([
        [FBC_LABEL, true],
      ]);
      expect(
        created(suggestion(card, FBC_LABEL), 'ServiceRequest').map(
          (order) => order.code?.coding?.[0]?.code,
        ),
      ).toEqual(['58410-2']);
    });
  });

  describe('B12 products named by EHRs (RULES.md 10.4.5, 10.4.6)', () => {
    it('"Vitamin B12 1000 mcg/mL injectable solution" without a route is IM: platelets 20 give the card', () => {
      const result = run([platelets(20)], {
        draftOrders: [
          draftOrder(textOnly('Vitamin B12 1000 mcg/mL injectable solution'), { id: 'd-inj' }),
        ],
      });
      const card = result.card(IM_CARD);
      expect(card.summary).toBe(warningSummary('20'));
      expect(deleted(suggestion(card, REPLACE_LABEL))).toEqual(['MedicationRequest/d-inj']);
    });
  });

  describe('suggestion', () => {
    it('deletes the IM draft and creates MR-ORAL, at most one', () => {
      const card = run([platelets(20)], { draftOrders: [imDraft()] }).card(IM_CARD);
      expect(card.selectionBehavior).toBe('at-most-one');
      const replace = suggestion(card, REPLACE_LABEL);
      expect(replace.actions?.[0]).toEqual({
        type: 'delete',
        description: 'Remove the IM B12 order',
        resourceId: 'MedicationRequest/d-im',
      });
      expect(replace.actions?.[0]).not.toHaveProperty('resource');
      const [order] = created(replace, 'MedicationRequest');
      expect(order?.medicationCodeableConcept).toEqual({
        coding: [{ system: 'http://www.whocc.no/atc', code: 'B03BA01', display: 'cyanocobalamin' }],
        text: 'Cyanocobalamin 1 mg tablet',
      });
      expect(order?.dosageInstruction?.[0]?.timing?.repeat).toEqual({
        frequency: 1,
        period: 1,
        periodUnit: 'd',
      });
      expect(order).toMatchObject({
        status: 'draft',
        intent: 'order',
        subject: { reference: 'Patient/pat-1' },
      });
      if (order) expect(r4Problems(order)).toEqual([]);
    });

    it('several IM drafts: all listed, the first deleted', () => {
      const result = run([platelets(20)], {
        draftOrders: [
          imB12Draft({ id: 'first' }),
          draftOrder(CYANO_INJ, { id: 'second', route: IM }),
        ],
      });
      const card = result.card(IM_CARD);
      expect(paragraphs(card)[0]).toBe(
        `Evidence: ${shown(result, 'platelets')}; IM order: hydroxocobalamin; IM order: cyanocobalamin.`,
      );
      expect(deleted(suggestion(card, REPLACE_LABEL))).toEqual(['MedicationRequest/first']);
    });

    it('under 16 the card fires but proposes no adult oral regimen (RULES.md 1)', () => {
      const result = run([platelets(20)], { ...aged(15), draftOrders: [imDraft()] });
      const card = result.card(IM_CARD);
      expect(card.suggestions).toBeUndefined();
      expect(paragraphs(card)).toEqual([
        `Evidence: ${shown(result, 'platelets')}; IM order: hydroxocobalamin.`,
        TIER_10_24,
        'Seek paediatric advice.',
      ]);
      const adult = run([platelets(20)], { ...aged(16), draftOrders: [imDraft()] });
      expect(adult.card(IM_CARD).suggestions?.map((s) => s.label)).toEqual([REPLACE_LABEL]);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('cyanocobalamin-renal (RULES.md 5.14)', () => {
  const WEEKLY_1MG: Dosage[] = [
    {
      sequence: 1,
      text: '1 mg IM weekly',
      timing: { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } },
      route: IM,
      doseAndRate: [
        { doseQuantity: { value: 1, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } },
      ],
    },
  ];
  const cyanoIm = (): FhirResource =>
    draftOrder(CYANO_INJ, {
      id: 'd-cyano',
      route: IM,
      dose: mg(1),
      timing: { frequency: 1, period: 1, periodUnit: 'wk' },
      dosageText: '1 mg IM weekly',
    });

  it('eGFR 45 with an IM cyanocobalamin draft: info card, rule book summary and detail', () => {
    const result = run([egfr(45)], { draftOrders: [cyanoIm()] });
    const card = result.card(RENAL);
    expect(card.indicator).toBe('info');
    expect(card.summary).toBe(
      `eGFR ${valueOf(result, 'egfr')}: hydroxocobalamin is preferred to cyanocobalamin in renal impairment`,
    );
    expect(valueOf(result, 'egfr')).toMatch(/^45 /);
    expect(paragraphs(card)).toEqual([
      `Evidence: ${shown(result, 'egfr')}; ordered: cyanocobalamin (intramuscular).`,
      RENAL_TEXT,
    ]);
  });

  it('renal impairment from a CKD record names it, without claiming an eGFR', () => {
    const card = run([ckdStage4()], { draftOrders: [cyanoIm()] }).card(RENAL);
    expect(card.summary).toBe(
      'Chronic kidney disease (no eGFR): hydroxocobalamin is preferred to cyanocobalamin in renal impairment',
    );
    expect(paragraphs(card)[0]).toBe(
      'Evidence: recorded: Chronic kidney disease stage 4; ordered: cyanocobalamin (intramuscular).',
    );
  });

  describe('suggestion (injectable drafts only)', () => {
    it('deletes the draft and creates hydroxocobalamin with the same dosage', () => {
      const card = run([egfr(45)], { draftOrders: [cyanoIm()] }).card(RENAL);
      expect(card.selectionBehavior).toBe('at-most-one');
      const swap = suggestion(card, SWAP_LABEL);
      expect(swap.isRecommended).toBeUndefined();
      expect(swap.actions?.[0]).toEqual({
        type: 'delete',
        description: 'Remove the cyanocobalamin order',
        resourceId: 'MedicationRequest/d-cyano',
      });
      expect(swap.actions?.[0]).not.toHaveProperty('resource');
      const [order, ...others] = created(swap, 'MedicationRequest');
      expect(others).toEqual([]);
      expect(order?.medicationCodeableConcept).toEqual({
        coding: [
          {
            system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
            code: '317106',
            display: 'hydroxocobalamin 1 MG/ML Injectable Solution',
          },
          { system: 'http://www.whocc.no/atc', code: 'B03BA03', display: 'hydroxocobalamin' },
        ],
        text: 'Hydroxocobalamin 1 mg/1 mL injection',
      });
      expect(order?.dosageInstruction).toEqual(WEEKLY_1MG);
      expect(order).toMatchObject({
        status: 'draft',
        intent: 'order',
        subject: { reference: 'Patient/pat-1' },
      });
      expect(order?.id).toBeUndefined();
      if (order) expect(r4Problems(order)).toEqual([]);
    });

    it('a subcutaneous cyanocobalamin draft gets the suggestion too', () => {
      const draft = draftOrder(CYANO_INJ, { id: 'd-sc', route: SC, dose: mg(1), timing: DAILY });
      const card = run([egfr(45)], { draftOrders: [draft] }).card(RENAL);
      expect(deleted(suggestion(card, SWAP_LABEL))).toEqual(['MedicationRequest/d-sc']);
    });

    it('an intravenous cyanocobalamin draft (route neither IM nor SC) gets no suggestion', () => {
      const intravenous = concept([sct('47625008', 'Intravenous route')]);
      const card = run([egfr(45)], {
        draftOrders: [draftOrder(CYANO_INJ, { id: 'd-iv', route: intravenous })],
      }).card(RENAL);
      expect(card.suggestions).toBeUndefined();
    });

    it('an oral cyanocobalamin draft gets the card without a suggestion', () => {
      const card = run([egfr(45)], {
        draftOrders: [draftOrder(CYANO_TABLET, { route: ORAL, timing: DAILY })],
      }).card(RENAL);
      expect(card.suggestions).toBeUndefined();
      expect(card.selectionBehavior).toBeUndefined();
    });

    it('an injectable draft without dosage: hydroxocobalamin without dosage, valid R4', () => {
      const card = run([egfr(45)], {
        draftOrders: [draftOrder(concept([rx('309594')]), { id: 'd-bare' })],
      }).card(RENAL);
      const [order] = created(suggestion(card, SWAP_LABEL), 'MedicationRequest');
      expect(order?.dosageInstruction).toBeUndefined();
      if (order) expect(r4Problems(order)).toEqual([]);
    });

    it('oral and IM drafts: all listed, the first injectable one replaced', () => {
      const card = run([egfr(45)], {
        draftOrders: [draftOrder(CYANO_TABLET, { id: 'd-oral', route: ORAL }), cyanoIm()],
      }).card(RENAL);
      expect(paragraphs(card)[0]).toContain(
        'ordered: cyanocobalamin (oral); ordered: cyanocobalamin (intramuscular)',
      );
      expect(deleted(suggestion(card, SWAP_LABEL))).toEqual(['MedicationRequest/d-cyano']);
    });
  });
});
