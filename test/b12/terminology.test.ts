import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANALYTES,
  ANY_MEDICATION_TEXT,
  ATC_NAMES,
  BRAND_NAMES,
  CONDITION_GROUPS,
  CYANIDE_ANTIDOTE_MIN_MG,
  CYANOKIT_TEXT,
  MEDICATION_TEXT,
  PREGNANCY_STATUS,
  ROUTE_CODES,
  RXNORM_INGREDIENTS,
  RXNORM_PRODUCTS,
  anyOf,
  classifyAtc,
  productFromConcept,
} from '../../cds-services/b12/terminology.js';
import type { ConditionGroup, MedicationClass } from '../../cds-services/b12/terminology.js';
import { TESTS } from '../../cds-services/b12/orders.js';
import { EXTENSION_BASE, valueSetLoads } from '../../cds-services/b12/valuesets.js';
import type { ValueSetConcept } from '../../cds-services/b12/valuesets.js';
import { textArb } from '../support/arbitraries.js';
import { ICD10_CM, ICD10_WHO } from '../../src/fhir/systems.js';

const classesOf = (code: string): MedicationClass[] =>
  (RXNORM_PRODUCTS[code]?.ingredients ?? []).map((found) => found.class);

/** What the reported last-resort text match finds in a medication's name (RULES.md 2.3, 10.4.4). */
const namedIn = (text: string): string[] =>
  MEDICATION_TEXT.filter((entry) => entry.pattern.test(text)).map(
    (entry) => `${entry.ingredient.name} (${entry.ingredient.class})`,
  );

describe('anyOf: one search before a search per pattern', () => {
  const conditionPatterns = Object.values(CONDITION_GROUPS).flatMap((group) =>
    group.text ? [group.text] : [],
  );
  const samples = fc.oneof(
    textArb,
    fc.constantFrom(
      'Metformin 500 mg',
      'subtotal gastrectomy',
      "Crohn's disease of ileum",
      'a',
      'Neo-Cytamen',
      'Zantac 360',
      'Actoplus-Met',
      "Sjögren's syndrome",
    ),
  );

  it.each([
    ['the medication names', MEDICATION_TEXT.map((entry) => entry.pattern), ANY_MEDICATION_TEXT],
    ['the condition groups', conditionPatterns, anyOf(conditionPatterns)],
  ])('matches exactly where one of %s matches (property)', (_name, patterns, any) => {
    fc.assert(
      fc.property(samples, (text) => {
        expect(any.test(text)).toBe(patterns.some((pattern) => pattern.test(text)));
      }),
      { seed: 20261121, numRuns: 2000 },
    );
  });

  it('refuses patterns whose flags differ', () => {
    expect(() => anyOf([/a/i, /b/])).toThrow(/different flags/);
  });
});

describe('laboratory codes (RULES.md 7.1, 10.2.3)', () => {
  it('the extra haemoglobin codes read as Hb like 718-7', () => {
    expect(ANALYTES.haemoglobin.loinc).toEqual(
      expect.arrayContaining([
        '718-7',
        '59260-0',
        '20509-6',
        '30350-3',
        '30352-9',
        '30313-1',
        '55782-7',
      ]),
    );
  });

  it('a LOINC code means one analyte only', () => {
    const codes = Object.values(ANALYTES).flatMap((analyte) => [...analyte.loinc]);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(PREGNANCY_STATUS.loinc);
    expect(codes).not.toContain(TESTS.fullBloodCount.code);
  });

  it('the codes of RULES.md 7.1 are unchanged', () => {
    expect(ANALYTES.totalB12.loinc).toEqual(['2132-9', '14685-2']);
    expect(ANALYTES.activeB12.loinc).toEqual(['72160-5']);
    expect(ANALYTES.methylmalonicAcid.loinc).toEqual(['13964-2']);
    expect(PREGNANCY_STATUS).toEqual({
      loinc: '82810-3',
      pregnant: [
        { system: 'http://snomed.info/sct', code: '77386006' },
        { system: 'http://loinc.org', code: 'LA15173-0' },
      ],
      notPregnant: [{ system: 'http://snomed.info/sct', code: '60001007' }],
    });
    expect(ROUTE_CODES).toEqual({
      '78421000': 'intramuscular',
      '34206005': 'subcutaneous',
      '26643006': 'oral',
      '46713006': 'nasal',
      '37839007': 'sublingual',
    });
  });
});

describe('RxNorm products (RULES.md 10.4.3)', () => {
  it('metformin ER 860975 is metformin', () => {
    expect(classesOf('860975')).toEqual(['metformin']);
    expect(RXNORM_PRODUCTS['860975']).toMatchObject({ strengthMg: 500, combination: false });
  });

  it('B12 injection 2001499 is cyanocobalamin alone, injectable, 5 mg/mL: B12 therapy', () => {
    expect(RXNORM_PRODUCTS['2001499']).toMatchObject({
      ingredients: [{ name: 'cyanocobalamin', class: 'b12', form: 'cyanocobalamin' }],
      otherIngredients: [],
      combination: false,
      injectable: true,
      strengthMg: 5,
      strengthUnit: 'mg/mL',
      notB12Therapy: false,
    });
  });

  it('leucovorin 1803932 is not folic acid, by code or by name', () => {
    expect(RXNORM_PRODUCTS['1803932']).toBeUndefined();
    expect(RXNORM_INGREDIENTS['1803932']).toBeUndefined();
    expect(namedIn('leucovorin calcium 5 MG Oral Tablet')).toEqual([]);
    expect(namedIn('folinic acid 15 mg')).toEqual([]);
  });

  it('a sitagliptin/metformin product is metformin, and a combination', () => {
    expect(RXNORM_PRODUCTS['861819']).toMatchObject({
      ingredients: [{ name: 'metformin', class: 'metformin' }],
      otherIngredients: ['sitagliptin'],
      combination: true,
      strengthMg: 500,
    });
  });

  it('a product with folic acid and vitamin B12 is both, never a cobalamin alone', () => {
    expect(classesOf('309596').sort()).toEqual(['b12', 'folicAcid']);
    expect(RXNORM_PRODUCTS['309596']).toMatchObject({ combination: true, strengthMg: 0.4 });
  });

  it('the RULES.md 7.2 products keep their strengths: folic acid 1 mg, B12 injections 1 mg/mL', () => {
    expect(RXNORM_PRODUCTS['310410']).toMatchObject({ strengthMg: 1, injectable: false });
    expect(RXNORM_PRODUCTS['317106']).toMatchObject({ strengthMg: 1, injectable: true });
    expect(RXNORM_PRODUCTS['309594']).toMatchObject({ strengthMg: 1, injectable: true });
    expect(classesOf('317106')).toEqual(['b12']);
  });

  it('each product set holds only products of its class, and no code is both product and ingredient', () => {
    const expected: Record<string, MedicationClass> = {
      '861007': 'metformin',
      '1243020': 'metformin',
      '198051': 'ppi',
      '1291986': 'ppi',
      '310273': 'h2ra',
      '310410': 'folicAcid',
      '1013626': 'folicAcid',
      '2001499': 'b12',
    };
    for (const [code, cls] of Object.entries(expected))
      expect(classesOf(code), code).toContain(cls);
    for (const code of Object.keys(RXNORM_PRODUCTS)) {
      expect(RXNORM_INGREDIENTS[code], code).toBeUndefined();
      expect(classesOf(code).length, code).toBeGreaterThan(0);
    }
  });

  it('Cyanokit is marked: hydroxocobalamin of 2.5 g or more is never B12 therapy (RULES.md 10.4.5)', () => {
    const hydroxocobalamin = (
      value: number,
      extra: ValueSetConcept['extension'] = [],
    ): ValueSetConcept => ({
      code: 'test',
      display: `hydroxocobalamin ${value} MG Injection`,
      extension: [
        {
          url: `${EXTENSION_BASE}product-ingredient`,
          extension: [
            {
              url: 'substance',
              valueCoding: {
                system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
                code: '5514',
                display: 'hydroxocobalamin',
              },
            },
            {
              url: 'strength',
              valueQuantity: { value, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
            },
          ],
        },
        ...extra,
      ],
    });
    expect(CYANIDE_ANTIDOTE_MIN_MG).toBe(2500);
    expect(productFromConcept(hydroxocobalamin(5000)).notB12Therapy).toBe(true);
    expect(productFromConcept(hydroxocobalamin(2500)).notB12Therapy).toBe(true);
    expect(productFromConcept(hydroxocobalamin(1)).notB12Therapy).toBe(false);
    expect(
      productFromConcept(
        hydroxocobalamin(1, [{ url: `${EXTENSION_BASE}not-b12-therapy`, valueBoolean: true }]),
      ).notB12Therapy,
    ).toBe(true);
    expect(CYANOKIT_TEXT.test('CYANOKIT 5 g powder for solution for infusion')).toBe(true);
    expect(Object.values(RXNORM_PRODUCTS).filter((product) => product.notB12Therapy)).toEqual([]);
  });
});

describe('brand names join the text fallback, each naming its ingredient (RULES.md 10.4.4)', () => {
  it.each<[string, string[]]>([
    ['Glucophage 500 mg', ['metformin (metformin)']],
    ['Janumet 50/1000', ['metformin (metformin)']],
    ['ACTOPLUS MET 15/850', ['metformin (metformin)']],
    ['Prilosec OTC', ['omeprazole (ppi)']],
    ['Nexium 40mg', ['esomeprazole (ppi)']],
    ['Zantac 360 20 mg', ['famotidine (h2ra)']],
    ['Zantac 150', ['ranitidine (h2ra)']],
    ['Pepcid AC', ['famotidine (h2ra)']],
    ['Neo-Cytamen 1000 micrograms/1ml', ['hydroxocobalamin (b12)']],
    ['Neo Cytamen', ['hydroxocobalamin (b12)']],
    ['Cytamen 1000', ['cyanocobalamin (b12)']],
    ['Nascobal nasal spray', ['cyanocobalamin (b12)']],
    ['Cobalin-H', ['hydroxocobalamin (b12)']],
  ])('"%s"', (text, expected) => {
    expect(namedIn(text)).toEqual(expected);
  });

  it('every brand of RULES.md 10.4.4 is listed', () => {
    const brands = Object.fromEntries(
      BRAND_NAMES.map((entry) => [entry.brand, entry.ingredient.name]),
    );
    expect(brands).toEqual({
      ...Object.fromEntries(
        [
          'Glucophage',
          'Glumetza',
          'Fortamet',
          'Riomet',
          'Janumet',
          'Jentadueto',
          'Kazano',
          'Kombiglyze',
          'Synjardy',
          'Xigduo',
          'Invokamet',
          'Segluromet',
          'Actoplus Met',
          'PrandiMet',
          'Qternmet',
          'Trijardy',
        ].map((brand) => [brand, 'metformin']),
      ),
      Prilosec: 'omeprazole',
      Losec: 'omeprazole',
      Zegerid: 'omeprazole',
      Nexium: 'esomeprazole',
      Prevacid: 'lansoprazole',
      Zoton: 'lansoprazole',
      Protonix: 'pantoprazole',
      Aciphex: 'rabeprazole',
      Pariet: 'rabeprazole',
      Dexilant: 'dexlansoprazole',
      Pepcid: 'famotidine',
      'Zantac 360': 'famotidine',
      Zantac: 'ranitidine',
      Tagamet: 'cimetidine',
      Axid: 'nizatidine',
      Nascobal: 'cyanocobalamin',
      Cytamen: 'cyanocobalamin',
      'Neo-Cytamen': 'hydroxocobalamin',
      'Cobalin-H': 'hydroxocobalamin',
    });
  });

  it('ATC A10BD* is metformin when its text names metformin or a metformin brand', () => {
    expect(classifyAtc('A10BD07', 'Janumet')).toMatchObject({ class: 'metformin' });
    expect(classifyAtc('A10BD07', 'sitagliptin and metformin')).toMatchObject({
      class: 'metformin',
    });
    expect(classifyAtc('A10BD07', 'sitagliptin')).toBeUndefined();
  });

  it('an ATC code and the RxNorm ingredient of the same name have the same class', () => {
    const byName = new Map(Object.values(RXNORM_INGREDIENTS).map((found) => [found.name, found]));
    for (const [code, named] of Object.entries(ATC_NAMES)) {
      const same = byName.get(named.name);
      if (same) expect(same, code).toEqual(named);
    }
  });
});

describe('condition codes (RULES.md 7.4, 10.6)', () => {
  const icd = (group: ConditionGroup): readonly string[] => CONDITION_GROUPS[group].icd10;

  it('ICD-10 prefixes are dotless, upper case, and read in ICD-10-CM and WHO ICD-10', () => {
    expect(ICD10_CM).toBe('http://hl7.org/fhir/sid/icd-10-cm');
    expect(ICD10_WHO).toBe('http://hl7.org/fhir/sid/icd-10');
    for (const definition of Object.values(CONDITION_GROUPS))
      for (const prefix of definition.icd10) expect(prefix).toMatch(/^[A-Z][0-9][0-9A-Z]{1,5}$/);
  });

  it.each<[ConditionGroup, string[]]>([
    ['codedB12Deficiency', ['D510', 'D511', 'D512', 'D513', 'D518', 'D519', 'E538']],
    ['perniciousAnaemia', ['D510']],
    ['ckd345', ['N183', 'N184', 'N185', 'N186']],
    ['pregnancy', ['Z331', 'Z34', 'O09', 'Z3A']],
    ['otherRisk', ['E10', 'E063', 'E271', 'L80', 'M350']],
    ['ilealCrohns', ['K500', 'K508']],
    ['coeliac', ['K900']],
    ['gastrectomy', ['Z903']],
    ['bariatricSurgery', ['Z9884']],
    [
      'symptom',
      ['F01', 'F02', 'F03', 'G30', 'F32', 'F33', 'R5383', 'K140', 'D649', 'D531', 'D6181'],
    ],
    [
      'neuro',
      [
        'G60',
        'G61',
        'G62',
        'G63',
        'G64',
        'E114',
        'E104',
        'R200',
        'R202',
        'R260',
        'R270',
        'R413',
        'G9589',
      ],
    ],
    ['totalGastrectomy', []],
  ])('%s has the ICD-10 codes of RULES.md 10.6', (group, prefixes) => {
    expect([...icd(group)].sort()).toEqual([...prefixes].sort());
  });

  it('E53.8 is B12 deficiency only when its text names B12 or cobalamin', () => {
    const needs = CONDITION_GROUPS.codedB12Deficiency.icd10RequiresText?.E538;
    expect(needs).toBeInstanceOf(RegExp);
    expect(needs?.test('Vitamin B12 deficiency')).toBe(true);
    expect(needs?.test('vitamin B 12 deficiency')).toBe(true);
    expect(needs?.test('Cobalamin deficiency')).toBe(true);
    expect(needs?.test('Deficiency of other specified B group vitamins')).toBe(false);
    expect(needs?.test('Biotin deficiency')).toBe(false);
    const others = Object.entries(CONDITION_GROUPS).filter(
      ([group, definition]) => group !== 'codedB12Deficiency' && definition.icd10RequiresText,
    );
    expect(others).toEqual([]);
  });

  it.each<[ConditionGroup, string]>([
    ['neuro', '368581000119106'],
    ['symptom', '26929004'],
    ['symptom', '230265002'],
    ['symptom', '370143000'],
    ['otherRisk', '83664006'],
  ])('%s has the SNOMED CT code %s of RULES.md 10.6', (group, code) => {
    expect(CONDITION_GROUPS[group].snomed).toContain(code);
  });

  it.each<[ConditionGroup, string, boolean]>([
    ['codedB12Deficiency', 'Vitamin B12 deficiency', true],
    ['codedB12Deficiency', 'cobalamin deficiency', true],
    ['codedB12Deficiency', 'iron deficiency', false],
    ['symptom', "Alzheimer's disease", true],
    ['otherRisk', 'Type 1 diabetes mellitus', true],
    ['otherRisk', "Hashimoto's thyroiditis", true],
    ['otherRisk', 'autoimmune thyroid disease', true],
    ['otherRisk', 'Vitiligo', true],
    ['otherRisk', "Addison's disease", true],
    ['otherRisk', 'Sjogren syndrome', true],
    ['otherRisk', "SJÖGREN'S SYNDROME", true],
    ['otherRisk', 'Type 2 diabetes mellitus', false],
  ])('%s text fallback: "%s" %s', (group, text, matches) => {
    expect(CONDITION_GROUPS[group].text?.test(text)).toBe(matches);
  });

  it('a code shared by two groups is a deliberate overlap, never two meanings', () => {
    // Each pair: one group is a part or a feature of the other (RULES.md 2.5, 5.16, 7.4).
    const overlaps = new Set([
      'perniciousAnaemia+codedB12Deficiency',
      'gastrectomy+totalGastrectomy',
      'symptom+pancytopenia',
      'otherRisk+diabetes',
    ]);
    const groups = Object.entries(CONDITION_GROUPS) as [
      ConditionGroup,
      (typeof CONDITION_GROUPS)[ConditionGroup],
    ][];
    for (const [a, first] of groups) {
      for (const [b, second] of groups) {
        if (a >= b) continue;
        const shared = [
          ...first.snomed.filter((code) => second.snomed.includes(code)),
          // Prefixes overlap when one starts the other: E10 (type 1 DM) and E10.4 (its neuropathy).
          ...first.icd10.filter((x) =>
            second.icd10.some((y) => x.startsWith(y) || y.startsWith(x)),
          ),
        ];
        if (shared.length === 0) continue;
        const pair = overlaps.has(`${a}+${b}`) ? `${a}+${b}` : `${b}+${a}`;
        const allowed =
          overlaps.has(pair) || (pair.includes('otherRisk') && pair.includes('neuro'));
        expect(allowed, `${a} and ${b} share ${shared.join(', ')}`).toBe(true);
      }
    }
  });

  it('pregnancy and "not pregnant" never share a code', () => {
    const notPregnant = PREGNANCY_STATUS.notPregnant.map((code) => code.code);
    for (const code of CONDITION_GROUPS.pregnancy.snomed) expect(notPregnant).not.toContain(code);
  });
});

describe('lookup tables are built once at start-up, never per request', () => {
  const tables: [string, object][] = [
    ['RXNORM_PRODUCTS', RXNORM_PRODUCTS],
    ['RXNORM_INGREDIENTS', RXNORM_INGREDIENTS],
    ['ATC_NAMES', ATC_NAMES],
    ['CONDITION_GROUPS', CONDITION_GROUPS],
    ['ROUTE_CODES', ROUTE_CODES],
    ['PREGNANCY_STATUS', PREGNANCY_STATUS],
  ];

  it.each(tables)('%s is a frozen plain record of data properties', (_name, table) => {
    expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
    expect(Object.isFrozen(table)).toBe(true);
    for (const key of Object.keys(table)) {
      const descriptor = Object.getOwnPropertyDescriptor(table, key);
      expect(descriptor && 'value' in descriptor, key).toBe(true);
      expect(typeof descriptor?.value, key).not.toBe('function');
    }
  });

  it('the ValueSets were read once, however often the tables are consulted', () => {
    const found = [];
    for (let i = 0; i < 100; i++) {
      found.push(classifyAtc('A10BD07', 'Janumet'), RXNORM_PRODUCTS['860975']);
      ANY_MEDICATION_TEXT.test('Glucophage');
    }
    expect(found.every((entry) => entry !== undefined)).toBe(true);
    expect(valueSetLoads()).toBe(1);
  });
});
