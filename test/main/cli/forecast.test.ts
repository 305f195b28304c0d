import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/main/cli/args.js';
import type { ForecastCommand } from '../../../src/main/cli/args.js';
import { forecastOf } from '../../../src/main/cli/forecast/forecast.js';
import type { PatientOutcome } from '../../../src/main/cli/forecast/evaluate-patient.js';
import { sumForecasts } from '../../../src/main/cli/forecast/forecast-json.js';
import type { Forecast } from '../../../src/main/cli/forecast/forecast-json.js';
import { inputFiles } from '../../../src/main/cli/forecast/inputs.js';
import { main } from '../../../src/main/cli/main.js';
import { BULK_EXPORT, bulkExport } from '../../../scripts/bulk-fixture.js';
import {
  PATIENT_NAMES,
  bundleFile,
  codesOf,
  evaluatePatient,
} from '../../real-data/synthea-patients.js';
import type { HookChoice } from '../../real-data/synthea-patients.js';
import {
  TODAY,
  birthDateForAge,
  concept,
  lab,
  medication,
  medicationRequest,
  patient,
  rx,
} from '../../support/fhir.js';
import { runCli } from './cli-process.js';

/**
 * `b12-cds forecast` over fixtures/bulk-export (the Synthea patients split into NDJSON files by
 * type, as a FHIR Bulk Data export): every patient gets exactly the cards `b12-cds evaluate`
 * gives their Bundle, types no rule reads are never opened, and the JSON adds up across shards.
 * Workers start from the TypeScript sources with tsx (pool.ts); one test runs the release.
 */

const TIMEOUT_MS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'b12-forecast-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const FOLIC_ACID: HookChoice = { hook: 'order-select', draft: 'folic-acid-5mg' };
const HOOKS = ['--hooks', 'patient-view,order-select', '--draft', 'folic-acid-5mg'];

const command = (args: readonly string[]): ForecastCommand => {
  const parsed = parseCommand(['forecast', ...args, '--workers', '2']);
  if (parsed.name !== 'forecast') throw new Error('not a forecast');
  return parsed;
};

const silent = (): Writable =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

/** The forecast of `args`, and each patient's outcome; `env` as the service's environment. */
async function forecast(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ forecast: Forecast; outcomes: Map<string, PatientOutcome> }> {
  const outcomes = new Map<string, PatientOutcome>();
  const result = await forecastOf(
    command(args),
    { stdout: silent(), stderr: silent(), env },
    { observe: (outcome) => outcomes.set(outcome.patientId, outcome) },
  );
  return { forecast: result, outcomes };
}

/** `b12-cds <args>` in this process: its exit code and output. */
async function cli(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const sink = (key: keyof typeof out): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out[key] += chunk.toString('utf8');
        done();
      },
    });
  const code = await main(args, { stdout: sink('stdout'), stderr: sink('stderr'), env: {} });
  return { code, ...out };
}

const patientIdOf = (name: (typeof PATIENT_NAMES)[number]): string => {
  const bundle = JSON.parse(readFileSync(bundleFile(name), 'utf8')) as Bundle;
  const found = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient');
  return found?.resource?.id ?? '';
};

/** A copy of the Bulk export fixture with some files replaced. */
function exportWith(name: string, files: Readonly<Record<string, string>>): string {
  const copy = join(dir, name);
  cpSync(BULK_EXPORT, copy, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(copy, file), text);
  return copy;
}

describe('fixtures/bulk-export', () => {
  it('is exactly what `npx tsx scripts/bulk-fixture.ts` writes from fixtures/synthea', () => {
    for (const [type, lines] of bulkExport()) {
      const file = join(BULK_EXPORT, `${type}.ndjson`);
      expect(readFileSync(file, 'utf8'), file).toBe(`${lines.join('\n')}\n`);
    }
  });
});

describe.each(['2021-03-24', '2026-12-07'])('forecast of fixtures/bulk-export on %s', (date) => {
  it(
    'gives every patient, on each hook, the cards `b12-cds evaluate` gives their Bundle',
    async () => {
      const { forecast: result, outcomes } = await forecast([
        BULK_EXPORT,
        '--date',
        date,
        ...HOOKS,
      ]);
      expect(result.patients).toBe(PATIENT_NAMES.length);
      const expectedCounts = new Map<string, number>();
      for (const name of PATIENT_NAMES) {
        const outcome = outcomes.get(patientIdOf(name));
        expect(outcome, name).toBeDefined();
        for (const [hook, choice] of [
          ['patient-view', {}],
          ['order-select', FOLIC_ACID],
        ] as const) {
          const expected = codesOf(await evaluatePatient(name, date, choice));
          const got = (outcome?.cards ?? []).filter((card) => card.hook === hook);
          expect(
            got.map((card) => card.code),
            `${name} on ${hook}`,
          ).toEqual(expected);
          for (const code of expected) {
            const key = `${hook} ${String(code)}`;
            expectedCounts.set(key, (expectedCounts.get(key) ?? 0) + 1);
          }
        }
      }
      const counted = new Map(
        result.cards.map((card) => [`${card.hook} ${card.code}`, card.patients]),
      );
      expect(counted).toEqual(expectedCounts);
    },
    TIMEOUT_MS,
  );
});

describe('forecast: what is read', () => {
  it(
    'never opens the types no rule reads: Claim, ExplanationOfBenefit and Encounter files of invalid JSON change nothing',
    async () => {
      const broken = exportWith('broken-skipped', {
        'Claim.ndjson': '{ not JSON',
        'ExplanationOfBenefit.ndjson': '\u0000\u0001',
        'Encounter.ndjson': '[',
      });
      const skipped = inputFiles([broken]).skipped.map((path) => path.slice(broken.length + 1));
      expect(skipped).toEqual(expect.arrayContaining(['Claim.ndjson', 'Encounter.ndjson']));
      expect(inputFiles([broken]).read.map((file) => file.type)).toEqual([
        'Condition',
        'MedicationRequest',
        'Observation',
        'Patient',
        'Procedure',
      ]);
      const [whole, withBroken] = await Promise.all([
        forecast([BULK_EXPORT, '--date', '2026-12-07']),
        forecast([broken, '--date', '2026-12-07']),
      ]);
      expect(withBroken.forecast).toEqual(whole.forecast);
    },
    TIMEOUT_MS,
  );

  it(
    'a folder of the same patients as Bundles gives the same forecast',
    async () => {
      const [bulk, bundles] = await Promise.all([
        forecast([BULK_EXPORT, '--date', '2026-12-07', ...HOOKS]),
        forecast([join(BULK_EXPORT, '../synthea'), '--date', '2026-12-07', ...HOOKS]),
      ]);
      expect(bundles.forecast).toEqual(bulk.forecast);
    },
    TIMEOUT_MS,
  );

  it(
    'a line of a read type that is not JSON ends the run: exit 1, naming the file and line',
    async () => {
      const lines = readFileSync(join(BULK_EXPORT, 'Observation.ndjson'), 'utf8').split('\n');
      lines.splice(2, 0, '{"resourceType": "Observation",');
      const broken = exportWith('broken-read', { 'Observation.ndjson': lines.join('\n') });
      const run = await cli(['forecast', broken, '--date', '2026-12-07', '--workers', '1']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^b12-cds: .*Observation\.ndjson line 3 is not valid JSON: /);
    },
    TIMEOUT_MS,
  );

  it(
    'keeps an exported Medication for the records naming it, counts resources without a patient, and reads files split and unnamed',
    async () => {
      const folder = join(dir, 'medication');
      mkdirSync(folder);
      const old = patient({ id: 'old', birthDate: birthDateForAge(TODAY, 80) });
      const young = patient({ id: 'young', birthDate: birthDateForAge(TODAY, 40) });
      const onMetformin = medicationRequest(undefined, {
        id: 'mr-1',
        patientId: 'young',
        startedDaysAgo: 400,
        reference: { reference: 'Medication/met' },
      });
      const ndjson = (resources: readonly FhirResource[]): string =>
        `${resources.map((resource) => JSON.stringify(resource)).join('\n')}\n`;
      writeFileSync(join(folder, 'Patient.000.ndjson'), ndjson([old]));
      writeFileSync(join(folder, 'Patient.001.ndjson'), ndjson([young]));
      writeFileSync(join(folder, 'MedicationRequest.ndjson'), ndjson([onMetformin]));
      writeFileSync(
        join(folder, 'Medication.ndjson'),
        ndjson([
          medication('met', concept([rx('861007', 'metformin hydrochloride 500 MG Oral Tablet')])),
          medication('unused', concept([rx('861007')])),
        ]),
      );
      // No type in its name: each line is read by its own type.
      const orphan = { ...lab('718-7', 100, 'g/L'), subject: undefined };
      writeFileSync(
        join(folder, 'output-7.ndjson'),
        ndjson([orphan, lab('718-7', 100, 'g/L', { patientId: 'ghost' })]),
      );
      const { forecast: result } = await forecast([folder, '--date', TODAY]);
      expect(result.patients).toBe(2);
      const consider = result.cards.find((card) => card.code === 'b12-test-consider');
      expect(consider?.patients).toBe(2);
      expect(consider?.facts).toEqual({
        'no B12 result in 12 months': 2,
        'age over 75': 1,
        'metformin for over 4 months': 1,
      });
      expect(result.dataQuality.resourcesWithoutPatient).toEqual({ Observation: 1 });
      expect(result.dataQuality.patientsWithoutPatientResource).toBe(1);
    },
    TIMEOUT_MS,
  );

  it(
    'an empty export: no patients, no cards, exit 0',
    async () => {
      const empty = join(dir, 'empty');
      mkdirSync(empty);
      const text = await cli(['forecast', empty, '--date', '2026-12-07']);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('0 patients on 2026-12-07');
      expect(text.stdout).toContain('No card would be shown.');
      const json = await cli(['forecast', empty, '--date', '2026-12-07', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ patients: 0, cards: [] });
    },
    TIMEOUT_MS,
  );
});

describe('forecast: the JSON adds up', () => {
  it(
    'has the documented shape, and two shards summed (by --sum too) are the whole',
    async () => {
      const args = [BULK_EXPORT, '--date', '2021-03-24', ...HOOKS, '--workers', '1', '--json'];
      const runs = await Promise.all(
        [[], ['--shard', '1/2'], ['--shard', '2/2']].map((shard) =>
          cli(['forecast', ...args, ...shard]),
        ),
      );
      const parsed = runs.map((run) => JSON.parse(run.stdout) as Forecast);
      const [all, one, two] = parsed as [Forecast, Forecast, Forecast];
      expect(Object.keys(all)).toEqual([
        'date',
        'hooks',
        'draft',
        'patients',
        'ageBands',
        'cards',
        'dataQuality',
      ]);
      expect(Object.keys(all.cards[0] ?? {})).toEqual([
        'hook',
        'code',
        'indicator',
        'patients',
        'per1000',
        'facts',
        'ageBands',
      ]);
      expect([one.shard, two.shard]).toEqual(['1/2', '2/2']);
      expect(one.patients).toBeGreaterThan(0);
      expect(two.patients).toBeGreaterThan(0);
      expect(sumForecasts([one, two])).toEqual(all);
      const files = [one, two].map((forecast, index) => {
        const file = join(dir, `shard-${index + 1}.json`);
        writeFileSync(file, JSON.stringify(forecast));
        return file;
      });
      const summed = await cli(['forecast', '--sum', ...files, '--json']);
      expect(summed.code).toBe(0);
      expect(JSON.parse(summed.stdout)).toEqual(all);
      const twice = await cli(['forecast', '--sum', files[0] ?? '', files[0] ?? '']);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toBe('b12-cds: shard 1/2 would be counted twice\n');
    },
    TIMEOUT_MS,
  );
});

describe('forecast: card modes (issue 18)', () => {
  it(
    'a silent card is forecast for the patients it would have been shown to, marked silent; an off card not at all',
    async () => {
      const args = [BULK_EXPORT, '--date', '2021-03-24'];
      const active = (await forecast(args)).forecast.cards;
      const [first] = active;
      if (!first) throw new Error('no card fires on the fixture at 2021-03-24');
      const config = join(dir, 'modes.json');
      const run = async (mode: string): Promise<Forecast['cards']> => {
        writeFileSync(config, JSON.stringify({ cards: { [first.code]: mode } }));
        return (await forecast(args, { CDS_CLINICAL_CONFIG: config })).forecast.cards;
      };
      const silentCards = await run('silent');
      expect(silentCards.find((card) => card.code === first.code)).toEqual({
        ...first,
        silent: true,
      });
      expect((await run('off')).map((card) => card.code)).not.toContain(first.code);
    },
    TIMEOUT_MS,
  );
});

describe('forecast: output', () => {
  it(
    'prints a table of the cards with their top facts, writes the HTML page, and shows progress when asked',
    async () => {
      const html = join(dir, 'report.html');
      const run = await cli([
        'forecast',
        BULK_EXPORT,
        '--date',
        '2026-12-07',
        '--html',
        html,
        '--progress',
        '--workers',
        '1',
      ]);
      expect(run.code).toBe(0);
      // docs/forecast.md shows this very output.
      const docs = readFileSync(join(BULK_EXPORT, '../../docs/forecast.md'), 'utf8');
      expect(/```text\n([\s\S]*?)```/.exec(docs)?.[1]).toBe(run.stdout);
      expect(run.stdout).toContain(
        'Forecast of the B12 cards for 12 patients on 2026-12-07, hook patient-view; 4 recorded as dead',
      );
      expect(run.stdout).toMatch(
        /patient-view {2}b12-test-consider +info +1 +83\.3 {2}metformin for over 4 months \(100%\)/,
      );
      expect(run.stderr).toContain('evaluating 12 of 12 patients (100%)');
      const page = readFileSync(html, 'utf8');
      expect(page.match(/<svg /g)).toHaveLength(2);
      expect(page).toContain('<td>b12-test-recommended</td>');
      expect(page).not.toContain('<script');
    },
    TIMEOUT_MS,
  );

  it(
    'runs from the release (dist/, its worker included) as from the sources',
    async () => {
      const args = ['forecast', BULK_EXPORT, '--date', '2026-12-07', '--json', '--workers', '2'];
      const [release, sources] = await Promise.all([runCli(args), cli(args)]);
      expect(release.stderr).toBe('');
      expect(release.code).toBe(0);
      expect(JSON.parse(release.stdout)).toEqual(JSON.parse(sources.stdout));
    },
    TIMEOUT_MS,
  );
});

describe('forecast: wrong usage (exit 2)', () => {
  it.each([
    [['forecast'], 'forecast needs a Bulk export folder, NDJSON files or patient Bundles'],
    [['forecast', 'x', '--hooks', 'order-select'], '--hooks order-select needs --draft'],
    [
      ['forecast', 'x', '--draft', 'folic-acid-5mg'],
      '--draft goes with --hooks order-select or order-sign',
    ],
    [
      ['forecast', 'x', '--hooks', 'patient-view,encounter-start'],
      "unknown hook 'encounter-start'",
    ],
    [
      ['forecast', 'x', '--workers', '0'],
      "--workers expects a whole number from 1 to 256, got '0'",
    ],
    [
      ['forecast', 'x', '--shard', '3/2'],
      "--shard expects i/n with 1 ≤ i ≤ n (1/4, say), got '3/2'",
    ],
    [['forecast', 'x', '--hook', 'order-select'], 'forecast takes no --hook'],
    [['forecast', '--sum', 'a.json', '--date', '2026-12-07'], 'forecast --sum takes no --date'],
    [['forecast', '--sum'], 'forecast --sum needs the forecasts (--json outputs) to add up'],
    [['evaluate', 'x.json', '--workers', '2'], 'evaluate takes no --workers'],
    [['forecast', 'x', '--colour'], "unknown option '--colour'"],
  ])('%j: %s', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toContain(`b12-cds: ${message}`);
    expect(run.stderr).toContain('b12-cds forecast <bulk-export-dir');
  });

  it('a folder that does not exist: exit 1', async () => {
    const run = await cli(['forecast', join(dir, 'missing')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^b12-cds: cannot read .*missing: no such file or folder\n$/);
  });
});
