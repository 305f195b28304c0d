import { h } from './dom.js';
import type { Child } from './dom.js';

/**
 * The Markdown that cards use (CDS Hooks `detail` is GitHub-flavoured Markdown): paragraphs,
 * lists, **bold**, *italic*, `code` and [links](https://…), rendered as DOM nodes. Anything else
 * stays literal text; raw HTML is never interpreted, and only http(s) links become links.
 */

const INLINE = /\*\*(.+?)\*\*|\*(.+?)\*|_(.+?)_|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;

export function inline(text: string): Child[] {
  const nodes: Child[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const [whole, bold, italic, underscored, code, linkText, href] = match;
    nodes.push(text.slice(last, match.index));
    if (bold !== undefined) nodes.push(h('strong', {}, ...inline(bold)));
    else if (italic !== undefined) nodes.push(h('em', {}, ...inline(italic)));
    else if (underscored !== undefined) nodes.push(h('em', {}, ...inline(underscored)));
    else if (code !== undefined) nodes.push(h('code', {}, code));
    else if (linkText !== undefined && href !== undefined && /^https?:\/\//i.test(href)) {
      nodes.push(h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, linkText));
    } else nodes.push(whole);
    last = match.index + whole.length;
  }
  nodes.push(text.slice(last));
  return nodes.filter((node) => node !== '');
}

const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+/;

/** Block structure: blank lines separate paragraphs; lines starting `- ` or `1. ` are list items. */
export function renderMarkdown(markdown: string): HTMLElement {
  const container = h('div', { class: 'markdown' });
  for (const block of markdown.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    if (lines.every((line) => LIST_ITEM.test(line))) {
      const ordered = /^\s*\d/.test(lines[0] ?? '');
      container.append(
        h(
          ordered ? 'ol' : 'ul',
          {},
          ...lines.map((line) => h('li', {}, ...inline(line.replace(LIST_ITEM, '')))),
        ),
      );
      continue;
    }
    const paragraph = h('p');
    lines.forEach((line, index) => {
      if (index > 0) paragraph.append(h('br'));
      paragraph.append(...inline(line).map((node) => (node instanceof Node ? node : String(node))));
    });
    container.append(paragraph);
  }
  return container;
}
