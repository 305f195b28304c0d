import type { CardSpec } from '../cards.js';
import {
  displayUnit,
  evidenceLine,
  formatNumber,
  namedValue,
  resultText,
  valueText,
} from '../evidence.js';
import { below } from '../findings.js';
import type { Thresholds } from '../clinical-config.js';
import type { Findings } from '../findings.js';
import type { MarkerResult } from '../lab-facts.js';
import { actions } from '../orders.js';
import type { PatientFacts } from '../patient-facts.js';
import type { Rule, RuleContext } from '../rule.js';
import { detailOf } from '../detail.js';
import { POTASSIUM_CHECK } from '../texts.js';

/**
 * Reading results that do not speak for themselves: an indeterminate B12 (RULES.md 5.4), a raised
 * MMA in renal impairment (5.5), and severe anaemia (5.10). The first two never call the result a
 * deficiency and never show a regimen (RULES.md 5.0).
 */

/** The renal evidence: the eGFR result, else the recorded CKD stage 3–5 (RULES.md 2.5). */
function renalEvidence(facts: PatientFacts): string | undefined {
  if (facts.latest.egfr) return resultText(facts.latest.egfr);
  const ckd = facts.conditions.ckd345?.[0];
  return ckd ? `${ckd.name} recorded (no eGFR in the last 12 months)` : undefined;
}

const neuroEvidence = (f: Findings): string | undefined =>
  f.neuro.length > 0
    ? `neurological features: ${f.neuro.map((item) => item.name).join(', ')}`
    : undefined;

/** "raised methylmalonic acid (MMA) 0.62 µmol/L, 2026-11-11 (above 0.45 µmol/L)": why it is raised. */
function raisedMmaEvidence(mma: MarkerResult, thresholds: Thresholds): string {
  const flags = mma.interpretation.filter((code) => ['H', 'HH', 'HU'].includes(code));
  const reason =
    flags.length > 0
      ? `flagged ${flags.join(', ')}`
      : mma.referenceHigh !== undefined
        ? `laboratory upper limit ${formatNumber(mma.referenceHigh)} ${displayUnit(mma.unit)}`
        : `above ${formatNumber(thresholds.mmaDefaultUpper)} ${displayUnit(mma.unit)}`;
  return `raised ${resultText(mma)} (${reason})`;
}

/** RULES.md 5.4: an indeterminate B12 with no MMA since: measure MMA (active B12 in pregnancy). */
export const b12IndeterminateMma: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const b12 = f.b12;
  if (!f.adult || f.onB12 || f.b12Band !== 'indeterminate' || f.mmaSince || !b12) return undefined;
  const { thresholds } = context.config;
  const pregnantTotal = f.pregnant && b12.analyte === 'totalB12';
  const renal = f.renalImpaired;
  const neuro = f.neuro.length > 0;
  return {
    code: 'b12-indeterminate-mma',
    summary: pregnantTotal
      ? `Indeterminate total B12 (${valueText(b12)}) in pregnancy: test active B12`
      : `Indeterminate B12 (${valueText(b12)}): consider serum methylmalonic acid (MMA)`,
    detail: detailOf({
      evidence: evidenceLine([
        b12,
        f.pregnant && 'pregnant',
        renal && renalEvidence(context.facts),
        neuro && neuroEvidence(f),
      ]),
      action: [
        `Result is in the NICE NG239 indeterminate range (total B12 ${thresholds.b12TotalConfirmedBelow}–${thresholds.b12TotalUnlikelyAbove} ng/L, active B12 ${thresholds.activeB12ConfirmedBelow}–${thresholds.activeB12UnlikelyAbove} pmol/L).`,
        ...(f.pregnant
          ? []
          : [
              'If symptoms are present, measure serum methylmalonic acid (MMA); a raised MMA supports deficiency.',
            ]),
      ].join(' '),
      safety: [
        neuro &&
          'Neurological features are recorded: do not delay treatment if the clinical picture is strong; seek urgent specialist advice (BSH 2014).',
      ],
      cause:
        renal &&
        `eGFR < ${thresholds.egfrRenalBelow}: MMA may be raised by renal impairment; active B12 may be more informative.`,
    }),
    selectionBehavior: 'at-most-one',
    suggestions: [
      pregnantTotal
        ? {
            label: 'Order active B12',
            isRecommended: true,
            actions: [actions.order(context.patientId, 'activeB12')],
          }
        : {
            label: 'Order serum MMA',
            isRecommended: true,
            actions: [actions.order(context.patientId, 'mma')],
          },
    ],
  };
};

/** RULES.md 5.5: a raised MMA with renal impairment and no confirmed low B12: not proof of deficiency. */
export const mmaRenalCaution: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const { config, facts } = context;
  const mma = f.mma;
  if (!f.adult || f.onB12 || !mma || !f.mmaRaised || !f.renalImpaired) return undefined;
  if (f.b12Band === 'confirmed') return undefined;
  const egfr = facts.latest.egfr;
  // Without an eGFR, renal impairment is a recorded CKD stage 3–5 (RULES.md 2.5); its free-text
  // name goes in the evidence, not the summary, which must stay under 140 characters.
  const kidneys = egfr ? `eGFR ${valueText(egfr)}` : 'recorded CKD stage 3–5';
  const lookback = config.lookbackDays.activeB12;
  const activeB12InLookback = facts.results.activeB12.some(
    (result) => facts.today - result.day <= lookback,
  );
  return {
    code: 'mma-renal-caution',
    summary: `Raised MMA with ${kidneys}: may reflect renal impairment rather than B12 deficiency`,
    detail: detailOf({
      evidence: evidenceLine([
        f.b12 ?? 'no B12 result in the last 12 months',
        raisedMmaEvidence(mma, config.thresholds),
        renalEvidence(facts),
      ]),
      action:
        'MMA rises with renal impairment, so this result cannot by itself establish B12 deficiency. Use clinical judgement; active B12 may help.',
      safety: [
        f.neuro.length > 0 &&
          'Neurological features are recorded: do not delay treatment on clinical grounds; seek specialist advice.',
      ],
    }),
    ...(activeB12InLookback
      ? {}
      : {
          selectionBehavior: 'at-most-one',
          suggestions: [
            { label: 'Order active B12', actions: [actions.order(context.patientId, 'activeB12')] },
          ],
        }),
  };
};

/** A focused draft is a B12 or folic acid product: the order hooks' condition in RULES.md 5.10. */
const ordersB12OrFolate = (context: RuleContext): boolean =>
  context.focused.some(
    (draft) => draft.classes.includes('b12') || draft.classes.includes('folicAcid'),
  );

/** RULES.md 5.10: Hb below 80 g/L (70 in pregnancy), any age; on order hooks with a B12 or folic acid draft. */
export const severeAnaemiaUrgent: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const { facts } = context;
  const hb = facts.latest.haemoglobin;
  if (!f.severeAnaemia || !hb) return undefined;
  if (context.hook !== 'patient-view' && !ordersB12OrFolate(context)) return undefined;
  const { thresholds } = context.config;
  const platelets = facts.latest.platelets;
  const pancytopenia =
    facts.conditions.pancytopenia !== undefined ||
    (platelets !== undefined && below(platelets, thresholds.pancytopeniaPlateletsBelow));
  return {
    code: 'severe-anaemia-urgent',
    summary: `Severe anaemia (${namedValue(hb)}): arrange urgent same-day assessment`,
    detail: detailOf({
      evidence: evidenceLine([hb, facts.latest.mcv, platelets, f.pregnant && 'pregnant']),
      action: `WHO: severe anaemia is Hb < ${thresholds.hbSevere} g/L (< ${thresholds.hbSeverePregnant} g/L in pregnancy). Arrange urgent same-day medical assessment or haematology advice.`,
      safety: [
        (f.macrocytosis || pancytopenia) &&
          'Take B12, folate and FBC samples before treatment; if seriously ill, give B12 and folic acid together after sampling (US hydroxocobalamin label).',
        POTASSIUM_CHECK,
      ],
    }),
  };
};

export const interpretationRules: readonly Rule[] = [
  b12IndeterminateMma,
  mmaRenalCaution,
  severeAnaemiaUrgent,
];
