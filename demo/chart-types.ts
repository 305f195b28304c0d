/** The demo chart's data, as /demo/api/chart answers it and the page draws it. */

export interface ThresholdBand {
  /** Lower bound (inclusive); absent: from the bottom of the axis. */
  from?: number;
  /** Upper bound (exclusive); absent: to the top of the axis. */
  below?: number;
  label: string;
  tone: 'alert' | 'caution';
}

export interface ChartPoint {
  /** YYYY-MM-DD (UTC day). */
  date: string;
  /** In the series' canonical unit. */
  value: number;
  /** The value as cards show it, with comparator and unit: "130.1 ng/L", "<50 ng/L". */
  shown: string;
  /** As the laboratory reported it, e.g. "132 pmol/L". */
  reported: string;
  /** False for a B12 marker taken on or just after treatment (RULES.md 2.2). */
  diagnostic: boolean;
}

export interface ChartSeries {
  analyte: string;
  label: string;
  unit: string;
  bands: ThresholdBand[];
  points: ChartPoint[];
}

export interface ExposureBar {
  /** The row it is drawn in: "Metformin", "B12 therapy", … */
  lane: string;
  /** The medicine as recorded. */
  name: string;
  start: string;
  /** Absent: current (drawn to today), or a past request of unknown end (drawn as a mark). */
  end?: string;
  current: boolean;
}

export interface ChartData {
  today: string;
  series: ChartSeries[];
  exposures: ExposureBar[];
  /** The data notes of the request (unusable results and so on). */
  notes: string[];
}
