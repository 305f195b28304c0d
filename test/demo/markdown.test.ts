import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from '../../demo/markdown.js';

/** The demo page's Markdown subset for card details (demo/markdown.ts). */

describe('parseMarkdown', () => {
  it('splits paragraphs on blank lines and keeps line breaks within one', () => {
    expect(parseMarkdown('Evidence: B12 142 ng/L\nHb 112 g/L\n\nStart treatment.')).toEqual([
      {
        kind: 'paragraph',
        lines: [
          [{ kind: 'text', text: 'Evidence: B12 142 ng/L' }],
          [{ kind: 'text', text: 'Hb 112 g/L' }],
        ],
      },
      { kind: 'paragraph', lines: [[{ kind: 'text', text: 'Start treatment.' }]] },
    ]);
  });

  it('reads bulleted and numbered lists', () => {
    expect(parseMarkdown('- one\n- **two**\n\n1. first\n2. second')).toEqual([
      {
        kind: 'list',
        ordered: false,
        items: [
          [{ kind: 'text', text: 'one' }],
          [{ kind: 'strong', children: [{ kind: 'text', text: 'two' }] }],
        ],
      },
      {
        kind: 'list',
        ordered: true,
        items: [[{ kind: 'text', text: 'first' }], [{ kind: 'text', text: 'second' }]],
      },
    ]);
  });
});

describe('parseInline', () => {
  it('reads bold, italic, code and http(s) links', () => {
    expect(
      parseInline(
        '**Never** give *folic acid* `alone`: see [NG239](https://www.nice.org.uk/guidance/ng239)',
      ),
    ).toEqual([
      { kind: 'strong', children: [{ kind: 'text', text: 'Never' }] },
      { kind: 'text', text: ' give ' },
      { kind: 'em', children: [{ kind: 'text', text: 'folic acid' }] },
      { kind: 'text', text: ' ' },
      { kind: 'code', text: 'alone' },
      { kind: 'text', text: ': see ' },
      { kind: 'link', text: 'NG239', href: 'https://www.nice.org.uk/guidance/ng239' },
    ]);
  });

  it.each([
    ['a javascript: link', '[click](javascript:alert(1))'],
    ['a data: link', '[x](data:text/html,<script>alert(1)</script>)'],
  ])('leaves %s as literal text', (_name, text) => {
    expect(parseInline(text).every((node) => node.kind === 'text')).toBe(true);
    expect(
      parseInline(text)
        .map((node) => (node.kind === 'text' ? node.text : ''))
        .join(''),
    ).toBe(text);
  });

  it('keeps HTML as text: it is never markup', () => {
    expect(parseInline('<img src=x onerror=alert(1)> <script>alert(1)</script>')).toEqual([
      { kind: 'text', text: '<img src=x onerror=alert(1)> <script>alert(1)</script>' },
    ]);
  });
});
