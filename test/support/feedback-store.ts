import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  OVERRIDE_REASONS,
  OVERRIDE_SYSTEM,
  SOURCE_LABEL,
  TOPIC_SYSTEM,
} from '../../cds-services/b12/index.js';
import type { CardCode } from '../../cds-services/b12/index.js';
import { card, recordedCard } from '../../src/cds-hooks/cards.js';
import type { Card, Indicator } from '../../src/cds-hooks/cards.js';
import type { FeedbackItem } from '../../src/cds-hooks/feedback.js';
import type { Database } from '../../src/feedback/database.js';
import type { FeedbackStore } from '../../src/feedback/store.js';
import type { JsonObject } from './hook-calls.js';

/** Cards, feedback items and raw table reads for the feedback store's tests. */

export type OverrideReasonCode = keyof typeof OVERRIDE_REASONS;

/** Every table the store creates, in name order. */
export const TABLES = ['card_suggestions', 'cards', 'feedback', 'hook_calls', 'schema_migrations'];

/** A card as the B12 services build it (real builder: generated card and suggestion uuids). */
export function b12Card(code: CardCode, indicator: Indicator, suggestions = 1): Card {
  const fields = {
    summary: `Card ${code}`,
    indicator,
    source: { label: SOURCE_LABEL, topic: { system: TOPIC_SYSTEM, code } },
  };
  if (suggestions === 0) return card(fields);
  return card({
    ...fields,
    suggestions: Array.from({ length: suggestions }, (_, index) => ({
      label: `Suggestion ${String(index + 1)}`,
    })),
    selectionBehavior: 'at-most-one',
  });
}

export const accepted = (shown: Card, outcomeTimestamp: string): FeedbackItem => ({
  card: shown.uuid,
  outcome: 'accepted',
  acceptedSuggestions: [{ id: shown.suggestions?.[0]?.uuid ?? 'no-suggestion' }],
  outcomeTimestamp,
});

export const overridden = (
  cardUuid: string,
  reason: OverrideReasonCode,
  outcomeTimestamp: string,
  userComment?: string,
): FeedbackItem => ({
  card: cardUuid,
  outcome: 'overridden',
  overrideReason: {
    reason: { system: OVERRIDE_SYSTEM, code: reason, display: OVERRIDE_REASONS[reason] },
    ...(userComment === undefined ? {} : { userComment }),
  },
  outcomeTimestamp,
});

/** Records one patient-view call showing `cards` at `at`. */
export function show(
  store: FeedbackStore,
  at: string,
  cards: readonly Card[],
  issuer?: string,
): Promise<void> {
  return store.recordHookCall({
    serviceId: 'b12-patient-view',
    hook: 'patient-view',
    hookInstance: randomUUID(),
    at: new Date(at),
    issuer,
    cards: cards.map(recordedCard),
  });
}

/** The store's tables, whatever the database (SQLite or the current PostgreSQL schema). */
export async function tableNames(db: Database): Promise<string[]> {
  const rows =
    db.kind === 'sqlite'
      ? await db.all<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
      : await db.all<{ name: string }>(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()',
        );
  return rows.map((row) => row.name).sort();
}

/** Every row of every table. */
export async function dumpTables(db: Database): Promise<Record<string, JsonObject[]>> {
  const dump: Record<string, JsonObject[]> = {};
  for (const table of await tableNames(db)) {
    dump[table] = await db.all<JsonObject>(`SELECT * FROM ${table}`);
  }
  return dump;
}

export async function countRows(db: Database, table: string): Promise<number> {
  const [row] = await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return row?.n ?? 0;
}

/** Polls `read` until `done` holds (the app writes cards after answering); the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A request of fixtures/cards/ (one realistic request per catalog card). */
export const cardFixture = (code: CardCode): JsonObject =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/cards/${code}.json`, import.meta.url), 'utf8'),
  ) as JsonObject;
