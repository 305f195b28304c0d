import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { Response } from 'express';
import { notFound } from '../../src/fhir/operation-outcome.js';
import { CARD_CATALOG, LINKS, OVERRIDE_REASONS, isCardCode } from './catalog.js';
import type { CardCode } from './catalog.js';
import type { ClinicalConfig } from './clinical-config.js';
import { regimensOf, settingsOf, triggerOf } from './guidance.js';

/**
 * The service's guidance pages (RULES.md 10.9.5): `GET /cards` lists the cards, `GET /cards/<code>`
 * says how one decides, with the settings of the running configuration. No patient data and no
 * authentication; one self-contained HTML page each (inline CSS, no script, nothing fetched), so
 * it reads offline and on a phone.
 */

const CODES = Object.keys(CARD_CATALOG) as CardCode[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and quoted attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const STYLE = `
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
  background: #fff; margin: 0 auto; max-width: 46rem; padding: 1rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0.5rem 0; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; border-bottom: 1px solid #ccc; }
a { color: #0645ad; }
code { font-size: 0.9em; overflow-wrap: anywhere; }
.meta { color: #333; }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 0.25rem; font-weight: 600;
  border: 1px solid #555; }
.critical { background: #fde7e9; color: #8a0010; border-color: #8a0010; }
.warning { background: #fff4d6; color: #5c3d00; border-color: #5c3d00; }
.info { background: #e6f0ff; color: #0b3a75; border-color: #0b3a75; }
.regimen { border-left: 4px solid #0b3a75; padding: 0.25rem 0.75rem; margin: 0.75rem 0;
  background: #f5f7fa; }
.regimen p { margin: 0.25rem 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem;
  border-bottom: 1px solid #ddd; }
td.value { white-space: nowrap; font-weight: 600; }
footer { margin-top: 2rem; font-size: 0.9rem; color: #333; }
@media (max-width: 32rem) { td.key { display: none; } th.key { display: none; } }
`;

/**
 * This page's own Content-Security-Policy: nothing but the inline style, pinned by its hash; no
 * script, no frame, no form. It replaces helmet's broader default for these pages.
 */
export const GUIDANCE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<footer>B12 CDS Hooks service: decision support, not a substitute for clinical judgement. This page shows no patient data.</footer>
</body>
</html>
`;
}

/** The catalog's indicator; the one card whose indicator depends on the finding says so (RULES.md 5.13). */
const indicatorOf = (code: CardCode): string =>
  code === 'im-injection-thrombocytopenia' ? 'warning or critical' : CARD_CATALOG[code].indicator;

const badge = (code: CardCode): string => {
  const indicator = CARD_CATALOG[code].indicator;
  return `<span class="badge ${indicator}">${escapeHtml(indicatorOf(code))}</span>`;
};

const list = (items: readonly string[]): string =>
  `<ul>\n${items.map((item) => `<li>${item}</li>`).join('\n')}\n</ul>`;

/** The guidance page for one card, with the settings of `config`. */
export function guidancePage(code: CardCode, config: ClinicalConfig): string {
  const entry = CARD_CATALOG[code];
  const regimens = regimensOf(code);
  const settings = settingsOf(code, config);
  const sections = [
    `<p><a href="./">All cards</a></p>`,
    `<h1>${escapeHtml(entry.display)}</h1>`,
    `<p class="meta"><code>${escapeHtml(code)}</code> · ${badge(code)} · ${entry.hooks.map((hook) => escapeHtml(hook)).join(', ')}</p>`,
    '<h2>What triggers it</h2>',
    `<p>${escapeHtml(triggerOf(code, config))}</p>`,
  ];
  if (regimens.length > 0) {
    sections.push(
      '<h2>Regimens and safety texts</h2>',
      ...regimens.map(
        ({ name, when, text }) =>
          `<div class="regimen"><p><strong>${escapeHtml(name)}</strong>${when === undefined ? '' : ` — ${escapeHtml(when)}`}</p><p>${escapeHtml(text)}</p></div>`,
      ),
    );
  }
  sections.push(
    '<h2>Thresholds in force</h2>',
    '<p>The values this service is running with (its clinical configuration), not only the rule book’s defaults.</p>',
    '<table>',
    '<thead><tr><th>Setting</th><th>Rule</th><th class="key">Configuration key</th></tr></thead>',
    '<tbody>',
    ...settings.map(
      ({ key, label, rule }) =>
        `<tr><td>${escapeHtml(label)}</td><td class="value">${escapeHtml(rule)}</td><td class="key"><code>${escapeHtml(key)}</code></td></tr>`,
    ),
    '</tbody>',
    '</table>',
    '<h2>Sources</h2>',
    list(
      entry.links.map((key) => {
        const { label, url } = LINKS[key];
        return `<a href="${escapeHtml(url)}" rel="noreferrer">${escapeHtml(label)}</a>`;
      }),
    ),
    '<h2>Override reasons</h2>',
    list(
      entry.overrideReasons.map(
        (reason) => `${escapeHtml(OVERRIDE_REASONS[reason])} (<code>${escapeHtml(reason)}</code>)`,
      ),
    ),
  );
  return page(`${entry.display} — B12 CDS`, sections.join('\n'));
}

/**
 * The list of every card, each linked to its page. The links are relative, so a path prefix in
 * front of the service is kept: `cards/<code>` from `/cards`, `<code>` from `/cards/`.
 */
export function guidanceIndex(base: 'cards/' | '' = 'cards/'): string {
  const rows = CODES.map((code) => {
    const entry = CARD_CATALOG[code];
    const href = `${base}${encodeURIComponent(code)}`;
    return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(entry.display)}</a><br><code>${escapeHtml(code)}</code></td><td>${badge(code)}</td><td>${entry.hooks.map((hook) => escapeHtml(hook)).join(', ')}</td></tr>`;
  });
  return page(
    'Cards — B12 CDS',
    [
      '<h1>B12 CDS cards: how each decides</h1>',
      `<p>Every card this service can return (${CODES.length}), with what triggers it, its regimens, sources and the thresholds in force.</p>`,
      '<table>',
      '<thead><tr><th>Card</th><th>Indicator</th><th>Hooks</th></tr></thead>',
      '<tbody>',
      ...rows,
      '</tbody>',
      '</table>',
    ].join('\n'),
  );
}

/** Short public caching: the pages change only when the service restarts with new settings. */
const CACHE_CONTROL = 'public, max-age=300';

/**
 * The routes under `/cards`. Pages are rendered once, from the configuration the service started
 * with; an unknown code is a 404 OperationOutcome, as every other error of the service.
 */
export function guidanceRouter(config: ClinicalConfig): Router {
  const pages = new Map(CODES.map((code) => [code, guidancePage(code, config)]));
  const index = { withoutSlash: guidanceIndex('cards/'), withSlash: guidanceIndex('') };
  const send = (res: Response, html: string): void => {
    res
      .status(200)
      .set({ 'Cache-Control': CACHE_CONTROL, 'Content-Security-Policy': GUIDANCE_CSP })
      .type('text/html; charset=utf-8')
      .send(html);
  };
  const router = Router();
  router.get('/', (req, res) => {
    send(res, req.originalUrl.split('?')[0]?.endsWith('/') ? index.withSlash : index.withoutSlash);
  });
  router.get('/:code', (req, res) => {
    const code = req.params.code;
    const html = isCardCode(code) ? pages.get(code) : undefined;
    if (html === undefined) throw notFound(`No card '${code.slice(0, 64)}': GET /cards lists them`);
    send(res, html);
  });
  return router;
}
