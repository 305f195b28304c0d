import { isoDay } from '../../src/fhir/dates.js';
import type { LabResult } from '../../src/fhir/observations.js';
import { ANALYTES } from './terminology.js';
import type { Analyte } from './terminology.js';

/**
 * How values appear on cards (RULES.md 5.0 "Evidence line"): named as clinicians name them, with
 * units and dates, and the laboratory's own value shown beside a converted one:
 * "total B12 132 pmol/L (= 178.9 ng/L), 2026-11-14".
 */

/** Up to one decimal, or two below 1 (MMA 0.62), without trailing zeros. */
export function formatNumber(value: number): string {
  return String(Number(value.toFixed(Math.abs(value) < 1 ? 2 : 1)));
}

/**
 * A value as the laboratory reported it, with at most 4 significant digits (RULES.md 10.5.4):
 * 6.131041727801779 → "6.131", 0.142 → "0.142". Display only: rules compare at full precision.
 */
export function reportedNumber(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** Canonical (UCUM) units as clinicians write them (RULES.md 10.9.1). */
const DISPLAY_UNITS: Readonly<Record<string, string>> = {
  '10*9/L': '×10⁹/L',
  'umol/L': 'µmol/L',
  'mL/min/{1.73_m2}': 'mL/min/1.73 m²',
};

/** A canonical unit as clinicians write it: "µmol/L", "×10⁹/L". */
export const displayUnit = (unit: string): string => DISPLAY_UNITS[unit] ?? unit;

/** The canonical value with its comparator: "178.9 ng/L", "<50 ng/L", "8 ×10⁹/L". */
export function valueText(result: LabResult): string {
  return `${result.comparator ?? ''}${formatNumber(result.value)} ${displayUnit(result.unit)}`;
}

/** "total B12 132 pmol/L (= 178.9 ng/L), 2026-11-14": the converted value only when it differs. */
export function resultText(result: LabResult<Analyte>): string {
  // The laboratory's own value in its own unit (0.142 ng/mL stays 0.142), at most 4 significant
  // digits (6.131041727801779 g/dL is 6.131 g/dL).
  const reported = `${result.comparator ?? ''}${reportedNumber(result.reported.value)} ${result.reported.unit}`;
  const converted = result.value === result.reported.value ? '' : ` (= ${valueText(result)})`;
  return `${ANALYTES[result.analyte].label} ${reported}${converted}, ${isoDay(result.day)}`;
}

/** The label and canonical value: "total B12 178.9 ng/L". */
export function namedValue(result: LabResult<Analyte>): string {
  return `${ANALYTES[result.analyte].label} ${valueText(result)}`;
}

/** The first line of every card's detail: the values used, with dates, then any other evidence. */
export function evidenceLine(
  items: readonly (LabResult<Analyte> | string | undefined | false)[],
): string {
  const parts = items.flatMap((item) =>
    item === undefined || item === false
      ? []
      : [typeof item === 'string' ? item : resultText(item)],
  );
  return `Evidence: ${parts.length > 0 ? parts.join('; ') : 'no relevant results recorded'}.`;
}

/** "for 150 days" / "for 2 years": how long a medicine has been taken. */
export function durationText(days: number): string {
  if (days < 60) return `${days} days`;
  if (days < 730) return `${Math.round(days / 30.4)} months`;
  return `${formatNumber(days / 365.25)} years`;
}
