import { readFileSync } from 'node:fs';
import { PREFETCH_RESOURCE_TYPES, retargetWithDraft } from '../../../cds-services/b12/index.js';
import type { ClinicalConfig, DraftKey } from '../../../cds-services/b12/index.js';
import type { HookName } from '../../cds-hooks/hooks.js';
import { requestFromJson } from '../../cds-hooks/patient-bundle.js';
import { RequestInputError } from '../../cds-hooks/request-body.js';
import type { HookRequestBody } from '../../cds-hooks/request-body.js';
import type { Card, CdsResponse } from '../../cds-hooks/cards.js';
import { callService } from '../../cds-hooks/hook-call.js';
import type { HookCall } from '../../cds-hooks/hook-call.js';
import { OperationOutcomeError } from '../../fhir/operation-outcome.js';
import type { CdsService } from '../../cds-hooks/service.js';
import { loadRuntime } from '../runtime.js';
import { ConfigError } from '../config.js';
import type { Config } from '../config.js';
import { InputError } from './errors.js';

/**
 * `b12-cds evaluate`: a hook request (or a patient's FHIR Bundle) evaluated without a server, on
 * the same path as an HTTP call: the services and configuration `npm start` would use, then
 * {@link callService} (validation, prefetch resolution with the FHIR-server fallback, handler).
 */

/** What evaluates: the configuration and services, read as the server reads them (runtime.ts). */
export interface Evaluator {
  config: Config;
  /** What the services were made with (`CDS_CLINICAL_CONFIG`), for reading facts as they do. */
  clinicalConfig: ClinicalConfig;
  services: readonly CdsService[];
}

export interface EvaluateOptions {
  /** Send the request's patient to this hook instead of the request's own. */
  hook?: HookName | undefined;
  /** The draft order for an order hook. */
  draft?: DraftKey | undefined;
  /** The evaluation date (YYYY-MM-DD); today, in UTC, when absent. */
  date?: string | undefined;
}

export interface Evaluation {
  serviceId: string;
  hook: string;
  patientId: string;
  /** The evaluation date, YYYY-MM-DD. */
  date: string;
  response: CdsResponse;
  /** Cards in silent mode that would have been shown (issue 18): never in the response. */
  silentCards: readonly Card[];
}

/** Several lines (zod, configuration) made one. */
const oneLine = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');

/** The service configuration (with `CDS_CLINICAL_CONFIG`) and the B12 services, from `env`. */
export function loadEvaluator(env: NodeJS.ProcessEnv = process.env): Evaluator {
  try {
    return loadRuntime(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new InputError(oneLine(error.message));
    throw error;
  }
}

const READ_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};

/** The JSON value of a file. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new InputError(`cannot read ${file}: ${READ_PROBLEMS[code] ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InputError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The hook request to send: the file's request or Bundle, retargeted if asked. */
export function hookRequestFrom(
  file: string,
  value: unknown,
  options: EvaluateOptions & { date: string },
): HookRequestBody {
  try {
    const request = requestFromJson(value, PREFETCH_RESOURCE_TYPES);
    return options.hook === undefined
      ? request
      : retargetWithDraft(request, {
          hook: options.hook,
          draft: options.draft,
          today: options.date,
        });
  } catch (error) {
    if (error instanceof RequestInputError) {
      throw new InputError(`${file} is not a hook request or a patient Bundle: ${error.message}`);
    }
    throw error;
  }
}

/** Why the service refuses a request, in words, by the status of its HTTP answer. */
function refusalReason(status: number): string {
  return status === 400
    ? 'is not a valid hook request'
    : status === 412
      ? 'lacks patient data the service needs'
      : status === 413
        ? 'carries more data than the service reads'
        : `was refused (HTTP ${status})`;
}

/** The service refused the request, as its HTTP answer's OperationOutcome would say. */
export class Refusal extends InputError {
  override name = 'Refusal';
  /** Why, without the input's name or the OperationOutcome's diagnostics: "lacks patient data… (412)". */
  readonly reason: string;

  constructor(label: string, error: OperationOutcomeError) {
    const reason = `${refusalReason(error.status)} (${error.status})`;
    super(`${label} ${reason}: ${error.issues.map((issue) => issue.diagnostics).join('; ')}`);
    this.reason = reason;
  }
}

/** The UTC calendar day of an instant, YYYY-MM-DD. */
export const dayOf = (instant: Date): string => instant.toISOString().slice(0, 10);

/** The instant an evaluation date stands for: its noon, UTC. */
export const noonOf = (date: string): Date => new Date(`${date}T12:00:00Z`);

/**
 * Calls the service of the request's hook with it at `now`, as the HTTP route would; `label`
 * names the input in messages. A refusal is thrown as a {@link Refusal}.
 */
export async function evaluateRequest(
  label: string,
  request: HookRequestBody,
  evaluator: Evaluator,
  now: Date,
): Promise<{ evaluation: Evaluation; call: HookCall }> {
  const service = evaluator.services.find((candidate) => candidate.hook === request.hook);
  if (service === undefined) {
    const hooks = evaluator.services.map((candidate) => candidate.hook).join(', ');
    throw new InputError(`${label}: no service answers the hook '${request.hook}' (only ${hooks})`);
  }
  try {
    const call = await callService(service, request, {
      config: evaluator.config,
      // Run locally by its user, like a development server without client authentication.
      allowedServers: undefined,
      now: () => now,
    });
    const evaluation = {
      serviceId: service.id,
      hook: request.hook,
      patientId: request.context.patientId,
      date: dayOf(now),
      response: call.response,
      silentCards: call.silentCards,
    };
    return { evaluation, call };
  } catch (error) {
    if (error instanceof OperationOutcomeError) throw new Refusal(label, error);
    throw error;
  }
}

/**
 * Evaluates a hook request or patient Bundle file on `options.date` (noon UTC) or, without one,
 * at `clock()`. Expected problems are thrown as {@link InputError}s.
 */
export async function evaluateFile(
  file: string,
  options: EvaluateOptions,
  evaluator: Evaluator,
  clock: () => Date = () => new Date(),
): Promise<Evaluation> {
  const now = options.date === undefined ? clock() : noonOf(options.date);
  const request = hookRequestFrom(file, readJsonFile(file), { ...options, date: dayOf(now) });
  return (await evaluateRequest(file, request, evaluator, now)).evaluation;
}
