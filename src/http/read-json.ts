import { StringDecoder } from 'node:string_decoder';
import { isMainThread } from 'node:worker_threads';
import { JSONParser, TokenType } from '@streamparser/json';
import { jsonDepth } from './limits.js';
import { slice } from './slices.js';

/**
 * JSON read from a stream of bytes (a request body, a FHIR server's answer) without blocking the
 * event loop for long, whatever its size within the limit (issue 14 item 4: no request may block
 * it for more than 100 ms). A small body is parsed with one `JSON.parse`; a larger one is parsed
 * as its bytes arrive by a streaming parser, in {@link slice}s of the event loop's turns. The
 * streaming parser is about five times slower than `JSON.parse` (about 250 ms of CPU for 10 MB
 * here, more for JSON dense in numbers), so only bodies that would block are given to it.
 */

/**
 * `JSON.parse` of 1 MiB takes 5–20 ms on a 2-core machine (more with many short keys). A
 * hook-call thread blocks only itself: it parses any size at once.
 */
const ONE_PARSE_MAX_BYTES = isMainThread ? 1024 * 1024 : Number.POSITIVE_INFINITY;
/**
 * A body up to this size is parsed in the turn its last bytes arrive (about 1 ms); a larger one
 * first waits for a slice. Waiting costs a small body more than its parse: under load, bodies
 * waiting their turn outlived the young generation's collections (issue 17).
 */
const PARSE_AT_ONCE_BYTES = 256 * 1024;
/** Bytes given to the streaming parser at once: 16 KiB take 1–5 ms (the most for numbers). */
const WRITE_BYTES = 16 * 1024;

export type JsonReadProblem = 'too-large' | 'too-deep' | 'invalid';

export class JsonReadError extends Error {
  override name = 'JsonReadError';

  constructor(readonly problem: JsonReadProblem) {
    super(`JSON ${problem}`);
  }
}

export interface JsonLimits {
  maxBytes: number;
  /** Nesting deeper than this is refused (also while streaming, before it costs memory). */
  maxDepth: number;
  /** A body larger than this is given back unparsed, as {@link UnparsedJson}. */
  unparsedAbove?: number;
}

/** A streaming parse that counts nesting as tokens arrive and works in slices. */
class SlicedParse {
  private readonly parser = new JSONParser({ paths: ['$'], keepStack: false });
  private value: unknown;
  private error: unknown;
  private depth = 0;

  constructor(maxDepth: number) {
    this.parser.onToken = ({ token }) => {
      if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) {
        if (++this.depth > maxDepth) throw new JsonReadError('too-deep');
      } else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) {
        this.depth--;
      }
    };
    this.parser.onValue = ({ value }) => {
      this.value = value;
    };
    this.parser.onError = (error) => {
      this.error ??= error;
    };
  }

  async write(chunk: Uint8Array): Promise<void> {
    for (let start = 0; start < chunk.byteLength; start += WRITE_BYTES) {
      await slice();
      this.parser.write(chunk.subarray(start, start + WRITE_BYTES));
      this.throwIfFailed();
    }
  }

  end(): unknown {
    if (!this.parser.isEnded) this.parser.end();
    this.throwIfFailed();
    if (this.value === undefined) throw new JsonReadError('invalid');
    return this.value;
  }

  private throwIfFailed(): void {
    if (this.error === undefined) return;
    throw this.error instanceof JsonReadError ? this.error : new JsonReadError('invalid');
  }
}

/** Bytes decoded at once: about what a socket delivers in one chunk. */
const DECODE_BYTES = 64 * 1024;

/**
 * The chunks' UTF-8 text, decoded at most {@link DECODE_BYTES} at a time: a piece of ASCII alone
 * is decoded on the fast path, so one "µ" no longer sends the whole body down the slow one
 * (decoding the whole body at once took a fifth of the parse).
 */
function utf8Text(chunks: readonly Uint8Array[]): string {
  const decoder = new StringDecoder('utf8');
  let text = '';
  for (const chunk of chunks) {
    for (let start = 0; start < chunk.byteLength; start += DECODE_BYTES) {
      text += decoder.write(chunk.subarray(start, start + DECODE_BYTES));
    }
  }
  return text + decoder.end();
}

/**
 * The JSON value of whole UTF-8 bytes, parsed at once (the caller decides it may block that
 * long); throws {@link JsonReadError} `invalid` (also for no bytes) or `too-deep`.
 */
export function parseJsonBytes(chunks: readonly Uint8Array[], maxDepth: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(utf8Text(chunks));
  } catch {
    throw new JsonReadError('invalid');
  }
  if (jsonDepth(value, maxDepth) > maxDepth) throw new JsonReadError('too-deep');
  return value;
}

/**
 * A JSON body read but left unparsed, for a hook-call thread to parse (issue 17). Each chunk owns
 * its whole buffer, so the chunks can be moved to that thread rather than copied. Moved, they
 * leave the HTTP thread at once: left behind, or copied, they were memory outside its heap that
 * the HTTP thread, making little garbage of its own, freed only by full collections (30 to 40 in
 * 5 s at 300 Observations). (As text, a large body was a large string on both threads.)
 */
export class UnparsedJson {
  constructor(readonly chunks: readonly Uint8Array<ArrayBuffer>[]) {}
}

/** The chunk as it is if it owns its whole buffer (the HTTP parser's do), else a copy that does. */
const ownChunk = (chunk: Uint8Array): Uint8Array<ArrayBuffer> =>
  chunk.buffer instanceof ArrayBuffer &&
  chunk.byteOffset === 0 &&
  chunk.byteLength === chunk.buffer.byteLength
    ? (chunk as Uint8Array<ArrayBuffer>)
    : new Uint8Array(chunk);

/**
 * The JSON value of `source`'s bytes (UTF-8), or {@link UnparsedJson} when there are more than
 * `unparsedAbove`. Throws {@link JsonReadError}: `too-large` as soon as the bytes pass `maxBytes`
 * (nothing more is read), `too-deep`, or `invalid` (also for an empty body); errors of the source
 * itself pass through.
 */
export async function readJson(
  source: AsyncIterable<Uint8Array>,
  { maxBytes, maxDepth, unparsedAbove = Number.POSITIVE_INFINITY }: JsonLimits,
): Promise<unknown> {
  const held: Uint8Array[] = [];
  let size = 0;
  let sliced: SlicedParse | undefined;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new JsonReadError('too-large');
    if (sliced) {
      await sliced.write(chunk);
    } else {
      held.push(chunk);
      // A body left unparsed is never streamed: another thread parses it at once.
      if (size > ONE_PARSE_MAX_BYTES && unparsedAbove === Number.POSITIVE_INFINITY) {
        sliced = new SlicedParse(maxDepth);
        for (const part of held.splice(0)) await sliced.write(part);
      }
    }
  }
  if (sliced) return sliced.end();
  if (size > unparsedAbove) return new UnparsedJson(held.map(ownChunk));
  if (size > PARSE_AT_ONCE_BYTES) await slice();
  return parseJsonBytes(held, maxDepth);
}
