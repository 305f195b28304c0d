import { describe, expect, it } from 'vitest';
import { ANALYTES } from '../../cds-services/b12/terminology.js';
import { limitToCanonical, normaliseUnit, toCanonical } from '../../src/fhir/units.js';
import type { Conversion } from '../../src/fhir/units.js';

/*
 * RULES.md 3 (unit normalisation) and the plausibility ranges of RULES.md 2.2, checked against the
 * B12 service's unit tables (terminology.ts ANALYTES). Expected values are written out by hand from
 * RULES.md, never derived from the tables under test.
 */

type Table = keyof typeof ANALYTES;

const MICRO_SIGN = '\u00b5'; // µ
const GREEK_MU = '\u03bc'; // μ

function converted(conversion: Conversion): number {
  if (!conversion.ok) expect.fail(`expected a conversion, got: ${conversion.reason}`);
  return conversion.value;
}

function rejection(conversion: Conversion): string {
  if (conversion.ok) expect.fail(`expected a rejection, got ${conversion.value}`);
  return conversion.reason;
}

describe('every unit RULES.md 3 accepts, with its factor to the canonical unit', () => {
  it.each([
    { analyte: 'totalB12', unit: 'ng/L', value: 250, factor: 1, canonical: 250 },
    { analyte: 'totalB12', unit: 'pg/mL', value: 250, factor: 1, canonical: 250 },
    { analyte: 'totalB12', unit: 'ng/mL', value: 0.25, factor: 1000, canonical: 250 },
    { analyte: 'totalB12', unit: 'pmol/L', value: 200, factor: 1.3554, canonical: 271.08 },
    { analyte: 'activeB12', unit: 'pmol/L', value: 40, factor: 1, canonical: 40 },
    { analyte: 'methylmalonicAcid', unit: 'umol/L', value: 0.3, factor: 1, canonical: 0.3 },
    {
      analyte: 'methylmalonicAcid',
      unit: `${MICRO_SIGN}mol/L`,
      value: 0.3,
      factor: 1,
      canonical: 0.3,
    },
    {
      analyte: 'methylmalonicAcid',
      unit: `${GREEK_MU}mol/L`,
      value: 0.3,
      factor: 1,
      canonical: 0.3,
    },
    { analyte: 'methylmalonicAcid', unit: 'nmol/mL', value: 0.3, factor: 1, canonical: 0.3 },
    { analyte: 'methylmalonicAcid', unit: 'nmol/L', value: 280, factor: 0.001, canonical: 0.28 },
    { analyte: 'methylmalonicAcid', unit: 'mmol/L', value: 0.00045, factor: 1000, canonical: 0.45 },
    { analyte: 'serumFolate', unit: 'nmol/L', value: 10, factor: 1, canonical: 10 },
    { analyte: 'serumFolate', unit: 'ng/mL', value: 3, factor: 2.266, canonical: 6.798 },
    { analyte: 'serumFolate', unit: 'ug/L', value: 3, factor: 2.266, canonical: 6.798 },
    { analyte: 'serumFolate', unit: `${MICRO_SIGN}g/L`, value: 3, factor: 2.266, canonical: 6.798 },
    { analyte: 'redCellFolate', unit: 'nmol/L', value: 340, factor: 1, canonical: 340 },
    { analyte: 'redCellFolate', unit: 'ng/mL', value: 150, factor: 2.266, canonical: 339.9 },
    { analyte: 'redCellFolate', unit: 'ug/L', value: 150, factor: 2.266, canonical: 339.9 },
    { analyte: 'haemoglobin', unit: 'g/L', value: 109, factor: 1, canonical: 109 },
    { analyte: 'haemoglobin', unit: 'g/dL', value: 10.9, factor: 10, canonical: 109 },
    { analyte: 'haemoglobin', unit: 'mmol/L', value: 7.5, factor: 16.11, canonical: 120.825 },
    { analyte: 'mcv', unit: 'fL', value: 101, factor: 1, canonical: 101 },
    { analyte: 'mcv', unit: 'um3', value: 101, factor: 1, canonical: 101 },
    { analyte: 'mcv', unit: `${MICRO_SIGN}m3`, value: 101, factor: 1, canonical: 101 },
    { analyte: 'platelets', unit: '10*9/L', value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: '10*3/uL', value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: 'K/uL', value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: '10*3/mm3', value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: '/nL', value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: '/uL', value: 150_000, factor: 0.001, canonical: 150 },
    { analyte: 'platelets', unit: 'x10^9/L', value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: '10^9/L', value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: 'x10*9/L', value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: 'x10^3/uL', value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: `10^3/${MICRO_SIGN}L`, value: 150, factor: 1, canonical: 150 },
    { analyte: 'platelets', unit: `/${GREEK_MU}L`, value: 150_000, factor: 0.001, canonical: 150 },
    { analyte: 'egfr', unit: 'mL/min/{1.73_m2}', value: 59, factor: 1, canonical: 59 },
    { analyte: 'egfr', unit: 'mL/min/1.73m2', value: 59, factor: 1, canonical: 59 },
    { analyte: 'egfr', unit: 'mL/min/1.73 m2', value: 59, factor: 1, canonical: 59 },
    { analyte: 'egfr', unit: 'mL/min', value: 59, factor: 1, canonical: 59 },
  ] satisfies { analyte: Table; unit: string; value: number; factor: number; canonical: number }[])(
    '$analyte: $value $unit is $canonical in the canonical unit (factor $factor)',
    ({ analyte, unit, value, factor, canonical }) => {
      const conversion = toCanonical(value, unit, ANALYTES[analyte]);
      expect(converted(conversion)).toBeCloseTo(canonical, 9);
      expect(conversion.ok && conversion.factor).toBeCloseTo(factor, 12);
    },
  );

  it.each([
    { analyte: 'totalB12', unit: 'ng/L' },
    { analyte: 'activeB12', unit: 'pmol/L' },
    { analyte: 'methylmalonicAcid', unit: 'umol/L' },
    { analyte: 'serumFolate', unit: 'nmol/L' },
    { analyte: 'redCellFolate', unit: 'nmol/L' },
    { analyte: 'haemoglobin', unit: 'g/L' },
    { analyte: 'mcv', unit: 'fL' },
    { analyte: 'platelets', unit: '10*9/L' },
  ] satisfies { analyte: Table; unit: string }[])(
    '$analyte is compared in $unit (RULES.md 3 canonical unit)',
    ({ analyte, unit }) => {
      expect(ANALYTES[analyte].unit).toBe(unit);
    },
  );

  it('10*3/uL gives exactly the same platelet count as 10*9/L', () => {
    const perMicrolitre = converted(toCanonical(47, '10*3/uL', ANALYTES.platelets));
    expect(perMicrolitre).toBe(converted(toCanonical(47, '10*9/L', ANALYTES.platelets)));
  });

  it('10.9 g/dL is 109 g/L: just below the female/unknown anaemia cut-off of 120 and above 80 (RULES.md 4)', () => {
    const hb = converted(toCanonical(10.9, 'g/dL', ANALYTES.haemoglobin));
    expect(hb).toBeCloseTo(109, 10);
  });
});

describe('total B12 pmol/L → ng/L at the NG239 band limits (RULES.md 3 and 4: ×1.3554)', () => {
  it.each([
    { pmol: 132, ngL: 178.9128, shown: '178.9', fact: 'below 180: confirmed band' },
    { pmol: 133, ngL: 180.2682, shown: '180.3', fact: 'at least 180: indeterminate band' },
    { pmol: 258, ngL: 349.6932, shown: '349.7', fact: 'at most 350: still indeterminate' },
    { pmol: 259, ngL: 351.0486, shown: '351.0', fact: 'above 350: unlikely band' },
  ])('$pmol pmol/L = $shown ng/L, $fact', ({ pmol, ngL, shown }) => {
    const value = converted(toCanonical(pmol, 'pmol/L', ANALYTES.totalB12));
    expect(value).toBeCloseTo(ngL, 9);
    expect(value.toFixed(1)).toBe(shown);
  });

  it('132 pmol/L is below 180 ng/L and 133 pmol/L is not', () => {
    expect(converted(toCanonical(132, 'pmol/L', ANALYTES.totalB12))).toBeLessThan(180);
    expect(converted(toCanonical(133, 'pmol/L', ANALYTES.totalB12))).toBeGreaterThanOrEqual(180);
  });

  it('258 pmol/L is at most 350 ng/L and 259 pmol/L is above it', () => {
    expect(converted(toCanonical(258, 'pmol/L', ANALYTES.totalB12))).toBeLessThanOrEqual(350);
    expect(converted(toCanonical(259, 'pmol/L', ANALYTES.totalB12))).toBeGreaterThan(350);
  });
});

describe('values are converted at full precision, never rounded before comparing (RULES.md 3)', () => {
  it.each([
    {
      analyte: 'totalB12',
      value: 132.8,
      unit: 'pmol/L',
      below: 180,
      roundsTo: '180.0',
      digits: 1,
      fact: '179.997 ng/L stays below 180',
    },
    {
      analyte: 'methylmalonicAcid',
      value: 449.6,
      unit: 'nmol/L',
      below: 0.45,
      roundsTo: '0.45',
      digits: 2,
      fact: '0.4496 µmol/L stays below 0.45',
    },
    {
      analyte: 'serumFolate',
      value: 3.089,
      unit: 'ng/mL',
      below: 7,
      roundsTo: '7.0',
      digits: 1,
      fact: '6.9997 nmol/L stays below 7',
    },
    {
      analyte: 'redCellFolate',
      value: 150.04,
      unit: 'ng/mL',
      below: 340,
      roundsTo: '340',
      digits: 0,
      fact: '339.99 nmol/L stays below 340',
    },
    {
      analyte: 'haemoglobin',
      value: 7.448,
      unit: 'mmol/L',
      below: 120,
      roundsTo: '120',
      digits: 0,
      fact: '119.987 g/L stays below 120',
    },
  ] satisfies {
    analyte: Table;
    value: number;
    unit: string;
    below: number;
    roundsTo: string;
    digits: number;
    fact: string;
  }[])(
    '$analyte $value $unit: $fact although it rounds to $roundsTo',
    ({ analyte, value, unit, below, roundsTo, digits }) => {
      const result = converted(toCanonical(value, unit, ANALYTES[analyte]));
      expect(result.toFixed(digits)).toBe(roundsTo);
      expect(result).toBeLessThan(below);
    },
  );

  it.each([
    {
      analyte: 'totalB12',
      value: 258.24,
      unit: 'pmol/L',
      above: 350,
      roundsTo: '350.0',
      digits: 1,
      fact: '350.018 ng/L is above 350',
    },
    {
      analyte: 'methylmalonicAcid',
      value: 450.4,
      unit: 'nmol/L',
      above: 0.45,
      roundsTo: '0.45',
      digits: 2,
      fact: '0.4504 µmol/L is above 0.45',
    },
    {
      analyte: 'mcv',
      value: 100.004,
      unit: 'fL',
      above: 100,
      roundsTo: '100.0',
      digits: 1,
      fact: '100.004 fL is above 100',
    },
  ] satisfies {
    analyte: Table;
    value: number;
    unit: string;
    above: number;
    roundsTo: string;
    digits: number;
    fact: string;
  }[])(
    '$analyte $value $unit: $fact although it rounds to $roundsTo',
    ({ analyte, value, unit, above, roundsTo, digits }) => {
      const result = converted(toCanonical(value, unit, ANALYTES[analyte]));
      expect(result.toFixed(digits)).toBe(roundsTo);
      expect(result).toBeGreaterThan(above);
    },
  );
});

describe('unit strings are compared trimmed, case-insensitively, µ/μ as u, ^ as *, leading x dropped', () => {
  it.each([
    { unit: 'ng/L', normalised: 'ng/l' },
    { unit: '  PG/ML ', normalised: 'pg/ml' },
    { unit: `${MICRO_SIGN}mol/L`, normalised: 'umol/l' },
    { unit: `${GREEK_MU}mol/L`, normalised: 'umol/l' },
    { unit: '\u039cMOL/L', normalised: 'umol/l' },
    { unit: 'x10^9/L', normalised: '10*9/l' },
    { unit: 'X10^9/L', normalised: '10*9/l' },
    { unit: ' x 10^3/uL', normalised: '10*3/ul' },
    { unit: '10^3/mm3', normalised: '10*3/mm3' },
    { unit: 'mL/min/1.73 m2', normalised: 'ml/min/1.73 m2' },
  ])('normaliseUnit($unit) is $normalised', ({ unit, normalised }) => {
    expect(normaliseUnit(unit)).toBe(normalised);
  });

  it.each([
    { analyte: 'totalB12', unit: ' NG/L ', value: 250, canonical: 250 },
    { analyte: 'totalB12', unit: 'PMOL/L', value: 133, canonical: 180.2682 },
    { analyte: 'totalB12', unit: '\tpg/ml\n', value: 250, canonical: 250 },
    { analyte: 'platelets', unit: '  k/UL', value: 42, canonical: 42 },
    { analyte: 'platelets', unit: 'X10^9/l', value: 42, canonical: 42 },
    { analyte: 'haemoglobin', unit: 'G/DL', value: 7.9, canonical: 79 },
    { analyte: 'mcv', unit: 'FL', value: 101, canonical: 101 },
    { analyte: 'egfr', unit: 'ML/MIN/{1.73_M2}', value: 60, canonical: 60 },
    { analyte: 'methylmalonicAcid', unit: ` ${MICRO_SIGN}MOL/L `, value: 0.5, canonical: 0.5 },
  ] satisfies { analyte: Table; unit: string; value: number; canonical: number }[])(
    '$analyte accepts the spelling $unit',
    ({ analyte, unit, value, canonical }) => {
      expect(converted(toCanonical(value, unit, ANALYTES[analyte]))).toBeCloseTo(canonical, 9);
    },
  );
});

describe('a unit RULES.md 3 does not list is never guessed: not ok, and the reason names it', () => {
  it.each([
    { analyte: 'totalB12', unit: 'mmol/L', fact: 'a molar unit of the wrong scale' },
    { analyte: 'totalB12', unit: 'IU/L', fact: 'an enzyme-style unit' },
    { analyte: 'totalB12', unit: 'pmol/mL', fact: 'a unit not in the table' },
    { analyte: 'totalB12', unit: 'ng/dL', fact: 'a mass unit not in the table' },
    { analyte: 'totalB12', unit: '', fact: 'an empty unit' },
    { analyte: 'activeB12', unit: 'ng/L', fact: 'mass units are not accepted for active B12' },
    { analyte: 'activeB12', unit: 'pg/mL', fact: 'mass units are not accepted for active B12' },
    { analyte: 'activeB12', unit: 'ng/mL', fact: 'mass units are not accepted for active B12' },
    { analyte: 'activeB12', unit: 'nmol/L', fact: 'only pmol/L is accepted for active B12' },
    { analyte: 'methylmalonicAcid', unit: 'mg/L', fact: 'a mass unit for MMA' },
    { analyte: 'serumFolate', unit: 'ng/L', fact: 'ng/L is not ng/mL' },
    { analyte: 'serumFolate', unit: 'pmol/L', fact: 'a molar unit not in the table' },
    { analyte: 'haemoglobin', unit: 'mg/dL', fact: 'mg/dL is not g/dL' },
    { analyte: 'haemoglobin', unit: '%', fact: 'a percentage' },
    { analyte: 'mcv', unit: 'pL', fact: 'picolitres' },
    { analyte: 'platelets', unit: '10*6/uL', fact: 'a count of the wrong scale' },
    { analyte: 'platelets', unit: '%', fact: 'a percentage' },
    { analyte: 'egfr', unit: 'mL/s/1.73m2', fact: 'per second instead of per minute' },
    { analyte: 'egfr', unit: 'mL/min/m2', fact: 'not per 1.73 m2' },
  ] satisfies { analyte: Table; unit: string; fact: string }[])(
    '$analyte rejects $unit ($fact)',
    ({ analyte, unit }) => {
      const reason = rejection(toCanonical(100, unit, ANALYTES[analyte]));
      expect(reason).toContain(`'${unit}'`);
      expect(reason).toMatch(/not recognised/);
    },
  );
});

describe('plausibility ranges of RULES.md 2.2 are inclusive and apply to the converted value', () => {
  it.each([
    { analyte: 'haemoglobin', unit: 'g/L', low: 20, high: 250, below: 19.99, above: 250.01 },
    { analyte: 'mcv', unit: 'fL', low: 40, high: 200, below: 39.99, above: 200.01 },
    { analyte: 'platelets', unit: '10*9/L', low: 0, high: 5000, below: -0.01, above: 5000.01 },
    { analyte: 'totalB12', unit: 'ng/L', low: 10, high: 100_000, below: 9.99, above: 100_000.01 },
    { analyte: 'activeB12', unit: 'pmol/L', low: 1, high: 1000, below: 0.99, above: 1000.01 },
    {
      analyte: 'methylmalonicAcid',
      unit: 'umol/L',
      low: 0.01,
      high: 1000,
      below: 0.0099,
      above: 1000.01,
    },
    { analyte: 'serumFolate', unit: 'nmol/L', low: 0.5, high: 500, below: 0.49, above: 500.01 },
    { analyte: 'egfr', unit: 'mL/min', low: 0, high: 250, below: -0.01, above: 250.01 },
  ] satisfies {
    analyte: Table;
    unit: string;
    low: number;
    high: number;
    below: number;
    above: number;
  }[])(
    '$analyte accepts $low and $high $unit, rejects $below and $above',
    ({ analyte, unit, low, high, below, above }) => {
      const table = ANALYTES[analyte];
      expect(converted(toCanonical(low, unit, table))).toBe(low);
      expect(converted(toCanonical(high, unit, table))).toBe(high);
      expect(rejection(toCanonical(below, unit, table))).toMatch(/plausible/);
      expect(rejection(toCanonical(above, unit, table))).toMatch(/plausible/);
    },
  );

  it('red cell folate below 0.5 nmol/L is implausible', () => {
    expect(converted(toCanonical(0.5, 'nmol/L', ANALYTES.redCellFolate))).toBe(0.5);
    expect(rejection(toCanonical(0.49, 'nmol/L', ANALYTES.redCellFolate))).toMatch(/plausible/);
  });

  it.each([
    {
      analyte: 'haemoglobin',
      value: 1.9,
      unit: 'g/dL',
      ok: false,
      fact: '1.9 g/dL = 19 g/L is below 20',
    },
    {
      analyte: 'haemoglobin',
      value: 2,
      unit: 'g/dL',
      ok: true,
      fact: '2 g/dL = 20 g/L is the lower limit',
    },
    {
      analyte: 'haemoglobin',
      value: 25,
      unit: 'g/dL',
      ok: true,
      fact: '25 g/dL = 250 g/L is the upper limit',
    },
    {
      analyte: 'haemoglobin',
      value: 25.1,
      unit: 'g/dL',
      ok: false,
      fact: '25.1 g/dL = 251 g/L is above 250',
    },
    {
      analyte: 'haemoglobin',
      value: 16,
      unit: 'mmol/L',
      ok: false,
      fact: '16 mmol/L = 257.8 g/L is above 250',
    },
    {
      analyte: 'totalB12',
      value: 7,
      unit: 'pmol/L',
      ok: false,
      fact: '7 pmol/L = 9.49 ng/L is below 10',
    },
    {
      analyte: 'totalB12',
      value: 8,
      unit: 'pmol/L',
      ok: true,
      fact: '8 pmol/L = 10.84 ng/L is plausible',
    },
    {
      analyte: 'totalB12',
      value: 101,
      unit: 'ng/mL',
      ok: false,
      fact: '101 ng/mL = 101 000 ng/L is above 100 000',
    },
    {
      analyte: 'platelets',
      value: 5_000_000,
      unit: '/uL',
      ok: true,
      fact: '5 000 000 /uL = 5000 ×10⁹/L is the limit',
    },
    {
      analyte: 'platelets',
      value: 5_000_001,
      unit: '/uL',
      ok: false,
      fact: '5 000 001 /uL is above 5000 ×10⁹/L',
    },
    {
      analyte: 'methylmalonicAcid',
      value: 9,
      unit: 'nmol/L',
      ok: false,
      fact: '9 nmol/L = 0.009 µmol/L is below 0.01',
    },
    {
      analyte: 'methylmalonicAcid',
      value: 1.1,
      unit: 'mmol/L',
      ok: false,
      fact: '1.1 mmol/L = 1100 µmol/L is above 1000',
    },
    {
      analyte: 'serumFolate',
      value: 221,
      unit: 'ng/mL',
      ok: false,
      fact: '221 ng/mL = 500.8 nmol/L is above 500',
    },
  ] satisfies { analyte: Table; value: number; unit: string; ok: boolean; fact: string }[])(
    '$analyte: $fact',
    ({ analyte, value, unit, ok }) => {
      expect(toCanonical(value, unit, ANALYTES[analyte]).ok).toBe(ok);
    },
  );

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'a non-finite value (%s) is never plausible',
    (value) => {
      expect(toCanonical(value, 'g/L', ANALYTES.haemoglobin).ok).toBe(false);
    },
  );

  it('the rejection of an implausible value names the value and unit as reported', () => {
    expect(rejection(toCanonical(1.9, 'g/dL', ANALYTES.haemoglobin))).toContain('1.9 g/dL');
  });
});

describe('limitToCanonical converts reference limits with the same factors, without plausibility', () => {
  it.each([
    { analyte: 'methylmalonicAcid', value: 400, unit: 'nmol/L', expected: 0.4 },
    { analyte: 'methylmalonicAcid', value: 0.4, unit: `${MICRO_SIGN}mol/L`, expected: 0.4 },
    { analyte: 'methylmalonicAcid', value: 0.001, unit: 'umol/L', expected: 0.001 },
    { analyte: 'totalB12', value: 664, unit: 'pmol/L', expected: 899.9856 },
    { analyte: 'haemoglobin', value: 300, unit: 'g/L', expected: 300 },
  ] satisfies { analyte: Table; value: number; unit: string; expected: number }[])(
    '$analyte limit $value $unit is $expected',
    ({ analyte, value, unit, expected }) => {
      expect(limitToCanonical(value, unit, ANALYTES[analyte])).toBeCloseTo(expected, 9);
    },
  );

  it.each([
    { analyte: 'methylmalonicAcid', unit: 'mg/L' },
    { analyte: 'activeB12', unit: 'ng/L' },
  ] satisfies { analyte: Table; unit: string }[])(
    '$analyte limit in $unit is unreadable (undefined)',
    ({ analyte, unit }) => {
      expect(limitToCanonical(1, unit, ANALYTES[analyte])).toBeUndefined();
    },
  );
});
