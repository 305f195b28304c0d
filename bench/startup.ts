import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT } from './servers.js';

/**
 * Start-up: from spawning the built release, `node dist/src/main/server.js` (free port, LOG_LEVEL
 * silent, its SQLite feedback store in a temporary directory), to the first 200 from
 * GET /cds-services, polled every 10 ms; then the process's resident memory (VmRSS).
 */

export interface Startup {
  ms: number;
  rssMb: number;
}

/** The resident memory of process `pid` in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The status of GET `url`, or undefined when nothing answers yet. */
function statusOf(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('error', () => resolve(undefined));
    req.once('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.end();
  });
}

const POLL_MS = 10;
const GIVE_UP_MS = 30_000;

export async function startup(): Promise<Startup> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'b12-bench-startup-'));
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/src/main/server.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'silent',
      FEEDBACK_DB_PATH: join(dir, 'feedback.sqlite'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited at start:\n${stderr}`);
      if ((await statusOf(`http://127.0.0.1:${port}/cds-services`)) === 200) {
        const ms = performance.now() - started;
        return { ms, rssMb: rssMb(child.pid ?? 0) };
      }
      if (performance.now() - started > GIVE_UP_MS) throw new Error('server did not start');
      await delay(POLL_MS);
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
