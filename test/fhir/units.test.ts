import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import { describe, expect, it, vi } from 'vitest';
import { ANALYTES } from '../../cds-services/b12/index.js';
import {
  LAB_UNIT_SYNONYMS,
  cleanUnitSpelling,
  limitToCanonical,
  quantityUnit,
  resolveUnit,
  toCanonical,
} from '../../src/fhir/units.js';
import type { Conversion, UnitResolution, UnitTable } from '../../src/fhir/units.js';

/*
 * RULES.md 3 (unit normalisation), 10.3 (UCUM by a real library, laboratory spellings), 10.2.4
 * (unit code and text) and the plausibility ranges of RULES.md 2.2, checked against the B12
 * service's analytes (terminology.ts ANALYTES: canonical UCUM unit, molecular weight). Expected
 * values are written out by hand from RULES.md, never derived from the code under test.
 */

type Table = keyof typeof ANALYTES;

const MICRO_SIGN = '\u00b5'; // µ
/** 1 ng/mL of folate (441.4 g/mol) in nmol/L. */
const FOLATE = 1 / 0.4414;
const GREEK_MU = '\u03bc'; // μ

function converted(conversion: Conversion): number {
  if (!conversion.ok) expect.fail(`expected a conversion, got: ${conversion.reason}`);
  return conversion.value;
}

function rejection(conversion: Conversion): string {
  if (conversion.ok) expect.fail(`expected a rejection, got ${conversion.value}`);
  return conversion.reason;
}

function factorOf(resolution: UnitResolution): number {
  if (!resolution.ok) expect.fail(`expected a factor, got: ${resolution.reason}`);
  return resolution.factor;
}

function reasonOf(resolution: UnitResolution): string {
  if (resolution.ok) expect.fail(`expected no reading, got factor ${resolution.factor}`);
  return resolution.reason;
}

/** The same number to 4 significant digits (RULES.md 3's factors are written that way). */
const fourDigits = (value: number): string => value.toPrecision(4);

describe('the UCUM library gives every factor of RULES.md 3 (to 4 significant digits)', () => {
  it.each([
    { analyte: 'totalB12', unit: 'ng/L', factor: 1 },
    { analyte: 'totalB12', unit: 'pg/mL', factor: 1 },
    { analyte: 'totalB12', unit: 'ng/mL', factor: 1000 },
    { analyte: 'totalB12', unit: 'pmol/L', factor: 1.3554 },
    { analyte: 'activeB12', unit: 'pmol/L', factor: 1 },
    { analyte: 'methylmalonicAcid', unit: 'umol/L', factor: 1 },
    { analyte: 'methylmalonicAcid', unit: 'nmol/mL', factor: 1 },
    { analyte: 'methylmalonicAcid', unit: 'nmol/L', factor: 0.001 },
    { analyte: 'methylmalonicAcid', unit: 'mmol/L', factor: 1000 },
    { analyte: 'serumFolate', unit: 'nmol/L', factor: 1 },
    { analyte: 'serumFolate', unit: 'ng/mL', factor: 2.266 },
    { analyte: 'serumFolate', unit: 'ug/L', factor: 2.266 },
    { analyte: 'redCellFolate', unit: 'nmol/L', factor: 1 },
    { analyte: 'redCellFolate', unit: 'ng/mL', factor: 2.266 },
    { analyte: 'redCellFolate', unit: 'ug/L', factor: 2.266 },
    { analyte: 'haemoglobin', unit: 'g/L', factor: 1 },
    { analyte: 'haemoglobin', unit: 'g/dL', factor: 10 },
    { analyte: 'haemoglobin', unit: 'mmol/L', factor: 16.11 },
    { analyte: 'mcv', unit: 'fL', factor: 1 },
    { analyte: 'mcv', unit: 'um3', factor: 1 },
    { analyte: 'platelets', unit: '10*9/L', factor: 1 },
    { analyte: 'platelets', unit: '10*3/uL', factor: 1 },
    { analyte: 'platelets', unit: 'K/uL', factor: 1 },
    { analyte: 'platelets', unit: '10*3/mm3', factor: 1 },
    { analyte: 'platelets', unit: '/nL', factor: 1 },
    { analyte: 'platelets', unit: '/uL', factor: 0.001 },
    { analyte: 'egfr', unit: 'mL/min/{1.73_m2}', factor: 1 },
    { analyte: 'egfr', unit: 'mL/min/1.73m2', factor: 1 },
    { analyte: 'egfr', unit: 'mL/min/1.73 m2', factor: 1 },
    { analyte: 'egfr', unit: 'mL/min', factor: 1 },
  ] satisfies { analyte: Table; unit: string; factor: number }[])(
    '$analyte: $unit × $factor',
    ({ analyte, unit, factor }) => {
      expect(fourDigits(factorOf(resolveUnit(unit, ANALYTES[analyte])))).toBe(fourDigits(factor));
    },
  );

  it.each([
    { analyte: 'totalB12', unit: 'pmol/L', factor: 1.3554, fact: 'cyanocobalamin 1355.4 g/mol' },
    { analyte: 'haemoglobin', unit: 'mmol/L', factor: 16.11, fact: 'Hb monomer 16.11 g/mmol' },
    { analyte: 'platelets', unit: '10*3/uL', factor: 1, fact: 'no floating-point noise' },
    { analyte: 'platelets', unit: '/uL', factor: 0.001, fact: 'no floating-point noise' },
  ] satisfies { analyte: Table; unit: string; factor: number; fact: string }[])(
    '$analyte $unit is exactly × $factor ($fact)',
    ({ analyte, unit, factor }) => {
      expect(factorOf(resolveUnit(unit, ANALYTES[analyte]))).toBe(factor);
    },
  );

  it('50 K/uL is exactly 50 ×10⁹/L, not 49.99999999999999: the < 50 IM-injection tier is not entered by rounding noise', () => {
    expect(converted(toCanonical(50, 'K/uL', ANALYTES.platelets))).toBe(50);
    expect(converted(toCanonical(50, '10*3/uL', ANALYTES.platelets))).toBe(50);
    expect(converted(toCanonical(50_000, '/uL', ANALYTES.platelets))).toBe(50);
  });

  it('folate ng/mL → nmol/L is 1 / 0.4414 by the molecular weight 441.4 g/mol (2.2655, shown as 2.266)', () => {
    expect(factorOf(resolveUnit('ng/mL', ANALYTES.serumFolate))).toBeCloseTo(1 / 0.4414, 10);
  });
});

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
    // Folate 441.4 g/mol: 1 ng/mL = 1/0.4414 nmol/L (2.266 to 4 digits).
    { analyte: 'serumFolate', unit: 'ng/mL', value: 3, factor: FOLATE, canonical: 3 / 0.4414 },
    { analyte: 'serumFolate', unit: 'ug/L', value: 3, factor: FOLATE, canonical: 3 / 0.4414 },
    {
      analyte: 'serumFolate',
      unit: `${MICRO_SIGN}g/L`,
      value: 3,
      factor: FOLATE,
      canonical: 3 / 0.4414,
    },
    { analyte: 'redCellFolate', unit: 'nmol/L', value: 340, factor: 1, canonical: 340 },
    {
      analyte: 'redCellFolate',
      unit: 'ng/mL',
      value: 150,
      factor: FOLATE,
      canonical: 150 / 0.4414,
    },
    { analyte: 'redCellFolate', unit: 'ug/L', value: 150, factor: FOLATE, canonical: 150 / 0.4414 },
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
      // 6 decimals: library factors are exact to 12 significant digits.
      expect(converted(conversion)).toBeCloseTo(canonical, 6);
      expect(conversion.ok && conversion.factor).toBeCloseTo(factor, 10);
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
    { analyte: 'egfr', unit: 'mL/min/{1.73_m2}' },
    { analyte: 'potassium', unit: 'mmol/L' },
    { analyte: 'creatinine', unit: 'umol/L' },
    { analyte: 'homocysteine', unit: 'umol/L' },
  ] satisfies { analyte: Table; unit: string }[])(
    '$analyte is compared in the UCUM unit $unit (RULES.md 3 canonical unit)',
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
      fact: '6.998 nmol/L stays below 7',
    },
    {
      analyte: 'redCellFolate',
      value: 150.07,
      unit: 'ng/mL',
      below: 340,
      roundsTo: '340.0',
      digits: 1,
      fact: '339.986 nmol/L stays below 340',
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

describe('unit strings are compared trimmed, case-insensitively, µ/μ and a leading mc as u, powers of ten as 10*, leading x dropped (RULES.md 3, 10.3.2)', () => {
  it.each([
    { unit: 'ng/L', cleaned: 'ng/L' },
    { unit: '  PG/ML ', cleaned: 'PG/ML' },
    { unit: `${MICRO_SIGN}mol/L`, cleaned: 'umol/L' },
    { unit: `${GREEK_MU}mol/L`, cleaned: 'umol/L' },
    { unit: 'mcg/L', cleaned: 'ug/L' },
    { unit: 'K/mcL', cleaned: 'K/uL' },
    { unit: 'x10^9/L', cleaned: '10*9/L' },
    { unit: 'X10^9/L', cleaned: '10*9/L' },
    { unit: ' x 10^3/uL', cleaned: '10*3/uL' },
    { unit: 'x10E3/uL', cleaned: '10*3/uL' },
    { unit: '10e3/uL', cleaned: '10*3/uL' },
    { unit: '×10⁹/L', cleaned: '10*9/L' },
    { unit: '10^3/mm3', cleaned: '10*3/mm3' },
    { unit: 'mL/min/1.73 m^2', cleaned: 'mL/min/1.73m2' },
    { unit: 'mL/min/1.73m²', cleaned: 'mL/min/1.73m2' },
    { unit: 'per mm3', cleaned: 'permm3' },
  ])(
    'cleanUnitSpelling($unit) is $cleaned (case kept: UCUM is case-sensitive)',
    ({ unit, cleaned }) => {
      expect(cleanUnitSpelling(unit)).toBe(cleaned);
    },
  );

  it.each([
    { analyte: 'totalB12', unit: ' NG/L ', value: 250, canonical: 250 },
    { analyte: 'totalB12', unit: 'PMOL/L', value: 133, canonical: 180.2682 },
    { analyte: 'totalB12', unit: '\tpg/ml\n', value: 250, canonical: 250 },
    { analyte: 'platelets', unit: '  k/UL', value: 42, canonical: 42 },
    { analyte: 'platelets', unit: 'X10^9/l', value: 42, canonical: 42 },
    { analyte: 'haemoglobin', unit: 'G/DL', value: 7.9, canonical: 79 },
    { analyte: 'haemoglobin', unit: 'G/L', value: 79, canonical: 79 },
    { analyte: 'mcv', unit: 'FL', value: 101, canonical: 101 },
    { analyte: 'egfr', unit: 'ML/MIN/{1.73_M2}', value: 60, canonical: 60 },
    { analyte: 'methylmalonicAcid', unit: ` ${MICRO_SIGN}MOL/L `, value: 0.5, canonical: 0.5 },
    { analyte: 'potassium', unit: 'mEq/L', value: 3.1, canonical: 3.1 },
    { analyte: 'potassium', unit: 'MMOL/L', value: 3.1, canonical: 3.1 },
  ] satisfies { analyte: Table; unit: string; value: number; canonical: number }[])(
    '$analyte accepts the spelling $unit in any case (the synonym table, not case-sensitive UCUM)',
    ({ analyte, unit, value, canonical }) => {
      expect(converted(toCanonical(value, unit, ANALYTES[analyte]))).toBeCloseTo(canonical, 9);
    },
  );
});

describe('laboratory spellings that are not UCUM (RULES.md 10.3.2) convert to the right value', () => {
  it.each([
    // Platelets ×1: thousands per microlitre and giga per litre are ×10⁹/L.
    ...['K/uL', 'K/mcL', 'thou/uL', 'thou/mm3', 'x10E3/uL', '10E3/uL', '10^3/uL'].map((unit) => ({
      analyte: 'platelets' as const,
      unit,
      value: 42,
      canonical: 42,
    })),
    ...['x10^9/L', '10E9/L', 'G/L', `10^3/${MICRO_SIGN}L`, '×10⁹/L', '10³/µL'].map((unit) => ({
      analyte: 'platelets' as const,
      unit,
      value: 42,
      canonical: 42,
    })),
    // Platelets ÷1000: cells per microlitre (or per cubic millimetre, the same volume).
    ...['cells/uL', '/cumm', '/mm3', 'per mm3', '{cells}/uL', `/${GREEK_MU}L`].map((unit) => ({
      analyte: 'platelets' as const,
      unit,
      value: 42_000,
      canonical: 42,
    })),
    // eGFR ×1, whatever way the 1.73 m² body surface is written.
    ...[
      'mL/min/1.73 m^2',
      'mL/min/1.73m^2',
      'mL/min/1.73 m2',
      'mL/min/1.73m²',
      'mL/min/1.73 sq m',
      'mL/min/1.73',
      'mL/min/{1.73_m2}',
      'mL/min',
    ].map((unit) => ({ analyte: 'egfr' as const, unit, value: 55, canonical: 55 })),
    // Hb, MCV.
    ...['g/dl', 'gm/dL', 'g/dL', 'G/DL'].map((unit) => ({
      analyte: 'haemoglobin' as const,
      unit,
      value: 10.9,
      canonical: 109,
    })),
    ...['fl', 'um3', `${MICRO_SIGN}m3`, 'cubic microns'].map((unit) => ({
      analyte: 'mcv' as const,
      unit,
      value: 101,
      canonical: 101,
    })),
    // B12, folate, MMA in lower case.
    { analyte: 'totalB12', unit: 'pg/ml', value: 250, canonical: 250 },
    { analyte: 'totalB12', unit: 'ng/l', value: 250, canonical: 250 },
    { analyte: 'totalB12', unit: 'pmol/l', value: 133, canonical: 180.2682 },
    { analyte: 'serumFolate', unit: 'ng/ml', value: 3, canonical: 3 / 0.4414 },
    { analyte: 'serumFolate', unit: 'ug/l', value: 3, canonical: 3 / 0.4414 },
    { analyte: 'serumFolate', unit: 'mcg/L', value: 3, canonical: 3 / 0.4414 },
    { analyte: 'serumFolate', unit: 'nmol/l', value: 12, canonical: 12 },
    { analyte: 'methylmalonicAcid', unit: 'umol/l', value: 0.3, canonical: 0.3 },
    { analyte: 'methylmalonicAcid', unit: 'nmol/ml', value: 0.3, canonical: 0.3 },
    { analyte: 'methylmalonicAcid', unit: 'nmol/l', value: 300, canonical: 0.3 },
  ] satisfies { analyte: Table; unit: string; value: number; canonical: number }[])(
    '$analyte: $value $unit is $canonical in the canonical unit',
    ({ analyte, unit, value, canonical }) => {
      expect(converted(toCanonical(value, unit, ANALYTES[analyte]))).toBeCloseTo(canonical, 9);
    },
  );

  it('every spelling of the synonym table reads as a valid UCUM code', () => {
    for (const { ucum, spellings } of LAB_UNIT_SYNONYMS) {
      expect(spellings.length, ucum).toBeGreaterThan(0);
      expect(UcumLhcUtils.getInstance().validateUnitString(ucum).status, ucum).toBe('valid');
    }
  });
});

describe('UCUM readings that are commensurable by accident are never used (RULES.md 10.3.1, 10.3.2)', () => {
  it.each([
    { unit: 'K/uL', ucum: 'kelvin per microlitre' },
    { unit: 'G/L', ucum: 'gauss per litre' },
  ])(
    'platelets $unit are thousands per microlitre, not $ucum: 42 $unit = 42 ×10⁹/L',
    ({ unit }) => {
      const resolution = resolveUnit(unit, ANALYTES.platelets);
      expect(factorOf(resolution)).toBe(1);
      expect(resolution.ok && resolution.ucum).toBe(unit === 'G/L' ? '10*9/L' : '10*3/uL');
    },
  );

  it('Hb G/DL is grams per decilitre, not gauss: 7.9 G/DL = 79 g/L', () => {
    expect(converted(toCanonical(7.9, 'G/DL', ANALYTES.haemoglobin))).toBe(79);
  });

  it('Hb G/L is grams per litre (the analyte decides between giga-cells and grams)', () => {
    expect(factorOf(resolveUnit('G/L', ANALYTES.haemoglobin))).toBe(1);
    expect(resolveUnit('G/L', ANALYTES.haemoglobin)).toMatchObject({ ucum: 'g/L' });
  });

  it('eGFR mL/min/1.73 (LabCorp) is 55 per 1.73 m², not 55 × 73 mL/min as UCUM would read "1.73"', () => {
    expect(converted(toCanonical(55, 'mL/min/1.73', ANALYTES.egfr))).toBe(55);
  });

  it.each([
    { analyte: 'platelets', unit: '10.3/uL', fact: 'UCUM reads 10 × 3 per microlitre' },
    { analyte: 'egfr', unit: 'mL/min/1.73.m2', fact: 'UCUM reads mL × 73 m² per minute' },
    { analyte: 'egfr', unit: 'mL/s/1.73m2', fact: 'the library would assume 73.m2' },
  ] satisfies { analyte: Table; unit: string; fact: string }[])(
    '$analyte $unit is not read ($fact): a decimal outside an annotation is never UCUM',
    ({ analyte, unit }) => {
      expect(reasonOf(resolveUnit(unit, ANALYTES[analyte]))).toBe(`unit '${unit}' not recognised`);
    },
  );

  it.each([
    { unit: 'Gauss', fact: 'the library would substitute G' },
    { unit: 'IU/L', fact: 'the library would assume [IU]/L' },
  ])('$unit is not read: a unit the library only guesses at is not UCUM ($fact)', ({ unit }) => {
    expect(reasonOf(resolveUnit(unit, ANALYTES.totalB12))).toBe(`unit '${unit}' not recognised`);
  });
});

describe('a valid UCUM unit commensurable with the canonical unit is converted by UCUM arithmetic (RULES.md 10.3.1)', () => {
  it.each([
    { analyte: 'platelets', unit: '10*3/uL', value: 47, canonical: 47, fact: '10*3/uL = 10*9/L' },
    { analyte: 'platelets', unit: '/mm3', value: 47_000, canonical: 47, fact: '/mm3 = /uL' },
    {
      analyte: 'platelets',
      unit: '10*6/uL',
      value: 0.047,
      canonical: 47,
      fact: 'millions per µL are 10¹² per litre',
    },
    {
      analyte: 'egfr',
      unit: 'mL/min/{1.73_m2}',
      value: 59,
      canonical: 59,
      fact: 'mL/min/{1.73_m2} = mL/min with an annotation',
    },
    {
      analyte: 'egfr',
      unit: 'mL/s/{1.73_m2}',
      value: 1,
      canonical: 60,
      fact: '1 mL/s is 60 mL/min',
    },
    { analyte: 'totalB12', unit: 'ug/L', value: 0.25, canonical: 250, fact: 'ug/L = ng/mL' },
    {
      analyte: 'totalB12',
      unit: 'pmol/mL',
      value: 0.133,
      canonical: 180.2682,
      fact: '×1000 pmol/L',
    },
    { analyte: 'totalB12', unit: 'ng/dL', value: 25, canonical: 250, fact: 'ng/dL is ×10 ng/L' },
    {
      analyte: 'serumFolate',
      unit: 'ng/L',
      value: 3000,
      canonical: 3 / 0.4414,
      fact: 'by 441.4 g/mol',
    },
    { analyte: 'mcv', unit: 'pL', value: 0.101, canonical: 101, fact: 'picolitres ×1000' },
    {
      analyte: 'creatinine',
      unit: 'mg/dL',
      value: 1,
      canonical: 10_000 / 113.12,
      fact: '113.12 g/mol',
    },
  ] satisfies { analyte: Table; unit: string; value: number; canonical: number; fact: string }[])(
    '$analyte: $value $unit is $canonical ($fact)',
    ({ analyte, unit, value, canonical }) => {
      expect(converted(toCanonical(value, unit, ANALYTES[analyte]))).toBeCloseTo(canonical, 9);
    },
  );

  it.each([
    { analyte: 'totalB12', unit: 'mmol/L', fact: '180 mmol/L is 2.4 × 10¹¹ ng/L' },
    { analyte: 'totalB12', unit: 'mcg/dL', fact: '180 µg/dL is 1 800 000 ng/L' },
    { analyte: 'activeB12', unit: 'nmol/L', fact: '180 nmol/L is 180 000 pmol/L' },
    { analyte: 'haemoglobin', unit: 'mg/dL', fact: '180 mg/dL is 1.8 g/L' },
  ] satisfies { analyte: Table; unit: string; fact: string }[])(
    '$analyte in $unit converts, and the plausibility range still rejects it ($fact)',
    ({ analyte, unit }) => {
      expect(rejection(toCanonical(180, unit, ANALYTES[analyte]))).toBe(
        `value 180 ${unit} is outside the plausible range`,
      );
    },
  );
});

describe('a unit that cannot be read is never guessed: not ok, and the reason names it (RULES.md 2.2, 10.3.3)', () => {
  it.each([
    { analyte: 'totalB12', unit: 'mg/furlong', fact: 'not a unit at all' },
    {
      analyte: 'totalB12',
      unit: 'IU/L',
      fact: 'international units are not UCUM (and not B12 mass)',
    },
    { analyte: 'totalB12', unit: 'picomoles per litre', fact: 'words are not units' },
    { analyte: 'totalB12', unit: '', fact: 'an empty unit' },
    { analyte: 'haemoglobin', unit: 'grams', fact: 'a unit name, not a code' },
    { analyte: 'platelets', unit: 'thou', fact: 'thousand of what volume' },
  ] satisfies { analyte: Table; unit: string; fact: string }[])(
    '$analyte: $unit is not recognised ($fact)',
    ({ analyte, unit }) => {
      expect(rejection(toCanonical(100, unit, ANALYTES[analyte]))).toBe(
        `unit '${unit}' not recognised`,
      );
    },
  );

  it.each([
    { analyte: 'activeB12', unit: 'ng/L' },
    { analyte: 'activeB12', unit: 'pg/mL' },
    { analyte: 'activeB12', unit: 'ng/mL' },
    { analyte: 'activeB12', unit: 'ug/L' },
    { analyte: 'methylmalonicAcid', unit: 'mg/L' },
    { analyte: 'methylmalonicAcid', unit: 'ug/L' },
    { analyte: 'homocysteine', unit: 'mg/L' },
  ] satisfies { analyte: Table; unit: string }[])(
    '$analyte in the mass unit $unit is unusable: no molecular weight, so no mass-to-moles conversion',
    ({ analyte, unit }) => {
      expect(rejection(toCanonical(40, unit, ANALYTES[analyte]))).toBe(
        `unit '${unit}' not recognised: no conversion between mass and moles for this test`,
      );
    },
  );

  it.each([
    { analyte: 'haemoglobin', unit: '%', fact: 'a percentage' },
    { analyte: 'haemoglobin', unit: 'K/uL', fact: 'a cell count' },
    { analyte: 'platelets', unit: '%', fact: 'a percentage' },
    { analyte: 'platelets', unit: 'g/dL', fact: 'a mass concentration' },
    { analyte: 'mcv', unit: 'fL/L', fact: 'a volume fraction' },
    { analyte: 'totalB12', unit: '[IU]/L', fact: 'an arbitrary unit' },
    { analyte: 'egfr', unit: 'mL/min/m2', fact: 'per square metre, not per 1.73 m²' },
    { analyte: 'potassium', unit: 'mg/dL', fact: 'no molecular weight given for potassium' },
  ] satisfies { analyte: Table; unit: string; fact: string }[])(
    '$analyte in $unit is unusable: a unit of another quantity ($fact)',
    ({ analyte, unit }) => {
      const reason = rejection(toCanonical(40, unit, ANALYTES[analyte]));
      expect(reason).toMatch(
        new RegExp(`^unit '${unit.replace(/[[\]]/g, '\\$&')}' not recognised: `),
      );
    },
  );

  it.each(['()', '{x}8', 's(3)2', 'ng/L\u0000'])(
    '%j is not recognised, and the library is not asked (it would log to stdout)',
    (unit) => {
      const log = vi.spyOn(console, 'log');
      expect(rejection(toCanonical(100, unit, ANALYTES.totalB12))).toBe(
        `unit '${unit}' not recognised`,
      );
      expect(log).not.toHaveBeenCalled();
    },
  );

  it('a very long unit is not parsed, and the reason quotes only its start', () => {
    const unit = 'ng/L'.repeat(50);
    expect(rejection(toCanonical(100, unit, ANALYTES.totalB12))).toBe(
      `unit '${unit.slice(0, 40)}…' not recognised`,
    );
  });
});

describe('the library is asked once per (analyte, unit); after that a conversion is a Map lookup', () => {
  const freshTable = (): UnitTable => ({
    unit: 'ng/L',
    molecularWeight: 1355.4,
    plausible: [10, 100_000],
  });

  it.each(['pmol/L', 'mg/furlong'])(
    'a second %s is read without the library (negative results too)',
    (unit) => {
      const table = freshTable();
      // getInstance() makes a new instance each time: spy on the class.
      const convert = vi.spyOn(UcumLhcUtils.prototype, 'convertUnitTo');
      const validate = vi.spyOn(UcumLhcUtils.prototype, 'validateUnitString');
      try {
        const first = resolveUnit(unit, table);
        const calls = convert.mock.calls.length + validate.mock.calls.length;
        expect(calls).toBeGreaterThan(0);
        expect(resolveUnit(unit, table)).toBe(first);
        expect(toCanonical(133, unit, table).ok).toBe(first.ok);
        expect(convert.mock.calls.length + validate.mock.calls.length).toBe(calls);
      } finally {
        convert.mockRestore();
        validate.mockRestore();
      }
    },
  );

  it('the cache is per analyte: pmol/L is 1.3554 for total B12 and 1 for active B12', () => {
    expect(factorOf(resolveUnit('pmol/L', ANALYTES.totalB12))).toBe(1.3554);
    expect(factorOf(resolveUnit('pmol/L', ANALYTES.activeB12))).toBe(1);
  });

  it('stays correct past its bound of 1000 units', () => {
    const table = freshTable();
    for (let n = 0; n < 1500; n += 1) resolveUnit(`ng/L{n${n}}`, table);
    expect(factorOf(resolveUnit('pmol/L', table))).toBe(1.3554);
    expect(factorOf(resolveUnit('ng/L{n3}', table))).toBe(1);
  });

  it('a canonical unit that is not UCUM is a programming error, found on first use', () => {
    expect(() => resolveUnit('ng/L', { unit: 'mL/min/1.73m2', plausible: [0, 1] })).toThrow(/UCUM/);
  });
});

describe('unit code and text (RULES.md 10.2.4)', () => {
  it.each([
    { code: 'pmol/L', text: 'pg/mL', fact: '1.3554 against 1' },
    { code: 'g/dL', text: 'g/L', fact: '10 against 1' },
  ])('$code vs $text disagree ($fact): neither is used', ({ code, text }) => {
    const table = code === 'pmol/L' ? ANALYTES.totalB12 : ANALYTES.haemoglobin;
    expect(quantityUnit(code, text, table)).toEqual({
      disagree: `unit code and text disagree: ${code} vs ${text}`,
    });
  });

  it.each([
    { code: 'pmol/L', text: 'pmol/L', use: 'pmol/L', fact: 'the same' },
    { code: 'ng/L', text: 'pg/mL', use: 'ng/L', fact: 'both × 1: the code' },
    {
      code: 'pmol/L',
      text: 'picomoles per litre',
      use: 'pmol/L',
      fact: 'only the code is recognised',
    },
    { code: 'nonsense', text: 'pmol/L', use: 'pmol/L', fact: 'only the text is recognised' },
    {
      code: 'nonsense',
      text: 'rubbish',
      use: 'nonsense',
      fact: 'neither: the code, with its reason',
    },
    { code: undefined, text: 'pmol/L', use: 'pmol/L', fact: 'no code: the text' },
    { code: 'pmol/L', text: undefined, use: 'pmol/L', fact: 'no text: the code' },
  ])('code $code, text $text: $use is used ($fact)', ({ code, text, use }) => {
    expect(quantityUnit(code, text, ANALYTES.totalB12)).toBe(use);
  });

  it('platelets 10*3/uL with the text K/uL agree (both ×1)', () => {
    expect(quantityUnit('10*3/uL', 'K/uL', ANALYTES.platelets)).toBe('10*3/uL');
  });

  it('no code and no text: no unit', () => {
    expect(quantityUnit(undefined, undefined, ANALYTES.totalB12)).toBeUndefined();
  });
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
