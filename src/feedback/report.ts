import type { Report } from './store.js';

/**
 * The committee's report: a plain-text table for the terminal, and an HTML page with charts of
 * acceptance over time per card code and of cards shown and silent per day (inline SVG, no
 * scripts, works offline). Silent cards (issue 18) would have been shown: they are counted beside
 * the shown ones, never in the acceptance.
 */

const percent = (rate: number): string => `${(rate * 100).toFixed(1)}%`;
/** Acceptance of a row or day: none when no card was shown (a silent card cannot be accepted). */
const acceptance = (accepted: number, shown: number): string =>
  shown === 0 ? '—' : percent(accepted / shown);

export function reportText(report: Report): string {
  const header = [
    'card code',
    'indicator',
    'shown',
    'silent',
    'accepted',
    'overridden',
    'ignored',
    'acceptance',
  ];
  const lines = report.rows.map((row) => [
    row.code,
    row.indicator,
    String(row.shown),
    String(row.silent),
    String(row.accepted),
    String(row.overridden),
    String(row.ignored),
    acceptance(row.accepted, row.shown),
  ]);
  const silent = report.rows.reduce((sum, row) => sum + row.silent, 0);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  const reasons = report.rows.flatMap((row) =>
    row.overrideReasons.length === 0
      ? []
      : [
          `  ${row.code} (${row.indicator}): ${row.overrideReasons.map((reason) => `${reason.display} ×${String(reason.count)}`).join('; ')}`,
        ],
  );
  return [
    `Cards shown from ${report.period.from.toISOString().slice(0, 10)} to ${report.period.to.toISOString().slice(0, 10)} (exclusive)`,
    '',
    format(header),
    format(widths.map((width) => '-'.repeat(width))),
    ...(lines.length > 0 ? lines.map(format) : ['(no cards shown in this period)']),
    ...(silent > 0
      ? [
          '',
          `silent: ${String(silent)} card(s) in silent mode would have been shown (evaluated and recorded, never sent).`,
        ]
      : []),
    '',
    'Override reasons, most frequent first:',
    ...(reasons.length > 0 ? reasons : ['  (none)']),
    ...(report.unmatchedFeedback > 0
      ? [
          '',
          `${String(report.unmatchedFeedback)} feedback item(s) in the period refer to cards not shown in it (or never recorded).`,
        ]
      : []),
    ...(report.unknownCardFeedback > 0
      ? [
          `${String(report.unknownCardFeedback)} feedback item(s) in the period are about cards this store never recorded (kept and flagged: another replica may have shown them).`,
        ]
      : []),
  ].join('\n');
}

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLOURS = [
  '#1b6ca8',
  '#c0392b',
  '#27ae60',
  '#8e44ad',
  '#d35400',
  '#16a085',
  '#7f8c8d',
  '#2c3e50',
];

interface Series {
  name: string;
  colour: string;
  dashed: boolean;
  points: { day: string; value: number; title: string }[];
}

/** Series as polylines on one day axis, from 0 to `max`, with a marker and title on each point. */
function lineChart(
  label: string,
  days: readonly string[],
  series: readonly Series[],
  max: number,
  labels: { zero: string; max: string },
): string {
  const width = 720;
  const height = 260;
  const pad = 40;
  const x = (day: string): number =>
    pad + (days.length <= 1 ? 0 : (days.indexOf(day) / (days.length - 1)) * (width - 2 * pad));
  const y = (value: number): number =>
    height - pad - (max === 0 ? 0 : value / max) * (height - 2 * pad);
  const lines = series.map(({ name, colour, dashed, points }) => {
    const at = points.map((point) => ({
      ...point,
      x: x(point.day).toFixed(1),
      y: y(point.value).toFixed(1),
    }));
    // A marker on every day: a series with one day only is a one-point polyline, never drawn.
    const markers = at.map(
      (point) =>
        `<circle cx="${point.x}" cy="${point.y}" r="3" fill="${colour}"><title>${escape(point.title)}</title></circle>`,
    );
    const dash = dashed ? ' stroke-dasharray="6 4"' : '';
    return [
      `<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${at.map((point) => `${point.x},${point.y}`).join(' ')}"><title>${escape(name)}</title></polyline>`,
      ...markers,
    ].join('\n');
  });
  const legend = series.map(
    ({ name, colour, dashed }) =>
      `<li><span style="color:${colour}">${dashed ? '┄' : '■'}</span> ${escape(name)}</li>`,
  );
  return `<svg role="img" aria-label="${escape(label)}" viewBox="0 0 ${String(width)} ${String(height)}" width="${String(width)}" height="${String(height)}">
<line x1="${String(pad)}" y1="${String(y(0))}" x2="${String(width - pad)}" y2="${String(y(0))}" stroke="#999"/>
<line x1="${String(pad)}" y1="${String(y(max))}" x2="${String(width - pad)}" y2="${String(y(max))}" stroke="#ddd"/>
<text x="4" y="${String(y(max) + 4)}" font-size="11">${escape(labels.max)}</text><text x="10" y="${String(y(0) + 4)}" font-size="11">${escape(labels.zero)}</text>
<text x="${String(pad)}" y="${String(height - 8)}" font-size="11">${escape(days[0] ?? '')}</text>
<text x="${String(width - pad - 60)}" y="${String(height - 8)}" font-size="11">${escape(days.at(-1) ?? '')}</text>
${lines.join('\n')}
</svg>
<ul class="legend">${legend.join('')}</ul>`;
}

const colourOf = (codes: readonly string[], code: string): string =>
  COLOURS[codes.indexOf(code) % COLOURS.length] ?? '#000';

/** Acceptance (%) per day for each card code, on the days it was shown. */
function acceptanceChart(report: Report): string {
  const shownDays = report.daily.filter((point) => point.shown > 0);
  const days = [...new Set(shownDays.map((point) => point.day))].sort();
  const codes = [...new Set(shownDays.map((point) => point.code))].sort();
  const series = codes.map((code) => ({
    name: code,
    colour: colourOf(codes, code),
    dashed: false,
    points: shownDays
      .filter((point) => point.code === code)
      .map((point) => ({
        day: point.day,
        value: point.accepted / point.shown,
        title: `${code} ${point.day}: ${String(point.accepted)}/${String(point.shown)} accepted`,
      })),
  }));
  return lineChart('Acceptance rate per day and card code', days, series, 1, {
    zero: '0%',
    max: '100%',
  });
}

/** Cards shown (solid) and silent (dashed) per day, for each card code with silent firings. */
function silentChart(report: Report): string {
  const codes = [
    ...new Set(report.daily.filter((point) => point.silent > 0).map((point) => point.code)),
  ].sort();
  const points = report.daily.filter((point) => codes.includes(point.code));
  const days = [...new Set(points.map((point) => point.day))].sort();
  const series = codes.flatMap((code) =>
    (['shown', 'silent'] as const).map((kind) => ({
      name: `${code} ${kind}`,
      colour: colourOf(codes, code),
      dashed: kind === 'silent',
      points: points
        .filter((point) => point.code === code)
        .map((point) => ({
          day: point.day,
          value: point[kind],
          title: `${code} ${point.day}: ${String(point[kind])} ${kind === 'shown' ? 'shown' : 'would have been shown'}`,
        })),
    })),
  );
  const max = Math.max(1, ...points.map((point) => Math.max(point.shown, point.silent)));
  return lineChart('Cards shown and silent per day', days, series, max, {
    zero: '0',
    max: String(max),
  });
}

export function reportHtml(report: Report): string {
  const rows = report.rows
    .map(
      (row) =>
        `<tr><td>${escape(row.code)}</td><td>${escape(row.indicator)}</td><td>${String(row.shown)}</td><td>${String(row.silent)}</td><td>${String(row.accepted)}</td><td>${String(row.overridden)}</td><td>${String(row.ignored)}</td><td>${acceptance(row.accepted, row.shown)}</td><td>${row.overrideReasons.map((reason) => `${escape(reason.display)} ×${String(reason.count)}`).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const silent = report.daily.some((point) => point.silent > 0)
    ? `<h2>Silent cards: would have been shown, per day</h2>
<p>Cards in silent mode are evaluated and recorded, never sent to the EHR. Each code with silent firings is drawn with its shown cards (solid) and its silent ones (dashed).</p>
${silentChart(report)}
`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>B12 CDS card feedback</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}ul.legend{list-style:none;padding:0}</style></head>
<body><h1>B12 CDS card feedback</h1>
<p>Cards shown from ${report.period.from.toISOString().slice(0, 10)} to ${report.period.to.toISOString().slice(0, 10)} (exclusive).</p>
<h2>Acceptance over time</h2>
${acceptanceChart(report)}
${silent}<h2>Per card</h2>
<table><thead><tr><th>card code</th><th>indicator</th><th>shown</th><th>silent (would have been shown)</th><th>accepted</th><th>overridden</th><th>ignored</th><th>acceptance</th><th>override reasons</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
