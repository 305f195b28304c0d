import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import type { Card, CdsResponse } from '../../../src/cds-hooks/cards.js';
import { testApp } from '../../support/app.js';
import { EVALUATION_DATE } from '../../support/card-fixtures.js';

/** The `b12-cds` command run as a real process, and what the HTTP service answers, to compare. */

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to a bare environment (PATH and HOME only), so the caller's settings do not leak in. */
  env?: NodeJS.ProcessEnv;
  /** `node bin/b12-cds.js` (default) or `npx b12-cds`. */
  via?: 'node' | 'npx';
}

/** Runs `b12-cds <args>` in the repository root and collects its output and exit code. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const [command, prefix] =
    options.via === 'npx' ? ['npx', ['b12-cds']] : [process.execPath, ['bin/b12-cds.js']];
  const child = spawn(command, [...prefix, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

export const fixturePath = (code: string): string => `fixtures/cards/${code}.json`;

export const readFixture = (code: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, fixturePath(code)), 'utf8')) as Record<string, unknown>;

/** What the HTTP service answers `body` with, its clock at the fixtures' evaluation date. */
export async function httpResponse(body: Record<string, unknown>): Promise<CdsResponse> {
  const res = await request(testApp({ now: new Date(`${EVALUATION_DATE}T09:30:00Z`) }).app)
    .post(`/cds-services/b12-${String(body.hook)}`)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text}`);
  return res.body as CdsResponse;
}

/** Cards without their generated uuids (each call makes new ones), to compare two answers. */
export const withoutUuids = (cards: readonly Card[]): unknown[] =>
  cards.map(({ uuid: _uuid, suggestions, ...card }) => ({
    ...card,
    ...(suggestions
      ? { suggestions: suggestions.map(({ uuid: _suggestion, ...rest }) => rest) }
      : {}),
  }));

/** `value` without the field `key`. */
export const omit = (value: Record<string, unknown>, key: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(value).filter(([name]) => name !== key));

export const cardCodesOf = (response: CdsResponse): (string | undefined)[] =>
  response.cards.map((card) => card.source.topic?.code);
