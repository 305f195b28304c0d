import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Card } from '../../src/cds-hooks/cards.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import type { Database } from '../../src/feedback/database.js';
import type { FeedbackStoreAccess } from '../../src/feedback/availability.js';
import { FeedbackRecorder } from '../../src/feedback/recorder.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import type { Logger } from '../../src/main/logger.js';
import { loadRuntime } from '../../src/main/runtime.js';
import { startServer } from '../../src/main/server.js';
import { testApp } from '../support/app.js';
import { accepted, cardFixture, countRows, eventually } from '../support/feedback-store.js';

/**
 * Shown cards are written off the request path, in batches (issue 17 item 1): every call's cards
 * reach the store under load (N calls → N rows), feedback sent the moment after a card was shown
 * finds that card, and a server closing writes what is still queued.
 */

const SERVICE = '/cds-services/b12-patient-view';
const TREAT = 'b12-deficiency-treat';

let dir: string;
let db: Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'b12-batches-'));
  db = sqliteDatabase(join(dir, 'feedback.sqlite'));
});
afterEach(async () => {
  await db.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const hookCall = (): object => ({ ...cardFixture(TREAT), hookInstance: randomUUID() });

describe('shown cards written in batches', () => {
  it('400 calls, 16 at a time: 400 hook-call rows and every card returned', async () => {
    const store = await FeedbackStore.open(db);
    const { app } = testApp({ feedbackStore: store });
    const calls = 400;
    let cards = 0;
    for (let sent = 0; sent < calls; sent += 16) {
      const answers = await Promise.all(
        Array.from({ length: 16 }, () =>
          request(app)
            .post(SERVICE)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(hookCall())),
        ),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        cards += (answer.body as { cards: Card[] }).cards.length;
      }
    }

    expect(
      await eventually(
        () => countRows(db, 'hook_calls'),
        (n) => n === calls,
      ),
    ).toBe(calls);
    expect(await countRows(db, 'cards')).toBe(cards);
  });

  it('feedback sent right after its card was shown finds the card (it is not flagged unknown)', async () => {
    const store = await FeedbackStore.open(db);
    const { app } = testApp({ feedbackStore: store });
    const shown = await request(app)
      .post(SERVICE)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(hookCall()));
    const treat = (shown.body as { cards: Card[] }).cards.find(
      (card) => card.source.topic?.code === TREAT,
    );
    if (!treat) throw new Error(`no ${TREAT} card`);

    const answer = await request(app)
      .post(`${SERVICE}/feedback`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ feedback: [accepted(treat, '2026-11-21T09:31:00Z')] }));

    expect(answer.status).toBe(200);
    expect(await db.all('SELECT known_card FROM feedback')).toEqual([{ known_card: 1 }]);
  });

  it('a store that stops answering holds at most 10,000 calls; the rest are counted as failed and logged once', () => {
    const hung = { recordHookCalls: () => new Promise<void>(() => undefined) };
    const access: FeedbackStoreAccess = {
      kind: 'sqlite',
      current: () => hung as unknown as FeedbackStore,
      retryAfterSeconds: () => 5,
    };
    const errors: string[] = [];
    const logger = { error: (_fields: object, message: string) => errors.push(message) };
    const recorder = new FeedbackRecorder(access, logger as unknown as Logger);
    const call = {
      hookInstance: randomUUID(),
      serviceId: 'b12-patient-view',
      hook: 'patient-view',
      at: new Date(),
      issuer: undefined,
      cards: [],
    };

    for (let i = 0; i < 10_005; i++) recorder.recordHookCall(call);
    void recorder.flush();

    expect(recorder.failedWrites).toBe(5);
    expect(errors).toEqual(['shown cards not recorded: the write queue is full']);
  });

  it('a server closing writes the cards still queued', async () => {
    await db.close();
    const running = await startServer(
      loadRuntime({
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'silent',
        DEMO_PAGE: 'off',
        FEEDBACK_DB_PATH: join(dir, 'feedback.sqlite'),
      }),
    );
    const answer = await fetch(`http://127.0.0.1:${running.port}${SERVICE}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(hookCall()),
    });
    expect(answer.status).toBe(200);
    await running.close();

    db = sqliteDatabase(join(dir, 'feedback.sqlite'));
    expect(await countRows(db, 'hook_calls')).toBe(1);
  });
});
