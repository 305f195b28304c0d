import { describe, expect, it } from 'vitest';
import {
  displayUnit,
  evidenceLine,
  reportedNumber,
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
