import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alwaysOpen } from '../../src/feedback/availability.js';
import type { FeedbackStoreAccess } from '../../src/feedback/availability.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import type { Database } from '../../src/feedback/database.js';
import { DAY_MS, startRetention } from '../../src/feedback/retention.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { createLogger } from '../../src/main/logger.js';
import { b12Card, countRows, overridden, show } from '../support/feedback-store.js';

/**
 * FEEDBACK_RETENTION_DAYS applied in the process (issue 14, item 5): a purge shortly after start,
 * then every interval, the count of purged rows logged; stopped on shutdown. A fake clock.
 */

const START = Date.parse('2026-11-21T09:30:00Z');

let db: Database;
let store: FeedbackStore;
let lines: Record<string, unknown>[];
const logger = (): ReturnType<typeof createLogger> =>
  createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(START);
  lines = [];
  db = sqliteDatabase(':memory:');
  store = await FeedbackStore.open(db);
});
afterEach(async () => {
  vi.useRealTimers();
  await store.close();
});

/** A card shown and overridden `daysAgo` days before `at`. */
async function rowAged(at: number, daysAgo: number): Promise<void> {
  const when = new Date(at - daysAgo * DAY_MS).toISOString();
  const shown = b12Card('b12-deficiency-treat', 'warning');
  await show(store, when, [shown]);
  await store.recordFeedback(
    'b12-patient-view',
    [overridden(shown.uuid, 'treated-elsewhere', when)],
    undefined,
    new Date(when),
  );
}

const purges = (): Record<string, unknown>[] =>
  lines.filter((line) => line.msg === 'feedback retention purge');

describe('the in-process retention purge', () => {
  it('purges shortly after start, then once per interval, logging the rows purged; stop() ends it', async () => {
    await rowAged(START, 40);
    await rowAged(START, 20);
    await rowAged(START, 1);
    const retention = startRetention({
      store: alwaysOpen(store),
      retentionDays: 30,
      logger: logger(),
      firstDelayMs: 10_000,
      intervalMs: DAY_MS,
    });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(purges()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(purges()).toMatchObject([{ cards: 1, feedback: 1, retentionDays: 30 }]);
    expect(await countRows(db, 'feedback')).toBe(2);

    // Eleven days later the 20-day-old row is past 30 days: the daily run removes it.
    await vi.advanceTimersByTimeAsync(10 * DAY_MS);
    expect(purges()).toHaveLength(11);
    expect(purges().at(-1)).toMatchObject({ cards: 1, feedback: 1 });
    expect(await countRows(db, 'feedback')).toBe(1);
    expect(await countRows(db, 'cards')).toBe(1);

    await retention.stop();
    await vi.advanceTimersByTimeAsync(5 * DAY_MS);
    expect(purges()).toHaveLength(11);
  });

  it('skips a run while the store is not open, and runs again the next day', async () => {
    const state: { open?: FeedbackStore } = {};
    const access: FeedbackStoreAccess = {
      kind: 'sqlite',
      current: () => state.open,
      retryAfterSeconds: () => 5,
    };
    await rowAged(START, 400);
    const retention = startRetention({ store: access, retentionDays: 365, logger: logger() });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lines.map((line) => line.msg)).toEqual([
      'feedback retention purge skipped: the feedback store is not open',
    ]);
    state.open = store;
    await vi.advanceTimersByTimeAsync(DAY_MS);
    expect(purges()).toMatchObject([{ cards: 1, feedback: 1 }]);
    await retention.stop();
  });

  it('never keeps the process alive: its timer is unref’d', async () => {
    vi.useRealTimers();
    const timers: NodeJS.Timeout[] = [];
    const real = globalThis.setTimeout;
    const spy = vi
      .spyOn(globalThis, 'setTimeout')
      .mockImplementation((...args: Parameters<typeof setTimeout>) => {
        const timer = real(...args);
        timers.push(timer);
        return timer;
      });
    const retention = startRetention({
      store: alwaysOpen(store),
      retentionDays: 30,
      logger: logger(),
    });
    spy.mockRestore();
    expect(timers).toHaveLength(1);
    expect(timers[0]?.hasRef()).toBe(false);
    await retention.stop();
  });
});
