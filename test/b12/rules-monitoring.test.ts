import { describe, expect, it } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import { b12LowOnOral, b12ReviewDue } from '../../cds-services/b12/rules/monitoring.js';
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
  medicationAdministration,
  medicationRequest,
  pregnancyStatus,
  sct,
} from '../support/fhir.js';
import {
  activeB12,
  aged,
  b12Draft,
  expectScenario,
  expectValidSuggestionResources,
  hb,
  hydroxocobalamin,
  HYDROXOCOBALAMIN,
  orderedTests,
  paraesthesia,
  paragraphs,
  ruleCard,
  ruleOn,
  run,
  suggestion,
  totalB12,
} from './rule-cases.js';
import type { RunOptions } from './rule-cases.js';

/**
 * Following B12 treatment (RULES.md 5.18 review due, 5.15 potassium in severe anaemia, 5.20 low B12
 * on oral B12): wording, evidence and suggestions. Which inputs show which card, day counts on both
 * sides included, is in the case tables (cases/5.15-*, 5.18-*, 5.20-*.yaml).
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

  it('uses the pregnancy summary and names the pregnancy in the evidence', () => {
    const card = ruleCard(b12ReviewDue, [hydroxocobalamin(30), PREGNANT], aged(30));
    expect(card.summary).toBe(
      `On B12 since ${ago(30)} with no full blood count since: review response (NG239 review at 1 month in pregnancy)`,
    );
    expect(paragraphs(card)[0]).toContain('; pregnant.');
  });

  it('counts from the start of the continuous treatment chain', () => {
    const earlier = hydroxocobalamin(200, { status: 'completed' });
    const card = ruleCard(b12ReviewDue, [earlier, hydroxocobalamin(60)]);
    expect(card.summary).toContain(`On B12 since ${ago(200)} `);
    expect(ruleOn(b12ReviewDue, [hydroxocobalamin(60)])).toBeUndefined();
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

  it('active B12 20 pmol/L (< 25) on oral B12 fires and names active B12', () => {
    const card = run([oralB12(125), activeB12(20, { daysAgo: 5 })]).card(LOW_ON_ORAL);
    expect(card.summary).toBe(
      `Low B12 (active B12 20 pmol/L, ${ago(5)}) on oral B12: check adherence and absorption; consider IM hydroxocobalamin`,
    );
  });

  it('start unknown: a low result at any time in the last 365 days fires, and says "start unknown"', () => {
    const card = run([oralB12(null), totalB12(150, { daysAgo: 300 })]).card(LOW_ON_ORAL);
    expect(paragraphs(card)[0]).toBe(
      `Evidence: total B12 150 ng/L, ${ago(300)}; on cyanocobalamin (start unknown).`,
    );
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
