import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Card } from '../../src/cds-hooks/cards.js';
import { cardByCode } from '../support/card-checks.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { accepted, cardFixture } from '../support/feedback-store.js';
import { createSchema, testPostgres } from '../support/postgres.js';
import type { TestSchema } from '../support/postgres.js';
import { freePort, startServerProcess } from '../support/server-process.js';
import type { ServerProcess } from '../support/server-process.js';

/**
 * Fault test with real processes (issue 14, acceptance): the service (src/main/server.ts) starts with
 * DATABASE_URL pointing at a port where nothing listens; a TCP proxy to the real PostgreSQL
 * server (TEST_DATABASE_URL or scripts/test-postgres.sh) is opened there later, is cut, and comes
 * back. Cards flow throughout; feedback answers 503 while the database cannot be reached and 200
 * once it can; every feedback item answered 200 is in the database.
 */

const SERVICE = '/cds-services/b12-patient-view';
const FEEDBACK = `${SERVICE}/feedback`;
const TREAT = 'b12-deficiency-treat';

interface TcpProxy {
  start: () => Promise<void>;
  /** Closes the listener and cuts every connection through it. */
  stop: () => Promise<void>;
}

/** A TCP proxy to `target` on `port`, started and stopped by the test. */
function tcpProxy(port: number, target: { host: string; port: number }): TcpProxy {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  return {
    start: () =>
      new Promise<void>((resolve, reject) => {
        server = createServer((client) => {
          const upstream = connect(target);
          track(client);
          track(upstream);
          client.pipe(upstream).pipe(client);
          client.on('error', () => upstream.destroy());
          upstream.on('error', () => client.destroy());
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (!server) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server = undefined;
      }),
  };
}

const postgres = testPostgres();
if ('fail' in postgres) throw new Error(postgres.fail);

const suite = 'url' in postgres ? describe : describe.skip;
if ('skip' in postgres) process.stderr.write(`outage test skipped: ${postgres.skip}\n`);

suite('PostgreSQL down at start, then up, then cut and back (real processes)', () => {
  let schema: TestSchema;
  let service: ServerProcess | undefined;
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    if (!('url' in postgres)) return;
    schema = await createSchema(postgres.url);
  });
  afterAll(async () => {
    service?.kill('SIGKILL');
    await service?.exit;
    await proxy?.stop();
    await schema.drop();
  });

  it('feedback 503 then 200, /readyz 503 then 200, /healthz 200 throughout, cards always; nothing acknowledged is lost', async () => {
    const real = new URL(schema.url);
    const proxyPort = await freePort();
    proxy = tcpProxy(proxyPort, { host: real.hostname, port: Number(real.port || 5432) });
    const proxied = new URL(schema.url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxyPort);

    const port = await freePort();
    service = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      CDS_AUTH: 'off',
      LOG_LEVEL: 'info',
      DATABASE_URL: proxied.toString(),
    });
    await service.waitFor('"msg":"listening"');
    expect(service.stdout()).toContain('feedback store unavailable');
    const base = `http://127.0.0.1:${String(port)}`;
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const status = async (path: string): Promise<number> => (await fetch(`${base}${path}`)).status;

    // Every feedback item sent, and those answered 200.
    const acknowledged: string[] = [];
    let sent = 0;
    const sendFeedback = async (): Promise<Response> => {
      const hook = await post(SERVICE, cardFixture(TREAT));
      expect(hook.status).toBe(200);
      const treat = cardByCode(await hook.json(), TREAT) as unknown as Card;
      expect(treat).toBeDefined();
      sent += 1;
      const res = await post(FEEDBACK, {
        feedback: [accepted(treat, `2026-11-21T09:${String(10 + sent)}:00Z`)],
      });
      if (res.status === 200) acknowledged.push(treat.uuid);
      return res;
    };
    const refusedAs503 = async (res: Response): Promise<void> => {
      const outcome = expectOperationOutcome(
        { status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() },
        503,
      );
      expect(outcome.issue.map((issue) => issue.code)).toEqual(['transient']);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    };

    // Down at start: cards yes, feedback 503, not ready, alive.
    await refusedAs503(await sendFeedback());
    expect(await status('/readyz')).toBe(503);
    expect(await status('/healthz')).toBe(200);

    // Up: the backoff opens the store (migrations run); feedback 200, ready.
    await proxy.start();
    await service.waitFor('"msg":"feedback store ready"');
    expect((await sendFeedback()).status).toBe(200);
    expect(await status('/readyz')).toBe(200);

    // Cut: every connection dropped and nothing listening; a write answers 503, never 200.
    await proxy.stop();
    await refusedAs503(await sendFeedback());
    expect(await status('/healthz')).toBe(200);

    // Back: the pool reconnects on the next write.
    await proxy.start();
    expect((await sendFeedback()).status).toBe(200);
    expect(await status('/readyz')).toBe(200);

    // The connection cut while a write was in flight did not end the process.
    expect(service.stderr()).not.toContain("Unhandled 'error' event");
    expect(await status('/healthz')).toBe(200);
    expect(sent).toBe(4);
    expect(acknowledged).toHaveLength(2);
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      const stored = await client.query<{ card_uuid: string }>('SELECT card_uuid FROM feedback');
      expect(stored.rows.map((row) => row.card_uuid).sort()).toEqual([...acknowledged].sort());
    } finally {
      await client.end();
    }
  }, 90_000);
});
