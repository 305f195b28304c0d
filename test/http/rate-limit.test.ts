import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { jsonDepth } from '../../src/http/limits.js';
import { testApp } from '../support/app.js';

describe('optional rate limit per client (RATE_LIMIT_PER_MINUTE)', () => {
  it('is off by default: many calls in a minute are all answered', async () => {
    const { app } = testApp();
    for (let call = 0; call < 30; call += 1) {
      await request(app).get('/cds-services').expect(200);
    }
  });

  it('answers 429 with an OperationOutcome once a client exceeds its limit', async () => {
    const { app } = testApp({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
    await request(app).get('/cds-services').expect(200);
    await request(app).get('/cds-services').expect(200);
    const limited = await request(app).get('/cds-services').expect(429);
    expect(limited.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'throttled' }],
    });
  });

  it('never limits the liveness probe', async () => {
    const { app } = testApp({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    for (let call = 0; call < 5; call += 1) await request(app).get('/healthz').expect(200);
  });
});

describe('jsonDepth: nesting measured no deeper than the limit', () => {
  it.each([
    [1, 0],
    ['text', 0],
    [{}, 1],
    [[], 1],
    [{ a: [{ b: 1 }] }, 3],
  ])('%j has depth %i', (value, depth) => {
    expect(jsonDepth(value, 100)).toBe(depth);
  });

  it('measures 100,000 levels without exhausting the stack, stopping early past the limit', () => {
    let deep: unknown = 0;
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    expect(jsonDepth(deep, 64)).toBe(65);
  });
});
