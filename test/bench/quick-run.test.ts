import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Results } from '../../bench/report.js';

/**
 * Smoke test of `npm run bench -- --quick`: every row runs briefly and the tables are printed.
 * Its figures are not checked: performance is measured by the benchmark, never by a test.
 */

const resultsDir = mkdtempSync(join(tmpdir(), 'b12-bench-results-'));
afterAll(() => {
  rmSync(resultsDir, { recursive: true, force: true });
});

function quickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'bench', '--', '--quick'], {
      env: { ...process.env, BENCH_RESULTS_DIR: resultsDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run bench -- --quick', () => {
  it(
    'runs every row and prints the tables and the results file',
    { timeout: 300_000 },
    async () => {
      const { code, stdout, stderr } = await quickBench();
      expect(code, stderr).toBe(0);
      expect(stdout).toContain('QUICK run');
      for (const heading of [
        '| Row ',
        'A/B, child processes, 32 connections',
        '| Obs ',
        '| Observations ',
        '| Step (300 Observations) ',
        '| After requests ',
        '| Target ',
      ]) {
        expect(stdout).toContain(heading);
      }
      const [file] = readdirSync(resultsDir);
      expect(stdout).toContain(`Written to ${join(resultsDir, file ?? '')}`);

      const results = JSON.parse(readFileSync(join(resultsDir, file ?? ''), 'utf8')) as Results;
      expect(results.settings.quick).toBe(true);
      expect(results.http.map((row) => row.id)).toEqual([
        'floor-300',
        'patient-view-300',
        'patient-view-300-sqlite',
        'order-select-300',
        'order-sign-300',
        ...[10, 100, 1000, 10_000].flatMap((size) => [`floor-${size}`, `scale-${size}`]),
        'floor-fallback',
        'fallback-32',
        'fallback-1',
        'fallback-direct-1',
      ]);
      for (const row of results.http) {
        expect(row.errors + row.timeouts + row.non2xx, row.label).toBe(0);
        expect(stdout).toContain(row.label);
      }
      expect(results.http.find((row) => row.id === 'patient-view-300')?.cards).toContain(
        'b12-deficiency-treat',
      );
      expect(results.http.find((row) => row.id === 'order-select-300')?.cards).toContain(
        'folate-order-b12-untreated',
      );
      expect(results.fallback.maxConcurrentFhirRequests).toBeGreaterThan(1);
      // The A/B rows: each size loaded on both child processes, every answer a 200.
      expect(results.ab.map((row) => row.observations)).toEqual([10, 100, 300, 1000]);
      for (const row of results.ab) {
        expect(row.cards).toContain('b12-deficiency-treat');
        for (const side of [row.service, row.floor]) {
          expect(side.requests, `${row.observations} obs`).toBeGreaterThan(0);
          expect(side.errors + side.timeouts + side.non2xx, `${row.observations} obs`).toBe(0);
        }
      }
      expect(results.inProcess.map((row) => row.observations)).toEqual([
        10, 100, 300, 1000, 10_000,
      ]);
      expect(results.targets.map((target) => target.name)).toContain('A/B errors');
    },
  );
});
