import { describe, expect, it, vi } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import { clinicalConfigFrom } from '../../cds-services/b12/clinical-config.js';
import type { ClinicalConfig } from '../../cds-services/b12/clinical-config.js';
import { RULES, RULE_CARDS, evaluate } from '../../cds-services/b12/evaluate.js';
import { ruleContext } from '../../cds-services/b12/rule.js';
import type { Rule } from '../../cds-services/b12/rule.js';
import {
  PATIENT_ID,
  concept,
  condition,
  lab,
  medicationRequest,
  rx,
  sct,
} from '../support/fhir.js';
import { facts } from './facts.js';

/**
 * Per-card modes (issue 18): an `off` card's rule is never run, a `silent` card is never shown
 * and supersedes nothing that is (what clinicians see is as if it did not exist), and a silent
 * card is one that would have been shown.
 */

const calls = vi.hoisted(() => ({ testRecommended: 0 }));

// The B12-test rule, counted: `off` must mean it is never run, not run and dropped.
vi.mock('../../cds-services/b12/rules/testing.js', async (importOriginal) => {
  const real = await importOriginal<Record<string, unknown>>();
  const rule = real.b12TestRecommended as Rule;
  const counted: Rule = (context) => {
    calls.testRecommended += 1;
    return rule(context);
  };
  return {
    ...real,
    b12TestRecommended: counted,
    testingRules: (real.testingRules as Rule[]).map((candidate) =>
      candidate === rule ? counted : candidate,
    ),
  };
});

/** A woman of 80 on metformin for years, with fatigue and no B12 test: b12-test-recommended. */
const AT_RISK: FhirResource[] = [
  medicationRequest(concept([rx('861007', 'metformin hydrochloride 500 MG Oral Tablet')]), {
    startedDaysAgo: 700,
  }),
  condition(concept([sct('84229001', 'Fatigue')])),
];
function advice(
  resources: FhirResource[],
  config: ClinicalConfig,
  birthDate = '1946-01-01',
): { shown: string[]; silent: string[] } {
  const found = facts(resources, {
    config,
    patient: { resourceType: 'Patient', id: PATIENT_ID, gender: 'female', birthDate },
  });
  const { shown, silent } = evaluate(ruleContext('patient-view', PATIENT_ID, found, config));
  return { shown: shown.map((spec) => spec.code), silent: silent.map((spec) => spec.code) };
}

describe('card modes', () => {
  it('every rule is listed with the card it concludes', () => {
    expect(RULES.filter((rule) => !RULE_CARDS.has(rule))).toEqual([]);
  });

  it('active (the default): shown, and nothing is silent', () => {
    expect(advice(AT_RISK, clinicalConfigFrom({}))).toEqual({
      shown: ['b12-test-recommended'],
      silent: [],
    });
  });

  it('off: the rule is never run, and its card is neither shown nor silent; what it superseded is shown', () => {
    calls.testRecommended = 0;
    const config = clinicalConfigFrom({ cards: { 'b12-test-recommended': 'off' } });
    expect(advice(AT_RISK, config)).toEqual({ shown: ['b12-test-consider'], silent: [] });
    expect(calls.testRecommended).toBe(0);
    advice(AT_RISK, clinicalConfigFrom({}));
    expect(calls.testRecommended).toBe(1);
  });

  it('silent: evaluated and kept back, superseding nothing that is shown', () => {
    const config = clinicalConfigFrom({ cards: { 'b12-test-recommended': 'silent' } });
    expect(advice(AT_RISK, config)).toEqual({
      shown: ['b12-test-consider'],
      silent: ['b12-test-recommended'],
    });
  });

  it('a silent card is one that would have been shown: superseded, it is not recorded either', () => {
    // b12-test-recommended supersedes b12-test-consider (RULES.md 5.1): silent, the latter
    // would not have been shown.
    const considerSilent = clinicalConfigFrom({ cards: { 'b12-test-consider': 'silent' } });
    expect(advice(AT_RISK, considerSilent)).toEqual({
      shown: ['b12-test-recommended'],
      silent: [],
    });
  });

  describe('b12-result-unreadable (5.19), decided after the others', () => {
    /** A total B12 in a unit no B12 is reported in (unreadable), of a woman of 46 at no risk. */
    const UNREADABLE_B12 = [lab('2132-9', 15, 'IU/L', { daysAgo: 3 })];
    const unreadable = (config: ClinicalConfig): { shown: string[]; silent: string[] } =>
      advice(UNREADABLE_B12, config, '1980-01-01');

    it('active: shown', () => {
      expect(unreadable(clinicalConfigFrom({}))).toEqual({
        shown: ['b12-result-unreadable'],
        silent: [],
      });
    });

    it('silent: kept back, recorded as silent', () => {
      const config = clinicalConfigFrom({ cards: { 'b12-result-unreadable': 'silent' } });
      const { shown, silent } = unreadable(config);
      expect(shown).not.toContain('b12-result-unreadable');
      expect(silent).toEqual(['b12-result-unreadable']);
    });

    it('off: neither shown nor silent', () => {
      const config = clinicalConfigFrom({ cards: { 'b12-result-unreadable': 'off' } });
      const { shown, silent } = unreadable(config);
      expect(shown).not.toContain('b12-result-unreadable');
      expect(silent).toEqual([]);
    });
  });
});
