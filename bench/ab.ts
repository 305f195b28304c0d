import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { body, checkOnce, codesOf, hookUrl } from './calls.js';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import type { ServerStats } from './monitor.js';
import type { GeneratedPatient } from './patient.js';
import type { Target } from './report.js';
import { ROOT } from './servers.js';

/**
 * The A/B rows: the service and the floor measured as an external harness measures them. Each
 * runs in its own child process (ab-process.ts); for each body size both are started, warmed up,
 * then loaded in turn for a few rounds, the side that goes first alternating, so drift on the
 * machine (another process, thermal state) falls on both. Around each measured run the child
 * reports what its process spent (CPU of all its threads, GC pauses), so the cost per request
 * beyond the floor is read directly instead of inferred from throughput.
 */

export type AbSide = 'service' | 'floor';

/** What the parent asks a child (see ab-process.ts). */
export type AbRequest = { type: 'begin' } | { type: 'end' } | { type: 'stop' };

/** What the child answers. */
export type AbReply =
  { type: 'listening'; baseUrl: string } | { type: 'begun' } | { type: 'stats'; stats: ChildStats };

/** One child process between `begin` and `end`. */
export interface ChildStats {
  /** process.cpuUsage(): user + system, all the process's threads, µs. */
  cpuUs: number;
  /** The main thread's GC pauses (PerformanceObserver 'gc'). */
  gc: ServerStats['gc'];
  /** Requests that reached the server, including those the load cut off at its end. */
  requestsReceived: number;
  /** At `end`: process.memoryUsage().rss, and process.resourceUsage().maxRSS (kB, lifetime). */
  rssBytes: number;
  maxRssKb: number;
}

export interface AbChild {
  side: AbSide;
  baseUrl: string;
  begin(): Promise<void>;
  end(): Promise<ChildStats>;
  /** Asks the child to close and exit; resolves with its exit code. */
  stop(): Promise<number | null>;
}

function nextReply<T extends AbReply['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<AbReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: AbReply): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<AbReply, { type: T }>);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`A/B child exited (${String(code)}) before answering ${type}`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Spawns ab-process.ts for `side` with this Node and tsx (as startFhirServerProcess does);
 * `nodeOptions` go before the script, e.g. `--cpu-prof`; `env` is added to this process's.
 */
export async function startAbChild(
  side: AbSide,
  nodeOptions: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<AbChild> {
  const child = spawn(
    process.execPath,
    [...nodeOptions, '--import', 'tsx', 'bench/ab-process.ts', side],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
  });
  const ask = async <T extends AbReply['type']>(
    request: AbRequest,
    type: T,
  ): Promise<Extract<AbReply, { type: T }>> => {
    const answer = nextReply(child, type);
    child.send(request);
    return answer;
  };
  const { baseUrl } = await nextReply(child, 'listening');
  return {
    side,
    baseUrl,
    begin: async () => {
      await ask({ type: 'begin' }, 'begun');
    },
    end: async () => (await ask({ type: 'end' }, 'stats')).stats,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.connected) {
        child.send({ type: 'stop' } satisfies AbRequest);
      }
      return exited;
    },
  };
}

export interface AbSettings {
  sizes: number[];
  connections: number;
  rounds: number;
  /** Each side's measured run per round: a time, or (quick runs) requests per connection. */
  roundSeconds?: number;
  requestsPerConnection?: number;
  /** Untimed load on each side before the rounds. */
  warmupSeconds: number;
}

/** One side's rounds summed. */
export interface AbSideResult {
  /** Completed requests (any status), as autocannon counts them, and the time they took. */
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requestsReceived: number;
  cpuMs: number;
  /** CPU ms ÷ requests received (the work counted in cpuMs). */
  cpuMsPerRequest: number;
  gcMs: number;
  /** GC pause ms ÷ CPU ms. */
  gcShare: number;
}

export interface AbRow {
  observations: number;
  bodyBytes: number;
  /** Card codes of the service's checked call. */
  cards: string[];
  service: AbSideResult;
  floor: AbSideResult;
  /** Service req/s ÷ floor req/s. */
  ratio: number;
  /** Service CPU ms/request − floor CPU ms/request. */
  cpuMsBeyondFloor: number;
  /** Service GC share ÷ floor GC share. */
  gcShareVsFloor: number;
  /** The service process after its last round: RSS, and the highest RSS it ever had. */
  serviceRssMb: number;
  servicePeakRssMb: number;
}

const MB = 1024 * 1024;

/** One measured run of one side. */
interface ChildRun {
  load: LoadResult;
  stats: ChildStats;
}

function sideResult(runs: readonly ChildRun[]): AbSideResult {
  const sum = (value: (run: ChildRun) => number): number =>
    runs.reduce((total, run) => total + value(run), 0);
  const requests = sum((run) => run.load.requests);
  const durationSeconds = sum((run) => run.load.durationSeconds);
  const requestsReceived = sum((run) => run.stats.requestsReceived);
  const cpuMs = sum((run) => run.stats.cpuUs) / 1000;
  const gcMs = sum((run) => run.stats.gc.totalMs);
  return {
    requests,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? requests / durationSeconds : 0,
    errors: sum((run) => run.load.errors),
    timeouts: sum((run) => run.load.timeouts),
    non2xx: sum((run) => run.load.non2xx),
    requestsReceived,
    cpuMs,
    cpuMsPerRequest: cpuMs / requestsReceived,
    gcMs,
    gcShare: gcMs / cpuMs,
  };
}

/** The child's stats taken around one load run. */
async function measure(child: AbChild, text: string, settings: AbSettings): Promise<ChildRun> {
  await child.begin();
  const load = await runLoad({
    url: hookUrl(child.baseUrl, 'patient-view'),
    body: text,
    connections: settings.connections,
    ...(settings.requestsPerConnection === undefined
      ? { duration: settings.roundSeconds }
      : { amount: settings.requestsPerConnection * settings.connections }),
  });
  return { load, stats: await child.end() };
}

/** Every size from 10 Observations up gets this card on patient-view (see patient.ts). */
const EXPECTED_CARD = 'b12-deficiency-treat';

async function abRow(
  observations: number,
  patient: GeneratedPatient,
  settings: AbSettings,
): Promise<AbRow> {
  const text = body('patient-view', patient);
  const [service, floor] = await Promise.all([startAbChild('service'), startAbChild('floor')]);
  try {
    const url = (child: AbChild): string => hookUrl(child.baseUrl, 'patient-view');
    const cards = codesOf(await checkOnce(url(service), text, EXPECTED_CARD));
    await checkOnce(url(floor), text, 'Benchmark');
    if (settings.warmupSeconds > 0) {
      for (const child of [service, floor]) {
        await runLoad({
          url: url(child),
          body: text,
          connections: settings.connections,
          duration: settings.warmupSeconds,
        });
      }
    }
    const runs = { service: [] as ChildRun[], floor: [] as ChildRun[] };
    for (let round = 0; round < settings.rounds; round++) {
      for (const child of round % 2 === 0 ? [service, floor] : [floor, service]) {
        runs[child.side].push(await measure(child, text, settings));
      }
    }
    const serviceResult = sideResult(runs.service);
    const floorResult = sideResult(runs.floor);
    const last = runs.service.at(-1)?.stats;
    return {
      observations,
      bodyBytes: Buffer.byteLength(text),
      cards,
      service: serviceResult,
      floor: floorResult,
      ratio: serviceResult.requestsPerSecond / floorResult.requestsPerSecond,
      cpuMsBeyondFloor: serviceResult.cpuMsPerRequest - floorResult.cpuMsPerRequest,
      gcShareVsFloor: serviceResult.gcShare / floorResult.gcShare,
      serviceRssMb: (last?.rssBytes ?? Number.NaN) / MB,
      servicePeakRssMb: ((last?.maxRssKb ?? Number.NaN) * 1024) / MB,
    };
  } finally {
    await Promise.all([service.stop(), floor.stop()]);
  }
}

/** The A/B rows, one per size; each size with a fresh pair of processes. */
export async function abRows(
  settings: AbSettings,
  patient: (observations: number) => GeneratedPatient,
  log: (message: string) => void,
): Promise<AbRow[]> {
  const rows: AbRow[] = [];
  for (const size of settings.sizes) {
    log(`A/B, child processes: patient-view ${size} obs, ${settings.rounds} round(s)`);
    rows.push(await abRow(size, patient(size), settings));
  }
  return rows;
}

export function abTargets(rows: readonly AbRow[]): Target[] {
  const row = (observations: number): AbRow => {
    const found = rows.find((candidate) => candidate.observations === observations);
    if (!found) throw new Error(`no A/B row for ${observations} observations`);
    return found;
  };
  const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;
  const at300 = row(300);
  const at10 = row(10);
  const errors = rows.reduce(
    (sum, item) =>
      sum +
      [item.service, item.floor].reduce(
        (side, result) => side + result.errors + result.timeouts + result.non2xx,
        0,
      ),
    0,
  );
  return [
    {
      name: 'A/B ratio at 300 obs (child processes)',
      goal: '≥ 0.8',
      measured: `${at300.ratio.toFixed(2)} (${at300.service.requestsPerSecond.toFixed(0)} vs ${at300.floor.requestsPerSecond.toFixed(0)} req/s)`,
      met: at300.ratio >= 0.8,
    },
    {
      name: 'A/B CPU beyond floor at 10 obs',
      goal: '≤ 0.5 ms/request',
      measured: `${at10.cpuMsBeyondFloor.toFixed(2)} ms/request (service ${at10.service.cpuMsPerRequest.toFixed(2)}, floor ${at10.floor.cpuMsPerRequest.toFixed(2)})`,
      met: at10.cpuMsBeyondFloor <= 0.5,
    },
    {
      name: 'A/B GC share at 300 obs',
      goal: "≤ 1.5 × floor's",
      measured: `${at300.gcShareVsFloor.toFixed(1)} × floor's (service ${percent(at300.service.gcShare)}, floor ${percent(at300.floor.gcShare)})`,
      met: at300.gcShareVsFloor <= 1.5,
    },
    {
      name: 'A/B errors',
      goal: 'none',
      measured: `${errors} errors, timeouts or non-2xx`,
      met: errors === 0,
    },
  ];
}
