import { lookup } from './coding.js';

/**
 * Unit normalisation by table (RULES.md 3): each analyte accepts listed UCUM codes (and common
 * lab spellings) with a factor to its canonical unit. A unit that is not listed makes the value
 * unusable: it is never guessed.
 */

export interface UnitTable {
  /** The canonical unit values are converted to. */
  unit: string;
  /** Normalised unit → factor to the canonical unit. */
  units: Readonly<Record<string, number>>;
  /** Plausible converted values (inclusive). */
  plausible: readonly [number, number];
}

/** Unit spellings seen, normalised: labs send the same few again and again. Bounded. */
const normalisedUnits = new Map<string, string>();

/**
 * Unit strings are compared trimmed, case-insensitively, with "µ"/"μ" read as "u", "^" read as
 * "*" and a leading "x" dropped (RULES.md 3): `x10^9/L` and `10*9/L` are the same unit.
 */
export function normaliseUnit(unit: string): string {
  let normalised = normalisedUnits.get(unit);
  if (normalised === undefined) {
    normalised = unit
      .trim()
      .toLowerCase()
      .replace(/[µμ]/g, 'u')
      .replace(/\^/g, '*')
      .replace(/^x\s*/, '');
    if (normalisedUnits.size >= 1000) normalisedUnits.clear();
    normalisedUnits.set(unit, normalised);
  }
  return normalised;
}

export type Conversion =
  { ok: true; value: number; factor: number } | { ok: false; reason: string };

/** Converts to the canonical unit at full precision (never rounded before comparing). */
export function toCanonical(value: number, unit: string, table: UnitTable): Conversion {
  const factor = lookup(table.units, normaliseUnit(unit));
  if (factor === undefined) return { ok: false, reason: `unit '${unit}' not recognised` };
  const converted = value * factor;
  const [low, high] = table.plausible;
  if (!(converted >= low && converted <= high)) {
    return { ok: false, reason: `value ${value} ${unit} is outside the plausible range` };
  }
  return { ok: true, value: converted, factor };
}

/** Converts a reference limit; plausibility does not apply to limits. */
export function limitToCanonical(
  value: number,
  unit: string,
  table: UnitTable,
): number | undefined {
  const factor = lookup(table.units, normaliseUnit(unit));
  return factor === undefined ? undefined : value * factor;
}
