import { epochDayOf } from '../support/fhir.js';
import { describe, expect, it } from 'vitest';
import { ageInYears, fullDay, isoDay, parseFhirDate, utcDay } from '../../src/fhir/dates.js';
import { utcMs } from './support.js';

/*
 * RULES.md preamble: "Today" is the request date (UTC) and day counts are whole UTC calendar days.
 * This file runs under TZ=UTC and TZ=Pacific/Auckland (UTC+13 in November): every case near
 * midnight below gives a different answer if the code ever reads the local time zone.
 */

describe('the time zone these tests run in', () => {
  it('is UTC or Pacific/Auckland, and Auckland is really 13 hours ahead in November', () => {
    const zone = process.env.TZ;
    expect(['UTC', 'Pacific/Auckland']).toContain(zone);
    const localDate = new Date(utcMs('2026-11-20T11:30:00Z')).getDate();
    expect(localDate).toBe(zone === 'UTC' ? 20 : 21);
  });
});

describe('parseFhirDate: full dates and dateTimes give the UTC calendar day', () => {
  it.each([
    {
      value: '2026-11-21',
      utcDate: '2026-11-21',
      ms: '2026-11-21T00:00:00Z',
      fact: 'a date is that day, from its start',
    },
    {
      value: '2026-11-21T00:30:00Z',
      utcDate: '2026-11-21',
      ms: '2026-11-21T00:30:00Z',
      fact: 'Z is UTC',
    },
    {
      value: '2026-11-21T00:30:00+13:00',
      utcDate: '2026-11-20',
      ms: '2026-11-20T11:30:00Z',
      fact: '00:30 in Auckland (+13:00) is the previous UTC day',
    },
    {
      value: '2026-11-21T12:59:59+13:00',
      utcDate: '2026-11-20',
      ms: '2026-11-20T23:59:59Z',
      fact: 'the last second of the UTC day at +13:00',
    },
    {
      value: '2026-11-21T13:00:00+13:00',
      utcDate: '2026-11-21',
      ms: '2026-11-21T00:00:00Z',
      fact: '13:00 at +13:00 is UTC midnight',
    },
    {
      value: '2026-11-20T22:00:00-05:00',
      utcDate: '2026-11-21',
      ms: '2026-11-21T03:00:00Z',
      fact: '22:00 at -05:00 is the next UTC day',
    },
    {
      value: '2026-11-20T18:59:59-05:00',
      utcDate: '2026-11-20',
      ms: '2026-11-20T23:59:59Z',
      fact: '18:59:59 at -05:00 is still the same UTC day',
    },
    {
      value: '2026-11-20T19:00:00-05:00',
      utcDate: '2026-11-21',
      ms: '2026-11-21T00:00:00Z',
      fact: '19:00 at -05:00 is the next UTC day',
    },
    {
      value: '2027-01-01T00:30:00+13:00',
      utcDate: '2026-12-31',
      ms: '2026-12-31T11:30:00Z',
      fact: 'an offset can move a dateTime into the previous year',
    },
    {
      value: '2028-03-01T05:00:00+13:00',
      utcDate: '2028-02-29',
      ms: '2028-02-29T16:00:00Z',
      fact: 'an offset can move a dateTime back onto a leap day',
    },
    {
      value: '2026-11-21T05:30:00+05:30',
      utcDate: '2026-11-21',
      ms: '2026-11-21T00:00:00Z',
      fact: 'offset minutes are applied (+05:30)',
    },
    {
      value: '2026-11-21T00:30:00',
      utcDate: '2026-11-21',
      ms: '2026-11-21T00:30:00Z',
      fact: 'a time without offset is read as written, not in the local zone',
    },
    {
      value: '2026-11-20T23:30:00',
      utcDate: '2026-11-20',
      ms: '2026-11-20T23:30:00Z',
      fact: 'a late time without offset stays on its written day',
    },
    {
      value: '  2026-11-21  ',
      utcDate: '2026-11-21',
      ms: '2026-11-21T00:00:00Z',
      fact: 'surrounding spaces are ignored',
    },
  ])('$value → UTC day $utcDate: $fact', ({ value, utcDate, ms }) => {
    expect(parseFhirDate(value)).toEqual({
      day: epochDayOf(utcDate),
      ms: utcMs(ms),
      partial: false,
    });
  });

  it.each([
    { value: '2026-11-20T23:59:59.999Z', utcDate: '2026-11-20' },
    { value: '2026-11-21T00:00:00.000Z', utcDate: '2026-11-21' },
    { value: '2026-11-21T00:30:00.123+13:00', utcDate: '2026-11-20' },
    { value: '2026-11-20T10:00:00.123456789Z', utcDate: '2026-11-20' },
  ])(
    'reads the instant $value with fractional seconds as UTC day $utcDate',
    ({ value, utcDate }) => {
      const parsed = parseFhirDate(value);
      expect(parsed?.day).toBe(epochDayOf(utcDate));
      expect(parsed?.partial).toBe(false);
    },
  );

  it.each([
    { value: '2026-11-20T10:00:00.250Z', ms: '2026-11-20T10:00:00.250Z' },
    { value: '2026-11-20T23:59:59.999Z', ms: '2026-11-20T23:59:59.999Z' },
    { value: '2026-11-21T00:30:00.5+13:00', ms: '2026-11-20T11:30:00.500Z' },
  ])(
    'keeps the fractional seconds of $value in ms, so same-second `issued` times still order (RULES.md 2.2 "later issued")',
    ({ value, ms }) => {
      expect(parseFhirDate(value)?.ms).toBe(utcMs(ms));
    },
  );
});

describe('parseFhirDate: partial dates are flagged and stand for their last day', () => {
  it.each([
    { value: '2026', lastDay: '2026-12-31', start: '2026-01-01T00:00:00Z' },
    { value: '2026-11', lastDay: '2026-11-30', start: '2026-11-01T00:00:00Z' },
    { value: '2026-12', lastDay: '2026-12-31', start: '2026-12-01T00:00:00Z' },
    { value: '2026-02', lastDay: '2026-02-28', start: '2026-02-01T00:00:00Z' },
    { value: '2028-02', lastDay: '2028-02-29', start: '2028-02-01T00:00:00Z' },
    { value: '1950', lastDay: '1950-12-31', start: '1950-01-01T00:00:00Z' },
  ])(
    '$value is partial, its day is $lastDay and its ms the start of the period',
    ({ value, lastDay, start }) => {
      expect(parseFhirDate(value)).toEqual({
        day: epochDayOf(lastDay),
        ms: utcMs(start),
        partial: true,
      });
    },
  );
});

describe('parseFhirDate: anything that is not a real FHIR date gives undefined', () => {
  it.each([
    { value: '2026-02-30', why: 'February has no 30th' },
    { value: '2026-02-29', why: '2026 is not a leap year' },
    { value: '2026-04-31', why: 'April has 30 days' },
    { value: '2026-11-00', why: 'there is no day 0' },
    { value: '2026-13', why: 'there is no month 13 (year-month)' },
    { value: '2026-13-01', why: 'there is no month 13' },
    { value: '2026-00-10', why: 'there is no month 0' },
    { value: 'garbage', why: 'it is not a date' },
    { value: 'yesterday', why: 'relative dates are not FHIR' },
    { value: '', why: 'it is empty' },
    { value: '   ', why: 'it is blank' },
    { value: '21/11/2026', why: 'it is not ISO 8601' },
    { value: '2026-1-5', why: 'month and day must have two digits' },
    { value: '2026-11-21T', why: 'the time is missing after T' },
    { value: '2026-11-21 10:00:00Z', why: 'date and time must be joined by T' },
    { value: '2026-11-21T10:00:00+1300', why: 'the offset needs a colon' },
  ])('rejects $value: $why', ({ value }) => {
    expect(parseFhirDate(value)).toBeUndefined();
  });

  it.each([
    { value: 20261121, why: 'a number' },
    { value: 1_763_683_200_000, why: 'epoch milliseconds' },
    { value: new Date('2026-11-21T00:00:00Z'), why: 'a Date object' },
    { value: null, why: 'null' },
    { value: undefined, why: 'undefined' },
    { value: { value: '2026-11-21' }, why: 'an object' },
  ])('rejects $why: only strings are FHIR dates', ({ value }) => {
    expect(parseFhirDate(value)).toBeUndefined();
  });

  it.each([
    { value: '2026-11-20T24:00:00Z', why: 'hour 24' },
    { value: '2026-11-20T25:00:00Z', why: 'hour 25' },
    { value: '2026-11-20T23:60:00Z', why: 'minute 60' },
    { value: '2026-11-20T10:00:00+13:60', why: 'an offset with 60 minutes' },
  ])('rejects $value ($why) instead of rolling it into another day', ({ value }) => {
    expect(parseFhirDate(value)).toBeUndefined();
  });
});

describe('fullDay: only day-precise dates count', () => {
  it.each([
    { value: '2026-11-21', expected: '2026-11-21' },
    { value: '2026-11-21T00:30:00+13:00', expected: '2026-11-20' },
    { value: '2026-11-20T22:00:00-05:00', expected: '2026-11-21' },
    { value: '2026-11-21T00:30:00', expected: '2026-11-21' },
  ])('gives UTC day $expected for $value', ({ value, expected }) => {
    expect(fullDay(value)).toBe(epochDayOf(expected));
  });

  it.each(['2026', '2026-11', '2026-02-30', 'garbage', '', undefined, 20261121])(
    'gives undefined for %j (partial or invalid: its day is not known)',
    (value) => {
      expect(fullDay(value)).toBeUndefined();
    },
  );
});

describe('isoDay and utcDay', () => {
  it.each(['1950-06-15', '1969-12-31', '1970-01-01', '2000-02-29', '2026-11-21', '2099-12-31'])(
    'isoDay(fullDay(%s)) gives the same date back',
    (value) => {
      const parsed = fullDay(value);
      expect(parsed).toBeDefined();
      expect(isoDay(parsed ?? Number.NaN)).toBe(value);
    },
  );

  it('isoDay writes the UTC day of an Auckland-midnight dateTime, not the written day', () => {
    expect(isoDay(fullDay('2026-11-21T00:30:00+13:00') ?? Number.NaN)).toBe('2026-11-20');
  });

  it.each([
    {
      instant: '2026-11-20T23:59:59.999Z',
      expected: '2026-11-20',
      fact: 'the last millisecond of a UTC day',
    },
    {
      instant: '2026-11-21T00:00:00.000Z',
      expected: '2026-11-21',
      fact: 'UTC midnight starts the next day',
    },
    {
      instant: '2026-11-21T00:30:00+13:00',
      expected: '2026-11-20',
      fact: '00:30 in Auckland (local day 21) is UTC day 20',
    },
    {
      instant: '2026-11-20T20:00:00-05:00',
      expected: '2026-11-21',
      fact: '20:00 in New York (local day 20) is UTC day 21',
    },
    {
      instant: '1969-12-31T23:59:59.999Z',
      expected: '1969-12-31',
      fact: 'days before 1970 round down, not towards zero',
    },
  ])('utcDay($instant) is $expected: $fact', ({ instant, expected }) => {
    expect(utcDay(new Date(instant))).toBe(epochDayOf(expected));
  });
});

describe('ageInYears: whole years to today (RULES.md 2.1)', () => {
  it.each([
    {
      born: '2010-11-21',
      today: '2026-11-20',
      age: 15,
      fact: 'the day before the 16th birthday is still 15',
    },
    {
      born: '2010-11-21',
      today: '2026-11-21',
      age: 16,
      fact: 'the 16th birthday is 16 (adult, RULES.md 1)',
    },
    {
      born: '2010-11-21',
      today: '2026-11-22',
      age: 16,
      fact: 'the day after the 16th birthday is 16',
    },
    {
      born: '1951-03-15',
      today: '2026-03-14',
      age: 74,
      fact: 'the day before the 75th birthday is 74',
    },
    {
      born: '1951-03-15',
      today: '2026-03-15',
      age: 75,
      fact: 'the 75th birthday is 75 (not yet > 75)',
    },
    { born: '1950-03-15', today: '2026-03-15', age: 76, fact: 'the 76th birthday is 76 (> 75)' },
    {
      born: '1950-06-15',
      today: '2026-06-14',
      age: 75,
      fact: 'births before 1970 count the same way',
    },
    {
      born: '2010-12-31',
      today: '2026-01-01',
      age: 15,
      fact: 'a year boundary alone is not a birthday',
    },
    {
      born: '2008-02-29',
      today: '2024-02-28',
      age: 15,
      fact: 'a leap-day birth is not 16 on 28 Feb of a leap year',
    },
    {
      born: '2008-02-29',
      today: '2024-02-29',
      age: 16,
      fact: 'a leap-day birth turns 16 on 29 Feb of a leap year',
    },
    {
      born: '2008-02-29',
      today: '2026-02-28',
      age: 17,
      fact: 'a leap-day birth is not yet 18 on 28 Feb of a common year',
    },
    {
      born: '2008-02-29',
      today: '2026-03-01',
      age: 18,
      fact: 'a leap-day birth turns 18 on 1 Mar of a common year',
    },
    { born: '2026-11-21', today: '2026-11-21', age: 0, fact: 'born today is 0' },
    {
      born: '2010',
      today: '2026-06-01',
      age: 15,
      fact: 'a birth year alone gives the youngest age (born 31 Dec)',
    },
    {
      born: '2010',
      today: '2026-12-30',
      age: 15,
      fact: 'a birth year alone is not 16 before 31 Dec',
    },
    { born: '2010', today: '2026-12-31', age: 16, fact: 'a birth year alone is 16 from 31 Dec' },
    {
      born: '2010-11',
      today: '2026-11-21',
      age: 15,
      fact: 'a birth month gives the youngest age (born on its last day)',
    },
    {
      born: '2010-11',
      today: '2026-11-30',
      age: 16,
      fact: 'a birth month is 16 from its last day',
    },
    {
      born: '1950',
      today: '2026-06-01',
      age: 75,
      fact: 'a birth year never claims "over 75" on a guess',
    },
  ])('born $born, today $today → $age: $fact', ({ born, today, age }) => {
    expect(ageInYears(born, epochDayOf(today))).toBe(age);
  });

  it.each([
    { born: '2026-11-22', today: '2026-11-21', fact: 'a birth date tomorrow is in the future' },
    { born: '2030-01-01', today: '2026-11-21', fact: 'a birth date years ahead is in the future' },
    { born: '2026-02-30', today: '2026-11-21', fact: 'an invalid birth date is unknown' },
    { born: 'garbage', today: '2026-11-21', fact: 'an unreadable birth date is unknown' },
  ])('born $born, today $today → undefined: $fact', ({ born, today }) => {
    expect(ageInYears(born, epochDayOf(today))).toBeUndefined();
  });

  it('missing birthDate gives undefined (age unknown: adult rules apply, RULES.md 2.1)', () => {
    expect(ageInYears(undefined, epochDayOf('2026-11-21'))).toBeUndefined();
  });

  it.each([
    { born: '2026', today: '2026-06-01' },
    { born: '2026-11', today: '2026-11-21' },
  ])(
    'a partial birth date in the current period ($born, today $today) is age 0, not unknown (unknown would apply adult rules, RULES.md 2.1/2.5)',
    ({ born, today }) => {
      expect(ageInYears(born, epochDayOf(today))).toBe(0);
    },
  );
});
