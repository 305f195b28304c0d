/**
 * B12 terminology as data, in one place (RULES.md section 7). Observations, conditions and
 * procedures are recognised by system and code; medications by RxNorm, then ATC, then, as a
 * reported last resort, by name (RULES.md 2.3). Conditions fall back to the text patterns of
 * RULES.md 7.4 only when no code matches, and that is reported too.
 *
 * Confidence as in RULES.md 7: V confirmed in a public source, M one secondary source and check
 * digit, U unverified (never the only recognition path).
 */

import { lookup } from '../../src/fhir/coding.js';

export const LOINC_SYSTEM = 'http://loinc.org';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const ATC_SYSTEM = 'http://www.whocc.no/atc';

// ---------------------------------------------------------------------------------------------
// Laboratory analytes (RULES.md 7.1 codes, 3 units, 2.2 plausibility)
// ---------------------------------------------------------------------------------------------

export interface AnalyteDefinition {
  /** Name used in card evidence lines (RULES.md 5.0). */
  label: string;
  loinc: readonly string[];
  /** Canonical unit the rules compare in. */
  unit: string;
  /** Accepted units (compared after normalisation, RULES.md 3) and the factor to the canonical unit. */
  units: Readonly<Record<string, number>>;
  /** Converted values outside this range are implausible and unusable (RULES.md 2.2). */
  plausible: readonly [number, number];
  /** Which way is abnormal: breaks same-day ties in favour of the more abnormal result. */
  abnormal: 'low' | 'high';
}

/** Cyanocobalamin 1355.4 g/mol: 1 pmol/L = 1.3554 ng/L (RULES.md 3; 132 pmol/L = 178.9 ng/L). */
const B12_NG_PER_PMOL = 1.3554;
/** Folic acid 441.4 g/mol: 1 ng/mL = 2.266 nmol/L (RULES.md 3). */
const FOLATE_NMOL_PER_NG = 2.266;
/** Haemoglobin (monomer, 16.11 g/mmol): 1 mmol/L = 16.11 g/L (RULES.md 3). */
const HB_G_PER_MMOL = 16.11;
/** Creatinine 113.12 g/mol: 1 mg/dL = 88.42 umol/L. */
const CREATININE_UMOL_PER_MG_DL = 88.42;

const PLATELET_UNITS = {
  '10*9/l': 1,
  '10*3/ul': 1,
  'k/ul': 1,
  '10*3/mm3': 1,
  '/nl': 1,
  '/ul': 1 / 1000,
};

const FOLATE_UNITS = { 'nmol/l': 1, 'ng/ml': FOLATE_NMOL_PER_NG, 'ug/l': FOLATE_NMOL_PER_NG };

export const ANALYTES = {
  totalB12: {
    label: 'total B12',
    loinc: ['2132-9', '14685-2'],
    unit: 'ng/L',
    units: { 'ng/l': 1, 'pg/ml': 1, 'ng/ml': 1000, 'pmol/l': B12_NG_PER_PMOL },
    plausible: [10, 100_000],
    abnormal: 'low',
  },
  activeB12: {
    label: 'active B12',
    loinc: ['72160-5'],
    unit: 'pmol/L',
    // Mass units are not accepted for holotranscobalamin (RULES.md 3).
    units: { 'pmol/l': 1 },
    plausible: [1, 1000],
    abnormal: 'low',
  },
  methylmalonicAcid: {
    label: 'methylmalonic acid (MMA)',
    loinc: ['13964-2'],
    unit: 'umol/L',
    units: { 'umol/l': 1, 'nmol/ml': 1, 'nmol/l': 1 / 1000, 'mmol/l': 1000 },
    plausible: [0.01, 1000],
    abnormal: 'high',
  },
  homocysteine: {
    label: 'homocysteine',
    loinc: ['13965-9'],
    unit: 'umol/L',
    units: { 'umol/l': 1 },
    plausible: [0.5, 500],
    abnormal: 'high',
  },
  haemoglobin: {
    label: 'Hb',
    loinc: ['718-7'],
    unit: 'g/L',
    units: { 'g/l': 1, 'g/dl': 10, 'mmol/l': HB_G_PER_MMOL },
    plausible: [20, 250],
    abnormal: 'low',
  },
  mcv: {
    label: 'MCV',
    loinc: ['787-2', '30428-7'],
    unit: 'fL',
    units: { fl: 1, um3: 1 },
    plausible: [40, 200],
    abnormal: 'high',
  },
  platelets: {
    label: 'platelets',
    loinc: ['777-3', '26515-7', '778-1', '49497-1', '13056-7'],
    unit: '10*9/L',
    units: PLATELET_UNITS,
    plausible: [0, 5000],
    abnormal: 'low',
  },
  serumFolate: {
    label: 'serum folate',
    loinc: ['2284-8', '14732-2'],
    unit: 'nmol/L',
    units: FOLATE_UNITS,
    plausible: [0.5, 500],
    abnormal: 'low',
  },
  redCellFolate: {
    label: 'red cell folate',
    // M: RBC folate codes from one secondary source (RULES.md 7.1).
    loinc: ['2283-0', '14731-4'],
    unit: 'nmol/L',
    units: FOLATE_UNITS,
    plausible: [0.5, 5000],
    abnormal: 'low',
  },
  egfr: {
    label: 'eGFR',
    loinc: ['98979-8', '62238-1', '33914-3', '48642-3', '48643-1', '88293-6', '88294-4', '69405-9'],
    unit: 'mL/min/1.73m2',
    units: {
      'ml/min/{1.73_m2}': 1,
      'ml/min/1.73m2': 1,
      'ml/min/1.73 m2': 1,
      'ml/min': 1,
    },
    plausible: [0, 250],
    abnormal: 'low',
  },
  creatinine: {
    label: 'creatinine',
    loinc: ['2160-0', '14682-9'],
    unit: 'umol/L',
    units: { 'umol/l': 1, 'mg/dl': CREATININE_UMOL_PER_MG_DL },
    plausible: [5, 3000],
    abnormal: 'high',
  },
  potassium: {
    label: 'potassium',
    // M (RULES.md 7.1).
    loinc: ['2823-3'],
    unit: 'mmol/L',
    units: { 'mmol/l': 1, 'meq/l': 1 },
    plausible: [1, 10],
    abnormal: 'low',
  },
} as const satisfies Record<string, AnalyteDefinition>;

export type Analyte = keyof typeof ANALYTES;

/** Pregnancy status observation and its answers (RULES.md 2.1, 7.1). */
export const PREGNANCY_STATUS = {
  loinc: '82810-3',
  pregnant: [
    { system: SNOMED_SYSTEM, code: '77386006' },
    { system: LOINC_SYSTEM, code: 'LA15173-0' },
  ],
  notPregnant: [{ system: SNOMED_SYSTEM, code: '60001007' }],
} as const;

/** LOINC codes used only to order tests in suggestions (RULES.md 7.1, M). */
export const ORDERABLE_PANELS = {
  fullBloodCount: '58410-2',
  intrinsicFactorAntibody: '31444-3',
} as const;

// ---------------------------------------------------------------------------------------------
// Medications (RULES.md 2.3, 7.2, 7.3)
// ---------------------------------------------------------------------------------------------

export type MedicationClass = 'metformin' | 'ppi' | 'h2ra' | 'folicAcid' | 'b12';

/** The form of a B12 product: cyanocobalamin matters in renal impairment (RULES.md 5.14). */
export type CobalaminForm = 'hydroxocobalamin' | 'cyanocobalamin' | 'methylcobalamin' | 'cobalamin';

export interface Ingredient {
  name: string;
  class: MedicationClass;
  form?: CobalaminForm;
}

const ingredient = (name: string, cls: MedicationClass, form?: CobalaminForm): Ingredient =>
  form ? { name, class: cls, form } : { name, class: cls };

/** RxNorm ingredient (IN) codes (RULES.md 7.2). */
export const RXNORM_INGREDIENTS: Readonly<Record<string, Ingredient>> = {
  '6809': ingredient('metformin', 'metformin'),
  '7646': ingredient('omeprazole', 'ppi'),
  '283742': ingredient('esomeprazole', 'ppi'),
  '17128': ingredient('lansoprazole', 'ppi'),
  '40790': ingredient('pantoprazole', 'ppi'),
  '114979': ingredient('rabeprazole', 'ppi'),
  '816346': ingredient('dexlansoprazole', 'ppi'),
  '4278': ingredient('famotidine', 'h2ra'),
  '9143': ingredient('ranitidine', 'h2ra'),
  '2541': ingredient('cimetidine', 'h2ra'),
  '42319': ingredient('nizatidine', 'h2ra'),
  // M
  '4511': ingredient('folic acid', 'folicAcid'),
  // U: confirm before release (RULES.md 9)
  '5514': ingredient('hydroxocobalamin', 'b12', 'hydroxocobalamin'),
  '11248': ingredient('cyanocobalamin', 'b12', 'cyanocobalamin'),
};

export interface Product {
  ingredients: readonly Ingredient[];
  /** Strength per unit (tablet, mL) in mg, where the daily dose needs it (RULES.md 2.3). */
  strengthMg?: number;
  injectable?: boolean;
}

const IN = RXNORM_INGREDIENTS;
const only = (code: string): readonly Ingredient[] => {
  const found = IN[code];
  if (!found) throw new Error(`unknown RxNorm ingredient ${code}`);
  return [found];
};

/** RxNorm product (SCD) codes (RULES.md 7.2, all V). */
export const RXNORM_PRODUCTS: Readonly<Record<string, Product>> = {
  '861007': { ingredients: only('6809') },
  '861004': { ingredients: only('6809') },
  '861010': { ingredients: only('6809') },
  '198051': { ingredients: only('7646') },
  '402014': { ingredients: only('7646') },
  '310410': { ingredients: only('4511'), strengthMg: 1 },
  '317106': { ingredients: only('5514'), strengthMg: 1, injectable: true },
  '309594': { ingredients: only('11248'), strengthMg: 1, injectable: true },
};

/** ATC codes (RULES.md 7.3). Prefix rules follow the table in {@link classifyAtc}. */
export const ATC_NAMES: Readonly<Record<string, Ingredient>> = {
  A10BA02: ingredient('metformin', 'metformin'),
  A02BC01: ingredient('omeprazole', 'ppi'),
  A02BC02: ingredient('pantoprazole', 'ppi'),
  A02BC03: ingredient('lansoprazole', 'ppi'),
  A02BC04: ingredient('rabeprazole', 'ppi'),
  A02BC05: ingredient('esomeprazole', 'ppi'),
  A02BC06: ingredient('dexlansoprazole', 'ppi'),
  A02BA01: ingredient('cimetidine', 'h2ra'),
  A02BA02: ingredient('ranitidine', 'h2ra'),
  A02BA03: ingredient('famotidine', 'h2ra'),
  A02BA04: ingredient('nizatidine', 'h2ra'),
  B03BA01: ingredient('cyanocobalamin', 'b12', 'cyanocobalamin'),
  B03BA03: ingredient('hydroxocobalamin', 'b12', 'hydroxocobalamin'),
  B03BA05: ingredient('mecobalamin', 'b12', 'methylcobalamin'),
  B03BB01: ingredient('folic acid', 'folicAcid'),
};

/**
 * ATC classification by prefix (RULES.md 2.3): A10BA02 (or A10BD* named metformin) metformin;
 * A02BC* PPI; A02BA* H2RA; B03BA* B12 product; B03BB01 folic acid. B03BA5x are cobalamin
 * combinations: a B12 product, but not B12 therapy.
 */
export function classifyAtc(code: string, text: string): Ingredient | undefined {
  const named = lookup(ATC_NAMES, code);
  if (named) return named;
  if (code.startsWith('A10BD') && /metformin/i.test(text))
    return ingredient('metformin', 'metformin');
  if (code.startsWith('A02BC')) return ingredient('proton pump inhibitor', 'ppi');
  if (code.startsWith('A02BA')) return ingredient('H2 receptor antagonist', 'h2ra');
  if (code.startsWith('B03BA')) return ingredient('vitamin B12', 'b12', 'cobalamin');
  return undefined;
}

/** ATC codes of cobalamin combinations (B03BA51…): B12 products that are never B12 therapy. */
export const isAtcCobalaminCombination = (code: string): boolean => /^B03BA5\d$/.test(code);

/** Name patterns for the reported last-resort text match (RULES.md 2.3, 3). Folinic acid is not folic acid. */
export const MEDICATION_TEXT: readonly { pattern: RegExp; ingredient: Ingredient }[] = [
  { pattern: /\bmetformin\b/i, ingredient: ingredient('metformin', 'metformin') },
  ...[
    'omeprazole',
    'esomeprazole',
    'lansoprazole',
    'pantoprazole',
    'rabeprazole',
    'dexlansoprazole',
  ].map((name) => ({
    pattern: new RegExp(`\\b${name}\\b`, 'i'),
    ingredient: ingredient(name, 'ppi'),
  })),
  ...['famotidine', 'ranitidine', 'cimetidine', 'nizatidine'].map((name) => ({
    pattern: new RegExp(`\\b${name}\\b`, 'i'),
    ingredient: ingredient(name, 'h2ra'),
  })),
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
    pattern: /(?<!(hydroxo|cyano|methyl|meco))cobalamin\b|\bvitamin\s*b[\s-]?12\b/i,
    ingredient: ingredient('vitamin B12', 'b12', 'cobalamin'),
  },
  {
    pattern: /\bfolic acid\b|\b(methyl)?folate\b/i,
    ingredient: ingredient('folic acid', 'folicAcid'),
  },
];

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

/** Products that contain a cobalamin among other vitamins never count as B12 therapy (RULES.md 2.3). */
export const MULTIVITAMIN_TEXT =
  /\b(multi-?vitamins?|b[\s-]?complex|prenatal|polyvitamin|thiamine?|pyridoxine|riboflavin|niacin(amide)?|nicotinamide|biotin|pantothen\w*|ascorbic|vitamin\s*(b\s*[1236]|c|d)\b)/i;

/** Routes (RULES.md 2.3, 7.4; HL7 route value set). */
export type Route = 'intramuscular' | 'subcutaneous' | 'oral';

export const ROUTE_CODES: Readonly<Record<string, Route>> = {
  '78421000': 'intramuscular',
  '34206005': 'subcutaneous',
  '26643006': 'oral',
};

export const ROUTE_TEXT: readonly { pattern: RegExp; route: Route }[] = [
  { pattern: /\b(intramuscular(ly)?|im)\b/i, route: 'intramuscular' },
  { pattern: /\b(subcutaneous(ly)?|sc|subcut)\b/i, route: 'subcutaneous' },
  { pattern: /\b(oral(ly)?|by mouth|po)\b/i, route: 'oral' },
];

/** An injectable B12 product without a route is taken as IM (RULES.md 2.3). */
export const INJECTABLE_TEXT = /\binject/i;

/** Other drugs NG239 lists as B12 risks, recognised by name (RULES.md 2.5 `otherRisk`). */
export const OTHER_RISK_DRUG_TEXT =
  /\b(colchicine|topiramate|pregabalin|phenobarbit(al|one)|primidone)\b/i;

// ---------------------------------------------------------------------------------------------
// Conditions and procedures (RULES.md 2.4, 7.4)
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
  /** Beyond the rule book's sets: its codes never stop the rule book's text fallback. */
  supplementary?: boolean;
  /** Case-insensitive text patterns, used only when no code of any group matches. */
  text?: RegExp;
  /** Permanent risk factors count whatever their clinicalStatus (RULES.md 2.4). */
  permanent?: boolean;
  /** Surgical groups are also read from completed Procedures (RULES.md 2.4). */
  surgical?: boolean;
}

export const CONDITION_GROUPS: Readonly<Record<ConditionGroup, ConditionGroupDefinition>> = {
  neuro: {
    // Subacute combined degeneration has no verified code (U): text only.
    snomed: [
      '91019004',
      '309087008',
      '309086004',
      '44077006',
      '302226006',
      '386033004',
      '95662005',
      '42345000',
      '20262006',
      '445458007',
      '22325002',
      '443265004',
      '386807006',
      '386805003',
      '48522003',
    ],
    text: /paraesthes|paresthes|pins and needles|numb|neuropath|ataxi|gait|subacute combined|myelopath|cognitive|memory/i,
  },
  symptom: {
    snomed: [
      '52448006',
      '35489007',
      '84229001',
      '45534005',
      '63102001',
      '26544005',
      '271737000',
      '83414005',
      '53165003',
      '397073000',
      '127034005',
    ],
    text: /fatigue|tired|glossitis|sore tongue|depress|psychos|dementia|visual|weakness|anaemi|anemi|macrocyt/i,
  },
  // 49209004 subtotal gastrectomy is a risk factor but no prophylaxis indication (RULES.md 5.16).
  gastrectomy: {
    snomed: ['53442002', '26452005', '49209004'],
    text: /gastrectomy/i,
    permanent: true,
    surgical: true,
  },
  // 26452005 is U.
  totalGastrectomy: {
    snomed: ['53442002', '26452005'],
    text: /(?<!sub)total gastrectomy/i,
    permanent: true,
    surgical: true,
  },
  bariatricSurgery: {
    snomed: ['430715008', '443906008', '708983005', '173747005', '59657005', '267010000'],
    text: /bariatric|gastric bypass|roux-en-y|sleeve gastrectomy|gastric band/i,
    permanent: true,
    surgical: true,
  },
  // M
  ilealResection: {
    snomed: ['51346007'],
    text: /ileal resection|ileectomy|terminal ileum resection/i,
    permanent: true,
    surgical: true,
  },
  // 7620006 (large bowel) is not ileal.
  ilealCrohns: { snomed: ['38106008', '56689002', '71833008'], text: /crohn.*ile/i },
  coeliac: { snomed: ['396331005'], text: /coeliac|celiac/i },
  atrophicGastritis: { snomed: ['84568007'], text: /atrophic gastritis/i },
  // RULES.md 2.5 treats pernicious anaemia and autoimmune gastritis as one permanent cause.
  perniciousAnaemia: {
    snomed: ['84027009'],
    text: /pernicious|autoimmune gastritis/i,
    permanent: true,
  },
  // M; also read from Observation code or value.
  veganDiet: { snomed: ['1255165006'], text: /\bvegan\b/i },
  otherRisk: {
    snomed: [
      '46635009',
      '66944004',
      '21983002',
      '56727007',
      '83901003',
      '363732003',
      '24526004',
      '34000006',
      '26629001',
    ],
  },
  codedB12Deficiency: { snomed: ['190634004', '64117007', '49472006', '84027009'] },
  // 709044004 (CKD unspecified) does not count.
  ckd345: { snomed: ['433144002', '431857002', '433146000'] },
  pregnancy: {
    snomed: ['77386006', '72892002', '47200007', '65727000', '16356006', '65147003'],
  },
  pancytopenia: { snomed: ['127034005'] },
  // U: not in the rule book's verified sets; no rule depends on them yet.
  thrombocytopenia: { snomed: ['302215000'], supplementary: true },
  diabetes: { snomed: ['73211009', '44054006', '46635009'], supplementary: true },
};
