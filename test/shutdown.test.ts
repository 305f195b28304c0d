import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import { expectB12Response } from './support/card-checks.js';
import { startFhirServer } from './support/fhir-server.js';
import type { TestFhirServer } from './support/fhir-server.js';
import { activeMedication, b12Observation, demoPatient } from './support/hook-calls.js';
import { freePort, startServerProcess } from './support/server-process.js';
import type { ServerProcess } from './support/server-process.js';

/**
 * Graceful shutdown of the real process (src/main/server.ts): on SIGTERM it stops accepting
 * connections, lets the hook call in flight finish, then exits 0. The call is made slow by the
 * FHIR fallback: no prefetch, and a FHIR server (in this test process) that answers after 800 ms.
 */

const PATIENT_ID = 'pat-shutdown';
const LATENCY_MS = 800;

/** Resolves once `condition` holds, polling (running `step` before each check); rejects after `timeoutMs`. */
async function until(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  step: () => Promise<void> = () => new Promise((resolve) => setTimeout(resolve, 10)),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await step();
    if (condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Opens a fresh TCP connection (never a pooled one): resolves 'connected' or the error code. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? error.message);
    });
  });
}

/** POSTs over `agent` (so a kept-alive connection is reused); resolves the status and Connection header, or the error code. */
function post(
  agent: Agent,
  port: number,
  path: string,
  body: unknown,
): Promise<{ status: number; connection: string | undefined } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ error: error.code ?? error.message });
    });
    req.end(JSON.stringify(body));
  });
}

const hookCall = (fhirServer: string): Record<string, unknown> => ({
  hook: 'patient-view',
  hookInstance: randomUUID(),
  fhirServer,
  context: { userId: 'Practitioner/1', patientId: PATIENT_ID },
});

const serverEnv = (port: number): NodeJS.ProcessEnv => ({
  PORT: String(port),
  HOST: '127.0.0.1',
  NODE_ENV: 'development',
  CDS_AUTH: 'off',
  LOG_LEVEL: 'info',
  FHIR_TIMEOUT_MS: '10000',
});

describe('graceful shutdown on SIGTERM', () => {
  let fhir: TestFhirServer;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    fhir = await startFhirServer(
      [
        demoPatient(PATIENT_ID),
        b12Observation(PATIENT_ID),
        activeMedication(PATIENT_ID),
      ] as FhirResource[],
      { latencyMs: LATENCY_MS },
    );
  });

  afterAll(async () => {
    for (const server of servers) server.kill('SIGKILL');
    await fhir.close();
  });

  it('finishes the hook call in flight with 200, refuses new connections, and exits 0', async () => {
    const port = await freePort();
    const running = startServerProcess(serverEnv(port));
    servers.push(running);
    await running.waitFor('"msg":"listening"');
    expect(await tryConnect(port)).toBe('connected');

    fhir.requests.length = 0;
    const body = hookCall(fhir.baseUrl);
    const events: string[] = [];
    const inFlight = fetch(`http://127.0.0.1:${port}/cds-services/b12-patient-view`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (res) => {
      events.push('answered');
      return { status: res.status, body: await res.json() };
    });
    const exited = running.exit.then((exit) => {
      events.push('exited');
      return exit;
    });

    // In flight: the service has asked the (slow) FHIR server for its four prefetch keys.
    await until(() => fhir.requests.length >= 4, 10_000, 'the FHIR fallback requests');
    const signalled = performance.now();
    running.kill('SIGTERM');
    events.push('SIGTERM');
    await running.waitFor('"msg":"shutting down"');

    // The listening socket is closed at once, while the call is still in flight. (The log line is
    // written just before close() runs, so a connection attempt may still land in between.)
    let refused = '';
    await until(
      () => refused === 'ECONNREFUSED',
      2000,
      'new connections to be refused',
      async () => {
        refused = await tryConnect(port);
      },
    );
    expect(events).toEqual(['SIGTERM']);

    const answer = await inFlight;
    const answeredAt = performance.now();
    expect(answer.status).toBe(200);
    expectB12Response(answer.body, body);
    // It waited for the FHIR server (latency), so it really was in flight at SIGTERM.
    expect(performance.now() - signalled).toBeGreaterThan(LATENCY_MS / 4);

    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(events).toEqual(['SIGTERM', 'answered', 'exited']);
    // Right after the answer: not after a keep-alive timeout, nor the 10 s grace period (exit 1).
    expect(performance.now() - answeredAt).toBeLessThan(2000);
    expect(running.stdout()).toContain('"msg":"hook call"');
    expect(running.stderr()).toBe('');
  }, 60_000);

  // A CDS client with a connection pool keeps its connection open and reuses it. Before the fix the
  // server went on answering on that connection after SIGTERM (Connection: keep-alive), close()
  // never completed, and after the 10 s grace period the process exited 1, cutting the request
  // then in flight (ECONNRESET).
  it('a keep-alive client busy at SIGTERM is answered with Connection: close and cannot hold the process open', async () => {
    const port = await freePort();
    const running = startServerProcess(serverEnv(port));
    servers.push(running);
    await running.waitFor('"msg":"listening"');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      fhir.requests.length = 0;
      const inFlight = post(agent, port, '/cds-services/b12-patient-view', hookCall(fhir.baseUrl));
      await until(() => fhir.requests.length >= 4, 10_000, 'the FHIR fallback requests');
      running.kill('SIGTERM');
      await running.waitFor('"msg":"shutting down"');

      const answered = await inFlight;
      const signalledToAnswer = performance.now();
      expect(answered).toEqual({ status: 200, connection: 'close' });

      // The pool's connection is gone, and a new one is refused: nothing more reaches the process.
      expect(
        await post(agent, port, '/cds-services/b12-patient-view', hookCall(fhir.baseUrl)),
      ).toEqual({
        error: 'ECONNREFUSED',
      });
      const { code, signal } = await running.exit;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      // Promptly: not after a keep-alive timeout, nor after the grace period.
      expect(performance.now() - signalledToAnswer).toBeLessThan(2000);
    } finally {
      agent.destroy();
    }
  }, 60_000);
});
