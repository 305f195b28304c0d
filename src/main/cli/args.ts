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

export type Command = { name: 'help' } | { name: 'serve' } | EvaluateCommand;

const draftLines = DRAFT_KEYS.map((key) => {
  const { product, schedule } = draftWording(key);
  return `        ${key.padEnd(24)} ${product}:\n${' '.repeat(33)}${schedule}`;
});

export const USAGE = `Usage:
  b12-cds evaluate <hook-request.json | patient-bundle.json> [options]
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

serve     Starts the service, as npm start does, configured by environment variables
          (PORT, HOST, CDS_AUTH, ...: see README.md).

The service's environment variables apply to evaluate too (CDS_CLINICAL_CONFIG for clinical
thresholds; FHIR_TIMEOUT_MS and FHIR_MAX_PAGES when data are fetched from the request's
fhirServer). Colour is used on a terminal unless NO_COLOR is set.

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
  values: { hook?: string; draft?: string; date?: string; json?: boolean; help?: boolean };
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
        draft: { type: 'string' },
        date: { type: 'string' },
        json: { type: 'boolean' },
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
      throw new UsageError('missing command: evaluate or serve');
    case 'serve':
      if (rest.length > 0 || options.length > 0) {
        throw new UsageError(`serve takes no arguments (got ${[...rest, ...options].join(' ')})`);
      }
      return { name: 'serve' };
    case 'evaluate':
      return evaluateCommand(rest, values);
    default:
      throw new UsageError(`unknown command '${name}': use evaluate or serve`);
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
