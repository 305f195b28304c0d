import type { Logger } from '../main/logger.js';
import type { FeedbackStoreAccess } from './availability.js';
import type { FeedbackStore, HookCallRecord } from './store.js';

/**
 * Writes to the feedback store as the HTTP routes make them, and counts the ones that failed
 * (`/healthz` and `/readyz` report the count). A shown card is recorded after its answer is sent,
 * so a store outage never slows or fails a hook call; feedback is stored before its 200.
 */
export class FeedbackRecorder {
  private failures = 0;

  constructor(
    /** Without a store nothing is kept (feedback is answered 200 and dropped, as configured). */
    readonly access: FeedbackStoreAccess | undefined,
    private readonly logger: Logger,
  ) {}

  get failedWrites(): number {
    return this.failures;
  }

  /** The open store; while a configured store is not open, undefined and the write counted. */
  openStore(): FeedbackStore | undefined {
    const store = this.access?.current();
    if (this.access && !store) this.failures += 1;
    return store;
  }

  recordHookCall(call: HookCallRecord): void {
    this.openStore()
      ?.recordHookCall(call)
      .catch((error: unknown) => {
        this.failed(error, 'hook call');
      });
  }

  failed(error: unknown, what: string): void {
    this.failures += 1;
    this.logger.error(
      { err: { message: (error as Error).message }, what },
      'feedback store write failed',
    );
  }
}
