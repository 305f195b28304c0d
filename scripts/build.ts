import { cpSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * `npm run build`: the release in `dist/`, plain JavaScript that `node` runs with no compiler or
 * TypeScript runtime (issue 15). Each TypeScript module becomes one JavaScript module at the same
 * path under `dist/` (esbuild strips the types; `npm run typecheck` checks them), so paths a
 * module reads relative to itself still hold; the data files those paths name are copied beside
 * them; the demo page's browser script is bundled once, to `dist/demo/client.js`.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');

/**
 * The server's code: every module the service, the CLI and the demo page's server part run. Each
 * is an entry point of its own, so the modules loaded by their path at run time are built too:
 * the forecast's worker thread, src/main/cli/forecast/worker.ts, which pool.ts starts from
 * `./worker.js` beside it (were this build to bundle, that entry would have to be listed).
 */
const SOURCE_DIRECTORIES = ['src', 'cds-services', 'demo'];
/** Browser code, bundled on its own (below). */
const BROWSER_DIRECTORY = join('demo', 'client');

/** Files read at run time, relative to the module that reads them: copied to the same place. */
const DATA = [
  'cds-services/b12/knowledge',
  'demo/page.html',
  'demo/demo.css',
  // The demo page's patients (demo/fixture-patients.ts reads ../fixtures/{examples,cards}).
  'fixtures/examples',
  'fixtures/cards',
];

/** Written last: the build is complete, and as new as this file. */
const BUILT = join(DIST, '.built');

function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true, encoding: 'utf8' }).map((file) => join(path, file));
}

/** Whether any source or data file is newer than the last complete build (or there is none). */
function stale(): boolean {
  let built: number;
  try {
    built = statSync(BUILT).mtimeMs;
  } catch {
    return true;
  }
  const inputs = [...SOURCE_DIRECTORIES, ...DATA, 'scripts/build.ts'].flatMap(filesUnder);
  return inputs.some((file) => statSync(join(ROOT, file)).mtimeMs > built);
}

function typescriptModules(directory: string): string[] {
  return filesUnder(directory)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .filter((file) => !file.startsWith(`${BROWSER_DIRECTORY}${sep}`));
}

export async function buildRelease(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: SOURCE_DIRECTORIES.flatMap(typescriptModules),
    outdir: DIST,
    outbase: '.',
    format: 'esm',
    platform: 'node',
    target: 'node24',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await build({
    entryPoints: [join(ROOT, BROWSER_DIRECTORY, 'main.ts')],
    outfile: join(DIST, 'demo', 'client.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
  });
  for (const path of DATA) cpSync(join(ROOT, path), join(DIST, path), { recursive: true });
  writeFileSync(BUILT, `${new Date().toISOString()}\n`);
}

// `--if-stale` (npm start, npm run report): an up-to-date build is left as it is.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--if-stale') || stale()) await buildRelease();
}
