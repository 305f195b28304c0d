import type { ChartData, ChartPoint, ChartSeries, ExposureBar } from '../chart-types.js';
import { h, s } from './dom.js';

/**
 * The patient's results over time: one panel per analyte on a shared time axis, the rule book's
 * thresholds as shaded bands, and the medicines that matter as bars below. Every point is
 * focusable and named, and the same data are offered as a table.
 */

const DAY_MS = 86_400_000;
const PANEL_HEIGHT = 92;
const LANE_HEIGHT = 20;
const MARGIN = { left: 150, right: 48, top: 8 };
const AXIS_HEIGHT = 28;

const dayOf = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

/** An axis label: two significant digits are enough to read the scale. */
const tickText = (value: number): string => String(Number(value.toPrecision(2)));

function pointLabel(series: ChartSeries, point: ChartPoint): string {
  const value = point.shown;
  const reported = point.reported === value ? '' : ` (reported ${point.reported})`;
  const diagnostic = point.diagnostic ? '' : ', taken on or just after B12 treatment';
  return `${series.label} ${point.date}: ${value}${reported}${diagnostic}`;
}

interface TimeAxis {
  x: (day: number) => number;
  from: number;
  to: number;
}

function timeAxis(data: ChartData, width: number): TimeAxis {
  const today = dayOf(data.today);
  // The results set the range (at least the last year); a medicine started earlier is drawn from
  // the left edge, its start date kept in its label.
  const days = [
    ...data.series.flatMap((series) => series.points.map((point) => dayOf(point.date))),
    today - 365,
  ];
  const from = Math.min(...days) - 45;
  const to = today + 14;
  const span = Math.max(to - from, 1);
  return {
    from,
    to,
    x: (day) => MARGIN.left + ((day - from) / span) * (width - MARGIN.left - MARGIN.right),
  };
}

function panel(series: ChartSeries, axis: TimeAxis, top: number, width: number): SVGElement {
  const limits = series.bands
    .flatMap((band) => [band.from, band.below])
    .filter((v): v is number => v !== undefined);
  const values = series.points.map((point) => point.value);
  const max = Math.max(...values, ...limits.map((limit) => limit * 1.25), 1) * 1.08;
  const y = (value: number): number =>
    top + PANEL_HEIGHT - (Math.min(value, max) / max) * (PANEL_HEIGHT - 8);
  const right = width - MARGIN.right;
  const group = s('g', { class: 'panel', 'data-analyte': series.analyte });
  group.append(
    s('rect', {
      x: MARGIN.left,
      y: top,
      width: right - MARGIN.left,
      height: PANEL_HEIGHT,
      class: 'panel-frame',
    }),
  );
  for (const band of series.bands) {
    const upper = y(band.below ?? max);
    const lower = y(band.from ?? 0);
    group.append(
      s(
        'rect',
        {
          x: MARGIN.left,
          y: upper,
          width: right - MARGIN.left,
          height: Math.max(lower - upper, 0),
          class: `band band-${band.tone}`,
        },
        s(
          'title',
          {},
          `${band.label}: ${band.from === undefined ? '' : `from ${band.from} `}${band.below === undefined ? '' : `below ${band.below} `}${series.unit}`,
        ),
      ),
    );
    // Named at the left, where results are older and fewer; too thin a band keeps its tooltip.
    if (lower - upper >= 12) {
      group.append(
        s('text', { x: MARGIN.left + 4, y: upper + 11, class: 'band-label' }, band.label),
      );
    }
  }
  group.append(
    s('text', { x: 8, y: top + 18, class: 'panel-title' }, series.label),
    s('text', { x: 8, y: top + 34, class: 'panel-unit' }, series.unit),
    s(
      'text',
      { x: MARGIN.left - 6, y: y(max) + 10, class: 'tick', 'text-anchor': 'end' },
      tickText(max),
    ),
    s('text', { x: MARGIN.left - 6, y: y(0), class: 'tick', 'text-anchor': 'end' }, '0'),
  );
  if (series.points.length === 0) {
    group.append(
      s(
        'text',
        {
          x: (MARGIN.left + right) / 2,
          y: top + PANEL_HEIGHT / 2,
          class: 'empty',
          'text-anchor': 'middle',
        },
        'no usable result',
      ),
    );
    return group;
  }
  const coordinates = series.points.map(
    (point) => [axis.x(dayOf(point.date)), y(point.value)] as const,
  );
  group.append(
    s('polyline', {
      points: coordinates.map(([px, py]) => `${px},${py}`).join(' '),
      class: 'trend',
    }),
  );
  series.points.forEach((point, index) => {
    const [cx, cy] = coordinates[index] ?? [0, 0];
    const label = pointLabel(series, point);
    group.append(
      s(
        'circle',
        {
          cx,
          cy,
          r: 4.5,
          class: point.diagnostic ? 'point' : 'point not-diagnostic',
          tabindex: 0,
          role: 'img',
          'aria-label': label,
        },
        s('title', {}, label),
      ),
    );
  });
  return group;
}

function exposureLanes(
  bars: readonly ExposureBar[],
  axis: TimeAxis,
  top: number,
  width: number,
  today: number,
): SVGElement {
  const lanes = [...new Set(bars.map((bar) => bar.lane))];
  const group = s('g', { class: 'exposures' });
  lanes.forEach((lane, index) => {
    const laneTop = top + index * LANE_HEIGHT;
    group.append(s('text', { x: 8, y: laneTop + 14, class: 'lane-title' }, lane));
    for (const bar of bars.filter((candidate) => candidate.lane === lane)) {
      const start = axis.x(Math.max(dayOf(bar.start), axis.from));
      const end =
        bar.end !== undefined ? axis.x(dayOf(bar.end)) : bar.current ? axis.x(today) : start + 4;
      const label = `${bar.name}: from ${bar.start}${bar.end ? ` to ${bar.end}` : bar.current ? ', current' : ', end not recorded'}`;
      group.append(
        s(
          'rect',
          {
            x: start,
            y: laneTop + 4,
            width: Math.max(end - start, 4),
            height: LANE_HEIGHT - 8,
            rx: 3,
            class: `exposure${bar.current ? ' current' : ''}`,
            tabindex: 0,
            role: 'img',
            'aria-label': label,
          },
          s('title', {}, label),
        ),
      );
    }
  });
  if (lanes.length === 0) {
    group.append(
      s(
        'text',
        { x: 8, y: top + 14, class: 'lane-title' },
        'No metformin, acid suppression, folic acid or B12 therapy recorded',
      ),
    );
  }
  return group;
}

function monthTicks(axis: TimeAxis, top: number, bottom: number): SVGElement {
  const group = s('g', { class: 'axis' });
  const first = new Date(axis.from * DAY_MS);
  const cursor = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
  const months = (axis.to - axis.from) / 30;
  const step = months > 36 ? 12 : months > 18 ? 6 : months > 8 ? 3 : 1;
  while (cursor.getTime() / DAY_MS < axis.to) {
    if (cursor.getUTCMonth() % step === 0) {
      const x = axis.x(cursor.getTime() / DAY_MS);
      group.append(
        s('line', { x1: x, x2: x, y1: top, y2: bottom, class: 'gridline' }),
        s(
          'text',
          { x, y: bottom + 16, class: 'tick', 'text-anchor': 'middle' },
          step === 12 ? String(cursor.getUTCFullYear()) : cursor.toISOString().slice(0, 7),
        ),
      );
    }
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return group;
}

function dataTable(data: ChartData): HTMLElement {
  const rows = data.series.flatMap((series) =>
    series.points.map((point) =>
      h(
        'tr',
        {},
        h('td', {}, point.date),
        h('td', {}, series.label),
        h('td', {}, point.shown),
        h('td', {}, point.reported),
        h('td', {}, point.diagnostic ? '' : 'on / just after B12 treatment'),
      ),
    ),
  );
  return h(
    'details',
    { class: 'data-table' },
    h('summary', {}, 'Results as a table'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Date'),
          h('th', {}, 'Test'),
          h('th', {}, 'Value'),
          h('th', {}, 'As reported'),
          h('th', {}, 'Note'),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}

export function renderChart(data: ChartData, width: number): HTMLElement {
  const axis = timeAxis(data, width);
  const lanes = new Set(data.exposures.map((bar) => bar.lane)).size || 1;
  const panelsBottom = MARGIN.top + data.series.length * (PANEL_HEIGHT + 10);
  const height = panelsBottom + lanes * LANE_HEIGHT + AXIS_HEIGHT;
  const today = dayOf(data.today);
  const chart = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'group',
    'aria-label': `Results from ${new Date(axis.from * DAY_MS).toISOString().slice(0, 10)} to ${data.today}, with thresholds and medicines`,
    class: 'chart',
  });
  chart.append(monthTicks(axis, MARGIN.top, height - AXIS_HEIGHT));
  data.series.forEach((series, index) => {
    chart.append(panel(series, axis, MARGIN.top + index * (PANEL_HEIGHT + 10), width));
  });
  chart.append(exposureLanes(data.exposures, axis, panelsBottom, width, today));
  const x = axis.x(today);
  chart.append(
    s('line', { x1: x, x2: x, y1: MARGIN.top, y2: height - AXIS_HEIGHT, class: 'today' }),
    s(
      'text',
      { x, y: height - 2, class: 'tick today-label', 'text-anchor': 'middle' },
      `today ${data.today}`,
    ),
  );
  return h(
    'div',
    {},
    chart,
    data.notes.length > 0
      ? h('ul', { class: 'notes' }, ...data.notes.map((note) => h('li', {}, note)))
      : null,
    dataTable(data),
  );
}
