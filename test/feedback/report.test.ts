import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OVERRIDE_REASONS, OVERRIDE_SYSTEM } from '../../cds-services/b12/index.js';
import type { FeedbackItem } from '../../src/cds-hooks/feedback.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import { reportHtml, reportText } from '../../src/feedback/report.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import type { Report, ReportOptions } from '../../src/feedback/store.js';
import { accepted, b12Card, overridden, show } from '../support/feedback-store.js';
import type { OverrideReasonCode } from '../support/feedback-store.js';
import { FEEDBACK_CLI_JS } from '../support/release.js';

/**
 * The committee report: the plain-text table and the HTML page (table and inline SVG chart) for a
 * known Report, and the CLI (`report`, `purge`) run as a process on a SQLite file.
 */

const TREAT = 'b12-deficiency-treat';
const TEST = 'b12-test-recommended';
const HOSTILE = '<script>alert("x")</script>&';
const RANKED_DISPLAY = 'Not clinically relevant <for> "this" patient & co';

const REPORT: Report = {
  period: { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-08T00:00:00Z') },
  rows: [
    {
      code: HOSTILE,
      indicator: 'info',
      shown: 1,
      silent: 0,
      accepted: 1,
      overridden: 0,
      ignored: 0,
      acceptanceRate: 1,
      overrideReasons: [],
    },
    {
      code: TREAT,
      indicator: 'warning',
      shown: 4,
      silent: 0,
      accepted: 3,
      overridden: 1,
      ignored: 0,
      acceptanceRate: 0.75,
      overrideReasons: [
        { code: 'treated-elsewhere', display: OVERRIDE_REASONS['treated-elsewhere'], count: 1 },
      ],
    },
    {
      code: TEST,
      indicator: 'info',
      shown: 6,
      silent: 0,
      accepted: 1,
      overridden: 3,
      ignored: 2,
      acceptanceRate: 1 / 6,
      overrideReasons: [
        { code: 'not-clinically-relevant', display: RANKED_DISPLAY, count: 2 },
        {
          code: 'test-already-ordered',
          display: OVERRIDE_REASONS['test-already-ordered'],
          count: 1,
        },
      ],
    },
  ],
  daily: [
    { code: HOSTILE, day: '2026-11-03', shown: 1, accepted: 1, silent: 0 },
    { code: TREAT, day: '2026-11-02', shown: 2, accepted: 1, silent: 0 },
    { code: TREAT, day: '2026-11-03', shown: 2, accepted: 2, silent: 0 },
    { code: TEST, day: '2026-11-02', shown: 2, accepted: 1, silent: 0 },
    { code: TEST, day: '2026-11-04', shown: 4, accepted: 0, silent: 0 },
  ],
  unmatchedFeedback: 2,
  unknownCardFeedback: 1,
};

const EMPTY: Report = {
  ...REPORT,
  rows: [],
  daily: [],
  unmatchedFeedback: 0,
  unknownCardFeedback: 0,
};

const COLUMNS = [
  'card code',
  'indicator',
  'shown',
  'silent',
  'accepted',
  'overridden',
  'ignored',
  'acceptance',
];

/** The table's lines of the text report: header, rule, and one line per row. */
const tableLines = (text: string): string[] => {
  const lines = text.split('\n');
  const header = lines.findIndex((line) => line.startsWith('card code'));
  const end = lines.indexOf('', header);
  return lines.slice(header, end);
};
const cells = (line: string): string[] => line.trim().split(/\s{2,}/);

describe('reportText', () => {
  const text = reportText(REPORT);

  it('names the period, its end exclusive', () => {
    expect(text.split('\n')[0]).toBe('Cards shown from 2026-11-01 to 2026-11-08 (exclusive)');
  });

  it('has the columns code, indicator, shown, accepted, overridden, ignored, acceptance, and one line per row with its figures', () => {
    const [header, rule, ...rows] = tableLines(text);
    expect(cells(header ?? '')).toEqual(COLUMNS);
    expect(rule).toMatch(/^[- ]+$/);
    expect(rows.map(cells)).toEqual([
      [HOSTILE, 'info', '1', '0', '1', '0', '0', '100.0%'],
      [TREAT, 'warning', '4', '0', '3', '1', '0', '75.0%'],
      [TEST, 'info', '6', '0', '1', '3', '2', '16.7%'],
    ]);
  });

  it('aligns the table: every line as wide, figures right-aligned', () => {
    const lines = tableLines(text);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    for (const line of lines.slice(2)) expect(line).toMatch(/%$/);
  });

  it('lists the override reasons per row, most frequent first, and the unmatched feedback', () => {
    const lines = text.split('\n');
    const from = lines.indexOf('Override reasons, most frequent first:');
    expect(lines.slice(from + 1, from + 3)).toEqual([
      `  ${TREAT} (warning): ${OVERRIDE_REASONS['treated-elsewhere']} ×1`,
      `  ${TEST} (info): ${RANKED_DISPLAY} ×2; ${OVERRIDE_REASONS['test-already-ordered']} ×1`,
    ]);
    expect(text).toContain(
      '2 feedback item(s) in the period refer to cards not shown in it (or never recorded).',
    );
    expect(text).toContain(
      '1 feedback item(s) in the period are about cards this store never recorded (kept and flagged: another replica may have shown them).',
    );
  });

  it('says so when nothing was shown, no reason was given and no feedback is unmatched', () => {
    const empty = reportText(EMPTY);
    expect(empty).toContain('(no cards shown in this period)');
    expect(empty).toContain('Override reasons, most frequent first:\n  (none)');
    expect(empty).not.toContain('feedback item(s)');
  });
});

describe('reportHtml', () => {
  const html = reportHtml(REPORT);
  const polylines = [
    ...html.matchAll(/<polyline [^>]*points="([^"]*)"[^>]*><title>([^<]*)<\/title><\/polyline>/g),
  ].map(([, points, title]) => ({ title, points }));

  it('is a complete page without scripts, naming the period', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('</html>');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Cards shown from 2026-11-01 to 2026-11-08 (exclusive).');
  });

  it('escapes every text it shows: card codes and override reasons', () => {
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<for>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    expect(html).toContain('Not clinically relevant &lt;for&gt; &quot;this&quot; patient &amp; co');
  });

  it('has one SVG chart with one polyline per card code, each point the day’s acceptance on a shared day axis', () => {
    expect(html.match(/<svg\b/g)).toHaveLength(1);
    // Days 2, 3 and 4 Nov at x = 40, 360, 680; acceptance 0% at y = 220, 100% at y = 40.
    expect(polylines).toEqual([
      { title: '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;', points: '360.0,40.0' },
      { title: TREAT, points: '40.0,130.0 360.0,40.0' },
      { title: TEST, points: '40.0,130.0 680.0,220.0' },
    ]);
  });

  it('marks every daily point, so a code shown on one day only is visible too', () => {
    const markers = [...html.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map(
      ([, cx, cy]) => `${cx ?? ''},${cy ?? ''}`,
    );
    expect(markers).toEqual([
      '360.0,40.0',
      '40.0,130.0',
      '360.0,40.0',
      '40.0,130.0',
      '680.0,220.0',
    ]);
  });

  it('has a legend entry per code, in the chart’s order', () => {
    const legend = [...html.matchAll(/<li><span [^>]*>■<\/span> ([^<]*)<\/li>/g)].map(
      ([, code]) => code,
    );
    expect(legend).toEqual(polylines.map((line) => line.title));
  });

  it('has the table: one row per code and indicator with its figures and reasons ranked', () => {
    const rows = [...html.matchAll(/<tr>(<td>.*?<\/td>)<\/tr>/g)].map(([, row]) =>
      [...(row ?? '').matchAll(/<td>(.*?)<\/td>/g)].map(([, cell]) => cell),
    );
    expect(rows).toEqual([
      [
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;',
        'info',
        '1',
        '0',
        '1',
        '0',
        '0',
        '100.0%',
        '',
      ],
      [
        TREAT,
        'warning',
        '4',
        '0',
        '3',
        '1',
        '0',
        '75.0%',
        `${OVERRIDE_REASONS['treated-elsewhere']} ×1`,
      ],
      [
        TEST,
        'info',
        '6',
        '0',
        '1',
        '3',
        '2',
        '16.7%',
        `Not clinically relevant &lt;for&gt; &quot;this&quot; patient &amp; co ×2<br>${OVERRIDE_REASONS['test-already-ordered']} ×1`,
      ],
    ]);
    expect(html).toContain(
      '<tr><th>card code</th><th>indicator</th><th>shown</th><th>silent (would have been shown)</th><th>accepted</th><th>overridden</th><th>ignored</th><th>acceptance</th><th>override reasons</th></tr>',
    );
  });
});

describe('silent cards in the report (issue 18)', () => {
  const CONSIDER = 'b12-test-consider';
  const SILENT: Report = {
    ...REPORT,
    rows: [
      ...REPORT.rows,
      {
        code: CONSIDER,
        indicator: 'info',
        shown: 0,
        silent: 5,
        accepted: 0,
        overridden: 0,
        ignored: 0,
        acceptanceRate: 0,
        overrideReasons: [],
      },
    ],
    daily: [
      ...REPORT.daily,
      { code: CONSIDER, day: '2026-11-02', shown: 0, accepted: 0, silent: 2 },
      { code: CONSIDER, day: '2026-11-04', shown: 0, accepted: 0, silent: 3 },
    ],
  };

  it('the text counts them beside the shown cards, with no acceptance, and says how many', () => {
    const text = reportText(SILENT);
    const rows = tableLines(text).slice(2).map(cells);
    expect(rows.at(-1)).toEqual([CONSIDER, 'info', '0', '5', '0', '0', '0', '—']);
    expect(text).toContain(
      'silent: 5 card(s) in silent mode would have been shown (evaluated and recorded, never sent).',
    );
  });

  it('the page draws a second chart: the silent code shown (solid) and silent (dashed) per day', () => {
    const html = reportHtml(SILENT);
    expect(html.match(/<svg\b/g)).toHaveLength(2);
    const silentChart = html.slice(html.indexOf('<h2>Silent cards'));
    const lines = [
      ...silentChart.matchAll(
        /<polyline [^>]*?(stroke-dasharray="6 4" )?points="([^"]*)"[^>]*><title>([^<]*)</g,
      ),
    ].map(([, dashed, points, title]) => ({ title, dashed: dashed !== undefined, points }));
    // Days 2 and 4 Nov at x = 40 and 680; 0 at y = 220, the most (3) at y = 40.
    expect(lines).toEqual([
      { title: `${CONSIDER} shown`, dashed: false, points: '40.0,220.0 680.0,220.0' },
      { title: `${CONSIDER} silent`, dashed: true, points: '40.0,100.0 680.0,40.0' },
    ]);
    // The acceptance chart is unchanged: a code never shown has no line in it.
    expect(html.slice(0, html.indexOf('<h2>Silent cards'))).not.toContain(CONSIDER);
  });
});

/** The CDS Hooks Sandbox's feedback capture (fixtures/requests/029): one card overridden. */
const SANDBOX_FEEDBACK = (
  JSON.parse(
    readFileSync(
      new URL(
        '../../fixtures/requests/029-sandbox--feedback-b12-patient-view.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as { body: { feedback: FeedbackItem[] } }
).body.feedback;

/** The Sandbox's item for `cardUuid`, with a reason as the Sandbox sends it: a code, no display. */
const sandboxOverride = (cardUuid: string, code?: string): FeedbackItem => {
  const [item] = SANDBOX_FEEDBACK;
  if (!item) throw new Error('capture 029 has no feedback item');
  return {
    ...item,
    card: cardUuid,
    ...(code === undefined
      ? {}
      : { overrideReason: { reason: { system: OVERRIDE_SYSTEM, code } } }),
  };
};

/** The CLI's lookup (RULES.md 10.9.6): the catalog's display for a code it lists. */
const catalogDisplay = (code: string): string | undefined =>
  Object.hasOwn(OVERRIDE_REASONS, code) ? OVERRIDE_REASONS[code as OverrideReasonCode] : undefined;

describe('override reasons stored without a display are reported with the catalog’s display (RULES.md 10.9.6)', () => {
  const PERIOD = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-08T00:00:00Z') };
  let dir: string;
  let store: FeedbackStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'b12-reasons-'));
    store = await FeedbackStore.open(sqliteDatabase(join(dir, 'feedback.sqlite')));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Shows one TEST card per item on 3 Nov and records each item's feedback for its card. */
  const overrideCards = async (
    items: readonly ((cardUuid: string) => FeedbackItem)[],
  ): Promise<void> => {
    const cards = items.map(() => b12Card(TEST, 'info'));
    await show(store, '2026-11-03T09:00:00Z', cards);
    await store.recordFeedback(
      'b12-patient-view',
      items.map((item, index) => item(cards[index]?.uuid ?? '')),
      undefined,
      new Date('2026-11-03T10:00:00Z'),
    );
  };
  const reasonsOf = async (
    options: ReportOptions = { reasonDisplay: catalogDisplay },
  ): Promise<unknown> =>
    (await store.report(PERIOD, options)).rows.find((row) => row.code === TEST)?.overrideReasons;

  it('a Sandbox override with the reason code only (no display) is reported with the catalog display', async () => {
    await overrideCards([(uuid) => sandboxOverride(uuid, 'not-clinically-relevant')]);
    expect(await reasonsOf()).toEqual([
      {
        code: 'not-clinically-relevant',
        display: OVERRIDE_REASONS['not-clinically-relevant'],
        count: 1,
      },
    ]);
  });

  it('the same reason with and without a display is one reason, counted once per card', async () => {
    await overrideCards([
      (uuid) => overridden(uuid, 'patient-declined', '2026-11-03T09:05:00Z'),
      (uuid) => sandboxOverride(uuid, 'patient-declined'),
      (uuid) => sandboxOverride(uuid, 'patient-declined'),
      (uuid) => overridden(uuid, 'test-already-ordered', '2026-11-03T09:05:00Z'),
      (uuid) => sandboxOverride(uuid, 'alternative-explanation'),
    ]);
    expect(await reasonsOf()).toEqual([
      { code: 'patient-declined', display: OVERRIDE_REASONS['patient-declined'], count: 3 },
      // Ties ranked by code, whether or not a display was stored.
      {
        code: 'alternative-explanation',
        display: OVERRIDE_REASONS['alternative-explanation'],
        count: 1,
      },
      { code: 'test-already-ordered', display: OVERRIDE_REASONS['test-already-ordered'], count: 1 },
    ]);
  });

  it('the ranking does not depend on the order feedback arrived in, nor on which copy had a display', async () => {
    await overrideCards([
      (uuid) => sandboxOverride(uuid, 'test-already-ordered'),
      (uuid) => overridden(uuid, 'test-already-ordered', '2026-11-03T09:05:00Z'),
      (uuid) => overridden(uuid, 'not-clinically-relevant', '2026-11-03T09:05:00Z'),
      (uuid) => sandboxOverride(uuid, 'not-clinically-relevant'),
    ]);
    expect(await reasonsOf()).toEqual([
      {
        code: 'not-clinically-relevant',
        display: OVERRIDE_REASONS['not-clinically-relevant'],
        count: 2,
      },
      { code: 'test-already-ordered', display: OVERRIDE_REASONS['test-already-ordered'], count: 2 },
    ]);
  });

  it('a listed code is named by the catalog even when the EHR stored its own wording: one reason', async () => {
    await overrideCards([
      (uuid) => ({
        ...sandboxOverride(uuid),
        overrideReason: {
          reason: { system: OVERRIDE_SYSTEM, code: 'patient-declined', display: 'Pt declined' },
        },
      }),
      (uuid) => sandboxOverride(uuid, 'patient-declined'),
    ]);
    expect(await reasonsOf()).toEqual([
      { code: 'patient-declined', display: OVERRIDE_REASONS['patient-declined'], count: 2 },
    ]);
  });

  it('the Sandbox capture as sent (overridden, no reason) counts the card overridden and names no reason', async () => {
    await overrideCards([(uuid) => sandboxOverride(uuid)]);
    const row = (await store.report(PERIOD, { reasonDisplay: catalogDisplay })).rows[0];
    expect(row).toMatchObject({ code: TEST, shown: 1, overridden: 1, overrideReasons: [] });
  });

  it('a code the catalog does not list keeps the display stored with it, else is shown as its code', async () => {
    await overrideCards([
      (uuid) => ({
        ...sandboxOverride(uuid),
        overrideReason: {
          reason: { system: 'urn:ehr:local', code: 'local-1', display: 'Local reason' },
        },
      }),
      (uuid) => sandboxOverride(uuid, 'local-2'),
    ]);
    expect(await reasonsOf()).toEqual([
      { code: 'local-1', display: 'Local reason', count: 1 },
      { code: 'local-2', display: 'local-2', count: 1 },
    ]);
  });

  it('without a lookup (the store alone) a code-only reason is shown as its code', async () => {
    await overrideCards([(uuid) => sandboxOverride(uuid, 'patient-declined')]);
    expect(await reasonsOf({})).toEqual([
      { code: 'patient-declined', display: 'patient-declined', count: 1 },
    ]);
  });
});

describe('the CLI (node dist/src/main/cli/feedback.js)', () => {
  const ROOT = fileURLToPath(new URL('../..', import.meta.url));
  const DAY_MS = 86_400_000;
  let dir: string;
  let dbPath: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'b12-report-'));
    dbPath = join(dir, 'feedback.sqlite');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the CLI on the temp SQLite file, with only PATH, HOME and `env` in its environment. */
  const cli = (
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
  ): { status: number | null; stdout: string; stderr: string } => {
    const result = spawnSync(process.execPath, [FEEDBACK_CLI_JS, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, FEEDBACK_DB_PATH: dbPath, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  /** Fills the file through the store, then closes it (as the server would have). */
  const fill = async (work: (store: FeedbackStore) => Promise<void>): Promise<void> => {
    const store = await FeedbackStore.open(sqliteDatabase(dbPath));
    try {
      await work(store);
    } finally {
      await store.close();
    }
  };

  it('report --from --to --html prints the figures, exits 0 and writes the HTML page', async () => {
    await fill(async (store) => {
      const [t1, t2] = [b12Card(TREAT, 'warning'), b12Card(TREAT, 'warning')];
      const test = b12Card(TEST, 'info');
      const sandbox = b12Card(TEST, 'info');
      await show(store, '2026-11-02T09:00:00Z', [t1, t2]);
      await show(store, '2026-11-03T09:00:00Z', [test, sandbox]);
      await show(store, '2026-11-20T09:00:00Z', [b12Card(TEST, 'info')]);
      await store.recordFeedback(
        'b12-patient-view',
        [
          accepted(t1, '2026-11-02T09:05:00Z'),
          overridden(test.uuid, 'patient-declined', '2026-11-03T09:05:00Z'),
          // As the CDS Hooks Sandbox sends it: the code without its display.
          sandboxOverride(sandbox.uuid, 'patient-declined'),
        ],
        undefined,
        new Date('2026-11-03T10:00:00Z'),
      );
    });
    const htmlPath = join(dir, 'report.html');
    const run = cli(['report', '--from', '2026-11-01', '--to', '2026-11-08', '--html', htmlPath]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Cards shown from 2026-11-01 to 2026-11-08 (exclusive)');
    const [, , ...rows] = tableLines(run.stdout);
    expect(rows.map(cells)).toEqual([
      [TREAT, 'warning', '2', '0', '1', '0', '1', '50.0%'],
      [TEST, 'info', '2', '0', '0', '2', '0', '0.0%'],
    ]);
    // With and without a display: one reason, named by the catalog (RULES.md 10.9.6).
    expect(run.stdout).toContain(`  ${TEST} (info): ${OVERRIDE_REASONS['patient-declined']} ×2\n`);
    expect(run.stdout).toContain(`Chart and table written to ${htmlPath}`);
    expect(existsSync(htmlPath)).toBe(true);
    const html = readFileSync(htmlPath, 'utf8');
    expect(html.match(/<polyline /g)).toHaveLength(2);
    expect(html).toContain(`<td>${TREAT}</td><td>warning</td><td>2</td><td>0</td><td>1</td>`);
  });

  it('purge removes what is older than FEEDBACK_RETENTION_DAYS and says how much', async () => {
    const now = Date.now();
    const iso = (daysAgo: number): string => new Date(now - daysAgo * DAY_MS).toISOString();
    const old = b12Card(TREAT, 'warning');
    const recent = b12Card(TEST, 'info');
    await fill(async (store) => {
      await show(store, iso(45), [old]);
      await show(store, iso(1), [recent]);
      await store.recordFeedback(
        'b12-patient-view',
        [accepted(old, iso(44))],
        undefined,
        new Date(iso(44)),
      );
      await store.recordFeedback(
        'b12-patient-view',
        [accepted(recent, iso(1))],
        undefined,
        new Date(iso(1)),
      );
    });
    const run = cli(['purge'], { FEEDBACK_RETENTION_DAYS: '30' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^Purged 1 card\(s\) and 1 feedback item\(s\) older than \d{4}-\d{2}-\d{2} \(FEEDBACK_RETENTION_DAYS=30\)\.\n$/,
    );
    const db = sqliteDatabase(dbPath);
    try {
      expect(await db.all('SELECT uuid FROM cards')).toEqual([{ uuid: recent.uuid }]);
      expect(await db.all('SELECT card_uuid FROM feedback')).toEqual([{ card_uuid: recent.uuid }]);
    } finally {
      await db.close();
    }
  });

  it.each([
    ['--from', 'yesterday'],
    ['--from', '2026-13-01'],
    // Not rolled over to 3 March.
    ['--to', '2026-02-31'],
  ])('report %s %s exits 1 with a message naming the bad date', (option, value) => {
    const run = cli(['report', option, value]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`b12-cds-hooks: expected a date YYYY-MM-DD, got '${value}'\n`);
    expect(run.stdout).toBe('');
  });

  it('purge with an invalid FEEDBACK_RETENTION_DAYS exits 1 naming the variable, and removes nothing', async () => {
    await fill((store) => show(store, '2020-01-01T00:00:00Z', [b12Card(TREAT, 'warning')]));
    const run = cli(['purge'], { FEEDBACK_RETENTION_DAYS: '0' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/FEEDBACK_RETENTION_DAYS/);
    const db = sqliteDatabase(dbPath);
    try {
      expect(await db.all('SELECT COUNT(*) AS n FROM cards')).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
    }
  });
});
