import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, signingKey } from '../support/client-jwt.js';
import { createSchema, testPostgres } from '../support/postgres.js';
import type { TestSchema } from '../support/postgres.js';
import { freePort, startServerProcess } from '../support/server-process.js';
import type { ServerProcess } from '../support/server-process.js';

/**
 * Two replicas, one token (issue 14, acceptance): two real service processes (src/main/server.ts) on
 * one PostgreSQL (TEST_DATABASE_URL or scripts/test-postgres.sh, a schema of its own) with
 * CDS_AUTH=required and the same trusted-clients file, behind one public URL as behind a load
 * balancer. A token accepted by replica A is refused (401) by replica B.
 */

const PUBLIC_URL = 'https://cds.example.org';
const EHR = 'https://ehr.example.org';
const DISCOVERY = '/cds-services';

const postgres = testPostgres();
if ('fail' in postgres) throw new Error(postgres.fail);
const suite = 'url' in postgres ? describe : describe.skip;
if ('skip' in postgres) process.stderr.write(`two-replica replay test skipped: ${postgres.skip}\n`);

const key = await signingKey('ES384', 'ehr-es384');

suite('two replicas on one PostgreSQL (real processes)', () => {
  let schema: TestSchema;
  let dir: string;
  const replicas: { process: ServerProcess; base: string }[] = [];

  const startReplica = async (clientsFile: string): Promise<void> => {
    const port = await freePort();
    const replica = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      CDS_AUTH: 'required',
      CDS_TRUSTED_CLIENTS: clientsFile,
      CDS_PUBLIC_URL: PUBLIC_URL,
      LOG_LEVEL: 'info',
      DATABASE_URL: schema.url,
    });
    replicas.push({ process: replica, base: `http://127.0.0.1:${String(port)}` });
  };

  beforeAll(async () => {
    if (!('url' in postgres)) return;
    schema = await createSchema(postgres.url);
    dir = mkdtempSync(join(tmpdir(), 'cds-replicas-'));
    const clientsFile = join(dir, 'trusted-clients.json');
    writeFileSync(clientsFile, JSON.stringify([{ iss: EHR, jwks: { keys: [key.publicJwk] } }]));
    await startReplica(clientsFile);
    await startReplica(clientsFile);
    await Promise.all(replicas.map((replica) => replica.process.waitFor('"msg":"listening"')));
  }, 60_000);

  afterAll(async () => {
    for (const replica of replicas) replica.process.kill('SIGKILL');
    await Promise.all(replicas.map((replica) => replica.process.exit));
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const discover = async (base: string, token: string): Promise<number> => {
    const res = await fetch(`${base}${DISCOVERY}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    await res.body?.cancel();
    return res.status;
  };
  const token = (): Promise<string> =>
    clientToken(key, { iss: EHR, aud: `${PUBLIC_URL}${DISCOVERY}` });

  it('the same token is accepted by replica A and refused (401) by replica B, and then by A', async () => {
    const [a, b] = replicas.map((replica) => replica.base) as [string, string];
    const once = await token();
    expect(await discover(a, once)).toBe(200);
    expect(await discover(b, once)).toBe(401);
    expect(await discover(a, once)).toBe(401);
    expect(replicas[1]?.process.stdout()).toContain('jti replayed');
    // B itself accepts a fresh token: the refusal above was the replay, not B.
    expect(await discover(b, await token())).toBe(200);
  }, 30_000);

  it('one token sent to both replicas at once, 10 times: each token accepted exactly once', async () => {
    const [a, b] = replicas.map((replica) => replica.base) as [string, string];
    for (let round = 0; round < 10; round += 1) {
      const once = await token();
      const statuses = await Promise.all([discover(a, once), discover(b, once)]);
      expect(statuses.sort()).toEqual([200, 401]);
    }
  }, 30_000);

  it('the jtis are rows of jti_replay in the shared database', async () => {
    const admin = new pg.Client({ connectionString: schema.url });
    await admin.connect();
    try {
      const rows = await admin.query<{ count: string }>(
        'SELECT count(*) AS count FROM jti_replay WHERE iss = $1',
        [EHR],
      );
      // 2 from the first test, 10 from the second.
      expect(Number(rows.rows[0]?.count)).toBe(12);
    } finally {
      await admin.end();
    }
  });
});
