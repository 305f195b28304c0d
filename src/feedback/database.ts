import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import pg from 'pg';

/**
 * The two databases behind the feedback store, reduced to what it needs: SQLite embedded (the
 * default, so `npm start` just works: Node's own `node:sqlite`, no native build) and PostgreSQL
 * for several replicas. SQL is written once, with `?` placeholders, in the subset both understand.
 */
export interface Database {
  readonly kind: 'sqlite' | 'postgres';
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  all<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs `work` in one transaction: all of it is written, or none. */
  transaction(work: (db: Database) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export function sqliteDatabase(path: string): Database {
  const db = new DatabaseSync(path);
  // WAL: readers do not block the writer, and a crash loses at most the transaction in flight.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  // The store runs a handful of statements again and again: each is prepared once.
  const prepared = new Map<string, StatementSync>();
  const statement = (sql: string): StatementSync => {
    let found = prepared.get(sql);
    if (!found) {
      found = db.prepare(sql);
      prepared.set(sql, found);
    }
    return found;
  };
  // node:sqlite is synchronous, but a transaction's work awaits: one transaction at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const self: Database = {
    kind: 'sqlite',
    run: (sql, params = []) => {
      statement(sql).run(...(params as SQLInputValue[]));
      return Promise.resolve();
    },
    // Rows as plain objects (node:sqlite gives them no prototype).
    all: <Row>(sql: string, params: readonly unknown[] = []) =>
      Promise.resolve(
        statement(sql)
          .all(...(params as SQLInputValue[]))
          .map((row) => ({ ...row }) as Row),
      ),
    transaction: (work) => {
      const run = queue.then(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          await work(self);
          db.exec('COMMIT');
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      });
      queue = run.catch(() => undefined);
      return run;
    },
    close: async () => {
      await queue;
      db.close();
    },
  };
  return self;
}

/** `?` placeholders as PostgreSQL's `$1, $2, ...`. */
const numbered = (sql: string): string => {
  let index = 0;
  return sql.replace(/\?/g, () => `$${String(++index)}`);
};

export function postgresDatabase(connectionString: string): Database {
  // BIGINT (epoch milliseconds, counts) as numbers: the values stay far below 2^53.
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  const pool = new pg.Pool({ connectionString, max: 5, connectionTimeoutMillis: 5000, types });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const over = (client: pg.Pool | pg.PoolClient): Omit<Database, 'transaction' | 'close'> => ({
    kind: 'postgres',
    run: async (sql, params = []) => {
      await client.query(numbered(sql), [...params]);
    },
    all: async <Row>(sql: string, params: readonly unknown[] = []) =>
      (await client.query(numbered(sql), [...params])).rows as Row[],
  });
  return {
    ...over(pool),
    transaction: async (work) => {
      const client = await pool.connect();
      // A connection lost while checked out emits 'error' on the client, which the pool does not
      // listen to then: unhandled, it would end the process. The query in flight rejects anyway.
      let broken = false;
      const onError = (): void => {
        broken = true;
      };
      client.on('error', onError);
      const inTransaction: Database = {
        ...over(client),
        transaction: (inner) => inner(inTransaction),
        close: () => Promise.resolve(),
      };
      try {
        await client.query('BEGIN');
        await work(inTransaction);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.off('error', onError);
        // A broken connection is destroyed, not returned to the pool.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** The configured database: PostgreSQL when `DATABASE_URL` is set, else the SQLite file (created). */
export function openDatabase(settings: {
  databaseUrl: string | undefined;
  sqlitePath: string;
}): Database {
  if (settings.databaseUrl !== undefined) return postgresDatabase(settings.databaseUrl);
  if (settings.sqlitePath !== ':memory:')
    mkdirSync(dirname(settings.sqlitePath), { recursive: true });
  return sqliteDatabase(settings.sqlitePath);
}
