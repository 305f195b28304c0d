import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import type { PerformanceEntry } from 'node:perf_hooks';

/**
 * What the service's event loop went through during a load run: how late timers fired (event
 * loop delay: time the loop was blocked by a request or a GC pause) and the garbage collector's
 * pauses on the main thread. The load itself runs in a worker thread and is not counted.
 */

export interface ServerStats {
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  gc: { count: number; totalMs: number; maxMs: number };
}

export function startMonitor(): () => ServerStats {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const pauses: number[] = [];
  const record = (entries: readonly PerformanceEntry[]): void => {
    for (const entry of entries) pauses.push(entry.duration);
  };
  const observer = new PerformanceObserver((list) => {
    record(list.getEntries());
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    delay.disable();
    record(observer.takeRecords());
    observer.disconnect();
    const ns = 1e6;
    return {
      eventLoopDelayMs: {
        p50: delay.percentile(50) / ns,
        p99: delay.percentile(99) / ns,
        max: delay.max / ns,
      },
      gc: {
        count: pauses.length,
        totalMs: pauses.reduce((sum, pause) => sum + pause, 0),
        maxMs: Math.max(0, ...pauses),
      },
    };
  };
}
