import { z } from 'zod';
import { CARD_CATALOG } from './catalog.js';
import type { CardCode } from './catalog.js';
import { ANALYTES } from './terminology.js';
import type { Analyte } from './terminology.js';
import { siteRecognisersSchema } from './site-recognisers.js';
import type { SiteRecogniserConfig } from './site-recognisers.js';

export type { SiteRecogniserConfig } from './site-recognisers.js';

/**
 * The data rules' settings, with the rule book's defaults (RULES.md 2.2, 2.3, 4). Laboratories
 * and jurisdictions differ, so each is a setting rather than a constant.
 */
export interface DataRulesConfig {
  /** How far back each analyte's latest result is looked for, in days (day N inside, N+1 outside). */
  lookbackDays: Readonly<Record<Analyte, number>>;
  /** A low B12 between the lookback and this many days old is "stale" (RULES.md 2.2, 2.5). */
  staleB12MaxDays: number;
  /** A preliminary/registered B12 this recent counts as a pending test (RULES.md 2.2). */
  pendingTestDays: number;
  /** B12 results this soon after a course of B12 ends are not diagnostic (RULES.md 2.2). */
  postInjectionDays: number;
  /** A past B12 course with no known end is taken to cover this many days (RULES.md 2.2). */
  b12CourseWithoutEndDays: number;
  /** Requests of one class continue a chain when they start within this many days (RULES.md 2.3). */
  drugChainGapDays: number;
  /** A pregnancy status observation counts for this many days (RULES.md 2.1). */
  pregnancyStatusDays: number;
  /** Local laboratory codes mapped to analytes (RULES.md 2.2). */
  localCodes: readonly { system: string; code: string; analyte: Analyte }[];
  /**
   * Site recognisers: FHIRPath expressions for what the site codes locally, each meaning an
   * analyte, an ingredient or a condition set; read only for resources no standard code
   * recognised (site-recognisers.ts, docs/configuration.md).
   */
  recognisers: readonly SiteRecogniserConfig[];
}

export const DEFAULT_DATA_RULES: DataRulesConfig = {
  lookbackDays: {
    // NG239 and local default: B12, MMA, folate and eGFR within 12 months (RULES.md 2.2).
    totalB12: 365,
    activeB12: 365,
    methylmalonicAcid: 365,
    serumFolate: 365,
    redCellFolate: 365,
    egfr: 365,
    // Full blood count within 90 days, platelets within 30 (RULES.md 2.2).
    haemoglobin: 90,
    mcv: 90,
    platelets: 30,
    // No rule reads these yet; the same year as the other chemistry.
    homocysteine: 365,
    creatinine: 365,
    potassium: 365,
  },
  staleB12MaxDays: 1825,
  pendingTestDays: 90,
  // Laboratory guidance (Mayo, ARUP): results within 2 weeks of an injection are unreliable.
  postInjectionDays: 14,
  b12CourseWithoutEndDays: 90,
  drugChainGapDays: 180,
  pregnancyStatusDays: 300,
  localCodes: [],
  recognisers: [],
};

/** Clinical thresholds (RULES.md 4); comparisons are exactly as each comment says. */
export interface Thresholds {
  /** Total B12 ng/L: < 180 confirmed; 180–350 inclusive indeterminate; > 350 unlikely (NICE NG239). */
  b12TotalConfirmedBelow: number;
  b12TotalUnlikelyAbove: number;
  /** Active B12 pmol/L: < 25 confirmed; 25–70 inclusive indeterminate; > 70 unlikely (NICE NG239). */
  activeB12ConfirmedBelow: number;
  activeB12UnlikelyAbove: number;
  /** MMA µmol/L raised if above, when the lab gives no range or flag (local default; Mayo ≤ 0.40, BSH ≈ 0.28). */
  mmaDefaultUpper: number;
  /** Folate nmol/L low if below: serum 7 (BSH 2014, 3 µg/L), red cell 340 (WHO). */
  folateSerumLowBelow: number;
  folateRbcLowBelow: number;
  /** Hb g/L anaemia if below: male 130, female or unknown 120, pregnant 110 (WHO 2011). */
  hbAnaemiaMale: number;
  hbAnaemiaFemale: number;
  hbAnaemiaPregnant: number;
  /** Hb g/L severe if below: 80, pregnant 70; 80 itself is not severe (WHO 2011). */
  hbSevere: number;
  hbSeverePregnant: number;
  /** MCV fL macrocytosis if above (BSH 2014, NICE CKS). */
  mcvMacrocytosisAbove: number;
  /** Platelets ×10⁹/L before IM injection: card if < 50; avoid IM if < 25; critical if < 10 (local policy, seed 003). */
  plateletImWarnBelow: number;
  plateletImAvoidBelow: number;
  plateletImCriticalBelow: number;
  /** eGFR mL/min/1.73 m² renal impairment if below (local default). */
  egfrRenalBelow: number;
  /** Exposure days: metformin > 120 (4 months), PPI or H2RA > 365 (12 months) (AFP 2017). */
  metforminMinDays: number;
  acidSuppressionMinDays: number;
  /** Age risk if above 75 (AFP 2017); adult if at least 16 (NICE NG239 scope). */
  ageRiskAbove: number;
  adultMinAge: number;
  /** Folic acid at or below this many mg a day is prophylactic (local policy). */
  folicProphylacticMaxMgPerDay: number;
  /** Review due this many days after starting B12: 90, pregnant 30 (NICE NG239). */
  reviewDueDays: number;
  reviewDueDaysPregnant: number;
  /** Platelets ×10⁹/L below which severe anaemia suggests pancytopenia (RULES.md 5.10). */
  pancytopeniaPlateletsBelow: number;
}

/**
 * What a card does when its rule fires (issue 18): `active` shows it (every card's default);
 * `silent` evaluates it and records it in the feedback store as "would have shown", without
 * returning it, so a committee can run a new card unseen for a month first; `off` does not
 * evaluate it at all.
 */
export type CardMode = 'active' | 'silent' | 'off';
const CARD_MODES: readonly CardMode[] = ['active', 'silent', 'off'];

export interface ClinicalConfig extends DataRulesConfig {
  thresholds: Thresholds;
  /** Each card's mode; a code not listed is `active`. */
  cards: Readonly<Partial<Record<CardCode, CardMode>>>;
}

/** A card's mode under `config`. */
export const cardMode = (config: Pick<ClinicalConfig, 'cards'>, code: CardCode): CardMode =>
  config.cards[code] ?? 'active';

export const DEFAULT_THRESHOLDS: Thresholds = {
  b12TotalConfirmedBelow: 180,
  b12TotalUnlikelyAbove: 350,
  activeB12ConfirmedBelow: 25,
  activeB12UnlikelyAbove: 70,
  mmaDefaultUpper: 0.45,
  folateSerumLowBelow: 7,
  folateRbcLowBelow: 340,
  hbAnaemiaMale: 130,
  hbAnaemiaFemale: 120,
  hbAnaemiaPregnant: 110,
  hbSevere: 80,
  hbSeverePregnant: 70,
  mcvMacrocytosisAbove: 100,
  plateletImWarnBelow: 50,
  plateletImAvoidBelow: 25,
  plateletImCriticalBelow: 10,
  egfrRenalBelow: 60,
  metforminMinDays: 120,
  acidSuppressionMinDays: 365,
  ageRiskAbove: 75,
  adultMinAge: 16,
  folicProphylacticMaxMgPerDay: 1,
  reviewDueDays: 90,
  reviewDueDaysPregnant: 30,
  pancytopeniaPlateletsBelow: 150,
};

export const DEFAULT_CLINICAL_CONFIG: ClinicalConfig = {
  ...DEFAULT_DATA_RULES,
  thresholds: DEFAULT_THRESHOLDS,
  cards: {},
};

const positive = z.number().positive();
const days = z.number().int().min(1).max(36_500);

const analyteNames = Object.keys(ANALYTES) as [Analyte, ...Analyte[]];

/** A deployment's overrides: any subset of the settings; unknown keys are rejected as typos. */
const overridesSchema = z
  .strictObject({
    thresholds: z
      .strictObject(
        Object.fromEntries(
          Object.keys(DEFAULT_THRESHOLDS).map((key) => [key, positive.optional()]),
        ),
      )
      .optional(),
    lookbackDays: z
      .strictObject(Object.fromEntries(analyteNames.map((analyte) => [analyte, days.optional()])))
      .optional(),
    staleB12MaxDays: days.optional(),
    pendingTestDays: days.optional(),
    postInjectionDays: days.optional(),
    b12CourseWithoutEndDays: days.optional(),
    drugChainGapDays: days.optional(),
    pregnancyStatusDays: days.optional(),
    localCodes: z
      .array(
        z.strictObject({
          system: z.string().min(1),
          code: z.string().min(1),
          analyte: z.enum(analyteNames),
        }),
      )
      .optional(),
    // Every expression is compiled here, once: one that does not compile stops the start.
    recognisers: siteRecognisersSchema.optional(),
    // An unknown card code or mode stops the start, naming it.
    cards: z
      .strictObject(
        Object.fromEntries(
          (Object.keys(CARD_CATALOG) as CardCode[]).map((code) => [
            code,
            z.enum(CARD_MODES).optional(),
          ]),
        ),
      )
      .optional(),
  })
  .transform((overrides): ClinicalConfig => {
    const defined = <T extends object>(values: T | undefined): Partial<T> =>
      Object.fromEntries(
        Object.entries(values ?? {}).filter(([, value]) => value !== undefined),
      ) as Partial<T>;
    return {
      ...DEFAULT_CLINICAL_CONFIG,
      ...defined({
        ...overrides,
        thresholds: undefined,
        lookbackDays: undefined,
        cards: undefined,
      }),
      cards: defined(overrides.cards as Partial<Record<CardCode, CardMode>> | undefined),
      thresholds: {
        ...DEFAULT_THRESHOLDS,
        ...defined(overrides.thresholds as Partial<Thresholds> | undefined),
      },
      lookbackDays: {
        ...DEFAULT_DATA_RULES.lookbackDays,
        ...defined(overrides.lookbackDays as Partial<Record<Analyte, number>> | undefined),
      },
    };
  })
  .refine(
    (config) => config.thresholds.b12TotalConfirmedBelow <= config.thresholds.b12TotalUnlikelyAbove,
    {
      message: 'b12TotalConfirmedBelow must not exceed b12TotalUnlikelyAbove',
    },
  )
  .refine(
    (config) =>
      config.thresholds.activeB12ConfirmedBelow <= config.thresholds.activeB12UnlikelyAbove,
    {
      message: 'activeB12ConfirmedBelow must not exceed activeB12UnlikelyAbove',
    },
  )
  .refine(
    ({ thresholds }) =>
      thresholds.plateletImCriticalBelow <= thresholds.plateletImAvoidBelow &&
      thresholds.plateletImAvoidBelow <= thresholds.plateletImWarnBelow,
    { message: 'platelet tiers must be critical ≤ avoid ≤ warn' },
  )
  .refine(
    ({ thresholds }) =>
      thresholds.hbSevere <= thresholds.hbAnaemiaFemale &&
      thresholds.hbSeverePregnant <= thresholds.hbAnaemiaPregnant,
    {
      message: 'severe anaemia thresholds must not exceed the anaemia thresholds',
    },
  );

export class ClinicalConfigError extends Error {
  override name = 'ClinicalConfigError';
}

/** The rule book's defaults with a deployment's overrides (the parsed `CDS_CLINICAL_CONFIG` file). */
export function clinicalConfigFrom(overrides: unknown): ClinicalConfig {
  const parsed = overridesSchema.safeParse(overrides);
  if (!parsed.success) throw new ClinicalConfigError(z.prettifyError(parsed.error));
  return parsed.data;
}
