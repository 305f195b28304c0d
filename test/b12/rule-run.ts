import { ruleContext } from '../../cds-services/b12/rule.js';
import type { FhirResource, Observation } from 'fhir/r4.js';
import { expect } from 'vitest';
import type { Card } from '../../src/cds-hooks/cards.js';
import { toCard } from '../../cds-services/b12/cards.js';
import type { CardSpec } from '../../cds-services/b12/cards.js';
import type { CardCode } from '../../cds-services/b12/catalog.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import { DEFAULT_CLINICAL_CONFIG } from '../../cds-services/b12/clinical-config.js';
import type { ClinicalConfig, Thresholds } from '../../cds-services/b12/clinical-config.js';
import { evaluate } from '../../cds-services/b12/evaluate.js';
import type { Rule, RuleContext } from '../../cds-services/b12/rule.js';
import { r4Problems } from '../support/fhir-r4.js';
import {
  PATIENT_ID,
  TODAY,
  birthDateForAge,
  concept,
  condition,
  draftOrder,
  lab,
  medicationRequest,
  patient,
  rx,
  sct,
} from '../support/fhir.js';
import type { LabOptions, MedicationOptions } from '../support/fhir.js';
import { facts } from './facts.js';
import type { FactsOptions } from './facts.js';

/**
 * Running the B12 rules as a hook call does (cds-services/b12/advice.ts): FHIR resources read into
 * facts as of TODAY, findings with the rule book's defaults, then one rule or the whole evaluation
 * (RULES.md 5.1 included), each conclusion made a CDS card with `toCard`.
 */

export interface RunOptions extends Omit<FactsOptions, 'config'> {
  hook?: HookName;
  config?: ClinicalConfig;
}

/** A clinical configuration with some thresholds changed. */
export const withThresholds = (thresholds: Partial<Thresholds>): ClinicalConfig => ({
  ...DEFAULT_CLINICAL_CONFIG,
  thresholds: { ...DEFAULT_CLINICAL_CONFIG.thresholds, ...thresholds },
});

export function contextOf(resources: FhirResource[], options: RunOptions = {}): RuleContext {
  const { hook = 'patient-view', config = DEFAULT_CLINICAL_CONFIG, ...factsOptions } = options;
  const read = facts(resources, { ...factsOptions, config });
  return ruleContext(hook, PATIENT_ID, read, config);
}

/** The cards of a whole hook call (every rule, catalog hooks, RULES.md 5.1). */
export function cardsFor(resources: FhirResource[], options: RunOptions = {}): Card[] {
  const context = contextOf(resources, options);
  return evaluate(context).map((spec) =>
    toCard(spec, context.facts.notes, 'http://localhost:3000'),
  );
}

/** The codes of a whole hook call's cards. */
export function codesFor(resources: FhirResource[], options: RunOptions = {}): CardCode[] {
  return evaluate(contextOf(resources, options)).map((spec) => spec.code);
}

/** The card of one code from a whole hook call, if present. */
export function cardOf(
  code: CardCode,
  resources: FhirResource[],
  options: RunOptions = {},
): Card | undefined {
  return cardsFor(resources, options).find((card) => card.source.topic?.code === code);
}

/** One rule called directly (no hook filter, no precedence). */
export function ruleSpec(
  rule: Rule,
  resources: FhirResource[],
  options: RunOptions = {},
): CardSpec | undefined {
  return rule(contextOf(resources, options));
}

/** One rule called directly and made a card. */
export function ruleCard(
  rule: Rule,
  resources: FhirResource[],
  options: RunOptions = {},
): Card | undefined {
  const context = contextOf(resources, options);
  const spec = rule(context);
  return spec && toCard(spec, context.facts.notes, 'http://localhost:3000');
}

/** A card that must be there. */
export function mustHave(card: Card | undefined): Card {
  expect(card).toBeDefined();
  if (!card) throw new Error('no card');
  return card;
}

export { bullets, paragraphs } from './rule-harness.js';

/** Summary and detail, for wording checks. */
export const wording = (card: Card): string => `${card.summary}\n\n${card.detail ?? ''}`;

/** Every created resource of every suggestion is valid FHIR R4 for the patient, in draft. */
export function expectValidSuggestionResources(card: Card): void {
  for (const suggestion of card.suggestions ?? []) {
    for (const action of suggestion.actions ?? []) {
      if (action.type === 'delete') continue;
      expect(r4Problems(action.resource), suggestion.label).toEqual([]);
      expect(action.resource).toMatchObject({
        status: 'draft',
        intent: 'order',
        subject: { reference: `Patient/${PATIENT_ID}` },
      });
      expect(action.resource.id).toBeUndefined();
    }
  }
}

/** The LOINC codes of the ServiceRequests a suggestion creates, in order. */
export function orderedLoinc(card: Card, label: string): string[] {
  const suggestion = card.suggestions?.find((item) => item.label === label);
  expect(suggestion, label).toBeDefined();
  return (suggestion?.actions ?? []).flatMap((action) =>
    action.type !== 'delete' && action.resource.resourceType === 'ServiceRequest'
      ? (action.resource.code?.coding ?? []).map((coding) => coding.code ?? '')
      : [],
  );
}

// ---------------------------------------------------------------------------------------------
// Patients and results

/** A patient of the given age today (female unless told). */
export const aged = (age: number, gender: 'male' | 'female' = 'female'): RunOptions => ({
  patient: patient({ birthDate: birthDateForAge(TODAY, age), gender }),
});

export const hb = (value: number, options: LabOptions = {}): Observation =>
  lab('718-7', value, 'g/L', options);
export const mcv = (value: number, options: LabOptions = {}): Observation =>
  lab('787-2', value, 'fL', options);
export const platelets = (value: number, options: LabOptions = {}): Observation =>
  lab('777-3', value, '10*9/L', options);
export const totalB12 = (value: number, options: LabOptions = {}): Observation =>
  lab('2132-9', value, 'ng/L', options);
export const activeB12 = (value: number, options: LabOptions = {}): Observation =>
  lab('72160-5', value, 'pmol/L', options);
export const mma = (
  value: number,
  options: LabOptions = {},
  extra: Partial<Observation> = {},
): Observation => lab('13964-2', value, 'umol/L', options, extra);
export const egfr = (value: number, options: LabOptions = {}): Observation =>
  lab('98979-8', value, 'mL/min/{1.73_m2}', options);
export const serumFolate = (value: number, options: LabOptions = {}): Observation =>
  lab('2284-8', value, 'nmol/L', options);

// ---------------------------------------------------------------------------------------------
// Medicines and conditions

export const metformin = (days: number, options: MedicationOptions = {}): FhirResource =>
  medicationRequest(concept([rx('861007', 'metformin hydrochloride 500 MG Oral Tablet')]), {
    startedDaysAgo: days,
    ...options,
  });
export const omeprazole = (days: number): FhirResource =>
  medicationRequest(concept([rx('198051', 'omeprazole 20 MG Delayed Release Oral Capsule')]), {
    startedDaysAgo: days,
  });
export const famotidine = (days: number): FhirResource =>
  medicationRequest(concept([rx('4278', 'famotidine')]), { startedDaysAgo: days });
export const colchicine = (days: number): FhirResource =>
  medicationRequest(concept([], 'Colchicine 500 microgram tablets'), { startedDaysAgo: days });
export const HYDROXOCOBALAMIN = concept(
  [rx('317106', 'hydroxocobalamin 1 MG/ML Injectable Solution')],
  'Hydroxocobalamin 1 mg/1 mL injection',
);
export const hydroxocobalamin = (days: number, options: MedicationOptions = {}): FhirResource =>
  medicationRequest(HYDROXOCOBALAMIN, { startedDaysAgo: days, ...options });
export const FOLIC_ACID_1MG = concept([rx('310410', 'folic acid 1 MG Oral Tablet')]);
export const METFORMIN = concept([rx('861007', 'metformin hydrochloride 500 MG Oral Tablet')]);
export const b12Draft = (id = 'draft-b12'): FhirResource => draftOrder(HYDROXOCOBALAMIN, { id });
export const folicDraft = (id = 'draft-folic'): FhirResource => draftOrder(FOLIC_ACID_1MG, { id });
export const metforminDraft = (id = 'draft-metformin'): FhirResource =>
  draftOrder(METFORMIN, { id });

export const fatigue = (): FhirResource => condition(concept([sct('84229001', 'Fatigue')]));
export const paraesthesia = (): FhirResource =>
  condition(concept([sct('91019004', 'Paresthesia')]));
export const ataxia = (): FhirResource => condition(concept([sct('20262006', 'Ataxia')]));
export const ckdStage4 = (): FhirResource =>
  condition(concept([sct('431857002', 'Chronic kidney disease stage 4')]));
export const pancytopeniaCondition = (): FhirResource =>
  condition(concept([sct('127034005', 'Pancytopenia')]));
export const type1Diabetes = (): FhirResource =>
  condition(concept([sct('46635009', 'Type 1 diabetes mellitus')]));
export const gastrectomy = (): FhirResource => condition(concept([sct('53442002', 'Gastrectomy')]));
