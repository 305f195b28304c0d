import { closeSync, openSync, readSync } from 'node:fs';

/**
 * An NDJSON file of any size read in byte ranges, each by a worker on its own: the main thread
 * only hands out ranges, so reading, decoding and parsing all run in parallel and no line is ever
 * copied between threads. A range holds the lines that begin in it (the last may run past its
 * end); only the range being read is in memory.
 */

/** About this many bytes a range: a worker's task of a few milliseconds. */
export const RANGE_BYTES = 1 << 20;

/** A further read when a line runs past its range's end. */
const STEP = 1 << 16;
const NEWLINE = 0x0a;

export interface ByteRange {
  start: number;
  end: number;
}

/** The ranges of a file of `bytes` bytes. */
export function byteRanges(bytes: number, size = RANGE_BYTES): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (let start = 0; start < bytes; start += size) {
    ranges.push({ start, end: Math.min(bytes, start + size) });
  }
  return ranges;
}

function read(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  const count = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, count);
}

/** The position just after the first newline at or after `position` (the file's end without one). */
function afterNewline(fd: number, position: number): number {
  for (let at = position; ; at += STEP) {
    const chunk = read(fd, at, STEP);
    if (chunk.length === 0) return at;
    const newline = chunk.indexOf(NEWLINE);
    if (newline !== -1) return at + newline + 1;
  }
}

/**
 * The bytes of the lines that begin in the range, and the position of the first. A line begins
 * where the file does or after a newline; the one that straddles `start` is the previous range's.
 */
export function linesIn(path: string, { start, end }: ByteRange): { bytes: Buffer; begin: number } {
  const fd = openSync(path, 'r');
  try {
    const begin = start === 0 ? 0 : afterNewline(fd, start - 1);
    if (begin >= end) return { bytes: Buffer.alloc(0), begin };
    const parts = [read(fd, begin, end - begin)];
    let last = parts[0]?.at(-1);
    // The last line ends at the first newline from the range's end on (or the file's end).
    for (let at = end; last !== undefined && last !== NEWLINE; at += STEP) {
      const chunk = read(fd, at, STEP);
      if (chunk.length === 0) break;
      const newline = chunk.indexOf(NEWLINE);
      parts.push(newline === -1 ? chunk : chunk.subarray(0, newline + 1));
      last = newline === -1 ? chunk.at(-1) : NEWLINE;
    }
    return {
      bytes: parts.length === 1 ? (parts[0] ?? Buffer.alloc(0)) : Buffer.concat(parts),
      begin,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * Each line of `bytes` as a string, with its position in `bytes`. Decoded one by one, a line of
 * plain text is a one-byte string even when another line of the range is not, and so takes half
 * the memory while the grouping holds it.
 */
export function* linesOf(bytes: Buffer): Generator<{ line: string; at: number }> {
  // A byte order mark is no part of the first line.
  let at = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (at < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, at);
    const end = newline === -1 ? bytes.length : newline;
    yield { line: bytes.toString('utf8', at, end), at };
    at = end + 1;
  }
}

/** The number (from 1) of the line that begins at byte `position`: for messages only. */
export function lineNumberAt(path: string, position: number): number {
  const fd = openSync(path, 'r');
  try {
    let line = 1;
    for (let at = 0; at < position; at += STEP) {
      const chunk = read(fd, at, Math.min(STEP, position - at));
      if (chunk.length === 0) break;
      for (
        let index = chunk.indexOf(NEWLINE);
        index !== -1;
        index = chunk.indexOf(NEWLINE, index + 1)
      ) {
        line++;
      }
    }
    return line;
  } finally {
    closeSync(fd);
  }
}
