import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import {
  CARD_CATALOG,
  OVERRIDE_REASONS,
  OVERRIDE_SYSTEM,
  TOPIC_SYSTEM,
} from '../cds-services/b12/catalog.js';
import type { CardCode } from '../cds-services/b12/catalog.js';
import type { Card } from '../src/cds/cards.js';
import { evaluateFile, loadEvaluator } from '../src/cli/evaluate.js';

/**
 * Writes docs/cards.md, the "Cards" page: every card code of the catalog
 * (cds-services/b12/catalog.ts) with its indicator, hooks and services, what triggers it
 * (RULES.md section 5), and the real card the service gives for fixtures/cards/<code>.json on
 * {@link EVALUATION_DATE}. Run: `npx tsx scripts/cards-doc.ts`. test/cli/cards-doc.test.ts fails
 * when docs/cards.md differs from what this writes.
 */

export const CARDS_DOC = new URL('../docs/cards.md', import.meta.url);
const FIXTURES = new URL('../fixtures/cards/', import.meta.url);

/** The date the card fixtures are written for. */
export const EVALUATION_DATE = '2026-11-21';

/** What makes the service give each card, in a sentence (RULES.md 5.2 to 5.20). */
const TRIGGERS = {
  'b12-test-recommended':
    'An adult not on B12 treatment, with no B12 result in the last 12 months and no old untreated low one, has a symptom of deficiency together with a risk factor, or a macrocytic anaemia (then the summary asks for B12 and folate before any folic acid).',
  'b12-test-consider':
    'An adult not on B12 treatment, with no B12 result in the last 12 months, has a major risk factor (metformin for over 4 months, a proton pump inhibitor or H2 receptor antagonist for over 12 months, age over 75, gastric or ileal surgery, ileal Crohn’s or coeliac disease, atrophic gastritis, pernicious anaemia or a vegan diet) but no card that supersedes this one.',
  'b12-indeterminate-mma':
    'An adult not on B12 treatment has a latest diagnostic B12 in the indeterminate range (total B12 180–350 ng/L or active B12 25–70 pmol/L, inclusive) and no methylmalonic acid (MMA) result since; in pregnancy a total B12 asks for active B12 instead.',
  'mma-renal-caution':
    'An adult not on B12 treatment has a raised MMA with renal impairment (eGFR below 60) and a B12 that does not itself confirm deficiency: the MMA may reflect the kidneys rather than B12.',
  'b12-deficiency-treat':
    'An adult not on B12 treatment has an untreated B12 deficiency (total B12 below 180 ng/L, active B12 below 25 pmol/L, or indeterminate B12 with a raised MMA and no renal impairment) and no neurological features: the hydroxocobalamin 1 mg IM loading regimen.',
  'b12-deficiency-neuro-urgent':
    'An adult not on B12 treatment has neurological features with an untreated B12 deficiency, or with a raised MMA and no renal impairment (functional deficiency): hydroxocobalamin on alternate days and urgent specialist advice.',
  'b12-low-stale-untreated':
    'An adult not on B12 treatment has no B12 result in the last 12 months, and the latest one, 1 to 5 years old, was low and never treated.',
  'combined-b12-folate-deficiency':
    'An adult not on B12 treatment has an untreated B12 deficiency (or neurological features with a functional deficiency) and a low folate (serum folate below 7 nmol/L or red cell folate below 340 nmol/L): B12 before or together with folic acid.',
  'severe-anaemia-urgent':
    'The latest Hb (90 days) is below 80 g/L, or below 70 g/L in pregnancy, at any age; in the order hooks only when a B12 or folic acid product is being ordered.',
  'folate-order-b12-untreated':
    'Folic acid (any dose) is ordered while a B12 deficiency (by result, raised MMA or a coded diagnosis) is untreated and no B12 product is on the draft orders.',
  'folate-order-b12-unknown':
    'Folic acid above 1 mg a day (or of unknown dose, or with anaemia or macrocytosis) is ordered without a usable recent B12 result (none in 12 months, or an indeterminate one without an MMA since), and no B12 product or B12 test is on the draft orders.',
  'im-injection-thrombocytopenia':
    'A B12 product is ordered for intramuscular injection while the latest platelets (30 days) are below 50 ×10⁹/L; the card is critical below 10 ×10⁹/L, and from 10 to 24 it advises avoiding the IM route.',
  'cyanocobalamin-renal':
    'Cyanocobalamin (any route) is ordered with renal impairment (eGFR below 60): hydroxocobalamin is preferred.',
  'hypokalaemia-monitoring':
    'A B12 product (any route) is ordered in severe anaemia (Hb below 80 g/L, below 70 g/L in pregnancy): check potassium in the first 48 hours.',
  'b12-prophylaxis-malabsorption':
    'An adult not on B12 treatment has had a total gastrectomy, an ileal resection or bariatric surgery, or has ileal Crohn’s disease, and no card that supersedes this one: lifelong B12 prophylaxis (or yearly checks for Crohn’s) is due.',
  'outside-guideline-age':
    'A patient under 16 has a low B12 (recent, or old and untreated): NICE NG239 covers adults only, so paediatric advice is sought instead of an adult regimen.',
  'b12-review-due':
    'An adult has been on B12 treatment for 3 months or more (1 month in pregnancy) with no Hb, MCV or platelet result since it started: review the response.',
  'b12-result-unreadable':
    'An adult has a B12, active B12 or MMA result from the last 12 months that could not be read (unit, value or date), and no other card of the response reports it: the result is never taken as normal.',
  'b12-low-on-oral':
    'An adult on oral, sublingual or nasal B12 (no injections) has a low total or active B12 dated 3 months or more after the oral treatment started (any time in 12 months when the start is unknown): check adherence and absorption, and consider IM hydroxocobalamin.',
} as const satisfies Record<CardCode, string>;

const CODES = Object.keys(CARD_CATALOG) as CardCode[];

/** Stable stand-ins for the generated uuids: the card's is 1, its suggestions' 2, 3, ... */
const placeholder = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function withPlaceholders(card: Card): Card {
  return {
    ...card,
    uuid: placeholder(1),
    ...(card.suggestions
      ? {
          suggestions: card.suggestions.map((suggestion, index) => ({
            ...suggestion,
            uuid: placeholder(index + 2),
          })),
        }
      : {}),
  };
}

/** The card fixtures/cards/<code>.json gets on the evaluation date. */
async function exampleCard(code: CardCode): Promise<{ card: Card; serviceId: string }> {
  // Default settings whatever the environment: the page documents the rule book's values.
  const evaluator = loadEvaluator({});
  const file = fileURLToPath(new URL(`${code}.json`, FIXTURES));
  const evaluation = await evaluateFile(file, { date: EVALUATION_DATE }, evaluator);
  const card = evaluation.response.cards.find((candidate) => candidate.source.topic?.code === code);
  if (card === undefined) {
    throw new Error(`fixtures/cards/${code}.json gives no ${code} card on ${EVALUATION_DATE}`);
  }
  return { card: withPlaceholders(card), serviceId: evaluation.serviceId };
}

/** The catalog's indicator; the one card whose indicator depends on the finding says so (RULES.md 5.13). */
const indicatorOf = (code: CardCode): string =>
  code === 'im-injection-thrombocytopenia' ? 'warning or critical' : CARD_CATALOG[code].indicator;

const list = (items: readonly string[]): string => items.map((item) => `\`${item}\``).join(', ');

async function section(code: CardCode): Promise<string[]> {
  const entry = CARD_CATALOG[code];
  const { card, serviceId } = await exampleCard(code);
  return [
    `## \`${code}\``,
    '',
    `**${entry.display}** · ${indicatorOf(code)} · ${entry.hooks.map((hook) => `${hook} (\`b12-${hook}\`)`).join(', ')}`,
    '',
    TRIGGERS[code],
    '',
    `Override reasons: ${list(entry.overrideReasons)}.`,
    '',
    `Example: [\`fixtures/cards/${code}.json\`](../fixtures/cards/${code}.json) sent to \`${serviceId}\` on ${EVALUATION_DATE}:`,
    '',
    '```sh',
    `npx b12-cds evaluate fixtures/cards/${code}.json --date ${EVALUATION_DATE}`,
    '```',
    '',
    '<details>',
    `<summary>The <code>${code}</code> card (JSON)</summary>`,
    '',
    '```json',
    JSON.stringify(card, null, 2),
    '```',
    '',
    '</details>',
    '',
  ];
}

/** docs/cards.md as the generator writes it (formatted as `prettier --write` would). */
export async function cardsDoc(): Promise<string> {
  const overview = CODES.map((code) => {
    const entry = CARD_CATALOG[code];
    return `| [\`${code}\`](#${code}) | ${entry.display} | ${indicatorOf(code)} | ${entry.hooks.join(', ')} |`;
  });
  const reasons = Object.entries(OVERRIDE_REASONS).map(
    ([code, display]) => `| \`${code}\` | ${display} |`,
  );
  const sections: string[] = [];
  for (const code of CODES) sections.push(...(await section(code)));
  const text = [
    '# Cards',
    '',
    '<!-- Generated by scripts/cards-doc.ts from the card catalog and fixtures/cards: do not edit; run `npx tsx scripts/cards-doc.ts`. -->',
    '',
    `Every card the B12 services can return, by its code. The code is in \`source.topic.code\` (system \`${TOPIC_SYSTEM}\`, with the code in words as \`display\`): it is the stable contract for EHR configuration and analytics, and a code is never renamed. The clinical team's rule book (RULES.md section 5) defines each card; \`cds-services/b12/catalog.ts\` holds the catalog.`,
    '',
    `Each example is the real card the service returns for the matching request in \`fixtures/cards/\`, evaluated on ${EVALUATION_DATE} (the date the fixtures are written for), with its uuids replaced by placeholders. \`npx b12-cds evaluate <file> --date ${EVALUATION_DATE}\` prints it readably, and \`--json\` prints the whole response.`,
    '',
    '| code | in words | indicator | hooks |',
    '| --- | --- | --- | --- |',
    ...overview,
    '',
    'Every card has `summary`, `detail` (markdown; its first paragraph, "Evidence: ...", gives the values used with their dates, and data notes, if any, close it), `indicator`, `source` (label "B12 CDS (NICE NG239)", NICE NG239 url, topic), `overrideReasons` and `links`; most have `suggestions` with `selectionBehavior`. The override reasons are codings of `' +
      OVERRIDE_SYSTEM +
      '`:',
    '',
    '| code | display |',
    '| --- | --- |',
    ...reasons,
    '',
    ...sections,
  ].join('\n');
  const options = await resolveConfig(fileURLToPath(CARDS_DOC));
  return format(text, { ...options, parser: 'markdown' });
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  writeFileSync(CARDS_DOC, await cardsDoc());
  process.stdout.write(`wrote ${fileURLToPath(CARDS_DOC)} (${CODES.length} cards)\n`);
}
