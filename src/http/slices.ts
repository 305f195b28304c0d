import { isMainThread } from 'node:worker_threads';

/**
 * Turns of the event loop shared by all work that can run long: parsing a large body and the
 * steps of a large hook call (issue 14 item 4: no request may block the loop for more than
 * 100 ms). Such work runs in slices of {@link SLICE_MS}; once a slice is used up, it waits for a
 * later turn. The waiters are let go one per turn, so concurrent calls share a slice instead of
 * each taking one in the same turn (five parses each yielding with `setImmediate` blocked the
 * loop for 100 ms: all five ran in one check phase).
 */

/** Work between two turns of the event loop. */
const SLICE_MS = 8;

/**
 * Only the HTTP thread must stay responsive: a hook-call thread (src/main/hook-call-threads.ts)
 * runs its work through, as waiting for turns lets calls pile up on it and outlive the young
 * generation (issue 17).
 */
const SLICED = isMainThread;

const waiting: (() => void)[] = [];
let sliceStart = Number.NEGATIVE_INFINITY;

function letOneGo(): void {
  waiting.shift()?.();
  if (waiting.length > 0) setImmediate(letOneGo);
}

/**
 * Resolves at once while the current slice lasts and nobody waits, else in a later turn of the
 * event loop, first come first served (a call arriving mid-slice must not overtake those waiting:
 * that gave 32 concurrent calls a p99 three times their median).
 */
export function slice(): Promise<void> | undefined {
  if (!SLICED) return undefined;
  if (waiting.length === 0 && performance.now() - sliceStart <= SLICE_MS) return undefined;
  return new Promise((resolve) => {
    const go = (): void => {
      sliceStart = performance.now();
      resolve();
    };
    if (waiting.push(go) === 1) setImmediate(letOneGo);
  });
}
