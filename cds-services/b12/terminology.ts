/**
 * B12 terminology in one place (RULES.md section 7, 10). The code lists are FHIR ValueSets in
 * knowledge/valuesets (read once by valuesets.ts); this module turns them into the lookup tables
 * the rules use, and keeps what is behaviour rather than data: ATC prefix rules and the text
 * patterns. Observations, conditions and procedures are recognised by system and code;
 * medications by RxNorm, then ATC, then, as a reported last resort, by name (RULES.md 2.3).
 * Conditions fall back to the text patterns of RULES.md 7.4 and 10.6 only when no code matches,
 * and that is reported too.
 *
 * Confidence as in RULES.md 7 (each concept's `confidence` extension): V confirmed in a public
 * source, M one secondary source and check digit, U unverified (never the only recognition path).
 */

import { lookup } from '../../src/fhir/coding.js';
import {
  booleanExtension,
  codeExtension,
  codesIn,
  codingExtension,
  complexExtensions,
  conceptsOf,
  designationsOf,
  quantityExtension,
  stringExtension,
} from './valuesets.js';
import type { ValueSetConcept } from './valuesets.js';
import { ATC, ICD10_CM, LOINC, RXNORM, SNOMED } from '../../src/fhir/systems.js';

/** Lookup tables are built once, at module load, and never change (guarded by a test). */
const frozen = <T extends object>(table: T): Readonly<T> => Object.freeze(table);

// ---------------------------------------------------------------------------------------------
// Laboratory analytes (RULES.md 7.1 codes, 3 units, 2.2 plausibility)
// ---------------------------------------------------------------------------------------------

export interface AnalyteDefinition {
  /** Name used in card evidence lines (RULES.md 5.0). */
  label: string;
  loinc: readonly string[];
  /** Canonical unit the rules compare in: a UCUM code (RULES.md 3, 10.3; src/fhir/units.ts). */
  unit: string;
  /**
   * g/mol: mass ↔ molar conversion by UCUM only with it (RULES.md 3, 10.3.1). Without it a mass
   * unit for a molar analyte is unusable (active B12, MMA).
   */
  molecularWeight?: number;
  /** Ion charge, for milliequivalents (potassium). */
  charge?: number;
  /** Converted values outside this range are implausible and unusable (RULES.md 2.2). */
  plausible: readonly [number, number];
  /** Which way is abnormal: breaks same-day ties in favour of the more abnormal result. */
  abnormal: 'low' | 'high';
}

/** Cyanocobalamin 1355.4 g/mol: 1 pmol/L = 1.3554 ng/L (RULES.md 3; 132 pmol/L = 178.9 ng/L). */
const B12_G_PER_MOL = 1355.4;
/** Folic acid 441.4 g/mol: 1 ng/mL = 2.266 nmol/L (RULES.md 3). */
const FOLATE_G_PER_MOL = 441.4;
/** Haemoglobin monomer 16.11 g/mmol = 16 110 g/mol: 1 mmol/L = 16.11 g/L (RULES.md 3). */
const HB_G_PER_MOL = 16_110;
/** Creatinine 113.12 g/mol: 1 mg/dL = 88.40 umol/L (not in RULES.md 3; US reports are mg/dL). */
const CREATININE_G_PER_MOL = 113.12;

/** The LOINC codes of an analyte's ValueSet (RULES.md 7.1, 10.2.3). */
const loincCodes = (id: string): readonly string[] => frozen(codesIn(id, LOINC));

export const ANALYTES = {
  totalB12: {
    label: 'total B12',
    loinc: loincCodes('analyte-total-b12'),
    unit: 'ng/L',
    molecularWeight: B12_G_PER_MOL,
    plausible: [10, 100_000],
    abnormal: 'low',
  },
  activeB12: {
    label: 'active B12',
    loinc: loincCodes('analyte-active-b12'),
    // No molecular weight: mass units are not accepted for holotranscobalamin (RULES.md 3).
    unit: 'pmol/L',
    plausible: [1, 1000],
    abnormal: 'low',
  },
  methylmalonicAcid: {
    label: 'methylmalonic acid (MMA)',
    loinc: loincCodes('analyte-methylmalonic-acid'),
    unit: 'umol/L',
    plausible: [0.01, 1000],
    abnormal: 'high',
  },
  homocysteine: {
    label: 'homocysteine',
    loinc: loincCodes('analyte-homocysteine'),
    unit: 'umol/L',
    plausible: [0.5, 500],
    abnormal: 'high',
  },
  haemoglobin: {
    label: 'Hb',
    loinc: loincCodes('analyte-haemoglobin'),
    unit: 'g/L',
    molecularWeight: HB_G_PER_MOL,
    plausible: [20, 250],
    abnormal: 'low',
  },
  mcv: {
    label: 'MCV',
    loinc: loincCodes('analyte-mcv'),
    unit: 'fL',
    plausible: [40, 200],
    abnormal: 'high',
  },
  platelets: {
    label: 'platelets',
    loinc: loincCodes('analyte-platelets'),
    unit: '10*9/L',
    plausible: [0, 5000],
    abnormal: 'low',
  },
  serumFolate: {
    label: 'serum folate',
    loinc: loincCodes('analyte-serum-folate'),
    unit: 'nmol/L',
    molecularWeight: FOLATE_G_PER_MOL,
    plausible: [0.5, 500],
    abnormal: 'low',
  },
  redCellFolate: {
    label: 'red cell folate',
    loinc: loincCodes('analyte-red-cell-folate'),
    unit: 'nmol/L',
    molecularWeight: FOLATE_G_PER_MOL,
    plausible: [0.5, 5000],
    abnormal: 'low',
  },
  egfr: {
    label: 'eGFR',
    loinc: loincCodes('analyte-egfr'),
    unit: 'mL/min/{1.73_m2}',
    plausible: [0, 250],
    abnormal: 'low',
  },
  creatinine: {
    label: 'creatinine',
    loinc: loincCodes('analyte-creatinine'),
    unit: 'umol/L',
    molecularWeight: CREATININE_G_PER_MOL,
    plausible: [5, 3000],
    abnormal: 'high',
  },
  potassium: {
    label: 'potassium',
    loinc: loincCodes('analyte-potassium'),
    unit: 'mmol/L',
    charge: 1,
    plausible: [1, 10],
    abnormal: 'low',
  },
} as const satisfies Record<string, AnalyteDefinition>;

export type Analyte = keyof typeof ANALYTES;

/** The codings of a ValueSet, as plain `{system, code}` pairs. */
const codingsOf = (id: string): readonly { system: string; code: string }[] =>
  frozen(conceptsOf(id).map(({ system, concept }) => frozen({ system, code: concept.code })));

/** The one code of a ValueSet in `system`: more would be a data error, found at start-up. */
function onlyCode(id: string, system: string): string {
  const [code, ...more] = codesIn(id, system);
  if (code === undefined || more.length > 0) throw new Error(`ValueSet ${id}: one code expected`);
  return code;
}

/** Pregnancy status observation and its answers (RULES.md 2.1, 7.1). */
export const PREGNANCY_STATUS: {
  readonly loinc: string;
  readonly pregnant: readonly { system: string; code: string }[];
  readonly notPregnant: readonly { system: string; code: string }[];
} = frozen({
  loinc: onlyCode('pregnancy-status-observation', LOINC),
  pregnant: codingsOf('pregnancy-status-pregnant'),
  notPregnant: codingsOf('pregnancy-status-not-pregnant'),
});

// ---------------------------------------------------------------------------------------------
// Medications (RULES.md 2.3, 7.2, 7.3, 10.4)
// ---------------------------------------------------------------------------------------------

const MEDICATION_CLASSES = ['metformin', 'ppi', 'h2ra', 'folicAcid', 'b12'] as const;
export type MedicationClass = (typeof MEDICATION_CLASSES)[number];

const COBALAMIN_FORMS = [
  'hydroxocobalamin',
  'cyanocobalamin',
  'methylcobalamin',
  'cobalamin',
] as const;
/** The form of a B12 product: cyanocobalamin matters in renal impairment (RULES.md 5.14). */
export type CobalaminForm = (typeof COBALAMIN_FORMS)[number];

export interface Ingredient {
  name: string;
  class: MedicationClass;
  form?: CobalaminForm;
}

const ingredient = (name: string, cls: MedicationClass, form?: CobalaminForm): Ingredient =>
  frozen(form ? { name, class: cls, form } : { name, class: cls });

const oneOf = <T extends string>(values: readonly T[], value: string | undefined): T | undefined =>
  values.find((candidate) => candidate === value);

type Extensible = Parameters<typeof codeExtension>[0];

/** The class ingredient an element names by its medication-class and cobalamin-form extensions. */
function classIngredient(name: string, element: Extensible, where: string): Ingredient {
  const cls = oneOf(MEDICATION_CLASSES, codeExtension(element, 'medication-class'));
  if (!cls) throw new Error(`${where}: no medication-class for ${name}`);
  return ingredient(name, cls, oneOf(COBALAMIN_FORMS, codeExtension(element, 'cobalamin-form')));
}

/** RxNorm ingredient (IN) codes (RULES.md 7.2). */
export const RXNORM_INGREDIENTS: Readonly<Record<string, Ingredient>> = frozen(
  Object.fromEntries(
    conceptsOf('rxnorm-ingredients', RXNORM).map(({ concept }) => [
      concept.code,
      classIngredient(concept.display, concept, `rxnorm-ingredients ${concept.code}`),
    ]),
  ),
);

/** RULES.md 10.4.5: 2.5 g or more of hydroxocobalamin is a cyanide antidote, not B12 therapy. */
export const CYANIDE_ANTIDOTE_MIN_MG = 2500;

export interface Product {
  /** The product's name as its source gives it. */
  display: string;
  /** Its ingredients of the classes the rules read (only metformin of sitagliptin/metformin). */
  ingredients: readonly Ingredient[];
  /** Its other active ingredients (sitagliptin, aspirin, liver extract...). */
  otherIngredients: readonly string[];
  /** More than one active ingredient: never "only a cobalamin" (RULES.md 2.3, 10.7.2). */
  combination: boolean;
  /**
   * Strength per unit in mg, where the name gives it (RULES.md 2.3, 10.4.7): per tablet or
   * capsule (`strengthUnit` mg) or per mL (mg/mL); folic acid's in a folate combination.
   */
  strengthMg?: number;
  strengthUnit?: 'mg' | 'mg/mL';
  /** RxNorm dose form, e.g. "Extended Release Oral Tablet", "Injectable Solution", "Pack". */
  doseForm?: string;
  /** Injectable or injection: without a route, a B12 one is taken as IM (RULES.md 2.3, 10.4.6). */
  injectable: boolean;
  /** Cyanokit and any hydroxocobalamin of 2.5 g or more per unit (RULES.md 10.4.5). */
  notB12Therapy: boolean;
}

/** The product ValueSets, one per class (RULES.md 7.2, 10.4.3). */
const PRODUCT_VALUE_SETS = [
  'rxnorm-products-metformin',
  'rxnorm-products-ppi',
  'rxnorm-products-h2ra',
  'rxnorm-products-folate',
  'rxnorm-products-cobalamin',
];

interface ProductPart {
  ingredient: Ingredient | undefined;
  name: string;
  strength: { value: number; unit: string } | undefined;
}

/** One product-ingredient extension: a class ingredient (by RxNorm code or class) or another. */
function productPart(part: Extensible, where: string): ProductPart {
  const substance = codingExtension(part, 'substance');
  if (!substance) throw new Error(`${where}: a product-ingredient without substance`);
  const strength = quantityExtension(part, 'strength');
  const coded = substance.code === undefined ? undefined : RXNORM_INGREDIENTS[substance.code];
  if (substance.code !== undefined && !coded)
    throw new Error(`${where}: ingredient ${substance.code} is not in rxnorm-ingredients`);
  const named =
    codeExtension(part, 'medication-class') === undefined
      ? undefined
      : classIngredient(substance.display, part, where);
  return { ingredient: coded ?? named, name: coded?.name ?? substance.display, strength };
}

/** A product concept of a product ValueSet, read as the rules use it (exported for tests). */
export function productFromConcept(
  concept: ValueSetConcept,
  where = `product ${concept.code}`,
): Product {
  const parts = complexExtensions(concept, 'product-ingredient').map((part) =>
    productPart(part, where),
  );
  const classParts = parts.filter((part) => part.ingredient !== undefined);
  if (classParts.length === 0) throw new Error(`${where}: no ingredient of a class the rules read`);
  const dosed = classParts.find((part) => part.ingredient?.class === 'folicAcid') ?? classParts[0];
  const strength = dosed?.strength;
  const strengthUnit = strength?.unit === 'mg/mL' ? 'mg/mL' : 'mg';
  if (strength && strength.unit !== strengthUnit)
    throw new Error(`${where}: strength in mg or mg/mL`);
  const antidoteDose = classParts.some(
    (part) =>
      part.ingredient?.form === 'hydroxocobalamin' &&
      (part.strength?.value ?? 0) >= CYANIDE_ANTIDOTE_MIN_MG,
  );
  const doseForm = stringExtension(concept, 'dose-form');
  return frozen({
    display: concept.display,
    ingredients: frozen(classParts.flatMap((part) => (part.ingredient ? [part.ingredient] : []))),
    otherIngredients: frozen(parts.filter((part) => !part.ingredient).map((part) => part.name)),
    combination: parts.length > 1,
    ...(strength ? { strengthMg: strength.value, strengthUnit } : {}),
    ...(doseForm ? { doseForm } : {}),
    injectable: booleanExtension(concept, 'injectable') === true,
    notB12Therapy: booleanExtension(concept, 'not-b12-therapy') === true || antidoteDose,
  });
}

function productTable(): Record<string, Product> {
  const table: Record<string, Product> = {};
  for (const id of PRODUCT_VALUE_SETS) {
    for (const { concept } of conceptsOf(id, RXNORM)) {
      const where = `${id} ${concept.code}`;
      // One code, one meaning: a product listed in two sets is a data error (RULES.md 10.4.3).
      if (Object.hasOwn(table, concept.code) || Object.hasOwn(RXNORM_INGREDIENTS, concept.code))
        throw new Error(`${where}: RxNorm code listed twice`);
      table[concept.code] = productFromConcept(concept, where);
    }
  }
  return table;
}

/** RxNorm products (SCD, SBD, packs) with their ingredients and strength (RULES.md 7.2, 10.4.3). */
export const RXNORM_PRODUCTS: Readonly<Record<string, Product>> = frozen(productTable());

/** ATC codes (RULES.md 7.3). Prefix rules follow the table in {@link classifyAtc}. */
export const ATC_NAMES: Readonly<Record<string, Ingredient>> = frozen(
  Object.fromEntries(
    conceptsOf('atc-codes', ATC).map(({ concept }) => [
      concept.code,
      classIngredient(concept.display, concept, `atc-codes ${concept.code}`),
    ]),
  ),
);

// Brand names (RULES.md 10.4.4): designations of the ingredient concepts.

export interface BrandName {
  brand: string;
  /** The ingredient the brand stands for. */
  ingredient: Ingredient;
  pattern: RegExp;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Words of a name, a space or hyphen between them optional ("Actoplus-Met", "Cobalin H"). */
const wordsSource = (text: string): string =>
  text
    .split(/[\s-]+/)
    .filter((word) => word !== '')
    .map(escapeRegExp)
    .join('[\\s-]?');

/**
 * A brand as written in a record, case-insensitive, but not inside a longer brand of another
 * product: "Cytamen" (cyanocobalamin) is not "Neo-Cytamen" (hydroxocobalamin), "Zantac"
 * (ranitidine) is not "Zantac 360" (famotidine).
 */
function brandPattern(brand: string, brands: readonly string[]): RegExp {
  const guards = brands.flatMap((other) => {
    const at = other.toLowerCase().indexOf(brand.toLowerCase());
    if (other === brand || at < 0) return [];
    const before = other.slice(0, at).trim();
    const after = other.slice(at + brand.length).trim();
    return [
      ...(before ? [`(?<!${wordsSource(before)}[\\s-]?)`] : []),
      ...(after ? [`(?![\\s-]?${wordsSource(after)})`] : []),
    ];
  });
  const lookbehinds = guards.filter((guard) => guard.startsWith('(?<!')).join('');
  const lookaheads = guards.filter((guard) => guard.startsWith('(?!')).join('');
  return new RegExp(`${lookbehinds}\\b${wordsSource(brand)}\\b${lookaheads}`, 'i');
}

function brandNames(): BrandName[] {
  const named = conceptsOf('rxnorm-ingredients', RXNORM).flatMap(({ concept }) =>
    designationsOf(concept, 'brand-name').map((brand) => ({ brand, code: concept.code })),
  );
  const all = named.map((entry) => entry.brand);
  return named.map(({ brand, code }) => {
    const found = RXNORM_INGREDIENTS[code];
    if (!found) throw new Error(`brand ${brand}: ingredient ${code} unknown`);
    return frozen({ brand, ingredient: found, pattern: brandPattern(brand, all) });
  });
}

/** Brand names and the ingredient each stands for (RULES.md 10.4.4). */
export const BRAND_NAMES: readonly BrandName[] = frozen(brandNames());

/** Metformin by name or by one of its brands (RULES.md 10.4.4, A10BD*). */
const METFORMIN_NAME = anyOf([
  /\bmetformin\b/i,
  ...BRAND_NAMES.filter((entry) => entry.ingredient.class === 'metformin').map(
    (entry) => entry.pattern,
  ),
]);

/**
 * ATC classification by prefix (RULES.md 2.3, 10.4.4): A10BA02 (or A10BD* whose display or text
 * names metformin or a metformin brand) metformin; A02BC* PPI; A02BA* H2RA; B03BA* B12 product;
 * B03BB01 folic acid. B03BA5x are cobalamin combinations: a B12 product, but not B12 therapy.
 */
export function classifyAtc(code: string, text: string): Ingredient | undefined {
  const named = lookup(ATC_NAMES, code);
  if (named) return named;
  if (code.startsWith('A10BD') && METFORMIN_NAME.test(text)) return METFORMIN;
  if (code.startsWith('A02BC')) return PPI;
  if (code.startsWith('A02BA')) return H2RA;
  if (code.startsWith('B03BA')) return VITAMIN_B12;
  return undefined;
}

const METFORMIN = ingredient('metformin', 'metformin');
const PPI = ingredient('proton pump inhibitor', 'ppi');
const H2RA = ingredient('H2 receptor antagonist', 'h2ra');
const VITAMIN_B12 = ingredient('vitamin B12', 'b12', 'cobalamin');

/** ATC codes of cobalamin combinations (B03BA51…): B12 products that are never B12 therapy. */
export const isAtcCobalaminCombination = (code: string): boolean => /^B03BA5\d$/.test(code);

export interface MedicationName {
  pattern: RegExp;
  ingredient: Ingredient;
  /** Set when the pattern is a brand name (RULES.md 10.4.4). */
  brand?: string;
  /** A generic B12 name ("vitamin B12", "cobalamin"): a cobalamin named outright wins over it. */
  generic?: true;
}

const byName = (name: string, cls: MedicationClass): MedicationName => ({
  pattern: new RegExp(`\\b${name}\\b`, 'i'),
  ingredient: ingredient(name, cls),
});

/**
 * Name patterns for the reported last-resort text match (RULES.md 2.3, 10.4.4): ingredient names,
 * then brand names (each naming its ingredient). Folinic acid is not folic acid.
 */
export const MEDICATION_TEXT: readonly MedicationName[] = frozen([
  byName('metformin', 'metformin'),
  ...[
    'omeprazole',
    'esomeprazole',
    'lansoprazole',
    'pantoprazole',
    'rabeprazole',
    'dexlansoprazole',
  ].map((name) => byName(name, 'ppi')),
  ...['famotidine', 'ranitidine', 'cimetidine', 'nizatidine'].map((name) => byName(name, 'h2ra')),
  {
    pattern: /\bhydroxocobalamin\b/i,
    ingredient: ingredient('hydroxocobalamin', 'b12', 'hydroxocobalamin'),
  },
  {
    pattern: /\bcyanocobalamin\b/i,
    ingredient: ingredient('cyanocobalamin', 'b12', 'cyanocobalamin'),
  },
  {
    pattern: /\b(methylcobalamin|mecobalamin)\b/i,
    ingredient: ingredient('methylcobalamin', 'b12', 'methylcobalamin'),
  },
  {
    pattern: /(?<!(hydroxo|cyano|methyl|meco))cobalamin\b/i,
    ingredient: VITAMIN_B12,
    generic: true,
  },
  // RxNorm names cyanocobalamin (ingredient 11248) "vitamin B12" (RULES.md 10.4.3).
  {
    pattern: /\bvitamin\s*b[\s-]?12\b/i,
    ingredient: ingredient('cyanocobalamin', 'b12', 'cyanocobalamin'),
    generic: true,
  },
  {
    pattern: /\bfolic acid\b|\b(methyl)?folate\b/i,
    ingredient: ingredient('folic acid', 'folicAcid'),
  },
  ...BRAND_NAMES.map(({ brand, ingredient: stands, pattern }) => ({
    pattern,
    ingredient: stands,
    brand,
  })),
]);

/**
 * One pattern that matches wherever any of `patterns` matches. Most records match none, so one
 * search first replaces a search per pattern. The patterns must share their flags.
 */
export function anyOf(patterns: readonly RegExp[]): RegExp {
  const flags = new Set(patterns.map((pattern) => pattern.flags));
  if (flags.size > 1)
    throw new Error(`anyOf: patterns with different flags (${[...flags].join(', ')})`);
  return new RegExp(patterns.map((pattern) => `(?:${pattern.source})`).join('|'), [...flags][0]);
}

export const ANY_MEDICATION_TEXT = anyOf(MEDICATION_TEXT.map((entry) => entry.pattern));

/** Cyanokit, hydroxocobalamin 5 g for cyanide poisoning: never B12 therapy (RULES.md 10.4.5). */
export const CYANOKIT_TEXT = /\bcyanokit\b/i;

/** Products that contain a cobalamin among other vitamins never count as B12 therapy (RULES.md 2.3). */
export const MULTIVITAMIN_TEXT =
  /\b(multi-?vitamins?|b[\s-]?complex|prenatal|polyvitamin|thiamine?|pyridoxine|riboflavin|niacin(amide)?|nicotinamide|biotin|pantothen\w*|ascorbic|vitamin\s*(b\s*[1236]|c|d)\b)/i;

const ROUTES = ['intramuscular', 'subcutaneous', 'oral', 'nasal', 'sublingual'] as const;
/** The routes the rules tell apart (RULES.md 2.3, 7.4, 10.4.6; HL7 route value set). */
export type Route = (typeof ROUTES)[number];

export const ROUTE_CODES: Readonly<Record<string, Route>> = frozen(
  Object.fromEntries(
    conceptsOf('medication-routes', SNOMED).map(({ concept }) => {
      const route = oneOf(ROUTES, codeExtension(concept, 'key'));
      if (!route) throw new Error(`medication-routes ${concept.code}: no route key`);
      return [concept.code, route];
    }),
  ),
);

export const ROUTE_TEXT: readonly { pattern: RegExp; route: Route }[] = [
  { pattern: /\b(intramuscular(ly)?|im)\b/i, route: 'intramuscular' },
  { pattern: /\b(subcutaneous(ly)?|sc|subcut)\b/i, route: 'subcutaneous' },
  { pattern: /\b(oral(ly)?|by mouth|po)\b/i, route: 'oral' },
  { pattern: /\b(nasal(ly)?|intranasal|per nose)\b/i, route: 'nasal' },
  { pattern: /\b(sublingual(ly)?|under the tongue)\b/i, route: 'sublingual' },
];

/** Other drugs NG239 lists as B12 risks, recognised by name (RULES.md 2.5 `otherRisk`). */
export const OTHER_RISK_DRUG_TEXT =
  /\b(colchicine|topiramate|pregabalin|phenobarbit(al|one)|primidone)\b/i;

// ---------------------------------------------------------------------------------------------
// Conditions and procedures (RULES.md 2.4, 7.4, 10.5, 10.6)
// ---------------------------------------------------------------------------------------------

export type ConditionGroup =
  | 'neuro'
  | 'symptom'
  | 'gastrectomy'
  | 'totalGastrectomy'
  | 'bariatricSurgery'
  | 'ilealResection'
  | 'ilealCrohns'
  | 'coeliac'
  | 'atrophicGastritis'
  | 'perniciousAnaemia'
  | 'veganDiet'
  | 'otherRisk'
  | 'codedB12Deficiency'
  | 'ckd345'
  | 'pregnancy'
  | 'pancytopenia'
  | 'thrombocytopenia'
  | 'diabetes';

export interface ConditionGroupDefinition {
  snomed: readonly string[];
  /**
   * ICD-10 code prefixes, dotless and upper case (`K500` covers K50.00 and K50.011), read in both
   * ICD10_CM and ICD10_WHO_SYSTEM (RULES.md 10.5.1, 10.6).
   */
  icd10: readonly string[];
  /**
   * Prefixes of `icd10` that count only when the record's text or a display matches: E53.8 is B12
   * deficiency only when it names B12 or cobalamin (RULES.md 10.6).
   */
  icd10RequiresText?: Readonly<Record<string, RegExp>>;
  /** Beyond the rule book's sets: its codes never stop the rule book's text fallback. */
  supplementary?: boolean;
  /** Case-insensitive text patterns, used only when no code of any group matches. */
  text?: RegExp;
  /** Permanent risk factors count whatever their clinicalStatus (RULES.md 2.4). */
  permanent?: boolean;
  /** Surgical groups are also read from completed Procedures (RULES.md 2.4). */
  surgical?: boolean;
}

/** An ICD-10 code as the rules compare it: trimmed, upper case, without its dot (RULES.md 10.2.1). */
export const dotlessIcd10 = (code: string): string => code.trim().replaceAll('.', '').toUpperCase();

/** A condition group's codes from its ValueSet `condition-<id>` (RULES.md 7.4, 10.6). */
function groupCodes(
  id: string,
): Pick<ConditionGroupDefinition, 'snomed' | 'icd10' | 'icd10RequiresText'> {
  const icd = conceptsOf(`condition-${id}`, ICD10_CM);
  const requiresText = Object.fromEntries(
    icd.flatMap(({ concept }) => {
      const pattern = stringExtension(concept, 'requires-text');
      return pattern ? [[dotlessIcd10(concept.code), new RegExp(pattern, 'i')]] : [];
    }),
  );
  return {
    snomed: frozen(codesIn(`condition-${id}`, SNOMED)),
    icd10: frozen(icd.map(({ concept }) => dotlessIcd10(concept.code))),
    ...(Object.keys(requiresText).length > 0 ? { icd10RequiresText: frozen(requiresText) } : {}),
  };
}

export const CONDITION_GROUPS: Readonly<Record<ConditionGroup, ConditionGroupDefinition>> = frozen({
  neuro: {
    // Subacute combined degeneration has no verified code (U): text only.
    ...groupCodes('neuro'),
    text: /paraesthes|paresthes|pins and needles|numb|neuropath|ataxi|gait|subacute combined|myelopath|cognitive|memory/i,
  },
  symptom: {
    ...groupCodes('symptom'),
    text: /fatigue|tired|glossitis|sore tongue|depress|psychos|dementia|alzheimer|visual|weakness|anaemi|anemi|macrocyt/i,
  },
  // 49209004 subtotal gastrectomy is a risk factor but no prophylaxis indication (RULES.md 5.16).
  gastrectomy: {
    ...groupCodes('gastrectomy'),
    text: /gastrectomy/i,
    permanent: true,
    surgical: true,
  },
  totalGastrectomy: {
    ...groupCodes('total-gastrectomy'),
    text: /(?<!sub)total gastrectomy/i,
    permanent: true,
    surgical: true,
  },
  bariatricSurgery: {
    ...groupCodes('bariatric-surgery'),
    text: /bariatric|gastric bypass|roux-en-y|sleeve gastrectomy|gastric band/i,
    permanent: true,
    surgical: true,
  },
  ilealResection: {
    ...groupCodes('ileal-resection'),
    text: /ileal resection|ileectomy|terminal ileum resection/i,
    permanent: true,
    surgical: true,
  },
  ilealCrohns: { ...groupCodes('ileal-crohns'), text: /crohn.*ile/i },
  coeliac: { ...groupCodes('coeliac'), text: /coeliac|celiac/i },
  atrophicGastritis: { ...groupCodes('atrophic-gastritis'), text: /atrophic gastritis/i },
  // RULES.md 2.5 treats pernicious anaemia and autoimmune gastritis as one permanent cause.
  perniciousAnaemia: {
    ...groupCodes('pernicious-anaemia'),
    text: /pernicious|autoimmune gastritis/i,
    permanent: true,
  },
  // Also read from Observation code or value.
  veganDiet: { ...groupCodes('vegan-diet'), text: /\bvegan\b/i },
  otherRisk: {
    ...groupCodes('other-risk'),
    text: /type 1 diabetes|hashimoto|autoimmune thyroid|vitiligo|addison|sj[oö]gren/i,
  },
  codedB12Deficiency: {
    ...groupCodes('coded-b12-deficiency'),
    text: /\bb[\s-]?12 deficiency|cobalamin deficiency/i,
  },
  ckd345: groupCodes('ckd345'),
  pregnancy: groupCodes('pregnancy'),
  pancytopenia: groupCodes('pancytopenia'),
  // Not in the rule book's sets; no rule depends on them yet.
  thrombocytopenia: { ...groupCodes('thrombocytopenia'), supplementary: true },
  diabetes: { ...groupCodes('diabetes'), supplementary: true },
});
