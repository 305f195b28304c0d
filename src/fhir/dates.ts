import { rememberedByText } from './remembered.js';

/**
 * FHIR dates as whole UTC calendar days (RULES.md: "Day counts are whole calendar days (UTC)
 * between a resource date and today"). Nothing here reads the clock or the local time zone.
 */

/** Days since 1970-01-01 (UTC). */
export type EpochDay = number;

const MS_PER_DAY = 86_400_000;

const FHIR_DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d|60)(\.\d+)?)?(Z|[+-](?:0\d|1[0-4]):[0-5]\d)?)?)?)?$/;

export interface ParsedDate {
  /** The UTC calendar day, or, for a partial date, the last day it may stand for. */
  day: EpochDay;
  /** Epoch milliseconds (UTC) of the moment given; for a date only, its start. */
  ms: number;
  /** A year or year-month only: the day is not known. */
  partial: boolean;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(year: number, month: number, day: number): boolean {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day >= 1 && day <= days;
}

function partialDate(endMs: number, startMs: number): ParsedDate {
  return { day: endMs / MS_PER_DAY - 1, ms: startMs, partial: true };
}

/**
 * Reads a FHIR `date`, `dateTime` or `instant`. A time with an offset is moved to UTC before the
 * day is taken; a time without one (not valid FHIR, but sent) is read as written, in UTC.
 */
export function parseFhirDate(value: unknown): ParsedDate | undefined {
  return typeof value === 'string' ? parsedDate(value) : undefined;
}

/** Records repeat the same dates over and over. */
const parsedDate = rememberedByText(10_000, (value) => {
  const parsed = parse(value);
  return parsed && Object.freeze(parsed);
});

function parse(value: string): ParsedDate | undefined {
  const match = FHIR_DATE_TIME.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  const year = Number(y);
  if (mo === undefined) return partialDate(Date.UTC(year + 1, 0, 1), Date.UTC(year, 0, 1));
  const month = Number(mo);
  if (month < 1 || month > 12) return undefined;
  if (d === undefined) return partialDate(Date.UTC(year, month, 1), Date.UTC(year, month - 1, 1));
  const dayOfMonth = Number(d);
  if (!validDay(year, month, dayOfMonth)) return undefined;
  let ms =
    Date.UTC(year, month - 1, dayOfMonth, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)) +
    Math.floor(Number(fraction ?? 0) * 1000);
  if (offset !== undefined && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  }
  return { day: Math.floor(ms / MS_PER_DAY), ms, partial: false };
}

/** A full (day-precise) date as an epoch day; partial or invalid dates give `undefined`. */
export function fullDay(value: unknown): EpochDay | undefined {
  const parsed = parseFhirDate(value);
  return parsed && !parsed.partial ? parsed.day : undefined;
}

/** The epoch day as `YYYY-MM-DD`. */
export function isoDay(day: EpochDay): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The UTC calendar day of an instant: the evaluation date of a request. */
export function utcDay(instant: Date): EpochDay {
  return Math.floor(instant.getTime() / MS_PER_DAY);
}

/**
 * Whole years from a birth date to a day. A partial birth date (year, or year and month) gives
 * the youngest age it allows, so that neither "adult" nor "over 75" is claimed on a guess.
 */
export function ageInYears(birthDate: unknown, today: EpochDay): number | undefined {
  const born = parseFhirDate(birthDate);
  if (!born) return undefined;
  // A partial date stands for its last day; if that is still ahead, the youngest age is today's newborn.
  const birthDay =
    born.partial && born.ms <= today * MS_PER_DAY ? Math.min(born.day, today) : born.day;
  const birth = new Date(birthDay * MS_PER_DAY);
  const now = new Date(today * MS_PER_DAY);
  let age = now.getUTCFullYear() - birth.getUTCFullYear();
  const beforeBirthday =
    now.getUTCMonth() < birth.getUTCMonth() ||
    (now.getUTCMonth() === birth.getUTCMonth() && now.getUTCDate() < birth.getUTCDate());
  if (beforeBirthday) age -= 1;
  return age >= 0 ? age : undefined;
}
