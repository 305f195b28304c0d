import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CARD_CATALOG } from '../../../cds-services/b12/index.js';
import { CARDS_DOC, cardsDoc } from '../../../scripts/cards-doc.js';

/** docs/cards.md, the "Cards" page, is what scripts/cards-doc.ts generates: it never goes stale. */

describe('docs/cards.md', () => {
  it('is exactly what `npx tsx scripts/cards-doc.ts` writes (run it after changing a card)', async () => {
    expect(readFileSync(CARDS_DOC, 'utf8')).toBe(await cardsDoc());
  }, 60_000);

  it('has a section with an example card for every card code of the catalog', () => {
    const doc = readFileSync(CARDS_DOC, 'utf8');
    const codes = Object.keys(CARD_CATALOG);
    expect(codes).toHaveLength(19);
    for (const code of codes) {
      expect(doc).toContain(`\n## \`${code}\`\n`);
      expect(doc).toContain(`"code": "${code}"`);
    }
  });
});
