import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordedCard } from '../../src/cds-hooks/cards.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import type { Database } from '../../src/feedback/database.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { accepted, b12Card } from '../support/feedback-store.js';

/**
 * Issue 15: a feedback store written by the service before it moved from better-sqlite3 to
 * node:sqlite keeps its data. The fixture was written by the code of commit df4df47 (better-sqlite3
 * 12.11.1, WAL): three days of hook calls and cards, accepted and overridden feedback (a comment
 * in UTF-8 among them) and feedback for a card the store never saw; its committee report then is
 * saved beside it (fixtures/feedback/README.md).
 */

const FIXTURES = fileURLToPath(new URL('../../fixtures/feedback/', import.meta.url));
const PERIOD = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };

let dir: string;
let db: Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'b12-migration-'));
  copyFileSync(join(FIXTURES, 'better-sqlite3-0.1.0.sqlite'), join(dir, 'feedback.sqlite'));
  db = sqliteDatabase(join(dir, 'feedback.sqlite'));
});

afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = async (table: string): Promise<number> =>
  (await db.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n ?? -1;

describe('a better-sqlite3 store opened with node:sqlite', () => {
  it('gives the committee report it gave before, to the last figure', async () => {
    const store = await FeedbackStore.open(db);
    const before = JSON.parse(
      readFileSync(join(FIXTURES, 'better-sqlite3-0.1.0.report.json'), 'utf8'),
    ) as { rows: object[]; daily: object[] };
    // The figures it gave, and the silent count (issue 18) added to each row and day: none.
    const withSilent = {
      ...before,
      rows: before.rows.map((row) => ({ ...row, silent: 0 })),
      daily: before.daily.map((day) => ({ ...day, silent: 0 })),
    };

    expect(JSON.parse(JSON.stringify(await store.report(PERIOD)))).toEqual(withSilent);
  });

  it('keeps every row, comments in UTF-8 included, and takes new ones', async () => {
    const store = await FeedbackStore.open(db);
    expect(await count('hook_calls')).toBe(6);
    expect(await count('cards')).toBe(9);
    expect(await count('feedback')).toBe(7);
    const comments = await db.all<{ user_comment: string }>(
      'SELECT DISTINCT user_comment FROM feedback WHERE user_comment IS NOT NULL',
    );
    expect(comments).toEqual([{ user_comment: 'Tested last week elsewhere, résumé ü' }]);

    const shown = b12Card('b12-deficiency-treat', 'warning', 2);
    const at = new Date('2026-11-20T09:00:00Z');
    await store.recordHookCall({
      hookInstance: '5c0c1f9e-2f3b-4a8e-9a51-000000000099',
      serviceId: 'b12-patient-view',
      hook: 'patient-view',
      at,
      issuer: undefined,
      cards: [recordedCard(shown)],
    });
    await store.recordFeedback(
      'b12-patient-view',
      [accepted(shown, '2026-11-20T09:01:00Z')],
      undefined,
      at,
    );

    expect(await count('hook_calls')).toBe(7);
    expect(await count('feedback')).toBe(8);
    const treat = (await store.report(PERIOD)).rows.find(
      (row) => row.code === 'b12-deficiency-treat',
    );
    expect(treat).toMatchObject({ shown: 4, accepted: 4 });
  });

  it('stays in WAL mode', async () => {
    await FeedbackStore.open(db);
    expect(await db.all('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  });
});
