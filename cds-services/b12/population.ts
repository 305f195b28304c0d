import type { Code } from '../../src/fhir/coding.js';
import { CARD_CATALOG, isCardCode } from './catalog.js';
import type { DataUse } from './catalog.js';
import type { ClinicalConfig } from './clinical-config.js';
import { displayUnit } from './evidence.js';
import { b12Limits, below, findingsOf, hbLimits } from './findings.js';
import { period } from './guidance.js';
import type { Findings, RiskFactor } from './findings.js';
import type { PatientFacts } from './patient-facts.js';
import { ANALYTES } from './terminology.js';
import type { Analyte, ConditionGroup, MedicationClass } from './terminology.js';

/**
 * What `b12-cds forecast` counts for each patient of a population, from the facts the handler
 * read: the facts that made each card fire, in a clinician's few words, and the records
 * recognised by their name only. The words are the same for every patient they apply to (no
 * values, no medicine names), so that they can be counted.
 */

/** A fact is about data of one kind: the card's catalog entry says whether the card reads it. */
type Source =
  | { analyte: Analyte }
  | { medication: MedicationClass }
  | { condition: ConditionGroup }
  /** The major risk factors that are neither drugs nor conditions (the age). */
  | 'risk'
  /** What every card is about (an adult's or a child's record). */
  | 'patient';

interface Fact {
  words: string;
  from: Source;
}

const fromRisk = (risk: RiskFactor): Fact => ({
  words: risk.fact,
  from: risk.from === 'age' ? 'risk' : risk.from,
});

/** An analyte's unit as cards write it. */
const unitOf = (analyte: Analyte): string => displayUnit(ANALYTES[analyte].unit);

/** The B12 result's band (RULES.md 2.5) with its limits, or its absence. */
function b12Facts(f: Findings, config: ClinicalConfig): Fact[] {
  const analyte = f.b12?.analyte === 'activeB12' ? 'activeB12' : 'totalB12';
  const from: Source = { analyte };
  const name = analyte === 'activeB12' ? 'active B12' : 'B12';
  const unit = unitOf(analyte);
  const { low, high } = b12Limits(analyte, config.thresholds);
  // The windows as configured (RULES.md 2.2): "12 months" by default.
  const lookback = period(config.lookbackDays.totalB12);
  switch (f.b12Band) {
    case 'confirmed':
      return [{ words: `${name} below ${low} ${unit}`, from }];
    case 'indeterminate':
      return [{ words: `${name} ${low}–${high} ${unit} (indeterminate)`, from }];
    case 'unlikely':
      return [];
    case 'missing':
      return [
        ...(f.tested12m ? [] : [{ words: `no B12 result in ${lookback}`, from }]),
        ...(f.staleLow ? [{ words: `low B12 over ${lookback} old, never treated`, from }] : []),
      ];
  }
}

/** Every fact of the patient's record a card may have fired on. */
function factsOfRecord(facts: PatientFacts, config: ClinicalConfig): Fact[] {
  const f = findingsOf(facts, config);
  const t = config.thresholds;
  const hb = hbLimits(facts.patient, t);
  const has = (group: ConditionGroup): boolean => (facts.conditions[group] ?? []).length > 0;
  const list: (Fact | false)[] = [
    !f.adult && { words: `under ${t.adultMinAge}`, from: 'patient' },
    ...f.majorRisks.map(fromRisk),
    has('otherRisk') && {
      words: 'an associated autoimmune condition',
      from: { condition: 'otherRisk' },
    },
    ...facts.otherRiskDrugs.map((drug): Fact => ({
      words: drug,
      from: { condition: 'otherRisk' },
    })),
    f.neuro.length > 0 && { words: 'a neurological feature', from: { condition: 'neuro' } },
    has('symptom') && { words: 'a recorded symptom', from: { condition: 'symptom' } },
    f.severeAnaemia
      ? {
          words: `Hb below ${hb.severeBelow} ${unitOf('haemoglobin')}`,
          from: { analyte: 'haemoglobin' },
        }
      : f.anaemia && {
          words: `Hb below ${hb.anaemiaBelow} ${unitOf('haemoglobin')}`,
          from: { analyte: 'haemoglobin' },
        },
    f.macrocytosis && {
      words: `MCV above ${t.mcvMacrocytosisAbove} ${unitOf('mcv')}`,
      from: { analyte: 'mcv' },
    },
    f.platelets !== undefined &&
      below(f.platelets, t.plateletImWarnBelow) && {
        words: `platelets below ${t.plateletImWarnBelow} ${unitOf('platelets')}`,
        from: { analyte: 'platelets' },
      },
    has('pancytopenia') && { words: 'pancytopenia', from: { condition: 'pancytopenia' } },
    ...b12Facts(f, config),
    facts.unusable.some((result) => result.analyte === 'totalB12' || result.analyte === 'activeB12')
      ? { words: 'a B12 result that could not be read', from: { analyte: 'totalB12' } }
      : false,
    f.mmaRaised && { words: 'raised MMA', from: { analyte: 'methylmalonicAcid' } },
    f.b12Band === 'indeterminate' &&
      !f.mmaSince && { words: 'no MMA since the B12', from: { analyte: 'methylmalonicAcid' } },
    f.renalImpaired &&
      (f.egfr
        ? { words: `eGFR below ${t.egfrRenalBelow}`, from: { analyte: 'egfr' } }
        : { words: 'CKD stage 3–5 recorded', from: { condition: 'ckd345' } }),
    f.folateLow && { words: 'low folate', from: { analyte: 'serumFolate' } },
    f.pregnant && { words: 'pregnant', from: { condition: 'pregnancy' } },
    f.codedDeficiency && {
      words: 'B12 deficiency recorded',
      from: { condition: 'codedB12Deficiency' },
    },
    f.onB12 && { words: 'on B12 treatment', from: { medication: 'b12' } },
    facts.exposure.folicAcid !== undefined && {
      words: 'on folic acid',
      from: { medication: 'folicAcid' },
    },
  ];
  return list.filter((fact): fact is Fact => fact !== false);
}

/** Whether a card reads the data a fact comes from (its catalog entry's `uses`). */
function reads(uses: DataUse, from: Source): boolean {
  if (from === 'patient') return true;
  // The age is a major risk factor: it goes with the cards that read the risk drugs.
  if (from === 'risk') return uses.medications.includes('metformin');
  if ('analyte' in from) {
    const analytes: readonly Analyte[] = uses.analytes;
    // Folate and B12 are read in either form.
    return (
      analytes.includes(from.analyte) ||
      (from.analyte === 'serumFolate' && analytes.includes('redCellFolate')) ||
      (from.analyte === 'totalB12' && analytes.includes('activeB12'))
    );
  }
  if ('medication' in from) return uses.medications.includes(from.medication);
  return uses.conditions.includes(from.condition);
}

/**
 * The facts of the patient's record that the card with this code reads and that hold: what it
 * fired on ("age over 75", "metformin for over 4 months", "Hb below 80 g/L"). Findings are
 * derived once; the function answers for any card code (none for a code the catalog lacks).
 */
export function triggeringFacts(
  facts: PatientFacts,
  config: ClinicalConfig,
): (code: string) => string[] {
  const record = factsOfRecord(facts, config);
  return (code) => {
    if (!isCardCode(code)) return [];
    const { uses } = CARD_CATALOG[code] as { uses: DataUse };
    return [...new Set(record.filter((fact) => reads(uses, fact.from)).map((f) => f.words))];
  };
}

const codeText = (code: Code | undefined): string =>
  code === undefined ? 'no code' : `${code.system}|${code.code}`;

/**
 * The codes of the medicines and conditions recognised by their name only (RULES.md 10.5.3, the
 * `recognised-by-text` data notes): the code the service does not list, or "no code". Once each.
 */
export function recognisedByName(facts: PatientFacts): string[] {
  const codes = [
    ...facts.medications.filter((fact) => fact.recognisedBy === 'text').map((f) => f.unlistedCode),
    ...Object.values(facts.conditions).flatMap((evidence) =>
      evidence.filter((item) => item.recognisedBy === 'text').map((item) => item.unlistedCode),
    ),
  ];
  return [...new Set(codes.map(codeText))];
}
