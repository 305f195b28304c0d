import { ruleContext } from '../../cds-services/b12/rule.js';
import type { CodeableConcept, FhirResource, Observation, Quantity } from 'fhir/r4.js';
import { expect } from 'vitest';
import { z } from 'zod';
import type { Card, Suggestion } from '../../src/cds-hooks/cards.js';
import { toCard } from '../../cds-services/b12/cards.js';
import type { CardSpec } from '../../cds-services/b12/cards.js';
import { CARD_CATALOG } from '../../cds-services/b12/catalog.js';
import type { CardCode } from '../../cds-services/b12/catalog.js';
import { HOOKS } from '../../src/cds-hooks/hooks.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import {
  DEFAULT_CLINICAL_CONFIG,
  DEFAULT_THRESHOLDS,
} from '../../cds-services/b12/clinical-config.js';
import type { ClinicalConfig, Thresholds } from '../../cds-services/b12/clinical-config.js';
import { RULES, RULE_CARDS, evaluate } from '../../cds-services/b12/evaluate.js';
import { namedValue, resultText, valueText } from '../../cds-services/b12/evidence.js';
import type { LabResult } from '../../src/fhir/observations.js';
import type { Analyte } from '../../cds-services/b12/terminology.js';
import { readPatientFacts } from '../../cds-services/b12/patient-facts.js';
import type { PatientFacts } from '../../cds-services/b12/patient-facts.js';
import type { Rule, RuleContext } from '../../cds-services/b12/rule.js';
import { r4Problems } from '../support/fhir-r4.js';
import { loadPublicScenarios, scenarioToFhir } from '../support/scenarios.js';
import type { Scenario } from '../support/scenarios.js';
import {
  PATIENT_ID,
  TODAY,
  TODAY_DAY,
  atc,
  birthDateForAge,
  concept,
  condition,
  draftOrder,
  draftOrdersBundle,
  lab,
  medicationRequest,
  medicationStatement,
  patient,
  pregnancyStatus,
  quantity,
  rx,
  sct,
  serviceRequest,
  textOnly,
} from '../support/fhir.js';
import type { LabOptions, MedicationOptions } from '../support/fhir.js';
import { facts } from './facts.js';
import type { FactsOptions } from './facts.js';

/**
 * The rule cases: the B12 rules run as a hook call runs them (facts as of TODAY → findings →
 * evaluate → cards) on a patient built from a short description, either with the factories below
 * (the rules-*.test.ts files) or from a row of a case table (cases/*.yaml, {@link runCase}); and
 * the public scenarios run the same way. Every date is a day count before the fixed TODAY, so
 * the cases do not move with the machine's time zone.
 */

export interface RunOptions extends Omit<FactsOptions, 'config'> {
  /** `order-sign` when there are draft orders, else `patient-view`. */
  hook?: HookName;
  /** Threshold overrides on the rule book's defaults (RULES.md 4). */
  thresholds?: Partial<Thresholds>;
}

export interface Run {
  facts: PatientFacts;
  context: RuleContext;
  /** What `evaluate` returns for the hook (catalog hooks and RULES.md 5.1 applied). */
  specs: CardSpec[];
  cards: Card[];
  codes: CardCode[];
  /** The card of a code; fails the test when absent. */
  card: (code: CardCode) => Card;
  /** The card of a code, if any. */
  find: (code: CardCode) => Card | undefined;
}

const cardOfSpec = (spec: CardSpec, patientFacts: PatientFacts): Card =>
  toCard(spec, patientFacts.notes, 'http://localhost:3000');

function runOn(patientFacts: PatientFacts, context: RuleContext): Run {
  const specs = evaluate(context).shown;
  const cards = specs.map((spec) => cardOfSpec(spec, patientFacts));
  const codes = specs.map((spec) => spec.code);
  const find = (code: CardCode): Card | undefined =>
    cards.find((card) => card.source.topic?.code === code);
  return {
    facts: patientFacts,
    context,
    specs,
    cards,
    codes,
    find,
    card: (code) => {
      const found = find(code);
      if (!found) throw new Error(`no ${code} card; cards: ${codes.join(', ')}`);
      return found;
    },
  };
}

/** The whole hook call on the resources. */
export function run(resources: FhirResource[], options: RunOptions = {}): Run {
  const {
    hook = options.draftOrders ? 'order-sign' : 'patient-view',
    thresholds = {},
    ...rest
  } = options;
  const config: ClinicalConfig = {
    ...DEFAULT_CLINICAL_CONFIG,
    thresholds: { ...DEFAULT_THRESHOLDS, ...thresholds },
  };
  const patientFacts = facts(resources, { ...rest, config });
  return runOn(patientFacts, ruleContext(hook, PATIENT_ID, patientFacts, config));
}

/** One rule on its own (no catalog hooks, no precedence), in the context the hook call builds. */
export function ruleOn(
  rule: Rule,
  resources: FhirResource[],
  options: RunOptions = {},
): CardSpec | undefined {
  return rule(run(resources, options).context);
}

/** The card one rule calls for on its own; fails the test when the rule is silent. */
export function ruleCard(rule: Rule, resources: FhirResource[], options: RunOptions = {}): Card {
  const { context } = run(resources, options);
  const spec = rule(context);
  if (!spec) throw new Error('the rule called for no card');
  return cardOfSpec(spec, context.facts);
}

/** Every rule's own conclusion, before the catalog hooks and precedence (RULES.md 5.1). */
export const concludedBeforePrecedence = (context: RuleContext): CardCode[] =>
  RULES.flatMap((rule) => rule(context)?.code ?? []);

// ---------------------------------------------------------------------------------------------
// Public scenarios (test/data/scenarios.public.json)

const scenarios = loadPublicScenarios();

/** A public scenario, converted to FHIR and run as its hook call, as of TODAY. */
export function runScenario(id: string): { scenario: Scenario; run: Run } {
  const scenario = scenarios.find((candidate) => candidate.id === id);
  if (!scenario) throw new Error(`no public scenario ${id}`);
  const fhir = scenarioToFhir(scenario, TODAY);
  const patientFacts = readPatientFacts(
    {
      patientId: fhir.patientId,
      today: TODAY_DAY,
      resources: fhir.resources,
      ...(fhir.draftOrders.length > 0 ? { draftOrders: draftOrdersBundle(fhir.draftOrders) } : {}),
      ...(fhir.selections ? { selections: fhir.selections } : {}),
    },
    DEFAULT_CLINICAL_CONFIG,
  );
  const context = ruleContext(scenario.hook, fhir.patientId, patientFacts, DEFAULT_CLINICAL_CONFIG);
  return { scenario, run: runOn(patientFacts, context) };
}

/**
 * A public scenario's expectations for the given cards: each expected card present with its
 * indicator and the phrases it must mention, none it must not (anywhere in the card); every other
 * card of `codes` absent.
 */
export function expectScenario(id: string, codes: readonly CardCode[]): void {
  const { scenario, run: result } = runScenario(id);
  for (const code of codes) {
    const expected = scenario.expected.find((entry) => entry.cardKey === code);
    if (!expected) {
      expect(result.codes, `${id}: ${code} not expected`).not.toContain(code);
      continue;
    }
    const card = result.card(code);
    expect(card.indicator, `${id} ${code} indicator`).toBe(expected.indicator);
    const text = textOf(card).toLowerCase();
    for (const phrase of expected.mustMention) {
      expect(text, `${id} ${code} mentions "${phrase}"`).toContain(phrase.toLowerCase());
    }
    const everything = JSON.stringify(card).toLowerCase();
    for (const phrase of expected.mustNotMention) {
      expect(everything, `${id} ${code} never mentions "${phrase}"`).not.toContain(
        phrase.toLowerCase(),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading a card

/** What a clinician reads: summary and detail. */
export const textOf = (card: Card): string => `${card.summary}\n\n${card.detail ?? ''}`;

/**
 * The detail's lines: its Markdown paragraphs (RULES.md 5.0), each bullet of the bullet list
 * (10.9.4) a line of its own without its "- ".
 */
export const paragraphs = (card: Card): string[] =>
  (card.detail ?? '')
    .split('\n\n')
    .flatMap((paragraph) =>
      paragraph.startsWith('- ')
        ? paragraph.split('\n').map((bullet) => bullet.replace(/^- /, ''))
        : [paragraph],
    );

/** The detail's bullets (RULES.md 10.9.4), without their "- ". */
export const bullets = (card: Card): string[] =>
  (card.detail ?? '')
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2));

/** A suggestion by label; fails the test when absent. */
export function suggestion(card: Card, label: string): Suggestion {
  const found = card.suggestions?.find((candidate) => candidate.label === label);
  if (!found) {
    throw new Error(
      `no suggestion "${label}"; labels: ${(card.suggestions ?? []).map((s) => s.label).join(' | ')}`,
    );
  }
  return found;
}

/** The resources a suggestion creates, by type. */
export function created<T extends FhirResource['resourceType']>(
  found: Suggestion,
  type: T,
): Extract<FhirResource, { resourceType: T }>[] {
  return (found.actions ?? []).flatMap((action) =>
    action.type === 'create' && action.resource.resourceType === type
      ? [action.resource as Extract<FhirResource, { resourceType: T }>]
      : [],
  );
}

/** The LOINC codes of the ServiceRequests a suggestion creates, in order. */
export const orderedTests = (found: Suggestion): string[] =>
  created(found, 'ServiceRequest').flatMap((request) =>
    (request.code?.coding ?? []).map((coding) => coding.code ?? ''),
  );

/** The references a suggestion deletes. */
export const deleted = (found: Suggestion): string[] =>
  (found.actions ?? []).flatMap((action) => (action.type === 'delete' ? [action.resourceId] : []));

/** Every created resource of every suggestion is valid FHIR R4 for the patient, in draft. */
export function expectValidSuggestionResources(card: Card): void {
  for (const offered of card.suggestions ?? []) {
    for (const action of offered.actions ?? []) {
      if (action.type === 'delete') continue;
      expect(r4Problems(action.resource), offered.label).toEqual([]);
      expect(action.resource).toMatchObject({
        status: 'draft',
        intent: 'order',
        subject: { reference: `Patient/${PATIENT_ID}` },
      });
      expect(action.resource.id).toBeUndefined();
    }
  }
}

// Results as evidence.ts shows them: the rules choose which results to show and in what order;
// how one result is written (units, conversions) is evidence.ts's business and tested there.

function latestOf(result: Run, analyte: Analyte): LabResult<Analyte> {
  const found = result.facts.latest[analyte];
  if (!found) throw new Error(`no latest ${analyte}`);
  return found;
}

/** "platelets 20 ×10⁹/L, 2026-11-16" for the run's latest result of the analyte. */
export const shown = (result: Run, analyte: Analyte): string =>
  resultText(latestOf(result, analyte));

/** "0.62 µmol/L". */
export const valueOf = (result: Run, analyte: Analyte): string =>
  valueText(latestOf(result, analyte));

/** "methylmalonic acid (MMA) 0.62 µmol/L". */
export const named = (result: Run, analyte: Analyte): string =>
  namedValue(latestOf(result, analyte));

// ---------------------------------------------------------------------------------------------
// Patients

/** A patient of the given age today (female unless told). */
export const aged = (age: number, sex: 'male' | 'female' = 'female'): RunOptions => ({
  patient: patient({ birthDate: birthDateForAge(TODAY, age), gender: sex }),
});

// ---------------------------------------------------------------------------------------------
// Laboratory results (LOINC, RULES.md 7.1), 5 days old unless told

/** The results a case names, with their LOINC code and usual unit. */
const TESTS = {
  'total B12': ['2132-9', 'ng/L'],
  'active B12': ['72160-5', 'pmol/L'],
  MMA: ['13964-2', 'umol/L'],
  Hb: ['718-7', 'g/L'],
  MCV: ['787-2', 'fL'],
  platelets: ['777-3', '10*9/L'],
  eGFR: ['98979-8', 'mL/min/{1.73_m2}'],
  'serum folate': ['2284-8', 'ng/mL'],
  /** Total B12 as a molar concentration (converted to ng/L by the rules). */
  'total B12 (pmol/L)': ['14685-2', 'pmol/L'],
  'serum folate (nmol/L)': ['14732-2', 'nmol/L'],
  'red cell folate': ['14731-4', 'nmol/L'],
} as const satisfies Record<string, readonly [string, string]>;
type TestName = keyof typeof TESTS;

const result =
  (test: TestName) =>
  (value: number, options: LabOptions = {}, extra: Partial<Observation> = {}): Observation =>
    lab(TESTS[test][0], value, TESTS[test][1], { daysAgo: 5, ...options }, extra);

export const totalB12 = result('total B12');
export const activeB12 = result('active B12');
export const mma = result('MMA');
export const hb = result('Hb');
export const mcv = result('MCV');
export const platelets = result('platelets');
export const egfr = result('eGFR');
export const serumFolate = result('serum folate');

/** What the laboratory added to an MMA: its upper reference limit (µmol/L), its interpretation flag. */
export const reported = (upperLimit?: number, flag?: string): Partial<Observation> => ({
  ...(upperLimit === undefined
    ? {}
    : {
        referenceRange: [
          { high: { value: upperLimit, unit: 'umol/L', system: 'http://unitsofmeasure.org' } },
        ],
      }),
  ...(flag === undefined
    ? {}
    : {
        interpretation: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
                code: flag,
              },
            ],
          },
        ],
      }),
});

// ---------------------------------------------------------------------------------------------
// Conditions (SNOMED CT, RULES.md 7.4)

export const coded = (code: string, display: string): ReturnType<typeof condition> =>
  condition(concept([sct(code, display)], display));

/** The conditions a case names. */
const CONDITIONS = {
  fatigue: ['84229001', 'Fatigue'],
  paraesthesia: ['91019004', 'Paresthesia'],
  ataxia: ['20262006', 'Ataxia'],
  'pernicious anaemia': ['84027009', 'Pernicious anemia'],
  'vegan diet': ['1255165006', 'Vegan diet'],
  'CKD stage 4': ['431857002', 'Chronic kidney disease stage 4'],
  pancytopenia: ['127034005', 'Pancytopenia'],
  'type 1 diabetes': ['46635009', 'Type 1 diabetes mellitus'],
  'B12 deficiency anaemia': ['190634004', 'Vitamin B12 deficiency anaemia'],
  gastrectomy: ['53442002', 'Gastrectomy'],
  'total gastrectomy': ['26452005', 'Total gastrectomy'],
  'subtotal gastrectomy': ['49209004', 'Subtotal gastrectomy'],
  'coeliac disease': ['396331005', 'Coeliac disease'],
} as const satisfies Record<string, readonly [string, string]>;
type ConditionName = keyof typeof CONDITIONS;

const recorded = (name: ConditionName) => (): ReturnType<typeof condition> =>
  coded(CONDITIONS[name][0], CONDITIONS[name][1]);

export const fatigue = recorded('fatigue');
export const paraesthesia = recorded('paraesthesia');
export const ataxia = recorded('ataxia');
export const perniciousAnaemia = recorded('pernicious anaemia');
export const veganDiet = recorded('vegan diet');
export const ckdStage4 = recorded('CKD stage 4');
export const pancytopenia = recorded('pancytopenia');
export const type1Diabetes = recorded('type 1 diabetes');

// ---------------------------------------------------------------------------------------------
// Medications (RxNorm, ATC, RULES.md 7.2, 7.3)

export const METFORMIN = concept([rx('861007', 'metformin hydrochloride 500 MG Oral Tablet')]);
export const FOLIC_ACID_1MG = concept([rx('310410', 'folic acid 1 MG Oral Tablet')]);
export const FOLIC_ATC = concept([atc('B03BB01', 'folic acid')], 'Folic acid tablet');
export const HYDROXO_INJ = concept([rx('317106', 'hydroxocobalamin 1 MG/ML Injectable Solution')]);
/** The same injection as the EHR names it for the prescriber. */
export const HYDROXOCOBALAMIN = concept(
  [rx('317106', 'hydroxocobalamin 1 MG/ML Injectable Solution')],
  'Hydroxocobalamin 1 mg/1 mL injection',
);
export const CYANO_INJ = concept([rx('309594', 'cyanocobalamin 1000 MCG/ML Injectable Solution')]);
export const CYANO_TABLET = concept(
  [atc('B03BA01', 'cyanocobalamin')],
  'Cyanocobalamin 1 mg tablet',
);

/** The medicines a case names, as prescribed. */
const MEDICINES = {
  metformin: METFORMIN,
  omeprazole: concept([rx('198051', 'omeprazole 20 MG Delayed Release Oral Capsule')]),
  famotidine: concept([rx('4278', 'famotidine')]),
  colchicine: concept([], 'Colchicine 500 microgram tablets'),
  hydroxocobalamin: HYDROXOCOBALAMIN,
  'cyanocobalamin tablets': CYANO_TABLET,
  'vitamin B complex': concept([atc('B03BA51')], 'Vitamin B complex with vitamin B12'),
} as const;
type MedicineName = keyof typeof MEDICINES;

const prescribed =
  (name: MedicineName) =>
  (startedDaysAgo: number, options: MedicationOptions = {}): FhirResource =>
    medicationRequest(MEDICINES[name], { startedDaysAgo, ...options });

export const metformin = prescribed('metformin');
export const omeprazole = prescribed('omeprazole');
export const famotidine = prescribed('famotidine');
export const colchicine = prescribed('colchicine');
export const hydroxocobalamin = prescribed('hydroxocobalamin');

export const IM = concept([sct('78421000', 'Intramuscular route')]);
export const SC = concept([sct('34206005', 'Subcutaneous route')]);
export const ORAL = concept([sct('26643006', 'Oral route')]);

export const DAILY = { frequency: 1, period: 1, periodUnit: 'd' } as const;
export const mg = (value: number): Quantity => quantity(value, 'mg');
export const micrograms = (value: number): Quantity => quantity(value, 'micrograms', 'ug');

type DraftOptions = Omit<MedicationOptions, 'status' | 'startedDaysAgo'>;

/** A hydroxocobalamin draft with no dosage yet. */
export const b12Draft = (id = 'draft-b12'): FhirResource => draftOrder(HYDROXOCOBALAMIN, { id });
export const metforminDraft = (id = 'draft-metformin'): FhirResource =>
  draftOrder(METFORMIN, { id });

/** A folic acid draft at a dose a day (oral, once daily). */
export const folicDraft = (
  dose?: Quantity,
  options: DraftOptions = {},
): ReturnType<typeof draftOrder> =>
  draftOrder(FOLIC_ATC, { route: ORAL, timing: DAILY, ...(dose ? { dose } : {}), ...options });

/** A hydroxocobalamin 1 mg IM draft on alternate days. */
export const imB12Draft = (options: DraftOptions = {}): ReturnType<typeof draftOrder> =>
  draftOrder(HYDROXO_INJ, {
    route: IM,
    dose: mg(1),
    timing: { frequency: 1, period: 2, periodUnit: 'd' },
    ...options,
  });

// ---------------------------------------------------------------------------------------------
// A row of a case table (cases/*.yaml): a patient in a few words, the cards that must and must
// not be shown. Every field is checked: a misspelt one fails the table instead of being ignored.

const cardCode = z.custom<CardCode>(
  (value) => typeof value === 'string' && value in CARD_CATALOG,
  'a card code of the catalog',
);
const daysAgo = z.number().int().nonnegative();

const ResultRow = z.strictObject({
  test: z.enum(Object.keys(TESTS) as [TestName, ...TestName[]]),
  value: z.number(),
  /** The unit the laboratory reported, when not the usual one. */
  unit: z.string().optional(),
  daysAgo: daysAgo.optional(),
  status: z.enum(['registered', 'preliminary', 'final', 'amended', 'cancelled']).optional(),
  /** A censored value: "<180" lies wholly below 180. */
  comparator: z.enum(['<', '<=', '>', '>=']).optional(),
  /** The laboratory's upper reference limit (MMA, µmol/L). */
  upperLimit: z.number().optional(),
  /** The laboratory's interpretation flag (H, HH, HU, N…). */
  flag: z.enum(['H', 'HH', 'HU', 'N', 'L']).optional(),
});

/** The routes a row names. */
const ROUTES = { IM, SC, oral: ORAL, IV: concept([sct('47625008', 'Intravenous route')]) };

const MedicineRow = z
  .strictObject({
    drug: z.enum(Object.keys(MEDICINES) as [MedicineName, ...MedicineName[]]).optional(),
    /** A medicine the EHR names only by text ("Vitamin B12 1000 mcg tablet"). */
    named: z.string().min(1).optional(),
    startedDaysAgo: daysAgo.or(z.literal('unknown')),
    status: z.enum(['active', 'completed', 'stopped', 'on-hold']).optional(),
    /** The end of the prescription's validity. */
    endsDaysAgo: daysAgo.optional(),
    route: z.enum(['IM', 'SC', 'oral']).optional(),
    /** Reported by the patient (a MedicationStatement), not prescribed. */
    patientReported: z.literal(true).optional(),
  })
  .refine(
    (medicine) => (medicine.drug === undefined) !== (medicine.named === undefined),
    'a drug or a medicine named by text',
  )
  .refine(
    (medicine) =>
      !medicine.patientReported ||
      (medicine.status ?? medicine.endsDaysAgo ?? medicine.route) === undefined,
    'a reported medicine has only a start',
  );
type MedicineRow = z.infer<typeof MedicineRow>;

/** A medicine of the row, as the EHR sends it. */
function taken({
  drug,
  named,
  startedDaysAgo,
  status,
  endsDaysAgo,
  route,
  patientReported,
}: MedicineRow): FhirResource {
  const medicine = named ? textOnly(named) : MEDICINES[drug as MedicineName];
  const started = startedDaysAgo === 'unknown' ? null : startedDaysAgo;
  if (patientReported)
    return medicationStatement(medicine, started === null ? {} : { startedDaysAgo: started });
  return medicationRequest(medicine, {
    startedDaysAgo: started,
    ...(status ? { status } : {}),
    ...(endsDaysAgo === undefined ? {} : { validityEndDaysAgo: endsDaysAgo }),
    ...(route ? { route: ROUTES[route] } : {}),
  });
}

/** The products a draft order names, with the dosage they come with unless the row says more. */
const DRAFT_PRODUCTS = {
  hydroxocobalamin: [HYDROXOCOBALAMIN, {}],
  'folic acid': [FOLIC_ACID_1MG, {}],
  metformin: [METFORMIN, {}],
  'folic acid tablets': [FOLIC_ATC, { route: ORAL, timing: DAILY }],
  'hydroxocobalamin 1 mg IM on alternate days': [
    HYDROXO_INJ,
    { route: IM, dose: mg(1), timing: { frequency: 1, period: 2, periodUnit: 'd' } },
  ],
  'cyanocobalamin tablets': [CYANO_TABLET, {}],
  'cyanocobalamin injection': [CYANO_INJ, {}],
  'hydroxocobalamin injection': [HYDROXO_INJ, {}],
} as const satisfies Record<string, readonly [CodeableConcept, DraftOptions]>;
type DraftProduct = keyof typeof DRAFT_PRODUCTS;

const DraftRow = z
  .strictObject({
    drug: z.enum(Object.keys(DRAFT_PRODUCTS) as [DraftProduct, ...DraftProduct[]]).optional(),
    /** A medicine the EHR names only by text ("Nascobal 500 mcg/0.1 mL nasal spray"). */
    named: z.string().min(1).optional(),
    /** A laboratory test ordered (a draft ServiceRequest). */
    test: z.enum(['total B12', 'active B12', 'serum folate']).optional(),
    id: z.string().optional(),
    /** Each dose: "5 mg", "400 micrograms". */
    dose: z
      .string()
      .regex(/^\d+(\.\d+)? (mg|micrograms)$/)
      .optional(),
    timesADay: z.number().int().positive().optional(),
    route: z.enum(['IM', 'SC', 'oral', 'IV']).optional(),
  })
  .refine(
    (draft) => [draft.drug, draft.named, draft.test].filter(Boolean).length === 1,
    'a drug, a medicine named by text or a test',
  )
  .refine(
    (draft) => !draft.test || (draft.dose ?? draft.timesADay ?? draft.route) === undefined,
    'a test order has no dosage',
  );
type DraftRow = z.infer<typeof DraftRow>;

export const CaseRow = z
  .strictObject({
    /** The clinical fact the row protects. */
    name: z.string().min(1),
    age: z.number().int().nonnegative().optional(),
    sex: z.enum(['male', 'female']).optional(),
    /** No birth date recorded. */
    ageUnknown: z.literal(true).optional(),
    pregnant: z.literal(true).optional(),
    results: z.array(ResultRow).default([]),
    medicines: z.array(MedicineRow).default([]),
    conditions: z
      .array(z.enum(Object.keys(CONDITIONS) as [ConditionName, ...ConditionName[]]))
      .default([]),
    /** Conditions the EHR records only as text ("Pins and needles in feet"). */
    namedConditions: z.array(z.string().min(1)).default([]),
    hook: z.enum(HOOKS).optional(),
    drafts: z.array(DraftRow).optional(),
    /** The drafts selected on order-select, by id. */
    selected: z.array(z.string()).optional(),
    /** Threshold overrides on the rule book's defaults (RULES.md 4). */
    thresholds: z
      .strictObject(
        Object.fromEntries(
          Object.keys(DEFAULT_THRESHOLDS).map((key) => [key, z.number().positive().optional()]),
        ) as Record<keyof Thresholds, z.ZodOptional<z.ZodNumber>>,
      )
      .optional(),
    /** Judge each rule's own conclusion, before the catalog hooks and precedence (RULES.md 5.1). */
    beforePrecedence: z.literal(true).optional(),
    shown: z.array(cardCode).default([]),
    notShown: z.array(cardCode).default([]),
  })
  .refine((row) => row.shown.length + row.notShown.length > 0, 'a case expects some card')
  .refine((row) => !(row.ageUnknown && row.age !== undefined), 'an age or no age, not both');
export type CaseRow = z.infer<typeof CaseRow>;

/** A draft order of the row, as the EHR sends it. */
function drafted({ drug, named, test, id, dose, timesADay, route }: DraftRow): FhirResource {
  if (test) return serviceRequest(TESTS[test][0], ...(id ? [id] : []));
  const [product, defaults]: readonly [CodeableConcept, DraftOptions] = named
    ? [textOnly(named), {}]
    : DRAFT_PRODUCTS[drug as DraftProduct];
  const [amount, unit] = (dose ?? '').split(' ');
  return draftOrder(product, {
    ...defaults,
    ...(id ? { id } : {}),
    ...(dose ? { dose: unit === 'mg' ? mg(Number(amount)) : micrograms(Number(amount)) } : {}),
    ...(timesADay ? { timing: { frequency: timesADay, period: 1, periodUnit: 'd' } } : {}),
    ...(route ? { route: ROUTES[route] } : {}),
  });
}

/** The row's patient as an EHR would send it, and the hook call. */
function caseCall(row: CaseRow): { resources: FhirResource[]; options: RunOptions } {
  const resources: FhirResource[] = [
    ...row.results.map(
      ({ test, value, unit, daysAgo: days, status, comparator, upperLimit, flag }) =>
        lab(
          TESTS[test][0],
          value,
          unit ?? TESTS[test][1],
          {
            daysAgo: days ?? 5,
            ...(status ? { status } : {}),
            ...(comparator ? { comparator } : {}),
          },
          reported(upperLimit, flag),
        ),
    ),
    ...row.medicines.map(taken),
    ...row.conditions.map((name) => recorded(name)()),
    ...row.namedConditions.map((text) => condition(textOnly(text))),
    ...(row.pregnant ? [pregnancyStatus('pregnant', 10)] : []),
  ];
  const options: RunOptions = {
    ...(row.age === undefined ? {} : aged(row.age, row.sex)),
    ...(row.age === undefined && row.sex ? { patient: patient({ gender: row.sex }) } : {}),
    ...(row.ageUnknown ? { patient: patient({ birthDate: undefined }) } : {}),
    ...(row.hook ? { hook: row.hook } : {}),
    ...(row.drafts ? { draftOrders: row.drafts.map(drafted) } : {}),
    ...(row.thresholds ? { thresholds: row.thresholds } : {}),
    ...(row.selected ? { selections: row.selected.map((id) => `MedicationRequest/${id}`) } : {}),
  };
  return { resources, options };
}

/** Runs one row: every card it names as shown is there, every card named as not shown is not. */
export function runCase(row: CaseRow): void {
  const { resources, options } = caseCall(row);
  const { context, codes } = run(resources, options);
  // A rule concludes the card it is listed with: `off` skips a rule by that list (issue 18).
  for (const rule of RULES) {
    const code = rule(context)?.code;
    if (code !== undefined) expect(code, 'the card RULE_CARDS lists').toBe(RULE_CARDS.get(rule));
  }
  const judged = row.beforePrecedence ? concludedBeforePrecedence(context) : codes;
  for (const code of row.shown) expect(judged, `${code} shown`).toContain(code);
  for (const code of row.notShown) expect(judged, `${code} not shown`).not.toContain(code);
}
