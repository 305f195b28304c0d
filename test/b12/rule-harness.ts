import { ruleContext } from '../../cds-services/b12/rule.js';
import type { FhirResource, Observation, Quantity } from 'fhir/r4.js';
import { expect } from 'vitest';
import type { Card, Suggestion } from '../../src/cds-hooks/cards.js';
import { toCard } from '../../cds-services/b12/cards.js';
import type { CardSpec } from '../../cds-services/b12/cards.js';
import type { CardCode } from '../../cds-services/b12/catalog.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import {
  DEFAULT_CLINICAL_CONFIG,
  DEFAULT_THRESHOLDS,
} from '../../cds-services/b12/clinical-config.js';
import type { ClinicalConfig, Thresholds } from '../../cds-services/b12/clinical-config.js';
import { evaluate } from '../../cds-services/b12/evaluate.js';
import { namedValue, resultText, valueText } from '../../cds-services/b12/evidence.js';
import type { LabResult } from '../../src/fhir/observations.js';
import type { Analyte } from '../../cds-services/b12/terminology.js';
import { readPatientFacts } from '../../cds-services/b12/patient-facts.js';
import type { PatientFacts } from '../../cds-services/b12/patient-facts.js';
import type { Rule, RuleContext } from '../../cds-services/b12/rule.js';
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
  patient,
  quantity,
  rx,
  sct,
} from '../support/fhir.js';
import type { LabOptions, MedicationOptions } from '../support/fhir.js';
import { loadPublicScenarios, scenarioToFhir } from '../support/scenarios.js';
import { facts } from './facts.js';
import type { FactsOptions } from './facts.js';
import type { Scenario } from '../support/scenarios.js';

/**
 * Runs the B12 rules as the service does (facts → findings → evaluate → cards) on patients built
 * with the factories, for the rule tests (RULES.md 5.6–5.16).
 */

export interface RunOptions extends Omit<FactsOptions, 'config'> {
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

function configOf(thresholds: Partial<Thresholds> = {}): ClinicalConfig {
  return { ...DEFAULT_CLINICAL_CONFIG, thresholds: { ...DEFAULT_THRESHOLDS, ...thresholds } };
}

function contextOf(
  patientFacts: PatientFacts,
  hook: HookName,
  config: ClinicalConfig,
): RuleContext {
  return ruleContext(hook, PATIENT_ID, patientFacts, config);
}

function runOn(patientFacts: PatientFacts, context: RuleContext): Run {
  const specs = evaluate(context);
  const cards = specs.map((spec) => toCard(spec, patientFacts.notes, 'http://localhost:3000'));
  const find = (code: CardCode): Card | undefined =>
    cards.find((card) => card.source.topic?.code === code);
  return {
    facts: patientFacts,
    context,
    specs,
    cards,
    codes: specs.map((spec) => spec.code),
    find,
    card: (code) => {
      const found = find(code);
      if (!found) {
        throw new Error(`no ${code} card; cards: ${specs.map((spec) => spec.code).join(', ')}`);
      }
      return found;
    },
  };
}

/** The whole pipeline on the resources; `patient-view` unless a hook is given. */
export function run(resources: FhirResource[], options: RunOptions = {}): Run {
  const {
    hook = options.draftOrders ? 'order-sign' : 'patient-view',
    thresholds,
    ...rest
  } = options;
  const config = configOf(thresholds);
  const patientFacts = facts(resources, { ...rest, config });
  return runOn(patientFacts, contextOf(patientFacts, hook, config));
}

/** One rule on its own (trigger tests), with the same context the pipeline builds. */
export function ruleOn(
  rule: Rule,
  resources: FhirResource[],
  options: RunOptions = {},
): CardSpec | undefined {
  return rule(run(resources, options).context);
}

/** A public scenario, converted to FHIR and run as of TODAY. */
export function runScenario(id: string): { scenario: Scenario; run: Run } {
  const scenario = loadPublicScenarios().find((candidate) => candidate.id === id);
  if (!scenario) throw new Error(`no scenario ${id}`);
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
  const context = {
    ...contextOf(patientFacts, scenario.hook, DEFAULT_CLINICAL_CONFIG),
    patientId: fhir.patientId,
  };
  return { scenario, run: runOn(patientFacts, context) };
}

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

// ---------------------------------------------------------------------------------------------
// Patients

export const ofAge = (age: number): ReturnType<typeof patient> =>
  patient({ birthDate: birthDateForAge(TODAY, age) });

export const male = (age = 60): ReturnType<typeof patient> =>
  patient({ gender: 'male', birthDate: birthDateForAge(TODAY, age) });

// ---------------------------------------------------------------------------------------------
// Laboratory results (LOINC, RULES.md 7.1)

export const totalB12 = (value: number, options: LabOptions = {}): Observation =>
  lab('2132-9', value, 'ng/L', { daysAgo: 5, ...options });
export const activeB12 = (value: number, options: LabOptions = {}): Observation =>
  lab('72160-5', value, 'pmol/L', { daysAgo: 5, ...options });
export const mma = (
  value: number,
  options: LabOptions = {},
  extra: Partial<Observation> = {},
): Observation => lab('13964-2', value, 'umol/L', { daysAgo: 5, ...options }, extra);
export const hb = (value: number, options: LabOptions = {}): Observation =>
  lab('718-7', value, 'g/L', { daysAgo: 5, ...options });
export const mcv = (value: number, options: LabOptions = {}): Observation =>
  lab('787-2', value, 'fL', { daysAgo: 5, ...options });
export const platelets = (value: number, options: LabOptions = {}): Observation =>
  lab('777-3', value, '10*9/L', { daysAgo: 5, ...options });
export const egfr = (value: number, options: LabOptions = {}): Observation =>
  lab('98979-8', value, 'mL/min/{1.73_m2}', { daysAgo: 5, ...options });
export const serumFolate = (value: number, options: LabOptions = {}): Observation =>
  lab('2284-8', value, 'ng/mL', { daysAgo: 5, ...options });

// ---------------------------------------------------------------------------------------------
// Conditions (SNOMED CT, RULES.md 7.4)

export const coded = (code: string, display: string): ReturnType<typeof condition> =>
  condition(concept([sct(code, display)], display));

export const PARAESTHESIA = (): ReturnType<typeof condition> => coded('91019004', 'Paresthesia');
export const FATIGUE = (): ReturnType<typeof condition> => coded('84229001', 'Fatigue');
export const PERNICIOUS = (): ReturnType<typeof condition> =>
  coded('84027009', 'Pernicious anemia');
export const VEGAN = (): ReturnType<typeof condition> => coded('1255165006', 'Vegan diet');
export const PREGNANCY = (): ReturnType<typeof condition> => coded('77386006', 'Pregnant');
export const CKD4 = (): ReturnType<typeof condition> =>
  coded('431857002', 'Chronic kidney disease stage 4');

// ---------------------------------------------------------------------------------------------
// Medications (RxNorm, ATC, RULES.md 7.2, 7.3)

export const FOLIC_1MG = concept([rx('310410', 'folic acid 1 MG Oral Tablet')]);
export const FOLIC_ATC = concept([atc('B03BB01', 'folic acid')], 'Folic acid tablet');
export const HYDROXO_INJ = concept([rx('317106', 'hydroxocobalamin 1 MG/ML Injectable Solution')]);
export const CYANO_INJ = concept([rx('309594', 'cyanocobalamin 1000 MCG/ML Injectable Solution')]);
export const CYANO_TABLET = concept(
  [atc('B03BA01', 'cyanocobalamin')],
  'Cyanocobalamin 1 mg tablet',
);

export const IM = concept([sct('78421000', 'Intramuscular route')]);
export const SC = concept([sct('34206005', 'Subcutaneous route')]);
export const ORAL = concept([sct('26643006', 'Oral route')]);

export const DAILY = { frequency: 1, period: 1, periodUnit: 'd' } as const;
export const mg = (value: number): Quantity => quantity(value, 'mg');
export const micrograms = (value: number): Quantity => quantity(value, 'micrograms', 'ug');

/** A folic acid draft at a dose a day (oral, once daily). */
export const folicDraft = (
  dose: Quantity | undefined,
  options: Omit<MedicationOptions, 'status' | 'startedDaysAgo'> = {},
): ReturnType<typeof draftOrder> =>
  draftOrder(FOLIC_ATC, {
    route: ORAL,
    timing: DAILY,
    ...(dose ? { dose } : {}),
    ...options,
  });

/** A hydroxocobalamin 1 mg IM draft on alternate days. */
export const imB12Draft = (
  options: Omit<MedicationOptions, 'status' | 'startedDaysAgo'> = {},
): ReturnType<typeof draftOrder> =>
  draftOrder(HYDROXO_INJ, {
    route: IM,
    dose: mg(1),
    timing: { frequency: 1, period: 2, periodUnit: 'd' },
    ...options,
  });

// ---------------------------------------------------------------------------------------------
// Card checks

/** A public scenario's expectations for the given card codes: indicator, mustMention, absence. */
export function expectScenario(id: string, codes: readonly CardCode[]): void {
  const { scenario, run: result } = runScenario(id);
  const expected = scenario.expected.filter((entry) =>
    (codes as readonly string[]).includes(entry.cardKey),
  );
  expect(expected.length, `${id} expects one of ${codes.join(', ')}`).toBeGreaterThan(0);
  for (const entry of expected) {
    const card = result.card(entry.cardKey as CardCode);
    expect(card.indicator, `${id} ${entry.cardKey} indicator`).toBe(entry.indicator);
    const text = textOf(card).toLowerCase();
    for (const phrase of entry.mustMention) {
      expect(text, `${id} ${entry.cardKey} mentions "${phrase}"`).toContain(phrase.toLowerCase());
    }
    const everything = JSON.stringify(card).toLowerCase();
    for (const phrase of entry.mustNotMention) {
      expect(everything, `${id} ${entry.cardKey} never mentions "${phrase}"`).not.toContain(
        phrase.toLowerCase(),
      );
    }
  }
  for (const absent of scenario.absentCardKeys) {
    if ((codes as readonly string[]).includes(absent)) {
      expect(result.codes, `${id}: no ${absent}`).not.toContain(absent);
    }
  }
}

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

/** The LOINC codes of the ServiceRequests a suggestion creates. */
export const orderedTests = (found: Suggestion): string[] =>
  created(found, 'ServiceRequest').flatMap((request) =>
    (request.code?.coding ?? []).map((coding) => coding.code ?? ''),
  );

/** The references a suggestion deletes. */
export const deleted = (found: Suggestion): string[] =>
  (found.actions ?? []).flatMap((action) => (action.type === 'delete' ? [action.resourceId] : []));

// ---------------------------------------------------------------------------------------------
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
