import { ruleContext } from '../../cds-services/b12/rule.js';
import { expect } from 'vitest';
import type { Card } from '../../src/cds-hooks/cards.js';
import { toCard } from '../../cds-services/b12/cards.js';
import type { CardCode } from '../../cds-services/b12/catalog.js';
import { DEFAULT_CLINICAL_CONFIG } from '../../cds-services/b12/clinical-config.js';
import { evaluate } from '../../cds-services/b12/evaluate.js';
import { readPatientFacts } from '../../cds-services/b12/patient-facts.js';
import { TODAY, TODAY_DAY, draftOrdersBundle } from '../support/fhir.js';
import { loadPublicScenarios, scenarioToFhir } from '../support/scenarios.js';
import type { Scenario } from '../support/scenarios.js';

/**
 * A public scenario (shared/clinical/scenarios.public.json) run through facts, findings and the
 * rules as its hook call would be, as of TODAY; and the check of its expectations for a set of
 * cards: each expected card present with its indicator and wording, every other one absent.
 */

const scenarios = loadPublicScenarios();

export function scenarioById(id: string): Scenario {
  const scenario = scenarios.find((item) => item.id === id);
  if (!scenario) throw new Error(`no public scenario ${id}`);
  return scenario;
}

export function scenarioCards(id: string): Card[] {
  const scenario = scenarioById(id);
  const fhir = scenarioToFhir(scenario, TODAY);
  const facts = readPatientFacts(
    {
      patientId: fhir.patientId,
      today: TODAY_DAY,
      resources: fhir.resources,
      ...(fhir.draftOrders.length > 0 ? { draftOrders: draftOrdersBundle(fhir.draftOrders) } : {}),
      ...(fhir.selections ? { selections: fhir.selections } : {}),
    },
    DEFAULT_CLINICAL_CONFIG,
  );
  const specs = evaluate(
    ruleContext(scenario.hook, fhir.patientId, facts, DEFAULT_CLINICAL_CONFIG),
  );
  return specs.map((spec) => toCard(spec, facts.notes, 'http://localhost:3000'));
}

/** The scenario's expectations restricted to `codes`: present iff expected, wording as required. */
export function expectScenario(id: string, codes: readonly CardCode[]): void {
  const scenario = scenarioById(id);
  const cards = scenarioCards(id);
  for (const code of codes) {
    const expected = scenario.expected.find((item) => item.cardKey === code);
    const card = cards.find((item) => item.source.topic?.code === code);
    if (!expected) {
      expect(card?.summary, `${id}: ${code} not expected`).toBeUndefined();
      continue;
    }
    expect(card, `${id}: ${code} expected`).toBeDefined();
    if (!card) continue;
    expect(card.indicator, `${id}: ${code} indicator`).toBe(expected.indicator);
    const text = `${card.summary}\n${card.detail ?? ''}`.toLowerCase();
    for (const phrase of expected.mustMention) {
      expect(text, `${id}: ${code} mentions "${phrase}"`).toContain(phrase.toLowerCase());
    }
    for (const phrase of expected.mustNotMention) {
      expect(text, `${id}: ${code} never mentions "${phrase}"`).not.toContain(phrase.toLowerCase());
    }
  }
  for (const code of scenario.absentCardKeys) {
    if ((codes as readonly string[]).includes(code)) {
      expect(
        cards.some((card) => card.source.topic?.code === code),
        `${id}: ${code} absent`,
      ).toBe(false);
    }
  }
}
