import { createHash } from 'node:crypto';
import type { RecordedCard } from '../cds-hooks/cards.js';
import type { FeedbackItem } from '../cds-hooks/feedback.js';
import type { Database } from './database.js';

/**
 * What clinicians were shown and how they answered, for the CDS committee's report: each hook
 * call's cards (uuid, topic code, indicator, suggestion uuids) and each feedback item. No patient
 * identifier, clinical value or token is stored.
 */

/** The PostgreSQL advisory lock held while migrating (any constant unique to this schema). */
const MIGRATION_LOCK = '7342019812';

/** Schema versions, applied in order at start; identical for SQLite and PostgreSQL. */
const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE hook_calls (
      hook_instance TEXT NOT NULL,
      service_id TEXT NOT NULL,
      hook TEXT NOT NULL,
      called_at BIGINT NOT NULL,
      issuer TEXT
    )`,
    'CREATE INDEX hook_calls_called_at ON hook_calls (called_at)',
    `CREATE TABLE cards (
      uuid TEXT PRIMARY KEY,
      hook_instance TEXT NOT NULL,
      service_id TEXT NOT NULL,
      code TEXT NOT NULL,
      indicator TEXT NOT NULL,
      shown_at BIGINT NOT NULL
    )`,
    'CREATE INDEX cards_shown_at ON cards (shown_at)',
    `CREATE TABLE card_suggestions (
      card_uuid TEXT NOT NULL,
      suggestion_uuid TEXT NOT NULL,
      PRIMARY KEY (card_uuid, suggestion_uuid)
    )`,
    `CREATE TABLE feedback (
      id TEXT PRIMARY KEY,
      service_id TEXT NOT NULL,
      card_uuid TEXT NOT NULL,
      outcome TEXT NOT NULL,
      accepted_suggestions TEXT,
      reason_system TEXT,
      reason_code TEXT,
      reason_display TEXT,
      user_comment TEXT,
      outcome_at BIGINT NOT NULL,
      received_at BIGINT NOT NULL,
      issuer TEXT,
      known_card INTEGER NOT NULL
    )`,
    'CREATE INDEX feedback_card_uuid ON feedback (card_uuid)',
    'CREATE INDEX feedback_received_at ON feedback (received_at)',
  ],
  // Issue 18: cards evaluated in silent mode, recorded as "would have shown" (never shown).
  ['ALTER TABLE cards ADD COLUMN silent INTEGER NOT NULL DEFAULT 0'],
];

export interface HookCallRecord {
  serviceId: string;
  hook: string;
  hookInstance: string;
  at: Date;
  issuer: string | undefined;
  cards: readonly RecordedCard[];
  /** Cards evaluated in silent mode: stored as "would have shown", never shown (issue 18). */
  silentCards?: readonly RecordedCard[];
}

export interface FeedbackReceipt {
  stored: number;
  duplicates: number;
  /** Feedback for cards this store never recorded (cards outlive restarts): kept and flagged. */
  unknownCards: number;
}

export interface ReportPeriod {
  from: Date;
  to: Date;
}

export interface ReportOptions {
  /**
   * The display of an override reason code in the services' catalog, or undefined for a code it
   * does not list. Given by the caller (the CLI): the store knows no service's vocabulary.
   */
  reasonDisplay?: (code: string) => string | undefined;
}

export interface ReportRow {
  code: string;
  indicator: string;
  shown: number;
  /** Evaluated in silent mode: would have been shown (issue 18); never accepted or overridden. */
  silent: number;
  accepted: number;
  overridden: number;
  /** Shown without any feedback. */
  ignored: number;
  /** accepted / shown. */
  acceptanceRate: number;
  overrideReasons: { code: string; display: string; count: number }[];
}

export interface DailyAcceptance {
  code: string;
  day: string;
  shown: number;
  accepted: number;
  /** Silent firings that day: cards that would have been shown. */
  silent: number;
}

export interface Report {
  period: ReportPeriod;
  rows: ReportRow[];
  daily: DailyAcceptance[];
  /** Feedback in the period about cards not shown in it (or never recorded). */
  unmatchedFeedback: number;
  /**
   * Feedback received in the period about cards this store never recorded (kept, flagged
   * `known_card = 0`: another replica with its own store may have shown them).
   */
  unknownCardFeedback: number;
}

/** A feedback item's identity: the same item sent twice is stored once (clients retry). */
function feedbackId(serviceId: string, item: FeedbackItem): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        serviceId,
        item.card,
        item.outcome,
        item.outcomeTimestamp,
        (item.acceptedSuggestions ?? []).map((suggestion) => suggestion.id).sort(),
        item.overrideReason?.reason?.code ?? null,
        item.overrideReason?.userComment ?? null,
      ]),
    )
    .digest('hex');
}

export class FeedbackStore {
  private constructor(private readonly db: Database) {}

  /** Opens the store and brings its schema up to date. */
  static async open(db: Database): Promise<FeedbackStore> {
    await db.transaction(async (tx) => {
      // Replicas starting together on PostgreSQL: one migrates while the others wait for it, then
      // find the versions applied (without the lock they raced and failed on duplicate tables).
      // SQLite's BEGIN IMMEDIATE already admits one writer at a time.
      if (tx.kind === 'postgres') await tx.run(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await tx.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
      const applied = await tx.all<{ version: number }>('SELECT version FROM schema_migrations');
      const done = new Set(applied.map((row) => row.version));
      for (const [index, statements] of MIGRATIONS.entries()) {
        const version = index + 1;
        if (done.has(version)) continue;
        for (const statement of statements) await tx.run(statement);
        await tx.run('INSERT INTO schema_migrations (version) VALUES (?)', [version]);
      }
    });
    return new FeedbackStore(db);
  }

  get kind(): Database['kind'] {
    return this.db.kind;
  }

  async recordHookCall(call: HookCallRecord): Promise<void> {
    await this.recordHookCalls([call]);
  }

  /** Several hook calls' cards in one transaction (the recorder writes them in batches). */
  async recordHookCalls(calls: readonly HookCallRecord[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const call of calls) {
        const at = call.at.getTime();
        await tx.run(
          'INSERT INTO hook_calls (hook_instance, service_id, hook, called_at, issuer) VALUES (?, ?, ?, ?, ?)',
          [call.hookInstance, call.serviceId, call.hook, at, call.issuer ?? null],
        );
        const insertCard = (card: RecordedCard, silent: boolean): Promise<void> =>
          tx.run(
            'INSERT INTO cards (uuid, hook_instance, service_id, code, indicator, shown_at, silent) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [
              card.uuid,
              call.hookInstance,
              call.serviceId,
              card.code,
              card.indicator,
              at,
              silent ? 1 : 0,
            ],
          );
        // A silent card's suggestions were never offered: only the card is kept.
        for (const card of call.silentCards ?? []) await insertCard(card, true);
        for (const card of call.cards) {
          await insertCard(card, false);
          for (const suggestionUuid of card.suggestionUuids) {
            await tx.run(
              'INSERT INTO card_suggestions (card_uuid, suggestion_uuid) VALUES (?, ?)',
              [card.uuid, suggestionUuid],
            );
          }
        }
      }
    });
  }

  async recordFeedback(
    serviceId: string,
    items: readonly FeedbackItem[],
    issuer: string | undefined,
    receivedAt: Date,
  ): Promise<FeedbackReceipt> {
    const receipt: FeedbackReceipt = { stored: 0, duplicates: 0, unknownCards: 0 };
    await this.db.transaction(async (tx) => {
      for (const item of items) {
        const id = feedbackId(serviceId, item);
        if ((await tx.all('SELECT id FROM feedback WHERE id = ?', [id])).length > 0) {
          receipt.duplicates += 1;
          continue;
        }
        const known =
          (await tx.all('SELECT uuid FROM cards WHERE uuid = ?', [item.card])).length > 0;
        if (!known) receipt.unknownCards += 1;
        const reason = item.overrideReason?.reason;
        await tx.run(
          `INSERT INTO feedback (id, service_id, card_uuid, outcome, accepted_suggestions, reason_system,
             reason_code, reason_display, user_comment, outcome_at, received_at, issuer, known_card)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO NOTHING`,
          [
            id,
            serviceId,
            item.card,
            item.outcome,
            item.acceptedSuggestions
              ? JSON.stringify(item.acceptedSuggestions.map((s) => s.id))
              : null,
            reason?.system ?? null,
            reason?.code ?? null,
            reason?.display ?? null,
            item.overrideReason?.userComment ?? null,
            Date.parse(item.outcomeTimestamp),
            receivedAt.getTime(),
            issuer ?? null,
            known ? 1 : 0,
          ],
        );
        receipt.stored += 1;
      }
    });
    return receipt;
  }

  /** Acceptance and override figures per card code and indicator, for cards shown in the period. */
  async report(period: ReportPeriod, options: ReportOptions = {}): Promise<Report> {
    const from = period.from.getTime();
    const to = period.to.getTime();
    const cards = await this.db.all<ReportedCard>(
      'SELECT uuid, code, indicator, shown_at, silent FROM cards WHERE shown_at >= ? AND shown_at < ?',
      [from, to],
    );
    const feedback = await this.db.all<{
      card_uuid: string;
      outcome: string;
      reason_code: string | null;
      reason_display: string | null;
    }>(
      `SELECT f.card_uuid, f.outcome, f.reason_code, f.reason_display FROM feedback f
       JOIN cards c ON c.uuid = f.card_uuid WHERE c.shown_at >= ? AND c.shown_at < ?`,
      [from, to],
    );
    const unmatched = await this.db.all<{ n: number }>(
      `SELECT COUNT(*) AS n FROM feedback f WHERE f.received_at >= ? AND f.received_at < ?
       AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.uuid = f.card_uuid AND c.shown_at >= ? AND c.shown_at < ?)`,
      [from, to, from, to],
    );
    const unknown = await this.db.all<{ n: number }>(
      'SELECT COUNT(*) AS n FROM feedback WHERE received_at >= ? AND received_at < ? AND known_card = 0',
      [from, to],
    );
    return {
      period,
      ...summarise(cards, feedback, options.reasonDisplay ?? (() => undefined)),
      unmatchedFeedback: unmatched[0]?.n ?? 0,
      unknownCardFeedback: unknown[0]?.n ?? 0,
    };
  }

  /** Deletes what is older than `before`; returns the number of cards and feedback items removed. */
  async purge(before: Date): Promise<{ cards: number; feedback: number }> {
    const cutoff = before.getTime();
    let removed = { cards: 0, feedback: 0 };
    await this.db.transaction(async (tx) => {
      const count = async (sql: string): Promise<number> =>
        (await tx.all<{ n: number }>(sql, [cutoff]))[0]?.n ?? 0;
      removed = {
        cards: await count('SELECT COUNT(*) AS n FROM cards WHERE shown_at < ?'),
        feedback: await count('SELECT COUNT(*) AS n FROM feedback WHERE received_at < ?'),
      };
      await tx.run(
        'DELETE FROM card_suggestions WHERE card_uuid IN (SELECT uuid FROM cards WHERE shown_at < ?)',
        [cutoff],
      );
      await tx.run('DELETE FROM cards WHERE shown_at < ?', [cutoff]);
      await tx.run('DELETE FROM hook_calls WHERE called_at < ?', [cutoff]);
      await tx.run('DELETE FROM feedback WHERE received_at < ?', [cutoff]);
    });
    return removed;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** A card row as the report reads it; `silent` is 1 for a card that would have been shown. */
interface ReportedCard {
  uuid: string;
  code: string;
  indicator: string;
  shown_at: number;
  silent: number;
}

function summarise(
  cards: readonly ReportedCard[],
  feedback: readonly {
    card_uuid: string;
    outcome: string;
    reason_code: string | null;
    reason_display: string | null;
  }[],
  reasonDisplay: (code: string) => string | undefined,
): Pick<Report, 'rows' | 'daily'> {
  const outcomes = new Map<string, Set<string>>();
  for (const item of feedback) {
    const seen = outcomes.get(item.card_uuid) ?? new Set<string>();
    seen.add(item.outcome);
    outcomes.set(item.card_uuid, seen);
  }
  const rows = new Map<string, ReportRow>();
  const daily = new Map<string, DailyAcceptance>();
  for (const card of cards) {
    const key = `${card.code}|${card.indicator}`;
    const row = rows.get(key) ?? {
      code: card.code,
      indicator: card.indicator,
      shown: 0,
      silent: 0,
      accepted: 0,
      overridden: 0,
      ignored: 0,
      acceptanceRate: 0,
      overrideReasons: [],
    };
    rows.set(key, row);
    const day = new Date(card.shown_at).toISOString().slice(0, 10);
    const dayKey = `${card.code}|${day}`;
    const dayRow = daily.get(dayKey) ?? { code: card.code, day, shown: 0, accepted: 0, silent: 0 };
    daily.set(dayKey, dayRow);
    if (card.silent === 1) {
      row.silent += 1;
      dayRow.silent += 1;
      continue;
    }
    const seen = outcomes.get(card.uuid);
    row.shown += 1;
    dayRow.shown += 1;
    // A card accepted at any point counts as accepted, even if an earlier view overrode it.
    if (seen?.has('accepted')) {
      row.accepted += 1;
      dayRow.accepted += 1;
    } else if (seen?.has('overridden')) row.overridden += 1;
    else row.ignored += 1;
  }
  // Override reasons per row, by code: the same reason with or without a display (the CDS Hooks
  // Sandbox sends the code alone) is one reason (RULES.md 10.9.6).
  const cardKey = new Map(cards.map((card) => [card.uuid, `${card.code}|${card.indicator}`]));
  type ReasonTally = { count: number; displays: Map<string, number> };
  const reasons = new Map<string, Map<string, ReasonTally>>();
  for (const item of feedback) {
    if (item.outcome !== 'overridden' || item.reason_code === null) continue;
    const key = cardKey.get(item.card_uuid);
    if (key === undefined || !rows.has(key)) continue;
    const byCode = reasons.get(key) ?? new Map<string, ReasonTally>();
    const reason = byCode.get(item.reason_code) ?? {
      count: 0,
      displays: new Map<string, number>(),
    };
    reason.count += 1;
    if (item.reason_display !== null && item.reason_display.trim() !== '')
      reason.displays.set(item.reason_display, (reason.displays.get(item.reason_display) ?? 0) + 1);
    byCode.set(item.reason_code, reason);
    reasons.set(key, byCode);
  }
  for (const [key, row] of rows) {
    row.acceptanceRate = row.shown === 0 ? 0 : row.accepted / row.shown;
    row.overrideReasons = [...(reasons.get(key) ?? new Map<string, ReasonTally>())]
      .map(([code, { count, displays }]) => ({
        code,
        // The catalog's display for a code it lists, so one code always reads the same (the EHR
        // echoes a display back or not); else the display stored most often; else the code.
        display: reasonDisplay(code) ?? mostFrequent(displays) ?? code,
        count,
      }))
      .sort(
        (a, b) =>
          b.count - a.count || a.code.localeCompare(b.code) || a.display.localeCompare(b.display),
      );
  }
  return {
    rows: [...rows.values()].sort(
      (a, b) => a.code.localeCompare(b.code) || a.indicator.localeCompare(b.indicator),
    ),
    daily: [...daily.values()].sort(
      (a, b) => a.code.localeCompare(b.code) || a.day.localeCompare(b.day),
    ),
  };
}

/** The display stored most often (ties alphabetically); undefined when none was stored. */
function mostFrequent(counts: ReadonlyMap<string, number>): string | undefined {
  return [...counts].sort(([a, m], [b, n]) => n - m || a.localeCompare(b))[0]?.[0];
}
