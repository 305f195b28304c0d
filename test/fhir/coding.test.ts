import { describe, expect, it } from 'vitest';
import {
  asArray,
  asObject,
  asString,
  anyCodes,
  canonicalSystem,
  codesOf,
  findCode,
  textOf,
} from '../../src/fhir/coding.js';
import { LOINC, SNOMED } from '../../src/fhir/systems.js';

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

describe('code systems sent as HL7 OIDs are their URLs (RULES.md 10.2.1)', () => {
  it.each([
    { oid: 'urn:oid:2.16.840.1.113883.6.1', url: 'http://loinc.org', name: 'LOINC' },
    { oid: 'urn:oid:2.16.840.1.113883.6.96', url: 'http://snomed.info/sct', name: 'SNOMED CT' },
    {
      oid: 'urn:oid:2.16.840.1.113883.6.88',
      url: 'http://www.nlm.nih.gov/research/umls/rxnorm',
      name: 'RxNorm',
    },
    {
      oid: 'urn:oid:2.16.840.1.113883.6.90',
      url: 'http://hl7.org/fhir/sid/icd-10-cm',
      name: 'ICD-10-CM',
    },
    {
      oid: 'urn:oid:2.16.840.1.113883.6.3',
      url: 'http://hl7.org/fhir/sid/icd-10',
      name: 'WHO ICD-10',
    },
    { oid: 'urn:oid:2.16.840.1.113883.6.73', url: 'http://www.whocc.no/atc', name: 'ATC' },
  ])('$name: $oid is $url', ({ oid, url }) => {
    expect(canonicalSystem(oid)).toBe(url);
    expect(codesOf({ coding: [{ system: oid, code: ' X1 ' }] })).toEqual([
      { system: url, code: 'X1' },
    ]);
  });

  it('a URL and any other system are kept as sent', () => {
    expect(canonicalSystem(LOINC)).toBe(LOINC);
    expect(canonicalSystem('urn:oid:2.16.840.1.113883.6.2')).toBe('urn:oid:2.16.840.1.113883.6.2');
    expect(canonicalSystem('urn:ehr:local')).toBe('urn:ehr:local');
  });

  it('an OID sent with surrounding spaces is still the same system (systems are trimmed)', () => {
    expect(
      codesOf({ coding: [{ system: ' urn:oid:2.16.840.1.113883.6.1 ', code: '2132-9' }] }),
    ).toEqual([{ system: LOINC, code: '2132-9' }]);
  });

  it('findCode matches a code sent under the OID of the system asked for', () => {
    const concept = { coding: [{ system: 'urn:oid:2.16.840.1.113883.6.96', code: '84027009' }] };
    expect(findCode(concept, SNOMED, new Set(['84027009']))).toBe('84027009');
  });
});
