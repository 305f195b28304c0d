import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { callService } from '../../src/cds-hooks/hook-call.js';
import { defineService } from '../../src/cds-hooks/service.js';
import { loadConfig } from '../../src/main/config.js';
import { b12Observation, patientViewBody } from '../support/hook-calls.js';

/**
 * When a call waits for turns of the event loop (issue 14 item 4) and when it runs through at once
 * (issue 17): waiting made small calls' bodies outlive the young generation's collections.
 */

const service = defineService({
  id: 'counts',
  hook: 'patient-view',
  title: 'Counts',
  description: 'A test-only service answering no cards',
  prefetch: { labs: 'Observation?patient={{context.patientId}}' },
  handler: () => ({ cards: [] }),
});

const withLabs = (count: number): Record<string, unknown> => ({
  ...patientViewBody(),
  prefetch: {
    labs: {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: Array.from({ length: count }, () => ({ resource: b12Observation() })),
    },
  },
});

/** Whether the call let a turn of the event loop pass before it answered. */
async function waitedForATurn(body: unknown): Promise<boolean> {
  // A slice ends 8 ms after it began: this call starts with it used up.
  await delay(20);
  let turned = false;
  setImmediate(() => {
    turned = true;
  });
  const config = loadConfig({ NODE_ENV: 'test' });
  await callService(service, body, { config, allowedServers: undefined, now: () => new Date() });
  return turned;
}

describe('callService: turns of the event loop', () => {
  it('runs a call of up to 1,000 resources through at once', async () => {
    expect(await waitedForATurn(withLabs(1000))).toBe(false);
  });

  it('lets turns pass between the steps of a larger call', async () => {
    expect(await waitedForATurn(withLabs(1001))).toBe(true);
  });
});
