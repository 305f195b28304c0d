/**
 * Values a caller chose (JWT header fields and claims, codes, paths) as they may appear in a log
 * line: at most {@link LOG_VALUE_MAX} characters, so an attacker's 7 KB `kid` is not a 7 KB line
 * per request. Anything that is not a string is logged as its JSON text, under the same bound.
 */

export const LOG_VALUE_MAX = 64;

export function logValue(value: unknown, max: number = LOG_VALUE_MAX): string | undefined {
  if (value === undefined) return undefined;
  let text: string;
  if (typeof value === 'string') {
    text = value;
  } else {
    try {
      // Undefined at run time for a function or a symbol, whatever the type says.
      const json = JSON.stringify(value) as string | undefined;
      text = json ?? typeof value;
    } catch {
      text = typeof value;
    }
  }
  if (text.length <= max) return text;
  // One character for the ellipsis; a UTF-16 high surrogate left alone at the cut is dropped.
  const cut = text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '');
  return `${cut}…`;
}
