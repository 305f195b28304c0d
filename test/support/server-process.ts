import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SERVER_JS } from './release.js';

/** The real server process, built as released (`node dist/src/main/server.js`), for start-up tests. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A port that was free a moment ago (the OS picks it; the server binds it right after). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface ServerProcess {
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout holds `text`; rejects if the process exits first. */
  waitFor: (text: string) => Promise<void>;
  kill: (signal: NodeJS.Signals) => void;
}

/** Starts the built server with only PATH, HOME and `env` in its environment. */
export function startServerProcess(env: NodeJS.ProcessEnv): ServerProcess {
  const child = spawn(process.execPath, [SERVER_JS], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const waiter of waiters.filter((w) => out.includes(w.text))) waiter.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  return {
    exit,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) {
          resolve();
          return;
        }
        waiters.push({ text, resolve });
        void exit.then(({ code }) => {
          reject(new Error(`server exited (${String(code)}) before '${text}':\n${out}\n${err}`));
        });
      }),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
