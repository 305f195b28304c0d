import { concept, epochDayOf, loinc, quantity } from '../support/fhir.js';
import type { Observation } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { Analyte } from '../../cds-services/b12/index.js';
import { newestFirst, observationDate, readObservation } from '../../src/fhir/observations.js';
import type { LabResult, ObservationReading } from '../../src/fhir/observations.js';
import { READER, lab, observation, resultOf, unusableReason, utcMs } from './support.js';
import type { Json } from './support.js';
import { DATA_ABSENT_REASON, LOINC, OBSERVATION_INTERPRETATION } from '../../src/fhir/systems.js';

/* RULES.md 2.2 (observations) with the units of RULES.md 3 and 10.3. "Today" is 2026-11-21 (UTC). */

const TODAY = epochDayOf('2026-11-21');

const read = (resource: Json): ObservationReading<Analyte> =>
  readObservation(resource, READER, TODAY);

describe('identification by LOINC system and code only (RULES.md 2.2, 7.1)', () => {
  it.each([
    { code: '2132-9', analyte: 'totalB12', unit: 'ng/L', value: 250 },
    { code: '14685-2', analyte: 'totalB12', unit: 'pmol/L', value: 200 },
    { code: '72160-5', analyte: 'activeB12', unit: 'pmol/L', value: 40 },
    { code: '13964-2', analyte: 'methylmalonicAcid', unit: 'umol/L', value: 0.3 },
    { code: '718-7', analyte: 'haemoglobin', unit: 'g/dL', value: 11 },
    { code: '787-2', analyte: 'mcv', unit: 'fL', value: 101 },
    { code: '777-3', analyte: 'platelets', unit: '10*9/L', value: 150 },
    { code: '2284-8', analyte: 'serumFolate', unit: 'ng/mL', value: 5 },
    { code: '2283-0', analyte: 'redCellFolate', unit: 'ng/mL', value: 300 },
    { code: '33914-3', analyte: 'egfr', unit: 'mL/min/{1.73_m2}', value: 55 },
  ] satisfies { code: string; analyte: Analyte; unit: string; value: number }[])(
    'LOINC $code is $analyte',
    ({ code, analyte, unit, value }) => {
      expect(resultOf(read(lab(code, value, unit))).analyte).toBe(analyte);
    },
  );

  it('keeps the identifying code and the Observation id on the result', () => {
    const result = resultOf(read(lab('14685-2', 200, 'pmol/L', { id: 'b12-moles' })));
    expect(result.code).toEqual({ system: LOINC, code: '14685-2' });
    expect(result.id).toBe('b12-moles');
  });

  it.each([
    {
      fact: 'LOINC 2132-9 under another system (http://example.org) is not total B12',
      code: { coding: [{ system: 'http://example.org', code: '2132-9' }] },
    },
    {
      fact: 'a LOINC code the service does not read (glucose 2345-7) is other',
      code: concept([loinc('2345-7')]),
    },
    {
      fact: 'text and display alone never identify a test',
      code: { coding: [{ display: 'Vitamin B12' }], text: 'Vitamin B12 serum' },
    },
    {
      fact: 'a never-used code with an invalid check digit (14685-3) is other',
      code: concept([loinc('14685-3')]),
    },
  ])('$fact', ({ code }) => {
    expect(read(observation({ code }))).toEqual({ kind: 'other' });
  });

  it('finds the LOINC coding when a local coding comes first', () => {
    const code = {
      coding: [
        { system: 'http://lab.example.org/codes', code: 'B12' },
        { system: LOINC, code: '2132-9' },
      ],
    };
    expect(resultOf(read(observation({ code }))).code).toEqual({ system: LOINC, code: '2132-9' });
  });
});

describe('status (RULES.md 2.2)', () => {
  it.each(['final', 'amended', 'corrected'] as const)('%s is usable', (status) => {
    const result = resultOf(read(observation({ status })));
    expect(result.status).toBe(status);
    expect(result.value).toBe(300);
  });

  it.each(['preliminary', 'registered'] as const)(
    '%s is a pending test, not a result',
    (status) => {
      expect(read(observation({ status, id: 'pending-1' }))).toEqual({
        kind: 'pending',
        analyte: 'totalB12',
        id: 'pending-1',
        day: epochDayOf('2026-11-14'),
      });
    },
  );

  it('a registered test without a value or date is still pending (day unknown)', () => {
    const registered = observation({
      status: 'registered',
      valueQuantity: undefined,
      effectiveDateTime: undefined,
    });
    expect(read(registered)).toMatchObject({ kind: 'pending', day: undefined });
  });

  it('a cancelled test is unusable and reported as cancelled (never taken as a result)', () => {
    const reading = read(observation({ status: 'cancelled' }));
    expect(unusableReason(reading)).toContain('cancelled');
    expect(reading).toMatchObject({ analyte: 'totalB12', day: epochDayOf('2026-11-14') });
  });

  it.each(['entered-in-error', 'unknown'] as const)(
    '%s is ignored: not a result at all (RULES.md 2.2)',
    (status) => {
      expect(read(observation({ status })).kind).toBe('ignored');
    },
  );

  it('an Observation without status is ignored like one of unknown status', () => {
    // Not valid R4: status is required.
    const noStatus = observation();
    delete noStatus.status;
    expect(read(noStatus).kind).toBe('ignored');
  });
});

describe('value (RULES.md 2.2)', () => {
  it('a dataAbsentReason is missing', () => {
    const absent = observation({
      valueQuantity: undefined,
      dataAbsentReason: { coding: [{ system: DATA_ABSENT_REASON, code: 'not-performed' }] },
    });
    expect(read(absent)).toEqual({
      kind: 'missing',
      analyte: 'totalB12',
      id: 'obs-1',
      day: epochDayOf('2026-11-14'),
    });
  });

  it('no value at all is missing', () => {
    expect(read(observation({ valueQuantity: undefined })).kind).toBe('missing');
  });

  it('a valueQuantity without a number is missing', () => {
    expect(read(observation({ valueQuantity: { unit: 'ng/L' } })).kind).toBe('missing');
  });

  it.each([
    { comparator: '<', value: 50 },
    { comparator: '<=', value: 180 },
    { comparator: '>', value: 350 },
    { comparator: '>=', value: 2000 },
  ] as const)('valueQuantity comparator $comparator $value is kept', ({ comparator, value }) => {
    const result = resultOf(
      read(observation({ valueQuantity: { value, unit: 'ng/L', comparator } })),
    );
    expect(result.comparator).toBe(comparator);
    expect(result.value).toBe(value);
  });

  it('a result without comparator has none', () => {
    expect(resultOf(read(observation())).comparator).toBeUndefined();
  });

  it("comparator 'ad' (R5 'sufficient to achieve') is unusable", () => {
    // Not valid R4: 'ad' is not in the R4 comparator value set, but clients send it.
    const base = observation();
    const reading = read({
      ...base,
      valueQuantity: { value: 300, unit: 'ng/L', comparator: 'ad' },
    });
    expect(unusableReason(reading)).toMatch(/comparator/);
  });

  it.each([
    { text: '<50 ng/L', comparator: '<', reported: 50, unit: 'ng/L', value: 50 },
    { text: '  >= 350 pg/mL ', comparator: '>=', reported: 350, unit: 'pg/mL', value: 350 },
    { text: '180 ng/L', comparator: undefined, reported: 180, unit: 'ng/L', value: 180 },
    { text: '<=180 ng/L', comparator: '<=', reported: 180, unit: 'ng/L', value: 180 },
    { text: '>350ng/L', comparator: '>', reported: 350, unit: 'ng/L', value: 350 },
    { text: '133 pmol/L', comparator: undefined, reported: 133, unit: 'pmol/L', value: 180.2682 },
    { text: '0.25 ng/mL', comparator: undefined, reported: 0.25, unit: 'ng/mL', value: 250 },
  ])(
    'valueString $text is parsed: comparator $comparator, $reported $unit',
    ({ text, comparator, reported, unit, value }) => {
      const result = resultOf(read(observation({ valueString: text })));
      expect(result.comparator).toBe(comparator);
      expect(result.reported).toEqual({ value: reported, unit });
      expect(result.value).toBeCloseTo(value, 9);
      expect(result.unit).toBe('ng/L');
    },
  );

  it.each([
    { text: 'see comment', why: 'no number' },
    { text: '1.2.3 ng/L', why: 'not one number' },
    { text: '180', why: 'no unit' },
    { text: 'about 180 ng/L', why: 'words before the number' },
    { text: '180 ng/L (haemolysed)', why: 'words after the unit' },
    { text: '< 50 IU/L', why: 'a unit that is not accepted' },
  ])('valueString "$text" is unusable ($why)', ({ text }) => {
    expect(read(observation({ valueString: text })).kind).toBe('unusable');
  });

  it("valueString '180' is reported as unreadable, not as an invented unit '0'", () => {
    const reading = read(observation({ valueString: '180' }));
    expect(unusableReason(reading)).not.toContain("'0'");
    expect(reading).not.toMatchObject({ unit: '0' });
  });

  it('the unit is read from valueQuantity.code before valueQuantity.unit when both read the same', () => {
    const result = resultOf(read(observation({ valueQuantity: quantity(250, 'pg/mL', 'ng/L') })));
    expect(result.reported).toEqual({ value: 250, unit: 'ng/L' });
    expect(result.value).toBe(250);
  });

  it('valueQuantity.unit is used when there is no code', () => {
    const result = resultOf(read(observation({ valueQuantity: { value: 133, unit: 'pmol/L' } })));
    expect(result.reported.unit).toBe('pmol/L');
  });

  it('a valueQuantity without code or unit is unusable: no unit', () => {
    const reading = read(observation({ valueQuantity: { value: 180 } }));
    expect(unusableReason(reading)).toMatch(/no unit/);
  });

  it.each([
    { code: '2132-9', value: 180, unit: 'mg/furlong' },
    { code: '2132-9', value: 180, unit: 'IU/L' },
    { code: '72160-5', value: 40, unit: 'ng/L' },
    { code: '777-3', value: 40, unit: '%' },
  ])('LOINC $code in $unit is unusable and reports the unit', ({ code, value, unit }) => {
    const reading = read(lab(code, value, unit));
    expect(unusableReason(reading)).toContain(`'${unit}'`);
    expect(reading).toMatchObject({ kind: 'unusable', unit, code: { system: LOINC, code } });
  });

  it('an implausible converted value is unusable (Hb 1.9 g/dL = 19 g/L)', () => {
    const reading = read(lab('718-7', 1.9, 'g/dL'));
    expect(unusableReason(reading)).toMatch(/plausible/);
    expect(reading).toMatchObject({ analyte: 'haemoglobin', unit: 'g/dL' });
  });

  it('total B12 in mmol/L is converted by UCUM (180 mmol/L = 2.4 × 10¹¹ ng/L) and reported as implausible', () => {
    const reading = read(lab('2132-9', 180, 'mmol/L'));
    expect(unusableReason(reading)).toBe('value 180 mmol/L is outside the plausible range');
    expect(reading).toMatchObject({ unit: 'mmol/L' });
  });

  it('a laboratory spelling is read and kept as reported: platelets 42 K/uL = 42 ×10⁹/L', () => {
    const result = resultOf(read(lab('777-3', 42, 'K/uL')));
    expect(result.value).toBe(42);
    expect(result.unit).toBe('10*9/L');
    expect(result.reported).toEqual({ value: 42, unit: 'K/uL' });
  });

  it('an implausible value in a laboratory spelling is still reported (platelets 6000 K/uL)', () => {
    const reading = read(lab('777-3', 6000, 'K/uL'));
    expect(unusableReason(reading)).toBe('value 6000 K/uL is outside the plausible range');
    expect(reading).toMatchObject({ kind: 'unusable', analyte: 'platelets', unit: 'K/uL' });
  });

  it('a usable result carries the canonical value and unit and the value as reported', () => {
    const result = resultOf(read(lab('718-7', 10.9, 'g/dL')));
    expect(result.value).toBeCloseTo(109, 10);
    expect(result.unit).toBe('g/L');
    expect(result.reported).toEqual({ value: 10.9, unit: 'g/dL' });
  });
});

describe('unit code and unit text (RULES.md 10.2.4)', () => {
  it('B12 with code pmol/L and text pg/mL (×1.3554 against ×1) is unusable: the value is never guessed', () => {
    const reading = read(observation({ valueQuantity: quantity(133, 'pg/mL', 'pmol/L') }));
    expect(unusableReason(reading)).toBe('unit code and text disagree: pmol/L vs pg/mL');
    expect(reading).toMatchObject({ kind: 'unusable', analyte: 'totalB12', unit: 'pmol/L' });
  });

  it('Hb with code g/dL and text g/L (×10 against ×1) is unusable', () => {
    const reading = read(lab('718-7', 9, 'g/L', { valueQuantity: quantity(9, 'g/L', 'g/dL') }));
    expect(unusableReason(reading)).toBe('unit code and text disagree: g/dL vs g/L');
  });

  it('platelets with code 10*3/uL and text K/uL agree (both ×1): 42 ×10⁹/L, reported in the code', () => {
    const result = resultOf(
      read(lab('777-3', 42, 'K/uL', { valueQuantity: quantity(42, 'K/uL', '10*3/uL') })),
    );
    expect(result.value).toBe(42);
    expect(result.reported).toEqual({ value: 42, unit: '10*3/uL' });
  });

  it('only the code is recognised (text "picomoles per litre"): the code is used', () => {
    const resource = observation({ valueQuantity: quantity(133, 'picomoles per litre', 'pmol/L') });
    const result = resultOf(read(resource));
    expect(result.value).toBeCloseTo(180.2682, 9);
    expect(result.reported).toEqual({ value: 133, unit: 'pmol/L' });
  });

  it('only the text is recognised (a local code "PMOLL"): the text is used and reported', () => {
    const result = resultOf(read(observation({ valueQuantity: quantity(133, 'pmol/L', 'PMOLL') })));
    expect(result.value).toBeCloseTo(180.2682, 9);
    expect(result.reported).toEqual({ value: 133, unit: 'pmol/L' });
  });

  it('neither is recognised: unusable, with the reason for the code', () => {
    const reading = read(observation({ valueQuantity: quantity(133, 'picomoles', 'PMOLL') }));
    expect(unusableReason(reading)).toBe("unit 'PMOLL' not recognised");
  });

  it('referenceRange.high with code and text that disagree is unreadable, not guessed', () => {
    const resource = lab('13964-2', 0.5, 'umol/L', {
      referenceRange: [{ high: quantity(400, 'umol/L', 'nmol/L') }],
    });
    const result = resultOf(read(resource));
    expect(result.referenceHighUnreadable).toBe(true);
    expect(result.referenceHigh).toBeUndefined();
  });

  it('referenceRange.high with only its text recognised uses the text (400 nmol/L = 0.4 µmol/L)', () => {
    const resource = lab('13964-2', 0.5, 'umol/L', {
      referenceRange: [{ high: quantity(400, 'nmol/L', 'NMOLL') }],
    });
    expect(resultOf(read(resource)).referenceHigh).toBeCloseTo(0.4, 12);
  });
});

describe('date (RULES.md 2.2: effectiveDateTime, else effectivePeriod.start, else effectiveInstant, else issued)', () => {
  it('effectiveDateTime wins over issued', () => {
    const resource = observation({
      effectiveDateTime: '2026-11-10',
      issued: '2026-11-12T09:00:00Z',
    });
    expect(resultOf(read(resource)).day).toBe(epochDayOf('2026-11-10'));
  });

  it('effectiveDateTime wins over effectivePeriod.start and effectiveInstant', () => {
    // Not valid R4 (effective[x] is a choice of one), but the precedence must still hold.
    const resource = {
      ...observation({ effectiveDateTime: '2026-11-10' }),
      effectivePeriod: { start: '2026-11-11' },
      effectiveInstant: '2026-11-12T00:00:00Z',
    };
    expect(resultOf(read(resource)).day).toBe(epochDayOf('2026-11-10'));
  });

  it('effectivePeriod.start wins over effectiveInstant and issued', () => {
    // Not valid R4 (two effective[x] values).
    const resource = {
      ...observation({
        effectivePeriod: { start: '2026-11-11', end: '2026-11-13' },
        issued: '2026-11-14T09:00:00Z',
      }),
      effectiveInstant: '2026-11-12T00:00:00Z',
    };
    expect(resultOf(read(resource)).day).toBe(epochDayOf('2026-11-11'));
  });

  it('effectiveInstant wins over issued', () => {
    const resource = observation({
      effectiveInstant: '2026-11-12T08:00:00Z',
      issued: '2026-11-14T09:00:00Z',
    });
    expect(resultOf(read(resource)).day).toBe(epochDayOf('2026-11-12'));
  });

  it('issued is used when there is no effective[x]', () => {
    const resource = observation({ effectiveDateTime: undefined, issued: '2026-11-14T09:00:00Z' });
    expect(resultOf(read(resource)).day).toBe(epochDayOf('2026-11-14'));
  });

  it('an effectivePeriod without start falls through to issued', () => {
    const resource = observation({
      effectivePeriod: { end: '2026-11-13' },
      issued: '2026-11-14T09:00:00Z',
    });
    expect(resultOf(read(resource)).day).toBe(epochDayOf('2026-11-14'));
  });

  it('observationDate returns the parsed date of the first date present', () => {
    const resource = observation({ effectiveInstant: '2026-11-12T08:00:00Z' });
    expect(observationDate(resource)).toEqual({
      day: epochDayOf('2026-11-12'),
      ms: utcMs('2026-11-12T08:00:00Z'),
      partial: false,
    });
  });

  it.each([
    { when: '2026-11-21T00:30:00+13:00', utcDate: '2026-11-20' },
    { when: '2026-11-20T20:00:00-05:00', utcDate: '2026-11-21' },
  ])('a result taken at $when is dated UTC day $utcDate', ({ when, utcDate }) => {
    expect(resultOf(read(observation({ effectiveDateTime: when }))).day).toBe(epochDayOf(utcDate));
  });

  it('no date at all is unusable: no date', () => {
    const reading = read(observation({ effectiveDateTime: undefined }));
    expect(unusableReason(reading)).toBe('no date');
  });

  it.each(['2026', '2026-11'])('a partial date (%s) is unusable', (partial) => {
    const reading = read(observation({ effectiveDateTime: partial }));
    expect(unusableReason(reading)).toMatch(/precise/);
    expect(reading).toMatchObject({ day: undefined });
  });

  it('an unreadable effectiveDateTime is unusable, not guessed', () => {
    // Not valid R4: the dateTime does not exist.
    const resource = { ...observation(), effectiveDateTime: '2026-02-30' };
    expect(read(resource).kind).toBe('unusable');
  });

  it.each([
    { when: '2026-11-21', usable: true, fact: 'today is usable' },
    {
      when: '2026-11-22',
      usable: true,
      fact: 'tomorrow (UTC) is tolerated: it is today elsewhere',
    },
    {
      when: '2026-11-23T00:30:00+13:00',
      usable: true,
      fact: '00:30 on the 23rd in Auckland is UTC day 22 (tomorrow)',
    },
    { when: '2026-11-23', usable: false, fact: 'two days ahead is unusable' },
    {
      when: '2026-11-23T13:00:00+13:00',
      usable: false,
      fact: '13:00 on the 23rd in Auckland is UTC day 23',
    },
    { when: '2027-01-01', usable: false, fact: 'next year is unusable' },
  ])('dated $when: $fact', ({ when, usable }) => {
    const reading = read(observation({ effectiveDateTime: when }));
    if (usable) expect(reading.kind).toBe('result');
    else expect(unusableReason(reading)).toMatch(/future/);
  });

  it('issued is kept as epoch milliseconds to order same-day results', () => {
    const result = resultOf(read(observation({ issued: '2026-11-14T21:30:00+13:00' })));
    expect(result.issuedAt).toBe(utcMs('2026-11-14T08:30:00Z'));
  });

  it('a result without issued has no issuedAt', () => {
    expect(resultOf(read(observation())).issuedAt).toBeUndefined();
  });
});

describe('referenceRange.high and interpretation (RULES.md 2.5 mmaRaised, 3)', () => {
  const mma = (overrides: Partial<Observation>): Json => lab('13964-2', 0.5, 'umol/L', overrides);

  it('high in the value unit is kept', () => {
    const result = resultOf(
      read(mma({ referenceRange: [{ high: { value: 0.4, unit: 'umol/L' } }] })),
    );
    expect(result.referenceHigh).toBeCloseTo(0.4, 12);
    expect(result.referenceHighUnreadable).toBeUndefined();
  });

  it('high is converted with its own unit (400 nmol/L = 0.4 µmol/L)', () => {
    const result = resultOf(
      read(mma({ referenceRange: [{ high: { value: 400, unit: 'nmol/L' } }] })),
    );
    expect(result.referenceHigh).toBeCloseTo(0.4, 12);
  });

  it("high without a unit takes the value's unit (value 500 nmol/L, high 400 → 0.4 µmol/L)", () => {
    const resource = lab('13964-2', 500, 'nmol/L', { referenceRange: [{ high: { value: 400 } }] });
    const result = resultOf(read(resource));
    expect(result.value).toBeCloseTo(0.5, 12);
    expect(result.referenceHigh).toBeCloseTo(0.4, 12);
  });

  it("high's UCUM code is read before its unit text when both read the same", () => {
    const result = resultOf(
      read(mma({ referenceRange: [{ high: quantity(0.4, 'nmol/mL', 'umol/L') }] })),
    );
    expect(result.referenceHigh).toBeCloseTo(0.4, 12);
  });

  it('a total B12 high of 664 pmol/L is 899.99 ng/L', () => {
    const resource = lab('2132-9', 300, 'ng/L', {
      referenceRange: [{ high: { value: 664, unit: 'pmol/L' } }],
    });
    expect(resultOf(read(resource)).referenceHigh).toBeCloseTo(899.9856, 9);
  });

  it.each([
    { fact: 'a high in an unknown unit', high: { value: 0.4, unit: 'mg/L' } },
    { fact: 'a high without a value', high: { unit: 'umol/L' } },
  ])('$fact is flagged unreadable', ({ high }) => {
    const result = resultOf(read(mma({ referenceRange: [{ high }] })));
    expect(result.referenceHighUnreadable).toBe(true);
    expect(result.referenceHigh).toBeUndefined();
  });

  it('a range with only a low limit gives neither a high nor an unreadable flag', () => {
    const result = resultOf(
      read(mma({ referenceRange: [{ low: { value: 0.05, unit: 'umol/L' } }] })),
    );
    expect(result.referenceHigh).toBeUndefined();
    expect(result.referenceHighUnreadable).toBeUndefined();
  });

  it('interpretation codes are upper-cased, from every concept', () => {
    const resource = mma({
      interpretation: [
        { coding: [{ system: OBSERVATION_INTERPRETATION, code: 'h' }] },
        { coding: [{ system: OBSERVATION_INTERPRETATION, code: 'Hu' }] },
      ],
    });
    expect(resultOf(read(resource)).interpretation).toEqual(['H', 'HU']);
  });

  it('no interpretation gives an empty list', () => {
    expect(resultOf(read(mma({}))).interpretation).toEqual([]);
  });
});

describe('newestFirst (RULES.md 2.2: same date → later issued, then the more abnormal value)', () => {
  const result = (id: string, on: string, value: number, issued?: string): LabResult<Analyte> => ({
    id,
    analyte: 'totalB12',
    code: { system: LOINC, code: '2132-9' },
    value,
    unit: 'ng/L',
    reported: { value, unit: 'ng/L' },
    day: epochDayOf(on),
    ...(issued === undefined ? {} : { issuedAt: utcMs(issued) }),
    status: 'final',
    interpretation: [],
  });

  const order = (abnormal: 'low' | 'high', results: LabResult<Analyte>[]): (string | undefined)[] =>
    [...results].sort(newestFirst(abnormal)).map((each) => each.id);

  it('a later day comes first, whatever issued and value', () => {
    const older = result('older', '2026-11-10', 50, '2026-11-20T09:00:00Z');
    const newer = result('newer', '2026-11-12', 900, '2026-11-12T09:00:00Z');
    expect(order('low', [older, newer])).toEqual(['newer', 'older']);
    expect(order('low', [newer, older])).toEqual(['newer', 'older']);
  });

  it('on the same day the later issued comes first, even if less abnormal', () => {
    const early = result('early', '2026-11-12', 50, '2026-11-12T09:00:00Z');
    const late = result('late', '2026-11-12', 900, '2026-11-12T15:00:00Z');
    expect(order('low', [early, late])).toEqual(['late', 'early']);
  });

  it.each([
    { abnormal: 'low', first: 'lower', fact: "for 'low' analytes the lower value comes first" },
    { abnormal: 'high', first: 'higher', fact: "for 'high' analytes the higher value comes first" },
  ] as const)('same day and issued: $fact', ({ abnormal, first }) => {
    const lower = result('lower', '2026-11-12', 170, '2026-11-12T09:00:00Z');
    const higher = result('higher', '2026-11-12', 400, '2026-11-12T09:00:00Z');
    expect(order(abnormal, [lower, higher])[0]).toBe(first);
    expect(order(abnormal, [higher, lower])[0]).toBe(first);
  });

  it.each([
    { abnormal: 'low', first: 'lower' },
    { abnormal: 'high', first: 'higher' },
  ] as const)(
    'same day, neither issued: the more abnormal comes first ($abnormal)',
    ({ abnormal, first }) => {
      const lower = result('lower', '2026-11-12', 170);
      const higher = result('higher', '2026-11-12', 400);
      expect(order(abnormal, [lower, higher])[0]).toBe(first);
      expect(order(abnormal, [higher, lower])[0]).toBe(first);
    },
  );

  it('on the same day a result without issued sorts after one with it, even if more abnormal', () => {
    const undated = result('no-issued', '2026-11-12', 50);
    const issued = result('issued', '2026-11-12', 900, '2026-11-12T09:00:00Z');
    expect(order('low', [undated, issued])).toEqual(['issued', 'no-issued']);
    expect(order('low', [issued, undated])).toEqual(['issued', 'no-issued']);
  });

  it('orders a mixed list completely', () => {
    const list = [
      result('d1-low', '2026-11-01', 100),
      result('d3-early', '2026-11-03', 100, '2026-11-03T08:00:00Z'),
      result('d3-none', '2026-11-03', 90),
      result('d3-late-high', '2026-11-03', 500, '2026-11-03T18:00:00Z'),
      result('d3-late-low', '2026-11-03', 150, '2026-11-03T18:00:00Z'),
      result('d2', '2026-11-02', 100),
    ];
    expect(order('low', list)).toEqual([
      'd3-late-low',
      'd3-late-high',
      'd3-early',
      'd3-none',
      'd2',
      'd1-low',
    ]);
  });

  it('same-second issued times are ordered by their fractional seconds (the later correction first)', () => {
    const first = resultOf(
      read(lab('2132-9', 170, 'ng/L', { id: 'first', issued: '2026-11-14T10:00:00.100Z' })),
    );
    const corrected = resultOf(
      read(lab('2132-9', 400, 'ng/L', { id: 'corrected', issued: '2026-11-14T10:00:00.900Z' })),
    );
    expect(order('low', [first, corrected])).toEqual(['corrected', 'first']);
  });
});
