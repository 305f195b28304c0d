#!/usr/bin/env node
// `b12-cds` (src/main/cli/main.ts), run from the built release (dist/). In a checkout where it
// was never built (`npm ci` then `npx b12-cds`), it is built first, as `npm start` does.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/main/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  execFileSync('npm', ['run', 'build', '--silent'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
