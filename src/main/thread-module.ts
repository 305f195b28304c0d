import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The module a worker thread runs, named `name` beside the module at `base` (its
 * `import.meta.url`): `name.js` in the release; `name.ts` when run from the sources (tests, tsx),
 * where the thread needs tsx's loader, as Node does not map `.js` imports to `.ts` files. A thread
 * inherits the process's Node options, so the loader is added only when the process lacks it:
 * options given explicitly replace the inherited ones, and a thread refuses some process-wide
 * ones given that way (`--trace-gc`).
 */
export function threadModule(base: string, name: string): { url: URL; execArgv?: string[] } {
  if (!base.endsWith('.ts')) return { url: new URL(`./${name}.js`, base) };
  const url = new URL(`./${name}.ts`, base);
  if (process.execArgv.some((option) => option.includes('tsx'))) return { url };
  const tsx = pathToFileURL(createRequire(base).resolve('tsx')).href;
  return { url, execArgv: [...process.execArgv, '--import', tsx] };
}
