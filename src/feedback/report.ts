import type { Report } from './store.js';

/**
 * The committee's report: a plain-text table for the terminal, and an HTML page with a chart of
 * acceptance over time per card code (inline SVG, no scripts, works offline).
 */

const percent = (rate: number): string => `${(rate * 100).toFixed(1)}%`;

export function reportText(report: Report): string {
  const header = [
    'card code',
    'indicator',
    'shown',
    'accepted',
    'overridden',
    'ignored',
    'acceptance',
  ];
  const lines = report.rows.map((row) => [
    row.code,
    row.indicator,
    String(row.shown),
    String(row.accepted),
    String(row.overridden),
    String(row.ignored),
    percent(row.acceptanceRate),
  ]);
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

/** Acceptance (%) per day for each card code, as polylines on one time axis. */
function chart(report: Report): string {
  const days = [...new Set(report.daily.map((point) => point.day))].sort();
  const codes = [...new Set(report.daily.map((point) => point.code))].sort();
  const width = 720;
  const height = 260;
  const pad = 40;
  const x = (day: string): number =>
    pad + (days.length <= 1 ? 0 : (days.indexOf(day) / (days.length - 1)) * (width - 2 * pad));
  const y = (rate: number): number => height - pad - rate * (height - 2 * pad);
  const lines = codes.map((code, index) => {
    const points = report.daily
      .filter((point) => point.code === code)
      .map((point) => ({
        ...point,
        at: `${x(point.day).toFixed(1)},${y(point.accepted / point.shown).toFixed(1)}`,
      }));
    const colour = COLOURS[index % COLOURS.length] ?? '#000';
    // A marker on every day: a code shown on one day only is a one-point polyline, never drawn.
    const markers = points.map((point) => {
      const [cx, cy] = point.at.split(',');
      return `<circle cx="${cx ?? ''}" cy="${cy ?? ''}" r="3" fill="${colour}"><title>${escape(code)} ${escape(point.day)}: ${String(point.accepted)}/${String(point.shown)} accepted</title></circle>`;
    });
    return [
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((point) => point.at).join(' ')}"><title>${escape(code)}</title></polyline>`,
      ...markers,
    ].join('\n');
  });
  const legend = codes.map(
    (code, index) =>
      `<li><span style="color:${COLOURS[index % COLOURS.length] ?? '#000'}">■</span> ${escape(code)}</li>`,
  );
  return `<svg role="img" aria-label="Acceptance rate per day and card code" viewBox="0 0 ${String(width)} ${String(height)}" width="${String(width)}" height="${String(height)}">
<line x1="${String(pad)}" y1="${String(y(0))}" x2="${String(width - pad)}" y2="${String(y(0))}" stroke="#999"/>
<line x1="${String(pad)}" y1="${String(y(1))}" x2="${String(width - pad)}" y2="${String(y(1))}" stroke="#ddd"/>
<text x="4" y="${String(y(1) + 4)}" font-size="11">100%</text><text x="10" y="${String(y(0) + 4)}" font-size="11">0%</text>
<text x="${String(pad)}" y="${String(height - 8)}" font-size="11">${escape(days[0] ?? '')}</text>
<text x="${String(width - pad - 60)}" y="${String(height - 8)}" font-size="11">${escape(days.at(-1) ?? '')}</text>
${lines.join('\n')}
</svg>
<ul class="legend">${legend.join('')}</ul>`;
}

export function reportHtml(report: Report): string {
  const rows = report.rows
    .map(
      (row) =>
        `<tr><td>${escape(row.code)}</td><td>${escape(row.indicator)}</td><td>${String(row.shown)}</td><td>${String(row.accepted)}</td><td>${String(row.overridden)}</td><td>${String(row.ignored)}</td><td>${percent(row.acceptanceRate)}</td><td>${row.overrideReasons.map((reason) => `${escape(reason.display)} ×${String(reason.count)}`).join('<br>')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>B12 CDS card feedback</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}ul.legend{list-style:none;padding:0}</style></head>
<body><h1>B12 CDS card feedback</h1>
<p>Cards shown from ${report.period.from.toISOString().slice(0, 10)} to ${report.period.to.toISOString().slice(0, 10)} (exclusive).</p>
<h2>Acceptance over time</h2>
${chart(report)}
<h2>Per card</h2>
<table><thead><tr><th>card code</th><th>indicator</th><th>shown</th><th>accepted</th><th>overridden</th><th>ignored</th><th>acceptance</th><th>override reasons</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
