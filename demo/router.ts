import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { factsOf } from '../cds-services/b12/index.js';
import type { ClinicalConfig } from '../cds-services/b12/index.js';
import { parseHookRequest } from '../src/cds-hooks/hook-request.js';
import type { HookRequest } from '../src/cds-hooks/hook-request.js';
import { OperationOutcomeError } from '../src/fhir/operation-outcome.js';
import { resolvePrefetch } from '../src/cds-hooks/prefetch.js';
import type { CdsService } from '../src/cds-hooks/service.js';
import { jsonBody } from '../src/cds-hooks/validation.js';
import type { Config } from '../src/main/config.js';
import { isoDay, utcDay } from '../src/fhir/dates.js';
import { chartData } from './chart-data.js';
import { readFixturePatients } from './fixture-patients.js';

/**
 * The demo EHR page (`/demo`): pick a fixture patient, fire a hook at the real service, see the
 * cards as an EHR shows them and the patient's results over time. Off in production
 * (DEMO_PAGE). Everything is served from here, so the page works offline.
 */

export interface DemoOptions {
  config: Config;
  clinicalConfig: ClinicalConfig;
  services: readonly CdsService[];
  /** The service's clock: the page dates its draft orders with it. */
  now: () => Date;
  /** The page's browser script: demo/client bundled by `npm run build` (scripts/build.ts). */
  clientScript: string;
}

const asset = (name: string): string =>
  readFileSync(fileURLToPath(new URL(name, import.meta.url)), 'utf8');

function withoutFhirServer(request: HookRequest): HookRequest {
  const copy = { ...request };
  delete copy.fhirServer;
  delete copy.fhirAuthorization;
  return copy;
}

export function demoRouter({
  config,
  clinicalConfig,
  services,
  now,
  clientScript: script,
}: DemoOptions): Router {
  const [page, styles] = [asset('page.html'), asset('demo.css')];
  const patients = readFixturePatients();
  const patientView = services.find((service) => service.hook === 'patient-view');
  if (!patientView) throw new Error('the demo needs a patient-view service');

  const router = Router();
  router.get('/', (req, res) => {
    // The page's links are relative (app.js, api/…): they must resolve under /demo/. The redirect
    // is relative too, so a path prefix in front of the service is kept.
    if (!req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(301, `${req.baseUrl.split('/').pop() ?? 'demo'}/`);
      return;
    }
    res.type('html').send(page);
  });
  router.get('/app.js', (_req, res) => {
    res.type('text/javascript').send(script);
  });
  router.get('/demo.css', (_req, res) => {
    res.type('text/css').send(styles);
  });
  router.get('/api/patients', (_req, res) => {
    res.json({
      today: isoDay(utcDay(now())),
      patients: patients.map(({ request: _request, ...patient }) => patient),
    });
  });
  router.get('/api/patients/:folder/:name', (req, res) => {
    const found = patients.find(
      (patient) => patient.id === `${req.params.folder}/${req.params.name}`,
    );
    if (!found) {
      throw new OperationOutcomeError(404, [
        { code: 'not-found', diagnostics: 'No such demo patient' },
      ]);
    }
    res.json(found.request);
  });
  // The chart reads the patient's data as patient-view would: prefetch, else the FHIR server.
  // This route has no client authentication, so with CDS_AUTH=required it never calls a FHIR
  // server (the service itself only calls those a verified client may name).
  router.post('/api/chart', async (req, res) => {
    const request = parseHookRequest('patient-view', jsonBody(req));
    const resolved = await resolvePrefetch(
      patientView.prefetch,
      config.auth === 'required' ? withoutFhirServer(request) : request,
      { ...config.fhir, allowedServers: undefined, maxResources: config.maxPrefetchResources },
    );
    const facts = factsOf(
      {
        patientId: request.context.patientId,
        today: utcDay(now()),
        resources: Object.values(resolved.data).flat(),
      },
      clinicalConfig,
    );
    res.json(chartData(facts, clinicalConfig));
  });
  return router;
}
