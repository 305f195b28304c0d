import { PerformanceObserver } from 'node:perf_hooks';
import type { PerformanceEntry } from 'node:perf_hooks';

/**
 * The garbage collector's pauses on this process's main thread (the service's) during a load
 * run. The load runs in a worker thread, whose collections are not counted.
 */

export interface ServerStats {
  gc: { count: number; totalMs: number; maxMs: number };
}

export function startMonitor(): () => ServerStats {
  const pauses: number[] = [];
  const record = (entries: readonly PerformanceEntry[]): void => {
    for (const entry of entries) pauses.push(entry.duration);
  };
  const observer = new PerformanceObserver((list) => {
    record(list.getEntries());
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    record(observer.takeRecords());
    observer.disconnect();
    return {
      gc: {
        count: pauses.length,
        totalMs: pauses.reduce((sum, pause) => sum + pause, 0),
        maxMs: Math.max(0, ...pauses),
      },
    };
  };
}
