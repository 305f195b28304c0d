import { execFileSync } from 'node:child_process';
import {
  createWriteStream,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildRelease, DIST } from '../scripts/build.js';
import { BULK_EXPORT } from '../scripts/bulk-fixture.js';

/**
 * `npx tsx bench/forecast.ts [--copies N] [--workers N] [--hooks h1,h2 --draft d] [--keep]`:
 * the speed and memory of `b12-cds forecast` on a large Bulk export. The Synthea export of
 * fixtures/bulk-export is written N times (default 500) to a temporary folder, each copy with
 * new ids (every id and reference gets a `-<copy>` suffix), every type included (Claim and
 * ExplanationOfBenefit too, which the forecast never opens); then the release (dist/) forecasts
 * it in a child process, which reports its time and peak resident memory (its
 * `process.resourceUsage().maxRSS`: the worker threads are in the same process).
 */

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
const COPIES = Number(argument('--copies') ?? 500);
const WORKERS = argument('--workers');
const HOOKS = argument('--hooks') ?? 'patient-view';
const DRAFT = argument('--draft');
const KEEP = process.argv.includes('--keep');
const DATE = '2026-12-07';

/** A FHIR id in the Synthea export: a UUID. */
const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Writes `copies` copies of the export's files to `folder`; the bytes written. */
async function writeExport(folder: string, copies: number): Promise<number> {
  let bytes = 0;
  for (const name of readdirSync(BULK_EXPORT).filter((file) => file.endsWith('.ndjson'))) {
    const text = readFileSync(join(BULK_EXPORT, name), 'utf8').trimEnd();
    const out = createWriteStream(join(folder, name));
    for (let copy = 1; copy <= copies; copy++) {
      if (!out.write(`${text.replace(ID, `$&-${copy}`)}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    bytes += statSync(join(folder, name)).size;
  }
  return bytes;
}

interface Measured {
  seconds: number;
  patients: number;
  maxRssMb: number;
}

/** The release's forecast of `folder`, in a child process of its own. */
function measure(folder: string): Measured {
  const forecast = pathToFileURL(join(DIST, 'src/main/cli/forecast/forecast.js')).href;
  const command = {
    name: 'forecast',
    inputs: [folder],
    hooks: HOOKS.split(','),
    draft: DRAFT,
    date: DATE,
    workers: WORKERS === undefined ? undefined : Number(WORKERS),
    shard: undefined,
    json: true,
    html: undefined,
    progress: true,
    sum: false,
  };
  const script = `
    const { forecastOf } = await import(${JSON.stringify(forecast)});
    const started = performance.now();
    const forecast = await forecastOf(${JSON.stringify(command)}, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    console.log(JSON.stringify({
      seconds: (performance.now() - started) / 1000,
      patients: forecast.patients,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }));`;
  // A file, not `--eval`: worker threads inherit the process's flags, `--input-type` too.
  const file = join(folder, 'measure.mjs');
  writeFileSync(file, script);
  const output = execFileSync(process.execPath, [file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Measured;
}

await buildRelease();
const folder = mkdtempSync(join(tmpdir(), 'b12-forecast-bench-'));
try {
  const bytes = await writeExport(folder, COPIES);
  // Written pages still being flushed to disk would slow the reading down unevenly.
  execFileSync('sync');
  const read = readdirSync(folder)
    .filter((name) =>
      /^(Patient|Observation|Condition|Procedure|Medication\w*)\.ndjson$/.test(name),
    )
    .reduce((sum, name) => sum + statSync(join(folder, name)).size, 0);
  const result = measure(folder);
  const cores = availableParallelism();
  const rate = result.patients / result.seconds;
  const lines = [
    `input: ${result.patients.toLocaleString('en-GB')} patients (${COPIES} copies of fixtures/bulk-export), ${(bytes / 1e9).toFixed(2)} GB of NDJSON, of which ${(read / 1e9).toFixed(2)} GB in the types the rules read`,
    `hooks: ${HOOKS}${DRAFT === undefined ? '' : ` (draft ${DRAFT})`}, workers: ${WORKERS ?? `${cores} (the machine's cores)`}, cores: ${cores}`,
    `time: ${result.seconds.toFixed(1)} s (start, reading and evaluating)`,
    `speed: ${rate.toFixed(0)} patients/s, ${(rate / cores).toFixed(0)} patients/s per core`,
    `peak RSS: ${result.maxRssMb.toFixed(0)} MB (main thread and workers)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  if (KEEP) process.stdout.write(`export kept in ${folder}\n`);
  else rmSync(folder, { recursive: true, force: true });
}
