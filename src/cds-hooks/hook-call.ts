import type { Config } from '../main/config.js';
import { isObject } from '../fhir/coding.js';
import type { Card, CdsResponse } from './cards.js';
import { parseHookRequest } from './hook-request.js';
import type { HookRequest } from './hook-request.js';
import type { HookName } from './hooks.js';
import { OperationOutcomeError, badRequest } from '../fhir/operation-outcome.js';
import { resolvePrefetch } from './prefetch.js';
import type { ResolvedPrefetch } from './prefetch.js';
import type { CdsService, ServiceCall, ServiceEvent } from './service.js';
import { slice } from '../http/slices.js';

/**
 * One call of a CDS service, from request body to response: the request validated against the
 * service's hook, its size checked, its prefetch resolved (with the FHIR-server fallback) and the
 * service's handler run. The HTTP route and the command line both call services through this, so
 * a request gets the same answer, or the same OperationOutcome, either way.
 * See {@link https://cds-hooks.hl7.org/2.0/#calling-a-cds-service | Calling a CDS Service}.
 */

export interface HookCallOptions {
  config: Pick<Config, 'fhir' | 'maxPrefetchResources' | 'publicUrl'>;
  /** FHIR server bases the caller may name; `undefined` allows any. */
  allowedServers: readonly string[] | undefined;
  /** The clock, read once the data are in: the handler's "now". */
  now: () => Date;
}

export interface HookCall {
  request: HookRequest;
  resolved: ResolvedPrefetch;
  /** The time the handler was given. */
  calledAt: Date;
  response: CdsResponse;
  /** What the handler reported for the log. */
  events: readonly ServiceEvent[];
  /** Cards evaluated in silent mode: recorded as "would have shown", never sent (issue 18). */
  silentCards: readonly Card[];
}

/**
 * The body with only the prefetch keys the service declares. Other keys are dropped before
 * anything reads them (they are not validated, counted or resolved), and the work done is bounded
 * by the declared keys: the body's own keys are never walked, however many it carries.
 */
function declaredPrefetchOnly(service: CdsService, body: unknown): unknown {
  if (!isObject(body) || !isObject(body.prefetch)) return body;
  const given = body.prefetch;
  const prefetch: Record<string, unknown> = {};
  for (const key of Object.keys(service.prefetch)) {
    if (Object.hasOwn(given, key)) prefetch[key] = given[key];
  }
  return { ...body, prefetch };
}

/** Validates the body against the service's hook (400); `hook` must name that hook. */
function hookRequestFor(service: CdsService, body: unknown): HookRequest {
  const request: HookRequest = parseHookRequest(service.hook, body);
  if (request.hook !== service.hook) {
    throw badRequest(
      `Service '${service.id}' answers the ${service.hook} hook, not '${request.hook}'`,
      'hook',
    );
  }
  return request;
}

/**
 * A call with more resources than this runs each step in a slice of its own: the advice costs up
 * to 7 ms per 1,000 resources. A smaller call runs through at once, as waiting for turns costs it
 * more than it saves (issue 17).
 */
const SLICED_CALL_RESOURCES = 1000;

/**
 * The FHIR resources a request carries (its declared keys and draft orders), or 413 when they
 * are more than the service reads. Runs on the body before
 * it is validated (its declared keys only), so an oversized body costs no validation; every value
 * is read defensively.
 */
function countResources(body: unknown, maxResources: number): number {
  const count = (resource: unknown): number => {
    const entries = isObject(resource) ? resource.entry : undefined;
    return Array.isArray(entries) ? entries.length : resource ? 1 : 0;
  };
  if (!isObject(body)) return 0;
  const prefetch = isObject(body.prefetch) ? body.prefetch : {};
  const context = isObject(body.context) ? body.context : {};
  const total =
    Object.values(prefetch).reduce<number>((sum, value) => sum + count(value), 0) +
    count(context.draftOrders);
  if (total > maxResources) {
    throw new OperationOutcomeError(413, [
      {
        code: 'too-costly',
        diagnostics: `The request carries ${total} FHIR resources, more than the ${maxResources} this service reads`,
      },
    ]);
  }
  return total;
}

/** What the handler reported besides its response. */
interface Reported {
  events: ServiceEvent[];
  silentCards: Card[];
}

async function runHandler(
  service: CdsService,
  request: HookRequest,
  resolved: ResolvedPrefetch,
  now: Date,
  reported: Reported,
  publicUrl: string,
): Promise<CdsResponse> {
  // Validated with this service's own hook schema, so the request matches the handler's hook.
  // (The rule misreads an assertion from a union of handlers; without it the call does not compile.)
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const handler = service.handler as (
    call: ServiceCall<HookName>,
  ) => ReturnType<CdsService['handler']>;
  return handler({
    request,
    prefetch: resolved.data,
    now,
    report: (event) => {
      reported.events.push(event);
    },
    silent: (cards) => {
      reported.silentCards.push(...cards);
    },
    publicUrl,
  });
}

/** Calls `service` with a request body; problems are thrown as {@link OperationOutcomeError}s. */
export async function callService(
  service: CdsService,
  body: unknown,
  { config, allowedServers, now }: HookCallOptions,
): Promise<HookCall> {
  const declared = declaredPrefetchOnly(service, body);
  const sliced = countResources(declared, config.maxPrefetchResources) > SLICED_CALL_RESOURCES;
  // Each step of a large call is work of tens of milliseconds: each gets a slice of its own.
  if (sliced) await slice();
  const request = hookRequestFor(service, declared);
  if (sliced) await slice();
  const resolved = await resolvePrefetch(service.prefetch, request, {
    ...config.fhir,
    allowedServers,
    maxResources: config.maxPrefetchResources,
  });
  const calledAt = now();
  const reported: Reported = { events: [], silentCards: [] };
  if (sliced) await slice();
  const response = await runHandler(
    service,
    request,
    resolved,
    calledAt,
    reported,
    config.publicUrl,
  );
  return { request, resolved, calledAt, response, ...reported };
}
