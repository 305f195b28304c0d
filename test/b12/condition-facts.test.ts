import { describe, expect, it } from 'vitest';
import type { CodeableConcept, FhirResource, Procedure } from 'fhir/r4.js';
import type { ConditionGroup } from '../../cds-services/b12/terminology.js';
import fc from 'fast-check';
import {
  mayCountAsObservation,
  readConditionGroups,
} from '../../cds-services/b12/condition-facts.js';
import { readProblem } from '../../src/fhir/conditions.js';
import { fields, loincConcept, maybe, snomedConcept } from '../support/arbitraries.js';
import {
  ABSENT,
  NO,
  OID,
  PRESENT,
  TODAY_DAY,
  YES,
  concept,
  condition,
  examFinding,
  icd10cm,
  lab,
  procedure,
  sct,
  textOnly,
} from '../support/fhir.js';
import type { ConditionOptions, FindingValue } from '../support/fhir.js';
import { facts } from './facts.js';
import { ICD10_CM, ICD10_WHO, LOINC, SNOMED } from '../../src/fhir/systems.js';

/** Conditions and procedures (RULES.md 2.4, 7.4). */

const groupsOf = (resources: FhirResource[]): string[] =>
  Object.keys(facts(resources).conditions).sort();

const GASTRECTOMY = concept([sct('53442002', 'Gastrectomy')]);
const FATIGUE = concept([sct('84229001', 'Fatigue')]);

/** A condition group as the data notes name it (RULES.md 10.5.3). */
/** How notes name the groups: as a clinician would (RULES.md 10.5.3). */
const GROUP_WORDS: Partial<Record<ConditionGroup, string>> = {
  neuro: 'a neurological feature',
  symptom: 'a symptom',
  bariatricSurgery: 'bariatric surgery',
  ilealResection: 'ileal resection',
  ilealCrohns: "ileal Crohn's disease",
  coeliac: 'coeliac disease',
  atrophicGastritis: 'atrophic gastritis',
  perniciousAnaemia: 'pernicious anaemia/autoimmune gastritis',
  veganDiet: 'a vegan diet',
};

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
  ])(
    '"%s" (no code) counts by text, with a note that says it has no coded term (10.5.3)',
    (text, groups) => {
      const found = facts([condition(textOnly(text), { id: 'c-text' })]);
      expect(Object.keys(found.conditions).sort()).toEqual(groups);
      // One note per record, naming every group it counted in (10.5.3).
      const counted = Object.keys(found.conditions) as ConditionGroup[];
      expect(found.notes).toEqual([
        {
          kind: 'recognised-by-text',
          text: `Data note: '${text}' (Condition c-text) was counted as ${counted.map((group) => GROUP_WORDS[group]).join(' and ')}, recognised by its name only, without a coded term`,
          // The note names its condition groups, so only cards using one carry it.
          about: { conditions: counted },
        },
      ]);
    },
  );

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
      { code: { coding: [{ system: ` ${SNOMED} `, code: ' 1255165006 ' }] } },
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
    // Surgery is read from Conditions and Procedures, never from an Observation (RULES.md 2.4).
    ["a surgical group's code", { code: concept([sct('53442002', 'Gastrectomy')]) }],
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
        const groups = record ? Object.keys(readConditionGroups([record], TODAY_DAY)) : [];
        if (groups.length > 0) expect(mayCountAsObservation(resource)).toBe(true);
      }),
      { seed: 20261121, numRuns: 2000 },
    );
  });
});

describe('ICD-10-CM and WHO ICD-10 codes, by prefix on the dotless code (RULES.md 10.5.1, 10.6)', () => {
  const icd = (code: string, display?: string, text?: string, system = ICD10_CM): FhirResource =>
    condition(concept([{ system, code, ...(display === undefined ? {} : { display }) }], text));

  it.each<[string, FhirResource, ConditionGroup[]]>([
    [
      'D51.0 (B12 deficiency anaemia due to intrinsic factor deficiency) is pernicious anaemia and a coded deficiency',
      icd('D51.0', 'Vitamin B12 deficiency anemia due to intrinsic factor deficiency'),
      ['codedB12Deficiency', 'perniciousAnaemia'],
    ],
    ['D510 (no dot) equals D51.0', icd('D510'), ['codedB12Deficiency', 'perniciousAnaemia']],
    [
      '" d51.0 " (spaces, lower case) equals D51.0',
      icd(' d51.0 '),
      ['codedB12Deficiency', 'perniciousAnaemia'],
    ],
    [
      'D51.9 is a coded deficiency',
      icd('D51.9', 'Vitamin B12 deficiency anemia, unspecified'),
      ['codedB12Deficiency'],
    ],
    [
      'WHO ICD-10 D51.0',
      icd('D51.0', undefined, undefined, ICD10_WHO),
      ['codedB12Deficiency', 'perniciousAnaemia'],
    ],
    [
      'ICD-10-CM under its OID',
      icd('D51.0', undefined, undefined, OID.icd10cm),
      ['codedB12Deficiency', 'perniciousAnaemia'],
    ],
    [
      'WHO ICD-10 under its OID',
      icd('D51.0', undefined, undefined, OID.icd10),
      ['codedB12Deficiency', 'perniciousAnaemia'],
    ],
    [
      'E53.8 without B12 or cobalamin in its words is no B12 deficiency',
      icd('E53.8', 'Deficiency of other specified B group vitamins'),
      [],
    ],
    [
      'E53.8 with the text "Vitamin B12 deficiency" is a coded deficiency',
      icd('E53.8', 'Deficiency of other specified B group vitamins', 'Vitamin B12 deficiency'),
      ['codedB12Deficiency'],
    ],
    [
      'E53.8 displayed "Cobalamin deficiency" is a coded deficiency',
      icd('E53.8', 'Cobalamin deficiency'),
      ['codedB12Deficiency'],
    ],
    [
      "K50.011 (Crohn's of small intestine with rectal bleeding) is ileal Crohn's by the K50.0 prefix",
      icd('K50.011', "Crohn's disease of small intestine with rectal bleeding"),
      ['ilealCrohns'],
    ],
    [
      "K50.10 (Crohn's of large intestine) is not ileal Crohn's",
      icd('K50.10', "Crohn's disease of large intestine without complications"),
      [],
    ],
    ['G62.9 (polyneuropathy) is neuro', icd('G62.9', 'Polyneuropathy, unspecified'), ['neuro']],
    ['R53.83 (other fatigue) is a symptom', icd('R53.83', 'Other fatigue'), ['symptom']],
    [
      'Z90.3 (acquired absence of stomach) is gastrectomy',
      icd('Z90.3', 'Acquired absence of stomach [part of]'),
      ['gastrectomy'],
    ],
    ['N18.4 is CKD stage 4', icd('N18.4', 'Chronic kidney disease, stage 4 (severe)'), ['ckd345']],
    [
      'an ICD-10 code under another system is not matched',
      icd('D51.0', undefined, undefined, 'urn:ehr:dx'),
      [],
    ],
  ])('%s', (_name, resource, groups) => {
    const found = facts([resource]);
    expect(Object.keys(found.conditions).sort()).toEqual(groups);
    // Recognised by code: no note.
    expect(found.notes).toEqual([]);
  });

  it('a resolved D51.0 still counts as pernicious anaemia (permanent) but not as a current deficiency', () => {
    const found = facts([condition(concept([icd10cm('D51.0')]), { clinical: 'resolved' })]);
    expect(Object.keys(found.conditions)).toEqual(['perniciousAnaemia']);
  });
});

describe('SNOMED CT sent under its OID (RULES.md 10.2.1)', () => {
  it('91019004 under urn:oid:2.16.840.1.113883.6.96 is neuro, by code', () => {
    const found = facts([condition({ coding: [{ system: OID.snomed, code: '91019004' }] })]);
    expect(Object.keys(found.conditions)).toEqual(['neuro']);
    expect(found.notes).toEqual([]);
  });
});

describe('family history is never the patient’s own condition (RULES.md 10.5.2)', () => {
  it.each<[string, FhirResource]>([
    [
      'text "Family history of pernicious anaemia"',
      condition(textOnly('Family history of pernicious anaemia')),
    ],
    [
      'SNOMED 416471007 (family history of clinical finding) with text naming pernicious anaemia',
      condition(
        concept(
          [sct('416471007', 'Family history of clinical finding')],
          'Family history of pernicious anaemia',
        ),
      ),
    ],
    ['"FH: pernicious anaemia (mother)"', condition(textOnly('FH: pernicious anaemia (mother)'))],
    ['"FHx B12 deficiency"', condition(textOnly('FHx B12 deficiency'))],
    ['"Family hx coeliac disease"', condition(textOnly('Family hx coeliac disease'))],
    [
      'a pernicious anaemia code displayed as family history',
      condition(
        concept([sct('84027009', 'Pernicious anemia')], 'Family history of pernicious anaemia'),
      ),
    ],
  ])('%s counts for no group', (_name, resource) => {
    const found = facts([resource]);
    expect(found.conditions).toEqual({});
    expect(found.notes).toEqual([]);
  });
});

describe('negated text never matches the text fallback (RULES.md 10.5.2)', () => {
  it.each([
    'No numbness',
    'denies fatigue',
    'Patient denied tiredness',
    'Negative for neuropathy',
    'Fatigue ruled out',
    'r/o coeliac disease',
    'Tremor without ataxia',
    'Numbness not present',
    'Pins and needles absent',
  ])('"%s" counts for no group', (text) => {
    const found = facts([condition(textOnly(text))]);
    expect(found.conditions).toEqual({});
    expect(found.notes).toEqual([]);
  });

  it('a coded finding still counts whatever its text says (negation applies to the text fallback)', () => {
    const found = facts([
      condition(concept([sct('44077006', 'Numbness')], 'Numbness, not improving')),
    ]);
    expect(Object.keys(found.conditions)).toEqual(['neuro']);
  });
});

describe('"History of …" (RULES.md 10.5.2)', () => {
  it.each<[string, ConditionGroup[]]>([
    ['History of gastrectomy', ['gastrectomy']],
    ['History of Roux-en-Y gastric bypass', ['bariatricSurgery']],
    ['History of ileectomy', ['ilealResection']],
    ['History of fatigue', []],
    ['History of peripheral neuropathy', []],
  ])('"%s" counts for %j', (text, groups) => {
    expect(groupsOf([condition(textOnly(text))])).toEqual(groups);
  });

  it('a fatigue code recorded as "History of fatigue" is no current symptom', () => {
    expect(
      groupsOf([condition(concept([sct('84229001', 'Fatigue')], 'History of fatigue'))]),
    ).toEqual([]);
  });
});

describe('text-recognised conditions: the note names the unlisted code (RULES.md 10.5.3)', () => {
  it("'Peripheral neuropathy' under a local problem code", () => {
    const found = facts([
      condition(concept([{ system: 'urn:ehr:problems', code: 'P-123' }], 'Peripheral neuropathy'), {
        id: 'c-local',
      }),
    ]);
    expect(found.conditions.neuro).toEqual([
      expect.objectContaining({
        recognisedBy: 'text',
        unlistedCode: { system: 'urn:ehr:problems', code: 'P-123' },
      }),
    ]);
    expect(found.notes).toEqual([
      {
        kind: 'recognised-by-text',
        text: "Data note: 'Peripheral neuropathy' (Condition c-local) was counted as a neurological feature, recognised by its name; its code urn:ehr:problems|P-123 is not in the service's code list",
        about: { conditions: ['neuro'] },
      },
    ]);
  });
});

describe('the group is named in words a clinician reads (RULES.md 10.5.3: notes say what is true)', () => {
  // BUG: patient-facts.ts groupWords splits `codedB12Deficiency` at /[A-Z0-9]+/ into
  // "coded b12deficiency": the note of a record recognised *without* a code says it was
  // "counted as coded b12deficiency".
  it('"Vitamin B12 deficiency" (text only) is not said to be coded, nor written "b12deficiency"', () => {
    const [note] = facts([condition(textOnly('Vitamin B12 deficiency'), { id: 'c1' })]).notes;
    expect(note?.text).toMatch(
      /^Data note: 'Vitamin B12 deficiency' \(Condition c1\) was counted as /,
    );
    expect(note?.text).not.toMatch(/b12deficiency|counted as coded/i);
  });
});

describe('symptoms and neurological findings recorded as Observations (RULES.md 10.2.5)', () => {
  const PARAESTHESIA = concept([sct('91019004', 'Paresthesia')]);
  const FATIGUE_CODE = concept([sct('84229001', 'Fatigue')]);
  const EXTREMITIES = concept([
    { system: 'http://loinc.org', code: '32417-8', display: 'Physical findings of Extremities' },
  ]);

  it.each<[string, CodeableConcept, FindingValue, ConditionGroup[]]>([
    ['paraesthesia with no value', PARAESTHESIA, {}, ['neuro']],
    ['paraesthesia, valueBoolean true', PARAESTHESIA, { valueBoolean: true }, ['neuro']],
    [
      'paraesthesia, value Present (52101004)',
      PARAESTHESIA,
      { valueCodeableConcept: PRESENT },
      ['neuro'],
    ],
    ['paraesthesia, value Yes (373066001)', PARAESTHESIA, { valueCodeableConcept: YES }, ['neuro']],
    [
      'an extremities exam whose coded value is paraesthesia',
      EXTREMITIES,
      { valueCodeableConcept: PARAESTHESIA },
      ['neuro'],
    ],
    ['fatigue, valueBoolean true', FATIGUE_CODE, { valueBoolean: true }, ['symptom']],
    ['paraesthesia, valueBoolean false', PARAESTHESIA, { valueBoolean: false }, []],
    ['paraesthesia, value Absent (2667000)', PARAESTHESIA, { valueCodeableConcept: ABSENT }, []],
    ['paraesthesia, value No (373067005)', PARAESTHESIA, { valueCodeableConcept: NO }, []],
    [
      'an extremities exam with a normal coded value',
      EXTREMITIES,
      { valueCodeableConcept: concept([sct('17621005', 'Normal')]) },
      [],
    ],
  ])('%s counts for %j', (_name, code, value, groups) => {
    expect(groupsOf([examFinding(code, value)])).toEqual(groups);
  });

  it.each<[number, ConditionGroup[]]>([
    [365, ['neuro']],
    [366, []],
    [400, []],
  ])('a paraesthesia finding %i days old counts for %j (365-day window)', (daysAgo, groups) => {
    expect(groupsOf([examFinding(PARAESTHESIA, { valueBoolean: true }, daysAgo)])).toEqual(groups);
  });

  it.each<['preliminary' | 'entered-in-error' | 'amended' | 'corrected', ConditionGroup[]]>([
    ['amended', ['neuro']],
    ['corrected', ['neuro']],
    ['preliminary', []],
    ['entered-in-error', []],
  ])('a %s finding counts for %j', (status, groups) => {
    expect(groupsOf([examFinding(PARAESTHESIA, { valueBoolean: true }, 5, status)])).toEqual(
      groups,
    );
  });

  it('a symptom Observation is checked before it is read (mayCountAsObservation)', () => {
    expect(mayCountAsObservation({ resourceType: 'Observation', code: PARAESTHESIA })).toBe(true);
    expect(
      mayCountAsObservation({ resourceType: 'Observation', valueCodeableConcept: PARAESTHESIA }),
    ).toBe(true);
  });
});
