import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import express from 'express';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAuthentication } from '../../src/http/auth/client-auth.js';
import { errorHandler } from '../../src/http/errors.js';
import {
  MemoryReplayGuard,
  PostgresReplayGuard,
  ReplayCache,
  ReplayCheckUnavailable,
} from '../../src/http/auth/replay-guard.js';
import type { ReplayGuard } from '../../src/http/auth/replay-guard.js';
import { trustedClientsFrom } from '../../src/http/auth/trusted-clients.js';
import { loadConfig } from '../../src/main/config.js';
import { createLogger } from '../../src/main/logger.js';
import { clientToken, epochNow, signingKey } from '../support/client-jwt.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { createSchema, testPostgres } from '../support/postgres.js';
import type { TestSchema } from '../support/postgres.js';
import { freePort } from '../support/server-process.js';

/**
 * `jti` replay protection behind `ReplayGuard` (issue 14, item 2): in memory for one process
 * (bounded; full → refused with 503, never an unexpired `jti` forgotten), and in PostgreSQL for
 * every replica (one `INSERT … ON CONFLICT` round trip; unreachable → 503, never unchecked).
 */

const refusedFull = (fn: () => unknown): ReplayCheckUnavailable => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ReplayCheckUnavailable);
    return error as ReplayCheckUnavailable;
  }
  throw new Error('expected ReplayCheckUnavailable');
};

describe('ReplayCache (memory)', () => {
  it('records a key once and refuses it while it is live, including its last second', () => {
    const cache = new ReplayCache(10);
    expect(cache.firstUse('a', 100, 50)).toBe(true);
    expect(cache.firstUse('a', 100, 51)).toBe(false);
    expect(cache.firstUse('a', 100, 100)).toBe(false);
  });

  it('forgets a key once it has expired', () => {
    const cache = new ReplayCache(10);
    expect(cache.firstUse('a', 100, 50)).toBe(true);
    expect(cache.firstUse('a', 200, 101)).toBe(true);
    expect(cache.firstUse('a', 200, 150)).toBe(false);
  });

  it('keeps keys apart', () => {
    const cache = new ReplayCache(10);
    expect(cache.firstUse('iss-1|x', 100, 0)).toBe(true);
    expect(cache.firstUse('iss-2|x', 100, 0)).toBe(true);
    expect(cache.firstUse('iss-1|x', 100, 0)).toBe(false);
  });

  it('a full cache of live keys refuses new keys (Retry-After until the first expiry) and forgets none', () => {
    const cache = new ReplayCache(100);
    for (let index = 0; index < 100; index += 1) {
      expect(cache.firstUse(`k${String(index)}`, 1_000 + index, 0)).toBe(true);
    }
    const refused = refusedFull(() => cache.firstUse('new', 2_000, 10));
    expect(refused.retryAfterSeconds).toBe(991);
    expect(cache.size).toBe(100);
    // Every live key is still refused: none was evicted to make room.
    for (let index = 0; index < 100; index += 1) {
      expect(cache.firstUse(`k${String(index)}`, 1_000 + index, 10)).toBe(false);
    }
  });

  it('10,000 attempts on a full cache of 100 never grow it past its capacity', () => {
    const cache = new ReplayCache(100);
    for (let index = 0; index < 100; index += 1) cache.firstUse(`k${String(index)}`, 1_000, 0);
    let refused = 0;
    for (let index = 100; index < 10_000; index += 1) {
      try {
        cache.firstUse(`k${String(index)}`, 1_000, 0);
      } catch (error) {
        if (error instanceof ReplayCheckUnavailable) refused += 1;
      }
    }
    expect(refused).toBe(9_900);
    expect(cache.size).toBe(100);
  });

  it('expired entries are freed: a full cache accepts again once its entries expire', () => {
    const cache = new ReplayCache(2);
    expect(cache.firstUse('a', 10, 0)).toBe(true);
    expect(cache.firstUse('b', 10, 0)).toBe(true);
    refusedFull(() => cache.firstUse('c', 100, 5));
    expect(cache.firstUse('c', 100, 11)).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('drops an expired key behind a live one when full (lifetimes differ, so insertion order is not expiry order)', () => {
    const cache = new ReplayCache(2);
    expect(cache.firstUse('long-lived', 100, 0)).toBe(true);
    expect(cache.firstUse('short-lived', 10, 0)).toBe(true);
    // At 20 the cache is full; short-lived has expired and makes room, long-lived stays.
    expect(cache.firstUse('new', 100, 20)).toBe(true);
    expect(cache.firstUse('long-lived', 100, 20)).toBe(false);
    expect(cache.firstUse('new', 100, 20)).toBe(false);
  });
});

describe('MemoryReplayGuard', () => {
  it('the same (iss, jti) is refused, another issuer may use the same jti', async () => {
    const guard = new MemoryReplayGuard(10, () => 0);
    expect(await guard.firstUse('iss-1', 'x', 100)).toBe(true);
    expect(await guard.firstUse('iss-1', 'x', 100)).toBe(false);
    expect(await guard.firstUse('iss-2', 'x', 100)).toBe(true);
    // No separator trick: ("a|b", "c") and ("a", "b|c") are different keys.
    expect(await guard.firstUse('a|b', 'c', 100)).toBe(true);
    expect(await guard.firstUse('a', 'b|c', 100)).toBe(true);
  });

  it('full → rejects with ReplayCheckUnavailable; expired entries freed → accepts', async () => {
    let now = 0;
    const guard = new MemoryReplayGuard(1, () => now);
    expect(await guard.firstUse('iss', 'a', 10)).toBe(true);
    await expect(guard.firstUse('iss', 'b', 10)).rejects.toBeInstanceOf(ReplayCheckUnavailable);
    now = 11;
    expect(await guard.firstUse('iss', 'b', 20)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

const PUBLIC_URL = 'https://cds.example.org';
const EHR = 'https://ehr.example.org';
const key = await signingKey('ES384', 'ehr-es384');

/** Client authentication alone, in front of a 200, with the given guard and a captured log. */
function guardedApp(
  guard: ReplayGuard | undefined,
  env: NodeJS.ProcessEnv = {},
): { app: express.Express; logLines: string[] } {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    CDS_AUTH: 'required',
    CDS_PUBLIC_URL: PUBLIC_URL,
    ...env,
  });
  const logLines: string[] = [];
  const logger = createLogger(
    config.logLevel,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  );
  const clients = trustedClientsFrom([{ iss: EHR, jwks: { keys: [key.publicJwk] } }]);
  const app = express();
  app.use('/cds-services', clientAuthentication(config, clients, logger, guard));
  app.get('/cds-services', (_req, res) => {
    res.json({ services: [] });
  });
  app.use(errorHandler(logger));
  return { app, logLines };
}

const discovery = async (app: express.Express): Promise<request.Response> =>
  request(app)
    .get('/cds-services')
    .set(
      'Authorization',
      `Bearer ${await clientToken(key, { iss: EHR, aud: `${PUBLIC_URL}/cds-services` })}`,
    );

describe('client authentication when the replay check cannot be made', () => {
  it('a full memory cache answers 503 with Retry-After and an OperationOutcome, not 401, and counts no failure', async () => {
    const { app, logLines } = guardedApp(new MemoryReplayGuard(1));
    expect((await discovery(app)).status).toBe(200);
    const res = await discovery(app);
    const outcome = expectOperationOutcome(res, 503);
    expect(outcome.issue.map((issue) => issue.code)).toEqual(['transient']);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(logLines.join('\n')).not.toContain('client authentication failed');
  });

  it('DATABASE_URL where nothing listens: a valid token is refused with 503 and Retry-After, never accepted unchecked', async () => {
    const port = await freePort();
    const { app, logLines } = guardedApp(undefined, {
      DATABASE_URL: `postgresql://nobody:none@127.0.0.1:${String(port)}/none`,
    });
    const res = await discovery(app);
    expectOperationOutcome(res, 503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(logLines.join('\n')).toContain('PostgreSQL unreachable');
  });
});

// ---------------------------------------------------------------------------------------------

const postgres = testPostgres();
if ('fail' in postgres) throw new Error(postgres.fail);
const suite = 'url' in postgres ? describe : describe.skip;
if ('skip' in postgres) process.stderr.write(`PostgreSQL replay guard skipped: ${postgres.skip}\n`);

suite('PostgresReplayGuard (TEST_DATABASE_URL, a schema of its own)', () => {
  let schema: TestSchema;
  let admin: pg.Client;
  const guards: PostgresReplayGuard[] = [];
  const guard = (
    options: ConstructorParameters<typeof PostgresReplayGuard>[1] = {},
  ): PostgresReplayGuard => {
    const created = new PostgresReplayGuard(schema.url, options);
    guards.push(created);
    return created;
  };

  beforeAll(async () => {
    if (!('url' in postgres)) return;
    schema = await createSchema(postgres.url);
    admin = new pg.Client({ connectionString: schema.url });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(guards.map((created) => created.close()));
    await admin.end();
    await schema.drop();
  });

  it('creates jti_replay (iss, jti, expires_at) with its primary key on (iss, jti)', async () => {
    await guard().firstUse(EHR, randomUUID(), epochNow() + 300);
    const columns = await admin.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'jti_replay' ORDER BY ordinal_position`,
      [schema.name],
    );
    expect(columns.rows.map((row) => row.column_name)).toEqual(['iss', 'jti', 'expires_at']);
    const key = await admin.query<{ definition: string }>(
      `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conrelid = 'jti_replay'::regclass AND contype = 'p'`,
    );
    expect(key.rows[0]?.definition).toBe('PRIMARY KEY (iss, jti)');
  });

  it('the same jti is refused, by the same guard and by another (another replica)', async () => {
    const [a, b] = [guard(), guard()];
    const jti = randomUUID();
    const until = epochNow() + 300;
    expect(await a.firstUse(EHR, jti, until)).toBe(true);
    expect(await a.firstUse(EHR, jti, until)).toBe(false);
    expect(await b.firstUse(EHR, jti, until)).toBe(false);
    expect(await b.firstUse('https://other.example.org', jti, until)).toBe(true);
  });

  it('20 concurrent uses of one jti on two replicas: exactly one accepted', async () => {
    const [a, b] = [guard(), guard()];
    const jti = randomUUID();
    const until = epochNow() + 300;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => (index % 2 ? a : b).firstUse(EHR, jti, until)),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('an expired row does not block its jti, and purge deletes only expired rows', async () => {
    const g = guard();
    const now = epochNow();
    const old = randomUUID();
    const live = randomUUID();
    expect(await g.firstUse(EHR, old, now - 10)).toBe(true);
    expect(await g.firstUse(EHR, live, now + 300)).toBe(true);
    expect(await g.firstUse(EHR, old, now + 300)).toBe(true);
    expect(await g.firstUse(EHR, old, now + 300)).toBe(false);

    const expired = Array.from({ length: 5 }, () => randomUUID());
    for (const jti of expired) await g.firstUse(EHR, jti, now - 10);
    const purged: number[] = [];
    const purging = guard({
      onEvent: (event) => event.kind === 'purged' && purged.push(event.rows),
    });
    expect(await purging.purge(now)).toBeGreaterThanOrEqual(5);
    const left = await admin.query<{ jti: string }>(
      'SELECT jti FROM jti_replay WHERE jti = ANY($1)',
      [[...expired, live, old]],
    );
    expect(left.rows.map((row) => row.jti).sort()).toEqual([live, old].sort());
    expect(purged[0]).toBeGreaterThanOrEqual(5);
  });

  it('expired rows are purged by accepting tokens (at most once a minute per replica)', async () => {
    const jti = randomUUID();
    await admin.query('INSERT INTO jti_replay (iss, jti, expires_at) VALUES ($1, $2, $3)', [
      EHR,
      jti,
      epochNow() - 60,
    ]);
    const purged: number[] = [];
    const g = guard({ onEvent: (event) => event.kind === 'purged' && purged.push(event.rows) });
    await g.firstUse(EHR, randomUUID(), epochNow() + 300);
    await expect.poll(() => purged.length).toBe(1);
    const left = await admin.query('SELECT 1 FROM jti_replay WHERE jti = $1', [jti]);
    expect(left.rowCount).toBe(0);
  });

  it('unreachable → ReplayCheckUnavailable within the timeout, with its Retry-After', async () => {
    const port = await freePort();
    const unreachable = new PostgresReplayGuard(
      `postgresql://nobody:none@127.0.0.1:${String(port)}/none`,
      { timeoutMs: 500, retryAfterSeconds: 7 },
    );
    guards.push(unreachable);
    const started = Date.now();
    const error = await unreachable.firstUse(EHR, randomUUID(), epochNow() + 300).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ReplayCheckUnavailable);
    expect((error as ReplayCheckUnavailable).retryAfterSeconds).toBe(7);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
