import type { Logger } from '../main/logger.js';
import type { FeedbackStoreAccess } from './availability.js';
import type { FeedbackStore, HookCallRecord } from './store.js';

/**
 * Writes to the feedback store as the HTTP routes make them, and counts the ones that failed
 * (`/healthz` and `/readyz` report the count).
 *
 * Shown cards are queued and written in one transaction every {@link FLUSH_MS} or
 * {@link FLUSH_RECORDS} calls (issue 17: a transaction per call cost every call 0.3–0.4 ms of the
 * main thread). A crash may lose the cards of the last interval, never acknowledged feedback:
 * feedback is stored before its 200, after the queue is written, so a card shown a moment before
 * its feedback is never taken for one the store never saw. `close` writes what is queued.
 */

/** Longest a shown card waits to be written. */
const FLUSH_MS = 100;
/** Calls written together at most. */
const FLUSH_RECORDS = 256;
/** Calls queued or being written at most (a store slower than the calls): beyond, counted as failed. */
const MAX_QUEUED = 10_000;

export class FeedbackRecorder {
  private failures = 0;
  /** Calls refused since the last write began (an overflow is logged once). */
  private overflowing = false;
  private queue: HookCallRecord[] = [];
  /** Calls queued or in a batch not yet written: what a slow store lets pile up. */
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    /** Without a store nothing is kept (feedback is answered 200 and dropped, as configured). */
    readonly access: FeedbackStoreAccess | undefined,
    private readonly logger: Logger,
  ) {}

  get failedWrites(): number {
    return this.failures;
  }

  /** Queues a call's shown cards; written within {@link FLUSH_MS}. */
  recordHookCall(call: HookCallRecord): void {
    if (!this.access) return;
    if (this.pending >= MAX_QUEUED) {
      // Logged once per overflow: a store slower than the calls must not go unnoticed.
      if (!this.overflowing) {
        this.logger.error(
          { queued: MAX_QUEUED },
          'shown cards not recorded: the write queue is full',
        );
      }
      this.overflowing = true;
      this.failures += 1;
      return;
    }
    this.pending += 1;
    this.queue.push(call);
    if (this.queue.length >= FLUSH_RECORDS) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Writes the queued calls; resolves once they (and any batch before them) are written. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0);
    this.overflowing = false;
    if (batch.length > 0) {
      this.writing = this.writing.then(async () => {
        const store = this.openStore(batch.length);
        try {
          await store?.recordHookCalls(batch);
        } catch (error) {
          this.failed(error, 'hook call', batch.length);
        } finally {
          this.pending -= batch.length;
        }
      });
    }
    return this.writing;
  }

  /** The open store; while a configured store is not open, undefined and `writes` counted. */
  private openStore(writes: number): FeedbackStore | undefined {
    const store = this.access?.current();
    if (this.access && !store) this.failures += writes;
    return store;
  }

  failed(error: unknown, what: string, writes = 1): void {
    this.failures += writes;
    this.logger.error(
      { err: { message: (error as Error).message }, what, writes },
      'feedback store write failed',
    );
  }
}
