import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { loadEvaluator } from '../evaluate.js';
import { evaluatePatient } from './evaluate-patient.js';
import type { PatientOutcome } from './evaluate-patient.js';
import type { Task, TaskResults, WorkerReply, WorkerSetup } from './pool.js';
import { siftBundle, siftRange } from './sift.js';

/**
 * A forecast worker thread (pool.ts starts it): the runtime is loaded once, as `b12-cds evaluate`
 * loads it (so `CDS_CLINICAL_CONFIG` applies), then each task the main thread sends is done and
 * answered. The release builds this module to dist/ beside pool.js (scripts/build.ts).
 */

const setup = workerData as WorkerSetup;
const evaluator = loadEvaluator(setup.env);
const sifting = { config: evaluator.clinicalConfig, shard: setup.shard };

async function perform(task: Task): Promise<TaskResults[Task['kind']]> {
  switch (task.kind) {
    case 'sift-range':
      return siftRange(task.file, task.range, sifting);
    case 'sift-bundle':
      return siftBundle(task.file, sifting);
    case 'evaluate': {
      const outcomes: PatientOutcome[] = [];
      for (const patient of task.patients) {
        outcomes.push(await evaluatePatient(patient, setup.plan, evaluator));
      }
      return outcomes;
    }
  }
}

parentPort?.on('message', ({ id, task }: { id: number; task: Task }) => {
  perform(task).then(
    (result) => {
      // Sifted bytes are handed over, not copied.
      const transfer = 'bytes' in result ? [result.bytes.buffer as ArrayBuffer] : [];
      parentPort?.postMessage({ id, result } satisfies WorkerReply, transfer);
    },
    (error: unknown) => {
      const input = error instanceof InputError;
      const message = input ? error.message : ((error as Error).stack ?? String(error));
      parentPort?.postMessage({ id, error: { message, input } } satisfies WorkerReply);
    },
  );
});
