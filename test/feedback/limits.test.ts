import request from 'supertest';
import type { Response } from 'supertest';
import type { Express } from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trustedClientsFrom } from '../../src/http/auth/trusted-clients.js';
import { OperationOutcomeError } from '../../src/fhir/operation-outcome.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import type { Database } from '../../src/feedback/database.js';
import { FeedbackItemLimit } from '../../src/feedback/limits.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { testApp } from '../support/app.js';
import { clientToken, signingKey } from '../support/client-jwt.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { countRows, overridden } from '../support/feedback-store.js';

/**
 * Bounded feedback (issue 14, item 5): feedback items per minute per client
 * (FEEDBACK_ITEMS_PER_MINUTE → 429 with Retry-After) and override comment length
 * (FEEDBACK_COMMENT_MAX_CHARS → 413), both with an OperationOutcome; nothing refused is stored.
 * Feedback for a card the store never saw stays accepted and flagged.
 */

const FEEDBACK = '/cds-services/b12-patient-view/feedback';

let db: Database;
let store: FeedbackStore;

beforeEach(async () => {
  db = sqliteDatabase(':memory:');
  store = await FeedbackStore.open(db);
});
afterEach(async () => {
  await store.close();
});

const items = (count: number, from = 0, comment?: string): unknown[] =>
  Array.from({ length: count }, (_, index) =>
    overridden(
      `unknown-card-${String(from + index)}`,
      'treated-elsewhere',
      '2026-11-21T09:31:00Z',
      comment,
    ),
  );

const post = (app: Express, body: unknown, authorization?: string): Promise<Response> => {
  const test = request(app).post(FEEDBACK).set('Content-Type', 'application/json');
  if (authorization !== undefined) test.set('Authorization', authorization);
  return test.send(JSON.stringify(body));
};

describe('FEEDBACK_ITEMS_PER_MINUTE', () => {
  it('accepts up to the limit in a minute, then answers 429 with an OperationOutcome and Retry-After; nothing refused is stored', async () => {
    const { app } = testApp({ env: { FEEDBACK_ITEMS_PER_MINUTE: '5' }, feedbackStore: store });
    expect((await post(app, { feedback: items(3) })).status).toBe(200);
    expect((await post(app, { feedback: items(2, 3) })).status).toBe(200);
    const refused = await post(app, { feedback: items(1, 5) });
    const outcome = expectOperationOutcome(refused, 429);
    expect(outcome.issue[0]?.code).toBe('throttled');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await countRows(db, 'feedback')).toBe(5);
    // Every stored item is about a card this store never saw: accepted, and flagged.
    expect(await db.all('SELECT DISTINCT known_card FROM feedback')).toEqual([{ known_card: 0 }]);
  });

  it('answers 413 for one request carrying more items than a minute allows (it could never pass)', async () => {
    const { app } = testApp({ env: { FEEDBACK_ITEMS_PER_MINUTE: '5' }, feedbackStore: store });
    expectOperationOutcome(await post(app, { feedback: items(6) }), 413);
    expect(await countRows(db, 'feedback')).toBe(0);
  });

  it('counts each calling client (JWT iss) apart', async () => {
    const PUBLIC_URL = 'https://cds.example.org';
    const [a, b] = [await signingKey('ES384', 'a'), await signingKey('ES384', 'b')];
    const { app } = testApp({
      env: { CDS_AUTH: 'required', CDS_PUBLIC_URL: PUBLIC_URL, FEEDBACK_ITEMS_PER_MINUTE: '2' },
      trustedClients: trustedClientsFrom([
        { iss: 'https://a.example.org', jwks: { keys: [a.publicJwk] } },
        { iss: 'https://b.example.org', jwks: { keys: [b.publicJwk] } },
      ]),
      feedbackStore: store,
    });
    const bearer = async (key: typeof a, iss: string): Promise<string> =>
      `Bearer ${await clientToken(key, { iss, aud: `${PUBLIC_URL}${FEEDBACK}` })}`;
    const A = 'https://a.example.org';
    const B = 'https://b.example.org';
    expect((await post(app, { feedback: items(2) }, await bearer(a, A))).status).toBe(200);
    expect((await post(app, { feedback: items(1, 2) }, await bearer(a, A))).status).toBe(429);
    expect((await post(app, { feedback: items(2, 10) }, await bearer(b, B))).status).toBe(200);
    expect(
      await db.all('SELECT issuer, COUNT(*) AS n FROM feedback GROUP BY issuer ORDER BY issuer'),
    ).toEqual([
      { issuer: A, n: 2 },
      { issuer: B, n: 2 },
    ]);
  });

  it('opens a new allowance each minute; 0 turns the limit off', () => {
    let now = 1_000_000;
    const limit = new FeedbackItemLimit(3, () => now);
    limit.admit('ehr', 3);
    let refused: unknown;
    try {
      limit.admit('ehr', 1);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(OperationOutcomeError);
    expect((refused as OperationOutcomeError).status).toBe(429);
    now += 45_000;
    expect(
      (() => {
        try {
          limit.admit('ehr', 1);
          return undefined;
        } catch (error) {
          return (error as OperationOutcomeError).headers['Retry-After'];
        }
      })(),
    ).toBe('15');
    now += 15_000;
    expect(() => limit.admit('ehr', 3)).not.toThrow();
    const off = new FeedbackItemLimit(0, () => now);
    for (let i = 0; i < 100; i++) off.admit('ehr', 1000);
  });
});

describe('FEEDBACK_COMMENT_MAX_CHARS', () => {
  it('accepts a comment of the maximum length and answers 413 with an OperationOutcome naming the item beyond it', async () => {
    const { app } = testApp({ env: { FEEDBACK_COMMENT_MAX_CHARS: '20' }, feedbackStore: store });
    expect((await post(app, { feedback: items(1, 0, 'x'.repeat(20)) })).status).toBe(200);
    const refused = await post(app, {
      feedback: [...items(1, 1), ...items(1, 2, 'x'.repeat(21))],
    });
    const outcome = expectOperationOutcome(refused, 413);
    expect(outcome.issue[0]?.expression).toEqual(['feedback[1].overrideReason.userComment']);
    expect(await countRows(db, 'feedback')).toBe(1);
  });

  it('defaults to 1000 characters', async () => {
    const { app, config } = testApp({ feedbackStore: store });
    expect(config.feedback.commentMaxChars).toBe(1000);
    expect(config.feedback.itemsPerMinute).toBe(600);
    expect((await post(app, { feedback: items(1, 0, 'y'.repeat(1000)) })).status).toBe(200);
    expectOperationOutcome(await post(app, { feedback: items(1, 1, 'y'.repeat(1001)) }), 413);
  });
});
