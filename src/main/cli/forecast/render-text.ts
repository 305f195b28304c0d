import { AGE_BANDS } from './forecast-json.js';
import type { CardCount, Forecast } from './forecast-json.js';

/**
 * A forecast as a CDS committee reads it in a terminal: who it covers, a table of the cards
 * (patients, rate per 1,000, the three most common triggering facts), then the data quality.
 */

const number = (value: number): string => value.toLocaleString('en-GB');

/** Columns padded to their widest cell; the ones listed in `right` aligned right. */
function table(rows: readonly (readonly string[])[], right: ReadonlySet<number>): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  }
  return rows.map((row) =>
    row
      .map((cell, column) =>
        right.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  );
}

/** "age over 75 (62%), metformin for over 4 months (21%)": the top facts, shares of the card's patients. */
export function topFacts(card: CardCount, count = 3): string {
  return Object.entries(card.facts)
    .slice(0, count)
    .map(([fact, patients]) => `${fact} (${Math.round((patients / card.patients) * 100)}%)`)
    .join(', ');
}

/** "12 patients on 2026-12-07, hooks patient-view and order-select (draft folic-acid-5mg)". */
export function heading(forecast: Forecast): string {
  const hooks = forecast.hooks.join(' and ');
  const draft = forecast.draft === undefined ? '' : ` (draft ${forecast.draft})`;
  const shard = forecast.shard === undefined ? '' : `, shard ${forecast.shard}`;
  const patients = forecast.patients === 1 ? '1 patient' : `${number(forecast.patients)} patients`;
  return `${patients} on ${forecast.date}, ${forecast.hooks.length > 1 ? 'hooks' : 'hook'} ${hooks}${draft}${shard}`;
}

function counts(title: string, record: Readonly<Record<string, number>>): string[] {
  const entries = Object.entries(record);
  if (entries.length === 0) return [`  ${title}: none`];
  return [
    `  ${title}:`,
    ...table(
      entries.map(([key, count]) => ['   ', key, number(count)]),
      new Set([2]),
    ),
  ];
}

export function renderForecast(forecast: Forecast): string {
  const { dataQuality: quality } = forecast;
  const dead =
    quality.deceased === 0
      ? ''
      : `; ${number(quality.deceased)} recorded as dead, who are given no cards`;
  const lines = [`Forecast of the B12 cards for ${heading(forecast)}${dead}`, ''];
  if (forecast.cards.length === 0) {
    lines.push('No card would be shown.');
  } else {
    lines.push(
      ...table(
        [
          [
            'hook',
            'card code',
            'indicator',
            'patients',
            'per 1,000',
            'most common triggering facts',
          ],
          ...forecast.cards.map((card) => [
            card.hook,
            card.silent ? `${card.code} (silent)` : card.code,
            card.indicator,
            number(card.patients),
            card.per1000.toFixed(1),
            topFacts(card),
          ]),
        ],
        new Set([3, 4]),
      ),
    );
  }
  lines.push(
    '',
    `Patients by age: ${AGE_BANDS.filter(
      (band) => band !== 'unknown' || forecast.ageBands[band] > 0,
    )
      .map((band) => `${band} ${number(forecast.ageBands[band])}`)
      .join(', ')}`,
    '',
    'Data quality (patients, unless said otherwise):',
    ...counts('results that could not be read, by reason', quality.unusableResults),
    ...counts('records recognised by their name only, by code', quality.recognisedByName),
    ...counts('refused by the service, by reason', quality.notEvaluated),
    ...counts('resources naming no patient (resources), by type', quality.resourcesWithoutPatient),
    `  patients named by resources but without a Patient resource: ${number(quality.patientsWithoutPatientResource)}`,
  );
  return `${lines.join('\n')}\n`;
}
