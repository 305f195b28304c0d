import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EXTENSION_BASE,
  KNOWLEDGE_DIRECTORY,
  VALUE_SETS,
  VALUE_SET_BASE,
  confidenceOf,
  conceptsOf,
  loadValueSets,
  sourceOf,
  uriExtension,
  booleanExtension,
} from '../../cds-services/b12/valuesets.js';
import { ICD10_CM, ICD10_WHO } from '../../src/fhir/systems.js';

/** The code lists are FHIR ValueSets that must load, validate and say where each code came from. */

const allConcepts = [...VALUE_SETS.values()].flatMap((valueSet) =>
  conceptsOf(valueSet.id).map((entry) => ({ id: valueSet.id, ...entry })),
);

describe('the knowledge ValueSets', () => {
  it('every file loads and validates, one ValueSet per file', () => {
    const files = readdirSync(KNOWLEDGE_DIRECTORY).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThan(30);
    expect(VALUE_SETS.size).toBe(files.length);
    for (const valueSet of VALUE_SETS.values()) {
      expect(valueSet.url).toBe(`${VALUE_SET_BASE}${valueSet.id}`);
      expect(valueSet.resourceType).toBe('ValueSet');
    }
  });

  it('every ValueSet describes its source: a RULES.md section, and codes.json where it used it', () => {
    for (const valueSet of VALUE_SETS.values()) {
      expect(valueSet.description, valueSet.id).toMatch(
        /Source: .*(RULES\.md \d|codes\.json|project's v1)/,
      );
      const fromCodesJson = conceptsOf(valueSet.id).some(({ concept }) =>
        sourceOf(concept).includes('codes.json'),
      );
      if (fromCodesJson) expect(valueSet.description, valueSet.id).toMatch(/codes\.json/);
    }
  });

  it('every concept has a display, a source and a confidence of V, M or U (RULES.md 7)', () => {
    expect(allConcepts.length).toBeGreaterThan(300);
    for (const { id, concept } of allConcepts) {
      expect(concept.display.trim(), `${id} ${concept.code}`).not.toBe('');
      expect(sourceOf(concept), `${id} ${concept.code}`).toMatch(/RULES\.md|codes\.json|project/);
      expect(['V', 'M', 'U']).toContain(confidenceOf(concept));
    }
  });

  it('ICD-10 codes match their descendants and are read in ICD-10-CM and WHO ICD-10 (RULES.md 10.5.1)', () => {
    const icd = [...VALUE_SETS.values()].flatMap((valueSet) =>
      valueSet.compose.include.filter((include) => include.system.includes('icd-10')),
    );
    expect(icd.length).toBeGreaterThan(5);
    for (const include of icd) {
      expect(include.system).toBe(ICD10_CM);
      expect(booleanExtension(include, 'match-descendants')).toBe(true);
      expect(uriExtension(include, 'equivalent-system')).toBe(ICD10_WHO);
    }
  });

  it('codes taken without a confirmed display are graded M or U, never V', () => {
    for (const { id, concept } of allConcepts) {
      if (/not found in|rule book's wording/.test(sourceOf(concept)) && id.startsWith('condition'))
        expect(confidenceOf(concept), `${id} ${concept.code}`).not.toBe('V');
    }
  });
});

describe('a malformed ValueSet stops the service with the file and the problem', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true });
  });

  const good = {
    resourceType: 'ValueSet',
    id: 'example',
    url: `${VALUE_SET_BASE}example`,
    name: 'Example',
    title: 'Example',
    status: 'active',
    description: 'Source: RULES.md 7.1.',
    compose: {
      include: [
        {
          system: 'http://loinc.org',
          concept: [
            {
              code: '718-7',
              display: 'Hb',
              extension: [
                { url: `${EXTENSION_BASE}source`, valueString: 'RULES.md 7.1' },
                { url: `${EXTENSION_BASE}confidence`, valueCode: 'V' },
              ],
            },
          ],
        },
      ],
    },
  };

  const directoryWith = (files: Record<string, string>): string => {
    const directory = mkdtempSync(join(tmpdir(), 'b12-valuesets-'));
    directories.push(directory);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
    return directory;
  };

  const withConcept = (change: Record<string, unknown>): string =>
    JSON.stringify({
      ...good,
      compose: {
        include: [
          {
            ...good.compose.include[0],
            concept: [{ ...good.compose.include[0]?.concept[0], ...change }],
          },
        ],
      },
    });

  it('a well-formed file loads', () => {
    const sets = loadValueSets(directoryWith({ 'example.json': JSON.stringify(good) }));
    expect([...sets.keys()]).toEqual(['example']);
  });

  it.each<[string, string, RegExp]>([
    ['invalid JSON', '{"resourceType": "ValueSet",', /example\.json.*JSON/s],
    ['a concept without display', withConcept({ display: '' }), /example\.json.*display/s],
    [
      'a concept without source',
      withConcept({ extension: [{ url: `${EXTENSION_BASE}confidence`, valueCode: 'V' }] }),
      /example\.json.*no source extension/s,
    ],
    [
      'a confidence that is not V, M or U',
      withConcept({
        extension: [
          { url: `${EXTENSION_BASE}source`, valueString: 'RULES.md 7.1' },
          { url: `${EXTENSION_BASE}confidence`, valueCode: 'X' },
        ],
      }),
      /example\.json.*confidence/s,
    ],
    [
      'an unknown field (a typo)',
      JSON.stringify({ ...good, descripton: 'typo' }),
      /example\.json.*descripton/s,
    ],
    [
      'a url that is not the project base and id',
      JSON.stringify({ ...good, url: 'https://example.org/ValueSet/example' }),
      /example\.json.*url/s,
    ],
    [
      'an extension with two values',
      withConcept({
        extension: [
          { url: `${EXTENSION_BASE}source`, valueString: 'RULES.md 7.1', valueCode: 'x' },
          { url: `${EXTENSION_BASE}confidence`, valueCode: 'V' },
        ],
      }),
      /example\.json/,
    ],
    [
      'an id that is not the file name',
      JSON.stringify({ ...good, id: 'other', url: `${VALUE_SET_BASE}other` }),
      /example\.json: its id other/,
    ],
  ])('%s', (_name, text, message) => {
    const directory = directoryWith({ 'a-good.json': '{}', 'example.json': text });
    // a-good.json is not valid either: the first problem found is reported, in file order.
    expect(() => loadValueSets(directory)).toThrow(/a-good\.json/);
    rmSync(join(directory, 'a-good.json'));
    expect(() => loadValueSets(directory)).toThrow(message);
  });

  it('an empty directory is an error, not an empty code list', () => {
    expect(() => loadValueSets(directoryWith({}))).toThrow(/no ValueSet files/);
  });
});
