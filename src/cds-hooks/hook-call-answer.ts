import { OperationOutcomeError } from '../fhir/operation-outcome.js';
import type { Issue } from '../fhir/operation-outcome.js';
import { isObject } from '../fhir/coding.js';
import { recordedCard } from './cards.js';
import type { RecordedCard } from './cards.js';
import { callService } from './hook-call.js';
import type { HookCallOptions } from './hook-call.js';
import { UUID } from './hook-request.js';
import { PrefetchFailure } from './prefetch.js';
import type { DataSource, UnavailableKey } from './prefetch.js';
import type { CdsService, ServiceEvent } from './service.js';

/**
 * A hook call's outcome as plain data: what the route logs, sends and records. It is the same
 * whether the call ran on the HTTP thread or on a hook-call thread (issue 17), and crosses
 * between them by structured clone: no class instances, no functions.
 */

interface Outcome {
  /** The body's `hookInstance` if it is a UUID, for the log (a client may put an MRN there). */
  loggedHookInstance: string | undefined;
}

export interface AnsweredCall extends Outcome {
  kind: 'answered';
  hookInstance: string;
  /** When the handler was called (epoch ms). */
  calledAt: number;
  /** The CDS response as sent: serialized where it was made. */
  json: string;
  cards: readonly RecordedCard[];
  silentCards: readonly RecordedCard[];
  events: readonly ServiceEvent[];
  sources: Readonly<Record<string, DataSource>>;
  refetchedAfterOutcome: readonly string[];
}

/** An OperationOutcome answer (4xx, 412), with what the log says of it. */
export interface RefusedCall extends Outcome {
  kind: 'refused';
  status: number;
  issues: readonly Issue[];
  headers: Readonly<Record<string, string>>;
  /** The keys the FHIR server could not provide (412), with why: logged, never sent. */
  unavailable: readonly UnavailableKey[];
}

/** A fault of the service itself: answered 500, logged as it would be on the HTTP thread. */
export interface FailedCall extends Outcome {
  kind: 'failed';
  error: { name: string; message: string; stack: string | undefined };
}

export type HookCallAnswer = AnsweredCall | RefusedCall | FailedCall;

/** The body's hookInstance, only if it is a UUID. */
export function loggedHookInstance(body: unknown): string | undefined {
  const hookInstance = isObject(body) ? body.hookInstance : undefined;
  return typeof hookInstance === 'string' && UUID.test(hookInstance) ? hookInstance : undefined;
}

/** An error as an answer: an OperationOutcomeError refuses the call, anything else fails it. */
export function answerOfError(error: unknown, logged: string | undefined): HookCallAnswer {
  if (error instanceof OperationOutcomeError) {
    return {
      kind: 'refused',
      loggedHookInstance: logged,
      status: error.status,
      issues: error.issues,
      headers: error.headers,
      unavailable: error instanceof PrefetchFailure ? error.unavailable : [],
    };
  }
  const { name, message, stack } =
    error instanceof Error ? error : new Error(`non-error thrown: ${typeof error}`);
  return { kind: 'failed', loggedHookInstance: logged, error: { name, message, stack } };
}

/** {@link callService}, its outcome as a {@link HookCallAnswer}. */
export async function answerHookCall(
  service: CdsService,
  body: unknown,
  options: HookCallOptions,
): Promise<HookCallAnswer> {
  const logged = loggedHookInstance(body);
  try {
    const { request, resolved, calledAt, response, events, silentCards } = await callService(
      service,
      body,
      options,
    );
    return {
      kind: 'answered',
      loggedHookInstance: logged,
      hookInstance: request.hookInstance,
      calledAt: calledAt.getTime(),
      json: JSON.stringify(response),
      cards: response.cards.map(recordedCard),
      silentCards: silentCards.map(recordedCard),
      events,
      sources: resolved.sources,
      refetchedAfterOutcome: resolved.refetchedAfterOutcome,
    };
  } catch (error) {
    return answerOfError(error, logged);
  }
}

/** The error the HTTP error handler answers for a call that was not answered. */
export function errorOfAnswer(answer: RefusedCall | FailedCall): Error {
  if (answer.kind === 'refused') {
    return new OperationOutcomeError(answer.status, answer.issues, answer.headers);
  }
  const error = new Error(answer.error.message);
  error.name = answer.error.name;
  error.stack = answer.error.stack;
  return error;
}

/** A call given to another thread. */
export interface ThreadedHookCall {
  serviceId: string;
  /** The request body's bytes, unparsed (UnparsedJson): moved to the thread, not copied. */
  chunks: readonly Uint8Array<ArrayBuffer>[];
  allowedServers: readonly string[] | undefined;
  /** The handler's "now": the clock read when the call was handed over. */
  now: Date;
}

/** Threads that answer hook calls (src/main/hook-call-threads.ts). */
export interface HookCallThreads {
  /** Calls with bodies larger than this many bytes are answered on the threads. */
  readonly unparsedAbove: number;
  /** Answers `call` on one of them; rejects only if that thread stopped (a fault: 500). */
  call(call: ThreadedHookCall): Promise<HookCallAnswer>;
}
