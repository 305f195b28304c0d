import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  byteRanges,
  lineNumberAt,
  linesIn,
  linesOf,
} from '../../../src/main/cli/forecast/file-ranges.js';
import { inputFiles } from '../../../src/main/cli/forecast/inputs.js';
import { inShard, shardOf } from '../../../src/main/cli/forecast/shard.js';

/**
 * How `b12-cds forecast` reads an export: files cut into byte ranges that workers read on their
 * own, each line read once whatever the cut; the types taken from the file names; the shards.
 */

const dir = mkdtempSync(join(tmpdir(), 'b12-forecast-files-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every line of the file, read range by range. */
function linesByRange(path: string, bytes: number, size: number): string[] {
  return byteRanges(bytes, size).flatMap((range) =>
    [...linesOf(linesIn(path, range).bytes)].map(({ line }) => line),
  );
}

describe('byte ranges', () => {
  const lines = [
    '{"resourceType":"Patient","id":"p1"}',
    '{"name":"Zoë ​ 血"}',
    '',
    `{"long":"${'x'.repeat(300)}"}\r`,
    '{"last":true}',
  ];
  const text = `\uFEFF${lines.join('\n')}`;
  const path = join(dir, 'lines.ndjson');
  writeFileSync(path, text);
  const bytes = Buffer.byteLength(text);

  it.each([1, 2, 3, 7, 40, 64, 1000])(
    'cut every %i bytes, give each line once, whole, without the byte order mark',
    (size) => {
      expect(linesByRange(path, bytes, size)).toEqual(lines);
    },
  );

  it('number a line by its position, for messages', () => {
    const third = Buffer.byteLength(`\uFEFF${lines.slice(0, 3).join('\n')}\n`);
    expect(lineNumberAt(path, 0)).toBe(1);
    expect(lineNumberAt(path, third)).toBe(4);
  });
});

describe('input files', () => {
  it('take the type from the name, pass over the types never read, and read Medication last', () => {
    const folder = join(dir, 'export');
    mkdirSync(join(folder, 'more'), { recursive: true });
    for (const name of [
      'Claim-1.ndjson',
      'Medication.ndjson',
      '1.Observation.ndjson',
      'Observation-2.ndjson',
      'Encounter.003.ndjson',
      'output.ndjson',
      'manifest.txt',
      'more/Patient.ndjson',
      'bundle.json',
    ]) {
      writeFileSync(join(folder, name), '');
    }
    const { read, skipped } = inputFiles([folder]);
    expect(read.map((file) => [file.path.slice(folder.length + 1), file.type])).toEqual([
      ['1.Observation.ndjson', 'Observation'],
      ['Observation-2.ndjson', 'Observation'],
      ['bundle.json', undefined],
      ['more/Patient.ndjson', 'Patient'],
      ['output.ndjson', undefined],
      ['Medication.ndjson', 'Medication'],
    ]);
    expect(skipped.map((path) => path.slice(folder.length + 1))).toEqual([
      'Claim-1.ndjson',
      'Encounter.003.ndjson',
      'manifest.txt',
    ]);
  });
});

describe('shards', () => {
  it('put each patient in exactly one shard, the same every time, and spread them', () => {
    const ids = Array.from({ length: 4000 }, (_, index) => `patient-${index}`);
    const sizes = [0, 0, 0, 0];
    for (const id of ids) {
      const shard = shardOf(id, 4);
      expect(shard).toBe(shardOf(id, 4));
      expect([1, 2, 3, 4].filter((index) => inShard(id, { index, count: 4 }))).toEqual([shard]);
      sizes[shard - 1] = (sizes[shard - 1] ?? 0) + 1;
    }
    for (const size of sizes) expect(size).toBeGreaterThan(900);
  });

  it('are FNV-1a of the id, so shards of one export agree across releases (--sum)', () => {
    // The published FNV-1a 32-bit test vectors.
    for (const [id, hash] of [
      ['', 0x811c9dc5],
      ['a', 0xe40c292c],
      ['foobar', 0xbf9cf968],
    ] as const) {
      expect(shardOf(id, 1000)).toBe((hash % 1000) + 1);
    }
  });
});
