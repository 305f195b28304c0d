import type { Action, SuggestionInput } from '../../../src/cds-hooks/cards.js';
import type { CardSpec } from '../cards.js';
import { evidenceLine, formatNumber, resultText } from '../evidence.js';
import type { Findings } from '../findings.js';
import { actions } from '../orders.js';
import type { DraftMedication } from '../patient-facts.js';
import type { Rule, RuleContext } from '../rule.js';
import { detailOf } from '../detail.js';
import { recordNames } from '../condition-facts.js';
import { FOLIC_ACID_ALONE_WARNING } from '../texts.js';
import { bloodCountEvidence, deficiencyEvidence } from './deficiency-evidence.js';
import { regimenAction, regimenFor } from './regimens.js';

/**
 * Folic acid ordered before B12 deficiency is excluded or treated (RULES.md 5.11, 5.12; order
 * hooks, so no RULES.md 5.1: each rule checks its own ¬onB12). A B12 product anywhere in the
 * drafts is planned B12 treatment and suppresses both (RULES.md 6).
 */

const isFolicAcid = (draft: DraftMedication): boolean => draft.classes.includes('folicAcid');

/** Deficiency that calls for B12 before folic acid (RULES.md 5.11, 5.12). */
const untreatedDeficiency = (findings: Findings): boolean =>
  findings.deficient || findings.functionalNeuro || findings.codedDeficiency;

/** "folic acid 5 mg/day", "folic acid, dose unknown". */
function folicAcidText(draft: DraftMedication): string {
  return draft.dailyDoseMg === undefined
    ? `${draft.name}, dose unknown`
    : `${draft.name} ${formatNumber(draft.dailyDoseMg)} mg/day`;
}

/** Every matching draft is listed (RULES.md 6). */
const orderedEvidence = (drafts: readonly DraftMedication[]): string[] =>
  drafts.map((draft) => `ordered: ${folicAcidText(draft)}`);

/** DEL of the first matching draft that can be referenced (RULES.md 6: "deletes the first"). */
function removeFolicAcid(drafts: readonly DraftMedication[]): SuggestionInput[] {
  const id = drafts.find((draft) => draft.id !== undefined)?.id;
  if (id === undefined) return [];
  const remove: Action = actions.remove(id, 'Remove the draft folic acid order');
  return [{ label: 'Remove the folic acid order', actions: [remove] }];
}

/** RULES.md 5.11: folic acid ordered while B12 deficiency is untreated and no B12 is planned. */
export function folateOrderB12Untreated(context: RuleContext): CardSpec | undefined {
  const { facts, findings, patientId } = context;
  const drafts = context.focused.filter(isFolicAcid);
  if (drafts.length === 0 || !untreatedDeficiency(findings)) return undefined;
  if (findings.onB12 || context.b12Planned) return undefined;
  // Under 16 no adult regimen is proposed (RULES.md 1, 5.11).
  const adult = findings.adult;
  const suggestions: SuggestionInput[] = [
    ...(adult
      ? [
          {
            label: 'Add hydroxocobalamin 1 mg IM with the folic acid',
            isRecommended: true,
            actions: [regimenAction(findings, patientId)],
          },
        ]
      : []),
    ...removeFolicAcid(drafts),
  ];
  return {
    code: 'folate-order-b12-untreated',
    summary:
      'Folic acid ordered but B12 deficiency is untreated: risk of subacute combined degeneration',
    detail: detailOf({
      evidence: evidenceLine([
        ...deficiencyEvidence(findings),
        ...(findings.codedDeficiency
          ? [`recorded: ${recordNames(facts.conditions, ['codedB12Deficiency']).join(', ')}`]
          : []),
        ...bloodCountEvidence(findings),
        ...orderedEvidence(drafts),
      ]),
      action: `Start hydroxocobalamin first or at the same time: ${
        adult ? regimenFor(findings, patientId).text : 'Seek paediatric advice.'
      }`,
      safety: [FOLIC_ACID_ALONE_WARNING],
    }),
    ...(suggestions.length > 0 ? { suggestions, selectionBehavior: 'at-most-one' as const } : {}),
  };
}

/**
 * RULES.md 5.12: folic acid ordered with no usable recent B12 (or an indeterminate one not
 * resolved by an MMA since), at a treatment dose or with macrocytosis or anaemia.
 */
export function folateOrderB12Unknown(context: RuleContext): CardSpec | undefined {
  const { config, facts, findings, patientId } = context;
  if (findings.onB12 || context.b12Planned || facts.drafts.b12TestOrdered) {
    return undefined;
  }
  if (untreatedDeficiency(findings)) return undefined;
  const indeterminate = findings.b12Band === 'indeterminate';
  const unresolved =
    findings.b12Band === 'missing' ||
    (indeterminate && (!findings.mmaSince || findings.renalImpaired));
  if (!unresolved) return undefined;
  const prophylacticMax = config.thresholds.folicProphylacticMaxMgPerDay;
  // Daily dose unknown counts as above the prophylactic dose (RULES.md 2.3).
  const drafts = context.focused.filter(
    (draft) =>
      isFolicAcid(draft) &&
      (findings.macrocytosis ||
        findings.anaemia ||
        draft.dailyDoseMg === undefined ||
        draft.dailyDoseMg > prophylacticMax),
  );
  if (drafts.length === 0) return undefined;
  const { mcv, haemoglobin, egfr } = facts.latest;
  // "Latest B12 if any": a result older than the lookback is shown, though it counts as missing.
  const latestB12 = findings.b12 ?? facts.b12.stale;
  const mma = indeterminate ? findings.mma : undefined;
  const test = findings.pregnant ? 'activeB12' : 'totalB12';
  return {
    code: 'folate-order-b12-unknown',
    summary: indeterminate
      ? 'Folic acid ordered and B12 is indeterminate: check B12 status before or with folic acid'
      : 'Folic acid ordered without a usable recent B12 result: check B12 before or with folic acid',
    detail: detailOf({
      evidence: evidenceLine([
        ...orderedEvidence(drafts),
        mcv && resultText(mcv),
        haemoglobin && resultText(haemoglobin),
        latestB12 && resultText(latestB12),
        mma && resultText(mma),
        indeterminate && findings.renalImpaired && egfr ? resultText(egfr) : undefined,
      ]),
      action:
        'Measure B12 (active B12 in pregnancy) before or together with starting folic acid; start B12 first if deficiency is confirmed.',
      safety: [FOLIC_ACID_ALONE_WARNING],
    }),
    suggestions: [
      {
        // SR-AB12 in pregnancy; the label names the test it orders.
        label: findings.pregnant ? 'Order active B12' : 'Order total B12',
        isRecommended: true,
        actions: [actions.order(patientId, test)],
      },
      ...removeFolicAcid(drafts),
    ],
    selectionBehavior: 'any',
  };
}

export const folateSafetyRules: readonly Rule[] = [folateOrderB12Untreated, folateOrderB12Unknown];
