import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clinicalConfigFrom } from '../../cds-services/b12/index.js';
import type { Card } from '../../src/cds-hooks/cards.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import type { Database } from '../../src/feedback/database.js';
import { reportText } from '../../src/feedback/report.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { testApp } from '../support/app.js';
import { cardFixture, countRows, eventually } from '../support/feedback-store.js';

/**
 * Silent mode through the real app and store (issue 18): a silent card never reaches a response,
 * is recorded as "would have shown" and counted so in the committee report, and the log names it
 * apart from the cards shown.
 */

const SERVICE = '/cds-services/b12-patient-view';
const TREAT = 'b12-deficiency-treat';
const PERIOD = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };

let dir: string;
let db: Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'b12-silent-'));
  db = sqliteDatabase(join(dir, 'feedback.sqlite'));
});
afterEach(async () => {
  await db.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function call(silent: boolean): Promise<{ codes: string[]; logLines: string[] }> {
  const store = await FeedbackStore.open(db);
  const clinicalConfig = clinicalConfigFrom(silent ? { cards: { [TREAT]: 'silent' } } : {});
  const { app, logLines } = testApp({ feedbackStore: store, clinicalConfig });
  const answer = await request(app)
    .post(SERVICE)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify({ ...cardFixture(TREAT), hookInstance: randomUUID() }));
  expect(answer.status).toBe(200);
  await eventually(
    () => countRows(db, 'hook_calls'),
    (n) => n === 1,
  );
  const codes = (answer.body as { cards: Card[] }).cards.map((card) => card.source.topic?.code);
  return { codes: codes.filter((code) => code !== undefined), logLines };
}

describe('a silent card', () => {
  it('is shown when active (the default)', async () => {
    expect((await call(false)).codes).toContain(TREAT);
  });

  it('never reaches the response, and the log names it apart from the cards shown', async () => {
    const { codes, logLines } = await call(true);
    expect(codes).not.toContain(TREAT);
    const line = logLines
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.msg === 'hook call');
    expect(line?.silentCards).toEqual([TREAT]);
    expect(line?.cards).not.toContain(TREAT);
  });

  it('is recorded as would-have-shown and counted so in the report, never as shown', async () => {
    const { codes } = await call(true);
    const store = await FeedbackStore.open(db);
    const report = await store.report(PERIOD);
    const row = report.rows.find((candidate) => candidate.code === TREAT);
    expect(row).toMatchObject({ shown: 0, silent: 1, accepted: 0, ignored: 0 });
    expect(report.daily.find((point) => point.code === TREAT)).toEqual({
      code: TREAT,
      day: '2026-11-21',
      shown: 0,
      accepted: 0,
      silent: 1,
    });
    // The cards that were shown are counted as before.
    expect(
      report.rows
        .filter((candidate) => candidate.shown > 0)
        .map((r) => r.code)
        .sort(),
    ).toEqual([...codes].sort());
    expect(reportText(report)).toContain(
      'silent: 1 card(s) in silent mode would have been shown (evaluated and recorded, never sent).',
    );
    // A silent card offered nothing: none of its suggestions is kept.
    const [silentCard] = await db.all<{ uuid: string }>('SELECT uuid FROM cards WHERE silent = 1');
    expect(
      await db.all('SELECT * FROM card_suggestions WHERE card_uuid = ?', [silentCard?.uuid]),
    ).toEqual([]);
  });
});
