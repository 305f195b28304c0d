import { PerformanceObserver } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { b12Services } from '../../cds-services/index.js';
import { answerHookCall, answerOfError } from '../cds-hooks/hook-call-answer.js';
import type { HookCallAnswer, ThreadedHookCall } from '../cds-hooks/hook-call-answer.js';
import { serviceRegistry } from '../cds-hooks/service.js';
import { jsonRefusal } from '../http/json-body.js';
import { JsonReadError, parseJsonBytes } from '../http/read-json.js';
import type {
  GcPauses,
  HookCallThreadData,
  ThreadAnswer,
  ThreadRequest,
} from './hook-call-threads.js';

/**
 * A hook-call thread (see hook-call-threads.ts): parses a call's body and answers it with the
 * services built from the same clinical configuration as the HTTP thread's. A body of any size
 * within the limit is parsed at once: this thread blocks only itself.
 */

const port = parentPort as MessagePort;
const { clinicalConfig, config } = workerData as HookCallThreadData;
const registry = serviceRegistry(b12Services(clinicalConfig));

/** GC pauses, observed from the first time they are asked for (only the benchmark asks). */
let gc: GcPauses | undefined;

function observeGc(): GcPauses {
  const pauses = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const { duration } of list.getEntries()) {
      pauses.count += 1;
      pauses.totalMs += duration;
      pauses.maxMs = Math.max(pauses.maxMs, duration);
    }
  }).observe({ entryTypes: ['gc'] });
  return pauses;
}

async function answer({
  serviceId,
  chunks,
  allowedServers,
  now,
}: ThreadedHookCall): Promise<HookCallAnswer> {
  const service = registry.get(serviceId);
  if (!service)
    return answerOfError(new Error(`no service '${serviceId}' on this thread`), undefined);
  let body: unknown;
  try {
    body = parseJsonBytes(chunks, config.jsonMaxDepth);
  } catch (error) {
    const refusal =
      error instanceof JsonReadError ? jsonRefusal(error.problem, config.jsonMaxDepth) : error;
    return answerOfError(refusal, undefined);
  }
  return answerHookCall(service, body, { config, allowedServers, now: () => now });
}

const reply = (message: ThreadAnswer): void => {
  port.postMessage(message);
};

port.on('message', (request: ThreadRequest) => {
  if (request.type === 'gc') {
    gc ??= observeGc();
    reply({ id: request.id, gc });
    return;
  }
  void answer(request.call).then((result) => {
    try {
      reply({ id: request.id, answer: result });
    } catch (error) {
      // A value that cannot be cloned is a fault of the service: the caller gets its 500.
      reply({ id: request.id, answer: answerOfError(error, result.loggedHookInstance) });
    }
  });
});
