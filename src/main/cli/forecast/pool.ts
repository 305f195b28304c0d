import { Worker } from 'node:worker_threads';
import type { Shard } from '../args.js';
import { InputError } from '../errors.js';
import { threadModule } from '../../thread-module.js';
import type { ByteRange } from './file-ranges.js';
import type { ForecastPlan, PatientOutcome } from './evaluate-patient.js';
import type { PatientData } from './group.js';
import type { Sifted } from './sift.js';

/**
 * The forecast's worker threads: each loads the runtime once (worker.ts), then reads and sifts
 * ranges of files and evaluates patients as the main thread asks. A task goes to the worker with
 * the fewest in flight; {@link WorkerPool.ready} holds the main thread back while every worker
 * has two, so no more is read than the workers can take.
 */

export type Task =
  | { kind: 'sift-range'; file: string; range: ByteRange }
  | { kind: 'sift-bundle'; file: string }
  | { kind: 'evaluate'; patients: PatientData[] };

export interface TaskResults {
  'sift-range': Sifted;
  'sift-bundle': Sifted;
  evaluate: PatientOutcome[];
}

/** What every worker is started with. */
export interface WorkerSetup {
  env: NodeJS.ProcessEnv;
  shard: Shard | undefined;
  plan: ForecastPlan;
}

export type WorkerReply =
  | { id: number; result: TaskResults[Task['kind']] }
  | { id: number; error: { message: string; input: boolean } };

/** Tasks in flight per worker before the main thread waits: one running, one queued. */
const IN_FLIGHT = 2;

interface Pending {
  resolve: (result: never) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class WorkerPool {
  private readonly slots: Slot[];
  private nextId = 0;
  private failure: Error | undefined;
  private waiting: (() => void)[] = [];
  private closing = false;

  constructor(size: number, setup: WorkerSetup) {
    const { url, execArgv } = threadModule(import.meta.url, 'worker');
    this.slots = Array.from({ length: size }, () => {
      const worker = new Worker(url, { workerData: setup, ...(execArgv ? { execArgv } : {}) });
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (reply: WorkerReply) => {
        this.settle(slot, reply);
      });
      worker.on('error', (error: Error) => {
        this.fail(error);
      });
      worker.on('exit', (code) => {
        if (!this.closing && slot.pending.size > 0) {
          this.fail(new Error(`a forecast worker stopped (exit ${code})`));
        }
      });
      return slot;
    });
  }

  private inFlight(): number {
    return this.slots.reduce((sum, slot) => sum + slot.pending.size, 0);
  }

  private settle(slot: Slot, reply: WorkerReply): void {
    const pending = slot.pending.get(reply.id);
    if (pending === undefined) return;
    slot.pending.delete(reply.id);
    if ('error' in reply) {
      // An input problem keeps its one-line message; anything else is a bug, with its stack.
      pending.reject(
        reply.error.input ? new InputError(reply.error.message) : new Error(reply.error.message),
      );
    } else {
      pending.resolve(reply.result as never);
    }
    this.wake();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const slot of this.slots) {
      for (const pending of slot.pending.values()) pending.reject(error);
      slot.pending.clear();
    }
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resume of waiting) resume();
  }

  /** Resolves once a task can be given without queueing more than two per worker. */
  async ready(): Promise<void> {
    while (this.failure === undefined && this.inFlight() >= IN_FLIGHT * this.slots.length) {
      await new Promise<void>((resume) => this.waiting.push(resume));
    }
    if (this.failure) throw this.failure;
  }

  /** Runs a task on the worker with the fewest in flight; `transfer` is handed over, not copied. */
  run<K extends Task['kind']>(
    task: Extract<Task, { kind: K }>,
    transfer: ArrayBuffer[] = [],
  ): Promise<TaskResults[K]> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.slots.reduce((best, candidate) =>
      candidate.pending.size < best.pending.size ? candidate : best,
    );
    const id = this.nextId++;
    return new Promise<TaskResults[K]>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, task }, transfer);
    });
  }

  /** Stops the workers; tasks still in flight are never answered. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
