import type { Link } from '../../src/cds-hooks/cards.js';
import type { CardCode } from './catalog.js';
import type { ClinicalConfig, Thresholds } from './clinical-config.js';
import {
  DIETARY_MAINTENANCE,
  FOLIC_ACID_ALONE_WARNING,
  INTRINSIC_FACTOR_ANTIBODY_ADVICE,
  POTASSIUM_CHECK,
  LOADING_REGIMEN,
  NEUROLOGICAL_REGIMEN,
  ORAL_ALTERNATIVE,
  US_LABEL_REGIMEN,
} from './texts.js';
import { ANALYTES } from './terminology.js';

/**
 * What each card is for, in words (RULES.md 10.9.5): what triggers it, the regimens that apply to
 * it in full, and the settings it reads. The service's guidance page (`GET /cards/<code>`,
 * guidance-page.ts) and docs/cards.md (scripts/cards-doc.ts) are both written from here, and
 * every card links to its page ({@link guidanceLink}).
 */

export const GUIDANCE_LINK_LABEL = 'How this card decides (B12 CDS)';

/** The guidance page's path under the service's public URL. */
export const guidancePath = (code: CardCode): string => `/cards/${code}`;

/** A card's last link: its guidance page under `publicUrl` (CDS_PUBLIC_URL, no trailing slash). */
export const guidanceLink = (code: CardCode, publicUrl: string): Link => ({
  label: GUIDANCE_LINK_LABEL,
  url: `${publicUrl}${guidancePath(code)}`,
  type: 'absolute',
});

/** A number of days as the rule book words it: 365 "12 months", 120 "4 months", 1825 "5 years". */
export function period(days: number): string {
  if (days % 365 === 0) return days === 365 ? '12 months' : `${days / 365} years`;
  if (days % 30 === 0) return days === 30 ? '1 month' : `${days / 30} months`;
  return days === 1 ? '1 day' : `${days} days`;
}

/** "1 to 5 years old" when both ends are whole years, else each end in its own words. */
function ageRange(fromDays: number, toDays: number): string {
  return fromDays % 365 === 0 && toDays % 365 === 0
    ? `${fromDays / 365} to ${toDays / 365} years old`
    : `${period(fromDays)} to ${period(toDays)} old`;
}

/** "from 10 to 24" for whole numbers; "from 10 to below 25.5" otherwise. */
const tierRange = (from: number, below: number): string =>
  Number.isInteger(below) && Number.isInteger(from)
    ? `from ${from} to ${below - 1}`
    : `from ${from} to below ${below}`;

type Trigger = (config: ClinicalConfig) => string;

/**
 * What makes the service give each card, in a sentence (RULES.md 5.2 to 5.20), with the values
 * of `config`: with the rule book's defaults these are the sentences of docs/cards.md.
 */
const TRIGGERS: Record<CardCode, Trigger> = {
  'b12-test-recommended': ({ lookbackDays }) =>
    `An adult not on B12 treatment, with no B12 result in the last ${period(lookbackDays.totalB12)} and no old untreated low one, has a symptom of deficiency together with a risk factor, or a macrocytic anaemia (then the summary asks for B12 and folate before any folic acid).`,
  'b12-test-consider': ({ lookbackDays, thresholds }) =>
    `An adult not on B12 treatment, with no B12 result in the last ${period(lookbackDays.totalB12)}, has a major risk factor (metformin for over ${period(thresholds.metforminMinDays)}, a proton pump inhibitor or H2 receptor antagonist for over ${period(thresholds.acidSuppressionMinDays)}, age over ${thresholds.ageRiskAbove}, gastric or ileal surgery, ileal Crohn’s or coeliac disease, atrophic gastritis, pernicious anaemia or a vegan diet) but no card that supersedes this one.`,
  'b12-indeterminate-mma': ({ thresholds }) =>
    `An adult not on B12 treatment has a latest diagnostic B12 in the indeterminate range (total B12 ${thresholds.b12TotalConfirmedBelow}–${thresholds.b12TotalUnlikelyAbove} ng/L or active B12 ${thresholds.activeB12ConfirmedBelow}–${thresholds.activeB12UnlikelyAbove} pmol/L, inclusive) and no methylmalonic acid (MMA) result since; in pregnancy a total B12 asks for active B12 instead.`,
  'mma-renal-caution': ({ thresholds }) =>
    `An adult not on B12 treatment has a raised MMA with renal impairment (eGFR below ${thresholds.egfrRenalBelow}) and a B12 that does not itself confirm deficiency: the MMA may reflect the kidneys rather than B12.`,
  'b12-deficiency-treat': ({ thresholds }) =>
    `An adult not on B12 treatment has an untreated B12 deficiency (total B12 below ${thresholds.b12TotalConfirmedBelow} ng/L, active B12 below ${thresholds.activeB12ConfirmedBelow} pmol/L, or indeterminate B12 with a raised MMA and no renal impairment) and no neurological features: the hydroxocobalamin 1 mg IM loading regimen.`,
  'b12-deficiency-neuro-urgent': () =>
    'An adult not on B12 treatment has neurological features with an untreated B12 deficiency, or with a raised MMA and no renal impairment (functional deficiency): hydroxocobalamin on alternate days and urgent specialist advice.',
  'b12-low-stale-untreated': ({ lookbackDays, staleB12MaxDays }) =>
    `An adult not on B12 treatment has no B12 result in the last ${period(lookbackDays.totalB12)}, and the latest one, ${ageRange(lookbackDays.totalB12, staleB12MaxDays)}, was low and never treated.`,
  'combined-b12-folate-deficiency': ({ thresholds }) =>
    `An adult not on B12 treatment has an untreated B12 deficiency (or neurological features with a functional deficiency) and a low folate (serum folate below ${thresholds.folateSerumLowBelow} nmol/L or red cell folate below ${thresholds.folateRbcLowBelow} nmol/L): B12 before or together with folic acid.`,
  'severe-anaemia-urgent': ({ lookbackDays, thresholds }) =>
    `The latest Hb (${lookbackDays.haemoglobin} days) is below ${thresholds.hbSevere} g/L, or below ${thresholds.hbSeverePregnant} g/L in pregnancy, at any age; in the order hooks only when a B12 or folic acid product is being ordered.`,
  'folate-order-b12-untreated': () =>
    'Folic acid (any dose) is ordered while a B12 deficiency (by result, raised MMA or a coded diagnosis) is untreated and no B12 product is on the draft orders.',
  'folate-order-b12-unknown': ({ lookbackDays, thresholds }) =>
    `Folic acid above ${thresholds.folicProphylacticMaxMgPerDay} mg a day (or of unknown dose, or with anaemia or macrocytosis) is ordered without a usable recent B12 result (none in ${period(lookbackDays.totalB12)}, or an indeterminate one without an MMA since), and no B12 product or B12 test is on the draft orders.`,
  'im-injection-thrombocytopenia': ({ lookbackDays, thresholds }) =>
    `A B12 product is ordered for intramuscular injection while the latest platelets (${lookbackDays.platelets} days) are below ${thresholds.plateletImWarnBelow} ×10⁹/L; the card is critical below ${thresholds.plateletImCriticalBelow} ×10⁹/L, and ${tierRange(thresholds.plateletImCriticalBelow, thresholds.plateletImAvoidBelow)} it advises avoiding the IM route.`,
  'cyanocobalamin-renal': ({ thresholds }) =>
    `Cyanocobalamin (any route) is ordered with renal impairment (eGFR below ${thresholds.egfrRenalBelow}): hydroxocobalamin is preferred.`,
  'hypokalaemia-monitoring': ({ thresholds }) =>
    `A B12 product (any route) is ordered in severe anaemia (Hb below ${thresholds.hbSevere} g/L, below ${thresholds.hbSeverePregnant} g/L in pregnancy): check potassium in the first 48 hours.`,
  'b12-prophylaxis-malabsorption': () =>
    'An adult not on B12 treatment has had a total gastrectomy, an ileal resection or bariatric surgery, or has ileal Crohn’s disease, and no card that supersedes this one: lifelong B12 prophylaxis (or yearly checks for Crohn’s) is due.',
  'outside-guideline-age': ({ thresholds }) =>
    `A patient under ${thresholds.adultMinAge} has a low B12 (recent, or old and untreated): NICE NG239 covers adults only, so paediatric advice is sought instead of an adult regimen.`,
  'b12-review-due': ({ thresholds }) =>
    `An adult has been on B12 treatment for ${period(thresholds.reviewDueDays)} or more (${period(thresholds.reviewDueDaysPregnant)} in pregnancy) with no Hb, MCV or platelet result since it started: review the response.`,
  'b12-result-unreadable': ({ lookbackDays }) =>
    `An adult has a B12, active B12 or MMA result from the last ${period(lookbackDays.totalB12)} that could not be read (unit, value or date), and no other card of the response reports it: the result is never taken as normal.`,
  'b12-low-on-oral': ({ lookbackDays }) =>
    `An adult on oral, sublingual or nasal B12 (no injections) has a low total or active B12 dated 3 months or more after the oral treatment started (any time in ${period(lookbackDays.totalB12)} when the start is unknown): check adherence and absorption, and consider IM hydroxocobalamin.`,
};

/** What makes the service give `code`, in a sentence, with the values `config` sets. */
export const triggerOf = (code: CardCode, config: ClinicalConfig): string => TRIGGERS[code](config);

/** The rule book's shared text blocks (RULES.md 5.0), by their names. */
export const REGIMEN_TEXTS = {
  'R-LOAD': LOADING_REGIMEN,
  'R-NEURO': NEUROLOGICAL_REGIMEN,
  'R-ORAL': ORAL_ALTERNATIVE,
  'R-DIET': DIETARY_MAINTENANCE,
  'R-US': US_LABEL_REGIMEN,
  'R-FOLATE': FOLIC_ACID_ALONE_WARNING,
  'R-K': POTASSIUM_CHECK,
  'R-IFAB': INTRINSIC_FACTOR_ANTIBODY_ADVICE,
} as const;

export type RegimenName = keyof typeof REGIMEN_TEXTS;

export interface RegimenGuidance {
  name: RegimenName;
  /** When the card carries it, if not always. */
  when?: string;
  /** The text block, verbatim. */
  text: string;
}

const NO_NEURO = 'Without neurological features';
const NEURO = 'With neurological features';
const SEVERE = 'With severe anaemia';

/** The text blocks that apply to each card (RULES.md 5.2 to 5.20, 10.9.4: in full here). */
const REGIMENS: Record<CardCode, readonly (readonly [RegimenName, string?])[]> = {
  'b12-test-recommended': [['R-FOLATE', 'With a macrocytic anaemia']],
  'b12-test-consider': [],
  'b12-indeterminate-mma': [],
  'mma-renal-caution': [],
  'b12-deficiency-treat': [
    ['R-LOAD'],
    ['R-ORAL', 'Injections unsuitable or declined, or platelets low'],
    ['R-IFAB', 'Unless pernicious anaemia or autoimmune gastritis is recorded'],
    ['R-DIET', 'A vegan diet without a malabsorption cause'],
    ['R-K', SEVERE],
    ['R-FOLATE'],
    ['R-US'],
  ],
  'b12-deficiency-neuro-urgent': [
    ['R-NEURO'],
    ['R-FOLATE'],
    ['R-IFAB', 'Unless pernicious anaemia or autoimmune gastritis is recorded'],
    ['R-K', SEVERE],
  ],
  'b12-low-stale-untreated': [['R-FOLATE']],
  'combined-b12-folate-deficiency': [['R-FOLATE'], ['R-LOAD', NO_NEURO], ['R-NEURO', NEURO]],
  'severe-anaemia-urgent': [['R-K']],
  'folate-order-b12-untreated': [
    ['R-FOLATE'],
    ['R-LOAD', `${NO_NEURO} (adults)`],
    ['R-NEURO', `${NEURO} (adults)`],
  ],
  'folate-order-b12-unknown': [['R-FOLATE']],
  'im-injection-thrombocytopenia': [['R-ORAL', 'The suggested replacement of the IM order']],
  'cyanocobalamin-renal': [],
  'hypokalaemia-monitoring': [['R-K']],
  'b12-prophylaxis-malabsorption': [],
  'outside-guideline-age': [],
  'b12-review-due': [],
  'b12-result-unreadable': [],
  'b12-low-on-oral': [['R-LOAD', NO_NEURO], ['R-NEURO', NEURO], ['R-FOLATE']],
};

/** The regimens and safety texts that apply to `code`, in full. */
export const regimensOf = (code: CardCode): RegimenGuidance[] =>
  REGIMENS[code].map(([name, when]) => ({
    name,
    text: REGIMEN_TEXTS[name],
    ...(when === undefined ? {} : { when }),
  }));

/** A setting a card reads, with the value in force. */
export interface SettingInForce {
  /** Where it is set in CDS_CLINICAL_CONFIG, e.g. `thresholds.b12TotalConfirmedBelow`. */
  key: string;
  /** What it decides, e.g. "Total B12: deficiency confirmed". */
  label: string;
  /** The comparison with the value and unit, e.g. "< 180 ng/L". */
  rule: string;
  value: number;
}

interface SettingText {
  label: string;
  /** The comparison the rules make: "<", ">", "≥", "within" (a lookback) or "" (a period). */
  comparison: string;
  unit: string;
}

const THRESHOLD_TEXTS: Record<keyof Thresholds, SettingText> = {
  b12TotalConfirmedBelow: {
    label: 'Total B12: deficiency confirmed',
    comparison: '<',
    unit: 'ng/L',
  },
  b12TotalUnlikelyAbove: { label: 'Total B12: deficiency unlikely', comparison: '>', unit: 'ng/L' },
  activeB12ConfirmedBelow: {
    label: 'Active B12: deficiency confirmed',
    comparison: '<',
    unit: 'pmol/L',
  },
  activeB12UnlikelyAbove: {
    label: 'Active B12: deficiency unlikely',
    comparison: '>',
    unit: 'pmol/L',
  },
  mmaDefaultUpper: {
    label: 'Methylmalonic acid (MMA) raised, when the laboratory gives no range or flag',
    comparison: '>',
    unit: 'µmol/L',
  },
  folateSerumLowBelow: { label: 'Serum folate low', comparison: '<', unit: 'nmol/L' },
  folateRbcLowBelow: { label: 'Red cell folate low', comparison: '<', unit: 'nmol/L' },
  hbAnaemiaMale: { label: 'Anaemia: Hb, male', comparison: '<', unit: 'g/L' },
  hbAnaemiaFemale: { label: 'Anaemia: Hb, female or sex unknown', comparison: '<', unit: 'g/L' },
  hbAnaemiaPregnant: { label: 'Anaemia: Hb in pregnancy', comparison: '<', unit: 'g/L' },
  hbSevere: { label: 'Severe anaemia: Hb', comparison: '<', unit: 'g/L' },
  hbSeverePregnant: { label: 'Severe anaemia: Hb in pregnancy', comparison: '<', unit: 'g/L' },
  mcvMacrocytosisAbove: { label: 'Macrocytosis: MCV', comparison: '>', unit: 'fL' },
  plateletImWarnBelow: {
    label: 'Platelets: warning before an IM injection',
    comparison: '<',
    unit: '×10⁹/L',
  },
  plateletImAvoidBelow: { label: 'Platelets: avoid the IM route', comparison: '<', unit: '×10⁹/L' },
  plateletImCriticalBelow: {
    label: 'Platelets: critical, haematology advice before any injection',
    comparison: '<',
    unit: '×10⁹/L',
  },
  egfrRenalBelow: { label: 'Renal impairment: eGFR', comparison: '<', unit: 'mL/min/1.73 m²' },
  metforminMinDays: { label: 'Risk factor: metformin for', comparison: '>', unit: 'days' },
  acidSuppressionMinDays: {
    label: 'Risk factor: proton pump inhibitor or H2 receptor antagonist for',
    comparison: '>',
    unit: 'days',
  },
  ageRiskAbove: { label: 'Risk factor: age', comparison: '>', unit: 'years' },
  adultMinAge: {
    label: 'Adult (the NICE NG239 pathway applies): age',
    comparison: '≥',
    unit: 'years',
  },
  folicProphylacticMaxMgPerDay: {
    label: 'Folic acid prophylactic dose',
    comparison: '≤',
    unit: 'mg a day',
  },
  reviewDueDays: { label: 'Review due after starting B12', comparison: '≥', unit: 'days' },
  reviewDueDaysPregnant: {
    label: 'Review due after starting B12, in pregnancy',
    comparison: '≥',
    unit: 'days',
  },
  pancytopeniaPlateletsBelow: {
    label: 'Severe anaemia with possible pancytopenia: platelets',
    comparison: '<',
    unit: '×10⁹/L',
  },
};

/** The analytes whose lookback the pages show. */
const LOOKBACK_ANALYTES = [
  'totalB12',
  'activeB12',
  'methylmalonicAcid',
  'serumFolate',
  'egfr',
  'haemoglobin',
  'platelets',
] as const;

type DataRuleKey =
  `lookbackDays.${(typeof LOOKBACK_ANALYTES)[number]}` | 'staleB12MaxDays' | 'postInjectionDays';

type DataRuleText = SettingText & { value: (c: ClinicalConfig) => number };

const withinDays = (label: string, value: DataRuleText['value']): DataRuleText => ({
  label,
  comparison: 'within',
  unit: 'days',
  value,
});

const DATA_RULE_TEXTS = {
  ...Object.fromEntries(
    LOOKBACK_ANALYTES.map((analyte) => [
      `lookbackDays.${analyte}`,
      withinDays(`Latest ${ANALYTES[analyte].label} looked for`, (c) => c.lookbackDays[analyte]),
    ]),
  ),
  staleB12MaxDays: withinDays('Old low B12 still counted', (c) => c.staleB12MaxDays),
  postInjectionDays: withinDays(
    'B12 results not diagnostic after a course of B12 ends',
    (c) => c.postInjectionDays,
  ),
} as Record<DataRuleKey, DataRuleText>;

type SettingKey = keyof Thresholds | DataRuleKey;

const B12_BANDS: readonly SettingKey[] = [
  'b12TotalConfirmedBelow',
  'b12TotalUnlikelyAbove',
  'activeB12ConfirmedBelow',
  'activeB12UnlikelyAbove',
];
const B12_CONFIRMED: readonly SettingKey[] = ['b12TotalConfirmedBelow', 'activeB12ConfirmedBelow'];
const MMA: readonly SettingKey[] = ['mmaDefaultUpper', 'egfrRenalBelow'];
const ANAEMIA: readonly SettingKey[] = ['hbAnaemiaMale', 'hbAnaemiaFemale', 'hbAnaemiaPregnant'];
const SEVERE_ANAEMIA: readonly SettingKey[] = ['hbSevere', 'hbSeverePregnant'];
const RISKS: readonly SettingKey[] = ['metforminMinDays', 'acidSuppressionMinDays', 'ageRiskAbove'];
const B12_LOOKBACK: readonly SettingKey[] = ['lookbackDays.totalB12', 'lookbackDays.activeB12'];

/** The settings each card's trigger reads (RULES.md 4 and 2.2), in the order the page lists them. */
const SETTINGS: Record<CardCode, readonly SettingKey[]> = {
  'b12-test-recommended': [
    'adultMinAge',
    ...B12_LOOKBACK,
    ...RISKS,
    ...ANAEMIA,
    'mcvMacrocytosisAbove',
  ],
  'b12-test-consider': ['adultMinAge', ...B12_LOOKBACK, ...RISKS],
  'b12-indeterminate-mma': [
    'adultMinAge',
    ...B12_BANDS,
    'lookbackDays.methylmalonicAcid',
    'postInjectionDays',
  ],
  'mma-renal-caution': ['adultMinAge', ...B12_BANDS, ...MMA, 'lookbackDays.egfr'],
  'b12-deficiency-treat': [
    'adultMinAge',
    ...B12_BANDS,
    ...MMA,
    'plateletImWarnBelow',
    'lookbackDays.platelets',
    ...SEVERE_ANAEMIA,
    'postInjectionDays',
  ],
  'b12-deficiency-neuro-urgent': [
    'adultMinAge',
    ...B12_BANDS,
    ...MMA,
    'plateletImWarnBelow',
    ...SEVERE_ANAEMIA,
    'postInjectionDays',
  ],
  'b12-low-stale-untreated': ['adultMinAge', ...B12_CONFIRMED, ...B12_LOOKBACK, 'staleB12MaxDays'],
  'combined-b12-folate-deficiency': [
    'adultMinAge',
    ...B12_CONFIRMED,
    ...MMA,
    'folateSerumLowBelow',
    'folateRbcLowBelow',
    'lookbackDays.serumFolate',
  ],
  'severe-anaemia-urgent': [
    ...SEVERE_ANAEMIA,
    'lookbackDays.haemoglobin',
    'mcvMacrocytosisAbove',
    'pancytopeniaPlateletsBelow',
  ],
  'folate-order-b12-untreated': [...B12_CONFIRMED, ...MMA, 'adultMinAge'],
  'folate-order-b12-unknown': [
    'folicProphylacticMaxMgPerDay',
    ...B12_BANDS,
    ...B12_LOOKBACK,
    ...ANAEMIA,
    'mcvMacrocytosisAbove',
  ],
  'im-injection-thrombocytopenia': [
    'plateletImWarnBelow',
    'plateletImAvoidBelow',
    'plateletImCriticalBelow',
    'lookbackDays.platelets',
  ],
  'cyanocobalamin-renal': ['egfrRenalBelow', 'lookbackDays.egfr'],
  'hypokalaemia-monitoring': [...SEVERE_ANAEMIA, 'lookbackDays.haemoglobin'],
  'b12-prophylaxis-malabsorption': ['adultMinAge', ...B12_LOOKBACK],
  'outside-guideline-age': ['adultMinAge', ...B12_CONFIRMED, 'staleB12MaxDays'],
  'b12-review-due': ['adultMinAge', 'reviewDueDays', 'reviewDueDaysPregnant'],
  'b12-result-unreadable': ['adultMinAge', ...B12_LOOKBACK, 'lookbackDays.methylmalonicAcid'],
  'b12-low-on-oral': ['adultMinAge', ...B12_CONFIRMED, ...B12_LOOKBACK],
};

const isDataRule = (key: SettingKey): key is DataRuleKey => key in DATA_RULE_TEXTS;

/** The settings `code` reads, with the values of `config` (the running configuration). */
export function settingsOf(code: CardCode, config: ClinicalConfig): SettingInForce[] {
  return SETTINGS[code].map((key) => {
    const { label, comparison, unit } = isDataRule(key)
      ? DATA_RULE_TEXTS[key]
      : THRESHOLD_TEXTS[key];
    const value = isDataRule(key) ? DATA_RULE_TEXTS[key].value(config) : config.thresholds[key];
    return {
      key: isDataRule(key) ? key : `thresholds.${key}`,
      label,
      rule: `${comparison} ${value} ${unit}`,
      value,
    };
  });
}
