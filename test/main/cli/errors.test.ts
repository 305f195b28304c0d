import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVALUATION_DATE } from '../../support/card-fixtures.js';
import { fixturePath, omit, readFixture, runCli } from './cli-process.js';

/**
 * Bad input ends `b12-cds` with a one-line reason on stderr and an exit code (1: the input or its
 * data cannot be evaluated; 2: wrong usage, followed by the usage text), never a stack trace and
 * never output on stdout.
 */

const TIMEOUT_MS = 30_000;
const dir = mkdtempSync(join(tmpdir(), 'b12-cli-errors-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A file in the test's directory holding `content` (JSON unless a string is given). */
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const treat = readFixture('b12-deficiency-treat');
const context = treat.context as Record<string, unknown>;
const prefetch = treat.prefetch as Record<string, unknown>;
const TREAT = fixturePath('b12-deficiency-treat');

interface Case {
  what: string;
  args: () => string[];
  code: 1 | 2;
  env?: NodeJS.ProcessEnv;
  /** The first line of stderr after `b12-cds: `. */
  message: RegExp;
}

const CASES: Case[] = [
  {
    what: 'a file that does not exist',
    args: () => ['evaluate', join(dir, 'missing.json')],
    code: 1,
    message: /^cannot read .*missing\.json: no such file$/,
  },
  {
    what: 'a directory instead of a file',
    args: () => ['evaluate', dir],
    code: 1,
    message: /^cannot read .*: it is a directory$/,
  },
  {
    what: 'a file that is not JSON',
    args: () => ['evaluate', file('broken.json', '{"hook": "patient-view",')],
    code: 1,
    message: /^.*broken\.json is not valid JSON: /,
  },
  {
    what: 'JSON that is neither a hook request nor a Bundle',
    args: () => ['evaluate', file('array.json', [1, 2, 3])],
    code: 1,
    message: /^.*array\.json is not a hook request or a patient Bundle: expected a JSON object$/,
  },
  {
    what: 'an object without a patient context',
    args: () => ['evaluate', file('no-context.json', { resourceType: 'Patient', id: 'p1' })],
    code: 1,
    message:
      /is not a hook request or a patient Bundle: expected a hook request with context\.patientId$/,
  },
  {
    what: 'a Bundle without a Patient',
    args: () => ['evaluate', file('no-patient.json', { resourceType: 'Bundle', entry: [] })],
    code: 1,
    message:
      /is not a hook request or a patient Bundle: expected exactly one Patient in the Bundle, found 0$/,
  },
  {
    what: 'a request for a hook no service answers',
    args: () => ['evaluate', file('encounter.json', { ...treat, hook: 'encounter-start' })],
    code: 1,
    message:
      /no service answers the hook 'encounter-start' \(only patient-view, order-select, order-sign\)$/,
  },
  {
    what: 'an invalid request (the service’s 400 diagnostics)',
    args: () => [
      'evaluate',
      file('no-user.json', { ...treat, context: omit(context, 'userId') }),
      '--date',
      EVALUATION_DATE,
    ],
    code: 1,
    message:
      /no-user\.json is not a valid hook request \(400\): context\.userId: .*expected string/,
  },
  {
    what: 'missing patient data (the service’s 412 diagnostics)',
    args: () => [
      'evaluate',
      file('no-labs.json', { ...treat, prefetch: omit(prefetch, 'labs') }),
      '--date',
      EVALUATION_DATE,
    ],
    code: 1,
    message:
      /no-labs\.json lacks patient data the service needs \(412\): Prefetch key 'labs' .*not provided, and the request has no fhirServer to fetch it from$/,
  },
  {
    what: 'a CDS_CLINICAL_CONFIG that does not exist',
    args: () => ['evaluate', TREAT],
    env: { CDS_CLINICAL_CONFIG: join(dir, 'no-such-settings.json') },
    code: 1,
    message: /^Invalid configuration: CDS_CLINICAL_CONFIG: file does not exist$/,
  },
  {
    what: 'a CDS_CLINICAL_CONFIG with an unknown setting',
    args: () => ['evaluate', TREAT],
    env: { CDS_CLINICAL_CONFIG: file('settings.json', { thresholds: { b12Low: 150 } }) },
    code: 1,
    message: /^Invalid configuration: CDS_CLINICAL_CONFIG \(.*settings\.json\): .*b12Low/,
  },
  {
    what: 'an unknown --hook',
    args: () => ['evaluate', TREAT, '--hook', 'encounter-start'],
    code: 2,
    message: /^unknown hook 'encounter-start': use patient-view, order-select, order-sign$/,
  },
  {
    what: 'an unknown --draft',
    args: () => ['evaluate', TREAT, '--hook', 'order-sign', '--draft', 'aspirin'],
    code: 2,
    message:
      /^unknown draft 'aspirin': use folic-acid-5mg, hydroxocobalamin-1mg-im, cyanocobalamin-1mg-im$/,
  },
  {
    what: 'an order hook without --draft for a request with no draft orders',
    args: () => ['evaluate', TREAT, '--hook', 'order-select'],
    code: 1,
    message:
      /order-select needs a draft order: the request has none, so choose one of folic-acid-5mg, hydroxocobalamin-1mg-im, cyanocobalamin-1mg-im$/,
  },
  {
    what: '--draft without an order hook',
    args: () => ['evaluate', TREAT, '--draft', 'folic-acid-5mg'],
    code: 2,
    message: /^--draft goes with --hook order-select or --hook order-sign$/,
  },
  {
    what: 'a date that does not exist',
    args: () => ['evaluate', TREAT, '--date', '2026-02-31'],
    code: 2,
    message: /^--date expects a date YYYY-MM-DD, got '2026-02-31'$/,
  },
  {
    what: 'no command',
    args: () => [],
    code: 2,
    message: /^missing command: evaluate, forecast or serve$/,
  },
  {
    what: 'an unknown command',
    args: () => ['judge', TREAT],
    code: 2,
    message: /^unknown command 'judge': use evaluate, forecast or serve$/,
  },
  {
    what: 'evaluate without a file',
    args: () => ['evaluate', '--json'],
    code: 2,
    message: /^evaluate needs a hook request or patient Bundle file$/,
  },
  {
    what: 'an unknown option',
    args: () => ['evaluate', TREAT, '--colour'],
    code: 2,
    message: /^unknown option '--colour'$/,
  },
  {
    what: 'an option without its value',
    args: () => ['evaluate', TREAT, '--hook'],
    code: 2,
    message: /^Option '--hook <value>' argument missing$/,
  },
];

describe.concurrent('b12-cds on bad input', () => {
  for (const { what, args, env, code, message } of CASES) {
    it(
      `${what}: exit ${code} with a one-line reason, no stack trace`,
      async () => {
        const run = await runCli(args(), { env: env ?? {} });
        expect(run.code, run.stderr).toBe(code);
        expect(run.stdout).toBe('');
        const [first = '', ...rest] = run.stderr.split('\n');
        expect(first).toMatch(/^b12-cds: /);
        expect(first.slice('b12-cds: '.length)).toMatch(message);
        expect(run.stderr).not.toMatch(/^\s+at /m);
        if (code === 2) {
          expect(rest[0]).toBe('');
          expect(rest[1]).toBe('Usage:');
        } else {
          expect(rest).toEqual(['']);
        }
      },
      TIMEOUT_MS,
    );
  }
});

describe('b12-cds --help', () => {
  it(
    'prints the usage on stdout and exits 0',
    async () => {
      const run = await runCli(['--help']);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(
        /^Usage:\n {2}b12-cds evaluate <hook-request\.json \| patient-bundle\.json>/,
      );
      for (const option of ['--hook', '--draft', '--date', '--json', 'serve']) {
        expect(run.stdout).toContain(option);
      }
    },
    TIMEOUT_MS,
  );
});
