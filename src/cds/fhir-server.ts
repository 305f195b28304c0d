import type { Bundle, FhirResource } from 'fhir/r4.js';
import { fhirResourceSchema, isErrorOutcome } from './fhir-resource.js';
import type { IssueCode } from './operation-outcome.js';

/**
 * Reads from the CDS client's FHIR server when prefetch did not deliver the data
 * (CDS Hooks 2.0 §FHIR Resource Access). Redirects are never followed, so the bearer token
 * cannot be carried to another origin, and `next` links must stay on the server's origin.
 */

export interface FhirServerAccess {
  /** `fhirServer` from the hook request. */
  baseUrl: string;
  /** `fhirAuthorization.access_token`, when the client gave a non-empty one. */
  accessToken: string | undefined;
  /** Aborts every outstanding request: the shared deadline for resolving a hook call's data. */
  signal: AbortSignal;
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

function describeFailure(error: unknown, signal: AbortSignal): FhirDataError {
  if (error instanceof FhirDataError) return error;
  if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') {
    return new FhirDataError('timeout', 'the FHIR server did not answer in time');
  }
  return new FhirDataError('transient', 'the FHIR server could not be reached');
}

function statusFailure(status: number): FhirDataError {
  if (status >= 300 && status < 400) {
    return new FhirDataError(
      'not-supported',
      `the FHIR server answered ${status} (redirects are not followed)`,
    );
  }
  if (status === 401 || status === 403) {
    return new FhirDataError('forbidden', `the FHIR server refused access (${status})`);
  }
  if (status === 404)
    return new FhirDataError('not-found', 'the FHIR server answered 404 Not Found');
  return new FhirDataError(
    status >= 500 || status === 429 ? 'transient' : 'exception',
    `the FHIR server answered ${status}`,
  );
}

/** The body as text, refusing to read past `maxBytes` (a huge answer must not exhaust memory). */
async function boundedText(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = (): FhirDataError =>
    new FhirDataError('too-long', `the FHIR server's answer is larger than ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += (chunk as Uint8Array).byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Uint8Array);
  }
  return Buffer.concat(chunks).toString('utf8');
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
    return parseResource(await boundedText(response, access.maxResponseBytes));
  } catch (error) {
    throw describeFailure(error, access.signal);
  }
}

function parseResource(text: string): FhirResource {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new FhirDataError('structure', 'the FHIR server answered with something other than JSON');
  }
  const parsed = fhirResourceSchema.safeParse(body);
  if (!parsed.success) {
    throw new FhirDataError('structure', 'the FHIR server answered with a malformed FHIR resource');
  }
  return parsed.data;
}

/** A URL on the FHIR server: `next` links are accepted only on the server's own origin. */
function sameOriginUrl(href: string, access: FhirServerAccess): URL {
  const url = URL.parse(href, `${access.baseUrl.replace(/\/+$/, '')}/`);
  if (url === null) throw new FhirDataError('structure', 'a paging link is not a valid URL');
  if (url.origin !== new URL(access.baseUrl).origin) {
    throw new FhirDataError('security', 'a paging link points away from the FHIR server');
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
    const answer = await getResource(sameOriginUrl(next, access), access);
    if (answer.resourceType !== 'Bundle' || carriesError(answer)) {
      throw new FhirDataError('exception', 'a further search page was not a valid Bundle');
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
  const answer = await getResource(sameOriginUrl(relativeUrl, access), access);
  if (carriesError(answer))
    throw new FhirDataError('exception', 'the FHIR server answered with an error OperationOutcome');
  // A search is answered with a Bundle: any other resource is not the search result, and taking it
  // as the only match would decide on data that may be incomplete.
  if (isSearch(relativeUrl) && answer.resourceType !== 'Bundle') {
    throw new FhirDataError(
      'structure',
      `the FHIR server answered a search with a ${answer.resourceType}, not a Bundle`,
    );
  }
  return answer.resourceType === 'Bundle' ? allPages(answer, access) : [answer];
}
