import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import { recordedCard } from '../src/cds-hooks/cards.js';
import type { Card } from '../src/cds-hooks/cards.js';
import { sqliteDatabase } from '../src/feedback/database.js';
import { FeedbackStore } from '../src/feedback/store.js';
import { abRows, abTargets } from './ab.js';
import type { AbSettings } from './ab.js';
import { body, checkOnce, codesOf, hookUrl } from './calls.js';
import { profileService } from './cpu-profile.js';
import type { ProfileResult } from './cpu-profile.js';
import { evaluationTimes, pipelineSteps } from './inprocess.js';
import type { EvaluationResult } from './inprocess.js';
import { CONNECTIONS, runLoad } from './load.js';
import { memoryRun } from './memory.js';
import { startMonitor } from './monitor.js';
import { allResources, generatePatient } from './patient.js';
import type { GeneratedPatient } from './patient.js';
import { ORDER_HOOKS } from '../src/cds-hooks/hooks.js';
import { abReport, report } from './report.js';
import type { AbResults, HttpRow, Machine, Results, RunInfo, Target } from './report.js';
import { ROOT, startFhirServerProcess, startFloor, startService } from './servers.js';
import type { FhirServerMode, Running } from './servers.js';
import { buildRelease } from '../scripts/build.js';
import { startup as startOnce } from './startup.js';
import { quantile, timeIt } from './timing.js';
import type { TimingOptions } from './timing.js';

/**
 * `npm run bench`: the service in this process on a random loopback port, load from an
 * autocannon worker thread, results printed and written to bench/results/<timestamp>.json.
 * The A/B rows run the service and the floor in child processes instead (ab.ts).
 * See docs/performance.md for what each row measures and the targets.
 */

/**
 * `--quick` runs every row briefly: a smoke run (the test suite runs it) whose figures are not
 * for comparison. Otherwise the full run that docs/performance.md reports.
 */
const QUICK = process.argv.includes('--quick');
/** Only the A/B rows: a short loop for whoever is making the service faster. */
const AB_ONLY = process.argv.includes('--ab-only');
/** Also a CPU profile of the service child under the 300-Observation load (cpu-profile.ts). */
const PROFILE = process.argv.includes('--profile');
const AB_SIZES = [10, 100, 300, 1000];

const FULL = {
  mainSeconds: 8,
  scaleSeconds: 4,
  warmupSeconds: 2,
  scaleWarmupSeconds: 1,
  /** The 10,000-Observation rows send this many requests instead of running for a time. */
  largeAmount: 64,
  memoryFirst: 10_000,
  /** Overridable with BENCH_MEMORY_REQUESTS; the results record the number used. */
  memoryTotal: Number(process.env.BENCH_MEMORY_REQUESTS ?? 100_000),
  startupRuns: 5,
  /** Requests per connection instead of a timed run, for every HTTP row (quick runs). */
  requestsPerConnection: undefined as number | undefined,
  inProcess: {} as TimingOptions,
  inProcessLarge: { minIterations: 20, minWarmup: 5, measureMs: 3000 } as TimingOptions,
  ab: {
    sizes: AB_SIZES,
    connections: CONNECTIONS,
    rounds: 3,
    roundSeconds: 3,
    warmupSeconds: 1,
  } as AbSettings,
};
const SETTINGS: typeof FULL = QUICK
  ? {
      mainSeconds: 1,
      scaleSeconds: 1,
      warmupSeconds: 0,
      scaleWarmupSeconds: 0,
      largeAmount: CONNECTIONS,
      memoryFirst: 500,
      memoryTotal: 1000,
      startupRuns: 1,
      requestsPerConnection: 2,
      inProcess: { warmupMs: 50, minWarmup: 2, measureMs: 100, minIterations: 3 },
      inProcessLarge: { warmupMs: 0, minWarmup: 1, measureMs: 0, minIterations: 3 },
      ab: {
        sizes: AB_SIZES,
        connections: CONNECTIONS,
        rounds: 1,
        requestsPerConnection: 2,
        warmupSeconds: 0,
      },
    }
  : FULL;
const FHIR_LATENCY_MS = 20;
const SCALE = [10, 100, 1000, 10_000] as const;
// autocannon needs at least one request per connection in each phase.
if (
  !Number.isInteger(SETTINGS.memoryTotal) ||
  SETTINGS.memoryTotal < SETTINGS.memoryFirst + CONNECTIONS
) {
  throw new Error(
    `BENCH_MEMORY_REQUESTS must be a whole number of at least ${SETTINGS.memoryFirst + CONNECTIONS}`,
  );
}
const FALLBACK_PROBE_CALLS = 5;
/** Where results are written; the smoke test points it at a temporary directory. */
const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(ROOT, 'bench', 'results');
const PROFILE_DIR = join(RESULTS_DIR, 'profiles');

const benchStart = performance.now();
const progress = (message: string): void => {
  const seconds = ((performance.now() - benchStart) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${seconds} s] ${message}\n`);
};

interface RowSpec {
  id: string;
  label: string;
  url: string;
  body: string;
  expected: string;
  floorId?: string;
  connections?: number;
  seconds?: number;
  amount?: number;
  warmupSeconds?: number;
}

async function httpRow(spec: RowSpec): Promise<HttpRow> {
  progress(spec.label);
  const cards = codesOf(await checkOnce(spec.url, spec.body, spec.expected));
  const connections = spec.connections ?? CONNECTIONS;
  const warmup = spec.warmupSeconds ?? SETTINGS.warmupSeconds;
  const warmupRun =
    warmup > 0
      ? await runLoad({ url: spec.url, body: spec.body, connections, duration: warmup })
      : undefined;
  const stop = startMonitor();
  const amount =
    spec.amount ??
    (SETTINGS.requestsPerConnection === undefined
      ? undefined
      : SETTINGS.requestsPerConnection * connections);
  const result = await runLoad({
    url: spec.url,
    body: spec.body,
    connections,
    ...(amount === undefined ? { duration: spec.seconds ?? SETTINGS.mainSeconds } : { amount }),
  });
  const server = stop();
  return {
    id: spec.id,
    label: spec.label,
    bodyBytes: Buffer.byteLength(spec.body),
    ...(spec.floorId === undefined ? {} : { floorId: spec.floorId }),
    cards,
    warmupResponses2xx: warmupRun?.statusCodes['200'] ?? 0,
    server,
    ...result,
  };
}

function machine(loadAverageAtStart: number[]): Machine {
  const run = (command: string, args: string[], trim = true): string => {
    try {
      const output = execFileSync(command, args, { cwd: ROOT, encoding: 'utf8' });
      return trim ? output.trim() : output;
    } catch {
      return '';
    }
  };
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: Number(run('nproc', [])) || os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    node: process.versions.node,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg(),
    gitCommit: run('git', ['rev-parse', '--short', 'HEAD']),
    // Porcelain lines are `XY path`: the status columns may be blank, so the line is not trimmed.
    uncommittedFiles: run('git', ['status', '--porcelain'], false)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.slice(3)),
  };
}

async function fhirFallbackStats(
  baseUrl: string,
  reset: boolean,
): Promise<{ requests: number; maxInFlight: number }> {
  const origin = new URL(baseUrl).origin;
  const response = await fetch(`${origin}/__stats${reset ? '?reset=1' : ''}`);
  return (await response.json()) as { requests: number; maxInFlight: number };
}

async function withFhirServer<T>(
  resourcesPath: string,
  mode: FhirServerMode,
  work: (server: Running) => Promise<T>,
): Promise<T> {
  const server = await startFhirServerProcess(resourcesPath, FHIR_LATENCY_MS, mode);
  try {
    return await work(server);
  } finally {
    await server.close();
  }
}

function targets(
  http: readonly HttpRow[],
  inProcess: readonly EvaluationResult[],
  results: Pick<Results, 'memory' | 'startup' | 'fallback'>,
): Target[] {
  const row = (id: string): HttpRow => {
    const found = http.find((candidate) => candidate.id === id);
    if (!found) throw new Error(`no row ${id}`);
    return found;
  };
  const evaluation = (observations: number): EvaluationResult => {
    const found = inProcess.find((candidate) => candidate.observations === observations);
    if (!found) throw new Error(`no in-process result for ${observations}`);
    return found;
  };
  const pv = row('patient-view-300');
  const ratio = pv.vsFloor ?? 0;
  const inProcessGrowth = evaluation(10_000).total.meanUs / evaluation(1000).total.meanUs;
  const httpGrowth = row('scale-1000').requestsPerSecond / row('scale-10000').requestsPerSecond;
  const fallback = row('fallback-32');
  const errors = http.reduce((sum, item) => sum + item.errors + item.timeouts + item.non2xx, 0);
  const memoryErrors = results.memory.runs.reduce(
    (sum, item) => sum + item.errors + item.timeouts + item.non2xx,
    0,
  );
  return [
    {
      name: 'patient-view 300 obs throughput',
      goal: '≥ 0.8 × floor',
      measured: `${ratio.toFixed(2)} × floor (${pv.requestsPerSecond.toFixed(0)} req/s)`,
      met: ratio >= 0.8,
    },
    {
      name: 'patient-view 300 obs p99 at 32 connections',
      goal: '< 20 ms',
      measured: `${pv.latencyMs.p99} ms`,
      met: pv.latencyMs.p99 < 20,
    },
    {
      name: 'in-process evaluation, 300 obs',
      goal: '< 1 ms (mean)',
      measured: `${(evaluation(300).total.meanUs / 1000).toFixed(3)} ms`,
      met: evaluation(300).total.meanUs < 1000,
    },
    {
      name: 'growth 1,000 → 10,000 obs',
      goal: 'no worse than linear (≤ ×10)',
      measured: `in-process ×${inProcessGrowth.toFixed(1)}, HTTP time per request ×${httpGrowth.toFixed(1)}`,
      met: inProcessGrowth <= 10 && httpGrowth <= 10,
    },
    {
      // The latency target: one call at a time. At 32 connections the queue in front of a CPU-bound
      // service sets the latency, as in the prefetch rows; that row is reported beside it.
      name: 'FHIR fallback p50, one call at a time',
      goal: '< 35 ms (20 ms FHIR latency + 15 ms)',
      measured: `${row('fallback-1').latencyMs.p50} ms; ${results.fallback.maxConcurrentFhirRequests} of ${results.fallback.fhirRequestsPerCall} FHIR requests at once; 32 connections: ${fallback.latencyMs.p50} ms`,
      met: row('fallback-1').latencyMs.p50 < 35,
    },
    {
      name: 'errors',
      goal: 'none',
      measured: `${errors + memoryErrors} errors, timeouts or non-2xx`,
      met: errors + memoryErrors === 0,
    },
    {
      name: `RSS after ${results.memory.snapshots[2]?.requests ?? 0} vs after ${results.memory.snapshots[1]?.requests ?? 0} requests`,
      goal: 'within 20 %',
      measured: `${results.memory.growthPercent >= 0 ? '+' : ''}${results.memory.growthPercent.toFixed(1)} %`,
      met: Math.abs(results.memory.growthPercent) <= 20,
    },
    {
      name: 'start-up (median)',
      goal: '< 0.5 s',
      measured: `${(results.startup.medianMs / 1000).toFixed(2)} s`,
      met: results.startup.medianMs < 500,
    },
  ];
}

async function main(): Promise<void> {
  const started = new Date();
  const startedMs = performance.now();
  const loadAverageAtStart = os.loadavg();
  const work = mkdtempSync(join(os.tmpdir(), 'b12-bench-'));
  progress(`generating patients (scratch files in ${work})`);
  const patient = patients([...SCALE, 300]);
  const p300 = patient(300);
  const pv300 = body('patient-view', p300);

  const service = await startService();
  const floor = await startFloor();
  const http: HttpRow[] = [];
  try {
    // Memory first, on the fresh service: before, after 10k, after 100k.
    progress(`memory: ${SETTINGS.memoryTotal} patient-view requests (300 Observations)`);
    await checkOnce(hookUrl(service.baseUrl, 'patient-view'), pv300, 'b12-deficiency-treat');
    const memory = await memoryRun(
      hookUrl(service.baseUrl, 'patient-view'),
      pv300,
      SETTINGS.memoryFirst,
      SETTINGS.memoryTotal,
    );

    // Floor and the service with the same body, one after the other.
    http.push(
      await httpRow({
        id: 'floor-300',
        label: 'Floor (patient-view 300 obs body)',
        url: hookUrl(floor.baseUrl, 'patient-view'),
        body: pv300,
        expected: 'Benchmark',
      }),
      await httpRow({
        id: 'patient-view-300',
        label: 'patient-view, 300 obs, full prefetch',
        url: hookUrl(service.baseUrl, 'patient-view'),
        body: pv300,
        expected: 'b12-deficiency-treat',
        floorId: 'floor-300',
      }),
    );

    // The same with the SQLite feedback store recording every hook call.
    const storeDir = mkdtempSync(join(work, 'store-'));
    const storePath = join(storeDir, 'feedback.sqlite');
    const store = await FeedbackStore.open(sqliteDatabase(storePath));
    const withStore = await startService(store);
    const sampleCards = await checkOnce(
      hookUrl(service.baseUrl, 'patient-view'),
      pv300,
      'b12-deficiency-treat',
    );
    let feedbackStore: Results['feedbackStore'];
    try {
      const row = await httpRow({
        id: 'patient-view-300-sqlite',
        label: 'patient-view, 300 obs, + SQLite feedback store',
        url: hookUrl(withStore.baseUrl, 'patient-view'),
        body: pv300,
        expected: 'b12-deficiency-treat',
        floorId: 'floor-300',
      });
      http.push(row);
      const health = (await (await fetch(`${withStore.baseUrl}/healthz`)).json()) as {
        feedbackStore: { failedWrites: number };
      };
      const answered = withStore.answered();
      await withStore.close();
      const drainStart = performance.now();
      await store.close();
      const drainAfterLoadMs = performance.now() - drainStart;
      const reader = new DatabaseSync(storePath, { readOnly: true });
      const written = reader.prepare('SELECT count(*) AS n FROM hook_calls').get() as { n: number };
      reader.close();
      // Every 200 was a hook call to record, including those answered after a run stopped counting.
      feedbackStore = {
        hookCallsAnswered: answered,
        hookCallRowsWritten: written.n,
        failedWrites: health.feedbackStore.failedWrites,
        drainAfterLoadMs,
        writeInProcess: await storeWriteTiming(join(storeDir, 'write.sqlite'), sampleCards),
      };
    } finally {
      await withStore.close().catch(() => undefined);
    }

    for (const hook of ORDER_HOOKS) {
      http.push(
        await httpRow({
          id: `${hook}-300`,
          label: `${hook}, 300 obs, folic acid 5 mg draft`,
          url: hookUrl(service.baseUrl, hook),
          body: body(hook, p300),
          expected: 'folate-order-b12-untreated',
          floorId: 'floor-300',
        }),
      );
    }

    // The scale series: each size against its own floor.
    for (const size of SCALE) {
      const text = body('patient-view', patient(size));
      const large = size >= 10_000;
      const timing = large
        ? { amount: SETTINGS.largeAmount, warmupSeconds: 0 }
        : { seconds: SETTINGS.scaleSeconds, warmupSeconds: SETTINGS.scaleWarmupSeconds };
      http.push(
        await httpRow({
          id: `floor-${size}`,
          label: `Floor (${size} obs body)`,
          url: hookUrl(floor.baseUrl, 'patient-view'),
          body: text,
          expected: 'Benchmark',
          ...timing,
        }),
        await httpRow({
          id: `scale-${size}`,
          label: `patient-view, ${size} obs`,
          url: hookUrl(service.baseUrl, 'patient-view'),
          body: text,
          expected: 'b12-deficiency-treat',
          floorId: `floor-${size}`,
          ...timing,
        }),
      );
    }

    // FHIR-server fallback: no prefetch, every key fetched with 20 ms latency.
    const resourcesPath = join(work, 'patient-300.json');
    writeFileSync(resourcesPath, JSON.stringify(allResources(p300)));
    const fallback = await withFhirServer(resourcesPath, 'replay', async (fhir) => {
      const text = body('patient-view', p300, fhir.baseUrl);
      http.push(
        await httpRow({
          id: 'floor-fallback',
          label: 'Floor (fallback body, no prefetch)',
          url: hookUrl(floor.baseUrl, 'patient-view'),
          body: text,
          expected: 'Benchmark',
          seconds: SETTINGS.scaleSeconds,
          warmupSeconds: SETTINGS.scaleWarmupSeconds,
        }),
      );
      const url = hookUrl(service.baseUrl, 'patient-view');
      const many = await httpRow({
        id: 'fallback-32',
        label: `FHIR fallback, 300 obs, ${FHIR_LATENCY_MS} ms per FHIR request`,
        url,
        body: text,
        expected: 'b12-deficiency-treat',
        floorId: 'floor-fallback',
      });
      http.push(many);
      const one = await httpRow({
        id: 'fallback-1',
        label: `FHIR fallback, 300 obs, ${FHIR_LATENCY_MS} ms, 1 connection`,
        url,
        body: text,
        expected: 'b12-deficiency-treat',
        floorId: 'floor-fallback',
        connections: 1,
        seconds: SETTINGS.scaleSeconds,
        warmupSeconds: 0,
      });
      http.push(one);
      // Calls one at a time: the FHIR requests each makes, and how many overlap. The call in
      // flight when the run stopped finishes first.
      await delay(500);
      await fhirFallbackStats(fhir.baseUrl, true);
      for (let i = 0; i < FALLBACK_PROBE_CALLS; i++)
        await checkOnce(url, text, 'b12-deficiency-treat');
      const stats = await fhirFallbackStats(fhir.baseUrl, false);
      return {
        fhirRequestsPerCall: stats.requests / FALLBACK_PROBE_CALLS,
        maxConcurrentFhirRequests: stats.maxInFlight,
      };
    });
    await withFhirServer(resourcesPath, 'direct', async (fhir) => {
      http.push(
        await httpRow({
          id: 'fallback-direct-1',
          label: `FHIR fallback, test FHIR server searching live, 1 connection`,
          url: hookUrl(service.baseUrl, 'patient-view'),
          body: body('patient-view', p300, fhir.baseUrl),
          expected: 'b12-deficiency-treat',
          floorId: 'floor-fallback',
          connections: 1,
          seconds: SETTINGS.scaleSeconds,
          warmupSeconds: 0,
        }),
      );
    });

    for (const row of http) {
      const base = http.find((candidate) => candidate.id === row.floorId);
      if (base) row.vsFloor = row.requestsPerSecond / base.requestsPerSecond;
    }

    const ab = await abRows(SETTINGS.ab, patient, progress);

    progress('in-process evaluation');
    const inProcess: EvaluationResult[] = [];
    for (const size of [10, 100, 300, 1000, 10_000]) {
      inProcess.push(
        await evaluationTimes(
          patient(size),
          size >= 10_000 ? SETTINGS.inProcessLarge : SETTINGS.inProcess,
        ),
      );
    }
    const pipeline300 = await pipelineSteps(p300, SETTINGS.inProcess);

    progress('start-up (the built release)');
    await buildRelease();
    const starts = [];
    for (let i = 0; i < SETTINGS.startupRuns; i++) starts.push(await startOnce());
    const median = (values: number[]): number =>
      quantile(
        [...values].sort((a, b) => a - b),
        0.5,
      );
    const runsMs = starts.map((start) => start.ms);
    const startup = {
      runsMs,
      medianMs: median(runsMs),
      rssMb: median(starts.map((start) => start.rssMb)),
    };

    const results: Results = {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      durationSeconds: (performance.now() - startedMs) / 1000,
      machine: machine(loadAverageAtStart),
      settings: {
        quick: QUICK,
        connections: CONNECTIONS,
        pipelining: 1,
        mainSeconds: SETTINGS.mainSeconds,
        scaleSeconds: SETTINGS.scaleSeconds,
        fhirLatencyMs: FHIR_LATENCY_MS,
        memoryRequests: { first: SETTINGS.memoryFirst, total: SETTINGS.memoryTotal },
        ab: SETTINGS.ab,
      },
      http,
      ab,
      ...(await profile(patient)),
      fallback,
      feedbackStore,
      inProcess,
      pipeline300,
      memory,
      startup,
      targets: [...targets(http, inProcess, { memory, startup, fallback }), ...abTargets(ab)],
    };
    write(results, report(results));
  } finally {
    await service.close();
    await floor.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The cost of recording one hook call in-process, with the cards of a real answer. */
async function storeWriteTiming(
  path: string,
  cards: readonly Card[],
): Promise<Results['feedbackStore']['writeInProcess']> {
  const store = await FeedbackStore.open(sqliteDatabase(path));
  // Card and suggestion uuids are primary keys: every call records fresh ones, as the service does.
  const fresh = (): Card[] =>
    cards.map((card) => ({
      ...card,
      uuid: randomUUID(),
      ...(card.suggestions
        ? {
            suggestions: card.suggestions.map((suggestion) => ({
              ...suggestion,
              uuid: randomUUID(),
            })),
          }
        : {}),
    }));
  try {
    return await timeIt(
      () =>
        store.recordHookCall({
          serviceId: 'b12-patient-view',
          hook: 'patient-view',
          hookInstance: randomUUID(),
          at: new Date(),
          issuer: undefined,
          cards: fresh().map(recordedCard),
        }),
      { warmupMs: 200, measureMs: 1000 },
    );
  } finally {
    await store.close();
  }
}

/** The patients of the given sizes, generated once; the lookup throws for any other size. */
function patients(sizes: readonly number[]): (size: number) => GeneratedPatient {
  const generated = new Map<number, GeneratedPatient>(
    sizes.map((size) => [size, generatePatient({ observations: size })]),
  );
  return (size) => {
    const found = generated.get(size);
    if (!found) throw new Error(`no patient with ${size} observations`);
    return found;
  };
}

/** With `--profile`, the profile of the service child; it runs after every measured row. */
async function profile(
  patient: (size: number) => GeneratedPatient,
): Promise<{ profile?: ProfileResult }> {
  if (!PROFILE) return {};
  return { profile: await profileService(SETTINGS.ab, patient(300), PROFILE_DIR, progress) };
}

function write(results: RunInfo, text: string): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${text}\nWritten to ${file}\n`);
}

/** `--ab-only`: the A/B rows (and the profile), with their own targets. */
async function abOnly(): Promise<void> {
  const started = new Date();
  const startedMs = performance.now();
  const loadAverageAtStart = os.loadavg();
  const patient = patients(SETTINGS.ab.sizes);
  const ab = await abRows(SETTINGS.ab, patient, progress);
  const profiled = await profile(patient);
  const results: AbResults = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    durationSeconds: (performance.now() - startedMs) / 1000,
    machine: machine(loadAverageAtStart),
    abOnly: true,
    settings: { quick: QUICK, ab: SETTINGS.ab },
    ab,
    ...profiled,
    targets: abTargets(ab),
  };
  write(results, abReport(results));
}

await (AB_ONLY ? abOnly() : main());
