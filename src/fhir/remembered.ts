/**
 * Readings of text that records repeat request after request (dates, medicine and problem names),
 * remembered by the text. At most `limit` texts are kept: past that, all are forgotten at once,
 * which costs less than tracking each one's use. The texts stay in this process's memory only,
 * as every request's data do while it is read; they are never logged or written. Callers must
 * not change a result: the next request with the same text gets the same object.
 */
export function rememberedByText<T>(limit: number, read: (text: string) => T): (text: string) => T {
  // Boxed, so that one lookup tells a remembered `undefined` from an unknown text.
  const known = new Map<string, { result: T }>();
  return (text) => {
    const box = known.get(text);
    if (box) return box.result;
    const result = read(text);
    if (known.size >= limit) known.clear();
    known.set(text, { result });
    return result;
  };
}
