import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * The PostgreSQL server the feedback-store suite runs against: `TEST_DATABASE_URL` (CI exports it,
 * see .ci/run), else the local server `scripts/test-postgres.sh` starts. On CI a missing URL is a
 * failure, never a skip; on a machine without PostgreSQL the suite is skipped with the reason.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type TestPostgres = { url: string } | { skip: string } | { fail: string };

const lastLine = (text: string): string => text.trim().split('\n').at(-1)?.slice(0, 300) ?? '';

export function testPostgres(env: NodeJS.ProcessEnv = process.env): TestPostgres {
  const url = env.TEST_DATABASE_URL?.trim();
  if (url) return { url };
  if (env.CI === 'true') {
    return {
      fail: 'TEST_DATABASE_URL is not set, but CI=true: CI must run the feedback store suite against PostgreSQL (export the URL that scripts/test-postgres.sh prints, as .ci/run does)',
    };
  }
  try {
    const out = execFileSync('bash', ['scripts/test-postgres.sh'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const printed = lastLine(out);
    if (/^postgres(ql)?:\/\//.test(printed)) return { url: printed };
    return { skip: `scripts/test-postgres.sh printed no postgresql:// URL ('${printed}')` };
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const why = typeof stderr === 'string' && stderr.trim() ? lastLine(stderr) : String(error);
    return {
      skip: `TEST_DATABASE_URL is not set and scripts/test-postgres.sh could not start PostgreSQL: ${why}`,
    };
  }
}

export interface TestSchema {
  name: string;
  /** The server URL with `options=-c search_path=<name>`: every connection works in the schema. */
  url: string;
  /** Drops everything in the schema: the next store opens on an empty database. */
  reset(): Promise<void>;
  /** Drops the schema and disconnects. */
  drop(): Promise<void>;
}

/** A fresh schema `t_<random>` on the server, so test files never see each other's tables. */
export async function createSchema(serverUrl: string): Promise<TestSchema> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  const separator = serverUrl.includes('?') ? '&' : '?';
  return {
    name,
    url: `${serverUrl}${separator}options=${encodeURIComponent(`-c search_path=${name}`)}`,
    reset: async () => {
      await admin.query(`DROP SCHEMA ${name} CASCADE; CREATE SCHEMA ${name}`);
    },
    drop: async () => {
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
