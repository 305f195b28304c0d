import pg from 'pg';

/**
 * `jti` replay protection behind one question: is this the first use of (iss, jti)? Client
 * authentication asks it after the signature and claims are verified (so only a trusted client's
 * key can spend entries) and does not know where the answer comes from:
 *
 * - with `DATABASE_URL`, PostgreSQL, shared by every replica: a token is accepted once in all;
 * - otherwise (SQLite, one process) memory, bounded: when full of live entries, new tokens are
 *   refused (503) rather than an unexpired `jti` forgotten (a forgotten live `jti` can be replayed).
 *
 * A guard that cannot answer throws {@link ReplayCheckUnavailable}: the token is refused with 503
 * and `Retry-After`, never accepted unchecked.
 */
export interface ReplayGuard {
  readonly kind: 'memory' | 'postgres';
  /** Records (iss, jti) until `expiresAt` (epoch s); false if it is already recorded and live. */
  firstUse(iss: string, jti: string, expiresAt: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The replay check could not be made: refuse for now (503), the client may retry later. */
export class ReplayCheckUnavailable extends Error {
  override name = 'ReplayCheckUnavailable';

  constructor(
    message: string,
    /** Seconds the client should wait (`Retry-After`). */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Epoch seconds now (by `Date.now`, which jose reads too). */
const epochNow = (): number => Math.floor(Date.now() / 1000);

/**
 * `jti`s seen within their tokens' lifetime, in memory. Bounded: when full, expired entries are
 * dropped (a full sweep at most once a second, so a full cache costs no more than that); if every
 * entry is still live the new key is refused with {@link ReplayCheckUnavailable}.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  private lastSweep = Number.NEGATIVE_INFINITY;
  /** The earliest expiry found by the last sweep: when room will be made. */
  private earliestExpiry = Number.POSITIVE_INFINITY;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.seen.size;
  }

  /**
   * Records `key` until `until` (epoch s); false if it was already recorded and still live.
   * Throws {@link ReplayCheckUnavailable} when the cache is full of live keys.
   */
  firstUse(key: string, until: number, now: number): boolean {
    const known = this.seen.get(key);
    if (known !== undefined && known >= now) return false;
    // A key recorded again is new: it goes to the back of the insertion order.
    this.seen.delete(key);
    // Cheap and usual: the oldest insertions expire first.
    for (const [oldKey, expiry] of this.seen) {
      if (expiry >= now) break;
      this.seen.delete(oldKey);
    }
    if (this.seen.size >= this.capacity) {
      // Tokens live for different times, so expired entries can sit behind live ones.
      if (now > this.lastSweep) {
        this.lastSweep = now;
        this.earliestExpiry = Number.POSITIVE_INFINITY;
        for (const [oldKey, expiry] of this.seen) {
          if (expiry < now) this.seen.delete(oldKey);
          else this.earliestExpiry = Math.min(this.earliestExpiry, expiry);
        }
      }
      if (this.seen.size >= this.capacity) {
        const wait = Number.isFinite(this.earliestExpiry) ? this.earliestExpiry - now + 1 : 1;
        throw new ReplayCheckUnavailable(
          `jti replay cache full (${String(this.capacity)} live entries)`,
          Math.max(1, wait),
        );
      }
    }
    this.seen.set(key, until);
    return true;
  }
}

/** One process's guard: the {@link ReplayCache} in memory. */
export class MemoryReplayGuard implements ReplayGuard {
  readonly kind = 'memory';
  readonly cache: ReplayCache;

  constructor(
    capacity: number,
    private readonly now: () => number = epochNow,
  ) {
    this.cache = new ReplayCache(capacity);
  }

  firstUse(iss: string, jti: string, expiresAt: number): Promise<boolean> {
    // JSON keeps (iss, jti) apart whatever characters either holds. A full cache throws: rejected.
    return new Promise((resolve) => {
      resolve(this.cache.firstUse(JSON.stringify([iss, jti]), expiresAt, this.now()));
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The PostgreSQL advisory lock held while creating the table (distinct from the store's). */
const SCHEMA_LOCK = '7342019813';

/** Expired rows deleted per purge, and how often a replica purges: bounded work. */
const PURGE_BATCH = 10_000;
const PURGE_EVERY_SECONDS = 60;

export interface PostgresReplayGuardOptions {
  /** How long to wait for a connection, and for the answer, before refusing with 503 (ms). */
  timeoutMs?: number;
  /** `Retry-After` while the database cannot be reached. */
  retryAfterSeconds?: number;
  now?: () => number;
  /** Told of each failure to reach the database and of each purge (for the log). */
  onEvent?: (
    event: { kind: 'unavailable'; error: Error } | { kind: 'purged'; rows: number },
  ) => void;
}

/**
 * Every replica's guard: `jti_replay (iss, jti, expires_at)` in PostgreSQL, primary key (iss, jti).
 * Accepting a token is one round trip: insert, or take over a row whose token has expired; a live
 * row makes the insert do nothing. Every minute a replica deletes up to 10,000 expired rows.
 */
export class PostgresReplayGuard implements ReplayGuard {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private schema: Promise<void> | undefined;
  private nextPurge = 0;
  private readonly retryAfterSeconds: number;
  private readonly now: () => number;

  constructor(
    connectionString: string,
    private readonly options: PostgresReplayGuardOptions = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 2_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    this.now = options.now ?? epochNow;
    this.pool = new pg.Pool({
      connectionString,
      // Tiny one-statement queries: 3 connections per replica, besides the feedback store's 5.
      max: 3,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      allowExitOnIdle: true,
    });
    // An idle client's error (server restart) must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
  }

  /** Creates the table once (replicas starting together wait on the lock); retried after a failure. */
  private ensureSchema(): Promise<void> {
    this.schema ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
        await client.query(`CREATE TABLE IF NOT EXISTS jti_replay (
          iss TEXT NOT NULL,
          jti TEXT NOT NULL,
          expires_at BIGINT NOT NULL,
          PRIMARY KEY (iss, jti)
        )`);
        await client.query(
          'CREATE INDEX IF NOT EXISTS jti_replay_expires_at ON jti_replay (expires_at)',
        );
        await client.query('COMMIT');
        client.release();
      } catch (error) {
        client.release(true);
        throw error;
      }
    })().catch((error: unknown) => {
      this.schema = undefined;
      throw error;
    });
    return this.schema;
  }

  async firstUse(iss: string, jti: string, expiresAt: number): Promise<boolean> {
    const now = this.now();
    let inserted: boolean;
    try {
      await this.ensureSchema();
      const result = await this.pool.query(
        `INSERT INTO jti_replay (iss, jti, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (iss, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE jti_replay.expires_at < $4
         RETURNING 1`,
        [iss, jti, expiresAt, now],
      );
      inserted = result.rowCount === 1;
    } catch (error) {
      this.options.onEvent?.({ kind: 'unavailable', error: error as Error });
      throw new ReplayCheckUnavailable(
        `jti replay check unavailable: ${(error as Error).message}`,
        this.retryAfterSeconds,
      );
    }
    if (now >= this.nextPurge) {
      this.nextPurge = now + PURGE_EVERY_SECONDS;
      void this.purge(now);
    }
    return inserted;
  }

  /** Deletes up to {@link PURGE_BATCH} expired rows; a failure waits for the next turn. */
  async purge(now: number = this.now()): Promise<number> {
    try {
      const result = await this.pool.query(
        `DELETE FROM jti_replay WHERE ctid IN (
           SELECT ctid FROM jti_replay WHERE expires_at < $1 LIMIT ${String(PURGE_BATCH)})`,
        [now],
      );
      const rows = result.rowCount ?? 0;
      if (rows > 0) this.options.onEvent?.({ kind: 'purged', rows });
      return rows;
    } catch {
      return 0;
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
