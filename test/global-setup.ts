import { buildRelease } from '../scripts/build.js';

/** The release is built once before the tests: the process tests start it (test/support/release.ts). */
export default async function setup(): Promise<void> {
  await buildRelease();
}
