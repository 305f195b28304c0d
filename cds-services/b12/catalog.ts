import type { Coding, Indicator, Link } from '../../src/cds-hooks/cards.js';
import { HOOKS, ORDER_HOOKS } from '../../src/cds-hooks/hooks.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import type { Analyte, ConditionGroup, MedicationClass } from './terminology.js';

/**
 * The binding card catalog (RULES.md 5): stable card codes, their indicators, override reasons
 * and links. Card codes are the contract with EHRs and analytics: never rename one.
 */

/** The project's card-topic CodeSystem: `source.topic.system` of every card. */
export const TOPIC_SYSTEM = 'https://b12-cds.org/fhir/CodeSystem/card-topic';
/** The project's override-reason CodeSystem (RULES.md 5.0). */
export const OVERRIDE_SYSTEM = 'https://b12-cds.org/fhir/CodeSystem/override-reason';

export const SOURCE_LABEL = 'B12 CDS (NICE NG239)';

export const LINKS = {
  ng239: { label: 'NICE NG239', url: 'https://www.nice.org.uk/guidance/ng239' },
  cks: { label: 'NICE CKS', url: 'https://cks.nice.org.uk/topics/anaemia-b12-folate-deficiency/' },
  bnfHydroxocobalamin: {
    label: 'BNF hydroxocobalamin',
    url: 'https://bnf.nice.org.uk/drugs/hydroxocobalamin/',
  },
  bnfFolicAcid: { label: 'BNF folic acid', url: 'https://bnf.nice.org.uk/drugs/folic-acid/' },
  bnfCyanocobalamin: {
    label: 'BNF cyanocobalamin',
    url: 'https://bnf.nice.org.uk/drugs/cyanocobalamin/',
  },
  bsh2014: { label: 'BSH 2014', url: 'https://doi.org/10.1111/bjh.12959' },
  afp2017: { label: 'AFP 2017', url: 'https://www.aafp.org/pubs/afp/issues/2017/0915/p384.html' },
  who2011: {
    label: 'WHO 2011',
    url: 'https://www.who.int/publications/i/item/WHO-NMH-NHD-MNM-11.1',
  },
  dailyMedCyanocobalamin: {
    label: 'DailyMed cyanocobalamin',
    url: 'https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=cyanocobalamin',
  },
} as const;

type LinkKey = keyof typeof LINKS;

export const OVERRIDE_REASONS = {
  'test-already-ordered': 'B12 test already ordered or done elsewhere',
  'alternative-explanation': 'Findings have another explanation',
  'patient-declined': 'Patient declined',
  'not-clinically-relevant': 'Not clinically relevant for this patient',
  'treated-elsewhere': 'B12 treatment given or recorded elsewhere',
  'already-addressed': 'Already addressed; plan documented',
  'specialist-managing': 'Specialist (haematology/neurology) is managing',
  'result-not-representative':
    'Result not representative (post-injection, assay or sample problem)',
  'empirical-both': 'Seriously ill: B12 and folic acid given together while awaiting results',
  'prophylactic-dose': 'Low-dose prophylactic folic acid',
  'precautions-in-place': 'Fine needle and prolonged pressure will be used',
  'haematology-agreed': 'Haematology agreed the IM route',
  'benefit-outweighs': 'Benefit outweighs risk',
} as const;

type OverrideReason = keyof typeof OVERRIDE_REASONS;

/**
 * The kinds of data a card's trigger or evidence reads: a data note about other data is never
 * appended to it (RULES.md 10.5.3).
 */
export interface DataUse {
  analytes: readonly Analyte[];
  medications: readonly MedicationClass[];
  conditions: readonly ConditionGroup[];
}

interface CatalogEntry {
  /** The code in words: `source.topic.display`. */
  display: string;
  indicator: Indicator;
  hooks: readonly HookName[];
  overrideReasons: readonly OverrideReason[];
  links: readonly LinkKey[];
  uses: DataUse;
}

const B12_MARKERS: readonly Analyte[] = ['totalB12', 'activeB12'];
/** B12 with MMA, and the eGFR that decides whether a raised MMA can count (RULES.md 2.5). */
const B12_WITH_MMA: readonly Analyte[] = [...B12_MARKERS, 'methylmalonicAcid', 'egfr'];
const BLOOD_COUNT: readonly Analyte[] = ['haemoglobin', 'mcv', 'platelets'];
/** Drugs that are risk factors, and B12 therapy, which silences most patient-view cards (5.1). */
const RISK_DRUGS: readonly MedicationClass[] = ['metformin', 'ppi', 'h2ra', 'b12'];
const CAUSES: readonly ConditionGroup[] = [
  'gastrectomy',
  'totalGastrectomy',
  'bariatricSurgery',
  'ilealResection',
  'ilealCrohns',
  'coeliac',
  'atrophicGastritis',
  'perniciousAnaemia',
  'veganDiet',
];
const TREATMENT_USES: DataUse = {
  analytes: [...B12_WITH_MMA, ...BLOOD_COUNT],
  medications: RISK_DRUGS,
  conditions: [...CAUSES, 'neuro', 'pregnancy', 'ckd345'],
};

const PATIENT_VIEW: readonly HookName[] = ['patient-view'];

export const CARD_CATALOG = {
  'b12-test-recommended': {
    display: 'B12 test recommended',
    indicator: 'warning',
    hooks: PATIENT_VIEW,
    overrideReasons: [
      'test-already-ordered',
      'alternative-explanation',
      'patient-declined',
      'not-clinically-relevant',
    ],
    links: ['ng239', 'cks'],
    uses: {
      analytes: [...B12_MARKERS, 'haemoglobin', 'mcv'],
      medications: RISK_DRUGS,
      conditions: [...CAUSES, 'neuro', 'symptom', 'otherRisk', 'pregnancy'],
    },
  },
  'b12-test-consider': {
    display: 'B12 test to consider',
    indicator: 'info',
    hooks: PATIENT_VIEW,
    overrideReasons: ['test-already-ordered', 'not-clinically-relevant', 'patient-declined'],
    links: ['afp2017', 'ng239'],
    uses: { analytes: B12_MARKERS, medications: RISK_DRUGS, conditions: CAUSES },
  },
  'b12-indeterminate-mma': {
    display: 'Indeterminate B12: consider MMA',
    indicator: 'info',
    hooks: PATIENT_VIEW,
    overrideReasons: ['test-already-ordered', 'not-clinically-relevant', 'treated-elsewhere'],
    links: ['ng239', 'cks'],
    uses: {
      analytes: B12_WITH_MMA,
      medications: ['b12'],
      conditions: ['neuro', 'pregnancy', 'ckd345'],
    },
  },
  'mma-renal-caution': {
    display: 'Raised MMA with renal impairment',
    indicator: 'info',
    hooks: PATIENT_VIEW,
    overrideReasons: ['already-addressed', 'specialist-managing', 'not-clinically-relevant'],
    links: ['ng239'],
    uses: { analytes: B12_WITH_MMA, medications: ['b12'], conditions: ['neuro', 'ckd345'] },
  },
  'b12-deficiency-treat': {
    display: 'B12 deficiency: start treatment',
    indicator: 'warning',
    hooks: PATIENT_VIEW,
    overrideReasons: [
      'treated-elsewhere',
      'result-not-representative',
      'patient-declined',
      'specialist-managing',
    ],
    links: ['ng239', 'cks', 'bnfHydroxocobalamin'],
    uses: TREATMENT_USES,
  },
  'b12-deficiency-neuro-urgent': {
    display: 'B12 deficiency with neurological features: urgent treatment',
    indicator: 'critical',
    hooks: PATIENT_VIEW,
    overrideReasons: [
      'alternative-explanation',
      'treated-elsewhere',
      'specialist-managing',
      'patient-declined',
    ],
    links: ['ng239', 'cks', 'bnfHydroxocobalamin', 'bsh2014'],
    uses: TREATMENT_USES,
  },
  'b12-low-stale-untreated': {
    display: 'Old low B12 never treated',
    indicator: 'warning',
    hooks: PATIENT_VIEW,
    overrideReasons: ['treated-elsewhere', 'already-addressed', 'result-not-representative'],
    links: ['ng239', 'cks'],
    uses: { analytes: B12_MARKERS, medications: ['b12'], conditions: ['neuro', 'pregnancy'] },
  },
  'combined-b12-folate-deficiency': {
    display: 'Combined B12 and folate deficiency',
    indicator: 'warning',
    hooks: PATIENT_VIEW,
    overrideReasons: [
      'treated-elsewhere',
      'specialist-managing',
      'patient-declined',
      'result-not-representative',
    ],
    links: ['cks', 'bnfFolicAcid', 'bnfHydroxocobalamin'],
    uses: {
      analytes: [...B12_WITH_MMA, 'serumFolate', 'redCellFolate', ...BLOOD_COUNT],
      medications: ['b12'],
      conditions: ['neuro', 'perniciousAnaemia', 'ckd345'],
    },
  },
  'severe-anaemia-urgent': {
    display: 'Severe anaemia: urgent assessment',
    indicator: 'critical',
    hooks: HOOKS,
    overrideReasons: ['already-addressed', 'specialist-managing', 'result-not-representative'],
    links: ['who2011', 'cks'],
    uses: {
      analytes: BLOOD_COUNT,
      medications: ['folicAcid', 'b12'],
      conditions: ['pancytopenia', 'pregnancy'],
    },
  },
  'folate-order-b12-untreated': {
    display: 'Folic acid ordered with untreated B12 deficiency',
    indicator: 'critical',
    hooks: ORDER_HOOKS,
    overrideReasons: [
      'treated-elsewhere',
      'empirical-both',
      'specialist-managing',
      'result-not-representative',
    ],
    links: ['bnfFolicAcid', 'cks', 'dailyMedCyanocobalamin'],
    uses: {
      analytes: B12_WITH_MMA,
      medications: ['folicAcid', 'b12'],
      conditions: ['codedB12Deficiency', 'neuro', 'ckd345'],
    },
  },
  'folate-order-b12-unknown': {
    display: 'Folic acid ordered without a B12 result',
    indicator: 'warning',
    hooks: ORDER_HOOKS,
    overrideReasons: [
      'prophylactic-dose',
      'test-already-ordered',
      'empirical-both',
      'specialist-managing',
    ],
    links: ['bnfFolicAcid', 'cks'],
    uses: {
      analytes: [...B12_WITH_MMA, 'haemoglobin', 'mcv'],
      medications: ['folicAcid', 'b12'],
      conditions: ['codedB12Deficiency', 'pregnancy', 'ckd345'],
    },
  },
  'im-injection-thrombocytopenia': {
    display: 'IM B12 injection with low platelets',
    indicator: 'warning',
    hooks: ORDER_HOOKS,
    overrideReasons: [
      'precautions-in-place',
      'haematology-agreed',
      'result-not-representative',
      'benefit-outweighs',
    ],
    links: ['bnfHydroxocobalamin', 'dailyMedCyanocobalamin'],
    uses: { analytes: ['platelets'], medications: ['b12'], conditions: [] },
  },
  'cyanocobalamin-renal': {
    display: 'Cyanocobalamin in renal impairment',
    indicator: 'info',
    hooks: ORDER_HOOKS,
    overrideReasons: ['benefit-outweighs', 'not-clinically-relevant', 'specialist-managing'],
    links: ['bnfCyanocobalamin', 'dailyMedCyanocobalamin'],
    uses: { analytes: ['egfr'], medications: ['b12'], conditions: ['ckd345'] },
  },
  'hypokalaemia-monitoring': {
    display: 'Potassium monitoring in severe anaemia',
    indicator: 'info',
    hooks: ORDER_HOOKS,
    overrideReasons: ['already-addressed', 'test-already-ordered', 'not-clinically-relevant'],
    links: ['dailyMedCyanocobalamin', 'cks'],
    uses: { analytes: ['haemoglobin'], medications: ['b12'], conditions: ['pregnancy'] },
  },
  'b12-prophylaxis-malabsorption': {
    display: 'B12 prophylaxis after malabsorptive surgery or disease',
    indicator: 'info',
    hooks: PATIENT_VIEW,
    overrideReasons: [
      'treated-elsewhere',
      'not-clinically-relevant',
      'specialist-managing',
      'patient-declined',
    ],
    links: ['bnfHydroxocobalamin', 'afp2017', 'ng239'],
    uses: {
      analytes: B12_MARKERS,
      medications: ['b12'],
      conditions: [
        'totalGastrectomy',
        'gastrectomy',
        'ilealResection',
        'bariatricSurgery',
        'ilealCrohns',
      ],
    },
  },
  'outside-guideline-age': {
    display: 'Low B12 under 16: outside the adult guideline',
    indicator: 'info',
    hooks: PATIENT_VIEW,
    overrideReasons: ['specialist-managing', 'already-addressed', 'not-clinically-relevant'],
    links: ['ng239'],
    uses: { analytes: B12_MARKERS, medications: [], conditions: [] },
  },
  'b12-review-due': {
    display: 'B12 treatment review due',
    indicator: 'info',
    hooks: PATIENT_VIEW,
    overrideReasons: ['already-addressed', 'test-already-ordered', 'not-clinically-relevant'],
    links: ['ng239'],
    uses: { analytes: BLOOD_COUNT, medications: ['b12'], conditions: ['pregnancy'] },
  },
  'b12-result-unreadable': {
    display: 'B12 result could not be read',
    indicator: 'info',
    hooks: PATIENT_VIEW,
    overrideReasons: ['already-addressed', 'not-clinically-relevant'],
    links: ['ng239'],
    uses: { analytes: [...B12_MARKERS, 'methylmalonicAcid'], medications: [], conditions: [] },
  },
  'b12-low-on-oral': {
    display: 'Low B12 on oral B12',
    indicator: 'warning',
    hooks: PATIENT_VIEW,
    overrideReasons: [
      'treated-elsewhere',
      'result-not-representative',
      'patient-declined',
      'specialist-managing',
    ],
    links: ['ng239', 'bnfHydroxocobalamin'],
    uses: { analytes: B12_MARKERS, medications: ['b12'], conditions: [...CAUSES, 'neuro'] },
  },
} as const satisfies Record<string, CatalogEntry>;

export type CardCode = keyof typeof CARD_CATALOG;

/** Whether a code read from outside (a URL, a forecast) is one of the catalog's cards. */
export const isCardCode = (code: string): code is CardCode => Object.hasOwn(CARD_CATALOG, code);

export const overrideReasonsOf = (code: CardCode): Coding[] =>
  CARD_CATALOG[code].overrideReasons.map((reason) => ({
    system: OVERRIDE_SYSTEM,
    code: reason,
    display: OVERRIDE_REASONS[reason],
  }));

export const linksOf = (code: CardCode): Link[] =>
  CARD_CATALOG[code].links.map((key) => ({ ...LINKS[key], type: 'absolute' }));
