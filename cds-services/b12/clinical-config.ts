import type { Analyte } from './terminology.js';

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
};
