/**
 * The progress of a long forecast, on one line of standard error (redrawn at most 4 times a
 * second): while reading, the bytes read of the files' total; while evaluating, patients done of
 * the total, patients per second and the time left.
 */

const REDRAW_MS = 250;

const number = (value: number): string => Math.round(value).toLocaleString('en-GB');

/** "1:05", "1:02:03". */
function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const whole = Math.max(0, Math.round(seconds));
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const pad = (part: number): string => String(part).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

export class Progress {
  private drawn = -Infinity;
  private phaseStart: number;
  private active = false;

  constructor(
    private readonly stream: NodeJS.WritableStream | undefined,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.phaseStart = clock();
  }

  private draw(line: string, force = false): void {
    if (this.stream === undefined) return;
    const now = this.clock();
    if (!force && now - this.drawn < REDRAW_MS) return;
    this.drawn = now;
    this.active = true;
    this.stream.write(`\r${line}\u001b[K`);
  }

  private elapsed(): number {
    return (this.clock() - this.phaseStart) / 1000;
  }

  reading(bytes: number, totalBytes: number, patients: number): void {
    const rate = bytes / this.elapsed();
    const share = totalBytes === 0 ? 1 : bytes / totalBytes;
    this.draw(
      `reading ${(bytes / 1e6).toFixed(1)} of ${(totalBytes / 1e6).toFixed(1)} MB (${Math.floor(share * 100)}%) · ${number(patients)} patients · ${duration((totalBytes - bytes) / rate)} left`,
    );
  }

  /** The evaluation starts: its rate is measured from now. */
  evaluation(): void {
    this.phaseStart = this.clock();
  }

  evaluating(done: number, total: number, force = false): void {
    const rate = done / this.elapsed();
    const share = total === 0 ? 1 : done / total;
    this.draw(
      `evaluating ${number(done)} of ${number(total)} patients (${Math.floor(share * 100)}%) · ${number(rate)} patients/s · ${duration((total - done) / rate)} left`,
      force,
    );
  }

  /** Ends the line, so that what follows starts on its own. */
  end(): void {
    if (this.active) this.stream?.write('\n');
    this.active = false;
  }
}
