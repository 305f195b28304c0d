import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import type { UcumConversion, UcumLhcUtilsInstance } from '@lhncbc/ucum-lhc';
import { rememberedByText } from './remembered.js';

/**
 * Unit normalisation (RULES.md 3, 10.3). A unit is read in two steps:
 *
 * 1. **Laboratory spellings** that are not UCUM (`K/uL`, `thou/mm3`, `mL/min/1.73 m²`, `G/DL`)
 *    are a synonym table, compared case-insensitively after {@link cleanUnitSpelling}. The table
 *    comes first, so the library never reads `K/uL` as kelvin per microlitre, `G/L` as gauss per
 *    litre or `mL/min/1.73` as 73 mL/min.
 * 2. **Anything else** must be a valid UCUM expression (case-sensitive, as UCUM is) that
 *    `@lhncbc/ucum-lhc` converts to the analyte's canonical unit: `10*3/uL` = `10*9/L`,
 *    `ug/L` = `ng/mL`. Mass ↔ moles only with the analyte's molecular weight.
 *
 * What neither step reads is unusable with its reason: a unit is never guessed. The library is
 * asked once per (analyte, unit as reported); after that a conversion is a Map lookup.
 */

export interface UnitTable {
  /** The canonical UCUM unit values are converted to (`ng/L`, `10*9/L`, `mL/min/{1.73_m2}`). */
  unit: string;
  /**
   * g/mol. Mass ↔ molar conversion only with it (RULES.md 3, 10.3.1); without it, a mass unit
   * for a molar analyte (or the reverse) is unusable.
   */
  molecularWeight?: number;
  /** The ion's charge, for milliequivalents (potassium: 1). */
  charge?: number;
  /** Plausible converted values (inclusive). */
  plausible: readonly [number, number];
}

/** How a unit as reported reads for one analyte. */
export type UnitResolution =
  | {
      ok: true;
      /** Multiplies a value in the reported unit into the canonical unit. */
      factor: number;
      /** The UCUM code the unit was read as. */
      ucum: string;
    }
  | { ok: false; reason: string };

export type Conversion =
  { ok: true; value: number; factor: number } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Spellings
// ---------------------------------------------------------------------------------------------

const SUPERSCRIPT_DIGITS: Readonly<Record<string, string>> = {
  '⁰': '0',
  '¹': '1',
  '²': '2',
  '³': '3',
  '⁴': '4',
  '⁵': '5',
  '⁶': '6',
  '⁷': '7',
  '⁸': '8',
  '⁹': '9',
  '⁻': '-',
};

/**
 * A unit as laboratories write it, made comparable (RULES.md 3, 10.3.2): spaces removed; `µ`/`μ`
 * and a leading `mc` of a unit read as `u` (`mcL` = `uL`, `mcg` = `ug`); a power of ten written
 * `10^3`, `10E3`, `10e3` or `10³` read as `10*3`; other exponents written `m^2` or `m²` as `m2`; a
 * leading `x` (or `×`) dropped. Case is kept: UCUM is case-sensitive; the synonym table is not.
 */
export function cleanUnitSpelling(unit: string): string {
  return unit
    .replace(/\s+/g, '')
    .replace(/[µμ]/g, 'u')
    .replace(/^[xX×]/, '')
    .replace(/(?<![\d.*])10(?=[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹])/g, '10*')
    .replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]/g, (digit) => SUPERSCRIPT_DIGITS[digit] ?? digit)
    .replace(/(?<![\d.*])10(?:\^|[eE])(?=[-+]?\d)/g, '10*')
    .replace(/\^(?=[-+]?\d)/g, '')
    .replace(/(^|[/.(])mc(?=[a-z])/gi, '$1u');
}

/**
 * Laboratory spellings → UCUM (RULES.md 10.3.2, and every unit of RULES.md 3 in any case). A
 * spelling is matched after {@link cleanUnitSpelling}, case-insensitively. One spelling may have
 * several readings (`G/L`: giga-cells or grams per litre); the analyte's canonical unit picks the
 * one that converts, and a unit that more than one would convert is never guessed.
 */
export const LAB_UNIT_SYNONYMS: readonly { ucum: string; spellings: readonly string[] }[] = [
  // Platelets (×10⁹/L): thousands per microlitre, giga per litre, cells per microlitre.
  { ucum: '10*9/L', spellings: ['10*9/L', 'x10^9/L', '10^9/L', '10E9/L', 'G/L'] },
  {
    ucum: '10*3/uL',
    spellings: ['10*3/uL', 'K/uL', 'K/mcL', 'thou/uL', 'x10E3/uL', '10E3/uL', '10^3/uL'],
  },
  { ucum: '10*3/mm3', spellings: ['10*3/mm3', 'thou/mm3'] },
  { ucum: '/nL', spellings: ['/nL'] },
  { ucum: '/uL', spellings: ['/uL', 'cells/uL'] },
  { ucum: '/mm3', spellings: ['/mm3', '/cumm', 'per mm3'] },
  // eGFR (mL/min/1.73 m²): `mL/min/1.73` is LabCorp's; UCUM would read it as 73 mL/min.
  {
    ucum: 'mL/min/{1.73_m2}',
    spellings: [
      'mL/min/{1.73_m2}',
      'mL/min/1.73 m^2',
      'mL/min/1.73m^2',
      'mL/min/1.73 m2',
      'mL/min/1.73m2',
      'mL/min/1.73m²',
      'mL/min/1.73 sq m',
      'mL/min/1.73',
    ],
  },
  { ucum: 'mL/min', spellings: ['mL/min'] },
  // Haemoglobin (g/L; `G/DL` would be gauss per decilitre).
  { ucum: 'g/L', spellings: ['g/L'] },
  { ucum: 'g/dL', spellings: ['g/dL', 'g/dl', 'gm/dL', 'G/DL'] },
  // MCV (fL).
  { ucum: 'fL', spellings: ['fL', 'fl'] },
  { ucum: 'um3', spellings: ['um3', 'µm3', 'cubic microns', 'cubic micron'] },
  // B12, folate, MMA, Hb in moles, potassium, creatinine.
  { ucum: 'ng/L', spellings: ['ng/L', 'ng/l'] },
  { ucum: 'pg/mL', spellings: ['pg/mL', 'pg/ml'] },
  { ucum: 'ng/mL', spellings: ['ng/mL', 'ng/ml'] },
  { ucum: 'ug/L', spellings: ['ug/L', 'ug/l', 'mcg/L'] },
  { ucum: 'pmol/L', spellings: ['pmol/L', 'pmol/l'] },
  { ucum: 'nmol/L', spellings: ['nmol/L', 'nmol/l'] },
  { ucum: 'nmol/mL', spellings: ['nmol/mL', 'nmol/ml'] },
  { ucum: 'umol/L', spellings: ['umol/L', 'umol/l', 'µmol/L'] },
  { ucum: 'mmol/L', spellings: ['mmol/L', 'mmol/l'] },
  { ucum: 'meq/L', spellings: ['meq/L', 'mEq/L'] },
  { ucum: 'mg/dL', spellings: ['mg/dL', 'mg/dl'] },
];

const synonymKey = (unit: string): string => cleanUnitSpelling(unit).toLowerCase();

/** Cleaned, lower-cased spelling → its UCUM readings. Built once. */
const SYNONYMS: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const { ucum: code, spellings } of LAB_UNIT_SYNONYMS) {
    for (const spelling of spellings) {
      const key = synonymKey(spelling);
      const readings = map.get(key) ?? [];
      if (!readings.includes(code)) readings.push(code);
      map.set(key, readings);
    }
  }
  return map;
})();

// ---------------------------------------------------------------------------------------------
// UCUM
// ---------------------------------------------------------------------------------------------

// The named export: a default import of this CommonJS module differs between loaders.
let library: UcumLhcUtilsInstance | undefined;
const ucumLibrary = (): UcumLhcUtilsInstance => (library ??= UcumLhcUtils.getInstance());

/** Longer unit strings are not units: never parsed, never cached by their full text. */
const MAX_UNIT_LENGTH = 64;

/**
 * Library factors carry floating-point noise (`10*3/uL` → `10*9/L` is 0.9999999999999999): 12
 * significant digits removes it, so 50 K/uL is exactly 50 ×10⁹/L, and is far beyond any
 * laboratory's precision. Values themselves are never rounded (RULES.md 3).
 */
const cleanFactor = (factor: number): number => Number(factor.toPrecision(12));

/** A valid UCUM expression exactly as written (no substitution the library assumed). */
function isValidUcum(code: string): boolean {
  const utils = ucumLibrary();
  try {
    const validation = utils.validateUnitString(code);
    return validation.status === 'valid' && validation.ucumCode === code;
  } catch {
    return false;
  }
}

function convert(from: string, value: number, table: UnitTable, mw?: number): UcumConversion {
  const options: { molecularWeight?: number; charge?: number } = {};
  if (mw !== undefined) options.molecularWeight = mw;
  if (table.charge !== undefined) options.charge = table.charge;
  const utils = ucumLibrary();
  try {
    return utils.convertUnitTo(from, value, table.unit, options);
  } catch (error) {
    return { status: 'error', toVal: null, msg: [String(error)] };
  }
}

/** The factor from a UCUM code to the table's canonical unit, or why there is none. */
function ucumFactor(code: string, table: UnitTable): number | 'other quantity' | 'mass/moles' {
  const one = convert(code, 1, table, table.molecularWeight);
  if (
    one.status === 'succeeded' &&
    typeof one.toVal === 'number' &&
    one.fromUnit?.isSpecial_ !== true
  ) {
    // A factor must be a factor: a non-linear unit (Cel, pH) is not converted by one.
    const thousand = convert(code, 1000, table, table.molecularWeight);
    const factor = one.toVal;
    if (
      Number.isFinite(factor) &&
      factor > 0 &&
      typeof thousand.toVal === 'number' &&
      Math.abs(thousand.toVal - 1000 * factor) <= 1e-9 * Math.abs(thousand.toVal)
    ) {
      return cleanFactor(factor);
    }
    return 'other quantity';
  }
  // Would a molecular weight have converted it? Then it is mass against moles (RULES.md 10.3.1).
  if (table.molecularWeight === undefined && convert(code, 1, table, 1000).status === 'succeeded') {
    return 'mass/moles';
  }
  return 'other quantity';
}

/** UCUM would read `1.73` as 1 × 73: a decimal number outside an annotation is never UCUM here. */
const DECIMAL_OUTSIDE_ANNOTATION = /\d\.\d/;
const withoutAnnotations = (code: string): string => code.replace(/\{[^}]*\}/g, '');
/**
 * Never UCUM, and the library (7.1.10) logs to stdout when it parses them: empty parentheses,
 * a digit right after `)` or `}`; anything outside printable ASCII.
 */
const NOT_UCUM = /\(\)|[)}]\d|[^!-~]/;

/** Worth asking the library about: see {@link DECIMAL_OUTSIDE_ANNOTATION} and {@link NOT_UCUM}. */
const mayBeUcum = (spelling: string): boolean =>
  !NOT_UCUM.test(spelling) && !DECIMAL_OUTSIDE_ANNOTATION.test(withoutAnnotations(spelling));

function resolveUncached(unit: string, table: UnitTable): UnitResolution {
  const quoted = `'${unit.length > 40 ? `${unit.slice(0, 40)}…` : unit}'`;
  const notRecognised: UnitResolution = { ok: false, reason: `unit ${quoted} not recognised` };
  if (unit.length > MAX_UNIT_LENGTH) return notRecognised;
  const spelling = cleanUnitSpelling(unit);
  if (spelling === '') return notRecognised;

  const readings = SYNONYMS.get(spelling.toLowerCase());
  let candidates: readonly string[];
  if (readings) candidates = readings;
  else if (mayBeUcum(spelling) && isValidUcum(spelling)) candidates = [spelling];
  else return notRecognised;

  const converted: { ucum: string; factor: number }[] = [];
  let massAgainstMoles = false;
  for (const code of candidates) {
    const factor = ucumFactor(code, table);
    if (typeof factor === 'number') converted.push({ ucum: code, factor });
    else if (factor === 'mass/moles') massAgainstMoles = true;
  }
  const [first, ...others] = converted;
  if (first === undefined) {
    return {
      ok: false,
      reason: massAgainstMoles
        ? `unit ${quoted} not recognised: no conversion between mass and moles for this test`
        : `unit ${quoted} not recognised: not a unit of this test`,
    };
  }
  if (others.some((other) => other.factor !== first.factor)) {
    return { ok: false, reason: `unit ${quoted} not recognised: ambiguous` };
  }
  return { ok: true, factor: first.factor, ucum: first.ucum };
}

// ---------------------------------------------------------------------------------------------
// Per request: Map lookups
// ---------------------------------------------------------------------------------------------

/** Per analyte table: unit as reported → its reading, unreadable ones included. Bounded. */
const resolved = new WeakMap<UnitTable, (unit: string) => UnitResolution>();
const MAX_CACHED_UNITS = 1000;

/**
 * How a unit as reported reads for an analyte: its factor to the canonical unit, or why it
 * cannot be read. Asks the UCUM library once per (analyte, unit); then a Map lookup.
 */
export function resolveUnit(unit: string, table: UnitTable): UnitResolution {
  let resolve = resolved.get(table);
  if (resolve === undefined) {
    if (!isValidUcum(table.unit)) throw new Error(`canonical unit ${table.unit} is not UCUM`);
    resolve = rememberedByText(MAX_CACHED_UNITS, (text) => resolveUncached(text, table));
    resolved.set(table, resolve);
  }
  return resolve(unit);
}

/** Converts to the canonical unit at full precision (never rounded before comparing). */
export function toCanonical(value: number, unit: string, table: UnitTable): Conversion {
  const resolution = resolveUnit(unit, table);
  if (!resolution.ok) return resolution;
  const converted = value * resolution.factor;
  const [low, high] = table.plausible;
  if (!(converted >= low && converted <= high)) {
    return { ok: false, reason: `value ${value} ${unit} is outside the plausible range` };
  }
  return { ok: true, value: converted, factor: resolution.factor };
}

/** Converts a reference limit; plausibility does not apply to limits. */
export function limitToCanonical(
  value: number,
  unit: string,
  table: UnitTable,
): number | undefined {
  const resolution = resolveUnit(unit, table);
  return resolution.ok ? value * resolution.factor : undefined;
}

/**
 * The unit of a Quantity from its UCUM `code` and its text `unit` (RULES.md 2.2, 10.2.4): the
 * code when both read the same (or the text is absent); the one that is recognised when only one
 * is; when both are recognised with different factors, neither: `{ disagree }` with the reason.
 * `undefined` when there is no unit at all.
 */
export function quantityUnit(
  code: string | undefined,
  text: string | undefined,
  table: UnitTable,
): string | { disagree: string } | undefined {
  if (code === undefined) return text;
  if (text === undefined || text === code) return code;
  const byCode = resolveUnit(code, table);
  const byText = resolveUnit(text, table);
  if (byCode.ok && byText.ok && byCode.factor !== byText.factor) {
    return { disagree: `unit code and text disagree: ${code} vs ${text}` };
  }
  // Only the text is recognised: use it. Otherwise the code (and, if neither, its reason).
  return !byCode.ok && byText.ok ? text : code;
}
