import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import type { ForecastCommand } from '../args.js';
import { InputError } from '../errors.js';
import { dayOf, loadEvaluator, readJsonFile } from '../evaluate.js';
import { forecastSchema, sumForecasts } from './forecast-json.js';
import type { Forecast } from './forecast-json.js';
import type { PatientOutcome } from './evaluate-patient.js';
import { PatientGroups } from './group.js';
import type { PatientData } from './group.js';
import { inputFiles } from './inputs.js';
import { byteRanges } from './file-ranges.js';
import { WorkerPool } from './pool.js';
import { Progress } from './progress.js';
import { renderForecastHtml } from './render-html.js';
import { renderForecast } from './render-text.js';
import { Tally } from './tally.js';

/**
 * `b12-cds forecast`: how often each card would fire on a population (docs/forecast.md). The
 * main thread hands the files out to the workers in ranges and groups what they kept by patient;
 * once every file is read, the workers evaluate the patients, each as a hook call, and the main
 * thread counts.
 */

export interface ForecastIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Patients sent to a worker in one message, up to this many bytes of resources. */
const EVALUATE_BATCH = { patients: 32, bytes: 1 << 20 };

/** Tasks in flight, and the first failure among them: nothing more is started after one. */
class InFlight {
  private readonly tasks = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  /** Starts `task` (unless one has failed) and hands its result to `then`. */
  add<T>(task: () => Promise<T>, then: (result: T) => void): void {
    this.check();
    const settled: Promise<void> = task()
      .then(then)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.tasks.delete(settled));
    this.tasks.add(settled);
  }

  check(): void {
    if (this.failure) throw this.failure.error;
  }

  async drain(): Promise<void> {
    await Promise.all(this.tasks);
    this.check();
  }
}

export interface ForecastOptions {
  /** The evaluation date without `--date`. */
  today?: () => string;
  /** Told of each patient's outcome as it is counted (the tests compare them with evaluate's). */
  observe?: (outcome: PatientOutcome) => void;
}

/** Reads, sifts and groups every input file, then evaluates every patient of the groups. */
export async function forecastOf(
  command: ForecastCommand,
  io: ForecastIo,
  { today = () => dayOf(new Date()), observe = () => undefined }: ForecastOptions = {},
): Promise<Forecast> {
  // The configuration is checked here, once, so that a mistake is one line, not one per worker.
  loadEvaluator(io.env);
  const inputs = inputFiles(command.inputs);
  const date = command.date ?? today();
  const shard = command.shard && `${command.shard.index}/${command.shard.count}`;
  const plan = { hooks: command.hooks, draft: command.draft, date };
  const progress = new Progress(
    command.progress || io.stderr.isTTY === true ? io.stderr : undefined,
  );
  const pool = new WorkerPool(command.workers ?? availableParallelism(), {
    env: io.env,
    shard: command.shard,
    plan,
  });
  try {
    const groups = new PatientGroups();
    const inFlight = new InFlight();
    const totalBytes = inputs.read.reduce((sum, file) => sum + file.bytes, 0);
    let bytes = 0;
    const read = (count: number): void => {
      bytes += count;
      progress.reading(bytes, totalBytes, groups.patients);
    };
    let recordsIn = false;
    for (const file of inputs.read) {
      const namedOnly = file.type === 'Medication';
      // The export's Medications (read last) are kept for the records that name them: every
      // record must be in first.
      if (namedOnly && !recordsIn) {
        await inFlight.drain();
        recordsIn = true;
      }
      if (file.format === 'bundle') {
        await pool.ready();
        inFlight.add(
          () => pool.run({ kind: 'sift-bundle', file: file.path }),
          (sifted) => {
            groups.add(sifted, namedOnly);
            read(file.bytes);
          },
        );
        continue;
      }
      for (const range of byteRanges(file.bytes)) {
        await pool.ready();
        inFlight.add(
          () => pool.run({ kind: 'sift-range', file: file.path, range }),
          (sifted) => {
            groups.add(sifted, namedOnly);
            read(range.end - range.start);
          },
        );
      }
    }
    await inFlight.drain();
    progress.end();

    const tally = new Tally({ date, hooks: command.hooks, draft: command.draft, shard });
    const total = groups.patients;
    progress.evaluation();
    const evaluate = async (patients: PatientData[]): Promise<void> => {
      await pool.ready();
      inFlight.add(
        () =>
          pool.run(
            { kind: 'evaluate', patients },
            patients.map((patient) => patient.resources.buffer as ArrayBuffer),
          ),
        (outcomes) => {
          for (const outcome of outcomes) {
            tally.add(outcome);
            observe(outcome);
          }
          progress.evaluating(tally.evaluated, total);
        },
      );
    };
    let batch: PatientData[] = [];
    let batchBytes = 0;
    for (const patient of groups.take()) {
      batch.push(patient);
      batchBytes += patient.resources.length;
      if (batch.length >= EVALUATE_BATCH.patients || batchBytes >= EVALUATE_BATCH.bytes) {
        await evaluate(batch);
        [batch, batchBytes] = [[], 0];
      }
    }
    if (batch.length > 0) await evaluate(batch);
    await inFlight.drain();
    progress.evaluating(tally.evaluated, total, true);
    progress.end();
    tally.addUngrouped(groups.withoutPatient, groups.withoutPatientResource);
    return tally.result();
  } finally {
    progress.end();
    await pool.close();
  }
}

/** The forecasts (`--json` outputs) of the files, added up. */
export function sumOfFiles(files: readonly string[]): Forecast {
  const forecasts = files.map((file) => {
    const parsed = forecastSchema.safeParse(readJsonFile(file));
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      const where = issue?.path.join('.') ?? '';
      throw new InputError(
        `${file} is not a forecast (b12-cds forecast --json): ${where === '' ? '' : `${where}: `}${issue?.message ?? ''}`,
      );
    }
    return parsed.data;
  });
  return sumForecasts(forecasts);
}

/** Runs the command: the forecast (or the sum of forecasts) printed, and its page written. */
export async function runForecast(command: ForecastCommand, io: ForecastIo): Promise<void> {
  const forecast = command.sum ? sumOfFiles(command.inputs) : await forecastOf(command, io);
  if (command.html !== undefined) {
    try {
      writeFileSync(command.html, renderForecastHtml(forecast));
    } catch (error) {
      throw new InputError(`cannot write ${command.html}: ${(error as Error).message}`);
    }
  }
  io.stdout.write(
    command.json ? `${JSON.stringify(forecast, null, 2)}\n` : renderForecast(forecast),
  );
}
