import { describe, expect, it } from 'vitest';
import {
  asArray,
  asObject,
  asString,
  anyCodes,
  codesOf,
  findCode,
  textOf,
} from '../../src/fhir/coding.js';
import { LOINC, SNOMED } from './support.js';

/* Untrusted JSON: every field is checked; matching is by system and code (RULES.md 2.2, 2.4). */

describe('asArray, asObject, asString', () => {
  it.each([
    { value: [1, 2], expected: [1, 2], fact: 'an array is itself' },
    { value: { a: 1 }, expected: [{ a: 1 }], fact: 'a single object counts as one element' },
    { value: undefined, expected: [], fact: 'undefined is empty' },
    { value: null, expected: [], fact: 'null is empty' },
  ])('asArray: $fact', ({ value, expected }) => {
    expect(asArray(value)).toEqual(expected);
  });

  it.each([
    { value: [], fact: 'an array' },
    { value: null, fact: 'null' },
    { value: 'text', fact: 'a string' },
  ])('asObject: $fact is not an object', ({ value }) => {
    expect(asObject(value)).toBeUndefined();
  });

  it.each([
    { value: '  final ', expected: 'final', fact: 'a string is trimmed' },
    { value: '   ', expected: undefined, fact: 'a blank string is absent' },
    { value: 7, expected: undefined, fact: 'a number is not a string' },
  ])('asString: $fact', ({ value, expected }) => {
    expect(asString(value)).toBe(expected);
  });
});

describe('codesOf, findCode, anyCodes, textOf', () => {
  const concept = {
    coding: [
      { system: LOINC, code: ' 2132-9 ', display: 'Cobalamin' },
      { code: '14685-2' },
      { system: LOINC },
      { system: SNOMED, code: '84027009', display: 'Pernicious anemia' },
      'not a coding',
    ],
    text: 'Vitamin B12',
  };

  it('codesOf keeps only codings with both system and code, trimmed', () => {
    expect(codesOf(concept)).toEqual([
      { system: LOINC, code: '2132-9' },
      { system: SNOMED, code: '84027009' },
    ]);
  });

  it('codesOf of a concept without codings is empty', () => {
    expect(codesOf({ text: 'B12' })).toEqual([]);
    expect(codesOf(undefined)).toEqual([]);
  });

  it('findCode needs the system and the code to match', () => {
    expect(findCode(concept, SNOMED, new Set(['84027009']))).toBe('84027009');
    expect(findCode(concept, LOINC, new Set(['84027009']))).toBeUndefined();
    expect(findCode(concept, LOINC, new Map([['14685-2', 1]]))).toBeUndefined();
  });

  it('anyCodes gives every code, with or without a system (status and flag concepts)', () => {
    expect(anyCodes({ coding: [{ code: 'H' }, { system: SNOMED, code: '84027009' }, {}] })).toEqual(
      ['H', '84027009'],
    );
    expect(anyCodes(undefined)).toEqual([]);
  });

  it('textOf gives the text first, then the displays', () => {
    expect(textOf(concept)).toEqual(['Vitamin B12', 'Cobalamin', 'Pernicious anemia']);
  });
});
