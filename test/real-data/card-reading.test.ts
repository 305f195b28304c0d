import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MedicationRequest } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { DRAFT_KEYS } from '../../cds-services/b12/index.js';
import type { Card, CdsResponse } from '../../src/cds-hooks/cards.js';
import { EVALUATION_DATE } from '../support/card-fixtures.js';
import { PATIENT_NAMES, bundleFile, datesOf, evaluate } from './synthea-patients.js';
import type { HookChoice } from './synthea-patients.js';

/**
 * RULES.md 10.9, "Cards a clinician reads in seconds", as the acceptance test over real-looking
 * data: every card fixture (fixtures/cards, on its own hook and draft orders, on 2026-11-21) and
 * the twelve Synthea patients (fixtures/synthea, at each of their dates, on patient-view and on
 * order-select with each draft order of the demo), evaluated as `npx b12-cds evaluate` does.
 * For every card of every response:
 *
 * - 10.9.4: the detail, apart from its evidence line and its data notes, stays under 700
 *   characters;
 * - 10.9.1: the evidence line names units as people write them, never as UCUM codes;
 * - 10.9.2: a suggestion marked `isRecommended` is the first one;
 * - 10.9.3: no two cards of one response suggest creating the same medication.
 */

// ---------------------------------------------------------------------------------------------
// What is read on a card

/** The detail's paragraphs (Markdown: separated by blank lines). */
const paragraphs = (card: Card): string[] =>
  (card.detail ?? '')
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');

/** The evidence line: the detail's first paragraph, "Evidence: …" (RULES.md 5.0). */
const evidenceOf = (card: Card): string => paragraphs(card)[0] ?? '';

/**
 * What the clinician reads beyond the evidence: the detail without its first paragraph and
 * without data notes (a paragraph, or a line, starting "Data note:"), as RULES.md 10.9.4 counts.
 */
function bodyOf(card: Card): string {
  return paragraphs(card)
    .slice(1)
    .map((paragraph) =>
      paragraph
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('Data note:'))
        .join('\n')
        .trim(),
    )
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
}

/** Length in characters as a reader counts them (code points: "µ", "²" and "–" are one each). */
const length = (text: string): number => Array.from(text).length;

/**
 * UCUM codes as they would leak into an evidence line (RULES.md 10.9.1: `10*3/uL`, `{1.73_m2}`,
 * `umol/L`, `ug/L`...). A unit token follows a value, a space, "(" or "=", so:
 *
 * - a UCUM power of ten, `10*3`, `10*9` (people write ×10³);
 * - a UCUM annotation, `{…}` (people write "mL/min/1.73 m²");
 * - a unit starting with the UCUM micro prefix `u` (`umol/L`, `ug/L`, `uL`, `um3`) or the bare
 *   per-microlitre `/uL`, after a space, "(" or "=" (people write µ). A laboratory's own spelling
 *   such as `K/uL` or `cells/uL` is kept as sent (RULES.md 10.5.4) and is not a UCUM code;
 * - UCUM's lower-case milliequivalent `meq` (people write mEq).
 */
const UCUM_IN_TEXT: readonly [string, RegExp][] = [
  ['power of ten', /\d\*-?\d/],
  ['annotation', /[{}]/],
  ['micro prefix u', /(?:^|[\s(=])\/?u(?:mol|g|L|m\d?)(?![\p{L}])/u],
  ['lower-case meq', /(?:^|[\s(=])meq(?![\p{L}])/u],
];

/** The UCUM codes found in a text, each named with the rule it breaks. */
const ucumCodesIn = (text: string): string[] =>
  UCUM_IN_TEXT.flatMap(([name, pattern]) => {
    const match = pattern.exec(text);
    return match ? [`${name} "${match[0].trim()}"`] : [];
  });

/** What identifies a medication: its codings (system|code) and its text, lower-cased. */
function medicationKeys(request: MedicationRequest): string[] {
  const concept = request.medicationCodeableConcept;
  return [
    ...(concept?.coding ?? []).flatMap((coding) =>
      coding.code === undefined ? [] : [`${coding.system ?? ''}|${coding.code}`],
    ),
    ...(concept?.text === undefined ? [] : [`text:${concept.text.trim().toLowerCase()}`]),
  ];
}

/** The medications a card's suggestions would create (one entry per key, over all suggestions). */
const createdMedications = (card: Card): Set<string> =>
  new Set(
    (card.suggestions ?? []).flatMap((suggestion) =>
      (suggestion.actions ?? []).flatMap((action) =>
        action.type === 'create' && action.resource.resourceType === 'MedicationRequest'
          ? medicationKeys(action.resource)
          : [],
      ),
    ),
  );

const codeOf = (card: Card): string => card.source.topic?.code ?? card.summary;

// ---------------------------------------------------------------------------------------------
// The checks: each lists what breaks the rule, empty when the response keeps it

const MAX_BODY = 700;

function longDetails(response: CdsResponse): string[] {
  return response.cards.flatMap((card) => {
    const size = length(bodyOf(card));
    return size < MAX_BODY ? [] : [`${codeOf(card)}: ${String(size)} characters`];
  });
}

function ucumInEvidence(response: CdsResponse): string[] {
  return response.cards.flatMap((card) => {
    const evidence = evidenceOf(card);
    const found = ucumCodesIn(evidence);
    return found.length === 0 ? [] : [`${codeOf(card)}: ${found.join(', ')} in "${evidence}"`];
  });
}

function recommendedNotFirst(response: CdsResponse): string[] {
  return response.cards.flatMap((card) =>
    (card.suggestions ?? []).flatMap((suggestion, index) =>
      suggestion.isRecommended === true && index > 0
        ? [`${codeOf(card)}: suggestion ${String(index + 1)} "${suggestion.label}" is recommended`]
        : [],
    ),
  );
}

function sameMedicationTwice(response: CdsResponse): string[] {
  const created = response.cards.map((card) => ({ card, keys: createdMedications(card) }));
  return created.flatMap(({ card, keys }, index) =>
    created.slice(index + 1).flatMap((other) => {
      const shared = [...keys].filter((key) => other.keys.has(key));
      return shared.length === 0
        ? []
        : [`${codeOf(card)} and ${codeOf(other.card)} both create ${shared.join(', ')}`];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The responses

const CARD_FIXTURES_DIR = new URL('../../fixtures/cards/', import.meta.url);
const cardFixtures = readdirSync(CARD_FIXTURES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();

const CHOICES: readonly [string, HookChoice][] = [
  ['patient-view', {}],
  ...DRAFT_KEYS.map((draft): [string, HookChoice] => [
    `order-select, ${draft}`,
    { hook: 'order-select', draft },
  ]),
];

/** Each case evaluated once, whatever the number of checks run on it. */
const responses = new Map<string, Promise<CdsResponse>>();
const once = (label: string, run: () => Promise<CdsResponse>): (() => Promise<CdsResponse>) => {
  return () => {
    const known = responses.get(label);
    if (known) return known;
    const response = run();
    responses.set(label, response);
    return response;
  };
};

const CASES: readonly [string, () => Promise<CdsResponse>][] = [
  ...cardFixtures.map((file): [string, () => Promise<CdsResponse>] => {
    const label = `fixtures/cards/${file} on ${EVALUATION_DATE}`;
    const path = fileURLToPath(new URL(file, CARD_FIXTURES_DIR));
    return [label, once(label, () => evaluate(path, EVALUATION_DATE))];
  }),
  ...PATIENT_NAMES.flatMap((name) =>
    datesOf(name).flatMap((date) =>
      CHOICES.map(([hook, choice]): [string, () => Promise<CdsResponse>] => {
        const label = `${name} on ${date}, ${hook}`;
        return [label, once(label, () => evaluate(bundleFile(name), date, choice))];
      }),
    ),
  ),
];

// ---------------------------------------------------------------------------------------------

describe('the checks read cards as the rule book words them', () => {
  it.each([
    'Evidence: platelets 250 10*3/uL (= 250 ×10⁹/L), 2026-11-14.',
    'Evidence: eGFR 55 mL/min/{1.73_m2}, 2026-11-14.',
    'Evidence: raised methylmalonic acid (MMA) 0.62 umol/L, 2026-11-11 (above 0.45 umol/L).',
    'Evidence: total B12 0.25 ug/L (= 250 ng/L), 2026-11-14.',
    'Evidence: platelets 42000 /uL (= 42 ×10⁹/L), 2026-11-14.',
    'Evidence: MCV 104 um3, 2026-11-14.',
    'Evidence: potassium 3.1 meq/L, 2026-11-14.',
  ])('finds a UCUM code in "%s"', (evidence) => {
    expect(ucumCodesIn(evidence)).not.toEqual([]);
  });

  it.each([
    'Evidence: platelets 250 ×10³/µL (= 250 ×10⁹/L), 2026-11-14.',
    'Evidence: platelets 42 K/uL, 2026-11-14; platelets 42000 cells/uL (= 42 ×10⁹/L), 2026-11-14.',
    'Evidence: eGFR 55 mL/min/1.73 m², 2026-11-14; eGFR 48 mL/min/1.73m2, 2026-05-14.',
    'Evidence: methylmalonic acid (MMA) 620 nmol/L (= 0.62 µmol/L), 2026-11-11 (above 0.45 µmol/L).',
    'Evidence: metformin for over 4 months (used since 2019-03-01); urgent review.',
    'Evidence: no relevant results recorded.',
  ])('finds none in "%s"', (evidence) => {
    expect(ucumCodesIn(evidence)).toEqual([]);
  });

  it('counts the detail without its evidence line and data notes', () => {
    const card = {
      detail:
        'Evidence: total B12 150 ng/L, 2026-11-14.\n\nStart treatment.\n\n- Review at 3 months.\nData note: a result ignored.\n\nData note: another.',
    } as Card;
    expect(bodyOf(card)).toBe('Start treatment.\n\n- Review at 3 months.');
  });

  it('finds the card fixtures and the Synthea cases', () => {
    expect(cardFixtures.length).toBeGreaterThanOrEqual(19);
    expect(CASES.length).toBeGreaterThanOrEqual(cardFixtures.length + 12 * 2 * 4);
  });
});

describe(`10.9.4: a detail stays under ${String(MAX_BODY)} characters apart from the evidence line and data notes`, () => {
  it.each(CASES)('%s', async (_label, response) => {
    expect(longDetails(await response())).toEqual([]);
  });
});

describe('10.9.1: the evidence line writes units as people do, never as UCUM codes', () => {
  it.each(CASES)('%s', async (_label, response) => {
    expect(ucumInEvidence(await response())).toEqual([]);
  });
});

describe('10.9.2: a recommended suggestion is the first suggestion of its card', () => {
  it.each(CASES)('%s', async (_label, response) => {
    expect(recommendedNotFirst(await response())).toEqual([]);
  });
});

describe('10.9.3: no two cards of one response suggest creating the same medication', () => {
  it.each(CASES)('%s', async (_label, response) => {
    expect(sameMedicationTwice(await response())).toEqual([]);
  });
});
