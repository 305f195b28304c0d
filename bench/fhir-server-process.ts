import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Resource } from 'fhir/r4.js';
import { startFhirServer } from '../test/support/fhir-server.js';

/**
 * Child process for the FHIR-server fallback rows (see servers.ts). It serves the resources of
 * the JSON file given as the first argument with the test suite's in-memory FHIR server, every
 * request delayed by the latency in milliseconds given as the second, prints `{"baseUrl": …}`
 * once listening, and stops on SIGTERM.
 *
 * Mode (third argument):
 * - `direct`: startFhirServer(resources, { latencyMs }) as the tests use it. Its searches are
 *   evaluated by Medplum's in-memory repository on every request, which costs far more than the
 *   latency (a few hundred milliseconds for the labs search of the 300-Observation patient).
 * - `replay`: a front on the same server that answers each distinct URL from the first answer it
 *   got for it (links rewritten to the front), after the same fixed latency. The service then
 *   sees a FHIR server whose only cost is the latency, which is what the fallback row measures.
 *   GET /__stats (optionally `?reset=1`) reports requests served and the most in flight at once.
 *
 * Run as `node --import tsx bench/fhir-server-process.ts <file> <ms> <mode>`.
 */

const [resourcesPath, latency = '0', mode = 'direct'] = process.argv.slice(2);
if (resourcesPath === undefined || (mode !== 'direct' && mode !== 'replay')) {
  throw new Error('usage: fhir-server-process <resources.json> <latencyMs> <direct|replay>');
}
const latencyMs = Number(latency);
const resources = JSON.parse(readFileSync(resourcesPath, 'utf8')) as Resource[];

async function startReplay(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const upstream = await startFhirServer(resources);
  const upstreamOrigin = new URL(upstream.baseUrl).origin;
  const answers = new Map<string, { status: number; type: string; body: string }>();
  const stats = { requests: 0, inFlight: 0, maxInFlight: 0, upstreamRequests: 0 };
  let frontBase = '';

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/__stats')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats));
      if (path.includes('reset=1')) {
        Object.assign(stats, { requests: 0, maxInFlight: stats.inFlight, upstreamRequests: 0 });
      }
      return;
    }
    stats.requests += 1;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.once('close', () => {
      stats.inFlight -= 1;
    });
    void (async () => {
      await delay(latencyMs);
      let answer = answers.get(path);
      if (answer === undefined) {
        stats.upstreamRequests += 1;
        const response = await fetch(`${upstreamOrigin}${path}`, {
          headers: { accept: 'application/fhir+json' },
        });
        answer = {
          status: response.status,
          type: response.headers.get('content-type') ?? 'application/fhir+json',
          body: (await response.text()).replaceAll(upstream.baseUrl, frontBase),
        };
        if (response.ok) answers.set(path, answer);
      }
      res.writeHead(answer.status, { 'content-type': answer.type });
      res.end(answer.body);
    })().catch((error: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  frontBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    baseUrl: frontBase,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await upstream.close();
    },
  };
}

const server =
  mode === 'replay' ? await startReplay() : await startFhirServer(resources, { latencyMs });
process.stdout.write(`${JSON.stringify({ baseUrl: server.baseUrl })}\n`);
process.once('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
