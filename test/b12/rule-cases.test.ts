import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { CaseRow, runCase } from './rule-cases.js';

/**
 * The decision tables (cases/<RULES.md section>-<card>.yaml): one `it` per row, named after the
 * section and the clinical fact the row protects. A row of the wrong shape fails its table.
 */

const CASES = fileURLToPath(new URL('./cases/', import.meta.url));
const tables = readdirSync(CASES)
  .filter((file) => file.endsWith('.yaml'))
  .sort();

it('finds the case tables', () => {
  expect(tables.length).toBeGreaterThan(0);
});

describe.each(tables)('%s', (file) => {
  const section = file.replace(/\.yaml$/, '');
  const rows = z
    .array(CaseRow)
    .min(1)
    .parse(parse(readFileSync(`${CASES}${file}`, 'utf8')));

  it('names every case once', () => {
    const names = rows.map((row) => row.name);
    expect(names.length).toBe(new Set(names).size);
  });

  it.each(rows.map((row) => [`${section}: ${row.name}`, row] as const))('%s', (_name, row) => {
    runCase(row);
  });
});
