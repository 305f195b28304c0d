import { describe, expect, it } from 'vitest';
import type { CodeableConcept, FhirResource, Procedure } from 'fhir/r4.js';
import type { ConditionGroup } from '../../cds-services/b12/terminology.js';
import fc from 'fast-check';
import {
  mayCountAsObservation,
  readConditionGroups,
} from '../../cds-services/b12/condition-facts.js';
import { LOINC_SYSTEM as LOINC, SNOMED_SYSTEM as SCT } from '../../cds-services/b12/terminology.js';
import { readProblem } from '../../src/fhir/conditions.js';
import { fields, loincConcept, maybe, snomedConcept } from '../support/arbitraries.js';
import { concept, condition, facts, lab, procedure, sct, textOnly } from './factories.js';
import type { ConditionOptions } from './factories.js';

/** Conditions and procedures (RULES.md 2.4, 7.4). */

const groupsOf = (resources: FhirResource[]): string[] =>
  Object.keys(facts(resources).conditions).sort();

const GASTRECTOMY = concept([sct('53442002', 'Gastrectomy')]);
const FATIGUE = concept([sct('84229001', 'Fatigue')]);

describe('which Conditions count (RULES.md 2.4)', () => {
  it.each<[string, CodeableConcept, ConditionOptions, ConditionGroup[]]>([
    ['active fatigue counts', FATIGUE, {}, ['symptom']],
    ['fatigue with no clinicalStatus counts', FATIGUE, { clinical: null }, ['symptom']],
    ['recurrent fatigue counts', FATIGUE, { clinical: 'recurrence' }, ['symptom']],
    ['relapsed fatigue counts', FATIGUE, { clinical: 'relapse' }, ['symptom']],
    ['resolved fatigue does not count', FATIGUE, { clinical: 'resolved' }, []],
    ['inactive fatigue does not count', FATIGUE, { clinical: 'inactive' }, []],
    ['fatigue in remission does not count', FATIGUE, { clinical: 'remission' }, []],
    ['unconfirmed fatigue counts', FATIGUE, { verification: 'unconfirmed' }, ['symptom']],
    ['provisional fatigue counts', FATIGUE, { verification: 'provisional' }, ['symptom']],
    ['differential fatigue counts', FATIGUE, { verification: 'differential' }, ['symptom']],
    ['refuted fatigue never counts', FATIGUE, { verification: 'refuted' }, []],
    ['entered-in-error fatigue never counts', FATIGUE, { verification: 'entered-in-error' }, []],
    [
      'resolved gastrectomy still counts (permanent)',
      GASTRECTOMY,
      { clinical: 'resolved' },
      ['gastrectomy', 'totalGastrectomy'],
    ],
    [
      'inactive gastrectomy still counts (permanent)',
      GASTRECTOMY,
      { clinical: 'inactive' },
      ['gastrectomy', 'totalGastrectomy'],
    ],
    [
      'refuted gastrectomy never counts',
      GASTRECTOMY,
      { clinical: 'resolved', verification: 'refuted' },
      [],
    ],
    [
      'entered-in-error gastrectomy never counts',
      GASTRECTOMY,
      { verification: 'entered-in-error' },
      [],
    ],
    [
      'resolved bariatric surgery still counts',
      concept([sct('267010000')]),
      { clinical: 'resolved' },
      ['bariatricSurgery'],
    ],
    [
      'resolved ileectomy still counts',
      concept([sct('51346007')]),
      { clinical: 'resolved' },
      ['ilealResection'],
    ],
    [
      'resolved pernicious anaemia still counts',
      concept([sct('84027009')]),
      { clinical: 'resolved' },
      ['perniciousAnaemia'],
    ],
    [
      'resolved coeliac disease does not count (not permanent)',
      concept([sct('396331005')]),
      { clinical: 'resolved' },
      [],
    ],
    [
      'resolved paraesthesia does not count',
      concept([sct('91019004')]),
      { clinical: 'resolved' },
      [],
    ],
  ])('%s', (_name, code, options, groups) => {
    expect(groupsOf([condition(code, options)])).toEqual(groups);
  });
});

describe('SNOMED CT sets (RULES.md 7.4)', () => {
  it.each<[string, string, ConditionGroup[]]>([
    [
      '49209004 subtotal gastrectomy is gastrectomy but not total gastrectomy',
      '49209004',
      ['gastrectomy'],
    ],
    [
      '53442002 gastrectomy is gastrectomy and total gastrectomy',
      '53442002',
      ['gastrectomy', 'totalGastrectomy'],
    ],
    [
      '26452005 total gastrectomy is gastrectomy and total gastrectomy',
      '26452005',
      ['gastrectomy', 'totalGastrectomy'],
    ],
    ['38106008 Crohn’s disease of ileum is ileal Crohn’s', '38106008', ['ilealCrohns']],
    ['56689002 Crohn’s of small intestine is ileal Crohn’s', '56689002', ['ilealCrohns']],
    ['7620006 Crohn’s of large bowel is not ileal Crohn’s', '7620006', []],
    ['34000006 Crohn’s disease is an other risk', '34000006', ['otherRisk']],
    ['396331005 coeliac disease', '396331005', ['coeliac']],
    ['84568007 atrophic gastritis', '84568007', ['atrophicGastritis']],
    [
      '84027009 pernicious anaemia is also a coded B12 deficiency',
      '84027009',
      ['codedB12Deficiency', 'perniciousAnaemia'],
    ],
    ['190634004 is a coded B12 deficiency', '190634004', ['codedB12Deficiency']],
    ['1255165006 vegan diet', '1255165006', ['veganDiet']],
    ['431857002 CKD stage 4', '431857002', ['ckd345']],
    ['709044004 CKD unspecified does not count', '709044004', []],
    ['44077006 numbness is neuro', '44077006', ['neuro']],
    ['386807006 memory impairment is neuro', '386807006', ['neuro']],
    ['45534005 glossitis is a symptom', '45534005', ['symptom']],
    [
      '127034005 pancytopenia is a symptom and pancytopenia',
      '127034005',
      ['pancytopenia', 'symptom'],
    ],
    ['77386006 pregnancy', '77386006', ['pregnancy']],
    ['46635009 type 1 diabetes is an other risk', '46635009', ['diabetes', 'otherRisk']],
  ])('%s', (_name, code, groups) => {
    expect(groupsOf([condition(concept([sct(code)]))])).toEqual(groups);
  });

  it('a SNOMED code in another system is not matched', () => {
    expect(groupsOf([condition(concept([{ system: 'urn:local', code: '84229001' }]))])).toEqual([]);
  });
});

describe('Procedures (RULES.md 2.4)', () => {
  it.each<[string, CodeableConcept, Procedure['status'], ConditionGroup[]]>([
    [
      'a completed gastrectomy counts',
      GASTRECTOMY,
      'completed',
      ['gastrectomy', 'totalGastrectomy'],
    ],
    [
      'a completed subtotal gastrectomy is gastrectomy only',
      concept([sct('49209004')]),
      'completed',
      ['gastrectomy'],
    ],
    ['a completed ileectomy counts', concept([sct('51346007')]), 'completed', ['ilealResection']],
    [
      'a completed bariatric operation counts',
      concept([sct('443906008')]),
      'completed',
      ['bariatricSurgery'],
    ],
    ['an in-progress gastrectomy does not count', GASTRECTOMY, 'in-progress', []],
    ['a not-done gastrectomy does not count', GASTRECTOMY, 'not-done', []],
    ['an entered-in-error gastrectomy does not count', GASTRECTOMY, 'entered-in-error', []],
    ['a completed procedure with a non-surgical code adds nothing', FATIGUE, 'completed', []],
    [
      'a completed procedure named "sleeve gastrectomy" counts by text',
      textOnly('Laparoscopic sleeve gastrectomy'),
      'completed',
      ['bariatricSurgery', 'gastrectomy'],
    ],
  ])('%s', (_name, code, status, groups) => {
    expect(groupsOf([procedure(code, status)])).toEqual(groups);
  });
});

describe('text fallback, only when no code matches, and reported (RULES.md 2.4)', () => {
  it.each<[string, ConditionGroup[]]>([
    ['Pins and needles in both feet', ['neuro']],
    ['Peripheral neuropathy', ['neuro']],
    ['Subacute combined degeneration of the cord', ['neuro']],
    ['Tired all the time', ['symptom']],
    ['Sore tongue', ['symptom']],
    ['Roux-en-Y gastric bypass', ['bariatricSurgery']],
    ['Terminal ileum resection', ['ilealResection']],
    ["Crohn's disease of terminal ileum", ['ilealCrohns']],
    ['Coeliac disease', ['coeliac']],
    ['Atrophic gastritis', ['atrophicGastritis']],
    // RULES.md 2.4/2.5 treat "pernicious anaemia/autoimmune gastritis" as one permanent cause.
    ['Autoimmune gastritis', ['perniciousAnaemia']],
    ['Pernicious anaemia', ['perniciousAnaemia', 'symptom']],
    ['Follows a vegan diet', ['veganDiet']],
  ])('"%s" (no code) counts by text', (text, groups) => {
    const found = facts([condition(textOnly(text), { id: 'c-text' })]);
    expect(Object.keys(found.conditions).sort()).toEqual(groups);
    expect(found.notes.map((note) => note.kind)).toEqual(groups.map(() => 'recognised-by-text'));
    expect(found.notes.map((note) => note.text).sort()).toEqual(
      groups.map(
        (group) =>
          `Data note: '${text}' was counted as ${group} by its text only, without a SNOMED CT code`,
      ),
    );
  });

  it('a code that matches wins: fatigue coded 84229001 and written "numbness" is not neuro', () => {
    const found = facts([
      condition(concept([sct('84229001', 'Numbness and fatigue')], 'Numbness')),
    ]);
    expect(Object.keys(found.conditions)).toEqual(['symptom']);
    expect(found.notes).toEqual([]);
  });

  it('a coding display is text', () => {
    expect(
      groupsOf([condition(concept([{ system: 'urn:local', code: 'X', display: 'Ataxia' }]))]),
    ).toEqual(['neuro']);
  });

  // BUG: 44054006 (type 2 diabetes) is in no set of RULES.md 7.4, so "no code matches" and the
  // text patterns apply; condition-facts.ts matches it against its own extra `diabetes` group and
  // skips the text fallback, losing the neuropathy.
  it('a code outside the 7.4 sets does not block the text fallback (diabetes code, neuropathy text)', () => {
    const groups = groupsOf([
      condition(
        concept(
          [sct('44054006', 'Type 2 diabetes mellitus')],
          'Type 2 diabetes mellitus with peripheral neuropathy',
        ),
      ),
    ]);
    expect(groups).toContain('neuro');
  });

  // BUG: "Subtotal gastrectomy" contains the text "total gastrectomy"; the rule book excludes
  // subtotal gastrectomy from the prophylaxis indication (RULES.md 5.16, 7.4 49209004).
  it('the text "Subtotal gastrectomy" is gastrectomy but not total gastrectomy', () => {
    expect(groupsOf([condition(textOnly('Subtotal gastrectomy'))])).toEqual(['gastrectomy']);
  });

  it('"Total gastrectomy" by text is total gastrectomy', () => {
    expect(groupsOf([condition(textOnly('Total gastrectomy'))])).toEqual([
      'gastrectomy',
      'totalGastrectomy',
    ]);
  });

  it('a refuted text-only condition adds nothing and no note', () => {
    const found = facts([
      condition(textOnly('Peripheral neuropathy'), { verification: 'refuted' }),
    ]);
    expect(found.conditions).toEqual({});
    expect(found.notes).toEqual([]);
  });
});

describe('vegan diet from an Observation (RULES.md 7.4)', () => {
  const veganObservation = (status: 'final' | 'preliminary'): FhirResource =>
    lab(
      'unused',
      0,
      'x',
      { status },
      {
        code: textOnly('Diet type'),
        valueQuantity: undefined,
        valueCodeableConcept: concept([sct('1255165006', 'Vegan diet')]),
      },
    );

  it('a final observation with the vegan value counts', () => {
    const found = facts([veganObservation('final')]);
    expect(Object.keys(found.conditions)).toEqual(['veganDiet']);
  });

  it('a preliminary one does not', () => {
    expect(facts([veganObservation('preliminary')]).conditions).toEqual({});
  });

  it('laboratory results add no condition group', () => {
    expect(facts([lab('718-7', 100, 'g/L'), lab('2132-9', 150, 'ng/L')]).conditions).toEqual({});
  });

  it.each<[string, Record<string, unknown>]>([
    ['the vegan code in the value', { valueCodeableConcept: concept([sct('1255165006')]) }],
    [
      'the vegan code with stray spaces',
      { code: { coding: [{ system: ` ${SCT} `, code: ' 1255165006 ' }] } },
    ],
    ['"vegan" in a display', { code: { coding: [{ display: 'Vegan diet' }] } }],
    ['"vegan" in the text', { valueCodeableConcept: { text: 'strict VEGAN' } }],
  ])('an Observation naming a vegan diet is read (%s)', (_name, fields) => {
    const observation = { resourceType: 'Observation', status: 'final', ...fields };
    expect(mayCountAsObservation(observation)).toBe(true);
    expect(Object.keys(facts([observation as unknown as FhirResource]).conditions)).toEqual([
      'veganDiet',
    ]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a vital sign', { code: concept([{ system: LOINC, code: '8867-4', display: 'Heart rate' }]) }],
    ["another group's code", { code: concept([sct('84229001', 'Fatigue')]) }],
    [
      'the vegan code in another system',
      { code: { coding: [{ system: LOINC, code: '1255165006' }] } },
    ],
    ['"veganism" (not the word vegan)', { code: { text: 'veganism' } }],
  ])('an Observation naming no vegan diet is not read at all (%s)', (_name, fields) => {
    expect(mayCountAsObservation({ resourceType: 'Observation', ...fields })).toBe(false);
  });

  it('skips only Observations that could count for no group (property)', () => {
    const concepts = fc.oneof(snomedConcept, loincConcept);
    const observation = fields({
      resourceType: fc.constant('Observation'),
      status: fc.constantFrom('final', 'amended', 'preliminary'),
      code: maybe(concepts),
      valueCodeableConcept: maybe(concepts),
    });
    fc.assert(
      fc.property(observation, (resource) => {
        const record = readProblem(resource);
        const groups = record ? Object.keys(readConditionGroups([record])) : [];
        if (groups.length > 0) expect(mayCountAsObservation(resource)).toBe(true);
      }),
      { seed: 20261121, numRuns: 2000 },
    );
  });
});
