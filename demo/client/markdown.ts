import { parseMarkdown } from '../markdown.js';
import type { Inline } from '../markdown.js';
import { h } from './dom.js';

/** Card Markdown (parsed by demo/markdown.ts) as DOM nodes: text is only ever text. */

function inlineNode(node: Inline): Node {
  switch (node.kind) {
    case 'text':
      return document.createTextNode(node.text);
    case 'code':
      return h('code', {}, node.text);
    case 'link':
      return h('a', { href: node.href, target: '_blank', rel: 'noopener noreferrer' }, node.text);
    case 'strong':
    case 'em':
      return h(node.kind, {}, ...node.children.map(inlineNode));
  }
}

export function renderMarkdown(markdown: string): HTMLElement {
  return h(
    'div',
    { class: 'markdown' },
    ...parseMarkdown(markdown).map((block) =>
      block.kind === 'list'
        ? h(
            block.ordered ? 'ol' : 'ul',
            {},
            ...block.items.map((item) => h('li', {}, ...item.map(inlineNode))),
          )
        : h(
            'p',
            {},
            ...block.lines.flatMap((line, index) => [
              index > 0 ? h('br') : null,
              ...line.map(inlineNode),
            ]),
          ),
    ),
  );
}
