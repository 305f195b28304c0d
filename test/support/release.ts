import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST } from '../../scripts/build.js';

/**
 * The release built by `npm run build` (scripts/build.ts), which the test run builds first
 * (test/global-setup.ts): processes start from it as the Docker image starts them.
 */

export const SERVER_JS = join(DIST, 'src', 'main', 'server.js');
export const FEEDBACK_CLI_JS = join(DIST, 'src', 'main', 'cli', 'feedback.js');

/** The demo page's browser script, as the built server serves it. */
export const demoClientScript = (): string => readFileSync(join(DIST, 'demo', 'client.js'), 'utf8');
