import type { Bundle, FhirResource } from 'fhir/r4.js';
import { isObject } from '../coding.js';
import { isErrorOutcome, isFhirResource } from './fhir-resource.js';
import type { IssueCode } from '../operation-outcome.js';
import { JsonReadError, readJson } from '../../http/read-json.js';

/**
 * Reads from the CDS client's FHIR server when prefetch did not deliver the data
 * (CDS Hooks 2.0 §FHIR Resource Access). Redirects are never followed, so the bearer token
 * cannot be carried to another origin, and every URL called (`next` links included) must stay
 * under the FHIR base URL: same origin and the base's path.
 *
 * Whatever makes the server fail to give the data (refused, timeout, DNS, a non-2xx status, an
 * answer that is not JSON, not FHIR or too large, a `next` link outside the base) is reported to
 * the caller in one wording ({@link FHIR_UNAVAILABLE}), so the answers cannot be used to map a
 * network; the cause is kept in {@link FhirUnavailableError.reason} for the log.
 */

export interface FhirServerAccess {
  /** `fhirServer` from the hook request. */
  baseUrl: string;
  /** `fhirAuthorization.access_token`, when the client gave a non-empty one. */
  accessToken: string | undefined;
  /**
   * Aborts every outstanding request: the shared deadline for resolving a hook call's data, or
   * the call's resource limit being exceeded by another key.
   */
  signal: AbortSignal;
  /**
   * The deadline as a `performance.now()` time, read again once a page is read and once it is
   * checked (the timer behind `signal` cannot fire during the synchronous check).
   */
  deadline: number;
  /** The call's running resource count, shared by every key and page. */
  budget: ResourceBudget | undefined;
  /** Search pages followed per query before the result is declared incomplete. */
  maxPages: number;
  /** Largest answer read, in bytes. */
  maxResponseBytes: number;
  /** Set when this server must not be called at all (see prefetch.ts): nothing is sent. */
  refusal: string | undefined;
}

/** Why data could not be obtained, with the OperationOutcome issue code that says so. */
export class FhirDataError extends Error {
  override name = 'FhirDataError';

  constructor(
    readonly code: IssueCode,
    message: string,
  ) {
    super(message);
  }
}

/** What the caller is told for every cause of a FHIR server failing to give the data. */
export const FHIR_UNAVAILABLE = 'the FHIR server could not provide the data';

/**
 * The FHIR server could not give the data. The message is always {@link FHIR_UNAVAILABLE};
 * `reason` says why, for the log only (a category or status: never a URL, never the token).
 */
export class FhirUnavailableError extends FhirDataError {
  override name = 'FhirUnavailableError';

  constructor(readonly reason: string) {
    super('transient', FHIR_UNAVAILABLE);
  }
}

const unavailable = (reason: string): FhirUnavailableError => new FhirUnavailableError(reason);

/** The call's data went over its resource limit: nothing more is fetched or parsed. */
export class ResourceLimitError extends FhirDataError {
  override name = 'ResourceLimitError';

  constructor(
    readonly count: number,
    readonly max: number,
  ) {
    super(
      'too-costly',
      `the data run to ${count} resources, more than the ${max} this service reads`,
    );
  }
}

/**
 * The running count of resources a hook call has brought together, across its keys and pages.
 * Counted as data arrive (a page's entries before they are validated), so the first page that
 * goes over the limit ends the call: `onExceeded` aborts every other key's outstanding request.
 */
export class ResourceBudget {
  count = 0;

  constructor(
    readonly max: number,
    private readonly onExceeded: () => void,
  ) {}

  get exceeded(): boolean {
    return this.count > this.max;
  }

  /** Adds `resources` to the count; throws {@link ResourceLimitError} once it is over the limit. */
  take(resources: number): void {
    const wasExceeded = this.exceeded;
    this.count += resources;
    if (!this.exceeded) return;
    if (!wasExceeded) this.onExceeded();
    throw new ResourceLimitError(this.count, this.max);
  }
}

/**
 * The data resources a parsed answer holds, read defensively before it is validated: a Bundle's
 * entries that are not OperationOutcomes, or 1 for a single data resource.
 */
function dataCount(body: unknown): number {
  if (!isObject(body)) return 0;
  if (body.resourceType === 'OperationOutcome') return 0;
  if (body.resourceType !== 'Bundle') return 1;
  if (!Array.isArray(body.entry)) return 0;
  let count = 0;
  for (let i = 0; i < body.entry.length; i++) {
    const entry: unknown = body.entry[i];
    const resource = isObject(entry) ? entry.resource : undefined;
    if (isObject(resource) && resource.resourceType !== 'OperationOutcome') count += 1;
  }
  return count;
}

/** Bundle entries are typed as the abstract `Resource`; every concrete one is a `FhirResource`. */
function entryResources(bundle: Bundle): FhirResource[] {
  const resources: FhirResource[] = [];
  for (const entry of bundle.entry ?? [])
    if (entry.resource) resources.push(entry.resource as FhirResource);
  return resources;
}

/** A prefetch value or server answer that reports an error instead of data (spec: check for OperationOutcomes). */
export function carriesError(resource: FhirResource): boolean {
  if (resource.resourceType === 'Bundle') {
    return entryResources(resource).some(isErrorOutcome);
  }
  return resource.resourceType === 'OperationOutcome';
}

/** The data resources of a Bundle; OperationOutcome entries (warnings) are not data. */
function bundleResources(bundle: Bundle): FhirResource[] {
  return entryResources(bundle).filter((resource) => resource.resourceType !== 'OperationOutcome');
}

const nextLink = (bundle: Bundle): string | undefined =>
  bundle.link?.find((link) => link.relation === 'next')?.url;

/** The network error's code (`ECONNREFUSED`, `ENOTFOUND`, …): its message may name the address. */
function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code.slice(0, 32) : 'network error';
}

function describeFailure(error: unknown, signal: AbortSignal): FhirDataError {
  if (error instanceof FhirDataError) return error;
  if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') {
    return unavailable('timeout: no answer before FHIR_TIMEOUT_MS');
  }
  return unavailable(`unreachable: ${networkCode(error)}`);
}

function statusFailure(status: number): FhirUnavailableError {
  if (status >= 300 && status < 400)
    return unavailable(`status ${status} (redirects are not followed)`);
  return unavailable(`status ${status}`);
}

/** FHIR resources nest a few levels per element (Bundle → entry → resource → extension …). */
const MAX_ANSWER_DEPTH = 100;

/**
 * The answer's JSON, read in slices ({@link readJson}) and never past `maxBytes`: a huge answer
 * neither exhausts memory nor blocks the event loop.
 */
async function answerJson(response: Response, maxBytes: number): Promise<unknown> {
  const tooLarge = (): FhirDataError =>
    unavailable(`too large: answer over FHIR_MAX_RESPONSE_BYTES (${maxBytes} bytes)`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) throw unavailable('not JSON');
  try {
    return await readJson(response.body, { maxBytes, maxDepth: MAX_ANSWER_DEPTH });
  } catch (error) {
    if (!(error instanceof JsonReadError)) throw error;
    if (error.problem === 'too-large') throw tooLarge();
    throw unavailable(
      error.problem === 'too-deep' ? `nested deeper than ${MAX_ANSWER_DEPTH} levels` : 'not JSON',
    );
  }
}

async function getResource(url: URL, access: FhirServerAccess): Promise<FhirResource> {
  if (access.refusal !== undefined) throw new FhirDataError('security', access.refusal);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        Accept: 'application/fhir+json, application/json;q=0.9',
        ...(access.accessToken ? { Authorization: `Bearer ${access.accessToken}` } : {}),
      },
      redirect: 'manual',
      signal: access.signal,
    });
    if (!response.ok) throw statusFailure(response.status);
    return checkedResource(await answerJson(response, access.maxResponseBytes), access);
  } catch (error) {
    throw describeFailure(error, access.signal);
  }
}

const pastDeadline = (): FhirUnavailableError =>
  unavailable('timeout: reading and checking the answer ran past FHIR_TIMEOUT_MS');

/**
 * Checks a parsed answer. Its resources are counted against the call's limit before they are
 * validated, and an answer whose reading ran past the deadline fails the key.
 */
function checkedResource(body: unknown, access: FhirServerAccess): FhirResource {
  if (performance.now() > access.deadline) throw pastDeadline();
  access.budget?.take(dataCount(body));
  if (!isFhirResource(body)) throw unavailable('not a valid FHIR resource');
  if (performance.now() > access.deadline) throw pastDeadline();
  return body;
}

/**
 * A URL under the FHIR base URL (`href` relative to it, or a `next` link): the same origin, and
 * the base's path up to a `/` boundary (dot segments resolved), so neither a `next` link to
 * `/admin` nor one to `/fhir-other` on the same host is ever requested with the token.
 */
function urlUnderBase(href: string, access: FhirServerAccess): URL {
  if (access.refusal !== undefined) throw new FhirDataError('security', access.refusal);
  const base = new URL(`${access.baseUrl.replace(/\/+$/, '')}/`);
  const url = URL.parse(href, base.href);
  if (url === null) throw unavailable('a link is not a valid URL');
  const underBase =
    url.pathname.startsWith(base.pathname) || url.pathname === base.pathname.slice(0, -1);
  if (url.origin !== base.origin || !underBase) {
    throw unavailable('a link points outside the FHIR base URL (not requested)');
  }
  return url;
}

/**
 * All resources of a search result, following `next` links (also for a paginated prefetch
 * searchset); more than `maxPages` pages means the data would be incomplete, which is an error.
 */
export async function allPages(
  first: Bundle,
  access: FhirServerAccess | undefined,
): Promise<FhirResource[]> {
  const resources = bundleResources(first);
  let page = first;
  let pages = 1;
  for (let next = nextLink(page); next !== undefined; next = nextLink(page)) {
    if (!access) {
      throw new FhirDataError(
        'incomplete',
        'the search result is paginated and the request has no fhirServer to read further pages from',
      );
    }
    if (pages >= access.maxPages) {
      throw new FhirDataError(
        'too-costly',
        `the search result has more than ${access.maxPages} pages`,
      );
    }
    const answer = await getResource(urlUnderBase(next, access), access);
    if (answer.resourceType !== 'Bundle' || carriesError(answer)) {
      throw unavailable('a further search page was not a Bundle, or carried an error');
    }
    page = answer;
    pages += 1;
    resources.push(...bundleResources(page));
  }
  return resources;
}

/** A search (`Observation?patient=123`, or a bare `Observation`) rather than a read (`Patient/123`). */
const isSearch = (relativeUrl: string): boolean =>
  relativeUrl.includes('?') || !relativeUrl.replace(/^\/+/, '').includes('/');

/** Runs a read or search (a relative URL such as `Patient/123` or `Observation?patient=123`). */
export async function fetchFromFhirServer(
  relativeUrl: string,
  access: FhirServerAccess,
): Promise<FhirResource[]> {
  const answer = await getResource(urlUnderBase(relativeUrl, access), access);
  if (carriesError(answer)) throw unavailable('an error OperationOutcome');
  // A search is answered with a Bundle: any other resource is not the search result, and taking it
  // as the only match would decide on data that may be incomplete.
  if (isSearch(relativeUrl) && answer.resourceType !== 'Bundle') {
    throw unavailable(`a search answered with a ${answer.resourceType}, not a Bundle`);
  }
  return answer.resourceType === 'Bundle' ? allPages(answer, access) : [answer];
}
