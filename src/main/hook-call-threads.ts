import { Worker } from 'node:worker_threads';
import type { ResourceLimits } from 'node:worker_threads';
import type { ClinicalConfig } from '../../cds-services/b12/index.js';
import type {
  HookCallAnswer,
  HookCallThreads,
  ThreadedHookCall,
} from '../cds-hooks/hook-call-answer.js';
import type { Config } from './config.js';
import { threadModule } from './thread-module.js';

/**
 * Hook calls answered on threads of their own (issue 17). The HTTP thread reads a large call's
 * bytes (over THREAD_CALLS_ABOVE_BYTES) and moves them to the thread with the fewest calls in
 * hand. That thread parses them (the largest single cost of a call), validates, resolves the
 * prefetch (with the FHIR-server fallback) and runs the rules, and hands back the answer as plain
 * data (hook-call-answer.ts), which the HTTP thread logs, sends and records. So the HTTP thread
 * never blocks on a large body, and the machine's other cores share the work.
 *
 * A thread that stops (a fault, or its heap exhausted) fails only the calls it held (500); the
 * next call starts a new one.
 */

/** What a thread is started with: all it needs to build the same services. */
export interface HookCallThreadData {
  clinicalConfig: ClinicalConfig;
  config: Pick<Config, 'fhir' | 'maxPrefetchResources' | 'publicUrl' | 'jsonMaxDepth'>;
}

export interface GcPauses {
  count: number;
  totalMs: number;
  maxMs: number;
}

export type ThreadRequest =
  { type: 'call'; id: number; call: ThreadedHookCall } | { type: 'gc'; id: number };

export type ThreadAnswer = { id: number; answer: HookCallAnswer } | { id: number; gc: GcPauses };

interface Waiting {
  resolve: (answer: ThreadAnswer) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

/**
 * Bodies up to this size are answered on the HTTP thread. Handing a call over costs about 0.1 ms
 * of CPU more (the bytes copied, two messages, a second heap to collect): at 10 Observations
 * (81 kB) a call took 1.00 ms of CPU on the threads against 0.93 ms on the HTTP thread. A body
 * over 128 KiB costs more than 1 ms to parse and answer: worth a second core, and too long to
 * hold up the HTTP thread (docs/performance.md, issue 17).
 */
export const THREAD_CALLS_ABOVE_BYTES = 128 * 1024;

export interface HookCallThreadsOptions extends HookCallThreadData {
  threads: number;
  /** Calls with larger bodies go to the threads ({@link THREAD_CALLS_ABOVE_BYTES} without). */
  unparsedAbove?: number;
  /** Heap limits of each thread (Node's defaults without). */
  resourceLimits?: ResourceLimits;
}

/** This module's thread: hook-call-thread.js beside it (.ts from the sources). */
const THREAD = threadModule(import.meta.url, 'hook-call-thread');

export class HookCallThreadPool implements HookCallThreads {
  private readonly threads: (Thread | undefined)[];
  private nextId = 0;
  private closed = false;
  readonly unparsedAbove: number;

  constructor(private readonly options: HookCallThreadsOptions) {
    this.threads = Array.from({ length: options.threads }, () => undefined);
    this.unparsedAbove = options.unparsedAbove ?? THREAD_CALLS_ABOVE_BYTES;
  }

  /** Answers `call` on the thread with the fewest calls in hand, started if need be. */
  call(call: ThreadedHookCall): Promise<HookCallAnswer> {
    const moved = call.chunks.map((chunk) => chunk.buffer);
    return this.ask(this.leastBusy(), (id) => ({ type: 'call', id, call }), moved).then(
      (answer) => (answer as { answer: HookCallAnswer }).answer,
    );
  }

  /**
   * The threads' garbage-collection pauses since first asked (the benchmark's GC share): ask once
   * to start counting.
   */
  async gcPauses(): Promise<GcPauses> {
    const total: GcPauses = { count: 0, totalMs: 0, maxMs: 0 };
    for (const thread of this.threads) {
      if (!thread) continue;
      const { gc } = (await this.ask(thread, (id) => ({ type: 'gc', id }))) as { gc: GcPauses };
      total.count += gc.count;
      total.totalMs += gc.totalMs;
      total.maxMs = Math.max(total.maxMs, gc.maxMs);
    }
    return total;
  }

  /** Stops every thread; calls still in hand fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.threads.flatMap((thread) => (thread ? [thread.worker.terminate()] : [])),
    );
  }

  private ask(
    thread: Thread,
    request: (id: number) => ThreadRequest,
    transfer: ArrayBuffer[] = [],
  ): Promise<ThreadAnswer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // A thread with calls in hand keeps the process alive until it answers or stops.
      if (thread.waiting.size === 0) thread.worker.ref();
      thread.waiting.set(id, { resolve, reject });
      thread.worker.postMessage(request(id), transfer);
    });
  }

  /**
   * The running thread with the fewest calls in hand; a new one is started only while every
   * running thread has some, so threads (and their memory) follow the calls' concurrency.
   */
  private leastBusy(): Thread {
    if (this.closed) throw new Error('hook-call threads are closed');
    let best: Thread | undefined;
    for (const thread of this.threads) {
      if (thread && (!best || thread.waiting.size < best.waiting.size)) best = thread;
    }
    if (best?.waiting.size === 0) return best;
    const free = this.threads.indexOf(undefined);
    if (free === -1 && best) return best;
    return (this.threads[free] = this.start(free));
  }

  private start(index: number): Thread {
    const { clinicalConfig, config, resourceLimits } = this.options;
    const worker = new Worker(THREAD.url, {
      workerData: { clinicalConfig, config } satisfies HookCallThreadData,
      ...(THREAD.execArgv ? { execArgv: THREAD.execArgv } : {}),
      ...(resourceLimits ? { resourceLimits } : {}),
    });
    // An idle thread does not keep the process alive (the server closes its threads at shutdown).
    worker.unref();
    const thread: Thread = { worker, waiting: new Map() };
    let fault: Error | undefined;
    worker.on('message', (message: ThreadAnswer) => {
      const waiting = thread.waiting.get(message.id);
      thread.waiting.delete(message.id);
      if (thread.waiting.size === 0) worker.unref();
      waiting?.resolve(message);
    });
    worker.on('error', (error: Error) => {
      fault = error;
    });
    worker.on('exit', (code) => {
      if (this.threads[index] === thread) this.threads[index] = undefined;
      const stopped = new Error(
        `hook-call thread stopped (exit code ${code})${fault ? `: ${fault.message}` : ''}`,
      );
      for (const waiting of thread.waiting.values()) waiting.reject(stopped);
      thread.waiting.clear();
    });
    return thread;
  }
}

/** The configured threads (`CDS_CALL_THREADS`), or none when it is 0. */
export function configuredThreads(
  config: Config,
  clinicalConfig: ClinicalConfig,
): HookCallThreadPool | undefined {
  if (config.callThreads === 0) return undefined;
  const { fhir, maxPrefetchResources, publicUrl, jsonMaxDepth } = config;
  return new HookCallThreadPool({
    threads: config.callThreads,
    clinicalConfig,
    config: { fhir, maxPrefetchResources, publicUrl, jsonMaxDepth },
  });
}
