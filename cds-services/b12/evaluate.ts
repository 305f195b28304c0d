import type { CardSpec } from './cards.js';
import { CARD_CATALOG } from './catalog.js';
import type { CardCode } from './catalog.js';
import type { Rule, RuleContext } from './rule.js';
import { folateSafetyRules } from './rules/folate-safety.js';
import { injectionSafetyRules } from './rules/injection-safety.js';
import { interpretationRules } from './rules/interpretation.js';
import { resultUnreadable } from './rules/data-quality.js';
import { monitoringRules } from './rules/monitoring.js';
import { oneOrderPerMedication, recommendedFirst } from './response-orders.js';
import { testingRules } from './rules/testing.js';
import { treatmentRules } from './rules/treatment.js';

/** Every rule, grouped by guideline topic. */
export const RULES: readonly Rule[] = [
  ...testingRules,
  ...interpretationRules,
  ...treatmentRules,
  ...folateSafetyRules,
  ...injectionSafetyRules,
  ...monitoringRules,
];

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

/**
 * The cards a hook call gets: each rule once, only on its catalog hooks, one card per code; then,
 * on patient-view, 5.19 for an unreadable B12 result no other card reports. A patient recorded
 * as dead gets none (RULES.md 10.1.1). Each medication is ordered by one card, and each card
 * lists its recommended suggestion first (RULES.md 10.9.2, 10.9.3).
 */
export function evaluate(context: RuleContext): CardSpec[] {
  if (context.facts.patient.deceased) return [];
  const specs = RULES.flatMap((rule) => {
    const spec = rule(context);
    return spec && (CARD_CATALOG[spec.code].hooks as readonly string[]).includes(context.hook)
      ? [spec]
      : [];
  });
  const unique = [...new Map(specs.map((spec) => [spec.code, spec])).values()];
  return oneOrderPerMedication(cardsFor(unique, context)).map(recommendedFirst);
}

function cardsFor(specs: readonly CardSpec[], context: RuleContext): CardSpec[] {
  if (context.hook !== 'patient-view') return [...specs];
  const kept = applyPrecedence(specs, context);
  const unreadable = resultUnreadable(context, kept);
  return unreadable ? [...kept, unreadable] : kept;
}
