import type { Card, CdsResponse } from './cards.js';
import type { HookRequest } from './hook-request.js';
import type { HookName } from './hooks.js';
import type { PrefetchData } from './prefetch.js';
import { notFound } from '../fhir/operation-outcome.js';
import { checkTemplate } from './prefetch-template.js';

/**
 * A CDS Service is declared once (in `cds-services/`); discovery, routing, request validation and
 * prefetch resolution are all derived from the declaration.
 * See {@link https://cds-hooks.hl7.org/2.0/#response | Discovery response}.
 */

/**
 * Something a handler noticed that the operators should see in the log (a result it could not
 * read, a patient recorded as dead): an event name and plain fields, never patient data.
 */
export interface ServiceEvent {
  event: string;
  [field: string]: string | number | undefined;
}

/** What a handler is given: the validated request, its resolved prefetch data and the time of the call. */
export interface ServiceCall<H extends HookName> {
  request: HookRequest<H>;
  prefetch: PrefetchData;
  /** The request time: rules never read the clock themselves. */
  now: Date;
  /** Reports an event for the hook call's log. */
  report: (event: ServiceEvent) => void;
  /**
   * Records cards evaluated in silent mode (issue 18): stored as "would have shown", never
   * returned to the EHR.
   */
  silent: (cards: readonly Card[]) => void;
  /** The service's externally visible base URL (`CDS_PUBLIC_URL`): cards link to its own pages. */
  publicUrl: string;
}

export interface CdsServiceDefinition<H extends HookName> {
  id: string;
  hook: H;
  title: string;
  description: string;
  /** Prefetch key → FHIR read or search relative to the FHIR base, with tokens. */
  prefetch: Readonly<Record<string, string>>;
  usageRequirements?: string;
  handler: (call: ServiceCall<H>) => CdsResponse | Promise<CdsResponse>;
}

export type CdsService = { [H in HookName]: CdsServiceDefinition<H> }[HookName];

/** The entry a service contributes to `GET /cds-services`. */
export interface DiscoveryEntry {
  hook: HookName;
  title: string;
  description: string;
  id: string;
  prefetch?: Readonly<Record<string, string>>;
  usageRequirements?: string;
}

const SERVICE_ID = /^[A-Za-z0-9\-_.]{1,64}$/;

/** Checks a declaration (id usable in a URL, prefetch tokens available in the hook) and returns it. */
export function defineService<H extends HookName>(
  service: CdsServiceDefinition<H>,
): CdsServiceDefinition<H> {
  if (!SERVICE_ID.test(service.id)) throw new Error(`invalid CDS service id '${service.id}'`);
  for (const template of Object.values(service.prefetch)) checkTemplate(template, service.hook);
  return service;
}

export function discoveryEntry(service: CdsService): DiscoveryEntry {
  return {
    hook: service.hook,
    title: service.title,
    description: service.description,
    id: service.id,
    ...(Object.keys(service.prefetch).length > 0 ? { prefetch: service.prefetch } : {}),
    ...(service.usageRequirements ? { usageRequirements: service.usageRequirements } : {}),
  };
}

/** Services by id; an id may be declared only once, since it alone routes the call. */
export function serviceRegistry(services: readonly CdsService[]): ReadonlyMap<string, CdsService> {
  const registry = new Map<string, CdsService>();
  for (const service of services) {
    if (registry.has(service.id))
      throw new Error(`CDS service id '${service.id}' is declared twice`);
    registry.set(service.id, service);
  }
  return registry;
}

/** The service called at `/cds-services/{id}` and its feedback; 404 for an id never declared. */
export function findService(registry: ReadonlyMap<string, CdsService>, id: string): CdsService {
  const service = registry.get(id);
  if (!service) throw notFound(`No CDS service '${id}' (see GET /cds-services)`);
  return service;
}
