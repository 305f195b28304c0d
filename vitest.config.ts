import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The in-memory Medplum FHIR server (integration tests) needs the WebSocket global on Node 20.
    execArgv: ['--experimental-websocket'],
    restoreMocks: true,
  },
});
