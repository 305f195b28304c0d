import type { Bundle, MedicationRequest } from 'fhir/r4.js';
import { isObject } from '../fhir/coding.js';
import type { HookName } from './hooks.js';

/**
 * Hook requests as someone trying a service brings them (a file for the CLI, a fixture or pasted
 * text on the demo page), before the service validates them (hook-request.ts). No Node or browser
 * APIs beyond `crypto.randomUUID`, so the demo page's browser code uses it too.
 */

/** A hook request body, as the service receives it. */
export interface HookRequestBody {
  hook: string;
  hookInstance: string;
  context: Record<string, unknown> & { patientId: string };
  prefetch?: Record<string, unknown>;
  fhirServer?: string;
  fhirAuthorization?: unknown;
  [field: string]: unknown;
}

export class RequestInputError extends Error {
  override name = 'RequestInputError';
}

/** Checks the parts of a hook request that are read before the service sees it. */
export function asHookRequest(value: unknown): HookRequestBody {
  if (!isObject(value)) throw new RequestInputError('expected a JSON object');
  const context = value.context;
  if (!isObject(context) || typeof context.patientId !== 'string' || context.patientId === '') {
    throw new RequestInputError('expected a hook request with context.patientId');
  }
  if (typeof value.hook !== 'string' || typeof value.hookInstance !== 'string') {
    throw new RequestInputError('expected a hook request with hook and hookInstance');
  }
  return value as HookRequestBody;
}

/**
 * The same patient and prefetch sent to another hook, with a fresh `hookInstance` (it is another
 * call). An order hook gets `drafts` in `draftOrders` (all selected, on order-select) or, without
 * them, keeps the request's own draft orders and selections.
 */
export function retarget(
  source: HookRequestBody,
  hook: HookName,
  drafts?: readonly MedicationRequest[],
): HookRequestBody {
  const { draftOrders, selections, ...context } = source.context;
  const request: HookRequestBody = {
    ...source,
    hook,
    hookInstance: crypto.randomUUID(),
    context,
  };
  if (hook === 'patient-view') return request;
  if (drafts === undefined) {
    if (draftOrders !== undefined) context.draftOrders = draftOrders;
    // Selections only if the request had them: without, the service focuses every draft.
    if (hook === 'order-select' && selections !== undefined) context.selections = selections;
    return request;
  }
  context.draftOrders = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: drafts.map((resource) => ({ resource })),
  } satisfies Bundle;
  if (hook === 'order-select') {
    context.selections = drafts.map((draft) => `MedicationRequest/${draft.id ?? ''}`);
  }
  return request;
}
