import { describe, expect, it } from 'vitest';
import { rememberedByText } from '../../src/fhir/remembered.js';

describe('rememberedByText', () => {
  it('reads each text once, remembering undefined results too', () => {
    const read: string[] = [];
    const lookUp = rememberedByText(10, (text) => {
      read.push(text);
      return text === 'known' ? { found: text } : undefined;
    });
    const first = lookUp('known');
    expect(lookUp('known')).toBe(first);
    expect(lookUp('unknown')).toBeUndefined();
    expect(lookUp('unknown')).toBeUndefined();
    expect(read).toEqual(['known', 'unknown']);
  });

  it('keeps at most `limit` texts: past that, all are forgotten and read again', () => {
    const read: string[] = [];
    const lookUp = rememberedByText(2, (text) => {
      read.push(text);
      return text.length;
    });
    for (const text of ['a', 'bb', 'ccc', 'a', 'ccc']) lookUp(text);
    // 'ccc' found two remembered: all were forgotten, so 'a' was read again, and 'ccc' kept.
    expect(read).toEqual(['a', 'bb', 'ccc', 'a']);
  });
});
