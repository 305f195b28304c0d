import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVALUATION_DATE } from '../../support/card-fixtures.js';
import { freePort } from '../../support/server-process.js';
import { ROOT, fixturePath, runCli } from './cli-process.js';

/**
 * `b12-cds serve` is the service (as `npm start`), and `npx b12-cds` finds the repository's own
 * command after `npm ci`, without a global install and without the network.
 */

const TIMEOUT_MS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'b12-cli-serve-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('b12-cds serve', () => {
  it(
    'starts the service, which answers GET /cds-services, and stops on SIGTERM with exit 0',
    async () => {
      const port = await freePort();
      const child = spawn(process.execPath, ['bin/b12-cds.js', 'serve'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          PORT: String(port),
          HOST: '127.0.0.1',
          FEEDBACK_DB_PATH: join(dir, 'feedback.sqlite'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (out.includes('"msg":"listening"')) resolve();
        });
        void exit.then((code) => {
          reject(new Error(`exited ${String(code)} before listening:\n${out}\n${err}`));
        });
      });

      const res = await fetch(`http://127.0.0.1:${String(port)}/cds-services`);
      expect(res.status).toBe(200);
      const { services } = (await res.json()) as { services: { id: string }[] };
      expect(services.map((service) => service.id)).toEqual([
        'b12-patient-view',
        'b12-order-select',
        'b12-order-sign',
      ]);

      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(out).toContain('"msg":"shutting down"');
      expect(err).toBe('');
    },
    TIMEOUT_MS,
  );

  it('refuses arguments, with the usage (exit 2)', async () => {
    const run = await runCli(['serve', '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('b12-cds: serve takes no arguments (got --json)');
  });
});

describe('npx b12-cds', () => {
  /** npm may not fetch anything: the command must come from the repository itself. */
  const offline = {
    npm_config_offline: 'true',
    ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
  };

  it(
    'runs the repository’s own command offline: evaluate prints the card code and summary',
    async () => {
      const run = await runCli(
        ['evaluate', fixturePath('folate-order-b12-untreated'), '--date', EVALUATION_DATE],
        { via: 'npx', env: offline },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(
        '[CRITICAL] Folic acid ordered but B12 deficiency is untreated: risk of subacute combined degeneration\n',
      );
      expect(run.stdout).toContain('card code: folate-order-b12-untreated ');
    },
    TIMEOUT_MS,
  );

  it(
    'npx b12-cds --help prints the usage',
    async () => {
      const run = await runCli(['--help'], { via: 'npx', env: offline });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Usage:\n/);
    },
    TIMEOUT_MS,
  );
});
