import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CardSpec } from '../../cds-services/b12/cards.js';
import type { CardCode } from '../../cds-services/b12/catalog.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import { DEFAULT_CLINICAL_CONFIG } from '../../cds-services/b12/clinical-config.js';
import { MAX_DETAIL_LENGTH, detailLength } from '../../cds-services/b12/detail.js';
import { evaluate } from '../../cds-services/b12/evaluate.js';
import { readPatientFacts } from '../../cds-services/b12/patient-facts.js';
import { ruleContext } from '../../cds-services/b12/rule.js';
import { utcDay } from '../../src/fhir/dates.js';
import {
  CARD_CODES,
  EVALUATION_DATE,
  FIXTURES_DIR,
  fixtureFile,
} from '../support/card-fixtures.js';
import { loadPublicScenarios } from '../support/scenarios.js';
import { runScenario } from './rule-cases.js';

/**
 * Cards a clinician reads in seconds (RULES.md 10.9.2–10.9.4), over every card fixture evaluated
 * on its evaluation date and every public scenario: short details, the recommended suggestion
 * first, and no medication ordered by two cards of one response.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every resource of the fixture's prefetch, searchsets unpacked. */
function prefetched(body: Json): unknown[] {
  return Object.values(isObject(body.prefetch) ? body.prefetch : {}).flatMap((value) =>
    isObject(value) && value.resourceType === 'Bundle' && Array.isArray(value.entry)
      ? value.entry.map((entry) => (isObject(entry) ? entry.resource : undefined))
      : [value],
  );
}

/** What evaluate() concludes for a fixture's request, as the service would on its date. */
function fixtureSpecs(code: CardCode): CardSpec[] {
  const body = JSON.parse(readFileSync(new URL(fixtureFile(code), FIXTURES_DIR), 'utf8')) as Json;
  const context = body.context as Json;
  const patientId = String(context.patientId);
  const facts = readPatientFacts(
    {
      patientId,
      today: utcDay(new Date(`${EVALUATION_DATE}T09:30:00Z`)),
      resources: prefetched(body).filter(isObject),
      draftOrders: context.draftOrders,
      ...(Array.isArray(context.selections)
        ? { selections: context.selections.filter((item) => typeof item === 'string') }
        : {}),
    },
    DEFAULT_CLINICAL_CONFIG,
  );
  return evaluate(ruleContext(body.hook as HookName, patientId, facts, DEFAULT_CLINICAL_CONFIG))
    .shown;
}

const FIXTURE_SPECS = CARD_CODES.map((code) => [code, fixtureSpecs(code)] as const);

/** The medications a list of suggestions creates, by text. */
function createdMedications(suggestions: CardSpec['suggestions']): string[] {
  return (suggestions ?? []).flatMap((suggestion) =>
    (suggestion.actions ?? []).flatMap((action) =>
      action.type === 'create' &&
      action.resource.resourceType === 'MedicationRequest' &&
      action.resource.medicationCodeableConcept?.text !== undefined
        ? [action.resource.medicationCodeableConcept.text]
        : [],
    ),
  );
}

describe.each(FIXTURE_SPECS)('fixture %s on its evaluation date', (code, specs) => {
  it('gets its card', () => {
    expect(specs.map((spec) => spec.code)).toContain(code);
  });

  it(`every card's detail stays under ${MAX_DETAIL_LENGTH} characters apart from the evidence line (RULES.md 10.9.4)`, () => {
    for (const spec of specs) {
      expect(detailLength(spec.detail), spec.code).toBeLessThan(MAX_DETAIL_LENGTH);
    }
  });

  it('every detail starts with the evidence line and has at most four bullets (RULES.md 10.9.4)', () => {
    for (const spec of specs) {
      expect(spec.detail[0], spec.code).toMatch(/^Evidence: /);
      const bullets = spec.detail.flatMap((paragraph) =>
        paragraph.split('\n').filter((line) => line.startsWith('- ')),
      );
      expect(bullets.length, spec.code).toBeLessThanOrEqual(4);
    }
  });

  it('no detail repeats R-ORAL or shows R-US (RULES.md 10.9.4)', () => {
    for (const spec of specs) {
      const text = spec.detail.join('\n');
      expect(text, spec.code).not.toContain('Oral alternative if there are no neurological');
      expect(text, spec.code).not.toContain('US label alternative');
    }
  });

  it('the first suggestion of every card is the recommended one, when one is (RULES.md 10.9.2)', () => {
    for (const spec of specs) {
      if (spec.suggestions?.some((suggestion) => suggestion.isRecommended)) {
        expect(spec.suggestions[0]?.isRecommended, spec.code).toBe(true);
      }
    }
  });

  it('no two cards of the response create the same medication (RULES.md 10.9.3)', () => {
    const byCard = specs.map((spec) => new Set(createdMedications(spec.suggestions)));
    const all = byCard.flatMap((set) => [...set]);
    expect(all.length).toBe(new Set(all).size);
  });
});

describe.each(loadPublicScenarios().map((scenario) => scenario.id))('public scenario %s', (id) => {
  it('no two cards create the same medication, and each lists its recommended suggestion first (RULES.md 10.9.2, 10.9.3)', () => {
    const { cards } = runScenario(id).run;
    const all = cards.flatMap((card) => [...new Set(createdMedications(card.suggestions))]);
    expect(all.length).toBe(new Set(all).size);
    for (const card of cards) {
      if (card.suggestions?.some((suggestion) => suggestion.isRecommended)) {
        expect(card.suggestions[0]?.isRecommended).toBe(true);
      }
    }
  });
});
