import type { CardSpec } from './cards.js';
import { CARD_CATALOG } from './catalog.js';
import type { CardCode } from './catalog.js';
import { cardMode } from './clinical-config.js';
import type { CardMode } from './clinical-config.js';
import type { Rule, RuleContext } from './rule.js';
import {
  folateOrderB12Unknown,
  folateOrderB12Untreated,
  folateSafetyRules,
} from './rules/folate-safety.js';
import {
  cyanocobalaminRenal,
  imInjectionThrombocytopenia,
  injectionSafetyRules,
} from './rules/injection-safety.js';
import {
  b12IndeterminateMma,
  interpretationRules,
  mmaRenalCaution,
  severeAnaemiaUrgent,
} from './rules/interpretation.js';
import { resultUnreadable } from './rules/data-quality.js';
import {
  b12LowOnOral,
  b12ReviewDue,
  hypokalaemiaMonitoring,
  monitoringRules,
} from './rules/monitoring.js';
import { oneOrderPerMedication, recommendedFirst } from './response-orders.js';
import {
  b12LowStaleUntreated,
  b12TestConsider,
  b12TestRecommended,
  outsideGuidelineAge,
  testingRules,
} from './rules/testing.js';
import {
  b12ProphylaxisMalabsorption,
  combinedB12FolateDeficiency,
  deficiencyNeuroUrgent,
  deficiencyTreat,
  treatmentRules,
} from './rules/treatment.js';

/** Every rule, grouped by guideline topic. */
export const RULES: readonly Rule[] = [
  ...testingRules,
  ...interpretationRules,
  ...treatmentRules,
  ...folateSafetyRules,
  ...injectionSafetyRules,
  ...monitoringRules,
];

/**
 * The card each rule concludes, so that a rule whose card is `off` is never run (issue 18).
 * test/b12/card-modes.test.ts checks every rule is listed; every decision-table row
 * (test/b12/rule-cases.ts) checks each rule concludes its listed card.
 */
export const RULE_CARDS: ReadonlyMap<Rule, CardCode> = new Map<Rule, CardCode>([
  [b12TestRecommended, 'b12-test-recommended'],
  [b12TestConsider, 'b12-test-consider'],
  [b12LowStaleUntreated, 'b12-low-stale-untreated'],
  [outsideGuidelineAge, 'outside-guideline-age'],
  [b12IndeterminateMma, 'b12-indeterminate-mma'],
  [mmaRenalCaution, 'mma-renal-caution'],
  [severeAnaemiaUrgent, 'severe-anaemia-urgent'],
  [deficiencyTreat, 'b12-deficiency-treat'],
  [deficiencyNeuroUrgent, 'b12-deficiency-neuro-urgent'],
  [combinedB12FolateDeficiency, 'combined-b12-folate-deficiency'],
  [b12ProphylaxisMalabsorption, 'b12-prophylaxis-malabsorption'],
  [folateOrderB12Untreated, 'folate-order-b12-untreated'],
  [folateOrderB12Unknown, 'folate-order-b12-unknown'],
  [imInjectionThrombocytopenia, 'im-injection-thrombocytopenia'],
  [cyanocobalaminRenal, 'cyanocobalamin-renal'],
  [b12ReviewDue, 'b12-review-due'],
  [b12LowOnOral, 'b12-low-on-oral'],
  [hypokalaemiaMonitoring, 'hypokalaemia-monitoring'],
]);

/** Cards still allowed for a patient under 16 (RULES.md 5.1.1). */
const UNDER_16: ReadonlySet<CardCode> = new Set(['outside-guideline-age', 'severe-anaemia-urgent']);

/** Cards dropped for a patient already on B12 therapy (RULES.md 5.1.2). */
const NOT_ON_B12: ReadonlySet<CardCode> = new Set([
  'b12-test-recommended',
  'b12-test-consider',
  'b12-indeterminate-mma',
  'mma-renal-caution',
  'b12-deficiency-treat',
  'b12-deficiency-neuro-urgent',
  'b12-low-stale-untreated',
  'combined-b12-folate-deficiency',
  'b12-prophylaxis-malabsorption',
]);

/** RULES.md 5.1.3–6 and 10.9.3, in order: a present card (key) drops the cards it supersedes. */
const SUPERSEDES: readonly [CardCode, readonly CardCode[]][] = [
  ['b12-deficiency-neuro-urgent', ['b12-deficiency-treat']],
  ['b12-low-stale-untreated', ['b12-test-recommended', 'b12-test-consider']],
  ['b12-low-on-oral', ['b12-test-recommended', 'b12-test-consider']],
  ['b12-test-recommended', ['b12-test-consider']],
  ...(
    [
      'b12-test-recommended',
      'b12-deficiency-treat',
      'b12-deficiency-neuro-urgent',
      'b12-indeterminate-mma',
      'mma-renal-caution',
      'b12-low-stale-untreated',
    ] as const
  ).map((code): [CardCode, readonly CardCode[]] => [code, ['b12-prophylaxis-malabsorption']]),
  ['b12-prophylaxis-malabsorption', ['b12-test-consider']],
  // RULES.md 10.9.3: one card orders B12 with the folic acid. Last, so that the treat card it
  // replaces has already superseded prophylaxis (step 6).
  ['combined-b12-folate-deficiency', ['b12-deficiency-treat']],
];

/** Suppression and precedence on patient-view (RULES.md 5.1). */
function applyPrecedence(specs: readonly CardSpec[], context: RuleContext): CardSpec[] {
  let kept = specs.filter((spec) => context.findings.adult || UNDER_16.has(spec.code));
  if (context.findings.onB12) kept = kept.filter((spec) => !NOT_ON_B12.has(spec.code));
  for (const [winner, losers] of SUPERSEDES) {
    if (kept.some((spec) => spec.code === winner)) {
      kept = kept.filter((spec) => !losers.includes(spec.code));
    }
  }
  return kept;
}

/** A hook call's cards: those shown, and the silent ones that would have been (issue 18). */
export interface Advice {
  shown: CardSpec[];
  silent: CardSpec[];
}

/**
 * The cards a hook call gets: each rule once, only on its catalog hooks, one card per code; then,
 * on patient-view, 5.19 for an unreadable B12 result no other card reports. A patient recorded
 * as dead gets none (RULES.md 10.1.1). Each medication is ordered by one card, and each card
 * lists its recommended suggestion first (RULES.md 10.9.2, 10.9.3).
 *
 * A card switched `off` is never concluded. The shown cards are decided as if the silent ones did
 * not exist (a silent card supersedes nothing a clinician sees); a silent card is one that would
 * have been shown had it been active.
 */
export function evaluate(context: RuleContext): Advice {
  if (context.facts.patient.deceased) return { shown: [], silent: [] };
  const mode = (code: CardCode): CardMode => cardMode(context.config, code);
  const specs = RULES.flatMap((rule) => {
    const code = RULE_CARDS.get(rule);
    if (code !== undefined && mode(code) === 'off') return [];
    const spec = rule(context);
    return spec &&
      mode(spec.code) !== 'off' &&
      (CARD_CATALOG[spec.code].hooks as readonly string[]).includes(context.hook)
      ? [spec]
      : [];
  });
  const unique = [...new Map(specs.map((spec) => [spec.code, spec])).values()];
  const decided = (concluded: readonly CardSpec[]): CardSpec[] =>
    oneOrderPerMedication(cardsFor(concluded, context)).map(recommendedFirst);
  const isSilent = (spec: CardSpec): boolean => mode(spec.code) === 'silent';
  // 5.19 can itself be silent: it is decided with the others, then kept back.
  const shown = decided(unique.filter((spec) => !isSilent(spec))).filter((spec) => !isSilent(spec));
  const anySilent = Object.values(context.config.cards).includes('silent');
  return { shown, silent: anySilent ? decided(unique).filter(isSilent) : [] };
}

function cardsFor(specs: readonly CardSpec[], context: RuleContext): CardSpec[] {
  if (context.hook !== 'patient-view') return [...specs];
  const kept = applyPrecedence(specs, context);
  if (cardMode(context.config, 'b12-result-unreadable') === 'off') return kept;
  const unreadable = resultUnreadable(context, kept);
  return unreadable ? [...kept, unreadable] : kept;
}
