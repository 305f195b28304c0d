#!/usr/bin/env node
// `b12-cds` (src/main/cli/main.ts), run from the built release: `npm run build` writes dist/.
const { main } = await import('../dist/src/main/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
