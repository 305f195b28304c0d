import type { Logger } from '../main/logger.js';
import type { FeedbackStoreAccess } from './availability.js';

/**
 * Retention applied in the process (issue 14, item 5): cards and feedback older than
 * `FEEDBACK_RETENTION_DAYS` are purged shortly after start and then once a day, and the count of
 * purged rows is logged. `npm run purge` does the same on demand.
 */

export const DAY_MS = 86_400_000;

export interface RetentionOptions {
  store: FeedbackStoreAccess;
  retentionDays: number;
  logger: Logger;
  /** Delay before the first purge (ms); 10 s by default, so start-up is not slowed. */
  firstDelayMs?: number;
  /** Delay between purges (ms); a day by default. */
  intervalMs?: number;
  now?: () => number;
}

export interface RetentionTimer {
  /** Stops the schedule and waits for a purge in progress. */
  stop(): Promise<void>;
}

export function startRetention({
  store,
  retentionDays,
  logger,
  firstDelayMs = 10_000,
  intervalMs = DAY_MS,
  now = Date.now,
}: RetentionOptions): RetentionTimer {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const purge = async (): Promise<void> => {
    const open = store.current();
    if (!open) {
      logger.warn('feedback retention purge skipped: the feedback store is not open');
      return;
    }
    const before = new Date(now() - retentionDays * DAY_MS);
    try {
      const removed = await open.purge(before);
      logger.info(
        { ...removed, before: before.toISOString(), retentionDays },
        'feedback retention purge',
      );
    } catch (error) {
      logger.error(
        { err: { message: (error as Error).message } },
        'feedback retention purge failed; retried at the next run',
      );
    }
  };

  const schedule = (delay: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = purge().finally(() => {
        schedule(intervalMs);
      });
    }, delay);
    // The schedule never keeps the process alive on its own.
    timer.unref();
  };
  schedule(firstDelayMs);

  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
