import request from 'supertest';
import type { Response } from 'supertest';
import type { Express } from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Card } from '../../src/cds-hooks/cards.js';
import { trustedClientsFrom } from '../../src/http/auth/trusted-clients.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import type { Database } from '../../src/feedback/database.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import type { Report } from '../../src/feedback/store.js';
import { testApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { cardByCode } from '../support/card-checks.js';
import { clientToken, signingKey } from '../support/client-jwt.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { accepted, cardFixture, countRows, eventually } from '../support/feedback-store.js';
import { loadCapture } from '../support/hook-calls.js';
import type { JsonObject } from '../support/hook-calls.js';

/**
 * The feedback store behind the real app (SQLite in memory): cards shown by a hook call are
 * recorded after the answer, feedback is stored with the caller's issuer, duplicates are stored
 * once, and a failing store never fails a hook call (it is counted on /healthz, and feedback
 * answers 503 so the client sends it again).
 */

const SERVICE = '/cds-services/b12-patient-view';
const FEEDBACK = `${SERVICE}/feedback`;
const TREAT = 'b12-deficiency-treat';
/** The day of the app's fixed clock (2026-11-21T09:30Z, the fixtures' evaluation date). */
const DAY = { from: new Date('2026-11-21T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') };

let db: Database;
let store: FeedbackStore;

beforeEach(async () => {
  db = sqliteDatabase(':memory:');
  store = await FeedbackStore.open(db);
});
afterEach(async () => {
  await store.close().catch(() => undefined);
});

const post = (
  app: Express,
  path: string,
  body: unknown,
  authorization?: string,
): Promise<Response> => {
  const test = request(app).post(path).set('Content-Type', 'application/json');
  if (authorization !== undefined) test.set('Authorization', authorization);
  return test.send(JSON.stringify(body));
};

const shownIn = (report: Report): number => report.rows.reduce((sum, row) => sum + row.shown, 0);

/** Posts the b12-deficiency-treat fixture; waits until the store holds every card returned. */
async function showTreatCard(
  app: Express,
  authorization?: string,
): Promise<{ cards: Card[]; treat: Card }> {
  const res = await post(app, SERVICE, cardFixture(TREAT), authorization);
  expect(res.status, res.text).toBe(200);
  const cards = (res.body as { cards: Card[] }).cards;
  const treat = cardByCode(res.body, TREAT) as unknown as Card | undefined;
  if (!treat) throw new Error(`no ${TREAT} card in ${res.text}`);
  const report = await eventually(
    () => store.report(DAY),
    (value) => shownIn(value) === cards.length,
  );
  expect(shownIn(report)).toBe(cards.length);
  return { cards, treat };
}

const rowOf = (report: Report, code: string): Report['rows'][number] | undefined =>
  report.rows.find((row) => row.code === code);

describe('hook calls and feedback through the app, stored', () => {
  it('records the cards of a patient-view call (fixtures/cards/b12-deficiency-treat.json): each code and indicator shown once, none answered yet', async () => {
    const { app } = testApp({ feedbackStore: store });
    const { cards, treat } = await showTreatCard(app);
    const report = await store.report(DAY);
    expect(report.rows.map((row) => row.code).sort()).toEqual(
      cards.map((card) => card.source.topic?.code).sort(),
    );
    expect(rowOf(report, TREAT)).toMatchObject({
      indicator: treat.indicator,
      shown: 1,
      accepted: 0,
      overridden: 0,
      ignored: 1,
    });
    const suggestions = await db.all<{ suggestion_uuid: string }>(
      'SELECT suggestion_uuid FROM card_suggestions WHERE card_uuid = ?',
      [treat.uuid],
    );
    expect(suggestions.map((row) => row.suggestion_uuid).sort()).toEqual(
      (treat.suggestions ?? []).map((suggestion) => suggestion.uuid).sort(),
    );
    expect(suggestions.length).toBeGreaterThan(0);
  });

  it('feedback accepting the card’s suggestion answers 200 and the report counts the card accepted', async () => {
    const { app } = testApp({ feedbackStore: store });
    const { treat } = await showTreatCard(app);
    const res = await post(app, FEEDBACK, { feedback: [accepted(treat, '2026-11-21T09:31:00Z')] });
    expect(res.status, res.text).toBe(200);
    expect(rowOf(await store.report(DAY), TREAT)).toMatchObject({
      shown: 1,
      accepted: 1,
      ignored: 0,
      acceptanceRate: 1,
    });
    expect(await db.all('SELECT outcome, accepted_suggestions, known_card FROM feedback')).toEqual([
      {
        outcome: 'accepted',
        accepted_suggestions: JSON.stringify([treat.suggestions?.[0]?.uuid]),
        known_card: 1,
      },
    ]);
  });

  it('the sandbox’s feedback (capture 029: card c-28, overridden) answers 200, is stored flagged unknown and counted as unmatched', async () => {
    const { app } = testApp({ feedbackStore: store });
    const { body } = loadCapture('029-sandbox--feedback-b12-patient-view.json');
    const res = await post(app, FEEDBACK, body);
    expect(res.status, res.text).toBe(200);
    expect(await db.all('SELECT card_uuid, outcome, known_card, issuer FROM feedback')).toEqual([
      { card_uuid: 'c-28', outcome: 'overridden', known_card: 0, issuer: null },
    ]);
    expect((await store.report(DAY)).unmatchedFeedback).toBe(1);
    expect((await store.report(DAY)).unknownCardFeedback).toBe(1);
  });

  it('a feedback POST sent twice answers 200 both times and is stored once', async () => {
    const app = testApp({ feedbackStore: store });
    const { treat } = await showTreatCard(app.app);
    const body = { feedback: [accepted(treat, '2026-11-21T09:31:00Z')] };
    expect((await post(app.app, FEEDBACK, body)).status).toBe(200);
    expect((await post(app.app, FEEDBACK, body)).status).toBe(200);
    expect(await countRows(db, 'feedback')).toBe(1);
    expect(rowOf(await store.report(DAY), TREAT)).toMatchObject({ shown: 1, accepted: 1 });
    const receipts = app.logLines
      .map((line) => JSON.parse(line) as JsonObject)
      .filter((line) => line.msg === 'feedback')
      .map(({ stored, duplicates, unknownCards }) => ({ stored, duplicates, unknownCards }));
    expect(receipts).toEqual([
      { stored: 1, duplicates: 0, unknownCards: 0 },
      { stored: 0, duplicates: 1, unknownCards: 0 },
    ]);
  });
});

describe('a store that fails', () => {
  const health = async (app: Express): Promise<JsonObject> =>
    (await request(app).get('/healthz').expect(200)).body as JsonObject;

  it('never fails a hook call: 200 with cards, the failed write counted on /healthz; feedback then answers 503 with an OperationOutcome', async () => {
    const app: TestApp = testApp({ feedbackStore: store });
    expect(await health(app.app)).toEqual({
      status: 'ok',
      feedbackStore: { kind: 'sqlite', failedWrites: 0 },
    });
    await store.close();

    const res = await post(app.app, SERVICE, cardFixture(TREAT));
    expect(res.status, res.text).toBe(200);
    expect(cardByCode(res.body, TREAT)).toBeDefined();
    const after = await eventually(
      () => health(app.app),
      (body) => (body.feedbackStore as { failedWrites: number }).failedWrites > 0,
    );
    expect(after).toEqual({ status: 'ok', feedbackStore: { kind: 'sqlite', failedWrites: 1 } });

    const treat = cardByCode(res.body, TREAT) as unknown as Card;
    const feedback = await post(app.app, FEEDBACK, {
      feedback: [accepted(treat, '2026-11-21T09:31:00Z')],
    });
    const outcome = expectOperationOutcome(feedback, 503);
    expect(outcome.issue.map((issue) => issue.code)).toEqual(['transient']);
    expect(await health(app.app)).toEqual({
      status: 'ok',
      feedbackStore: { kind: 'sqlite', failedWrites: 2 },
    });
    const failures = app.logLines
      .map((line) => JSON.parse(line) as JsonObject)
      .filter((line) => line.msg === 'feedback store write failed')
      .map((line) => line.what);
    expect(failures).toEqual(['hook call', 'feedback']);
  });
});

describe('with client authentication', () => {
  const PUBLIC_URL = 'https://cds.example.org';
  const EHR = 'https://ehr.example.org';

  it('records the calling client’s issuer with the hook call and with its feedback', async () => {
    const key = await signingKey('ES384', 'ehr-es384');
    const { app } = testApp({
      env: { CDS_AUTH: 'required', CDS_PUBLIC_URL: PUBLIC_URL },
      trustedClients: trustedClientsFrom([{ iss: EHR, jwks: { keys: [key.publicJwk] } }]),
      feedbackStore: store,
    });
    const bearer = async (path: string): Promise<string> =>
      `Bearer ${await clientToken(key, { iss: EHR, aud: `${PUBLIC_URL}${path}` })}`;
    const { treat } = await showTreatCard(app, await bearer(SERVICE));
    const res = await post(
      app,
      FEEDBACK,
      { feedback: [accepted(treat, '2026-11-21T09:31:00Z')] },
      await bearer(FEEDBACK),
    );
    expect(res.status, res.text).toBe(200);
    expect(await db.all('SELECT issuer FROM hook_calls')).toEqual([{ issuer: EHR }]);
    expect(await db.all('SELECT issuer FROM feedback')).toEqual([{ issuer: EHR }]);
  });
});
