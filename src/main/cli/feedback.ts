import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { OVERRIDE_REASONS } from '../../../cds-services/b12/index.js';
import { ConfigError } from '../config.js';
import { loadRuntime } from '../runtime.js';
import { openDatabase } from '../../feedback/database.js';
import { reportHtml, reportText } from '../../feedback/report.js';
import { FeedbackStore } from '../../feedback/store.js';

/**
 * `npm run report -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--html report.html]` and
 * `npm run purge`: the committee report and the retention purge, on the configured store.
 */

const DAY_MS = 86_400_000;

/**
 * The catalog's display for an override reason code (RULES.md 10.9.6): the report names a reason
 * the same way whether or not the EHR sent its display back. The CLI, like the server, is where
 * the services meet the protocol layer; the store itself knows no service's vocabulary.
 */
function overrideReasonDisplay(code: string): string | undefined {
  return Object.hasOwn(OVERRIDE_REASONS, code)
    ? OVERRIDE_REASONS[code as keyof typeof OVERRIDE_REASONS]
    : undefined;
}

function day(value: string | undefined, fallback: Date): Date {
  if (value === undefined) return fallback;
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(NaN);
  // `Date` rolls 2026-02-31 over to 2026-03-03: only a day that exists round-trips.
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value)
    throw new ConfigError(`expected a date YYYY-MM-DD, got '${value}'`);
  return parsed;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' }, html: { type: 'string' } },
  });
  const { config } = loadRuntime();
  const store = await FeedbackStore.open(openDatabase(config.feedback));
  try {
    const command = positionals[0] ?? 'report';
    if (command !== 'report' && command !== 'purge') {
      throw new ConfigError(`unknown command '${command}': use report or purge`);
    }
    if (command === 'purge') {
      const before = new Date(Date.now() - config.feedback.retentionDays * DAY_MS);
      const removed = await store.purge(before);
      process.stdout.write(
        `Purged ${String(removed.cards)} card(s) and ${String(removed.feedback)} feedback item(s) older than ${before.toISOString().slice(0, 10)} (FEEDBACK_RETENTION_DAYS=${String(config.feedback.retentionDays)}).\n`,
      );
      return;
    }
    const to = day(values.to, new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS));
    const from = day(values.from, new Date(to.getTime() - 30 * DAY_MS));
    const report = await store.report({ from, to }, { reasonDisplay: overrideReasonDisplay });
    process.stdout.write(`${reportText(report)}\n`);
    if (values.html) {
      writeFileSync(values.html, reportHtml(report));
      process.stdout.write(`\nChart and table written to ${values.html}\n`);
    }
  } finally {
    await store.close();
  }
}

if (import.meta.main) {
  await main().catch((error: unknown) => {
    process.stderr.write(`b12-cds-hooks: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
