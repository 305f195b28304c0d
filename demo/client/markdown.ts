import MarkdownIt from 'markdown-it';

/**
 * A card's `detail` as HTML: CDS Hooks 2.0 makes it GitHub-flavoured Markdown, rendered here by
 * markdown-it. Card text never becomes markup: raw HTML is escaped (`html: false`), and only
 * http(s) URLs become links (no `javascript:` or `data:`), opened in a new tab that cannot reach
 * this page. No DOM, so it is tested without a browser.
 */

const markdown = new MarkdownIt({ html: false, linkify: false });

markdown.validateLink = (url) => /^https?:\/\//i.test(url);

markdown.renderer.rules.link_open = (tokens, index, options, _env, renderer) => {
  tokens[index]?.attrSet('target', '_blank');
  tokens[index]?.attrSet('rel', 'noopener noreferrer');
  return renderer.renderToken(tokens, index, options);
};

export const markdownHtml = (text: string): string => markdown.render(text);
