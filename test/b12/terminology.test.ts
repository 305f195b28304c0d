import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANY_MEDICATION_TEXT,
  CONDITION_GROUPS,
  MEDICATION_TEXT,
  anyOf,
} from '../../cds-services/b12/terminology.js';
import { textArb } from '../support/arbitraries.js';

describe('anyOf: one search before a search per pattern', () => {
  const conditionPatterns = Object.values(CONDITION_GROUPS).flatMap((group) =>
    group.text ? [group.text] : [],
  );
  const samples = fc.oneof(
    textArb,
    fc.constantFrom('Metformin 500 mg', 'subtotal gastrectomy', "Crohn's disease of ileum", 'a'),
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
