import { describe, expect, it } from 'vitest';
import {
  displayUnit,
  evidenceLine,
  reportedNumber,
  reportedText,
  resultText,
  valueText,
} from '../../cds-services/b12/evidence.js';
import type { Analyte } from '../../cds-services/b12/terminology.js';
import { ANALYTES } from '../../cds-services/b12/terminology.js';
import type { Comparator, LabResult } from '../../src/fhir/observations.js';

/*
 * Evidence numbers (RULES.md 10.5.4, 10.9.1): the laboratory's value in its own unit with at most
 * 4 significant digits, the canonical value as before, units as clinicians write them. Display
 * only: the value the rules compare is never rounded.
 */

const ON = Date.UTC(2026, 10, 14) / 86_400_000; // 2026-11-14

function result(
  analyte: Analyte,
  value: number,
  reported: { value: number; unit: string },
  comparator?: Comparator,
): LabResult<Analyte> {
  return {
    id: 'obs-1',
    analyte,
    code: { system: 'http://loinc.org', code: ANALYTES[analyte].loinc[0] ?? '' },
    value,
    unit: ANALYTES[analyte].unit,
    ...(comparator === undefined ? {} : { comparator }),
    reported,
    day: ON,
    status: 'final',
    interpretation: [],
  };
}

describe('reported values have at most 4 significant digits (RULES.md 10.5.4)', () => {
  it('Hb 6.131041727801779 g/dL is shown as "Hb 6.131 g/dL (= 61.3 g/L)"', () => {
    const hb = result('haemoglobin', 61.31041727801779, { value: 6.131041727801779, unit: 'g/dL' });
    expect(resultText(hb)).toBe('Hb 6.131 g/dL (= 61.3 g/L), 2026-11-14');
  });

  it.each([
    {
      value: 6.131041727801779,
      shown: '6.131',
      fact: 'float noise from a unit conversion upstream',
    },
    { value: 0.142, shown: '0.142', fact: 'a small value keeps its digits' },
    { value: 0.000123456, shown: '0.0001235', fact: 'leading zeros are not significant' },
    { value: 132, shown: '132', fact: 'an integer stays as written' },
    { value: 150_000, shown: '150000', fact: 'a count per µL is not written in exponent form' },
    { value: 12_345, shown: '12350', fact: 'five digits are rounded to four' },
    { value: 10.9, shown: '10.9', fact: 'no trailing zeros' },
    { value: 0, shown: '0', fact: 'zero' },
  ])('$value is shown as $shown ($fact)', ({ value, shown }) => {
    expect(reportedNumber(value)).toBe(shown);
  });

  it('the unit is shown as reported, with the comparator: "<133.3 pmol/L (= 180.7 ng/L)"', () => {
    const b12 = result('totalB12', 180.66, { value: 133.2861, unit: 'pmol/L' }, '<');
    expect(resultText(b12)).toBe('total B12 <133.3 pmol/L (= <180.7 ng/L), 2026-11-14');
  });

  it('a value reported in the canonical unit is shown once, to 4 significant digits', () => {
    const b12 = result('totalB12', 178.91284, { value: 178.91284, unit: 'ng/L' });
    expect(resultText(b12)).toBe('total B12 178.9 ng/L, 2026-11-14');
  });

  it('the converted value keeps its formatting: 132 pmol/L = 178.9 ng/L', () => {
    const b12 = result('totalB12', 132 * 1.3554, { value: 132, unit: 'pmol/L' });
    expect(evidenceLine([b12])).toBe('Evidence: total B12 132 pmol/L (= 178.9 ng/L), 2026-11-14.');
  });

  it('display rounding never touches the value the rules compare: 179.96 ng/L stays below 180', () => {
    const b12 = result('totalB12', 179.96, { value: 179.96, unit: 'ng/L' });
    expect(resultText(b12)).toBe('total B12 180 ng/L, 2026-11-14');
    expect(b12.value).toBeLessThan(180);
  });
});

describe('canonical UCUM units are shown as clinicians write them (RULES.md 10.9.1)', () => {
  it.each([
    { unit: '10*9/L', shown: '×10⁹/L' },
    { unit: 'umol/L', shown: 'µmol/L' },
    { unit: 'mL/min/{1.73_m2}', shown: 'mL/min/1.73 m²' },
    { unit: 'ng/L', shown: 'ng/L' },
    { unit: 'g/L', shown: 'g/L' },
  ])('$unit is shown as $shown', ({ unit, shown }) => {
    expect(displayUnit(unit)).toBe(shown);
  });

  it.each([
    { analyte: 'platelets', value: 42, shown: '42 ×10⁹/L' },
    { analyte: 'egfr', value: 55, shown: '55 mL/min/1.73 m²' },
    { analyte: 'methylmalonicAcid', value: 0.62, shown: '0.62 µmol/L' },
  ] satisfies { analyte: Analyte; value: number; shown: string }[])(
    '$analyte in its canonical unit: $shown',
    ({ analyte, value, shown }) => {
      expect(valueText(result(analyte, value, { value, unit: ANALYTES[analyte].unit }))).toBe(
        shown,
      );
    },
  );

  it('platelets 42 K/uL read as 42 ×10⁹/L show the value once, in the unit as reported', () => {
    const platelets = result('platelets', 42, { value: 42, unit: 'K/uL' });
    expect(resultText(platelets)).toBe('platelets 42 K/uL, 2026-11-14');
  });
});

describe('a unit reported as a UCUM code is shown in its human form; a lab spelling as sent (RULES.md 10.9.1)', () => {
  it.each([
    { unit: '10*3/uL', shown: '×10³/µL' },
    { unit: '10*9/L', shown: '×10⁹/L' },
    { unit: '10*12/L', shown: '×10¹²/L' },
    { unit: '10^9/L', shown: '×10⁹/L' },
    { unit: '10*3/mm3', shown: '×10³/mm³' },
    { unit: '10*3{cells}/uL', shown: '×10³ cells/µL' },
    { unit: 'mL/min/{1.73_m2}', shown: 'mL/min/1.73 m²' },
    { unit: 'umol/L', shown: 'µmol/L' },
    { unit: 'ug/L', shown: 'µg/L' },
    { unit: 'ug/dL', shown: 'µg/dL' },
    { unit: '/uL', shown: '/µL' },
    { unit: '/mm3', shown: '/mm³' },
    { unit: 'um3', shown: 'µm³' },
    { unit: 'meq/L', shown: 'mEq/L' },
    { unit: 'umol/l', shown: 'µmol/L' },
  ])('UCUM $unit is shown as $shown', ({ unit, shown }) => {
    expect(displayUnit(unit)).toBe(shown);
  });

  it.each(['ng/L', 'pg/mL', 'ng/mL', 'pmol/L', 'nmol/L', 'mmol/L', 'g/L', 'g/dL', 'mg/dL', 'fL'])(
    'UCUM %s is already how clinicians write it, and stays',
    (unit) => {
      expect(displayUnit(unit)).toBe(unit);
    },
  );

  it.each([
    'K/uL',
    'thou/uL',
    'x10E3/uL',
    'G/L',
    'cells/uL',
    'mcg/L',
    'mL/min',
    'mL/min/1.73m2',
    'mL/min/1.73',
    'mEq/L',
    'µmol/L',
    '×10⁹/L',
    '',
  ])('the laboratory spelling "%s" is not a UCUM code, and is shown as sent', (unit) => {
    expect(displayUnit(unit)).toBe(unit);
  });

  it.each([
    {
      fact: 'platelets 250 10*3/uL (= 250 ×10⁹/L) show the reported unit as ×10³/µL',
      lab: result('platelets', 250, { value: 250, unit: '10*3/uL' }),
      shown: 'platelets 250 ×10³/µL, 2026-11-14',
    },
    {
      fact: 'eGFR 55 mL/min/{1.73_m2} is shown as 55 mL/min/1.73 m²',
      lab: result('egfr', 55, { value: 55, unit: 'mL/min/{1.73_m2}' }),
      shown: 'eGFR 55 mL/min/1.73 m², 2026-11-14',
    },
    {
      fact: 'total B12 0.25 ug/L is shown as µg/L, then the converted ng/L',
      lab: result('totalB12', 250, { value: 0.25, unit: 'ug/L' }),
      shown: 'total B12 0.25 µg/L (= 250 ng/L), 2026-11-14',
    },
    {
      fact: 'MMA 620 nmol/L converted to µmol/L, never umol/L',
      lab: result('methylmalonicAcid', 0.62, { value: 620, unit: 'nmol/L' }),
      shown: 'methylmalonic acid (MMA) 620 nmol/L (= 0.62 µmol/L), 2026-11-14',
    },
    {
      fact: 'platelets 42000 /uL (= 42 ×10⁹/L) show /µL',
      lab: result('platelets', 42, { value: 42_000, unit: '/uL' }),
      shown: 'platelets 42000 /µL (= 42 ×10⁹/L), 2026-11-14',
    },
  ])('$fact', ({ lab, shown }) => {
    expect(resultText(lab)).toBe(shown);
  });

  it('the reported value alone keeps comparator, 4 significant digits and the human unit', () => {
    const platelets = result('platelets', 9.87654, { value: 9.87654, unit: '10*3/uL' }, '<');
    expect(reportedText(platelets)).toBe('<9.877 ×10³/µL');
  });
});
