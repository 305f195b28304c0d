import { escapeHtml } from '../../../../cds-services/b12/index.js';
import { AGE_BANDS, per1000 } from './forecast-json.js';
import type { CardCount, Forecast } from './forecast-json.js';
import { heading, topFacts } from './render-text.js';

/**
 * A forecast as a page for a CDS committee: bar charts of each card's rate per 1,000 patients,
 * overall and by age band, then the tables. Self-contained (inline SVG and style, no scripts),
 * so it can be mailed, archived and opened offline.
 */

const BAND_COLOURS = ['#9ecae1', '#4292c6', '#2171b5', '#08306b'];
const BANDS = AGE_BANDS.filter((band) => band !== 'unknown');

const LABEL_WIDTH = 330;
const CHART_WIDTH = 360;
const ROW = 22;
/** A card's row of the age-band chart: a bar per band. */
const BAND_ROW = 40;

const cardLabel = (card: CardCount, forecast: Forecast): string =>
  `${card.code}${forecast.hooks.length > 1 ? ` (${card.hook})` : ''}${card.silent ? ' (silent)' : ''}`;

/** Bars of `values` (per 1,000) after a label, scaled to the largest, with their value. */
function bars(
  label: string,
  values: readonly { value: number; colour: string; title: string }[],
  top: number,
  scale: number,
  row = ROW,
): string {
  const height = (row - 6) / values.length;
  const parts = values.map(({ value, colour, title }, index) => {
    const y = top + 3 + index * height;
    const width = (value / scale) * CHART_WIDTH;
    return `<rect x="${LABEL_WIDTH}" y="${y.toFixed(1)}" width="${width.toFixed(1)}" height="${(height - 1).toFixed(1)}" fill="${colour}"><title>${escapeHtml(title)}</title></rect>`;
  });
  const value = values.length === 1 ? (values[0]?.value ?? 0).toFixed(1) : '';
  const end = LABEL_WIDTH + CHART_WIDTH * ((values[0]?.value ?? 0) / scale) + 6;
  return [
    `<text x="${LABEL_WIDTH - 8}" y="${top + row / 2 + 4}" text-anchor="end" font-size="12">${escapeHtml(label)}</text>`,
    ...parts,
    value === ''
      ? ''
      : `<text x="${end.toFixed(1)}" y="${top + ROW / 2 + 4}" font-size="11">${value}</text>`,
  ].join('');
}

function svg(label: string, rows: string[], height: number): string {
  return `<svg role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${LABEL_WIDTH + CHART_WIDTH + 60} ${height}" width="${LABEL_WIDTH + CHART_WIDTH + 60}" height="${height}">
${rows.join('\n')}
</svg>`;
}

function rateChart(forecast: Forecast): string {
  const scale = Math.max(1, ...forecast.cards.map((card) => card.per1000));
  const rows = forecast.cards.map((card, index) =>
    bars(
      cardLabel(card, forecast),
      [
        {
          value: card.per1000,
          colour: '#1b6ca8',
          title: `${card.code}: ${card.patients} patients, ${card.per1000.toFixed(1)} per 1,000`,
        },
      ],
      index * ROW,
      scale,
    ),
  );
  return svg('Card rates per 1,000 patients', rows, forecast.cards.length * ROW + 4);
}

function bandChart(forecast: Forecast): string {
  const rates = forecast.cards.map((card) =>
    BANDS.map((band) => per1000(card.ageBands[band], forecast.ageBands[band])),
  );
  const scale = Math.max(1, ...rates.flat());
  const rows = forecast.cards.map((card, index) =>
    bars(
      cardLabel(card, forecast),
      BANDS.map((band, at) => ({
        value: rates[index]?.[at] ?? 0,
        colour: BAND_COLOURS[at] ?? '#000',
        title: `${card.code}, ${band}: ${card.ageBands[band]} of ${forecast.ageBands[band]} patients, ${(rates[index]?.[at] ?? 0).toFixed(1)} per 1,000`,
      })),
      index * BAND_ROW,
      scale,
      BAND_ROW - 6,
    ),
  );
  const legend = BANDS.map(
    (band, at) =>
      `<li><span style="color:${BAND_COLOURS[at] ?? '#000'}">■</span> ${escapeHtml(band)} (${forecast.ageBands[band] === 1 ? '1 patient' : `${forecast.ageBands[band]} patients`})</li>`,
  );
  return `${svg('Card rates per 1,000 patients by age band', rows, forecast.cards.length * BAND_ROW + 4)}
<ul class="legend">${legend.join('')}</ul>`;
}

function countsTable(title: string, record: Readonly<Record<string, number>>): string {
  const rows = Object.entries(record).map(
    ([key, count]) => `<tr><td>${escapeHtml(key)}</td><td class="n">${count}</td></tr>`,
  );
  return `<h3>${escapeHtml(title)}</h3>
${rows.length === 0 ? '<p>None.</p>' : `<table><tbody>${rows.join('')}</tbody></table>`}`;
}

export function renderForecastHtml(forecast: Forecast): string {
  const quality = forecast.dataQuality;
  const cardRows = forecast.cards.map(
    (card) =>
      `<tr><td>${escapeHtml(card.hook)}</td><td>${escapeHtml(card.code)}</td><td>${escapeHtml(card.indicator)}</td><td class="n">${card.patients}</td><td class="n">${card.per1000.toFixed(1)}</td><td>${escapeHtml(topFacts(card, 5))}</td></tr>`,
  );
  const charts =
    forecast.cards.length === 0
      ? '<p>No card would be shown.</p>'
      : `<h2>Card rates per 1,000 patients</h2>
${rateChart(forecast)}
<h2>Card rates per 1,000 patients by age band</h2>
${bandChart(forecast)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>B12 CDS card forecast</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}td.n{text-align:right}ul.legend{list-style:none;padding:0;display:flex;gap:1.5rem}</style></head>
<body><h1>B12 CDS card forecast</h1>
<p>${escapeHtml(heading(forecast))}. ${quality.deceased} recorded as dead, who are given no cards.</p>
${charts}
<h2>Per card</h2>
<table><thead><tr><th>hook</th><th>card code</th><th>indicator</th><th>patients</th><th>per 1,000</th><th>most common triggering facts</th></tr></thead>
<tbody>
${cardRows.join('\n')}
</tbody></table>
<h2>Patients by age band</h2>
<table><tbody>${AGE_BANDS.map((band) => `<tr><td>${escapeHtml(band)}</td><td class="n">${forecast.ageBands[band]}</td></tr>`).join('')}</tbody></table>
<h2>Data quality (patients, unless said otherwise)</h2>
${countsTable('Results that could not be read, by reason', quality.unusableResults)}
${countsTable('Records recognised by their name only, by code', quality.recognisedByName)}
${countsTable('Refused by the service, by reason', quality.notEvaluated)}
${countsTable('Resources naming no patient (resources), by type', quality.resourcesWithoutPatient)}
<p>Patients named by resources but without a Patient resource: ${quality.patientsWithoutPatientResource}.</p>
</body></html>
`;
}
