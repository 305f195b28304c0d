import {
  ANALYTES,
  displayUnit,
  hbLimits,
  reportedText,
  valueText,
} from '../cds-services/b12/index.js';
import type {
  Analyte,
  ClinicalConfig,
  MedicationClass,
  PatientFacts,
} from '../cds-services/b12/index.js';
import { mapDefined } from '../src/fhir/coding.js';
import { isoDay } from '../src/fhir/dates.js';
import type { ChartData, ChartSeries, ExposureBar, ThresholdBand } from './chart-types.js';

/**
 * What the demo page's chart draws, from the same facts the rules read: every usable result of
 * the six analytes in canonical units, the rule book's thresholds as bands (from the running
 * clinical configuration, so an override shows), and the medicines that matter as bars.
 */

const CHARTED = [
  'totalB12',
  'activeB12',
  'methylmalonicAcid',
  'haemoglobin',
  'mcv',
  'platelets',
] as const satisfies readonly Analyte[];

/** Short names that fit the chart's margin. */
const CHART_LABELS: Partial<Record<Analyte, string>> = { methylmalonicAcid: 'MMA' };

/** Bands for one analyte, lowest first, per RULES.md 4 (thresholds from the configuration). */
function bandsOf(
  analyte: (typeof CHARTED)[number],
  facts: PatientFacts,
  config: ClinicalConfig,
): ThresholdBand[] {
  const t = config.thresholds;
  const { anaemiaBelow, severeBelow } = hbLimits(facts.patient, t);
  const bands: Record<(typeof CHARTED)[number], ThresholdBand[]> = {
    totalB12: [
      { below: t.b12TotalConfirmedBelow, label: 'deficiency confirmed', tone: 'alert' },
      {
        from: t.b12TotalConfirmedBelow,
        below: t.b12TotalUnlikelyAbove,
        label: 'indeterminate',
        tone: 'caution',
      },
    ],
    activeB12: [
      { below: t.activeB12ConfirmedBelow, label: 'deficiency confirmed', tone: 'alert' },
      {
        from: t.activeB12ConfirmedBelow,
        below: t.activeB12UnlikelyAbove,
        label: 'indeterminate',
        tone: 'caution',
      },
    ],
    methylmalonicAcid: [{ from: t.mmaDefaultUpper, label: 'raised', tone: 'caution' }],
    haemoglobin: [
      { below: severeBelow, label: 'severe anaemia', tone: 'alert' },
      { from: severeBelow, below: anaemiaBelow, label: 'anaemia', tone: 'caution' },
    ],
    mcv: [{ from: t.mcvMacrocytosisAbove, label: 'macrocytosis', tone: 'caution' }],
    platelets: [
      { below: t.plateletImAvoidBelow, label: 'avoid IM injection', tone: 'alert' },
      {
        from: t.plateletImAvoidBelow,
        below: t.plateletImWarnBelow,
        label: 'IM injection: caution',
        tone: 'caution',
      },
    ],
  };
  return bands[analyte];
}

function seriesOf(
  analyte: (typeof CHARTED)[number],
  facts: PatientFacts,
  config: ClinicalConfig,
): ChartSeries {
  const definition = ANALYTES[analyte];
  return {
    analyte,
    label: CHART_LABELS[analyte] ?? definition.label,
    unit: displayUnit(definition.unit),
    bands: bandsOf(analyte, facts, config),
    points: [...facts.results[analyte]]
      .sort((a, b) => a.day - b.day)
      .map((result) => ({
        date: isoDay(result.day),
        value: result.value,
        shown: valueText(result),
        reported: reportedText(result),
        // A B12 marker taken on or soon after treatment sets no band (RULES.md 2.2).
        diagnostic: !('diagnostic' in result) || result.diagnostic,
      })),
  };
}

const EXPOSURE_CLASSES: readonly { cls: MedicationClass; label: string }[] = [
  { cls: 'metformin', label: 'Metformin' },
  { cls: 'ppi', label: 'Proton-pump inhibitor' },
  { cls: 'h2ra', label: 'H2 receptor antagonist' },
  { cls: 'folicAcid', label: 'Folic acid' },
  { cls: 'b12', label: 'B12 therapy' },
];

/** One bar per medication request of the charted classes, current ones open to today. */
function exposureBars(facts: PatientFacts): ExposureBar[] {
  return EXPOSURE_CLASSES.flatMap(({ cls, label }) =>
    mapDefined(
      facts.medications.filter((fact) => fact.classes.includes(cls) && fact.status !== 'draft'),
      ({ name, status, startDay, endDay }) =>
        startDay === undefined
          ? undefined
          : {
              lane: label,
              name,
              start: isoDay(startDay),
              ...(status !== 'current' && endDay !== undefined ? { end: isoDay(endDay) } : {}),
              current: status === 'current',
            },
    ),
  );
}

export function chartData(facts: PatientFacts, config: ClinicalConfig): ChartData {
  return {
    today: isoDay(facts.today),
    series: CHARTED.map((analyte) => seriesOf(analyte, facts, config)),
    exposures: exposureBars(facts),
    notes: facts.notes.map((note) => note.text),
  };
}
