import type { SuggestionInput } from '../../../src/cds-hooks/cards.js';
import { isoDay } from '../../../src/fhir/dates.js';
import type { LabResult } from '../../../src/fhir/observations.js';
import type { CardSpec } from '../cards.js';
import { evidenceLine, plateletCount, resultText, valueText } from '../evidence.js';
import { recordNames } from '../condition-facts.js';
import type { Analyte } from '../terminology.js';
import { below } from '../findings.js';
import { hydroxocobalaminWith } from '../copied-dosage.js';
import { actions } from '../orders.js';
import type { DraftMedication } from '../patient-facts.js';
import type { Rule, RuleContext } from '../rule.js';
import { detailOf } from '../detail.js';
import { oralAction } from './regimens.js';

/**
 * Safety of the B12 injection being ordered (RULES.md 5.13, 5.14; order hooks). Draft B12 orders
 * are not current therapy, so they never suppress these cards about themselves (RULES.md 6).
 */

// ---------------------------------------------------------------------------------------------
// 5.13 im-injection-thrombocytopenia

/** Platelet tiers of the local policy (RULES.md 5.13); each names platelets, oral and haematology. */
const PLATELET_TIERS = {
  precautions:
    'Use a fine needle (25–27G) with 5–10 minutes of pressure, or deep subcutaneous injection (licensed for cyanocobalamin, off-label for hydroxocobalamin), or oral cyanocobalamin 1–2 mg daily; discuss with haematology if bleeding.',
  avoidIm:
    'Avoid IM: use oral cyanocobalamin 1–2 mg daily or deep subcutaneous injection; discuss with haematology; with neurological features do not delay B12 (non-IM route).',
  critical:
    'Haematology input before any injection; check for pancytopenia; oral cyanocobalamin 1–2 mg daily can start meanwhile; platelets usually recover with B12.',
} as const;

const isImB12 = (draft: DraftMedication): boolean =>
  draft.classes.includes('b12') && draft.route === 'intramuscular';

/** The first matching draft that can be referenced: the one a delete suggestion removes (RULES.md 6). */
const firstWithId = (drafts: readonly DraftMedication[]): string | undefined =>
  drafts.find((draft) => draft.id !== undefined)?.id;

/**
 * An older count still matters before an IM injection: with none in 30 days, a count below the
 * warning threshold in the last year triggers a warning (RULES.md 10.2.6).
 */
const OLDER_PLATELETS_DAYS = 365;

/** What 5.13 knows of the platelets: a recent count, an older low one, or an unreadable one. */
type PlateletEvidence =
  | { kind: 'recent'; result: LabResult<Analyte> }
  | { kind: 'older'; result: LabResult<Analyte> }
  | { kind: 'unreadable'; day: number | undefined };

function plateletEvidence({ facts, config }: RuleContext): PlateletEvidence | undefined {
  const { thresholds } = config;
  const recent = facts.latest.platelets;
  if (recent)
    return below(recent, thresholds.plateletImWarnBelow)
      ? { kind: 'recent', result: recent }
      : undefined;
  const { today } = facts;
  const older = facts.results.platelets.find(
    (result) => today - result.day <= OLDER_PLATELETS_DAYS,
  );
  if (older && below(older, thresholds.plateletImWarnBelow))
    return { kind: 'older', result: older };
  const unreadable = facts.unusable.find(
    (result) =>
      result.analyte === 'platelets' &&
      (result.day === undefined || today - result.day <= config.lookbackDays.platelets),
  );
  return unreadable ? { kind: 'unreadable', day: unreadable.day } : undefined;
}

/**
 * RULES.md 5.13: an IM B12 draft with platelets < 50 ×10⁹/L (critical < 10); with no count in 30
 * days, an older low count or an unreadable recent one still warns (10.2.6, 10.2.7).
 */
export function imInjectionThrombocytopenia(context: RuleContext): CardSpec | undefined {
  const { facts, findings, patientId } = context;
  const { thresholds } = context.config;
  const evidence = plateletEvidence(context);
  if (!evidence) return undefined;
  const drafts = context.focused.filter(isImB12);
  if (drafts.length === 0) return undefined;
  const orders = drafts.map((draft) => `IM order: ${draft.name}`);
  const draftId = firstWithId(drafts);
  const fbc: SuggestionInput = {
    label: 'Order full blood count',
    actions: [actions.order(patientId, 'fullBloodCount')],
  };
  if (evidence.kind === 'unreadable') {
    const date = evidence.day === undefined ? 'unknown date' : isoDay(evidence.day);
    return {
      code: 'im-injection-thrombocytopenia',
      indicator: 'warning',
      summary: `Platelet count of ${date} could not be read: check platelets before an IM B12 injection`,
      detail: [evidenceLine([`platelet count of ${date} unreadable`, ...orders])],
      suggestions: [{ ...fbc, isRecommended: true }],
      selectionBehavior: 'at-most-one',
    };
  }
  const platelets = evidence.result;
  // An older count is a reason to recheck, never a critical alert on its own (10.2.6).
  const critical =
    evidence.kind === 'recent' && below(platelets, thresholds.plateletImCriticalBelow);
  const avoidIm = below(platelets, thresholds.plateletImAvoidBelow);
  const count = plateletCount(platelets);
  // Under 16 no adult regimen is proposed (RULES.md 1): no oral cyanocobalamin 1 mg suggestion.
  const suggestions: SuggestionInput[] = [
    ...(findings.adult && draftId !== undefined
      ? [
          {
            label: 'Replace the IM order with oral cyanocobalamin 1 mg daily',
            isRecommended: avoidIm,
            actions: [actions.remove(draftId, 'Remove the IM B12 order'), oralAction(patientId)],
          },
        ]
      : []),
    ...(evidence.kind === 'older' ? [fbc] : []),
  ];
  const days = facts.today - platelets.day;
  return {
    code: 'im-injection-thrombocytopenia',
    indicator: critical ? 'critical' : 'warning',
    summary: critical
      ? `Platelets ${count} ×10⁹/L: get haematology advice before any B12 injection`
      : `Platelets ${count} ×10⁹/L: bleeding risk with IM B12 injection — consider another route`,
    detail: detailOf({
      evidence: evidenceLine([resultText(platelets), ...orders]),
      action: critical
        ? PLATELET_TIERS.critical
        : avoidIm
          ? PLATELET_TIERS.avoidIm
          : PLATELET_TIERS.precautions,
      safety: [
        evidence.kind === 'older' &&
          `Last platelet count ${count} ×10⁹/L on ${isoDay(platelets.day)} (${days} days ago): recheck before an IM injection.`,
      ],
      patient: !findings.adult && 'Seek paediatric advice.',
    }),
    ...(suggestions.length > 0
      ? {
          suggestions,
          selectionBehavior:
            evidence.kind === 'older' ? ('any' as const) : ('at-most-one' as const),
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// 5.14 cyanocobalamin-renal

const isCyanocobalamin = (draft: DraftMedication): boolean =>
  draft.cobalaminForms.includes('cyanocobalamin');

/** IM or SC (an injectable product without a route is IM, RULES.md 2.3). */
const isInjectable = (draft: DraftMedication): boolean =>
  draft.route === 'intramuscular' || draft.route === 'subcutaneous';

/** RULES.md 5.14: a cyanocobalamin draft (any route) in renal impairment → hydroxocobalamin. */
export function cyanocobalaminRenal(context: RuleContext): CardSpec | undefined {
  const { facts, findings, patientId } = context;
  if (!findings.renalImpaired) return undefined;
  const drafts = context.focused.filter(isCyanocobalamin);
  if (drafts.length === 0) return undefined;
  const egfr = facts.latest.egfr;
  const injectable = drafts.filter(isInjectable);
  const first = injectable.find((draft) => draft.id !== undefined);
  // MR-LOAD's medication with the draft's own schedule; none when that schedule cannot be copied.
  const replacement = first && hydroxocobalaminWith(patientId, first.dosageInstruction);
  const suggestions: SuggestionInput[] =
    first?.id === undefined || replacement === undefined
      ? []
      : [
          {
            label: 'Use hydroxocobalamin instead (same schedule)',
            actions: [
              actions.remove(first.id, 'Remove the cyanocobalamin order'),
              actions.prescribe(
                replacement,
                'Prescribe hydroxocobalamin 1 mg/1 mL injection with the same dosage instructions',
              ),
            ],
          },
        ];
  return {
    code: 'cyanocobalamin-renal',
    // Without an eGFR, renal impairment is a recorded CKD stage 3–5 (RULES.md 2.5).
    summary: `${egfr ? `eGFR ${valueText(egfr)}` : 'Chronic kidney disease (no eGFR)'}: hydroxocobalamin is preferred to cyanocobalamin in renal impairment`,
    detail: [
      evidenceLine([
        egfr
          ? resultText(egfr)
          : `recorded: ${recordNames(facts.conditions, ['ckd345']).join(', ')}`,
        ...drafts.map((draft) => `ordered: ${draft.name}${draft.route ? ` (${draft.route})` : ''}`),
      ]),
      'Cyanocobalamin injection contains aluminium, which accumulates in renal impairment (FDA label). Harm in diabetic nephropathy (DIVINe) was with combined B vitamins, not shown for cyanocobalamin alone. No dose adjustment is documented for either form.',
    ],
    ...(suggestions.length > 0 ? { suggestions, selectionBehavior: 'at-most-one' as const } : {}),
  };
}

export const injectionSafetyRules: readonly Rule[] = [
  imInjectionThrombocytopenia,
  cyanocobalaminRenal,
];
