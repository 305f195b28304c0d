import type { Logger } from '../main/logger.js';
import { openDatabase } from './database.js';
import type { Database } from './database.js';
import { FeedbackStore } from './store.js';

/**
 * The feedback store as the HTTP app sees it: configured, and open or not (yet). A store that
 * cannot be opened at start is retried with exponential backoff until it opens; meanwhile cards
 * keep flowing, feedback answers 503 and `/readyz` answers 503 (issue 14, item 1).
 */
export interface FeedbackStoreAccess {
  readonly kind: Database['kind'];
  /** The open store, or undefined while it cannot be opened. */
  current(): FeedbackStore | undefined;
  /** Seconds a client should wait before sending feedback again (`Retry-After`). */
  retryAfterSeconds(): number;
}

/** A store already open (tests, embedding): always available. */
export function alwaysOpen(store: FeedbackStore): FeedbackStoreAccess {
  return { kind: store.kind, current: () => store, retryAfterSeconds: () => 5 };
}

export interface Backoff {
  /** The first retry's delay before jitter (ms). */
  initialMs: number;
  /** The cap the doubling stops at (ms). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 30_000 };

/**
 * The delay before retry number `attempt` (1, 2, ...): `initialMs` doubling up to `maxMs`, with
 * "equal jitter" (between half and all of it), so replicas that lost the database together do not
 * retry in step.
 */
export function backoffDelayMs(
  attempt: number,
  random: () => number = Math.random,
  backoff: Backoff = DEFAULT_BACKOFF,
): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** Opens the configured database and its store; a failed open closes what it opened. */
export function configuredStore(settings: {
  databaseUrl: string | undefined;
  sqlitePath: string;
}): { kind: Database['kind']; open: () => Promise<FeedbackStore> } {
  return {
    kind: settings.databaseUrl === undefined ? 'sqlite' : 'postgres',
    open: async () => {
      const db = openDatabase(settings);
      try {
        return await FeedbackStore.open(db);
      } catch (error) {
        await db.close().catch(() => undefined);
        throw error;
      }
    },
  };
}

export interface ReopeningStoreOptions {
  kind: Database['kind'];
  open: () => Promise<FeedbackStore>;
  logger: Logger;
  backoff?: Backoff;
  random?: () => number;
}

/** A configured store that is opened, and retried with backoff until it opens. */
export class ReopeningStore implements FeedbackStoreAccess {
  readonly kind: Database['kind'];
  private store: FeedbackStore | undefined;
  private attempts = 0;
  private nextAttemptAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private attempt: Promise<void> = Promise.resolve();

  private constructor(private readonly options: ReopeningStoreOptions) {
    this.kind = options.kind;
  }

  /** Resolves after the first attempt, opened or not; later attempts follow on their own. */
  static async start(options: ReopeningStoreOptions): Promise<ReopeningStore> {
    const store = new ReopeningStore(options);
    await store.tryOpen();
    return store;
  }

  current(): FeedbackStore | undefined {
    return this.store;
  }

  retryAfterSeconds(): number {
    if (this.store) return 5;
    return Math.max(1, Math.ceil((this.nextAttemptAt - Date.now()) / 1000));
  }

  private tryOpen(): Promise<void> {
    this.attempt = (async () => {
      this.attempts += 1;
      try {
        const store = await this.options.open();
        if (this.closed) {
          await store.close();
          return;
        }
        this.store = store;
        this.options.logger.info(
          { store: this.kind, attempts: this.attempts },
          'feedback store ready',
        );
      } catch (error) {
        if (this.closed) return;
        const delay = backoffDelayMs(this.attempts, this.options.random, this.options.backoff);
        this.nextAttemptAt = Date.now() + delay;
        this.options.logger.error(
          {
            err: { message: (error as Error).message },
            store: this.kind,
            attempts: this.attempts,
            retryInMs: delay,
          },
          'feedback store unavailable: cards are served, feedback answers 503 until it opens',
        );
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.tryOpen();
        }, delay);
        this.timer.unref();
      }
    })();
    return this.attempt;
  }

  /** Stops retrying and closes the store if it is open. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.attempt;
    await this.store?.close();
    this.store = undefined;
  }
}
