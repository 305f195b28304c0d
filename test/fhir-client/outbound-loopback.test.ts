import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { signingKey } from '../support/client-jwt.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { loopback } from '../support/loopback.js';
import type { Loopback } from '../support/loopback.js';
import { freePort, startServerProcess } from '../support/server-process.js';
import type { ServerProcess } from '../support/server-process.js';

/**
 * The outbound policy against real loopback listeners that record every connection and request
 * (issue 14, item 3): a production start with a trusted client lacking `fhirServers` is refused,
 * a `next` link outside the FHIR base path is never requested, and every way a FHIR server can
 * fail (refused, timeout, 404, not JSON, too large) gives the caller the same 412 text.
 */

const SERVICE = '/cds-services/b12-patient-view';
const PATIENT_ID = 'pat-1';
const TOKEN = 'loopback-access-token-5f2a';
const UNAVAILABLE = /\): the FHIR server could not provide the data$/;

type Listener = Pick<Loopback, 'origin' | 'connections' | 'paths' | 'close'>;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A TCP listener that accepts every connection and never answers. */
async function silentListener(): Promise<Listener> {
  const sockets = new Set<Socket>();
  const listener: Listener = { origin: '', connections: 0, paths: [], close: async () => {} };
  const server = createNetServer((socket) => {
    listener.connections += 1;
    sockets.add(socket);
  });
  listener.origin = `http://127.0.0.1:${await listen(server)}`;
  listener.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => {
        resolve();
      });
    });
  return listener;
}

const listeners: Listener[] = [];
const processes: ServerProcess[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  for (const running of processes) running.kill('SIGKILL');
  await Promise.all(listeners.map((listener) => listener.close()));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const patient = { resourceType: 'Patient', id: PATIENT_ID, birthDate: '1950-04-02' };
const searchset = (next?: string): object => ({
  resourceType: 'Bundle',
  type: 'searchset',
  ...(next === undefined ? {} : { link: [{ relation: 'next', url: next }] }),
});

const hookRequest = (fhirServer: string): object => ({
  hook: 'patient-view',
  hookInstance: randomUUID(),
  context: { userId: 'Practitioner/1', patientId: PATIENT_ID },
  fhirServer,
  fhirAuthorization: {
    access_token: TOKEN,
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'patient/*.read',
    subject: 'b12-cds-service',
  },
});

/** Development app (authentication off, plain http allowed for the loopback listeners). */
const devApp = (env: NodeJS.ProcessEnv = {}): TestApp =>
  testApp({ env: { CDS_AUTH: 'off', FHIR_ALLOW_HTTP: 'true', ...env } });

const call = (app: TestApp, fhirServer: string): Promise<request.Response> =>
  request(app.app)
    .post(SERVICE)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(hookRequest(fhirServer)));

const loggedCauses = (app: TestApp): string[] =>
  app.logLines
    .map((line) => JSON.parse(line) as { msg?: string; cause?: string })
    .filter((line) => line.msg === 'FHIR server could not provide the data')
    .map((line) => line.cause ?? '');

// ---------------------------------------------------------------------------------------------

const key = await signingKey('ES384', 'loopback-es384');

describe('a trusted client without fhirServers', () => {
  const LISTLESS = 'https://listless.example.org/cds-client';
  const LISTED = 'https://listed.example.org/cds-client';

  function clientsFile(): { dir: string; path: string } {
    const dir = mkdtempSync(join(tmpdir(), 'outbound-'));
    tempDirs.push(dir);
    const path = join(dir, 'clients.json');
    writeFileSync(
      path,
      JSON.stringify([
        {
          iss: LISTED,
          jwks: { keys: [key.publicJwk] },
          fhirServers: ['https://ehr.example.org/fhir'],
        },
        { iss: LISTLESS, jwks: { keys: [key.publicJwk] } },
      ]),
    );
    return { dir, path };
  }

  it('stops a production start, naming that client (and not the one with a list)', async () => {
    const { dir, path } = clientsFile();
    const running = startServerProcess({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      CDS_TRUSTED_CLIENTS: path,
      FEEDBACK_DB_PATH: join(dir, 'feedback.sqlite'),
    });
    processes.push(running);
    const { code } = await running.exit;
    expect(code).toBe(1);
    expect(running.stderr()).toContain('every trusted client must list "fhirServers"');
    expect(running.stderr()).toContain(LISTLESS);
    expect(running.stderr()).not.toContain(LISTED);
    expect(running.stdout()).not.toContain('"msg":"listening"');
  }, 20_000);

  it('is allowed outside production, and named in a warning at start', async () => {
    const { dir, path } = clientsFile();
    const running = startServerProcess({
      NODE_ENV: 'development',
      CDS_AUTH: 'required',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      CDS_TRUSTED_CLIENTS: path,
      FEEDBACK_DB_PATH: join(dir, 'feedback.sqlite'),
      LOG_LEVEL: 'info',
    });
    processes.push(running);
    await running.waitFor('"msg":"listening"');
    const warning = running
      .stdout()
      .split('\n')
      .filter((line) => line.includes('without \\"fhirServers\\"'))
      .map((line) => JSON.parse(line) as { level: number; clients: string[] });
    expect(warning).toHaveLength(1);
    expect(warning[0]?.clients).toEqual([LISTLESS]);
    expect(warning[0]?.level).toBe(40);
    running.kill('SIGTERM');
    expect((await running.exit).code).toBe(0);
  }, 20_000);
});

describe('a next link outside the FHIR base path is never requested', () => {
  it('a same-origin next link to /admin/secret: 412 for labs, and no request for it arrives', async () => {
    const fhir = await loopback((req, res, origin) => {
      const path = req.url ?? '';
      const body = path.startsWith(`/fhir/Patient/${PATIENT_ID}`)
        ? patient
        : path.startsWith('/fhir/Observation')
          ? searchset(`${origin}/admin/secret?token=leak`)
          : path.startsWith('/fhir/')
            ? searchset()
            : { resourceType: 'Bundle', type: 'searchset' };
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end(JSON.stringify(body));
    });
    listeners.push(fhir);
    const app = devApp();

    const res = await call(app, `${fhir.origin}/fhir`);

    const outcome = expectOperationOutcome(res, 412);
    expect(outcome.issue.map((issue) => issue.expression)).toEqual([['prefetch.labs']]);
    expect(outcome.issue[0]?.diagnostics).toMatch(UNAVAILABLE);
    expect(fhir.paths.length).toBe(6);
    for (const path of fhir.paths) expect(path.startsWith('/fhir/')).toBe(true);
    expect(fhir.paths.some((path) => path.startsWith('/admin'))).toBe(false);
    expect(loggedCauses(app)).toEqual(['a link points outside the FHIR base URL (not requested)']);
    for (const line of app.logLines) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain('/admin/secret');
    }
  });
});

describe('every cause of an unreachable FHIR server gives the same 412 text', () => {
  const TIMEOUT_MS = 300;
  /** Each cause: the listener (if any) and the fhirServer base; every key fails the same way. */
  const causes: Record<string, () => Promise<{ base: string; listener?: Listener }>> = {
    'refused (a closed port)': async () => ({ base: `http://127.0.0.1:${await freePort()}/fhir` }),
    'timeout (accepts, never answers)': async () => {
      const listener = await silentListener();
      return { base: `${listener.origin}/fhir`, listener };
    },
    '404': async () => {
      const listener = await loopback((_req, res) => {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
      });
      return { base: `${listener.origin}/fhir`, listener };
    },
    'not JSON': async () => {
      const listener = await loopback((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Login</html>');
      });
      return { base: `${listener.origin}/fhir`, listener };
    },
    'too large': async () => {
      const listener = await loopback((_req, res) => {
        res
          .writeHead(200, { 'Content-Type': 'application/fhir+json' })
          .end(JSON.stringify({ ...searchset(), padding: 'x'.repeat(4096) }));
      });
      return { base: `${listener.origin}/fhir`, listener };
    },
  };
  const expectedCause: Record<string, RegExp> = {
    'refused (a closed port)': /^unreachable: ECONNREFUSED$/,
    'timeout (accepts, never answers)': /^timeout/,
    '404': /^status 404$/,
    'not JSON': /^not JSON$/,
    'too large': /^too large/,
  };

  it('refused, timeout, 404, not JSON and too large: identical OperationOutcomes, causes only in the log', async () => {
    const bodies: Record<string, unknown> = {};
    for (const [name, setUp] of Object.entries(causes)) {
      const { base, listener } = await setUp();
      if (listener) listeners.push(listener);
      const app = devApp({
        FHIR_TIMEOUT_MS: String(TIMEOUT_MS),
        FHIR_MAX_RESPONSE_BYTES: '1kb',
      });
      const res = await call(app, base);
      const outcome = expectOperationOutcome(res, 412);
      expect(outcome.issue, name).toHaveLength(6);
      for (const issue of outcome.issue) {
        expect(issue.code, name).toBe('transient');
        expect(issue.diagnostics, name).toMatch(UNAVAILABLE);
      }
      if (listener) expect(listener.connections, name).toBeGreaterThan(0);
      const logged = loggedCauses(app);
      expect(logged, name).toHaveLength(6);
      for (const cause of logged) expect(cause, name).toMatch(expectedCause[name] ?? /^$/);
      for (const line of app.logLines) expect(line, name).not.toContain(TOKEN);
      bodies[name] = res.body;
    }
    const [first, ...rest] = Object.values(bodies);
    for (const body of rest) expect(body).toEqual(first);
  }, 20_000);
});
