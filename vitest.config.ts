import { defineConfig } from 'vitest/config';

/** Date-sensitive suites run again in a time zone far from UTC: day counts must not move. */
const DATE_SENSITIVE = [
  'test/fhir/**/*.test.ts',
  'test/b12/**/*.test.ts',
  'test/support/fhir.test.ts',
];
/** Measures event-loop delay: it runs after every other file, alone on the machine. */
const ALONE = ['test/event-loop.test.ts'];

export default defineConfig({
  test: {
    restoreMocks: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'utc',
          include: ['test/**/*.test.ts'],
          exclude: ALONE,
          env: { TZ: 'UTC' },
          // The release (dist/) is built once: the process tests start it.
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'auckland', include: DATE_SENSITIVE, env: { TZ: 'Pacific/Auckland' } },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          env: { TZ: 'UTC' },
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
