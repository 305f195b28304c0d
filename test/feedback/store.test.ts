import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OVERRIDE_REASONS, OVERRIDE_SYSTEM } from '../../cds-services/b12/index.js';
import { card, recordedCard } from '../../src/cds-hooks/cards.js';
import type { Card } from '../../src/cds-hooks/cards.js';
import type { FeedbackItem } from '../../src/cds-hooks/feedback.js';
import { trustedClientsFrom } from '../../src/http/auth/trusted-clients.js';
import { openDatabase, sqliteDatabase } from '../../src/feedback/database.js';
import type { Database } from '../../src/feedback/database.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import type { Report } from '../../src/feedback/store.js';
import { testApp } from '../support/app.js';
import { cardByCode } from '../support/card-checks.js';
import { clientToken, signingKey } from '../support/client-jwt.js';
import {
  TABLES,
  accepted,
  b12Card,
  cardFixture,
  countRows,
  dumpTables,
  eventually,
  overridden,
  show,
  tableNames,
} from '../support/feedback-store.js';
import type { JsonObject } from '../support/hook-calls.js';
import { createSchema, testPostgres } from '../support/postgres.js';
import type { TestSchema } from '../support/postgres.js';

/**
 * The feedback store (src/feedback/store.ts) behaves the same on every database it supports:
 * SQLite in memory, a SQLite file, and PostgreSQL (TEST_DATABASE_URL, in a schema of its own).
 * One suite, run against each; every test starts from an empty database.
 */

interface Backend {
  name: string;
  /** Whether a second connection sees the same database (a file or a server, not `:memory:`). */
  persistent: boolean;
  /** Whether several replicas (processes) share it: PostgreSQL. */
  replicas: boolean;
  /** The SQLite file of the current database. */
  file?: () => string;
  /** Why this backend cannot run, when that must fail the run rather than skip it. */
  unavailable?: string;
  setUp(): Promise<void>;
  /** A new, empty database for the next test. */
  fresh(): Promise<void>;
  /** A connection to the current database (`:memory:`: the database itself). */
  connect(): Database;
  tearDown(): Promise<void>;
}

const sqliteMemory = (): Backend => {
  let current: Database | undefined;
  return {
    name: 'SQLite :memory:',
    persistent: false,
    replicas: false,
    setUp: () => Promise.resolve(),
    fresh: () => {
      current = sqliteDatabase(':memory:');
      return Promise.resolve();
    },
    connect: () => {
      if (!current) throw new Error('no database: fresh() first');
      return current;
    },
    tearDown: () => Promise.resolve(),
  };
};

const sqliteFile = (): Backend => {
  let dir = '';
  let path = '';
  let count = 0;
  return {
    name: 'SQLite file',
    persistent: true,
    replicas: false,
    file: () => path,
    setUp: () => {
      dir = mkdtempSync(join(tmpdir(), 'b12-feedback-'));
      return Promise.resolve();
    },
    fresh: () => {
      // In a directory that does not exist yet: opening creates it.
      count += 1;
      path = join(dir, `run-${String(count)}`, 'feedback.sqlite');
      return Promise.resolve();
    },
    connect: () => openDatabase({ databaseUrl: undefined, sqlitePath: path }),
    tearDown: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
};

const postgres = (): Backend | string => {
  const server = testPostgres();
  const noop = (): Promise<void> => Promise.resolve();
  if ('skip' in server) return server.skip;
  if ('fail' in server) {
    return {
      name: 'PostgreSQL',
      persistent: true,
      replicas: true,
      unavailable: server.fail,
      setUp: noop,
      fresh: noop,
      connect: () => {
        throw new Error(server.fail);
      },
      tearDown: noop,
    };
  }
  let schema: TestSchema | undefined;
  return {
    name: 'PostgreSQL',
    persistent: true,
    replicas: true,
    setUp: async () => {
      schema = await createSchema(server.url);
    },
    fresh: async () => {
      await schema?.reset();
    },
    connect: () => {
      if (!schema) throw new Error('no schema: setUp() failed');
      return openDatabase({ databaseUrl: schema.url, sqlitePath: 'unused.sqlite' });
    },
    tearDown: async () => {
      await schema?.drop();
    },
  };
};

const postgresBackend = postgres();
const backends: Backend[] = [sqliteMemory(), sqliteFile()];
if (typeof postgresBackend === 'string') {
  process.stderr.write(`feedback store suite: PostgreSQL skipped: ${postgresBackend}\n`);
  describe.skip(`feedback store on PostgreSQL (skipped: ${postgresBackend})`, () => {
    it('runs the store suite against PostgreSQL', () => undefined);
  });
} else {
  backends.push(postgresBackend);
}

const SERVICE = 'b12-patient-view';
const EHR = 'https://ehr.example.org';
const TREAT = 'b12-deficiency-treat';
const TEST = 'b12-test-recommended';
const AT = '2026-11-21T09:30:00.000Z';
const RECEIVED = new Date('2026-11-21T09:40:00.000Z');

/** Rows in a stable order, whatever the database's collation. */
const sortBy = <Row extends JsonObject>(rows: Row[], ...keys: (keyof Row)[]): Row[] =>
  [...rows].sort((a, b) => {
    for (const key of keys) {
      const [x, y] = [String(a[key]), String(b[key])];
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });

describe.each(backends)('feedback store on $name', (backend) => {
  const opened = new Set<Database>();
  const connect = (): Database => {
    const db = backend.connect();
    opened.add(db);
    return db;
  };
  const openStore = async (): Promise<{ store: FeedbackStore; db: Database }> => {
    const db = connect();
    return { store: await FeedbackStore.open(db), db };
  };

  beforeAll(async () => {
    if (backend.unavailable !== undefined) throw new Error(backend.unavailable);
    await backend.setUp();
  });
  afterAll(() => backend.tearDown());
  beforeEach(() => backend.fresh());
  afterEach(async () => {
    // Closing twice (a test closed its store already) is harmless here.
    for (const db of opened) await db.close().catch(() => undefined);
    opened.clear();
  });

  describe('schema', () => {
    it('applies the migrations at open: the five tables exist and schema_migrations holds versions 1 and 2 (silent cards)', async () => {
      const { db } = await openStore();
      expect(await tableNames(db)).toEqual(TABLES);
      expect(await db.all('SELECT version FROM schema_migrations')).toEqual([
        { version: 1 },
        { version: 2 },
      ]);
    });

    it('opening an up-to-date database again is a no-op: each version once, the rows kept', async () => {
      const first = await openStore();
      const shown = b12Card(TREAT, 'warning');
      await show(first.store, AT, [shown]);
      if (backend.persistent) await first.store.close();
      const db = backend.persistent ? connect() : first.db;
      await FeedbackStore.open(db);
      await FeedbackStore.open(db);
      expect(await db.all('SELECT version FROM schema_migrations')).toEqual([
        { version: 1 },
        { version: 2 },
      ]);
      expect(await db.all('SELECT uuid FROM cards')).toEqual([{ uuid: shown.uuid }]);
    });

    // Defined only where it applies (several connections to one database), so nothing is skipped.
    if (backend.replicas)
      it('replicas opening the same empty database at once all succeed, and each version is applied once', async () => {
        const dbs = [connect(), connect(), connect()];
        const stores = await Promise.all(dbs.map((db) => FeedbackStore.open(db)));
        expect(stores).toHaveLength(3);
        const [db] = dbs;
        expect(await db?.all('SELECT version FROM schema_migrations')).toEqual([
          { version: 1 },
          { version: 2 },
        ]);
      });

    if (backend.file !== undefined)
      it('a SQLite file runs in WAL mode (readers never block the writer)', async () => {
        const { store, db } = await openStore();
        expect(await db.all('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
        await show(store, AT, [b12Card(TREAT, 'warning')]);
        expect(existsSync(`${backend.file?.() ?? ''}-wal`)).toBe(true);
      });
  });

  describe('recordHookCall', () => {
    it('stores the call and each card shown: uuid, topic code, indicator, time and suggestion uuids', async () => {
      const { store, db } = await openStore();
      const treat = b12Card(TREAT, 'warning', 2);
      const test = b12Card(TEST, 'info', 0);
      const hookInstance = randomUUID();
      await store.recordHookCall({
        serviceId: SERVICE,
        hook: 'patient-view',
        hookInstance,
        at: new Date(AT),
        issuer: EHR,
        cards: [treat, test].map(recordedCard),
      });
      const at = Date.parse(AT);
      expect(await db.all('SELECT * FROM hook_calls')).toEqual([
        {
          hook_instance: hookInstance,
          service_id: SERVICE,
          hook: 'patient-view',
          called_at: at,
          issuer: EHR,
        },
      ]);
      expect(sortBy(await db.all<JsonObject>('SELECT * FROM cards'), 'code')).toEqual([
        {
          uuid: treat.uuid,
          hook_instance: hookInstance,
          service_id: SERVICE,
          code: TREAT,
          indicator: 'warning',
          shown_at: at,
          silent: 0,
        },
        {
          uuid: test.uuid,
          hook_instance: hookInstance,
          service_id: SERVICE,
          code: TEST,
          indicator: 'info',
          shown_at: at,
          silent: 0,
        },
      ]);
      const suggestions = treat.suggestions ?? [];
      expect(suggestions).toHaveLength(2);
      expect(
        sortBy(await db.all<JsonObject>('SELECT * FROM card_suggestions'), 'suggestion_uuid'),
      ).toEqual(
        sortBy(
          suggestions.map((suggestion) => ({
            card_uuid: treat.uuid,
            suggestion_uuid: suggestion.uuid,
          })),
          'suggestion_uuid',
        ),
      );
    });

    it('records a card without a topic under its source label, and a call without issuer as NULL', async () => {
      const { store, db } = await openStore();
      const local = card({ summary: 'Local rule', indicator: 'info', source: { label: 'Local' } });
      await show(store, AT, [local]);
      expect(await db.all('SELECT code FROM cards')).toEqual([{ code: 'Local' }]);
      expect(await db.all('SELECT issuer FROM hook_calls')).toEqual([{ issuer: null }]);
    });

    it('is one transaction: a card that cannot be stored (a repeated uuid) leaves no call, card or suggestion', async () => {
      const { store, db } = await openStore();
      const shown = b12Card(TREAT, 'warning');
      await expect(show(store, AT, [shown, { ...shown }])).rejects.toThrow();
      for (const table of ['hook_calls', 'cards', 'card_suggestions']) {
        expect(await countRows(db, table), table).toBe(0);
      }
      // The store goes on working after the rollback.
      await show(store, AT, [shown]);
      expect(await countRows(db, 'cards')).toBe(1);
    });
  });

  describe('recordFeedback', () => {
    it('stores outcome, accepted suggestion ids, override reason, comment, outcome time (UTC), receipt time and issuer', async () => {
      const { store, db } = await openStore();
      const treat = b12Card(TREAT, 'warning', 2);
      const test = b12Card(TEST, 'info');
      await show(store, AT, [treat, test]);
      const [first, second] = (treat.suggestions ?? []).map((suggestion) => suggestion.uuid);
      const items: FeedbackItem[] = [
        {
          card: treat.uuid,
          outcome: 'accepted',
          acceptedSuggestions: [{ id: second ?? '' }, { id: first ?? '' }],
          outcomeTimestamp: '2026-11-21T10:31:02.5+01:00',
        },
        overridden(
          test.uuid,
          'test-already-ordered',
          '2026-11-21T09:32:00Z',
          'Done at the hospital last week',
        ),
      ];
      const receipt = await store.recordFeedback(SERVICE, items, EHR, RECEIVED);
      expect(receipt).toEqual({ stored: 2, duplicates: 0, unknownCards: 0 });
      const rows = sortBy(await db.all<JsonObject>('SELECT * FROM feedback'), 'outcome');
      for (const row of rows) expect(row.id).toMatch(/^[0-9a-f]{64}$/);
      expect(rows.map(({ id: _id, ...row }) => row)).toEqual([
        {
          service_id: SERVICE,
          card_uuid: treat.uuid,
          outcome: 'accepted',
          accepted_suggestions: JSON.stringify([second, first]),
          reason_system: null,
          reason_code: null,
          reason_display: null,
          user_comment: null,
          outcome_at: Date.parse('2026-11-21T09:31:02.500Z'),
          received_at: RECEIVED.getTime(),
          issuer: EHR,
          known_card: 1,
        },
        {
          service_id: SERVICE,
          card_uuid: test.uuid,
          outcome: 'overridden',
          accepted_suggestions: null,
          reason_system: OVERRIDE_SYSTEM,
          reason_code: 'test-already-ordered',
          reason_display: OVERRIDE_REASONS['test-already-ordered'],
          user_comment: 'Done at the hospital last week',
          outcome_at: Date.parse('2026-11-21T09:32:00Z'),
          received_at: RECEIVED.getTime(),
          issuer: EHR,
          known_card: 1,
        },
      ]);
    });

    it('stores an item sent twice in one request, and again in a later request, once', async () => {
      const { store, db } = await openStore();
      const shown = b12Card(TREAT, 'warning');
      await show(store, AT, [shown]);
      const item = accepted(shown, '2026-11-21T09:31:00Z');
      expect(await store.recordFeedback(SERVICE, [item, { ...item }], undefined, RECEIVED)).toEqual(
        { stored: 1, duplicates: 1, unknownCards: 0 },
      );
      expect(
        await store.recordFeedback(SERVICE, [{ ...item }], EHR, new Date('2026-11-22T08:00:00Z')),
      ).toEqual({ stored: 0, duplicates: 1, unknownCards: 0 });
      expect(await db.all('SELECT card_uuid, received_at FROM feedback')).toEqual([
        { card_uuid: shown.uuid, received_at: RECEIVED.getTime() },
      ]);
    });

    it('stores a later answer about the same card (another outcome time) as a new item', async () => {
      const { store, db } = await openStore();
      const shown = b12Card(TREAT, 'warning');
      await show(store, AT, [shown]);
      await store.recordFeedback(
        SERVICE,
        [overridden(shown.uuid, 'patient-declined', '2026-11-21T09:31:00Z')],
        undefined,
        RECEIVED,
      );
      const receipt = await store.recordFeedback(
        SERVICE,
        [accepted(shown, '2026-11-21T09:45:00Z')],
        undefined,
        RECEIVED,
      );
      expect(receipt).toEqual({ stored: 1, duplicates: 0, unknownCards: 0 });
      expect(await countRows(db, 'feedback')).toBe(2);
    });

    it('stores feedback about a card it never recorded, flagged known_card = 0 and counted in the receipt', async () => {
      const { store, db } = await openStore();
      const item: FeedbackItem = {
        card: 'c-28',
        outcome: 'overridden',
        outcomeTimestamp: '2026-11-21T09:16:16.198Z',
      };
      expect(await store.recordFeedback(SERVICE, [item], undefined, RECEIVED)).toEqual({
        stored: 1,
        duplicates: 0,
        unknownCards: 1,
      });
      expect(await db.all('SELECT card_uuid, outcome, known_card FROM feedback')).toEqual([
        { card_uuid: 'c-28', outcome: 'overridden', known_card: 0 },
      ]);
      // Sent again: a duplicate, not a second unknown card.
      expect(await store.recordFeedback(SERVICE, [item], undefined, RECEIVED)).toEqual({
        stored: 0,
        duplicates: 1,
        unknownCards: 0,
      });
    });

    it('is one transaction: an item that cannot be stored rolls back the whole batch', async () => {
      const { store, db } = await openStore();
      const shown = b12Card(TREAT, 'warning');
      await show(store, AT, [shown]);
      const good = accepted(shown, '2026-11-21T09:31:00Z');
      // outcome is NOT NULL: the second item violates the constraint after the first was written.
      const bad = { ...overridden(shown.uuid, 'patient-declined', '2026-11-21T09:32:00Z') };
      Object.assign(bad, { outcome: null });
      await expect(store.recordFeedback(SERVICE, [good, bad], EHR, RECEIVED)).rejects.toThrow();
      expect(await countRows(db, 'feedback')).toBe(0);
      // The first item was not kept: sent again alone it is stored, not a duplicate.
      expect(await store.recordFeedback(SERVICE, [good], EHR, RECEIVED)).toEqual({
        stored: 1,
        duplicates: 0,
        unknownCards: 0,
      });
    });
  });

  describe('report on a known data set: 10 cards of two codes in three code/indicator rows, 1–8 Nov 2026', () => {
    const PERIOD = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-08T00:00:00Z') };
    let report: Report;

    beforeEach(async () => {
      const { store } = await openStore();
      const a = [1, 2, 3, 4].map(() => b12Card(TREAT, 'warning'));
      const critical = b12Card(TREAT, 'critical');
      const b = [1, 2, 3, 4, 5].map(() => b12Card(TEST, 'info'));
      const [a1, a2, a3] = a as [Card, Card, Card, Card];
      const [b1, b2, b3, b4] = b as [Card, Card, Card, Card, Card];
      const before = b12Card(TREAT, 'warning');
      const after = b12Card(TEST, 'info');
      await show(store, '2026-11-02T09:00:00Z', [a1, a2, b1]);
      await show(store, '2026-11-02T15:00:00Z', [b2]);
      await show(store, '2026-11-03T10:00:00Z', [a3, a[3] as Card, critical]);
      await show(store, '2026-11-04T23:59:59.999Z', [b3, b4, b[4] as Card]);
      // Outside the period: just before it, and at its (exclusive) end.
      await show(store, '2026-10-31T23:59:59.999Z', [before]);
      await show(store, '2026-11-08T00:00:00Z', [after]);
      const at = '2026-11-05T12:00:00Z';
      await store.recordFeedback(
        SERVICE,
        [
          accepted(a1, at),
          overridden(a2.uuid, 'treated-elsewhere', at),
          accepted(a3, at),
          overridden(critical.uuid, 'patient-declined', at),
          accepted(b1, at),
          // Ranked by count, not by arrival: the single reason comes first here.
          overridden(b2.uuid, 'test-already-ordered', at),
          overridden(b3.uuid, 'not-clinically-relevant', at),
          overridden(b4.uuid, 'not-clinically-relevant', at),
        ],
        EHR,
        new Date(at),
      );
      // Received in the period about cards not shown in it: unmatched.
      await store.recordFeedback(
        SERVICE,
        [accepted(before, '2026-11-01T08:00:00Z')],
        EHR,
        new Date('2026-11-01T08:00:00Z'),
      );
      await store.recordFeedback(
        SERVICE,
        [{ card: 'c-28', outcome: 'overridden', outcomeTimestamp: '2026-11-03T09:00:00Z' }],
        undefined,
        new Date('2026-11-03T09:00:00Z'),
      );
      // Received outside the period: not counted at all.
      await store.recordFeedback(
        SERVICE,
        [accepted(after, '2026-11-08T01:00:00Z')],
        EHR,
        new Date('2026-11-08T01:00:00Z'),
      );
      await store.recordFeedback(
        SERVICE,
        [{ card: 'c-29', outcome: 'overridden', outcomeTimestamp: '2026-10-20T09:00:00Z' }],
        undefined,
        new Date('2026-10-20T09:00:00Z'),
      );
      report = await store.report(PERIOD);
    });

    it('gives per code and indicator: shown, accepted, overridden, ignored, acceptance rate and reasons ranked', () => {
      expect(report.period).toEqual(PERIOD);
      expect(report.rows).toEqual([
        {
          code: TREAT,
          indicator: 'critical',
          shown: 1,
          silent: 0,
          accepted: 0,
          overridden: 1,
          ignored: 0,
          acceptanceRate: 0,
          overrideReasons: [
            { code: 'patient-declined', display: OVERRIDE_REASONS['patient-declined'], count: 1 },
          ],
        },
        {
          code: TREAT,
          indicator: 'warning',
          shown: 4,
          silent: 0,
          accepted: 2,
          overridden: 1,
          ignored: 1,
          acceptanceRate: 0.5,
          overrideReasons: [
            { code: 'treated-elsewhere', display: OVERRIDE_REASONS['treated-elsewhere'], count: 1 },
          ],
        },
        {
          code: TEST,
          indicator: 'info',
          shown: 5,
          silent: 0,
          accepted: 1,
          overridden: 3,
          ignored: 1,
          acceptanceRate: 0.2,
          overrideReasons: [
            {
              code: 'not-clinically-relevant',
              display: OVERRIDE_REASONS['not-clinically-relevant'],
              count: 2,
            },
            {
              code: 'test-already-ordered',
              display: OVERRIDE_REASONS['test-already-ordered'],
              count: 1,
            },
          ],
        },
      ]);
    });

    it('gives the daily series per code (UTC days): cards shown and accepted each day', () => {
      expect(report.daily).toEqual([
        { code: TREAT, day: '2026-11-02', shown: 2, accepted: 1, silent: 0 },
        { code: TREAT, day: '2026-11-03', shown: 3, accepted: 1, silent: 0 },
        { code: TEST, day: '2026-11-02', shown: 2, accepted: 1, silent: 0 },
        { code: TEST, day: '2026-11-04', shown: 3, accepted: 0, silent: 0 },
      ]);
    });

    it('excludes cards shown before the period or at its exclusive end, and counts feedback received in it about them as unmatched', () => {
      const shown = report.rows.reduce((sum, row) => sum + row.shown, 0);
      expect(shown).toBe(10);
      // The card shown on 31 Oct (accepted on 1 Nov) and the unknown c-28: c-29 and the
      // feedback of 8 Nov were received outside the period.
      expect(report.unmatchedFeedback).toBe(2);
      // c-28 alone was never recorded: flagged, and counted apart.
      expect(report.unknownCardFeedback).toBe(1);
    });
  });

  describe('report', () => {
    it('of an empty period has no rows, no daily points and no unmatched feedback', async () => {
      const { store } = await openStore();
      await show(store, AT, [b12Card(TREAT, 'warning')]);
      const period = {
        from: new Date('2026-01-01T00:00:00Z'),
        to: new Date('2026-02-01T00:00:00Z'),
      };
      expect(await store.report(period)).toEqual({
        period,
        rows: [],
        daily: [],
        unmatchedFeedback: 0,
        unknownCardFeedback: 0,
      });
    });

    it('counts a card overridden and later accepted once, as accepted', async () => {
      const { store } = await openStore();
      const shown = b12Card(TREAT, 'warning');
      await show(store, AT, [shown]);
      await store.recordFeedback(
        SERVICE,
        [
          overridden(shown.uuid, 'patient-declined', '2026-11-21T09:31:00Z'),
          accepted(shown, '2026-11-21T09:35:00Z'),
        ],
        undefined,
        RECEIVED,
      );
      const report = await store.report({
        from: new Date('2026-11-21T00:00:00Z'),
        to: new Date('2026-11-22T00:00:00Z'),
      });
      expect(report.rows).toMatchObject([{ shown: 1, accepted: 1, overridden: 0, ignored: 0 }]);
      expect(report.daily).toEqual([
        { code: TREAT, day: '2026-11-21', shown: 1, accepted: 1, silent: 0 },
      ]);
    });
  });

  describe('purge', () => {
    it('removes only calls, cards, suggestions and feedback older than the cutoff, and returns the counts', async () => {
      const { store, db } = await openStore();
      const old = b12Card(TREAT, 'warning', 2);
      const atCutoff = b12Card(TEST, 'info');
      const recent = b12Card(TREAT, 'warning');
      await show(store, '2026-01-10T09:00:00Z', [old]);
      await show(store, '2026-03-01T00:00:00Z', [atCutoff]);
      await show(store, '2026-06-10T09:00:00Z', [recent]);
      await store.recordFeedback(
        SERVICE,
        [accepted(old, '2026-01-11T09:00:00Z')],
        EHR,
        new Date('2026-01-11T09:00:00Z'),
      );
      // Feedback received after the cutoff about the old card stays (it is judged by its own time).
      await store.recordFeedback(
        SERVICE,
        [overridden(old.uuid, 'patient-declined', '2026-06-12T09:00:00Z')],
        EHR,
        new Date('2026-06-12T09:00:00Z'),
      );
      await store.recordFeedback(
        SERVICE,
        [accepted(recent, '2026-06-11T09:00:00Z')],
        EHR,
        new Date('2026-06-11T09:00:00Z'),
      );

      expect(await store.purge(new Date('2026-03-01T00:00:00Z'))).toEqual({
        cards: 1,
        feedback: 1,
      });

      expect(sortBy(await db.all<JsonObject>('SELECT uuid FROM cards'), 'uuid')).toEqual(
        sortBy([{ uuid: atCutoff.uuid }, { uuid: recent.uuid }], 'uuid'),
      );
      expect(await countRows(db, 'hook_calls')).toBe(2);
      expect(
        sortBy(await db.all<JsonObject>('SELECT card_uuid FROM card_suggestions'), 'card_uuid'),
      ).toEqual(sortBy([{ card_uuid: atCutoff.uuid }, { card_uuid: recent.uuid }], 'card_uuid'));
      expect(
        sortBy(await db.all<JsonObject>('SELECT card_uuid, outcome FROM feedback'), 'outcome'),
      ).toEqual([
        { card_uuid: recent.uuid, outcome: 'accepted' },
        { card_uuid: old.uuid, outcome: 'overridden' },
      ]);
      expect(await store.purge(new Date('2026-03-01T00:00:00Z'))).toEqual({
        cards: 0,
        feedback: 0,
      });
    });
  });

  describe('privacy', () => {
    const PUBLIC_URL = 'https://cds.example.org';
    const ACCESS_TOKEN = 'eyJhbGciOi.access-token-for-the-fhir-server.S3cr3t';

    it('never stores a patient identifier, a clinical value or a token: a real authenticated call and its feedback, every table read', async () => {
      const { store, db } = await openStore();
      const key = await signingKey('ES384', 'ehr-es384');
      const { app } = testApp({
        env: { CDS_AUTH: 'required', CDS_PUBLIC_URL: PUBLIC_URL },
        trustedClients: trustedClientsFrom([{ iss: EHR, jwks: { keys: [key.publicJwk] } }]),
        feedbackStore: store,
      });
      const fixture = cardFixture(TREAT);
      const body = {
        ...fixture,
        fhirServer: 'https://ehr.example.org/fhir',
        fhirAuthorization: {
          access_token: ACCESS_TOKEN,
          token_type: 'Bearer',
          expires_in: 300,
          scope: 'patient/*.read',
          subject: 'b12-cds-hooks',
          patient: 'pat-60318',
        },
      };
      const jwt = await clientToken(key, {
        iss: EHR,
        aud: `${PUBLIC_URL}/cds-services/${SERVICE}`,
      });
      const res = await request(app)
        .post(`/cds-services/${SERVICE}`)
        .set('Authorization', `Bearer ${jwt}`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect(res.status, res.text).toBe(200);
      const cards = (res.body as { cards: Card[] }).cards;
      const treat = cardByCode(res.body, TREAT) as unknown as Card | undefined;
      expect(treat?.suggestions?.length).toBeGreaterThan(0);
      expect(
        await eventually(
          () => countRows(db, 'cards'),
          (n) => n === cards.length,
        ),
      ).toBe(cards.length);
      const feedbackJwt = await clientToken(key, {
        iss: EHR,
        aud: `${PUBLIC_URL}/cds-services/${SERVICE}/feedback`,
      });
      const feedback = await request(app)
        .post(`/cds-services/${SERVICE}/feedback`)
        .set('Authorization', `Bearer ${feedbackJwt}`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ feedback: [accepted(treat as Card, '2026-11-21T09:31:00Z')] }));
      expect(feedback.status, feedback.text).toBe(200);

      const tables = await dumpTables(db);
      const stored = JSON.stringify(tables);
      // What is meant to be there is there: the dump is not empty by mistake.
      expect(stored).toContain((treat as Card).uuid);
      expect(stored).toContain(EHR);

      const resources: JsonObject[] = [];
      for (const value of Object.values(fixture.prefetch as Record<string, JsonObject | null>)) {
        if (value === null) continue;
        if (value.resourceType !== 'Bundle') resources.push(value);
        for (const entry of (value.entry ?? []) as { resource: JsonObject }[]) {
          resources.push(entry.resource);
        }
      }
      const context = fixture.context as Record<string, string>;
      const forbidden = [
        ACCESS_TOKEN,
        jwt,
        feedbackJwt,
        jwt.split('.')[2] ?? jwt,
        'pat-60318',
        'MRN0060318',
        'Bello',
        'Aisha',
        '1981-06-19',
        String(context.encounterId),
        String(context.userId),
        'prac-gp-1187',
        ...resources.map((resource) => String(resource.id)),
      ];
      for (const text of forbidden) expect(stored, `stores '${text}'`).not.toContain(text);
      // Clinical values: no decimal anywhere, and no cell equal to any measured value.
      const values = resources.flatMap((resource) => {
        const quantity = resource.valueQuantity as { value?: number } | undefined;
        return quantity?.value === undefined ? [] : [quantity.value];
      });
      expect(values).toContain(0.142);
      const cells: unknown[] = Object.values(tables).flatMap((rows) =>
        rows.flatMap((row) => Object.values(row)),
      );
      for (const value of values) {
        expect(cells, `stores the value ${String(value)}`).not.toContain(value);
        expect(cells, `stores the value ${String(value)}`).not.toContain(String(value));
        if (!Number.isInteger(value)) expect(stored).not.toContain(String(value));
      }
    });
  });
});
