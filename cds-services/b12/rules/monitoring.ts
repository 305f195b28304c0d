import { isoDay } from '../../../src/fhir/dates.js';
import type { CardSpec } from '../cards.js';
import { evidenceLine, namedValue } from '../evidence.js';
import { actions } from '../orders.js';
import type { Rule, RuleContext } from '../rule.js';
import { R_K } from '../texts.js';

/**
 * Following treatment: the NG239 review with a full blood count (RULES.md 5.18) and potassium when
 * severe anaemia is treated (5.15).
 */

/** RULES.md 5.18: on B12 for 90 days (30 in pregnancy) with no Hb, MCV or platelets since it started. */
export const b12ReviewDue: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const start = f.facts.b12Therapy.startDay;
  if (!f.adult || !f.onB12 || start === undefined) return undefined;
  const t = f.config.thresholds;
  const days = f.facts.today - start;
  if (days < (f.pregnant ? t.reviewDueDaysPregnant : t.reviewDueDays)) return undefined;
  const { haemoglobin, mcv, platelets } = f.facts.results;
  const countSince = [...haemoglobin, ...mcv, ...platelets].some((result) => result.day > start);
  if (countSince) return undefined;
  const therapy = [
    ...new Set(
      f.facts.medications
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
    detail: [
      evidenceLine([
        `${therapy.join(', ') || 'B12 treatment'} since ${since} (${days} days)`,
        'no Hb, MCV or platelet result since then',
        f.pregnant && 'pregnant',
      ]),
      'NICE NG239: review symptoms and full blood count 3 months after starting (1 month if pregnant). Persisting symptoms: on injections increase frequency; on oral treatment increase the dose or switch to IM. Do not routinely re-test B12 on injections.',
    ],
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
  const hb = f.facts.latest.haemoglobin;
  const b12Drafts = context.focused.filter((draft) => draft.classes.includes('b12'));
  if (!f.severeAnaemia || !hb || b12Drafts.length === 0) return undefined;
  return {
    code: 'hypokalaemia-monitoring',
    summary: `Severe anaemia (${namedValue(hb)}): check potassium in the first 48 hours of B12 treatment`,
    detail: [
      evidenceLine([
        hb,
        f.pregnant && 'pregnant',
        `B12 order: ${[...new Set(b12Drafts.map((draft) => draft.name))].join(', ')}`,
      ]),
      R_K,
      'Reticulocytosis is expected on days 3–10.',
    ],
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

export const monitoringRules: readonly Rule[] = [b12ReviewDue, hypokalaemiaMonitoring];
