import request from 'supertest';
import type { Response } from 'supertest';
import type { Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { Card } from '../../src/cds-hooks/cards.js';
import { ReopeningStore, backoffDelayMs } from '../../src/feedback/availability.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { createLogger } from '../../src/main/logger.js';
import { testApp } from '../support/app.js';
import { cardByCode } from '../support/card-checks.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { accepted, cardFixture, eventually } from '../support/feedback-store.js';
import type { JsonObject } from '../support/hook-calls.js';

/**
 * A configured feedback store that cannot be opened is never silently absent (issue 14, item 1):
 * cards keep flowing, feedback answers 503 with an OperationOutcome and Retry-After, /readyz 503
 * (/healthz stays 200), and the store is retried with backoff until it opens. The same with a real
 * service process and a real PostgreSQL server: test/feedback/outage.test.ts.
 */

const SERVICE = '/cds-services/b12-patient-view';
const FEEDBACK = `${SERVICE}/feedback`;
const TREAT = 'b12-deficiency-treat';
const quiet = createLogger('silent');

const post = (app: Express, path: string, body: unknown): Promise<Response> =>
  request(app).post(path).set('Content-Type', 'application/json').send(JSON.stringify(body));

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0)) await item.close().catch(() => undefined);
});

describe('the retry delay', () => {
  it('starts near 1 s, doubles, and stops doubling at 30 s', () => {
    const full = (attempt: number): number => backoffDelayMs(attempt, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(full)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('is jittered between half and all of the step', () => {
    expect(backoffDelayMs(1, () => 0)).toBe(500);
    expect(backoffDelayMs(6, () => 0)).toBe(15_000);
    expect(backoffDelayMs(3, () => 0.5)).toBe(3_000);
  });
});

/** A store whose first `failures` opens throw ECONNREFUSED, then opens SQLite in memory. */
function flakyOpen(failures: number): { open: () => Promise<FeedbackStore>; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    open: async () => {
      calls += 1;
      if (calls <= failures) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      return FeedbackStore.open(sqliteDatabase(':memory:'));
    },
  };
}

const fast = { initialMs: 20, maxMs: 80 };

describe('a store that cannot be opened at start', () => {
  it('is retried with backoff until it opens, each failure logged with the delay to the next try', async () => {
    const flaky = flakyOpen(3);
    const lines: JsonObject[] = [];
    const logger = createLogger('info', {
      write: (line: string) => lines.push(JSON.parse(line) as JsonObject),
    });
    const store = await ReopeningStore.start({ kind: 'postgres', ...flaky, logger, backoff: fast });
    opened.push(store);
    expect(store.current()).toBeUndefined();
    expect(store.retryAfterSeconds()).toBe(1);
    const open = await eventually(
      () => Promise.resolve(store.current()),
      (value) => value !== undefined,
    );
    expect(open).toBeDefined();
    expect(flaky.calls()).toBe(4);
    const failures = lines.filter((line) => line.level === 50);
    expect(failures.map((line) => line.attempts)).toEqual([1, 2, 3]);
    for (const line of failures) {
      expect(line.retryInMs).toBeGreaterThanOrEqual(10);
      expect(line.retryInMs).toBeLessThanOrEqual(80);
    }
    expect(lines.at(-1)).toMatchObject({ msg: 'feedback store ready', attempts: 4 });
  });

  it('stops retrying once closed', async () => {
    const flaky = flakyOpen(Number.POSITIVE_INFINITY);
    const store = await ReopeningStore.start({
      kind: 'postgres',
      ...flaky,
      logger: quiet,
      backoff: fast,
    });
    await store.close();
    const calls = flaky.calls();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(flaky.calls()).toBe(calls);
    expect(store.current()).toBeUndefined();
  });
});

describe('the app while the configured store is down, then open', () => {
  it('serves cards 200, answers feedback 503 with an OperationOutcome and Retry-After, /readyz 503 and /healthz 200; once open, feedback 200 and /readyz 200', async () => {
    let allow = false;
    const store = await ReopeningStore.start({
      kind: 'postgres',
      open: async () => {
        if (!allow) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return FeedbackStore.open(sqliteDatabase(':memory:'));
      },
      logger: quiet,
      backoff: fast,
    });
    opened.push(store);
    const { app, logLines } = testApp({ feedbackStore: store });

    const hook = await post(app, SERVICE, cardFixture(TREAT));
    expect(hook.status, hook.text).toBe(200);
    const treat = cardByCode(hook.body, TREAT) as unknown as Card;
    expect(treat).toBeDefined();
    const item = accepted(treat, '2026-11-21T09:31:00Z');

    const refused = await post(app, FEEDBACK, { feedback: [item] });
    const outcome = expectOperationOutcome(refused, 503);
    expect(outcome.issue.map((issue) => issue.code)).toEqual(['transient']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(
      logLines.some((line) => line.includes('feedback refused: the feedback store is not open')),
    ).toBe(true);

    const notReady = await request(app).get('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toEqual({
      status: 'unavailable',
      feedbackStore: { kind: 'postgres', state: 'unavailable', failedWrites: 1 },
    });
    await request(app).get('/healthz').expect(200);

    allow = true;
    await eventually(
      () => Promise.resolve(store.current()),
      (value) => value !== undefined,
    );
    await post(app, FEEDBACK, { feedback: [item] }).then((res) => {
      expect(res.status, res.text).toBe(200);
    });
    const ready = await request(app).get('/readyz').expect(200);
    expect(ready.body).toMatchObject({ status: 'ready', feedbackStore: { state: 'open' } });
    const report = await store.current()?.report({
      from: new Date('2026-11-21T00:00:00Z'),
      to: new Date('2026-11-22T00:00:00Z'),
    });
    expect(report?.unmatchedFeedback).toBe(1);
  });
});

describe('the app without any feedback store', () => {
  it('answers feedback 200 (not kept), says so once in the log at start, and /readyz 200 with feedbackStore none', async () => {
    const { app, logLines } = testApp();
    const notKept = logLines.filter((line) =>
      line.includes('feedback is answered 200 but not kept'),
    );
    expect(notKept).toHaveLength(1);
    const hook = await post(app, SERVICE, cardFixture(TREAT));
    const treat = cardByCode(hook.body, TREAT) as unknown as Card;
    await post(app, FEEDBACK, { feedback: [accepted(treat, '2026-11-21T09:31:00Z')] }).then(
      (res) => {
        expect(res.status, res.text).toBe(200);
      },
    );
    const ready = await request(app).get('/readyz').expect(200);
    expect(ready.body).toEqual({
      status: 'ready',
      feedbackStore: 'none',
      note: 'feedback is not kept',
    });
  });
});
