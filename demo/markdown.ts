/**
 * The Markdown that cards use (CDS Hooks `detail` is GitHub-flavoured Markdown), parsed into a
 * small tree the page turns into DOM nodes: paragraphs, lists, **bold**, *italic*, `code` and
 * [links](https://…). Anything else stays literal text; raw HTML is never interpreted, and only
 * http(s) links become links. Pure, so it is tested without a browser.
 */

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'strong' | 'em'; children: Inline[] }
  | { kind: 'code'; text: string }
  | { kind: 'link'; text: string; href: string };

export type Block =
  { kind: 'paragraph'; lines: Inline[][] } | { kind: 'list'; ordered: boolean; items: Inline[][] };

const INLINE = /\*\*(.+?)\*\*|\*(.+?)\*|_(.+?)_|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;

export function parseInline(text: string): Inline[] {
  const nodes: Inline[] = [];
  const literal = (value: string): void => {
    if (value !== '') nodes.push({ kind: 'text', text: value });
  };
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const [whole, bold, italic, underscored, code, linkText, href] = match;
    literal(text.slice(last, match.index));
    if (bold !== undefined) nodes.push({ kind: 'strong', children: parseInline(bold) });
    else if (italic !== undefined) nodes.push({ kind: 'em', children: parseInline(italic) });
    else if (underscored !== undefined) {
      nodes.push({ kind: 'em', children: parseInline(underscored) });
    } else if (code !== undefined) nodes.push({ kind: 'code', text: code });
    else if (linkText !== undefined && href !== undefined && /^https?:\/\//i.test(href)) {
      nodes.push({ kind: 'link', text: linkText, href });
    } else literal(whole);
    last = match.index + whole.length;
  }
  literal(text.slice(last));
  return nodes;
}

const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+/;

/** Blank lines separate blocks; a block whose every line starts `- ` or `1. ` is a list. */
export function parseMarkdown(markdown: string): Block[] {
  return markdown.split(/\n\s*\n/).flatMap((block): Block[] => {
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) return [];
    if (lines.every((line) => LIST_ITEM.test(line))) {
      return [
        {
          kind: 'list',
          ordered: /^\s*\d/.test(lines[0] ?? ''),
          items: lines.map((line) => parseInline(line.replace(LIST_ITEM, ''))),
        },
      ];
    }
    return [{ kind: 'paragraph', lines: lines.map(parseInline) }];
  });
}
