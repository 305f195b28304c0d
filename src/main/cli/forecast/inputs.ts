import { readdirSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, join } from 'node:path';
import { READ_TYPES } from '../../../../cds-services/b12/index.js';
import { InputError } from '../errors.js';

/**
 * The files of a forecast's inputs: a FHIR Bulk Data export is a folder of NDJSON files, one
 * resource type each (`$export` splits its output by type, into as many files as it likes); a
 * file whose name gives a type the rules never read (Claim, ExplanationOfBenefit, Encounter…) is
 * passed over unopened. `.json` files are patient Bundles, read whole.
 */

export interface InputFile {
  path: string;
  format: 'ndjson' | 'bundle';
  /**
   * The resource type the file's name gives (`Observation.ndjson`, `Observation.003.ndjson`,
   * `1.Observation.ndjson`, `Observation-2.ndjson`); without one, every line is read and kept by
   * its own type.
   */
  type: string | undefined;
  bytes: number;
}

export interface Inputs {
  /** Files to read, Medication files last: which are kept depends on what references them. */
  read: InputFile[];
  /** Files passed over by name: their type is not read. */
  skipped: string[];
}

const READ_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
};

/** A part of a file name that names a type, with a number after it or not: `Observation-2`. */
const TYPE_PART = /^([A-Z][A-Za-z]+)(?:[-_]?\d+)?$/;

/** The resource type a file name gives: its first dot-separated part that names one. */
function typeOf(name: string): string | undefined {
  for (const part of name.split('.').slice(0, -1)) {
    const type = TYPE_PART.exec(part)?.[1];
    if (type !== undefined) return type;
  }
  return undefined;
}

function fileOf(path: string, bytes: number): InputFile | undefined {
  const name = basename(path);
  if (name.endsWith('.ndjson')) return { path, format: 'ndjson', type: typeOf(name), bytes };
  if (name.endsWith('.json')) return { path, format: 'bundle', type: undefined, bytes };
  return undefined;
}

function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new InputError(`cannot read ${path}: ${READ_PROBLEMS[code] ?? (error as Error).message}`);
  }
}

/** A folder's files, and its folders', in name order. */
function filesIn(folder: string): { path: string; bytes: number }[] {
  return readdirSync(folder)
    .sort()
    .flatMap((name) => {
      const path = join(folder, name);
      const stats = statOf(path);
      return stats.isDirectory() ? filesIn(path) : [{ path, bytes: stats.size }];
    });
}

/** The files to read of the paths given, and those passed over. */
export function inputFiles(paths: readonly string[]): Inputs {
  const read: InputFile[] = [];
  const skipped: string[] = [];
  for (const given of paths) {
    const stats = statOf(given);
    const folder = stats.isDirectory();
    for (const { path, bytes } of folder ? filesIn(given) : [{ path: given, bytes: stats.size }]) {
      const file = fileOf(path, bytes);
      if (file === undefined && !folder) {
        // A file named on the command line must be one the forecast reads.
        throw new InputError(`${path}: expected .ndjson files or .json Bundles`);
      }
      if (file === undefined || (file.type !== undefined && !READ_TYPES.has(file.type))) {
        skipped.push(path);
      } else {
        read.push(file);
      }
    }
  }
  const last = (file: InputFile): number => (file.type === 'Medication' ? 1 : 0);
  return { read: read.sort((a, b) => last(a) - last(b)), skipped };
}
