import autocannon from 'autocannon';

/**
 * HTTP load with autocannon's programmatic API. The load runs in an autocannon worker thread
 * (`workers: 1`), so the service under test keeps the main thread's event loop to itself and the
 * two share the machine's cores as a separate client would, instead of one event loop serving
 * both. autocannon's latency histogram has a resolution of 1 ms.
 */

export interface LoadOptions {
  url: string;
  /** The JSON request body, sent as `application/json` with POST. */
  body: string;
  connections?: number;
  /** Seconds; ignored when `amount` is given. */
  duration?: number;
  /** Send exactly this many requests, then stop. */
  amount?: number;
}

export interface LoadResult {
  connections: number;
  /** Completed requests (any status). */
  requests: number;
  durationSeconds: number;
  /** Completed requests per second over the run. */
  requestsPerSecond: number;
  /** Latency of 2xx responses, in milliseconds. */
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}

export const CONNECTIONS = 32;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const connections = options.connections ?? CONNECTIONS;
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections,
    pipelining: 1,
    workers: 1,
    // A 10,000-Observation body can take seconds under load; a timeout is still reported.
    timeout: 30,
    ...(options.amount === undefined
      ? { duration: options.duration ?? 8 }
      : { amount: options.amount }),
  });
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]),
  );
  const requests = Object.values(statusCodes).reduce((sum, count) => sum + count, 0);
  const durationSeconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    connections,
    requests,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? requests / durationSeconds : 0,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}
