import type { Bundle, FhirResource } from 'fhir/r4.js';
import type { HookRequest } from './hook-request.js';
import { OperationOutcomeError } from '../fhir/operation-outcome.js';
import type { Issue } from '../fhir/operation-outcome.js';
import {
  FhirDataError,
  FhirUnavailableError,
  ResourceBudget,
  ResourceLimitError,
  allPages,
  carriesError,
  fetchFromFhirServer,
} from '../fhir/client/fhir-server.js';
import type { FhirServerAccess } from '../fhir/client/fhir-server.js';
import { TemplateTokenError, renderTemplate } from './prefetch-template.js';

/**
 * Resolves every prefetch key a service declares, as CDS Hooks 2.0 §Prefetch demands:
 *
 * | value in the request            | action                                                  |
 * |---------------------------------|---------------------------------------------------------|
 * | resource or Bundle              | used (a paginated searchset is followed to its end)     |
 * | `null`                          | "no data": not re-queried                               |
 * | absent, or an error OperationOutcome (alone or in the Bundle) | fetched from `fhirServer` |
 *
 * Keys are resolved in parallel under one deadline. Data that cannot be obtained is a 412 naming
 * every key that failed, because deciding on partial data could miss a result. A FHIR server that
 * could not give a key's data is one wording for every cause; the cause is logged (see routes.ts).
 */

/** The resources obtained for each prefetch key (`null` and empty searches give `[]`). */
export type PrefetchData = Readonly<Record<string, readonly FhirResource[]>>;

/** Where each key's data came from, for the hook-call log line. */
export type DataSource = 'prefetch' | 'fhirServer';

export interface ResolvedPrefetch {
  data: PrefetchData;
  sources: Readonly<Record<string, DataSource>>;
  /** Keys whose prefetch value carried an OperationOutcome and were fetched again. */
  refetchedAfterOutcome: readonly string[];
}

export interface FhirFallbackOptions {
  timeoutMs: number;
  maxPages: number;
  maxResponseBytes: number;
  /** Whether a plain-http `fhirServer` may be called. */
  allowHttp: boolean;
  /** FHIR server bases the calling client may name; `undefined` allows any. */
  allowedServers: readonly string[] | undefined;
  /** Most resources a hook call may bring together from prefetch and the FHIR server. */
  maxResources: number;
}

interface KeyResult {
  key: string;
  resources: FhirResource[];
  source: DataSource;
  refetchedAfterOutcome: boolean;
}

class KeyFailure extends Error {
  constructor(
    readonly key: string,
    readonly issue: Issue,
    /** Why the FHIR server could not give the data (log only: the caller gets one wording). */
    readonly unavailableReason?: string,
  ) {
    super(issue.diagnostics);
  }
}

/** A key whose data the FHIR server could not give, and why (for the log, never the caller). */
export interface UnavailableKey {
  key: string;
  reason: string;
}

/** The 412 for prefetch data that could not be obtained, with the causes to log. */
export class PrefetchFailure extends OperationOutcomeError {
  override name = 'PrefetchFailure';

  constructor(
    issues: readonly Issue[],
    readonly unavailable: readonly UnavailableKey[],
  ) {
    super(412, issues);
  }
}

const withoutSlash = (url: string): string => url.replace(/\/+$/, '');

/**
 * Why the caller's `fhirServer` must not be called (server-side request forgery guard), if so:
 * plain http where only https is allowed, or a server the authenticated client may not name.
 */
function refusal(fhirServer: string, options: FhirFallbackOptions): string | undefined {
  // Compared as fetch will see them: scheme and host lower-cased, dot segments resolved
  // (`HTTP://…` is plain http; `…/fhir/../admin` is not under `…/fhir`).
  const url = URL.parse(fhirServer);
  if (url === null) return 'fhirServer is not a valid URL';
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    return 'fhirServer must use https';
  }
  const base = withoutSlash(url.href);
  const normalized = (server: string): string => withoutSlash(URL.parse(server)?.href ?? server);
  const allowed = options.allowedServers?.map(normalized);
  if (allowed && !allowed.some((server) => base === server || base.startsWith(`${server}/`))) {
    return 'fhirServer is not a FHIR server this client may name';
  }
  return undefined;
}

function fhirAccess(
  request: HookRequest,
  options: FhirFallbackOptions,
  overLimit: AbortSignal,
  deadline: number,
  budget: ResourceBudget,
): FhirServerAccess | undefined {
  if (request.fhirServer === undefined) return undefined;
  // Made only for a call that may fetch: a timeout signal holds a timer for FHIR_TIMEOUT_MS.
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs), overLimit]);
  const token = request.fhirAuthorization?.access_token;
  return {
    baseUrl: request.fhirServer,
    accessToken: token === undefined || token === '' ? undefined : token,
    signal,
    deadline,
    budget,
    maxPages: options.maxPages,
    maxResponseBytes: options.maxResponseBytes,
    refusal: refusal(request.fhirServer, options),
  };
}

async function resolveKey(
  key: string,
  template: string,
  request: HookRequest,
  access: FhirServerAccess | undefined,
  budget: ResourceBudget,
): Promise<KeyResult> {
  const value = request.prefetch?.[key];
  const fail = (code: Issue['code'], reason: string, unavailableReason?: string): KeyFailure =>
    new KeyFailure(
      key,
      {
        code,
        diagnostics: `Prefetch key '${key}' (${template}): ${reason}`,
        expression: `prefetch.${key}`,
      },
      unavailableReason,
    );
  try {
    if (value === null)
      return { key, resources: [], source: 'prefetch', refetchedAfterOutcome: false };
    if (value !== undefined && !carriesError(value)) {
      // Counted before any further page is requested; the pages are counted as they arrive.
      budget.take(value.resourceType === 'Bundle' ? bundleDataCount(value) : 1);
      const resources = value.resourceType === 'Bundle' ? await allPages(value, access) : [value];
      return { key, resources, source: 'prefetch', refetchedAfterOutcome: false };
    }
    if (!access) {
      throw fail(
        'incomplete',
        value === undefined
          ? 'not provided, and the request has no fhirServer to fetch it from'
          : 'the client reported an error (OperationOutcome), and the request has no fhirServer to fetch it from',
      );
    }
    const resources = await fetchFromFhirServer(renderTemplate(template, request.context), access);
    return { key, resources, source: 'fhirServer', refetchedAfterOutcome: value !== undefined };
  } catch (error) {
    if (error instanceof KeyFailure || error instanceof ResourceLimitError) throw error;
    if (error instanceof FhirUnavailableError) throw fail(error.code, error.message, error.reason);
    if (error instanceof FhirDataError) throw fail(error.code, error.message);
    if (error instanceof TemplateTokenError) throw fail('required', error.message);
    throw error;
  }
}

/** The data resources of a prefetched Bundle (OperationOutcome entries are not data). */
const bundleDataCount = (bundle: Bundle): number =>
  (bundle.entry ?? []).filter(
    (entry) => entry.resource !== undefined && entry.resource.resourceType !== 'OperationOutcome',
  ).length;

/** The 412 for data beyond the resource limit: `count` is how far they ran before fetching stopped. */
const tooManyResources = (count: number, max: number): OperationOutcomeError =>
  new OperationOutcomeError(412, [
    {
      code: 'too-costly',
      diagnostics: `The patient data run to ${count} resources, more than the ${max} this service reads`,
    },
  ]);

/** Resolves the declared prefetch keys, or throws a 412 OperationOutcomeError naming what is missing. */
export async function resolvePrefetch(
  templates: Readonly<Record<string, string>>,
  request: HookRequest,
  options: FhirFallbackOptions,
): Promise<ResolvedPrefetch> {
  const deadline = performance.now() + options.timeoutMs;
  // Once the data run over the limit, every key's outstanding request is aborted.
  const overLimit = new AbortController();
  const budget = new ResourceBudget(options.maxResources, () => {
    overLimit.abort();
  });
  const access = fhirAccess(request, options, overLimit.signal, deadline, budget);
  const settled = await Promise.allSettled(
    Object.entries(templates).map(([key, template]) =>
      resolveKey(key, template, request, access, budget),
    ),
  );
  if (budget.exceeded) throw tooManyResources(budget.count, options.maxResources);
  const failures: KeyFailure[] = [];
  for (const result of settled) {
    if (result.status === 'fulfilled') continue;
    if (!(result.reason instanceof KeyFailure)) throw result.reason as Error;
    failures.push(result.reason);
  }
  if (failures.length > 0) {
    throw new PrefetchFailure(
      failures.map((failure) => failure.issue),
      failures.flatMap(({ key, unavailableReason }) =>
        unavailableReason === undefined ? [] : [{ key, reason: unavailableReason }],
      ),
    );
  }
  const results = settled.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  return {
    data: Object.fromEntries(results.map((result) => [result.key, result.resources])),
    sources: Object.fromEntries(results.map((result) => [result.key, result.source])),
    refetchedAfterOutcome: results
      .filter((result) => result.refetchedAfterOutcome)
      .map((result) => result.key),
  };
}
