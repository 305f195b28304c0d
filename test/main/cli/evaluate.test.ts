import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdsResponse } from '../../../src/cds-hooks/cards.js';
import { retargetWithDraft } from '../../../cds-services/b12/index.js';
import type { HookRequestBody } from '../../../src/cds-hooks/request-body.js';
import { CARD_CODES, EVALUATION_DATE } from '../../support/card-fixtures.js';
import { loopback } from '../../support/loopback.js';
import type { Loopback } from '../../support/loopback.js';
import {
  cardCodesOf,
  fixturePath,
  httpResponse,
  omit,
  readFixture,
  runCli,
  withoutUuids,
} from './cli-process.js';

/**
 * `b12-cds evaluate` on the card fixtures, as a real process: it prints each card readably, and
 * with --json answers exactly what the HTTP service answers the same request (uuids aside).
 */

const DATE = ['--date', EVALUATION_DATE];
/** Each test starts one or two processes; the whole suite may be running beside them. */
const TIMEOUT_MS = 30_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'b12-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const parsed = (stdout: string): CdsResponse => JSON.parse(stdout) as CdsResponse;

describe.concurrent.each(CARD_CODES)('b12-cds evaluate fixtures/cards/%s.json', (code) => {
  it(
    `prints the ${code} card: indicator, card code, summary and evidence, on ${EVALUATION_DATE}`,
    async () => {
      const body = readFixture(code);
      const [run, expected] = await Promise.all([
        runCli(['evaluate', fixturePath(code), ...DATE]),
        httpResponse(body),
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const [header] = run.stdout.split('\n');
      expect(header).toBe(
        `b12-${String(body.hook)} (${String(body.hook)}) for Patient/${(body.context as { patientId: string }).patientId} on ${EVALUATION_DATE}: ${expected.cards.length === 1 ? '1 card' : `${expected.cards.length} cards`}`,
      );
      const card = expected.cards.find((candidate) => candidate.source.topic?.code === code);
      expect(card).toBeDefined();
      if (!card) return;
      expect(run.stdout).toContain(`[${card.indicator.toUpperCase()}] ${card.summary}\n`);
      expect(run.stdout).toContain(`card code: ${code} `);
      expect(run.stdout).toContain(card.detail?.split('\n\n')[0]);
      // Not a terminal: no colour.
      expect(run.stdout).not.toContain('\u001b[');
    },
    TIMEOUT_MS,
  );

  it(
    'with --json prints the response the HTTP service gives the same request',
    async () => {
      const body = readFixture(code);
      const [run, expected] = await Promise.all([
        runCli(['evaluate', fixturePath(code), ...DATE, '--json']),
        httpResponse(body),
      ]);
      expect(run.code, run.stderr).toBe(0);
      const response = parsed(run.stdout);
      expect(cardCodesOf(response)).toContain(code);
      expect(withoutUuids(response.cards)).toEqual(withoutUuids(expected.cards));
      expect(Object.keys(response)).toEqual(Object.keys(expected));
    },
    TIMEOUT_MS,
  );
});

describe('b12-cds evaluate: another hook, a patient Bundle, the data source and the settings', () => {
  it(
    '--hook order-select --draft folic-acid-5mg on untreated deficiency warns folate-order-b12-untreated, as the HTTP service does',
    async () => {
      const args = [
        'evaluate',
        fixturePath('b12-deficiency-treat'),
        ...DATE,
        '--hook',
        'order-select',
        '--draft',
        'folic-acid-5mg',
      ];
      const run = await runCli([...args, '--json']);
      expect(run.code, run.stderr).toBe(0);
      const response = parsed(run.stdout);
      expect(cardCodesOf(response)).toEqual(['folate-order-b12-untreated']);
      const http = await httpResponse(
        retargetWithDraft(readFixture('b12-deficiency-treat') as unknown as HookRequestBody, {
          hook: 'order-select',
          draft: 'folic-acid-5mg',
          today: EVALUATION_DATE,
        }),
      );
      expect(withoutUuids(response.cards)).toEqual(withoutUuids(http.cards));

      const text = await runCli(args);
      expect(text.stdout.split('\n')[0]).toBe(
        `b12-order-select (order-select) for Patient/pat-60318 on ${EVALUATION_DATE}: 1 card`,
      );
      expect(text.stdout).toContain(
        '[CRITICAL] Folic acid ordered but B12 deficiency is untreated',
      );
      expect(text.stdout).toContain('delete MedicationRequest/draft-folic-acid-5mg:');
    },
    TIMEOUT_MS,
  );

  it(
    '--hook patient-view sends an order fixture’s patient to patient-view, without its draft orders',
    async () => {
      const run = await runCli([
        'evaluate',
        fixturePath('folate-order-b12-untreated'),
        ...DATE,
        '--hook',
        'patient-view',
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const codes = cardCodesOf(parsed(run.stdout));
      expect(codes).not.toContain('folate-order-b12-untreated');
      expect(codes).toContain('b12-deficiency-treat');
    },
    TIMEOUT_MS,
  );

  it(
    '--hook order-sign without --draft keeps an order fixture’s own draft orders',
    async () => {
      const run = await runCli([
        'evaluate',
        fixturePath('im-injection-thrombocytopenia'),
        ...DATE,
        '--hook',
        'order-sign',
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(cardCodesOf(parsed(run.stdout))).toContain('im-injection-thrombocytopenia');
    },
    TIMEOUT_MS,
  );

  it(
    'reads a FHIR Bundle of one patient’s data as a patient-view request, with the same cards as the fixture',
    async () => {
      const body = readFixture('b12-deficiency-treat');
      const prefetch = body.prefetch as Record<string, FhirResource | null>;
      const resources = Object.values(prefetch).flatMap((value) =>
        value === null
          ? []
          : value.resourceType === 'Bundle'
            ? (value.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []))
            : [value],
      );
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: resources.map((resource) => ({ resource })),
      };
      const file = join(dir, 'patient-bundle.json');
      writeFileSync(file, JSON.stringify(bundle));

      const [run, expected] = await Promise.all([
        runCli(['evaluate', file, ...DATE, '--json']),
        httpResponse(body),
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(withoutUuids(parsed(run.stdout).cards)).toEqual(withoutUuids(expected.cards));

      const ordered = await runCli([
        'evaluate',
        file,
        ...DATE,
        '--hook',
        'order-sign',
        '--draft',
        'folic-acid-5mg',
        '--json',
      ]);
      expect(ordered.code, ordered.stderr).toBe(0);
      expect(cardCodesOf(parsed(ordered.stdout))).toEqual(['folate-order-b12-untreated']);
    },
    TIMEOUT_MS,
  );

  it(
    'evaluates on today’s UTC date when --date is absent (the fixture then ages like any data)',
    async () => {
      const before = new Date().toISOString().slice(0, 10);
      const run = await runCli(['evaluate', fixturePath('b12-review-due')]);
      const after = new Date().toISOString().slice(0, 10);
      expect(run.code, run.stderr).toBe(0);
      const date = /on (\d{4}-\d{2}-\d{2}):/.exec(run.stdout.split('\n')[0] ?? '')?.[1];
      expect([before, after]).toContain(date);
    },
    TIMEOUT_MS,
  );

  it(
    'honours CDS_CLINICAL_CONFIG as the server does: with B12 deficiency below 100 ng/L, 142 ng/L is indeterminate',
    async () => {
      const settings = join(dir, 'clinical.json');
      writeFileSync(settings, JSON.stringify({ thresholds: { b12TotalConfirmedBelow: 100 } }));
      const run = await runCli(
        ['evaluate', fixturePath('b12-deficiency-treat'), ...DATE, '--json'],
        {
          env: { CDS_CLINICAL_CONFIG: settings },
        },
      );
      expect(run.code, run.stderr).toBe(0);
      const codes = cardCodesOf(parsed(run.stdout));
      expect(codes).not.toContain('b12-deficiency-treat');
      expect(codes).toContain('b12-indeterminate-mma');
    },
    TIMEOUT_MS,
  );

  describe('a request without prefetch but with fhirServer', () => {
    let fhir: Loopback;
    /** `/fhir/Observation?…` → `Observation` */
    const resourceTypeOf = (path: string): string =>
      new URL(path, 'http://localhost').pathname.split('/')[2] ?? '';
    const body = readFixture('b12-deficiency-treat');
    const prefetch = body.prefetch as Record<string, FhirResource | null>;
    /** The prefetch key each search of the B12 templates answers. */
    const KEY_OF: Record<string, string> = {
      Patient: 'patient',
      Observation: 'labs',
      MedicationRequest: 'meds',
      Condition: 'conditions',
      Procedure: 'procedures',
      MedicationStatement: 'medStatements',
    };
    /** A key the fixture prefetches as null ("no data") is a search that matches nothing. */
    const noMatch = { resourceType: 'Bundle', type: 'searchset', total: 0 };

    beforeAll(async () => {
      fhir = await loopback((req, res) => {
        const type = resourceTypeOf(req.url ?? '/');
        const key = KEY_OF[type] ?? '';
        const value = prefetch[key] === null ? noMatch : prefetch[key];
        res.writeHead(value ? 200 : 404, { 'Content-Type': 'application/fhir+json' });
        res.end(JSON.stringify(value ?? { resourceType: 'OperationOutcome', issue: [] }));
      });
    });
    afterAll(async () => {
      await fhir.close();
    });

    it(
      'is fetched from the FHIR server, and gets the same cards as with prefetch',
      async () => {
        const file = join(dir, 'no-prefetch.json');
        writeFileSync(
          file,
          JSON.stringify({ ...omit(body, 'prefetch'), fhirServer: fhir.baseUrl }),
        );
        const [run, expected] = await Promise.all([
          runCli(['evaluate', file, ...DATE, '--json']),
          httpResponse(body),
        ]);
        expect(run.code, run.stderr).toBe(0);
        expect([...new Set(fhir.paths.map(resourceTypeOf))].sort()).toEqual([
          'Condition',
          'MedicationRequest',
          'MedicationStatement',
          'Observation',
          'Patient',
          'Procedure',
        ]);
        expect(withoutUuids(parsed(run.stdout).cards)).toEqual(withoutUuids(expected.cards));
      },
      TIMEOUT_MS,
    );
  });
});
