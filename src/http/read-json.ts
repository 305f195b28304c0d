import { StringDecoder } from 'node:string_decoder';
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

/** `JSON.parse` of 1 MiB takes 5–20 ms on a 2-core machine (more with many short keys). */
const ONE_PARSE_MAX_BYTES = 1024 * 1024;
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

/**
 * The chunks' UTF-8 text, decoded chunk by chunk: a chunk of ASCII alone is decoded on the fast
 * path, so one "µ" no longer sends the whole body down the slow one (decoding the whole body at
 * once took a fifth of the parse).
 */
function utf8Text(chunks: readonly Uint8Array[]): string {
  const decoder = new StringDecoder('utf8');
  let text = '';
  for (const chunk of chunks) text += decoder.write(chunk);
  return text + decoder.end();
}

/**
 * The JSON value of `source`'s bytes (UTF-8). Throws {@link JsonReadError}: `too-large` as soon
 * as the bytes pass `maxBytes` (nothing more is read), `too-deep`, or `invalid` (also for an
 * empty body); errors of the source itself pass through.
 */
export async function readJson(
  source: AsyncIterable<Uint8Array>,
  { maxBytes, maxDepth }: JsonLimits,
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
      if (size > ONE_PARSE_MAX_BYTES) {
        sliced = new SlicedParse(maxDepth);
        for (const part of held.splice(0)) await sliced.write(part);
      }
    }
  }
  if (sliced) return sliced.end();
  if (size > PARSE_AT_ONCE_BYTES) await slice();
  let value: unknown;
  try {
    value = JSON.parse(utf8Text(held));
  } catch {
    throw new JsonReadError('invalid');
  }
  if (jsonDepth(value, maxDepth) > maxDepth) throw new JsonReadError('too-deep');
  return value;
}
