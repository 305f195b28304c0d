import { describe, expect, it } from 'vitest';
import type { FhirResource, Observation } from 'fhir/r4.js';
import { DEFAULT_DATA_RULES } from '../../cds-services/b12/clinical-config.js';
import type { Analyte } from '../../cds-services/b12/terminology.js';
import {
  OID,
  TODAY,
  absentComponent,
  ago,
  component,
  concept,
  dayAgo,
  draftOrder,
  lab,
  medicationRequest,
  panel,
  pregnancyStatus,
  quantity,
  rx,
  textOnly,
} from '../support/fhir.js';
import { facts } from './facts.js';
import { OBSERVATION_INTERPRETATION } from '../../src/fhir/systems.js';

/** Laboratory results (RULES.md 2.2, 3): units, status, dates, windows, diagnostic results. */

const B12 = '2132-9';
const B12_MOLAR = '14685-2';
const ACTIVE_B12 = '72160-5';
const MMA = '13964-2';
const HB = '718-7';
const MCV = '787-2';
const PLATELETS = '777-3';
const FOLATE = '2284-8';
const EGFR = '98979-8';

const HYDROXOCOBALAMIN = concept([rx('317106')]);

describe('unit conversion to the canonical unit (RULES.md 3)', () => {
  it.each<[string, string, number, string, string | null, Analyte, number]>([
    ['total B12 ng/L', B12, 150, 'ng/L', 'ng/L', 'totalB12', 150],
    ['total B12 pg/mL ×1', B12, 150, 'pg/mL', 'pg/mL', 'totalB12', 150],
    ['total B12 ng/mL ×1000', B12, 0.15, 'ng/mL', 'ng/mL', 'totalB12', 150],
    [
      'total B12 132 pmol/L = 178.9128 ng/L',
      B12_MOLAR,
      132,
      'pmol/L',
      'pmol/L',
      'totalB12',
      178.9128,
    ],
    [
      'total B12 133 pmol/L = 180.2682 ng/L',
      B12_MOLAR,
      133,
      'pmol/L',
      'pmol/L',
      'totalB12',
      180.2682,
    ],
    ['active B12 pmol/L', ACTIVE_B12, 30, 'pmol/L', 'pmol/L', 'activeB12', 30],
    ['MMA umol/L', MMA, 0.5, 'umol/L', 'umol/L', 'methylmalonicAcid', 0.5],
    ['MMA µmol/L (µ read as u)', MMA, 0.5, 'µmol/L', null, 'methylmalonicAcid', 0.5],
    ['MMA nmol/mL ×1', MMA, 0.3, 'nmol/mL', 'nmol/mL', 'methylmalonicAcid', 0.3],
    ['MMA nmol/L ÷1000', MMA, 450, 'nmol/L', 'nmol/L', 'methylmalonicAcid', 0.45],
    // Folate 441.4 g/mol: ×1/0.4414 (2.266 to 4 digits), by UCUM with the molecular weight.
    ['serum folate ng/mL ×2.266', FOLATE, 3, 'ng/mL', 'ng/mL', 'serumFolate', 3 / 0.4414],
    ['serum folate ug/L ×2.266', FOLATE, 3, 'ug/L', 'ug/L', 'serumFolate', 3 / 0.4414],
    ['serum folate nmol/L (14732-2)', '14732-2', 12, 'nmol/L', 'nmol/L', 'serumFolate', 12],
    ['RBC folate nmol/L (2283-0)', '2283-0', 400, 'nmol/L', 'nmol/L', 'redCellFolate', 400],
    ['Hb g/dL ×10', HB, 12.5, 'g/dL', 'g/dL', 'haemoglobin', 125],
    ['Hb mmol/L ×16.11', HB, 7.5, 'mmol/L', 'mmol/L', 'haemoglobin', 120.825],
    ['MCV fL', MCV, 95, 'fL', 'fL', 'mcv', 95],
    ['MCV um3 (30428-7)', '30428-7', 95, 'um3', 'um3', 'mcv', 95],
    ['platelets 10*9/L', PLATELETS, 150, '10*9/L', '10*9/L', 'platelets', 150],
    ['platelets x10^9/L (leading x, ^)', PLATELETS, 150, 'x10^9/L', null, 'platelets', 150],
    ['platelets 10^3/µL', '26515-7', 150, '10^3/µL', null, 'platelets', 150],
    ['platelets K/uL', PLATELETS, 150, 'K/uL', null, 'platelets', 150],
    ['platelets 10*3/mm3', PLATELETS, 150, '10*3/mm3', '10*3/mm3', 'platelets', 150],
    ['platelets /nL', PLATELETS, 150, '/nL', '/nL', 'platelets', 150],
    ['platelets /uL ÷1000', PLATELETS, 150_000, '/uL', '/uL', 'platelets', 150],
    ['eGFR mL/min/{1.73_m2}', EGFR, 55, 'mL/min/{1.73_m2}', 'mL/min/{1.73_m2}', 'egfr', 55],
    ['eGFR mL/min/1.73m2', '62238-1', 55, 'mL/min/1.73m2', null, 'egfr', 55],
    ['eGFR mL/min/1.73 m2', EGFR, 55, 'mL/min/1.73 m2', null, 'egfr', 55],
    ['eGFR mL/min', EGFR, 55, 'mL/min', 'mL/min', 'egfr', 55],
  ])('%s', (_name, code, value, unit, ucum, analyte, canonical) => {
    const found = facts([lab(code, value, unit, { code: ucum })]);
    const result = found.latest[analyte];
    expect(result?.value).toBeCloseTo(canonical, 9);
    expect(result?.reported).toEqual({ value, unit: ucum ?? unit });
    expect(found.notes).toEqual([]);
  });

  it('the unit comes from valueQuantity.code before .unit', () => {
    const found = facts([lab(B12, 133, 'picomoles per litre', { code: 'pmol/L' })]);
    expect(found.latest.totalB12?.value).toBeCloseTo(180.2682, 9);
  });

  it('values are not rounded: 133 pmol/L stays above 180 ng/L', () => {
    const found = facts([lab(B12_MOLAR, 133, 'pmol/L')]);
    expect(found.b12.latest?.value).toBeGreaterThan(180);
  });
});

describe('unusable values are never guessed and are reported (RULES.md 2.2)', () => {
  it('an unknown unit: "Data note: total B12 result of <date> ignored (unit \'…\' not recognised)"', () => {
    const found = facts([lab(B12, 15, 'IU/L', { daysAgo: 7, id: 'o-iu' })]);
    expect(found.latest.totalB12).toBeUndefined();
    expect(found.b12.latest).toBeUndefined();
    expect(found.notes).toEqual([
      {
        kind: 'unusable-observation',
        text: `Data note: total B12 result of ${ago(7)} ignored (unit 'IU/L' not recognised)`,
        // For the cards that read total B12 (10.5.3) and the unusable_observation log event (2.2).
        about: { analyte: 'totalB12' },
        observation: expect.objectContaining({
          id: 'o-iu',
          analyte: 'totalB12',
          code: { system: 'http://loinc.org', code: B12 },
          day: dayAgo(7),
          unit: 'IU/L',
          reason: "unit 'IU/L' not recognised",
        }) as unknown,
      },
    ]);
    expect(found.unusable.map((result) => result.id)).toEqual(['o-iu']);
  });

  it('active B12 in a mass unit is unusable', () => {
    const found = facts([lab(ACTIVE_B12, 40, 'ng/L', { daysAgo: 3 })]);
    expect(found.latest.activeB12).toBeUndefined();
    expect(found.notes.map((note) => note.text)).toEqual([
      `Data note: active B12 result of ${ago(3)} ignored (unit 'ng/L' not recognised: no conversion between mass and moles for this test)`,
    ]);
  });

  it.each<[string, string, number, string, Analyte]>([
    ['Hb 5 g/L (below 20)', HB, 5, 'g/L', 'haemoglobin'],
    ['Hb 26 g/dL = 260 g/L (above 250)', HB, 26, 'g/dL', 'haemoglobin'],
    ['MCV 30 fL', MCV, 30, 'fL', 'mcv'],
    ['platelets 6000', PLATELETS, 6000, '10*9/L', 'platelets'],
    ['total B12 5 ng/L', B12, 5, 'ng/L', 'totalB12'],
    ['total B12 200 ng/mL = 200 000 ng/L', B12, 200, 'ng/mL', 'totalB12'],
    ['active B12 1200 pmol/L', ACTIVE_B12, 1200, 'pmol/L', 'activeB12'],
    ['MMA 5 nmol/L = 0.005 umol/L', MMA, 5, 'nmol/L', 'methylmalonicAcid'],
    ['serum folate 0.1 ng/mL', FOLATE, 0.1, 'ng/mL', 'serumFolate'],
    ['eGFR 300', EGFR, 300, 'mL/min/{1.73_m2}', 'egfr'],
  ])('an implausible value is unusable: %s', (_name, code, value, unit, analyte) => {
    const found = facts([lab(code, value, unit, { daysAgo: 2 })]);
    expect(found.latest[analyte]).toBeUndefined();
    expect(found.notes).toHaveLength(1);
    expect(found.notes[0]?.kind).toBe('unusable-observation');
    expect(found.notes[0]?.text).toMatch(/outside the plausible range\)$/);
  });

  it.each<[string, number, number]>([
    ['Hb', 20, 20],
    ['Hb', 250, 250],
  ])('the plausibility range is inclusive: %s %i', (_name, value, canonical) => {
    expect(facts([lab(HB, value, 'g/L')]).latest.haemoglobin?.value).toBe(canonical);
  });

  it('an undated result is unusable and reported', () => {
    const found = facts([lab(B12, 150, 'ng/L', {}, { effectiveDateTime: undefined })]);
    expect(found.latest.totalB12).toBeUndefined();
    expect(found.notes.map((note) => note.text)).toEqual([
      'Data note: total B12 result (undated) ignored (no date)',
    ]);
  });

  it('a valueString that cannot be read is unusable and reported', () => {
    const found = facts([
      lab(B12, 0, 'ng/L', { daysAgo: 4 }, { valueQuantity: undefined, valueString: 'see comment' }),
    ]);
    expect(found.latest.totalB12).toBeUndefined();
    expect(found.notes.map((note) => note.kind)).toEqual(['unusable-observation']);
  });

  it('an unusable result older than its lookback produces no note (Hb at 91 days)', () => {
    const found = facts([lab(HB, 5, 'g/L', { daysAgo: 91 })]);
    expect(found.notes).toEqual([]);
  });

  it('an unusable B12 older than the stale window (1826 days) produces no note', () => {
    const found = facts([lab(B12, 15, 'mcg/dL', { daysAgo: 1826 })]);
    expect(found.notes).toEqual([]);
  });

  it('an unusable B12 that could still be a stale low result (400 days) is reported', () => {
    const found = facts([lab(B12, 15, 'mcg/dL', { daysAgo: 400 })]);
    expect(found.notes.map((note) => note.kind)).toEqual(['unusable-observation']);
  });
});

describe('missing values are missing (RULES.md 2.2); a value without a unit is reported', () => {
  it('dataAbsentReason: missing, no note', () => {
    const found = facts([
      lab(
        B12,
        0,
        'ng/L',
        {},
        {
          valueQuantity: undefined,
          dataAbsentReason: concept([
            { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown' },
          ]),
        },
      ),
    ]);
    expect(found.latest.totalB12).toBeUndefined();
    expect(found.notes).toEqual([]);
  });

  it('no value: missing, no note', () => {
    const found = facts([lab(B12, 0, 'ng/L', {}, { valueQuantity: undefined })]);
    expect(found.latest.totalB12).toBeUndefined();
    expect(found.notes).toEqual([]);
  });

  // BUG: RULES.md 2.2 "dataAbsentReason, no value or no unit → missing"; the code reports a
  // quantity without unit as unusable ("Data note: Hb result of … ignored (no unit)").
  it('a quantity with no unit is not used, and reported: a unit is never guessed', () => {
    const found = facts([lab(HB, 105, 'g/L', {}, { valueQuantity: { value: 105 } })]);
    expect(found.latest.haemoglobin).toBeUndefined();
    expect(found.notes.map((note) => note.text)).toEqual([
      'Data note: Hb result of 2026-11-20 ignored (no unit)',
    ]);
  });
});

describe('status (RULES.md 2.2)', () => {
  it.each<Observation['status']>(['final', 'amended', 'corrected'])('%s is usable', (status) => {
    expect(facts([lab(B12, 150, 'ng/L', { status })]).b12.latest?.value).toBe(150);
  });

  it.each<Observation['status']>(['entered-in-error', 'unknown'])(
    '%s is ignored: no result, no pending test, no data note (RULES.md 2.2)',
    (status) => {
      const found = facts([lab(B12, 150, 'ng/L', { status, daysAgo: 3 })]);
      expect(found.results.totalB12).toEqual([]);
      expect(found.b12.pendingTest).toBe(false);
      expect(found.notes).toEqual([]);
    },
  );

  it('a cancelled test gives no result and no pending test, and is reported so the clinician knows', () => {
    const found = facts([lab(B12, 150, 'ng/L', { status: 'cancelled', daysAgo: 3 })]);
    expect(found.results.totalB12).toEqual([]);
    expect(found.b12.pendingTest).toBe(false);
    expect(found.notes.map((note) => note.text)).toEqual([
      'Data note: total B12 result of 2026-11-18 ignored (test cancelled)',
    ]);
  });

  it.each<[Observation['status'], string, number, boolean]>([
    ['preliminary', B12, 0, true],
    ['preliminary', B12, 90, true],
    ['preliminary', B12, 91, false],
    ['registered', B12, 30, true],
    ['registered', ACTIVE_B12, 30, true],
    ['preliminary', B12_MOLAR, 60, true],
    ['preliminary', MMA, 10, false],
    ['preliminary', HB, 10, false],
  ])('a %s %s result %i days ago: pending B12 test %s', (status, code, daysAgo, pending) => {
    const found = facts([
      lab(
        code,
        code === MMA ? 0.5 : 150,
        code === MMA ? 'umol/L' : code === HB ? 'g/L' : 'pmol/L',
        { status, daysAgo },
      ),
    ]);
    expect(found.b12.pendingTest).toBe(pending);
    expect(found.b12.latest).toBeUndefined();
    expect(found.notes).toEqual([]);
  });

  it('a preliminary result is not usable for any value rule', () => {
    const found = facts([lab(HB, 70, 'g/L', { status: 'preliminary' })]);
    expect(found.latest.haemoglobin).toBeUndefined();
    expect(found.results.haemoglobin).toEqual([]);
  });
});

describe('identification by LOINC only (RULES.md 2.2, 7.1)', () => {
  it('a non-LOINC code named "Vitamin B12" is not read', () => {
    const found = facts([
      lab(
        B12,
        150,
        'ng/L',
        {},
        {
          code: concept(
            [{ system: 'urn:lab:local', code: 'VB12', display: 'Vitamin B12' }],
            'Vitamin B12',
          ),
        },
      ),
    ]);
    expect(found.results.totalB12).toEqual([]);
    expect(found.notes).toEqual([]);
  });

  it.each(['14685-3', '13964-3', '16695-9'])('LOINC %s (never used) is not read', (code) => {
    const found = facts([lab(code, 150, 'ng/L')]);
    expect(found.results.totalB12).toEqual([]);
    expect(found.results.methylmalonicAcid).toEqual([]);
  });

  it('a configured local code identifies an analyte', () => {
    const config = {
      ...DEFAULT_DATA_RULES,
      localCodes: [{ system: 'urn:lab:local', code: 'VB12', analyte: 'totalB12' as const }],
    };
    const found = facts(
      [lab(B12, 150, 'ng/L', {}, { code: concept([{ system: 'urn:lab:local', code: 'VB12' }]) })],
      { config },
    );
    expect(found.b12.latest?.value).toBe(150);
  });

  it('a pregnancy status observation is not a laboratory result', () => {
    const found = facts([pregnancyStatus('pregnant', 10)]);
    expect(Object.values(found.results).flat()).toEqual([]);
    expect(found.notes).toEqual([]);
  });
});

describe('values and dates (RULES.md 2.2)', () => {
  it('a comparator is kept with the value', () => {
    const found = facts([lab(B12, 50, 'ng/L', { comparator: '<' })]);
    expect(found.b12.latest).toMatchObject({ value: 50, comparator: '<' });
  });

  it.each<[string, number, string | undefined]>([
    ['<150 ng/L', 150, '<'],
    ['>= 350 pg/mL', 350, '>='],
    ['  200 ng/L ', 200, undefined],
  ])('valueString "%s" is parsed', (valueString, value, comparator) => {
    const found = facts([lab(B12, 0, 'ng/L', {}, { valueQuantity: undefined, valueString })]);
    expect(found.b12.latest?.value).toBe(value);
    expect(found.b12.latest?.comparator).toBe(comparator);
  });

  it.each<[string, Partial<Observation>, number]>([
    ['effectiveDateTime', { effectiveDateTime: ago(10), issued: `${ago(2)}T09:00:00Z` }, 10],
    [
      'effectivePeriod.start',
      { effectiveDateTime: undefined, effectivePeriod: { start: ago(11), end: ago(9) } },
      11,
    ],
    [
      'effectiveInstant',
      { effectiveDateTime: undefined, effectiveInstant: `${ago(12)}T10:00:00Z` },
      12,
    ],
    ['issued', { effectiveDateTime: undefined, issued: `${ago(13)}T10:00:00Z` }, 13],
  ])('the date is %s', (_name, dates, daysAgo) => {
    expect(facts([lab(HB, 120, 'g/L', {}, dates)]).latest.haemoglobin?.day).toBe(dayAgo(daysAgo));
  });

  it.each<[string, number]>([
    [`${ago(1)}T23:30:00-05:00`, 0],
    [`${TODAY}T08:00:00+13:00`, 1],
    [`${ago(1)}T23:59:59Z`, 1],
    [`${TODAY}T00:00:00Z`, 0],
  ])(
    'a time with an offset is counted on its UTC day: %s is %i days ago',
    (effectiveDateTime, daysAgo) => {
      expect(facts([lab(HB, 120, 'g/L', {}, { effectiveDateTime })]).latest.haemoglobin?.day).toBe(
        dayAgo(daysAgo),
      );
    },
  );

  it('referenceRange.high is converted with the value unit', () => {
    const found = facts([
      lab(
        MMA,
        500,
        'nmol/L',
        {},
        {
          referenceRange: [{ high: { value: 400 } }],
          interpretation: [
            concept([
              {
                system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
                code: 'h',
              },
            ]),
          ],
        },
      ),
    ]);
    expect(found.latest.methylmalonicAcid?.value).toBeCloseTo(0.5, 9);
    expect(found.latest.methylmalonicAcid?.referenceHigh).toBeCloseTo(0.4, 9);
    expect(found.latest.methylmalonicAcid?.interpretation).toEqual(['H']);
  });

  it('referenceRange.high is converted with its own unit', () => {
    const found = facts([
      lab(MMA, 0.5, 'umol/L', {}, { referenceRange: [{ high: quantity(280, 'nmol/L') }] }),
    ]);
    expect(found.latest.methylmalonicAcid?.referenceHigh).toBeCloseTo(0.28, 9);
  });

  it('an unreadable MMA reference range is reported', () => {
    const found = facts([
      lab(
        MMA,
        0.5,
        'umol/L',
        { daysAgo: 6 },
        { referenceRange: [{ high: quantity(0.4, 'mg/dL') }] },
      ),
    ]);
    expect(found.latest.methylmalonicAcid?.referenceHigh).toBeUndefined();
    expect(found.notes.map((note) => note.kind)).toEqual(['unreadable-reference-range']);
  });
});

describe('latest result (RULES.md 2.2)', () => {
  it('the most recent result wins, whatever its value', () => {
    const found = facts([lab(HB, 70, 'g/L', { daysAgo: 10 }), lab(HB, 130, 'g/L', { daysAgo: 5 })]);
    expect(found.latest.haemoglobin?.value).toBe(130);
  });

  it('same day: the later issued wins', () => {
    const found = facts([
      lab(HB, 130, 'g/L', { daysAgo: 5, issued: `${ago(5)}T11:00:00Z` }),
      lab(HB, 70, 'g/L', { daysAgo: 5, issued: `${ago(5)}T09:00:00Z` }),
    ]);
    expect(found.latest.haemoglobin?.value).toBe(130);
  });

  it.each<[string, string, string, [number, number], number]>([
    ['Hb: the lower', HB, 'g/L', [110, 95], 95],
    ['MCV: the higher', MCV, 'fL', [99, 104], 104],
    ['platelets: the lower', PLATELETS, '10*9/L', [60, 40], 40],
    ['MMA: the higher', MMA, 'umol/L', [0.3, 0.6], 0.6],
    ['total B12: the lower', B12, 'ng/L', [300, 170], 170],
  ])(
    'same day, same issued: the more abnormal value (%s)',
    (_name, code, unit, [first, second], want) => {
      const found = facts([
        lab(code, first, unit, { daysAgo: 3 }),
        lab(code, second, unit, { daysAgo: 3 }),
      ]);
      const analyte = Object.entries(found.latest).find(([, result]) => result.code.code === code);
      expect(analyte?.[1].value).toBe(want);
    },
  );

  it('same-day total and active B12: active B12 wins for b12.latest', () => {
    const found = facts([
      lab(B12, 150, 'ng/L', { daysAgo: 4 }),
      lab(ACTIVE_B12, 60, 'pmol/L', { daysAgo: 4 }),
    ]);
    expect(found.b12.latest).toMatchObject({ analyte: 'activeB12', value: 60 });
    expect(found.latest.totalB12?.value).toBe(150);
    expect(found.latest.activeB12?.value).toBe(60);
  });

  it('a later total B12 wins over an earlier active B12', () => {
    const found = facts([
      lab(B12, 150, 'ng/L', { daysAgo: 3 }),
      lab(ACTIVE_B12, 60, 'pmol/L', { daysAgo: 4 }),
    ]);
    expect(found.b12.latest).toMatchObject({ analyte: 'totalB12', value: 150 });
  });
});

describe('lookback windows: day N inside, N + 1 outside (RULES.md 2.2, 4)', () => {
  it.each<[string, number, boolean, string, number, string, Analyte]>([
    ['total B12', 365, true, B12, 150, 'ng/L', 'totalB12'],
    ['total B12', 366, false, B12, 150, 'ng/L', 'totalB12'],
    ['active B12', 365, true, ACTIVE_B12, 20, 'pmol/L', 'activeB12'],
    ['active B12', 366, false, ACTIVE_B12, 20, 'pmol/L', 'activeB12'],
    ['MMA', 365, true, MMA, 0.5, 'umol/L', 'methylmalonicAcid'],
    ['MMA', 366, false, MMA, 0.5, 'umol/L', 'methylmalonicAcid'],
    ['serum folate', 365, true, FOLATE, 3, 'ng/mL', 'serumFolate'],
    ['serum folate', 366, false, FOLATE, 3, 'ng/mL', 'serumFolate'],
    ['eGFR', 365, true, EGFR, 50, 'mL/min/{1.73_m2}', 'egfr'],
    ['eGFR', 366, false, EGFR, 50, 'mL/min/{1.73_m2}', 'egfr'],
    ['Hb', 90, true, HB, 100, 'g/L', 'haemoglobin'],
    ['Hb', 91, false, HB, 100, 'g/L', 'haemoglobin'],
    ['MCV', 90, true, MCV, 105, 'fL', 'mcv'],
    ['MCV', 91, false, MCV, 105, 'fL', 'mcv'],
    ['platelets', 30, true, PLATELETS, 40, '10*9/L', 'platelets'],
    ['platelets', 31, false, PLATELETS, 40, '10*9/L', 'platelets'],
  ])('%s at %i days: inside %s', (_name, daysAgo, inside, code, value, unit, analyte) => {
    const found = facts([lab(code, value, unit, { daysAgo })]);
    expect(found.latest[analyte] !== undefined).toBe(inside);
    expect(found.results[analyte]).toHaveLength(1);
  });

  it.each<[number, boolean, boolean]>([
    [365, true, false],
    [366, false, true],
    [1825, false, true],
    [1826, false, false],
  ])('B12 at %i days: latest %s, stale %s', (daysAgo, latest, stale) => {
    const found = facts([lab(B12, 140, 'ng/L', { daysAgo })]);
    expect(found.b12.latest !== undefined).toBe(latest);
    expect(found.b12.stale !== undefined).toBe(stale);
  });

  it('a B12 within 365 days means there is no stale one, however low the older result', () => {
    const found = facts([
      lab(B12, 400, 'ng/L', { daysAgo: 30 }),
      lab(B12, 100, 'ng/L', { daysAgo: 500 }),
    ]);
    expect(found.b12.latest?.value).toBe(400);
    expect(found.b12.stale).toBeUndefined();
  });

  it('the stale B12 is the latest one in 366–1825 days', () => {
    const found = facts([
      lab(B12, 100, 'ng/L', { daysAgo: 1000 }),
      lab(B12, 170, 'ng/L', { daysAgo: 500 }),
    ]);
    expect(found.b12.stale).toMatchObject({
      value: 170,
      day: dayAgo(500),
      diagnostic: true,
      addressed: false,
    });
  });
});

describe('diagnostic (pre-treatment) B12 results (RULES.md 2.2)', () => {
  it.each<[number, boolean]>([
    [21, true],
    [20, false],
    [10, false],
  ])(
    'current therapy started 20 days ago: a B12 at %i days is diagnostic %s',
    (daysAgo, diagnostic) => {
      const found = facts([
        medicationRequest(HYDROXOCOBALAMIN, { startedDaysAgo: 20 }),
        lab(B12, 150, 'ng/L', { daysAgo }),
      ]);
      expect(found.results.totalB12[0]?.diagnostic).toBe(diagnostic);
      expect(found.b12.latest !== undefined).toBe(diagnostic);
      expect(found.latest.totalB12 !== undefined).toBe(diagnostic);
    },
  );

  it('on therapy, an MMA is not diagnostic either, but Hb still is read', () => {
    const found = facts([
      medicationRequest(HYDROXOCOBALAMIN, { startedDaysAgo: 20 }),
      lab(MMA, 0.6, 'umol/L', { daysAgo: 5 }),
      lab(ACTIVE_B12, 20, 'pmol/L', { daysAgo: 5 }),
      lab(HB, 100, 'g/L', { daysAgo: 5 }),
    ]);
    expect(found.latest.methylmalonicAcid).toBeUndefined();
    expect(found.latest.activeB12).toBeUndefined();
    expect(found.b12.latest).toBeUndefined();
    expect(found.latest.haemoglobin?.value).toBe(100);
  });

  it('current therapy of unknown start: no B12 result is diagnostic', () => {
    const found = facts([
      medicationRequest(HYDROXOCOBALAMIN, { startedDaysAgo: null }),
      lab(B12, 150, 'ng/L', { daysAgo: 300 }),
    ]);
    expect(found.b12.latest).toBeUndefined();
  });

  it.each<[number, boolean]>([
    [110, false],
    [100, false],
    [86, false],
    [85, true],
  ])(
    'a completed course (start 130, end 100 days ago): a B12 at %i days is diagnostic %s',
    (daysAgo, diagnostic) => {
      const found = facts([
        medicationRequest(HYDROXOCOBALAMIN, {
          status: 'completed',
          startedDaysAgo: 130,
          validityEndDaysAgo: 100,
        }),
        lab(B12, 150, 'ng/L', { daysAgo }),
      ]);
      expect(found.results.totalB12[0]?.diagnostic).toBe(diagnostic);
    },
  );

  it.each<[number, boolean]>([
    [200, false],
    [110, false],
    [109, true],
  ])(
    'a stopped course without end (start 200 days ago): a B12 at %i days is diagnostic %s',
    (daysAgo, diagnostic) => {
      const found = facts([
        medicationRequest(HYDROXOCOBALAMIN, { status: 'stopped', startedDaysAgo: 200 }),
        lab(B12, 150, 'ng/L', { daysAgo }),
      ]);
      expect(found.results.totalB12[0]?.diagnostic).toBe(diagnostic);
    },
  );

  it('a B12 before a past course started is diagnostic', () => {
    const found = facts([
      medicationRequest(HYDROXOCOBALAMIN, {
        status: 'completed',
        startedDaysAgo: 100,
        validityEndDaysAgo: 50,
      }),
      lab(B12, 150, 'ng/L', { daysAgo: 101 }),
    ]);
    expect(found.results.totalB12[0]?.diagnostic).toBe(true);
  });
});

describe('addressed: any B12 therapy started on or after the result (RULES.md 2.2)', () => {
  const result = (): Observation => lab(B12, 150, 'ng/L', { daysAgo: 200 });
  const course = (
    startedDaysAgo: number,
    status: 'completed' | 'stopped' | 'active' | 'on-hold' | 'entered-in-error' | 'cancelled',
  ): FhirResource =>
    medicationRequest(HYDROXOCOBALAMIN, {
      status,
      startedDaysAgo,
      validityEndDaysAgo: Math.max(startedDaysAgo - 20, 0),
    });

  it.each<[string, FhirResource[], boolean]>([
    ['no therapy: unaddressed', [], false],
    ['a stopped course started the same day: addressed', [course(200, 'stopped')], true],
    ['a completed course started later: addressed', [course(150, 'completed')], true],
    ['a current course started later: addressed', [course(60, 'active')], true],
    ['an on-hold course started later: addressed', [course(60, 'on-hold')], true],
    ['a course started a year earlier and ended: unaddressed', [course(565, 'completed')], false],
    [
      'an entered-in-error course started later: unaddressed',
      [course(60, 'entered-in-error')],
      false,
    ],
    ['a cancelled course started later: unaddressed', [course(60, 'cancelled')], false],
    [
      'a multivitamin started later: unaddressed',
      [medicationRequest(textOnly('Multivitamin with B12'), { startedDaysAgo: 60 })],
      false,
    ],
    [
      'folic acid started later: unaddressed',
      [medicationRequest(concept([rx('310410')]), { startedDaysAgo: 60 })],
      false,
    ],
  ])('%s', (_name, therapy, addressed) => {
    const found = facts([result(), ...therapy]);
    expect(found.results.totalB12[0]?.addressed).toBe(addressed);
  });

  it('a draft B12 order does not address a result', () => {
    const found = facts([lab(B12, 150, 'ng/L', { daysAgo: 5 })], {
      draftOrders: [draftOrder(HYDROXOCOBALAMIN, { id: 'd1' })],
    });
    expect(found.b12.latest).toMatchObject({ diagnostic: true, addressed: false });
  });
});

describe('which resources are read (RULES.md 2.2, 6)', () => {
  it('a result whose subject is another patient is ignored with an other-patient note', () => {
    const found = facts([lab(B12, 150, 'ng/L', { id: 'o-other', patientId: 'someone-else' })]);
    expect(found.results.totalB12).toEqual([]);
    expect(found.notes).toEqual([
      {
        kind: 'other-patient',
        text: 'Data note: Observation o-other is about another patient and was ignored',
      },
    ]);
  });

  it('a result for this patient by absolute reference is read', () => {
    const found = facts([
      lab(
        B12,
        150,
        'ng/L',
        {},
        { subject: { reference: 'https://ehr.example.org/fhir/Patient/pat-1' } },
      ),
    ]);
    expect(found.b12.latest?.value).toBe(150);
  });

  it('the same resource under two prefetch keys is read once', () => {
    const observation = lab(HB, 100, 'g/L', { id: 'o-dup' });
    const found = facts([observation, structuredClone(observation)]);
    expect(found.results.haemoglobin).toHaveLength(1);
  });
});

describe('code systems sent as HL7 OIDs are the same systems (RULES.md 10.2.1)', () => {
  it('total B12 coded LOINC 2132-9 under urn:oid:2.16.840.1.113883.6.1 is read as total B12', () => {
    const found = facts([
      lab(
        B12,
        150,
        'ng/L',
        { daysAgo: 5 },
        { code: { coding: [{ system: OID.loinc, code: B12 }] } },
      ),
    ]);
    expect(found.b12.latest).toMatchObject({ analyte: 'totalB12', value: 150, day: dayAgo(5) });
    // Evidence and notes name the system by its URL.
    expect(found.b12.latest?.code).toEqual({ system: 'http://loinc.org', code: B12 });
  });

  it('a LOINC code with stray spaces under the OID is read', () => {
    const found = facts([
      lab(B12, 150, 'ng/L', {}, { code: { coding: [{ system: OID.loinc, code: ` ${B12} ` }] } }),
    ]);
    expect(found.b12.latest?.value).toBe(150);
  });

  it('an unknown OID is not LOINC: the result is not read', () => {
    const found = facts([
      lab(
        B12,
        150,
        'ng/L',
        {},
        { code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.6.2', code: B12 }] } },
      ),
    ]);
    expect(found.results.totalB12).toEqual([]);
  });
});

describe('more haemoglobin codes are Hb (RULES.md 10.2.3)', () => {
  it.each<[string, string, number, string, number]>([
    ['718-7 (mass/volume)', '718-7', 7.5, 'g/dL', 75],
    ['59260-0 (moles/volume, ×16.11 g/mmol)', '59260-0', 4.5, 'mmol/L', 72.495],
    ['20509-6 (calculated)', '20509-6', 7.5, 'g/dL', 75],
    ['30350-3 (venous)', '30350-3', 75, 'g/L', 75],
    ['30352-9 (capillary)', '30352-9', 75, 'g/L', 75],
    ['30313-1 (arterial)', '30313-1', 7.5, 'g/dL', 75],
    ['55782-7 (oximetry)', '55782-7', 75, 'g/L', 75],
  ])('Hb %s', (_name, code, value, unit, grams) => {
    const found = facts([lab(code, value, unit, { daysAgo: 3 })]);
    expect(found.latest.haemoglobin?.value).toBeCloseTo(grams, 9);
    expect(found.latest.haemoglobin?.day).toBe(dayAgo(3));
    expect(found.notes).toEqual([]);
  });
});

describe('panels: components are results of their own (RULES.md 10.2.2)', () => {
  const flag = (code: string): Observation['interpretation'] => [
    { coding: [{ system: OBSERVATION_INTERPRETATION, code }] },
  ];

  it('the Hb of a full blood count panel is read, named <panel id>#<index>, with the panel date and issued', () => {
    const found = facts([
      panel(
        '58410-2',
        'CBC panel - Blood by Automated count',
        [
          component('6690-2', 'Leukocytes', 5.1, '10*3/uL'),
          component(HB, 'Hemoglobin', 7.4, 'g/dL'),
          component(PLATELETS, 'Platelets', 180, '10*3/uL'),
        ],
        { id: 'cbc-1', daysAgo: 3, issued: `${ago(3)}T10:00:00Z` },
      ),
    ]);
    expect(found.latest.haemoglobin).toMatchObject({
      id: 'cbc-1#1',
      value: 74,
      reported: { value: 7.4, unit: 'g/dL' },
      day: dayAgo(3),
      status: 'final',
      issuedAt: Date.parse(`${ago(3)}T10:00:00Z`),
    });
    expect(found.latest.platelets).toMatchObject({ id: 'cbc-1#2', value: 180 });
    expect(found.notes).toEqual([]);
  });

  it("a component takes the panel's interpretation unless it has its own", () => {
    const found = facts([
      panel(
        '24331-1',
        'Metabolic panel',
        [
          component(MMA, 'Methylmalonate', 0.3, 'umol/L'),
          component(B12, 'Cobalamin', 250, 'ng/L', { interpretation: flag('N') }),
        ],
        { id: 'p1', daysAgo: 4 },
        { interpretation: flag('H') },
      ),
    ]);
    expect(found.results.methylmalonicAcid[0]).toMatchObject({
      id: 'p1#0',
      interpretation: ['H'],
    });
    expect(found.results.totalB12[0]).toMatchObject({ id: 'p1#1', interpretation: ['N'] });
  });

  it('a component with dataAbsentReason is missing: no result and no note', () => {
    const found = facts([
      panel('58410-2', 'CBC panel', [absentComponent(PLATELETS, 'Platelets')], { id: 'cbc-2' }),
    ]);
    expect(found.results.platelets).toEqual([]);
    expect(found.unusable).toEqual([]);
    expect(found.notes).toEqual([]);
  });

  it('a component of a preliminary panel is not usable', () => {
    const found = facts([
      panel('58410-2', 'CBC panel', [component(HB, 'Hemoglobin', 7.4, 'g/dL')], {
        status: 'preliminary',
      }),
    ]);
    expect(found.results.haemoglobin).toEqual([]);
  });

  it('an unreadable component is reported under <panel id>#<index>', () => {
    const found = facts([
      panel(
        '58410-2',
        'CBC panel',
        [component(HB, 'Hemoglobin', 7.4, 'IU/L'), component(PLATELETS, 'Platelets', 20, '10*9/L')],
        { id: 'cbc-3', daysAgo: 2 },
      ),
    ]);
    expect(found.results.platelets.map((result) => result.id)).toEqual(['cbc-3#1']);
    expect(found.unusable.map((result) => [result.id, result.analyte])).toEqual([
      ['cbc-3#0', 'haemoglobin'],
    ]);
    expect(found.notes.map((note) => [note.text, note.observation?.id])).toEqual([
      [`Data note: Hb result of ${ago(2)} ignored (unit 'IU/L' not recognised)`, 'cbc-3#0'],
    ]);
  });

  it('without a panel date, its components are dated by the panel issued', () => {
    const found = facts([
      panel(
        '58410-2',
        'CBC panel',
        [component(HB, 'Hemoglobin', 7.4, 'g/dL')],
        { id: 'cbc-4', issued: `${ago(2)}T10:00:00Z` },
        { effectiveDateTime: undefined },
      ),
    ]);
    expect(found.latest.haemoglobin).toMatchObject({ id: 'cbc-4#0', day: dayAgo(2) });
  });
});
