import { SYSTEM_BY_OID } from './systems.js';
/**
 * Reading CodeableConcepts and Codings from untrusted JSON: EHRs send what they send, so every
 * field is checked before use. Matching is by system and code; text is read separately, and only
 * where a rule allows a text fallback. The readers are plain loops: they run for every coding of
 * every resource of every request.
 */

export interface Code {
  system: string;
  code: string;
}

/** A JSON object (not an array, not null). */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The elements of a FHIR array field (a single object, as some clients send, counts as one). */
export function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

/**
 * The defined results of `read` over `items`. A loop: `flatMap` with `[]`/`[x]` allocates an array
 * per item, and this runs over every resource of a request.
 */
export function mapDefined<T, U>(items: readonly T[], read: (item: T) => U | undefined): U[] {
  const results: U[] = [];
  for (const item of items) {
    const result = read(item);
    if (result !== undefined) results.push(result);
  }
  return results;
}

export function asObject(value: unknown): Record<string, unknown> | undefined {
  return isObject(value) ? value : undefined;
}

export function asString(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * `table[key]` for a key read from input: own entries only. A plain `table[key]` answers
 * `constructor`, `__proto__` or `toString` with what the prototype holds, never `undefined`.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The one place a code system is named: its URL, whether sent as URL or OID (RULES.md 10.2.1). */
export const canonicalSystem = (system: string): string => lookup(SYSTEM_BY_OID, system) ?? system;

/** The codings of a CodeableConcept that have both a system and a code (system as its URL). */
export function codesOf(concept: unknown): Code[] {
  const codes: Code[] = [];
  for (const coding of asArray(asObject(concept)?.coding)) {
    const object = asObject(coding);
    const system = asString(object?.system);
    const code = asString(object?.code);
    if (system && code) codes.push({ system: canonicalSystem(system), code });
  }
  return codes;
}

/** The first code of `system` in the concept that `codes` contains. */
export function findCode(
  concept: unknown,
  system: string,
  codes: ReadonlySet<string> | ReadonlyMap<string, unknown>,
): string | undefined {
  return codesOf(concept).find((coding) => coding.system === system && codes.has(coding.code))
    ?.code;
}

/** The concept's text and coding displays, for the text fallbacks the rule book allows. */
export function textOf(concept: unknown): string[] {
  const object = asObject(concept);
  const text = asString(object?.text);
  const texts = text ? [text] : [];
  for (const coding of asArray(object?.coding)) {
    const display = asString(asObject(coding)?.display);
    if (display) texts.push(display);
  }
  return texts;
}

/** Every code of the concept, with or without a system: for status and flag concepts. */
export function anyCodes(concept: unknown): string[] {
  const codes: string[] = [];
  for (const coding of asArray(asObject(concept)?.coding)) {
    const code = asString(asObject(coding)?.code);
    if (code) codes.push(code);
  }
  return codes;
}
