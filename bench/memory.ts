import { setTimeout as delay } from 'node:timers/promises';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';

/**
 * Resident memory of this process (the service's) across a long run: before, after the first
 * `first` requests and after `total`. Each phase is one autocannon run with `amount`; memory is
 * read once its load worker has exited, so the figures are the service's alone, and sampled
 * every 250 ms during the runs for the peak (which includes the load worker's own memory).
 */

export interface MemorySnapshot {
  requests: number;
  rssMb: number;
  heapUsedMb: number;
}

export interface MemoryResult {
  snapshots: MemorySnapshot[];
  /** Highest RSS sampled while a load ran (load worker included). */
  peakRssMb: number;
  /** RSS after `total` relative to after `first`, in per cent. */
  growthPercent: number;
  runs: LoadResult[];
}

const MB = 1024 * 1024;

function snapshot(requests: number): MemorySnapshot {
  const usage = process.memoryUsage();
  return { requests, rssMb: usage.rss / MB, heapUsedMb: usage.heapUsed / MB };
}

export async function memoryRun(
  url: string,
  body: string,
  first: number,
  total: number,
): Promise<MemoryResult> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 250);
  sampler.unref();
  try {
    const snapshots = [snapshot(0)];
    const runs: LoadResult[] = [];
    let done = 0;
    for (const target of [first, total]) {
      const run = await runLoad({ url, body, amount: target - done });
      runs.push(run);
      done = target;
      // Let the load worker exit and its sockets close before reading.
      await delay(500);
      snapshots.push(snapshot(done));
    }
    const [, afterFirst, afterTotal] = snapshots as [
      MemorySnapshot,
      MemorySnapshot,
      MemorySnapshot,
    ];
    return {
      snapshots,
      peakRssMb: peak / MB,
      growthPercent: ((afterTotal.rssMb - afterFirst.rssMb) / afterFirst.rssMb) * 100,
      runs,
    };
  } finally {
    clearInterval(sampler);
  }
}
