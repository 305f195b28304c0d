import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonReadError, UnparsedJson, parseJsonBytes, readJson } from '../../src/http/read-json.js';
import type { JsonReadProblem } from '../../src/http/read-json.js';

/**
 * readJson: the same value as `JSON.parse` whichever way the bytes arrive, whether the body is
 * parsed at once (up to 1 MiB) or as it streams in (beyond), with the same refusals either way.
 */

const LIMITS = { maxBytes: 8 * 1024 * 1024, maxDepth: 64 };
/** Past the size parsed with one JSON.parse: such a body is parsed as it streams in. */
const STREAMED = 1024 * 1024 + 1;

/** `text`'s bytes in chunks cut at `cuts` (fractions of its length). */
async function* chunks(text: string, cuts: readonly number[] = []): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  const offsets = [...new Set(cuts.map((cut) => Math.floor(cut * bytes.length)))].sort(
    (a, b) => a - b,
  );
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    await Promise.resolve();
    yield bytes.subarray(start, offset);
    start = offset;
  }
}

/** `value` as JSON padded with spaces past the one-parse size, so it is parsed as it streams. */
const streamed = (value: unknown): string => {
  const text = JSON.stringify(value);
  return `${text}${' '.repeat(Math.max(0, STREAMED - text.length))}`;
};

async function problemOf(source: AsyncIterable<Uint8Array>, limits = LIMITS): Promise<unknown> {
  try {
    await readJson(source, limits);
  } catch (error) {
    return error instanceof JsonReadError ? error.problem : error;
  }
  return 'no error';
}

describe('readJson gives the value JSON.parse gives', () => {
  it.each([
    ['at once', (value: unknown) => JSON.stringify(value)],
    ['as it streams in', streamed],
  ])('%s, for any JSON cut into any chunks', async (_path, text) => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        async (value, cuts) => {
          const json = text(value);
          expect(await readJson(chunks(json, cuts), LIMITS)).toStrictEqual(JSON.parse(json));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps a "__proto__" key as an ordinary property, as JSON.parse does', async () => {
    const text = '{"__proto__":{"polluted":true},"a":1}';
    const json = `${text}${' '.repeat(STREAMED)}`;
    const value = (await readJson(chunks(json, [0.5]), LIMITS)) as Record<string, unknown>;

    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(value).toStrictEqual(JSON.parse(text));
  });

  it('reads multi-byte characters split across chunks', async () => {
    const json = streamed({ text: 'µg/L, ≥ 200 ng/L, 😀'.repeat(1000) });

    for (const cut of [0.1, 0.33, 0.5, 0.77]) {
      expect(await readJson(chunks(json, [cut, cut + 0.0000001]), LIMITS)).toStrictEqual(
        JSON.parse(json),
      );
    }
  });

  it('reads multi-byte characters split across chunks and across its 64 KiB decoding pieces, parsed at once', async () => {
    // 2-, 3- and 4-byte characters, shifted by 0-3 bytes: some fall across the 64 KiB line.
    for (const shift of [0, 1, 2, 3]) {
      const json = JSON.stringify({ text: `${' '.repeat(shift)}${'µ≥😀'.repeat(20_000)}` });
      expect(Buffer.byteLength(json)).toBeLessThan(STREAMED);
      expect(await readJson(chunks(json), LIMITS)).toStrictEqual(JSON.parse(json));
      expect(await readJson(chunks(json, [0.3, 0.3000001, 0.71]), LIMITS)).toStrictEqual(
        JSON.parse(json),
      );
      expect(parseJsonBytes([Buffer.from(json)], LIMITS.maxDepth)).toStrictEqual(JSON.parse(json));
    }
  });

  it('gives a body over `unparsedAbove` back unparsed, in chunks that each own their buffer', async () => {
    const json = JSON.stringify({ text: 'µ≥😀'.repeat(300_000) });
    const unparsed = await readJson(chunks(json, [0.25, 0.5]), { ...LIMITS, unparsedAbove: 1024 });

    expect(unparsed).toBeInstanceOf(UnparsedJson);
    const { chunks: owned } = unparsed as UnparsedJson;
    for (const chunk of owned) expect(chunk.byteLength).toBe(chunk.buffer.byteLength);
    expect(parseJsonBytes(owned, LIMITS.maxDepth)).toStrictEqual(JSON.parse(json));
  });
});

describe('readJson refuses', () => {
  const deep = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

  it.each<[string, string, JsonReadProblem]>([
    ['an empty body', '', 'invalid'],
    ['a truncated body', '{"a":[1,2', 'invalid'],
    ['text after the value', '{"a":1} {"b":2}', 'invalid'],
    ['nesting one level past the limit', deep(65), 'too-deep'],
  ])('%s, parsed at once', async (_what, text, problem) => {
    expect(await problemOf(chunks(text))).toBe(problem);
  });

  it.each<[string, string, JsonReadProblem]>([
    [
      'a truncated body',
      streamed({ a: [1, 2] })
        .trimEnd()
        .slice(0, -2),
      'invalid',
    ],
    ['text after the value', `${streamed({ a: 1 })}{"b":2}`, 'invalid'],
    ['only spaces', ' '.repeat(STREAMED), 'invalid'],
    ['nesting one level past the limit', streamed(JSON.parse(deep(65))), 'too-deep'],
  ])('%s, parsed as it streams in', async (_what, text, problem) => {
    expect(await problemOf(chunks(text, [0.25, 0.5]))).toBe(problem);
  });

  it('nesting at the limit is read, both ways', async () => {
    expect(await readJson(chunks(deep(64)), LIMITS)).toBeDefined();
    expect(await readJson(chunks(streamed(JSON.parse(deep(64)))), LIMITS)).toBeDefined();
  });

  it('deep nesting is refused while it streams in, before it is all read', async () => {
    let pulled = 0;
    async function* endlessOpening(): AsyncGenerator<Uint8Array> {
      const opening = Buffer.from('['.repeat(64 * 1024));
      for (;;) {
        pulled += 1;
        await Promise.resolve();
        yield opening;
      }
    }

    expect(await problemOf(endlessOpening(), { maxBytes: 1e9, maxDepth: 64 })).toBe('too-deep');
    expect(pulled).toBeLessThanOrEqual(Math.ceil(STREAMED / (64 * 1024)) + 1);
  });

  it('a body past maxBytes as soon as it passes, reading nothing more', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      const chunk = Buffer.from(`[${'1,'.repeat(32 * 1024)}`);
      for (;;) {
        pulled += 1;
        await Promise.resolve();
        yield chunk;
      }
    }
    const maxBytes = 3 * 1024 * 1024;

    expect(await problemOf(endless(), { maxBytes, maxDepth: 64 })).toBe('too-large');
    expect(pulled).toBe(Math.floor(maxBytes / (64 * 1024 + 1)) + 1);
  });

  it('errors of the source itself pass through unchanged', async () => {
    const failure = new Error('connection reset');
    // eslint-disable-next-line require-yield -- a source that fails before its first chunk
    async function* failing(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      throw failure;
    }

    expect(await problemOf(failing())).toBe(failure);
  });
});

describe('a large body is parsed in slices: the event loop keeps turning', () => {
  it('timers fire while four 4 MB bodies are parsed at once', async () => {
    const body = JSON.stringify(
      Array.from({ length: 45_000 }, (_, i) => ({ i, x: 'y'.repeat(80) })),
    );
    expect(body.length).toBeGreaterThan(4e6);
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 1);
    try {
      const values = await Promise.all(
        [1, 2, 3, 4].map(() => readJson(chunks(body, [0.5]), LIMITS)),
      );
      expect(values.every((value) => Array.isArray(value) && value.length === 45_000)).toBe(true);
    } finally {
      clearInterval(ticker);
    }
    // One JSON.parse per body would give the timer no turn until all four were done.
    expect(ticks).toBeGreaterThan(10);
  });
});
