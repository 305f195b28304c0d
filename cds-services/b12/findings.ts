import type { LabResult } from '../../src/fhir/observations.js';
import type { ClinicalConfig, Thresholds } from './clinical-config.js';
import type { ConditionEvidence } from './condition-facts.js';
import type { MarkerResult } from './lab-facts.js';
import type { PatientFacts } from './patient-facts.js';
import type { Analyte, ConditionGroup, MedicationClass } from './terminology.js';

/**
 * The derived facts every trigger reads (RULES.md 2.5), computed once per request from
 * {@link PatientFacts} and the thresholds (RULES.md 4).
 */

export type B12Band = 'confirmed' | 'indeterminate' | 'unlikely' | 'missing';

export interface RiskFactor {
  /** The rule book's exact wording (RULES.md 5.0 "Risk-factor wording"). */
  wording: string;
  /** The wording without the patient's medicine names, the same for every patient it applies to. */
  fact: string;
  /** What it is read from: a medicine class, a condition group, or the age. */
  from: { medication: MedicationClass } | { condition: ConditionGroup } | 'age';
  /** The medicine and its exposure in days, for drug risk factors. */
  drug?: { name: string; days: number };
}

/** Derived findings only: rules get the facts and the configuration from their rule context. */
export interface Findings {
  /** Age ≥ 16, or unknown. */
  adult: boolean;
  age: number | undefined;
  pregnant: boolean;
  haemoglobin: LabResult<Analyte> | undefined;
  mcv: LabResult<Analyte> | undefined;
  platelets: LabResult<Analyte> | undefined;
  anaemia: boolean;
  severeAnaemia: boolean;
  macrocytosis: boolean;
  /** Recorded neurological findings (NEURO set). */
  neuro: ConditionEvidence[];
  /** Symptoms in the order a summary names them: neurological, other recorded, anaemia, macrocytosis. */
  symptoms: string[];
  majorRisks: RiskFactor[];
  /** NG239's further risks (OTHER-RISK conditions, colchicine and similar drugs). */
  otherRisks: string[];
  /** The latest diagnostic B12 (total or active) in the lookback, and its band. */
  b12: MarkerResult | undefined;
  b12Band: B12Band;
  mma: MarkerResult | undefined;
  mmaRaised: boolean;
  /** A diagnostic MMA dated on or after the latest B12 result. */
  mmaSince: boolean;
  egfr: LabResult<Analyte> | undefined;
  renalImpaired: boolean;
  deficient: boolean;
  functionalNeuro: boolean;
  /** The untreated low B12 older than the lookback, when there is no recent one. */
  staleLow: MarkerResult | undefined;
  tested12m: boolean;
  onB12: boolean;
  codedDeficiency: boolean;
  folate: LabResult<Analyte> | undefined;
  folateLow: boolean;
}

/**
 * Whether a (possibly censored) result is below a limit (RULES.md 2.2 comparators): `<X` lies
 * wholly below when X ≤ limit, `<=X` when X < limit; otherwise the band of X decides.
 */
export function below(result: Pick<LabResult, 'value' | 'comparator'>, limit: number): boolean {
  if (result.comparator === '<') return result.value <= limit;
  return result.value < limit;
}

/** Whether a (possibly censored) result is above a limit: `>X` wholly above when X ≥ limit. */
export function above(result: Pick<LabResult, 'value' | 'comparator'>, limit: number): boolean {
  if (result.comparator === '>') return result.value >= limit;
  return result.value > limit;
}

/** The limits of a B12 result's bands (RULES.md 2.5): confirmed below `low`, unlikely above `high`. */
export function b12Limits(analyte: string, thresholds: Thresholds): { low: number; high: number } {
  return analyte === 'activeB12'
    ? { low: thresholds.activeB12ConfirmedBelow, high: thresholds.activeB12UnlikelyAbove }
    : { low: thresholds.b12TotalConfirmedBelow, high: thresholds.b12TotalUnlikelyAbove };
}

export function b12Band(result: MarkerResult | undefined, config: ClinicalConfig): B12Band {
  if (!result) return 'missing';
  const { low, high } = b12Limits(result.analyte, config.thresholds);
  if (below(result, low)) return 'confirmed';
  if (above(result, high)) return 'unlikely';
  return 'indeterminate';
}

const RAISED_FLAGS = new Set(['H', 'HH', 'HU']);

/** Raised MMA (RULES.md 2.5): the lab's upper limit or flag when given, else the default upper limit. */
export function isMmaRaised(mma: MarkerResult | undefined, config: ClinicalConfig): boolean {
  if (!mma) return false;
  const flagged = mma.interpretation.some((code) => RAISED_FLAGS.has(code));
  if (mma.referenceHigh !== undefined || mma.interpretation.length > 0) {
    return flagged || (mma.referenceHigh !== undefined && above(mma, mma.referenceHigh));
  }
  return above(mma, config.thresholds.mmaDefaultUpper);
}

const GROUP_WORDING: readonly [ConditionGroup, string][] = [
  ['gastrectomy', 'gastrectomy'],
  ['bariatricSurgery', 'bariatric surgery'],
  ['ilealResection', 'ileal resection'],
  ['ilealCrohns', "ileal Crohn's disease"],
  ['coeliac', 'coeliac disease'],
  ['atrophicGastritis', 'atrophic gastritis'],
  ['perniciousAnaemia', 'pernicious anaemia/autoimmune gastritis'],
  ['veganDiet', 'vegan diet'],
];

/** "4 months" for 120 days, "12 months" for 365: the wording follows the configured threshold. */
const asMonths = (days: number): string => `${Math.round(days / 30.4)} months`;

function majorRisks(
  facts: PatientFacts,
  age: number | undefined,
  config: ClinicalConfig,
): RiskFactor[] {
  const thresholds = config.thresholds;
  const risks: RiskFactor[] = [];
  /** "proton pump inhibitor (omeprazole) for over 12 months"; metformin is its own name. */
  const drugRisk = (
    medication: 'metformin' | 'ppi' | 'h2ra',
    label: string,
    minDays: number,
  ): void => {
    const exposure = facts.exposure[medication];
    if (exposure?.days !== undefined && exposure.days > minDays) {
      const name = exposure.drugs.join(', ');
      const fact = `${label} for over ${asMonths(minDays)}`;
      risks.push({
        wording:
          medication === 'metformin' ? fact : `${label} (${name}) for over ${asMonths(minDays)}`,
        fact,
        from: { medication },
        drug: { name, days: exposure.days },
      });
    }
  };
  drugRisk('metformin', 'metformin', thresholds.metforminMinDays);
  drugRisk('ppi', 'proton pump inhibitor', thresholds.acidSuppressionMinDays);
  drugRisk('h2ra', 'H2 receptor antagonist', thresholds.acidSuppressionMinDays);
  if (age !== undefined && age > thresholds.ageRiskAbove) {
    const wording = `age over ${thresholds.ageRiskAbove}`;
    risks.push({ wording, fact: wording, from: 'age' });
  }
  for (const [group, wording] of GROUP_WORDING) {
    if (facts.conditions[group]) risks.push({ wording, fact: wording, from: { condition: group } });
  }
  return risks;
}

/** The Hb limits (g/L) that apply to this patient: by sex, and lower in pregnancy (RULES.md 4). */
export function hbLimits(
  patient: Pick<PatientFacts['patient'], 'sex' | 'pregnant'>,
  thresholds: Thresholds,
): { anaemiaBelow: number; severeBelow: number } {
  return {
    anaemiaBelow: patient.pregnant
      ? thresholds.hbAnaemiaPregnant
      : patient.sex === 'male'
        ? thresholds.hbAnaemiaMale
        : thresholds.hbAnaemiaFemale,
    severeBelow: patient.pregnant ? thresholds.hbSeverePregnant : thresholds.hbSevere,
  };
}

/** Derives the facts of RULES.md 2.5. */
export function findingsOf(facts: PatientFacts, config: ClinicalConfig): Findings {
  const thresholds = config.thresholds;
  const age = facts.patient.ageYears;
  const pregnant = facts.patient.pregnant;
  const { haemoglobin, mcv, platelets, egfr, serumFolate, redCellFolate } = facts.latest;
  const hb = hbLimits(facts.patient, thresholds);
  const anaemia = haemoglobin !== undefined && below(haemoglobin, hb.anaemiaBelow);
  const severeAnaemia = haemoglobin !== undefined && below(haemoglobin, hb.severeBelow);
  const macrocytosis = mcv !== undefined && above(mcv, thresholds.mcvMacrocytosisAbove);
  const neuro = facts.conditions.neuro ?? [];
  const symptoms = [
    ...neuro.map((evidence) => evidence.name),
    ...(facts.conditions.symptom ?? []).map((evidence) => evidence.name),
    ...(anaemia ? ['anaemia'] : []),
    ...(macrocytosis ? ['macrocytosis'] : []),
  ];

  const b12 = facts.b12.latest;
  const band = b12Band(b12, config);
  const mma = facts.latest.methylmalonicAcid;
  const mmaRaised = isMmaRaised(mma, config);
  const renalImpaired =
    egfr !== undefined
      ? below(egfr, thresholds.egfrRenalBelow)
      : facts.conditions.ckd345 !== undefined;
  const mmaSince =
    b12 !== undefined &&
    facts.results.methylmalonicAcid.some((result) => result.diagnostic && result.day >= b12.day);
  const unaddressed = (result: MarkerResult | undefined): boolean =>
    result !== undefined && !result.addressed;
  const deficient =
    (band === 'confirmed' && unaddressed(b12)) ||
    (band === 'indeterminate' &&
      mmaRaised &&
      !renalImpaired &&
      unaddressed(b12) &&
      unaddressed(mma));
  const functionalNeuro = mmaRaised && !renalImpaired && unaddressed(mma);
  const stale = facts.b12.stale;
  const staleLow =
    stale && b12Band(stale, config) === 'confirmed' && !stale.addressed ? stale : undefined;

  const folate = serumFolate ?? redCellFolate;
  const folateLow =
    (serumFolate !== undefined && below(serumFolate, thresholds.folateSerumLowBelow)) ||
    (redCellFolate !== undefined && below(redCellFolate, thresholds.folateRbcLowBelow));

  return {
    adult: age === undefined || age >= thresholds.adultMinAge,
    age,
    pregnant,
    haemoglobin,
    mcv,
    platelets,
    anaemia,
    severeAnaemia,
    macrocytosis,
    neuro,
    symptoms,
    majorRisks: majorRisks(facts, age, config),
    otherRisks: [
      ...(facts.conditions.otherRisk ?? []).map((evidence) => evidence.name),
      ...facts.otherRiskDrugs,
    ],
    b12,
    b12Band: band,
    mma,
    mmaRaised,
    mmaSince,
    egfr,
    renalImpaired,
    deficient,
    functionalNeuro,
    staleLow,
    tested12m: b12 !== undefined || facts.b12.pendingTest,
    onB12: facts.b12Therapy.current,
    codedDeficiency: facts.conditions.codedB12Deficiency !== undefined,
    folate,
    folateLow,
  };
}
