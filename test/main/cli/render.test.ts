import { describe, expect, it } from 'vitest';
import { card, cdsResponse } from '../../../src/cds-hooks/cards.js';
import type { Evaluation } from '../../../src/main/cli/evaluate.js';
import { renderEvaluation, useColor } from '../../../src/main/cli/render.js';

/** How cards read in a terminal: colour only where it helps, and paragraphs fitted to the width. */

const evaluation = (detail: string): Evaluation => ({
  serviceId: 'b12-patient-view',
  hook: 'patient-view',
  patientId: 'pat-1',
  date: '2026-11-21',
  response: cdsResponse([
    card({
      summary: 'B12 deficiency (total B12 142 ng/L): start hydroxocobalamin',
      detail,
      indicator: 'warning',
      source: {
        label: 'B12 CDS (NICE NG239)',
        topic: {
          system: 'https://b12-cds.org/fhir/CodeSystem/card-topic',
          code: 'b12-deficiency-treat',
        },
      },
      suggestions: [{ label: 'Order total B12', isRecommended: true }],
      selectionBehavior: 'at-most-one',
    }),
  ]),
  silentCards: [],
});

const DETAIL =
  'Evidence: total B12 142 ng/L, 2026-11-12; Hb 112 g/L, 2026-11-12; MCV 104 fL, 2026-11-12.\n\nHydroxocobalamin 1 mg IM three times a week for 2 weeks, then 1 mg every 3 months.';

describe('colour', () => {
  it('is used on a terminal, never when output is piped or NO_COLOR is set (no-color.org)', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
  });

  it('marks the indicator with a coloured label, and plain text says it in brackets', () => {
    const plain = renderEvaluation(evaluation(DETAIL), { color: false });
    const coloured = renderEvaluation(evaluation(DETAIL), { color: true });
    expect(plain).not.toContain('\u001b[');
    expect(plain).toContain(
      '[WARNING] B12 deficiency (total B12 142 ng/L): start hydroxocobalamin\n',
    );
    expect(coloured).toContain('\u001b[1;30;43m WARNING \u001b[0m');
    expect(coloured).toContain('\u001b[0m \u001b[1mB12 deficiency (total B12 142 ng/L)');
  });
});

describe('layout', () => {
  it('keeps each paragraph on one line when not on a terminal, so it can be searched', () => {
    const text = renderEvaluation(evaluation(DETAIL), { color: false });
    expect(text).toContain(
      '\n  Evidence: total B12 142 ng/L, 2026-11-12; Hb 112 g/L, 2026-11-12; MCV 104 fL, 2026-11-12.\n',
    );
    expect(text).toContain('  - Order total B12 [recommended]\n');
  });

  it('wraps paragraphs to the terminal width, every word kept', () => {
    const text = renderEvaluation(evaluation(DETAIL), { color: false, width: 40 });
    // After the header, summary and card code lines, which are never broken.
    const lines = text.split('\n').slice(4);
    expect(lines.length).toBeGreaterThan(6);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    const words = (value: string): string[] => value.split(/\s+/).filter(Boolean);
    expect(words(text)).toEqual(words(renderEvaluation(evaluation(DETAIL), { color: false })));
  });

  it('says so when there is no card', () => {
    const none: Evaluation = { ...evaluation(DETAIL), response: cdsResponse([]) };
    expect(renderEvaluation(none, { color: false })).toBe(
      'b12-patient-view (patient-view) for Patient/pat-1 on 2026-11-21: no cards\n',
    );
  });
});

describe('bullets (RULES.md 10.9.4)', () => {
  it('keeps one line per bullet, each indented like the detail and wrapped under its own text', () => {
    const text = renderEvaluation(
      evaluation(
        `${DETAIL}\n\n- Never give folic acid alone before B12 treatment has started.\n- Review at 3 months.`,
      ),
      { color: false, width: 40 },
    );
    const lines = text.split('\n');
    const first = lines.findIndex((line) => line.startsWith('  - Never give'));
    expect(first).toBeGreaterThan(0);
    expect(lines[first + 1]).toMatch(/^ {4}\S/);
    expect(lines).toContain('  - Review at 3 months.');
  });
});

describe('silent cards (issue 18)', () => {
  it('are named after the cards, as not sent', () => {
    const silent = card({
      summary: 'B12 test to consider',
      indicator: 'info',
      source: {
        label: 'B12 CDS (NICE NG239)',
        topic: {
          system: 'https://b12-cds.org/fhir/CodeSystem/card-topic',
          code: 'b12-test-consider',
        },
      },
    });
    const text = renderEvaluation(
      { ...evaluation('Evidence.'), silentCards: [silent] },
      { color: false, width: undefined },
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'Silent (would have been shown; not sent): b12-test-consider',
    );
  });
});
