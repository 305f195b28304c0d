import type { Action, SuggestionInput } from '../../../src/cds-hooks/cards.js';
import type { LabResult } from '../../../src/fhir/observations.js';
import type { CardSpec } from '../cards.js';
import { recordNames } from '../condition-facts.js';
import type { ConditionGroup } from '../terminology.js';
import { evidenceLine, namedValue, plateletCount, resultText } from '../evidence.js';
import { below } from '../findings.js';
import type { Findings } from '../findings.js';
import { actions, regimens } from '../orders.js';
import type { PatientFacts } from '../patient-facts.js';
import type { Rule, RuleContext } from '../rule.js';
import { detailOf } from '../detail.js';
import { seeCard } from '../response-orders.js';
import {
  DIETARY_MAINTENANCE,
  FOLIC_ACID_ALONE_WARNING,
  INTRINSIC_FACTOR_ANTIBODY_ADVICE,
  LOADING_REGIMEN,
  NEUROLOGICAL_REGIMEN,
  ORAL_ALTERNATIVE,
  POTASSIUM_CHECK,
} from '../texts.js';
import { bloodCountEvidence, deficiencyEvidence, mmaUsed } from './deficiency-evidence.js';
import {
  MR_LOAD_DESCRIPTION,
  MR_NEURO_DESCRIPTION,
  hasNeuro,
  oralAction,
  regimenAction,
} from './regimens.js';

/**
 * Treatment of B12 deficiency on patient-view (RULES.md 5.6, 5.7, 5.9, 5.16). Regimens are
 * exclusive (RULES.md 5.0): R-NEURO/MR-NEURO with neurological features, else R-LOAD/MR-LOAD.
 */

/** Whether the patient has a record in a condition group (RULES.md 2.4, 7.4). */
const hasGroup = (facts: PatientFacts, group: ConditionGroup): boolean =>
  (facts.conditions[group]?.length ?? 0) > 0;

/** SR-IFAB with a regimen, unless pernicious anaemia/autoimmune gastritis is recorded (5.6). */
const ifabOrder = ({ facts, patientId }: RuleContext): Action[] =>
  hasGroup(facts, 'perniciousAnaemia') ? [] : [actions.order(patientId, 'intrinsicFactorAntibody')];

/** A regimen with R-IFAB, omitted when pernicious anaemia/autoimmune gastritis is recorded (5.0). */
const withIfab = (facts: PatientFacts, regimen: string): string =>
  hasGroup(facts, 'perniciousAnaemia') ? regimen : `${regimen} ${INTRINSIC_FACTOR_ANTIBODY_ADVICE}`;

/** Latest platelets (30 d) below the IM warning threshold (RULES.md 4), if so. */
function lowPlatelets({ facts, config }: RuleContext): LabResult | undefined {
  const { platelets } = facts.latest;
  return platelets && below(platelets, config.thresholds.plateletImWarnBelow)
    ? platelets
    : undefined;
}

/** MR-ORAL as the action of a card (NICE NG239: at least 1 mg daily when malabsorption is possible). */
const ORAL_REGIMEN =
  'Oral cyanocobalamin 1 mg once daily; IM hydroxocobalamin only with injection precautions at this platelet count.';

// ---------------------------------------------------------------------------------------------
// 5.6 b12-deficiency-treat

/** Malabsorption causes: with one of them a vegan diet is not taken as the cause (R-DIET, 5.6). */
const MALABSORPTION: readonly ConditionGroup[] = [
  'gastrectomy',
  'bariatricSurgery',
  'ilealResection',
  'ilealCrohns',
  'coeliac',
  'atrophicGastritis',
  'perniciousAnaemia',
];

/** Irreversible causes: treatment is lifelong (RULES.md 5.6). */
const IRREVERSIBLE: readonly ConditionGroup[] = [
  'gastrectomy',
  'ilealResection',
  'perniciousAnaemia',
  'atrophicGastritis',
];

/** The causes present, in the rule book's order, as one line (RULES.md 5.6, 10.9.4). */
function causeLine(findings: Findings, facts: PatientFacts): string | undefined {
  const has = (group: ConditionGroup): boolean => hasGroup(facts, group);
  const lines = [
    ...findings.majorRisks.flatMap((risk) =>
      risk.drug ? [`Review the ongoing need for ${risk.drug.name}.`] : [],
    ),
    ...(IRREVERSIBLE.some(has) ? ['Likely irreversible cause: treatment is lifelong.'] : []),
    ...(has('bariatricSurgery')
      ? [
          'After bariatric surgery replacement is lifelong (oral 1 mg daily or 1 mg IM every 3 months).',
        ]
      : []),
    ...(has('veganDiet') && !MALABSORPTION.some(has) ? [DIETARY_MAINTENANCE] : []),
  ];
  return lines.length > 0 ? lines.join(' ') : undefined;
}

const PREGNANT_TREAT =
  'Pregnant: total B12 falls in pregnancy — if borderline, check active B12; review at 1 month (NICE NG239).';
const REVIEW_TREAT =
  'Review at 3 months (1 month in pregnancy); do not routinely re-test B12 during injections.';

/** What the oral suggestion says: R-ORAL rides on it rather than on the detail (10.9.4). */
const oralAlternative = (patientId: string): Action =>
  actions.prescribe(regimens.oral(patientId), ORAL_ALTERNATIVE);

/** RULES.md 5.6: untreated B12 deficiency without neurological features → loading regimen. */
export function deficiencyTreat(context: RuleContext): CardSpec | undefined {
  const { facts, findings, patientId } = context;
  if (!findings.adult || findings.onB12 || !findings.deficient || hasNeuro(findings)) {
    return undefined;
  }
  const marker = mmaUsed(findings) ? findings.mma : findings.b12;
  if (!marker) return undefined;
  const platelets = lowPlatelets(context);
  const ifab = ifabOrder(context);
  const load: SuggestionInput = {
    label: 'Start hydroxocobalamin 1 mg IM: three times a week for 2 weeks, then every 3 months',
    isRecommended: platelets === undefined,
    actions: [actions.prescribe(regimens.load(patientId), MR_LOAD_DESCRIPTION), ...ifab],
  };
  const oral: SuggestionInput = {
    label: 'Start oral cyanocobalamin 1 mg daily',
    isRecommended: platelets !== undefined,
    actions: [oralAlternative(patientId), ...ifab],
  };
  // With low platelets the oral route is the recommendation, and the summary says so (10.9.2).
  return {
    code: 'b12-deficiency-treat',
    summary: platelets
      ? `B12 deficiency (${namedValue(marker)}) with platelets ${plateletCount(platelets)} ×10⁹/L: start oral cyanocobalamin 1 mg daily (IM needs precautions)`
      : `B12 deficiency (${namedValue(marker)}): start hydroxocobalamin 1 mg IM loading regimen`,
    detail: detailOf({
      evidence: evidenceLine([...deficiencyEvidence(findings), ...bloodCountEvidence(findings)]),
      action: withIfab(facts, platelets ? ORAL_REGIMEN : LOADING_REGIMEN),
      safety: [
        FOLIC_ACID_ALONE_WARNING,
        platelets &&
          `Platelets ${plateletCount(platelets)} ×10⁹/L: see IM injection precautions; consider the oral route.`,
        findings.severeAnaemia && POTASSIUM_CHECK,
      ],
      cause: causeLine(findings, facts),
      patient: findings.pregnant && PREGNANT_TREAT,
      followUp: REVIEW_TREAT,
    }),
    suggestions: [load, oral],
    selectionBehavior: 'at-most-one',
  };
}

// ---------------------------------------------------------------------------------------------
// 5.7 b12-deficiency-neuro-urgent

/** The functional-deficiency evidence of RULES.md 5.7, when a raised MMA alone drove the card. */
function functionalText({ facts, findings, config }: RuleContext): string | undefined {
  if (findings.deficient || !findings.mma) return undefined;
  const kidneys = facts.latest.egfr
    ? `eGFR ≥ ${config.thresholds.egfrRenalBelow}`
    : 'no renal impairment recorded (no eGFR)';
  const b12 = findings.b12 ? ` despite ${namedValue(findings.b12)}` : ' (no B12 result)';
  return `raised ${namedValue(findings.mma)} with ${kidneys}${b12}: functional deficiency — BSH 2014: do not delay treatment`;
}

/** RULES.md 5.7: deficiency (or functional deficiency) with neurological features → urgent. */
export function deficiencyNeuroUrgent(context: RuleContext): CardSpec | undefined {
  const { facts, findings, patientId } = context;
  if (!findings.adult || findings.onB12 || !hasNeuro(findings)) return undefined;
  if (!findings.deficient && !findings.functionalNeuro) return undefined;
  const platelets = lowPlatelets(context);
  return {
    code: 'b12-deficiency-neuro-urgent',
    summary:
      'B12 deficiency with neurological features: hydroxocobalamin 1 mg IM alternate days; urgent specialist advice',
    detail: detailOf({
      evidence: evidenceLine([
        ...deficiencyEvidence(findings, { raised: findings.deficient }),
        ...bloodCountEvidence(findings),
        `neurological features: ${findings.neuro.map((feature) => feature.name).join(', ')}`,
        functionalText(context),
      ]),
      action: withIfab(facts, NEUROLOGICAL_REGIMEN),
      safety: [
        FOLIC_ACID_ALONE_WARNING,
        platelets &&
          `Platelets ${plateletCount(platelets)} ×10⁹/L: do not delay B12 — use a non-IM route and discuss with haematology.`,
        findings.severeAnaemia && POTASSIUM_CHECK,
      ],
      cause:
        'Untreated deficiency can cause permanent spinal cord damage (subacute combined degeneration).',
      patient: findings.pregnant && 'Pregnant: review at 1 month.',
    }),
    suggestions: [
      {
        label: 'Start hydroxocobalamin 1 mg IM on alternate days, then every 2 months',
        isRecommended: true,
        actions: [
          actions.prescribe(regimens.neuro(patientId), MR_NEURO_DESCRIPTION),
          ...ifabOrder(context),
        ],
      },
    ],
    selectionBehavior: 'at-most-one',
  };
}

// ---------------------------------------------------------------------------------------------
// 5.9 combined-b12-folate-deficiency

const FOLIC_ACID_5 = 'Prescribe folic acid 5 mg orally once daily for 4 months';

/**
 * RULES.md 5.9: B12 and folate deficiency together → B12 first or with folic acid 5 mg. It
 * replaces the treat card (10.9.3), so it carries that card's cause, pregnancy and review lines.
 * With neurological features the urgent card (5.7, always present then) orders the B12, and this
 * card the folic acid alone.
 */
export function combinedB12FolateDeficiency(context: RuleContext): CardSpec | undefined {
  const { facts, findings, patientId } = context;
  if (!findings.adult || findings.onB12 || !findings.folateLow) return undefined;
  if (!findings.deficient && !(hasNeuro(findings) && findings.functionalNeuro)) return undefined;
  const { serumFolate, redCellFolate } = facts.latest;
  const neuro = hasNeuro(findings);
  const folicAcid = actions.prescribe(regimens.folicAcid5(patientId), FOLIC_ACID_5);
  return {
    code: 'combined-b12-folate-deficiency',
    summary: 'B12 and folate deficiency: start B12 before or together with folic acid 5 mg daily',
    detail: detailOf({
      evidence: evidenceLine([
        ...deficiencyEvidence(findings),
        serumFolate && resultText(serumFolate),
        redCellFolate && resultText(redCellFolate),
        ...bloodCountEvidence(findings),
      ]),
      action: `Start hydroxocobalamin first or at the same time as folic acid; then folic acid 5 mg daily for about 4 months (BNF). ${
        neuro ? `${seeCard('b12-deficiency-neuro-urgent')}.` : LOADING_REGIMEN
      }`,
      safety: [FOLIC_ACID_ALONE_WARNING, findings.severeAnaemia && !neuro && POTASSIUM_CHECK],
      cause: neuro ? undefined : causeLine(findings, facts),
      patient: !neuro && findings.pregnant && PREGNANT_TREAT,
      followUp: neuro ? undefined : REVIEW_TREAT,
    }),
    suggestions: [
      neuro
        ? {
            label: 'Add folic acid 5 mg daily (B12 first or together)',
            isRecommended: true,
            actions: [folicAcid],
          }
        : {
            label: 'Start hydroxocobalamin and folic acid 5 mg together',
            isRecommended: true,
            actions: [regimenAction(findings, patientId), folicAcid],
          },
    ],
    selectionBehavior: 'at-most-one',
  };
}

// ---------------------------------------------------------------------------------------------
// 5.16 b12-prophylaxis-malabsorption

/**
 * Prophylaxis indications in the rule book's order (RULES.md 5.16). Gastrectomy means total
 * gastrectomy (53442002, 26452005, text "total gastrectomy"): subtotal is no indication.
 */
const INDICATIONS: readonly { group: ConditionGroup; wording: string }[] = [
  { group: 'totalGastrectomy', wording: 'gastrectomy' },
  { group: 'ilealResection', wording: 'ileal resection' },
  { group: 'bariatricSurgery', wording: 'bariatric surgery' },
  { group: 'ilealCrohns', wording: "ileal Crohn's disease" },
];

/** "Gastrectomy", "Gastrectomy and bariatric surgery", "A, b and c". */
function indicationList(wordings: readonly string[]): string {
  const text =
    wordings.length <= 1
      ? (wordings[0] ?? '')
      : `${wordings.slice(0, -1).join(', ')} and ${wordings.at(-1) ?? ''}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** RULES.md 5.16: malabsorptive surgery or ileal Crohn's without B12 → lifelong prophylaxis. */
export function b12ProphylaxisMalabsorption(context: RuleContext): CardSpec | undefined {
  const { facts, findings, patientId } = context;
  if (!findings.adult || findings.onB12) return undefined;
  const present = INDICATIONS.filter(({ group }) => hasGroup(facts, group));
  if (present.length === 0) return undefined;
  const has = (group: ConditionGroup): boolean => present.some((entry) => entry.group === group);
  const surgicalIm = has('totalGastrectomy') || has('ilealResection');
  const bariatric = has('bariatricSurgery');
  const latestB12 = findings.b12 ?? facts.b12.stale;
  const suggestions: SuggestionInput[] = [
    ...(findings.tested12m
      ? []
      : [{ label: 'Order total B12', actions: [actions.order(patientId, 'totalB12')] }]),
    ...(surgicalIm
      ? [
          {
            label: 'Start hydroxocobalamin 1 mg IM every 3 months',
            actions: [
              actions.prescribe(
                regimens.prophylaxis(patientId),
                'Prescribe hydroxocobalamin 1 mg IM every 3 months',
              ),
            ],
          },
        ]
      : []),
    ...(bariatric
      ? [{ label: 'Start oral cyanocobalamin 1 mg daily', actions: [oralAction(patientId)] }]
      : []),
  ];
  return {
    code: 'b12-prophylaxis-malabsorption',
    summary: `${indicationList(present.map((entry) => entry.wording))}: lifelong B12 prophylaxis is recommended but none is recorded`,
    detail: detailOf({
      evidence: evidenceLine([
        latestB12 && resultText(latestB12),
        facts.b12.pendingTest ? 'B12 test pending' : undefined,
        `recorded: ${recordNames(
          facts.conditions,
          present.map((entry) => entry.group),
        ).join(', ')}`,
      ]),
      action: [
        surgicalIm &&
          'Lifelong prophylaxis: hydroxocobalamin 1 mg IM every 3 months (BNF, after total gastrectomy or total ileal resection); usually needed when more than 20 cm of terminal ileum is removed.',
        bariatric &&
          'Lifelong B12: oral cyanocobalamin 1 mg daily (AFP 2017) or hydroxocobalamin 1 mg IM every 3 months (BOMSS 2020); bloods at 3, 6 and 12 months, then at least yearly.',
        present.length === 1 &&
          has('ilealCrohns') &&
          'Check B12 at least yearly; lifelong replacement if deficiency develops.',
      ]
        .filter((line): line is string => typeof line === 'string')
        .join(' '),
      followUp: !findings.tested12m && 'Check B12 before starting.',
    }),
    ...(suggestions.length > 0 ? { suggestions, selectionBehavior: 'any' as const } : {}),
  };
}

export const treatmentRules: readonly Rule[] = [
  deficiencyTreat,
  deficiencyNeuroUrgent,
  combinedB12FolateDeficiency,
  b12ProphylaxisMalabsorption,
];
