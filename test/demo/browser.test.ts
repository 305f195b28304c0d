import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLINICAL_CONFIG } from '../../cds-services/b12/index.js';
import { b12Services } from '../../cds-services/index.js';
import { demoRouter } from '../../demo/router.js';
import { demoClientScript } from '../support/release.js';
import { loadConfig } from '../../src/main/config.js';
import { sqliteDatabase } from '../../src/feedback/database.js';
import type { Database } from '../../src/feedback/database.js';
import { FeedbackStore } from '../../src/feedback/store.js';
import { testApp } from '../support/app.js';

/**
 * The demo EHR page in a real browser (Debian's Chromium driven by playwright-core): fire hooks
 * for fixture patients, read the cards as rendered, accept a suggestion and find the feedback in
 * the store. Screenshots go to test-results/screenshots/ (CI keeps test-results/).
 */

const SCREENSHOTS = 'test-results/screenshots';
const NOW = new Date('2026-11-21T09:30:00Z');

let browser: Browser | undefined;
let server: Server | undefined;
let baseUrl: string;
let db: Database;
let store: FeedbackStore | undefined;

beforeAll(async () => {
  // Found or installed by the script CI runs; a missing browser is a failure, never a skip.
  const executablePath = execFileSync('bash', ['scripts/chromium.sh'], { encoding: 'utf8' }).trim();
  mkdirSync(SCREENSHOTS, { recursive: true });
  db = sqliteDatabase(':memory:');
  store = await FeedbackStore.open(db);
  const config = loadConfig({ NODE_ENV: 'test' });
  const services = b12Services();
  const demo = demoRouter({
    config,
    clinicalConfig: DEFAULT_CLINICAL_CONFIG,
    services,
    now: () => NOW,
    clientScript: demoClientScript(),
  });
  const { app } = testApp({ services, demo, feedbackStore: store, now: NOW });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await store?.close();
});

/** The values of one attribute over every element the locator finds, in document order. */
async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((element) => element.getAttribute(name)));
}

async function openDemo(): Promise<{ page: Page; errors: string[] }> {
  if (!browser) throw new Error('Chromium did not start');
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  // Offline: any request that leaves the service fails the test.
  await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
    errors.push(`request outside the service: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(`${baseUrl}/demo`);
  await expect.poll(() => page.locator('#patient option').count()).toBeGreaterThan(10);
  return { page, errors };
}

interface Fired {
  codes: (string | null)[];
  indicators: (string | null)[];
}

async function fire(page: Page, patient: string, hook: string, draft?: string): Promise<Fired> {
  await page.selectOption('#patient', patient);
  await page.selectOption('#hook', hook);
  if (draft !== undefined) await page.selectOption('#draft', draft);
  await page.click('#fire');
  await expect.poll(() => page.locator('#status').textContent()).toMatch(/card\(s\) in/);
  const cards = page.locator('article.card');
  return {
    codes: await attributes(cards, 'data-code'),
    indicators: await attributes(cards, 'data-indicator'),
  };
}

describe('the demo EHR page in Chromium', { timeout: 60_000 }, () => {
  it('fires patient-view for two fixture patients and shows their cards and chart', async () => {
    const { page, errors } = await openDemo();

    const treat = await fire(page, 'examples/patient-view-b12-history', 'patient-view');
    expect(treat.codes).toEqual(['b12-deficiency-treat']);
    expect(treat.indicators).toEqual(['warning']);
    const card = page.locator('article.card[data-code="b12-deficiency-treat"]');
    // Markdown rendered as HTML, not shown raw.
    expect(await card.locator('.markdown p').count()).toBeGreaterThan(0);
    expect(await card.locator('.markdown').textContent()).not.toContain('**');
    expect(await card.locator('.source a').getAttribute('href')).toMatch(/^https:\/\//);
    expect(await card.locator('button.suggestion').count()).toBeGreaterThan(0);
    expect(await card.locator('.override select option').count()).toBeGreaterThan(1);
    // The chart: six analyte panels with the thresholds as bands, three years of B12 results, and
    // metformin and omeprazole as bars.
    expect(await page.locator('#chart svg .panel').count()).toBe(6);
    const b12 = page.locator('#chart .panel[data-analyte="totalB12"]');
    expect(await b12.locator('.band').count()).toBe(2);
    const points = await attributes(b12.locator('circle'), 'aria-label');
    expect(points).toEqual([
      'total B12 2023-11-08: 356 ng/L (reported 356 pg/mL)',
      'total B12 2024-11-12: 268 ng/L (reported 268 pg/mL)',
      'total B12 2025-11-10: 214 ng/L (reported 214 pg/mL)',
      'total B12 2026-11-10: 152 ng/L (reported 152 pg/mL)',
    ]);
    const bars = await attributes(page.locator('#chart .exposure'), 'aria-label');
    expect(bars).toEqual([
      'metformin: from 2018-03-12, current',
      'omeprazole: from 2020-06-01, current',
    ]);
    await page.screenshot({
      path: `${SCREENSHOTS}/patient-view-b12-history.png`,
      fullPage: true,
    });

    const severe = await fire(page, 'cards/severe-anaemia-urgent', 'patient-view');
    expect(severe.codes).toContain('severe-anaemia-urgent');
    expect(severe.indicators[severe.codes.indexOf('severe-anaemia-urgent')]).toBe('critical');
    expect(severe.codes).not.toContain('b12-deficiency-treat');
    await page.screenshot({
      path: `${SCREENSHOTS}/patient-view-severe-anaemia-urgent.png`,
      fullPage: true,
    });

    expect(errors).toEqual([]);
    await page.close();
  });

  it('fires order-select with a folic acid 5 mg draft, and accepting a suggestion sends feedback', async () => {
    const { page, errors } = await openDemo();
    const fired = await fire(page, 'cards/b12-deficiency-treat', 'order-select', 'folic-acid-5mg');
    expect(fired.codes).toContain('folate-order-b12-untreated');
    expect(fired.indicators[fired.codes.indexOf('folate-order-b12-untreated')]).toBe('critical');
    await page.screenshot({ path: `${SCREENSHOTS}/order-select-folic-acid.png`, fullPage: true });

    const card = page.locator('article.card[data-code="folate-order-b12-untreated"]');
    const suggestion = card.locator('button.suggestion').first();
    const suggestionId = await suggestion.getAttribute('data-suggestion');
    await suggestion.click();
    await expect
      .poll(() => card.locator('.feedback-status').textContent())
      .toMatch(/^Feedback sent: accepted/);
    await page.screenshot({
      path: `${SCREENSHOTS}/order-select-feedback-sent.png`,
      fullPage: true,
    });

    const rows = await db.all<{
      service_id: string;
      outcome: string;
      accepted_suggestions: string;
      known_card: number;
    }>('SELECT service_id, outcome, accepted_suggestions, known_card FROM feedback');
    expect(rows).toContainEqual({
      service_id: 'b12-order-select',
      outcome: 'accepted',
      accepted_suggestions: JSON.stringify([suggestionId]),
      known_card: 1,
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows every card fixture its own card, on its own hook and draft orders', async () => {
    const { page, errors } = await openDemo();
    const fixtures = (await attributes(page.locator('#patient option'), 'value')).filter(
      (value): value is string => value?.startsWith('cards/') === true,
    );
    expect(fixtures).toHaveLength(19);
    for (const fixture of fixtures) {
      await page.selectOption('#patient', fixture);
      await page.click('#fire');
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/card\(s\) in/);
      const codes = await attributes(page.locator('article.card'), 'data-code');
      expect(codes, fixture).toContain(fixture.replace('cards/', ''));
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  // The screenshots of docs/screenshots/ (README): copied from test-results/screenshots/card-*.png.
  it.each([
    ['treat', 'cards/b12-deficiency-treat', 'b12-deficiency-treat', /hydroxocobalamin 1 mg IM/],
    ['neuro', 'cards/b12-deficiency-neuro-urgent', 'b12-deficiency-neuro-urgent', /alternate days/],
    [
      'combined',
      'cards/combined-b12-folate-deficiency',
      'combined-b12-folate-deficiency',
      /folic acid/,
    ],
    [
      'low-platelets',
      'examples/patient-view-low-platelets',
      'b12-deficiency-treat',
      /oral cyanocobalamin/,
    ],
  ])(
    'the %s card reads in seconds: its first button is the recommended order (RULES.md 10.9.2)',
    async (name, patient, code, firstButton) => {
      const { page, errors } = await openDemo();
      const fired = await fire(page, patient, 'patient-view');
      expect(fired.codes).toContain(code);
      const card = page.locator(`article.card[data-code="${code}"]`);
      expect(await card.locator('button.suggestion').first().textContent()).toMatch(firstButton);
      await card.screenshot({ path: `${SCREENSHOTS}/card-${name}.png` });
      expect(errors).toEqual([]);
      await page.close();
    },
  );

  it('dismissing with an override reason sends it as feedback', async () => {
    const { page, errors } = await openDemo();
    await fire(page, 'cards/b12-test-consider', 'patient-view');
    const card = page.locator('article.card[data-code="b12-test-consider"]');
    const select = card.locator('.override select');
    const reasons = await select.locator('option').allTextContents();
    await select.selectOption({ index: 1 });
    await card.locator('button.dismiss').click();
    await expect
      .poll(() => card.locator('.feedback-status').textContent())
      .toMatch(/^Feedback sent: dismissed/);
    const rows = await db.all<{ outcome: string; reason_display: string }>(
      "SELECT outcome, reason_display FROM feedback WHERE outcome = 'overridden'",
    );
    expect(rows).toContainEqual({ outcome: 'overridden', reason_display: reasons[1] });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works from the keyboard alone', async () => {
    const { page, errors } = await openDemo();
    // Tab order: patient, hook (the draft is disabled for patient-view), paste, Fire.
    const focused: string[] = [];
    for (let step = 0; step < 4; step++) {
      await page.keyboard.press('Tab');
      focused.push(
        await page.evaluate<string>(
          'document.activeElement?.id || document.activeElement?.tagName || ""',
        ),
      );
    }
    expect(focused).toEqual(['patient', 'hook', 'SUMMARY', 'fire']);
    // Enter on Fire fires the hook (the first patient is the example patient).
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/card\(s\) in/);
    expect(await page.locator('article.card').count()).toBeGreaterThan(0);
    // Chart points can be reached and are named.
    const point = page.locator('#chart circle[tabindex="0"]').first();
    await point.focus();
    expect(await point.getAttribute('aria-label')).toMatch(/\d{4}-\d{2}-\d{2}: /);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('takes a pasted hook request instead of a fixture', async () => {
    const { page, errors } = await openDemo();
    const body = await (
      await fetch(`${baseUrl}/demo/api/patients/cards/severe-anaemia-urgent`)
    ).text();
    await page.click('details summary');
    await page.fill('#pasted', body);
    const fired = await fire(page, 'cards/b12-test-consider', 'patient-view');
    expect(fired.codes).toContain('severe-anaemia-urgent');
    await page.fill('#pasted', '{ not json');
    await page.click('#fire');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Failed: /);
    expect(errors).toEqual([]);
    await page.close();
  });
});
