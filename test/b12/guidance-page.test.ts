import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CARD_CATALOG, LINKS, OVERRIDE_REASONS } from '../../cds-services/b12/catalog.js';
import type { CardCode } from '../../cds-services/b12/catalog.js';
import {
  DEFAULT_CLINICAL_CONFIG,
  clinicalConfigFrom,
} from '../../cds-services/b12/clinical-config.js';
import {
  GUIDANCE_LINK_LABEL,
  period,
  regimensOf,
  settingsOf,
  triggerOf,
} from '../../cds-services/b12/guidance.js';
import { escapeHtml } from '../../cds-services/b12/guidance-page.js';
import {
  DIETARY_MAINTENANCE,
  LOADING_REGIMEN,
  ORAL_ALTERNATIVE,
  US_LABEL_REGIMEN,
} from '../../cds-services/b12/texts.js';
import { evaluateFile, loadEvaluator } from '../../src/main/cli/evaluate.js';
import { testApp } from '../support/app.js';
import {
  EVALUATION_DATE,
  FIXTURES_DIR,
  fixtureFile,
  fixtureRequest,
} from '../support/card-fixtures.js';

/**
 * The cards' guidance pages (RULES.md 10.9.5): `GET /cards/<code>` says how a card decides, with
 * the settings the service runs with, needs no authentication and reads offline; every card links
 * to its page under CDS_PUBLIC_URL.
 */

const CODES = Object.keys(CARD_CATALOG) as CardCode[];

/** A running configuration that is not the rule book's: the pages must show these values. */
const RUNNING = clinicalConfigFrom({
  thresholds: { b12TotalConfirmedBelow: 200, plateletImWarnBelow: 60, hbSevere: 85 },
  lookbackDays: { platelets: 21 },
});

const app = testApp({ clinicalConfig: RUNNING }).app;

const get = (path: string, on = app): request.Test => request(on).get(path);

describe('GET /cards/<code>: a guidance page per catalog card', () => {
  it.each(CODES)(
    '%s: 200 HTML with its title, indicator, hooks, trigger, regimens, thresholds in force, sources and override reasons, and no script',
    async (code) => {
      const res = await get(`/cards/${code}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
      const html = res.text;
      const entry = CARD_CATALOG[code];
      expect(html).toContain(
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
      );
      expect(html).toContain(`<h1>${escapeHtml(entry.display)}</h1>`);
      expect(html).toContain(`<span class="badge ${entry.indicator}">`);
      for (const hook of entry.hooks) expect(html).toContain(hook);
      expect(html).toContain(`<p>${escapeHtml(triggerOf(code, RUNNING))}</p>`);
      for (const { name, text } of regimensOf(code)) {
        expect(html).toContain(`<strong>${name}</strong>`);
        expect(html).toContain(escapeHtml(text));
      }
      for (const { key, rule } of settingsOf(code, RUNNING)) {
        expect(html).toContain(`<td class="value">${escapeHtml(rule)}</td>`);
        expect(html).toContain(`<code>${key}</code>`);
      }
      for (const key of entry.links) {
        const { label, url } = LINKS[key];
        expect(html).toContain(`<a href="${escapeHtml(url)}" rel="noreferrer">${label}</a>`);
      }
      for (const reason of entry.overrideReasons) {
        expect(html).toContain(escapeHtml(OVERRIDE_REASONS[reason]));
      }
      expect(html).not.toMatch(/<script/i);
      // Works offline: nothing is fetched (no stylesheet, image or script from elsewhere).
      expect(html).not.toMatch(/<(link|img|iframe)\b/i);
      expect(html).not.toMatch(/\bsrc=/i);
    },
  );

  it('b12-deficiency-treat shows R-LOAD, R-ORAL, R-DIET and R-US in full', async () => {
    const html = (await get('/cards/b12-deficiency-treat')).text;
    for (const text of [LOADING_REGIMEN, ORAL_ALTERNATIVE, DIETARY_MAINTENANCE, US_LABEL_REGIMEN])
      expect(html).toContain(text);
  });

  it('shows the thresholds of the running configuration, not the rule book defaults', async () => {
    const treat = (await get('/cards/b12-deficiency-treat')).text;
    expect(treat).toContain(
      '<td>Total B12: deficiency confirmed</td><td class="value">&lt; 200 ng/L</td>',
    );
    expect(treat).not.toContain('&lt; 180 ng/L');
    expect(treat).toContain('total B12 below 200 ng/L');
    const platelets = (await get('/cards/im-injection-thrombocytopenia')).text;
    expect(platelets).toContain('&lt; 60 ×10⁹/L');
    expect(platelets).toContain('&lt; 10 ×10⁹/L');
    expect(platelets).toContain('the latest platelets (21 days) are below 60 ×10⁹/L');
    const severe = (await get('/cards/severe-anaemia-urgent')).text;
    expect(severe).toContain('is below 85 g/L');
  });

  it('with the default configuration shows the rule book values (total B12 < 180 ng/L, platelets < 50 ×10⁹/L)', async () => {
    const defaults = testApp().app;
    expect((await get('/cards/b12-deficiency-treat', defaults)).text).toContain('&lt; 180 ng/L');
    expect((await get('/cards/im-injection-thrombocytopenia', defaults)).text).toContain(
      '&lt; 50 ×10⁹/L',
    );
  });

  it('allows only its own inline style (a hash in the Content-Security-Policy): no script, nothing fetched', async () => {
    const res = await get('/cards/b12-test-recommended');
    const style = /<style>([\s\S]*?)<\/style>/.exec(res.text)?.[1] ?? '';
    expect(style).not.toBe('');
    const hash = createHash('sha256').update(style).digest('base64');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('script-src');
  });

  it('needs no authentication, even with CDS_AUTH=required (the service calls still do)', async () => {
    const secured = testApp({ env: { CDS_AUTH: 'required' } }).app;
    expect((await get('/cards/b12-deficiency-treat', secured)).status).toBe(200);
    expect((await get('/cards', secured)).status).toBe(200);
    const call = await request(secured)
      .post('/cds-services/b12-patient-view')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(fixtureRequest('b12-deficiency-treat')));
    expect(call.status).toBe(401);
  });
});

describe('GET /cards: the index', () => {
  it('lists all 19 catalog cards, each linked to its page', async () => {
    const res = await get('/cards');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(CODES).toHaveLength(19);
    const hrefs = [...res.text.matchAll(/<a href="([^"]+)">/g)].map((match) => match[1]);
    expect(hrefs).toEqual(CODES.map((code) => `cards/${code}`));
    for (const code of CODES) expect(res.text).toContain(escapeHtml(CARD_CATALOG[code].display));
    expect(res.text).not.toMatch(/<script/i);
  });

  it('its links resolve to the pages from /cards and from /cards/', async () => {
    for (const path of ['/cards', '/cards/']) {
      const res = await get(path);
      const [first] = [...res.text.matchAll(/<a href="([^"]+)">/g)].map((match) => match[1]);
      const target = new URL(first ?? '', `http://host${path}`).pathname;
      expect(target).toBe(`/cards/${CODES[0] ?? ''}`);
      expect((await get(target)).status).toBe(200);
    }
  });
});

describe('GET /cards/<unknown>: 404 OperationOutcome', () => {
  it.each(['no-such-card', '__proto__', 'toString', '%3Cscript%3Ealert(1)%3C%2Fscript%3E'])(
    '/cards/%s is a 404 OperationOutcome (JSON, never HTML)',
    async (code) => {
      const res = await get(`/cards/${code}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.body as { resourceType: string; issue: { code: string }[] };
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue[0]?.code).toBe('not-found');
    },
  );
});

describe('every card links to its guidance page under CDS_PUBLIC_URL (RULES.md 10.9.5)', () => {
  const PUBLIC_URL = 'https://cds.example.org/b12';
  const served = testApp({
    env: { CDS_PUBLIC_URL: PUBLIC_URL },
    now: new Date(`${EVALUATION_DATE}T09:30:00Z`),
  }).app;

  it.each(CODES)(
    'the response to fixtures/cards/%s.json: every card’s last link is its page, type absolute',
    async (code) => {
      const body = fixtureRequest(code);
      const res = await request(served)
        .post(`/cds-services/b12-${String(body.hook)}`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect(res.status, res.text).toBe(200);
      const cards = (
        res.body as { cards: { source: { topic: { code: string } }; links: unknown[] }[] }
      ).cards;
      expect(cards.map((card) => card.source.topic.code)).toContain(code);
      for (const card of cards) {
        expect(card.links.at(-1)).toEqual({
          label: GUIDANCE_LINK_LABEL,
          url: `${PUBLIC_URL}/cards/${card.source.topic.code}`,
          type: 'absolute',
        });
      }
    },
  );

  it('the command line (b12-cds evaluate) links under its CDS_PUBLIC_URL too', async () => {
    const evaluator = loadEvaluator({ CDS_PUBLIC_URL: PUBLIC_URL });
    const file = fileURLToPath(new URL(fixtureFile('b12-deficiency-treat'), FIXTURES_DIR));
    const { response } = await evaluateFile(file, { date: EVALUATION_DATE }, evaluator);
    const card = response.cards.find((c) => c.source.topic?.code === 'b12-deficiency-treat');
    expect(card?.links?.at(-1)?.url).toBe(`${PUBLIC_URL}/cards/b12-deficiency-treat`);
  });
});

describe('guidance.ts', () => {
  it('words periods as the rule book does', () => {
    expect([365, 120, 90, 30, 1825, 21, 1].map(period)).toEqual([
      '12 months',
      '4 months',
      '3 months',
      '1 month',
      '5 years',
      '21 days',
      '1 day',
    ]);
  });

  it('has a trigger sentence, and settings, for every card', () => {
    for (const code of CODES) {
      expect(triggerOf(code, DEFAULT_CLINICAL_CONFIG)).toMatch(/^[A-Z].{40,}\.$/);
      expect(settingsOf(code, DEFAULT_CLINICAL_CONFIG).length).toBeGreaterThan(0);
    }
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;',
    );
  });
});
