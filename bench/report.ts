import { benchConfig } from './servers.js';
import { THREAD_CALLS_ABOVE_BYTES } from '../src/main/hook-call-threads.js';
import type { AbRow, AbSettings } from './ab.js';
import type { ProfileResult } from './cpu-profile.js';
import type { EvaluationResult, PipelineStep } from './inprocess.js';
import type { LoadResult } from './load.js';
import type { MemoryResult } from './memory.js';
import type { ServerStats } from './monitor.js';
import type { Timing } from './timing.js';

/** The figures of one `npm run bench`, as written to bench/results/<timestamp>.json. */

export interface HttpRow extends LoadResult {
  id: string;
  label: string;
  /** Request body size in bytes. */
  bodyBytes: number;
  /** The floor row this one is compared with (same body, or one within a kilobyte). */
  floorId?: string;
  /** Requests per second relative to that floor. */
  vsFloor?: number;
  /** Card codes of one response checked before the load. */
  cards: string[];
  /** 200 responses during the untimed warm-up before the measured run. */
  warmupResponses2xx: number;
  /** This process's event loop and garbage collector during the measured run. */
  server: ServerStats;
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemoryMb: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  gitCommit: string;
  /** Files with uncommitted changes when the bench ran (the figures include them). */
  uncommittedFiles: string[];
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

/** What every results file begins with. */
export interface RunInfo {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: Machine;
}

/** `npm run bench -- --ab-only`: the A/B rows alone (and the profile with `--profile`). */
export interface AbResults extends RunInfo {
  abOnly: true;
  settings: { quick: boolean; ab: AbSettings };
  ab: AbRow[];
  profile?: ProfileResult;
  targets: Target[];
}

export interface Results extends RunInfo {
  settings: {
    /** `--quick`: every row briefly, a smoke run; not figures to compare. */
    quick: boolean;
    connections: number;
    pipelining: number;
    mainSeconds: number;
    scaleSeconds: number;
    fhirLatencyMs: number;
    memoryRequests: { first: number; total: number };
    ab: AbSettings;
  };
  http: HttpRow[];
  /** The service and the floor in child processes, A/B rounds (ab.ts). */
  ab: AbRow[];
  /** With `--profile`. */
  profile?: ProfileResult;
  fallback: {
    /** FHIR requests the replaying server received per hook call, and the most at once. */
    fhirRequestsPerCall: number;
    maxConcurrentFhirRequests: number;
  };
  feedbackStore: {
    hookCallsAnswered: number;
    hookCallRowsWritten: number;
    failedWrites: number;
    drainAfterLoadMs: number;
    /** One recordHookCall (a transaction of 1 + cards + suggestions inserts), in-process. */
    writeInProcess: Timing;
  };
  inProcess: EvaluationResult[];
  pipeline300: PipelineStep[];
  memory: MemoryResult;
  startup: { runsMs: number[]; medianMs: number; rssMb: number };
  targets: Target[];
}

// ---------------------------------------------------------------------------------------------
// Formatting

const fixed = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '—';

export const ms = (value: number): string => fixed(value, value < 10 ? 1 : 0);
export const us = (value: number): string => fixed(value, value < 100 ? 1 : 0);
const size = (bytes: number): string =>
  bytes >= 1024 * 1024
    ? `${fixed(bytes / 1024 / 1024, 1)} MB`
    : bytes >= 1024
      ? `${fixed(bytes / 1024, 0)} kB`
      : `${bytes} B`;

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

export function httpTable(rows: readonly HttpRow[]): string {
  return table(
    [
      'Row',
      'Body',
      'Conn',
      'Requests',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'Err/non-2xx',
      'vs floor',
      'GC %',
      'GC max ms',
    ],
    rows.map((row) => [
      row.label,
      size(row.bodyBytes),
      String(row.connections),
      String(row.requests),
      fixed(row.requestsPerSecond, row.requestsPerSecond < 10 ? 1 : 0),
      ms(row.latencyMs.p50),
      ms(row.latencyMs.p99),
      ms(row.latencyMs.max),
      `${row.errors + row.timeouts}/${row.non2xx}`,
      row.vsFloor === undefined ? '—' : fixed(row.vsFloor, 2),
      fixed(row.server.gc.totalMs / 10 / row.durationSeconds, 0),
      ms(row.server.gc.maxMs),
    ]),
  );
}

const perCent = (share: number): string => fixed(share * 100, 1);

export function abTable(rows: readonly AbRow[]): string {
  return table(
    [
      'Obs',
      'Body',
      'Requests S/F',
      'Service req/s',
      'Floor req/s',
      'Ratio',
      'CPU ms/req S',
      'CPU ms/req F',
      'Beyond floor ms/req',
      'GC % S',
      'GC % F',
      'GC share S÷F',
      'RSS MB',
      'Peak RSS MB',
      'Err/non-2xx S/F',
    ],
    rows.map((row) => [
      String(row.observations),
      size(row.bodyBytes),
      `${row.service.requests}/${row.floor.requests}`,
      fixed(row.service.requestsPerSecond, 0),
      fixed(row.floor.requestsPerSecond, 0),
      fixed(row.ratio, 2),
      fixed(row.service.cpuMsPerRequest, 2),
      fixed(row.floor.cpuMsPerRequest, 2),
      fixed(row.cpuMsBeyondFloor, 2),
      perCent(row.service.gcShare),
      perCent(row.floor.gcShare),
      fixed(row.gcShareVsFloor, 2),
      fixed(row.serviceRssMb, 0),
      fixed(row.servicePeakRssMb, 0),
      [row.service, row.floor]
        .map((side) => `${side.errors + side.timeouts}/${side.non2xx}`)
        .join(' '),
    ]),
  );
}

function abSection(rows: readonly AbRow[], settings: AbSettings): string {
  const run =
    settings.requestsPerConnection === undefined
      ? `${settings.rounds} rounds of ${settings.roundSeconds ?? 0} s per side`
      : `${settings.rounds} round(s) of ${settings.requestsPerConnection} requests per connection per side`;
  return [
    `A/B, child processes, ${settings.connections} connections (${run}, the side going first alternating; S = service, F = floor; CPU = the process's user + system time ÷ requests it received, all its threads; GC % = GC pause ms (all threads) ÷ CPU ms; RSS after the rounds, peak = maxRSS). The service's hook-call threads: ${benchConfig().callThreads} (CDS_CALL_THREADS), for bodies over ${THREAD_CALLS_ABOVE_BYTES / 1024} KiB`,
    abTable(rows),
  ].join('\n');
}

function profileSection(profile: ProfileResult | undefined): string[] {
  if (profile === undefined) return [];
  return [
    `CPU profile of the service child, patient-view ${profile.observations} obs, ${profile.requests} requests in ${fixed(profile.durationSeconds, 1)} s: ${profile.path}`,
    `Top ${profile.top.length} functions by self time (${fixed(profile.busyMs, 0)} ms sampled busy, ${fixed(profile.idleMs, 0)} ms idle left out)`,
    table(
      ['Self ms', '% busy', 'Function', 'Where'],
      profile.top.map((entry) => [
        fixed(entry.selfMs, 0),
        perCent(entry.share),
        entry.name,
        entry.location,
      ]),
    ),
    '',
  ];
}

export function inProcessTable(rows: readonly EvaluationResult[]): string {
  return table(
    [
      'Observations',
      'Iterations',
      'mean µs',
      'p50 µs',
      'p99 µs',
      'facts mean µs',
      'rules mean µs',
      'cards mean µs',
    ],
    rows.map((row) => [
      String(row.observations),
      String(row.total.iterations),
      us(row.total.meanUs),
      us(row.total.p50Us),
      us(row.total.p99Us),
      us(row.facts.meanUs),
      us(row.rules.meanUs),
      us(row.cards.meanUs),
    ]),
  );
}

export function pipelineTable(steps: readonly PipelineStep[]): string {
  return table(
    ['Step (300 Observations)', 'mean µs', 'p50 µs', 'p99 µs'],
    steps.map((step) => [
      step.step,
      us(step.timing.meanUs),
      us(step.timing.p50Us),
      us(step.timing.p99Us),
    ]),
  );
}

export function memoryTable(memory: MemoryResult): string {
  return table(
    ['After requests', 'RSS MB', 'heap used MB'],
    memory.snapshots.map((snapshot) => [
      String(snapshot.requests),
      fixed(snapshot.rssMb, 1),
      fixed(snapshot.heapUsedMb, 1),
    ]),
  );
}

export function targetsTable(targets: readonly Target[]): string {
  return table(
    ['Target', 'Goal', 'Measured', 'Met'],
    targets.map((target) => [target.name, target.goal, target.measured, target.met ? 'yes' : 'NO']),
  );
}

/** Extra time per request of the SQLite row over the plain row, from their throughputs. */
export function storeOverheadMs(http: readonly HttpRow[]): number {
  const plain = http.find((row) => row.id === 'patient-view-300');
  const stored = http.find((row) => row.id === 'patient-view-300-sqlite');
  if (!plain || !stored) return Number.NaN;
  return 1000 / stored.requestsPerSecond - 1000 / plain.requestsPerSecond;
}

function heading(results: RunInfo, quick: boolean, what: string): string[] {
  const { machine } = results;
  return [
    `B12 CDS Hooks benchmark${what}, ${results.startedAt} (${fixed(results.durationSeconds, 0)} s)${quick ? ', QUICK run: a smoke test, not figures to compare' : ''}`,
    `${machine.cpuModel}, ${machine.nproc} cores, Node ${machine.node}, load average at start ${machine.loadAverageAtStart.map((value) => fixed(value, 2)).join(' ')}`,
    `commit ${machine.gitCommit}${machine.uncommittedFiles.length > 0 ? ` + ${machine.uncommittedFiles.length} uncommitted file(s)` : ''}`,
    '',
  ];
}

export function abReport(results: AbResults): string {
  return [
    ...heading(results, results.settings.quick, ', A/B rows only'),
    abSection(results.ab, results.settings.ab),
    '',
    ...profileSection(results.profile),
    targetsTable(results.targets),
    '',
  ].join('\n');
}

export function report(results: Results): string {
  const { memory, feedbackStore, fallback, startup } = results;
  return [
    ...heading(results, results.settings.quick, ''),
    `HTTP (autocannon, pipelining 1; vs floor = req/s ÷ floor req/s with the same body; GC = this process's main-thread GC pauses during the run)`,
    httpTable(results.http),
    '',
    abSection(results.ab, results.settings.ab),
    '',
    `FHIR fallback: ${fixed(fallback.fhirRequestsPerCall, 2)} FHIR requests per hook call, at most ${fallback.maxConcurrentFhirRequests} in flight at once`,
    `Feedback store (SQLite): ${feedbackStore.hookCallRowsWritten}/${feedbackStore.hookCallsAnswered} hook calls written, ${feedbackStore.failedWrites} failed, drained ${ms(feedbackStore.drainAfterLoadMs)} ms after the load; one write in-process: mean ${us(feedbackStore.writeInProcess.meanUs)} µs, p99 ${us(feedbackStore.writeInProcess.p99Us)} µs; from req/s: ${fixed(storeOverheadMs(results.http), 2)} ms more per hook call`,
    '',
    'In-process evaluation, patient-view (handler: facts + rules + cards)',
    inProcessTable(results.inProcess),
    '',
    pipelineTable(results.pipeline300),
    '',
    `Memory, patient-view 300 Observations (peak RSS during load ${fixed(memory.peakRssMb, 1)} MB, load worker included)`,
    memoryTable(memory),
    `RSS growth from ${memory.snapshots[1]?.requests ?? 0} to ${memory.snapshots[2]?.requests ?? 0} requests: ${fixed(memory.growthPercent, 1)} %`,
    '',
    `Start-up of the built release to first GET /cds-services: ${startup.runsMs.map((value) => ms(value)).join(', ')} ms (median ${ms(startup.medianMs)} ms); RSS then ${startup.rssMb.toFixed(0)} MB`,
    '',
    ...profileSection(results.profile),
    targetsTable(results.targets),
    '',
  ].join('\n');
}
