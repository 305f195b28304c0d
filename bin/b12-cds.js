#!/usr/bin/env node
// `b12-cds` (src/cli/main.ts): the TypeScript sources run through tsx, as `npm start` runs them.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
