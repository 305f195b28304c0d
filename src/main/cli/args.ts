import { parseArgs } from 'node:util';
import { DRAFT_KEYS, draftWording, isDraftKey } from '../../../cds-services/b12/index.js';
import type { DraftKey } from '../../../cds-services/b12/index.js';
import { HOOKS, ORDER_HOOKS, isHook, isOrderHook } from '../../cds-hooks/hooks.js';
import type { HookName } from '../../cds-hooks/hooks.js';
import { UsageError } from './errors.js';

/** The command line of `b12-cds`: which command, with which options. */

export interface EvaluateCommand {
  name: 'evaluate';
  file: string;
  /** Send the request's patient to this hook instead of the request's own. */
  hook: HookName | undefined;
  /** The draft order of an order hook (only with `hook`). */
  draft: DraftKey | undefined;
  /** The evaluation date, YYYY-MM-DD; today (UTC) when absent. */
  date: string | undefined;
  json: boolean;
}

/** A shard of a population: the patients whose id hashes to `index` (1 to `count`). */
export interface Shard {
  index: number;
  count: number;
}

export interface ForecastCommand {
  name: 'forecast';
  /** Bulk export folders, NDJSON files, Bundle files; with `sum`, forecast JSON files. */
  inputs: string[];
  /** Each hook is evaluated for every patient and counted apart. */
  hooks: HookName[];
  /** The draft order of the order hooks (required with one). */
  draft: DraftKey | undefined;
  /** The evaluation date, YYYY-MM-DD; today (UTC) when absent. */
  date: string | undefined;
  /** Worker threads; the machine's cores when absent. */
  workers: number | undefined;
  shard: Shard | undefined;
  json: boolean;
  /** Also write the HTML report to this file. */
  html: string | undefined;
  /** A progress bar on standard error even when it is no terminal. */
  progress: boolean;
  /** The inputs are forecasts (`--json` outputs of shards) to add up. */
  sum: boolean;
}

export type Command = { name: 'help' } | { name: 'serve' } | EvaluateCommand | ForecastCommand;

const draftLines = DRAFT_KEYS.map((key) => {
  const { product, schedule } = draftWording(key);
  return `        ${key.padEnd(24)} ${product}:\n${' '.repeat(33)}${schedule}`;
});

export const USAGE = `Usage:
  b12-cds evaluate <hook-request.json | patient-bundle.json> [options]
  b12-cds forecast <bulk-export-dir | file.ndjson | patient-bundle.json>... [options]
  b12-cds forecast --sum <forecast.json>... [--json] [--html <report.html>]
  b12-cds serve
  b12-cds --help

evaluate  Evaluates a CDS Hooks request, or a FHIR Bundle of one patient's data, without a
          server but exactly as the service does, and prints the cards.
    --hook <hook>     ${HOOKS.join(', ')}: sends the same patient to this hook
                      (default: the request's own hook; patient-view for a Bundle)
    --draft <draft>   the draft order for --hook ${ORDER_HOOKS.join(' or ')} (default: the
                      request's own draft orders; a request without any needs one of):
${draftLines.join('\n')}
    --date <date>     the evaluation date, YYYY-MM-DD (default: today, UTC)
    --json            prints the CDS Hooks response JSON instead

forecast  How often each card would fire on a population: evaluates every patient of a FHIR
          Bulk Data export (NDJSON files by type, streamed) or of a folder of patient Bundles as
          a hook call does, and prints per card the patients, the rate per 1,000 and the most
          common triggering facts, with data-quality counts (docs/forecast.md).
    --hooks <hooks>   comma-separated, each counted apart (default: patient-view)
    --draft <draft>   the draft order of the order hooks among --hooks (one of the above)
    --date <date>     the evaluation date, YYYY-MM-DD (default: today, UTC)
    --workers <n>     worker threads (default: the machine's cores)
    --shard <i/n>     only the patients whose id hashes to shard i of n, to split a population
                      too large for one run; add the shards' --json outputs up with --sum
    --json            prints the forecast as JSON (counts that add up across shards)
    --html <file>     also writes an HTML report with charts of the rates (by age band too)
    --progress        a progress bar on standard error even when it is no terminal
    --sum             the inputs are forecasts (--json outputs) to add up

serve     Starts the service, as npm start does, configured by environment variables
          (PORT, HOST, CDS_AUTH, ...: see README.md).

The service's environment variables apply to evaluate and forecast too (CDS_CLINICAL_CONFIG
for clinical thresholds; FHIR_TIMEOUT_MS and FHIR_MAX_PAGES when data are fetched from the
request's fhirServer). Colour is used on a terminal unless NO_COLOR is set.

Exit status: 0 evaluated (with or without cards); 1 the input or its data could not be
evaluated; 2 wrong usage.
`;

/** A calendar day that exists, written YYYY-MM-DD (`Date` would roll 2026-02-31 over). */
function calendarDay(value: string): string {
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  if (
    parsed === undefined ||
    Number.isNaN(parsed.getTime()) ||
    !parsed.toISOString().startsWith(value)
  ) {
    throw new UsageError(`--date expects a date YYYY-MM-DD, got '${value}'`);
  }
  return value;
}

interface ParsedArgs {
  values: {
    hook?: string;
    hooks?: string;
    draft?: string;
    date?: string;
    json?: boolean;
    workers?: string;
    shard?: string;
    html?: string;
    progress?: boolean;
    sum?: boolean;
    help?: boolean;
  };
  positionals: string[];
}

function parse(argv: readonly string[]): ParsedArgs {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        hook: { type: 'string' },
        hooks: { type: 'string' },
        draft: { type: 'string' },
        date: { type: 'string' },
        json: { type: 'boolean' },
        workers: { type: 'string' },
        shard: { type: 'string' },
        html: { type: 'string' },
        progress: { type: 'boolean' },
        sum: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // node:util reports unknown options and missing option values as ERR_PARSE_ARGS_* errors.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      const message = (error as Error).message;
      const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
      throw new UsageError(unknown === undefined ? message : `unknown option '${unknown}'`);
    }
    throw error;
  }
}

/** Reads the arguments after `b12-cds`; wrong usage throws a {@link UsageError}. */
export function parseCommand(argv: readonly string[]): Command {
  const { values, positionals } = parse(argv);
  if (values.help === true || positionals[0] === 'help') return { name: 'help' };
  const [name, ...rest] = positionals;
  const options = Object.keys(values).map((option) => `--${option}`);
  switch (name) {
    case undefined:
      throw new UsageError('missing command: evaluate, forecast or serve');
    case 'serve':
      if (rest.length > 0 || options.length > 0) {
        throw new UsageError(`serve takes no arguments (got ${[...rest, ...options].join(' ')})`);
      }
      return { name: 'serve' };
    case 'evaluate':
      onlyOptions('evaluate', options, ['--hook', '--draft', '--date', '--json']);
      return evaluateCommand(rest, values);
    case 'forecast':
      onlyOptions('forecast', options, [
        ...(values.sum === true ? [] : ['--hooks', '--draft', '--date', '--workers', '--shard']),
        ...['--json', '--html', '--progress', '--sum'],
      ]);
      return forecastCommand(rest, values);
    default:
      throw new UsageError(`unknown command '${name}': use evaluate, forecast or serve`);
  }
}

/** Options of another command (or of forecast without --sum) are wrong usage, not ignored. */
function onlyOptions(command: string, given: readonly string[], allowed: readonly string[]): void {
  const wrong = given.filter((option) => !allowed.includes(option));
  if (wrong.length > 0) {
    const mode = command === 'forecast' && given.includes('--sum') ? 'forecast --sum' : command;
    throw new UsageError(`${mode} takes no ${wrong.join(', ')}`);
  }
}

function evaluateCommand(
  files: readonly string[],
  values: { hook?: string; draft?: string; date?: string; json?: boolean },
): EvaluateCommand {
  const [file, ...extra] = files;
  if (file === undefined)
    throw new UsageError('evaluate needs a hook request or patient Bundle file');
  if (extra.length > 0)
    throw new UsageError(`evaluate takes one file (also got ${extra.join(' ')})`);
  const { hook, draft } = values;
  if (hook !== undefined && !isHook(hook)) {
    throw new UsageError(`unknown hook '${hook}': use ${HOOKS.join(', ')}`);
  }
  if (draft !== undefined && !isDraftKey(draft)) {
    throw new UsageError(`unknown draft '${draft}': use ${DRAFT_KEYS.join(', ')}`);
  }
  if (draft !== undefined && (hook === undefined || !isOrderHook(hook))) {
    throw new UsageError(
      `--draft goes with ${ORDER_HOOKS.map((orderHook) => `--hook ${orderHook}`).join(' or ')}`,
    );
  }
  return {
    name: 'evaluate',
    file,
    hook,
    draft,
    date: values.date === undefined ? undefined : calendarDay(values.date),
    json: values.json === true,
  };
}

/** A whole number from `min` to `max`. */
function wholeNumber(option: string, value: string, min: number, max: number): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new UsageError(`${option} expects a whole number from ${min} to ${max}, got '${value}'`);
  }
  return number;
}

/** `i/n`: shard i (1 to n) of n. */
function shardOf(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const count = match ? Number(match[2]) : NaN;
  const index = match ? Number(match[1]) : NaN;
  if (!(count >= 1 && count <= 1_000_000 && index >= 1 && index <= count)) {
    throw new UsageError(`--shard expects i/n with 1 ≤ i ≤ n (1/4, say), got '${value}'`);
  }
  return { index, count };
}

function forecastCommand(inputs: readonly string[], values: ParsedArgs['values']): ForecastCommand {
  if (inputs.length === 0) {
    throw new UsageError(
      values.sum === true
        ? 'forecast --sum needs the forecasts (--json outputs) to add up'
        : 'forecast needs a Bulk export folder, NDJSON files or patient Bundles',
    );
  }
  const hooks = (values.hooks ?? 'patient-view').split(',').map((hook) => hook.trim());
  for (const hook of hooks) {
    if (!isHook(hook)) throw new UsageError(`unknown hook '${hook}': use ${HOOKS.join(', ')}`);
  }
  const unique = [...new Set(hooks)] as HookName[];
  const { draft } = values;
  if (draft !== undefined && !isDraftKey(draft)) {
    throw new UsageError(`unknown draft '${draft}': use ${DRAFT_KEYS.join(', ')}`);
  }
  const orderHooks = unique.filter(isOrderHook);
  if (draft === undefined && orderHooks.length > 0) {
    throw new UsageError(
      `--hooks ${orderHooks.join(',')} needs --draft: the patients have no draft orders (use ${DRAFT_KEYS.join(', ')})`,
    );
  }
  if (draft !== undefined && orderHooks.length === 0) {
    throw new UsageError(`--draft goes with --hooks ${ORDER_HOOKS.join(' or ')}`);
  }
  return {
    name: 'forecast',
    inputs: [...inputs],
    hooks: unique,
    draft,
    date: values.date === undefined ? undefined : calendarDay(values.date),
    workers:
      values.workers === undefined ? undefined : wholeNumber('--workers', values.workers, 1, 256),
    shard: values.shard === undefined ? undefined : shardOf(values.shard),
    json: values.json === true,
    html: values.html,
    progress: values.progress === true,
    sum: values.sum === true,
  };
}
