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

/**
 * UCUM codes clinicians would not write, as the summaries write them (RULES.md 10.9.1). Codes not
 * listed here are read by {@link displayUnit}'s generic rules.
 */
const DISPLAY_UNITS: Readonly<Record<string, string>> = {
  '10*9/L': '×10⁹/L',
  '10*12/L': '×10¹²/L',
  '10*3/uL': '×10³/µL',
  '10*3/mm3': '×10³/mm³',
  '/uL': '/µL',
  '/mm3': '/mm³',
  um3: 'µm³',
  'umol/L': 'µmol/L',
  'ug/L': 'µg/L',
  'meq/L': 'mEq/L',
  'mL/min/{1.73_m2}': 'mL/min/1.73 m²',
};

const SUPERSCRIPTS: Readonly<Record<string, string>> = {
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
  '-': '⁻',
};
const superscript = (digits: string): string =>
  digits.replace(/[-\d]/g, (digit) => SUPERSCRIPTS[digit] ?? digit);

/** UCUM prefixes and the atoms laboratory units use, as written for people. */
const UCUM_PREFIXES: Readonly<Record<string, string>> = {
  k: 'k',
  h: 'h',
  da: 'da',
  d: 'd',
  c: 'c',
  m: 'm',
  u: 'µ',
  n: 'n',
  p: 'p',
  f: 'f',
  a: 'a',
};
const UCUM_ATOMS: Readonly<Record<string, string>> = {
  g: 'g',
  L: 'L',
  l: 'L',
  mol: 'mol',
  eq: 'Eq',
  m: 'm',
  s: 's',
  min: 'min',
  h: 'h',
  d: 'd',
  wk: 'wk',
  mo: 'mo',
  U: 'U',
  '[IU]': 'IU',
  '[iU]': 'IU',
  '%': '%',
};

/** `{1.73_m2}` → "1.73 m²": an annotation's text, underscores as spaces, exponents raised. */
const annotationText = (text: string): string =>
  text.replace(/_/g, ' ').replace(/(?<=[A-Za-z])(\d+)\b/g, (digits) => superscript(digits));

/**
 * One UCUM term (between `/` and `.`) for people, or undefined when it is not a UCUM term this
 * reads: a power of ten (`10*9` → "×10⁹", first term only), a prefixed atom with its exponent
 * (`um3` → "µm³"), an annotation (`{1.73_m2}` → "1.73 m²", after an atom: "10*3{cells}" →
 * "×10³ cells").
 */
function ucumTerm(term: string, first: boolean): string | undefined {
  const match = /^([^{]*)(?:\{([^{}]*)\})?$/.exec(term);
  if (!match) return undefined;
  const [, body = '', annotation] = match;
  const note = annotation === undefined ? '' : annotationText(annotation);
  if (body === '') return annotation === undefined ? undefined : note;
  const power = /^10[*^](-?\d+)$/.exec(body);
  let shown: string | undefined;
  if (power) shown = `${first ? '×' : ''}10${superscript(power[1] ?? '')}`;
  else {
    const atom = /^(.*?)(-?\d+)?$/.exec(body);
    const [, name = '', exponent = ''] = atom ?? [];
    const plain = UCUM_ATOMS[name];
    const prefixed = Object.entries(UCUM_PREFIXES).flatMap(([prefix, display]) => {
      const rest = name.startsWith(prefix) ? UCUM_ATOMS[name.slice(prefix.length)] : undefined;
      return rest === undefined ? [] : [`${display}${rest}`];
    })[0];
    const written = plain ?? prefixed;
    if (written !== undefined) shown = `${written}${superscript(exponent)}`;
  }
  if (shown === undefined) return undefined;
  return annotation === undefined || note === '' ? shown : `${shown} ${note}`;
}

/**
 * A unit as clinicians write it (RULES.md 10.9.1), for the canonical unit and the unit as
 * reported alike: a UCUM code is shown in its human form (`10*3/uL` → "×10³/µL", `umol/L` →
 * "µmol/L", `mL/min/{1.73_m2}` → "mL/min/1.73 m²"); a laboratory's own spelling that is not a
 * UCUM code (`K/uL`, `mcg/L`, `mL/min/1.73m2`) is shown as sent. Generic rules beyond the table:
 * `10*N` → "×10ᴺ", prefix `u` → "µ", exponents raised, annotations as their text, `.` as "·".
 */
export function displayUnit(unit: string): string {
  const listed = DISPLAY_UNITS[unit];
  if (listed !== undefined) return listed;
  const leadingSlash = unit.startsWith('/');
  const parts = (leadingSlash ? unit.slice(1) : unit).split(/([/.])/);
  const shown: string[] = leadingSlash ? ['/'] : [];
  for (const [index, part] of parts.entries()) {
    if (index % 2 === 1) {
      shown.push(part === '.' ? '·' : '/');
      continue;
    }
    const term = ucumTerm(part, index === 0 && !leadingSlash);
    if (term === undefined) return unit;
    shown.push(term);
  }
  return shown.join('');
}

/** The canonical value with its comparator: "178.9 ng/L", "<50 ng/L", "8 ×10⁹/L". */
export function valueText(result: LabResult): string {
  return `${result.comparator ?? ''}${formatNumber(result.value)} ${displayUnit(result.unit)}`;
}

/** A platelet count as the card templates show it, before "×10⁹/L": "49.9", "<10". */
export const plateletCount = (result: LabResult): string =>
  `${result.comparator ?? ''}${formatNumber(result.value)}`;

/** "total B12 132 pmol/L (= 178.9 ng/L), 2026-11-14": the converted value only when it differs. */
export function resultText(result: LabResult<Analyte>): string {
  const converted = result.value === result.reported.value ? '' : ` (= ${valueText(result)})`;
  return `${ANALYTES[result.analyte].label} ${reportedText(result)}${converted}, ${isoDay(result.day)}`;
}

/**
 * The laboratory's own value in its own unit (0.142 ng/mL stays 0.142; RULES.md 10.5.4), at most
 * 4 significant digits (6.131041727801779 g/dL is 6.131 g/dL), the unit in its human form when it
 * is a UCUM code (`10*3/uL` → "×10³/µL"): "<133.3 pmol/L", "42 ×10³/µL".
 */
export function reportedText(result: LabResult): string {
  return `${result.comparator ?? ''}${reportedNumber(result.reported.value)} ${displayUnit(result.reported.unit)}`;
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
