import { isoDay } from '../../../src/fhir/dates.js';
import type { CardSpec } from '../cards.js';
import { evidenceLine, namedValue, resultText } from '../evidence.js';
import { b12Band } from '../findings.js';
import type { MedicationFact } from '../medication-facts.js';
import { actions } from '../orders.js';
import type { Rule, RuleContext } from '../rule.js';
import { detailOf } from '../detail.js';
import { FOLIC_ACID_ALONE_WARNING, POTASSIUM_CHECK } from '../texts.js';
import { regimenAction, regimenFor } from './regimens.js';

/**
 * Following treatment: the NG239 review with a full blood count (RULES.md 5.18), a low B12 on
 * oral treatment (5.20), and potassium when severe anaemia is treated (5.15).
 */

/** RULES.md 5.18: on B12 for 90 days (30 in pregnancy) with no Hb, MCV or platelets since it started. */
export const b12ReviewDue: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const { facts } = context;
  const start = facts.b12Therapy.startDay;
  if (!f.adult || !f.onB12 || start === undefined) return undefined;
  const { thresholds } = context.config;
  const days = facts.today - start;
  if (days < (f.pregnant ? thresholds.reviewDueDaysPregnant : thresholds.reviewDueDays)) {
    return undefined;
  }
  const { haemoglobin, mcv, platelets } = facts.results;
  const countSince = [...haemoglobin, ...mcv, ...platelets].some((result) => result.day > start);
  if (countSince) return undefined;
  const therapy = [
    ...new Set(
      facts.medications
        .filter((item) => item.isB12Therapy && item.status === 'current')
        .map((item) => item.name),
    ),
  ];
  const since = isoDay(start);
  return {
    code: 'b12-review-due',
    summary: `On B12 since ${since} with no full blood count since: review response (${
      f.pregnant ? 'NG239 review at 1 month in pregnancy' : 'NG239 review at 3 months'
    })`,
    detail: detailOf({
      evidence: evidenceLine([
        `${therapy.join(', ') || 'B12 treatment'} since ${since} (${days} days)`,
        'no Hb, MCV or platelet result since then',
        f.pregnant && 'pregnant',
      ]),
      action:
        'NICE NG239: review symptoms and full blood count 3 months after starting (1 month if pregnant).',
      followUp:
        'Persisting symptoms: on injections increase frequency; on oral treatment increase the dose or switch to IM. Do not routinely re-test B12 on injections.',
    }),
    selectionBehavior: 'at-most-one',
    suggestions: [
      {
        label: 'Order full blood count',
        isRecommended: true,
        actions: [actions.order(context.patientId, 'fullBloodCount')],
      },
    ],
  };
};

/** RULES.md 5.15: a B12 order (any route) in severe anaemia: potassium in the first 48 hours. */
export const hypokalaemiaMonitoring: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const hb = context.facts.latest.haemoglobin;
  const b12Drafts = context.focused.filter((draft) => draft.classes.includes('b12'));
  if (!f.severeAnaemia || !hb || b12Drafts.length === 0) return undefined;
  return {
    code: 'hypokalaemia-monitoring',
    summary: `Severe anaemia (${namedValue(hb)}): check potassium in the first 48 hours of B12 treatment`,
    detail: detailOf({
      evidence: evidenceLine([
        hb,
        f.pregnant && 'pregnant',
        `B12 order: ${[...new Set(b12Drafts.map((draft) => draft.name))].join(', ')}`,
      ]),
      action: POTASSIUM_CHECK,
      followUp: 'Reticulocytosis is expected on days 3–10.',
    }),
    selectionBehavior: 'at-most-one',
    suggestions: [
      {
        label: 'Order serum potassium',
        isRecommended: true,
        actions: [actions.order(context.patientId, 'potassium')],
      },
    ],
  };
};

// ---------------------------------------------------------------------------------------------
// 5.20 b12-low-on-oral

/** Routes that do not bypass absorption the way an injection does (RULES.md 10.8, 5.20). */
const NON_INJECTED = new Set<MedicationFact['route']>(['oral', 'sublingual', 'nasal']);
const INJECTED = new Set<MedicationFact['route']>(['intramuscular', 'subcutaneous']);

/**
 * Oral B12 is judged after about 3 months: NG239 reviews treatment at 3 months, so a low result
 * from 90 days after the start is a failure of oral treatment (RULES.md 10.8, 5.20).
 */
const ORAL_RESPONSE_DAYS = 90;

/**
 * RULES.md 5.20: on oral, sublingual or nasal B12 (no injections) with a low total or active B12
 * from 90 days after the start, or any time in the lookback when the start is unknown.
 */
export const b12LowOnOral: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const { config, facts } = context;
  if (!f.adult) return undefined;
  const current = facts.medications.filter(
    (item) => item.isB12Therapy && item.status === 'current',
  );
  const oral = current.filter((item) => NON_INJECTED.has(item.route));
  if (oral.length === 0 || current.some((item) => INJECTED.has(item.route))) return undefined;
  const start = facts.b12Therapy.startDay;
  const { today } = facts;
  const low = [...facts.results.activeB12, ...facts.results.totalB12]
    .filter(
      (result) =>
        today - result.day <= config.lookbackDays.totalB12 &&
        (start === undefined || result.day - start >= ORAL_RESPONSE_DAYS) &&
        b12Band(result, config) === 'confirmed',
    )
    .sort((a, b) => b.day - a.day)[0];
  if (!low) return undefined;
  const products = [...new Set(oral.map((item) => item.name))].join(', ');
  return {
    code: 'b12-low-on-oral',
    summary: `Low B12 (${namedValue(low)}, ${isoDay(low.day)}) on oral B12: check adherence and absorption; consider IM hydroxocobalamin`,
    detail: detailOf({
      evidence: evidenceLine([
        resultText(low),
        `on ${products} ${start === undefined ? '(start unknown)' : `since ${isoDay(start)}`}`,
      ]),
      action: regimenFor(f, context.patientId).text,
      safety: [FOLIC_ACID_ALONE_WARNING],
      cause:
        'NICE NG239: if symptoms persist on oral treatment increase the dose or switch to intramuscular; malabsorption (pernicious anaemia, gastrectomy, ileal disease, metformin, acid suppression) makes oral treatment less reliable.',
    }),
    selectionBehavior: 'at-most-one',
    suggestions: [
      {
        label: 'Switch to hydroxocobalamin 1 mg IM',
        isRecommended: true,
        actions: [regimenAction(f, context.patientId)],
      },
    ],
  };
};

export const monitoringRules: readonly Rule[] = [
  b12ReviewDue,
  b12LowOnOral,
  hypokalaemiaMonitoring,
];
