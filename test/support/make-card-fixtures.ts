import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CARD_CODES,
  FIXTURES_DIR,
  EXAMPLE_NAMES,
  exampleFile,
  exampleText,
  fixtureFile,
  fixtureText,
  readmeText,
} from './card-fixtures.js';

/**
 * Writes fixtures/cards/<card-code>.json for every catalog card, fixtures/README.md and the
 * examples (fixtures/examples/patient-view-b12-history.json, patient-view-low-platelets.json), from
 * test/support/card-fixtures.ts. Run: `npx tsx test/support/make-card-fixtures.ts`.
 * The output is deterministic: running it twice changes nothing.
 */

const dir = fileURLToPath(FIXTURES_DIR);
mkdirSync(dir, { recursive: true });
const wanted = new Set(CARD_CODES.map(fixtureFile));
for (const file of readdirSync(dir)) {
  if (file.endsWith('.json') && !wanted.has(file)) rmSync(new URL(file, FIXTURES_DIR));
}
for (const code of CARD_CODES)
  writeFileSync(new URL(fixtureFile(code), FIXTURES_DIR), fixtureText(code));
writeFileSync(new URL('../README.md', FIXTURES_DIR), readmeText());
for (const name of EXAMPLE_NAMES) writeFileSync(exampleFile(name), exampleText(name));
process.stdout.write(`wrote ${CARD_CODES.length} card fixtures and fixtures/README.md to ${dir}\n`);
