/** Timing of in-process work: warm-up, then many timed iterations, in microseconds. */

export interface TimingOptions {
  /** Untimed iterations first, for at least this long (and at least `minWarmup` iterations). */
  warmupMs?: number;
  minWarmup?: number;
  /** Timed iterations for at least this long, at least `minIterations` and at most `maxIterations`. */
  measureMs?: number;
  minIterations?: number;
  maxIterations?: number;
}

export interface Timing {
  iterations: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  minUs: number;
  maxUs: number;
}

/** The value at quantile `q` (0–1) of ascending `sorted`, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export function summarise(samplesUs: readonly number[]): Timing {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  return {
    iterations: sorted.length,
    meanUs: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
    p50Us: quantile(sorted, 0.5),
    p99Us: quantile(sorted, 0.99),
    minUs: sorted[0] ?? Number.NaN,
    maxUs: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

/**
 * Times `work` (synchronous, or a promise awaited inside the timed span). The result of each call
 * is kept in a sink so the work cannot be optimised away.
 */
export async function timeIt(work: () => unknown, options: TimingOptions = {}): Promise<Timing> {
  const {
    warmupMs = 500,
    minWarmup = 20,
    measureMs = 1500,
    minIterations = 30,
    maxIterations = 20_000,
  } = options;
  const sink: unknown[] = [];
  // Awaited only when the work returns a promise: synchronous work is timed without a microtask.
  const warmupEnd = nowUs() + warmupMs * 1000;
  for (let i = 0; i < minWarmup || nowUs() < warmupEnd; i++) {
    const result = work();
    sink[0] = result instanceof Promise ? await result : result;
  }
  const samples: number[] = [];
  const measureEnd = nowUs() + measureMs * 1000;
  while (
    samples.length < maxIterations &&
    (samples.length < minIterations || nowUs() < measureEnd)
  ) {
    const start = nowUs();
    const result = work();
    sink[0] = result instanceof Promise ? await result : result;
    samples.push(nowUs() - start);
  }
  return summarise(samples);
}
