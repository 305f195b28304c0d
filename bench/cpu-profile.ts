import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAbChild } from './ab.js';
import type { AbSettings } from './ab.js';
import { body, checkOnce, hookUrl } from './calls.js';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import type { GeneratedPatient } from './patient.js';
import { ROOT } from './servers.js';

/**
 * `--profile`: the service child of the A/B rows started with `--cpu-prof`, loaded with the
 * 300-Observation patient-view for as long as the A/B rounds load it (all rounds together),
 * then stopped so the profile is written. Its own process, apart from the A/B rows, so the
 * profiler's cost never reaches their figures. The hottest functions by self time are read
 * from the profile for the report, to see hot spots without a GUI.
 */

export interface ProfileFunction {
  name: string;
  /** The script relative to the repository, and the line where it means one. */
  location: string;
  selfMs: number;
  /** Of the sampled time the process was not idle. */
  share: number;
}

export interface ProfileResult {
  path: string;
  observations: number;
  requests: number;
  durationSeconds: number;
  /** Sampled time, idle left out. */
  busyMs: number;
  idleMs: number;
  top: ProfileFunction[];
}

/** The parts of V8's .cpuprofile (the Chrome DevTools Profile) read here. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

/**
 * The script, relative to the repository, and the line. tsx compiles each TypeScript file to a
 * single line, so for those only the file is named (the function's name finds it).
 */
const where = (url: string, line: number): string => {
  if (url === '') return '';
  const path = url.startsWith('file:') ? relative(ROOT, fileURLToPath(url)) : url;
  return path.endsWith('.ts') ? path : `${path}:${line + 1}`;
};

/**
 * Self time per function (a function's nodes in every call path summed). A sample lasts until
 * the next one, as DevTools counts it; the last until the profile's end.
 */
export function topSelfTime(
  profile: CpuProfile,
  count: number,
): Pick<ProfileResult, 'busyMs' | 'idleMs' | 'top'> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const times: number[] = [];
  let at = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((at += delta));
  const byFunction = new Map<string, { name: string; location: string; us: number }>();
  let idleUs = 0;
  let busyUs = 0;
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    const start = times[index] ?? profile.endTime;
    const us = Math.max(0, (times[index + 1] ?? profile.endTime) - start);
    if (frame === undefined) return;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      return;
    }
    busyUs += us;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}|${frame.columnNumber}`;
    const entry = byFunction.get(key) ?? {
      name: frame.functionName === '' ? '(anonymous)' : frame.functionName,
      location: where(frame.url, frame.lineNumber),
      us: 0,
    };
    entry.us += us;
    byFunction.set(key, entry);
  });
  const top = [...byFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map((entry) => ({
      name: entry.name,
      location: entry.location,
      selfMs: entry.us / 1000,
      share: entry.us / busyUs,
    }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, top };
}

const OBSERVATIONS = 300;
const TOP = 15;

export async function profileService(
  settings: AbSettings,
  patient: GeneratedPatient,
  dir: string,
  log: (message: string) => void,
): Promise<ProfileResult> {
  mkdirSync(dir, { recursive: true });
  const name = `service-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
  const path = join(dir, name);
  log(`profile: the service child with --cpu-prof, patient-view ${OBSERVATIONS} obs`);
  // Every call on the HTTP thread: a hook-call thread stopped with the server writes no profile,
  // and it runs the same code.
  const child = await startAbChild(
    'service',
    ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', name],
    { CDS_CALL_THREADS: '0' },
  );
  let load: LoadResult;
  let code: number | null;
  try {
    const url = hookUrl(child.baseUrl, 'patient-view');
    const text = body('patient-view', patient);
    await checkOnce(url, text, 'b12-deficiency-treat');
    if (settings.warmupSeconds > 0) {
      await runLoad({
        url,
        body: text,
        connections: settings.connections,
        duration: settings.warmupSeconds,
      });
    }
    load = await runLoad({
      url,
      body: text,
      connections: settings.connections,
      ...(settings.requestsPerConnection === undefined
        ? { duration: (settings.roundSeconds ?? 0) * settings.rounds }
        : { amount: settings.requestsPerConnection * settings.connections * settings.rounds }),
    });
  } finally {
    code = await child.stop();
  }
  if (code !== 0) throw new Error(`the profiled service exited with ${String(code)}`);
  if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) === 0) {
    throw new Error(`no profile written at ${path}`);
  }
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  return {
    path,
    observations: OBSERVATIONS,
    requests: load.requests,
    durationSeconds: load.durationSeconds,
    ...topSelfTime(profile, TOP),
  };
}
