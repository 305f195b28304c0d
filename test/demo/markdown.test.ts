import { describe, expect, it } from 'vitest';
import { markdownHtml } from '../../demo/client/markdown.js';

/** Card details as the demo page shows them (demo/client/markdown.ts, markdown-it). */

describe('markdownHtml', () => {
  it('renders paragraphs split on blank lines, and lists', () => {
    expect(
      markdownHtml('Evidence: B12 142 ng/L\n\nStart treatment.\n\n- one\n- **two**\n\n1. first'),
    ).toBe(
      '<p>Evidence: B12 142 ng/L</p>\n<p>Start treatment.</p>\n' +
        '<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>\n<ol>\n<li>first</li>\n</ol>\n',
    );
  });

  it('renders bold, italic, code and http(s) links, opened in a new tab without an opener', () => {
    expect(
      markdownHtml(
        '**Never** give *folic acid* `alone`: see [NG239](https://www.nice.org.uk/guidance/ng239)',
      ),
    ).toBe(
      '<p><strong>Never</strong> give <em>folic acid</em> <code>alone</code>: see ' +
        '<a href="https://www.nice.org.uk/guidance/ng239" target="_blank" rel="noopener noreferrer">NG239</a></p>\n',
    );
  });

  it.each([
    ['a javascript: link', '[click](javascript:alert(1))'],
    ['a data: link', '[x](data:text/html,<script>alert(1)</script>)'],
    ['a relative link', '[x](/cds-services)'],
    ['an autolink to javascript:', '<javascript:alert(1)>'],
  ])('leaves %s as text', (_name, text) => {
    expect(markdownHtml(text)).not.toContain('<a');
    expect(markdownHtml(text)).not.toContain('<script');
  });

  it('escapes HTML: card text is never markup', () => {
    expect(markdownHtml('<img src=x onerror=alert(1)> <script>alert(1)</script>')).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;alert(1)&lt;/script&gt;</p>\n',
    );
  });
});
