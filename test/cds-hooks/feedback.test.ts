import request from 'supertest';
import type { Response } from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { testApp } from '../support/app.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { loadCapture } from '../support/hook-calls.js';
import type { JsonObject } from '../support/hook-calls.js';

const FEEDBACK = '/cds-services/b12-patient-view/feedback';
const CARD = 'c2f1e0d9-3b4a-4c5d-8e6f-7a8b9c0d1e33';
const SUGGESTION = '6a1c8a52-58a4-4a8e-8f3e-2b7d3f1c9e22';
const TIMESTAMP = '2026-11-21T09:16:16.198Z';

async function send(app: Express, body: unknown, path = FEEDBACK): Promise<Response> {
  return request(app).post(path).set('Content-Type', 'application/json').send(JSON.stringify(body));
}

const accepted = (): JsonObject => ({
  card: CARD,
  outcome: 'accepted',
  acceptedSuggestions: [{ id: SUGGESTION }],
  outcomeTimestamp: TIMESTAMP,
});

const USER_COMMENT = 'Patient Zyxwvut told me she already has injections at the practice';

const overridden = (): JsonObject => ({
  card: CARD,
  outcome: 'overridden',
  overrideReason: {
    reason: {
      system: 'https://b12.example/override-reasons',
      code: 'already-treated',
      display: 'Already treated elsewhere',
    },
    userComment: USER_COMMENT,
  },
  outcomeTimestamp: TIMESTAMP,
});

const feedbackLines = (logLines: string[]): JsonObject[] =>
  logLines.map((line) => JSON.parse(line) as JsonObject).filter((line) => line.msg === 'feedback');

describe('POST /cds-services/{id}/feedback: accepted feedback', () => {
  it('answers 200 to the feedback the CDS Hooks Sandbox actually sent (capture 029)', async () => {
    const { body } = loadCapture('029-sandbox--feedback-b12-patient-view.json');
    const res = await send(testApp().app, body);
    expect(res.status).toBe(200);
  });

  it('answers 200 to accepted feedback with acceptedSuggestions', async () => {
    expect((await send(testApp().app, { feedback: [accepted()] })).status).toBe(200);
  });

  it('answers 200 to overridden feedback with an overrideReason {reason, userComment}', async () => {
    expect((await send(testApp().app, { feedback: [overridden()] })).status).toBe(200);
  });

  it('answers 200 to several items for the same card, as a client may send feedback repeatedly', async () => {
    const res = await send(testApp().app, {
      feedback: [accepted(), overridden(), { ...overridden(), overrideReason: undefined }],
    });
    expect(res.status).toBe(200);
  });

  it.each(['2026-11-21T09:16:16Z', '1985-04-12T23:20:50.52Z', '2026-11-21T10:16:16+01:00'])(
    'accepts the RFC 3339 outcomeTimestamp %s',
    async (outcomeTimestamp) => {
      const res = await send(testApp().app, { feedback: [{ ...accepted(), outcomeTimestamp }] });
      expect(res.status).toBe(200);
    },
  );

  it('accepts an overrideReason with only a reason or only a userComment (cds-fb-3)', async () => {
    const { reason, userComment } = overridden().overrideReason as JsonObject;
    const res = await send(testApp().app, {
      feedback: [
        { ...overridden(), overrideReason: { reason } },
        { ...overridden(), overrideReason: { userComment } },
      ],
    });
    expect(res.status).toBe(200);
  });

  it('accepts application/fhir+json feedback as well', async () => {
    const res = await request(testApp().app)
      .post(FEEDBACK)
      .set('Content-Type', 'application/fhir+json; charset=utf-8')
      .send(JSON.stringify({ feedback: [accepted()] }));
    expect(res.status).toBe(200);
  });

  it('is available for every service, e.g. b12-order-sign', async () => {
    const res = await send(
      testApp().app,
      { feedback: [accepted()] },
      '/cds-services/b12-order-sign/feedback',
    );
    expect(res.status).toBe(200);
  });
});

describe('POST /cds-services/{id}/feedback: invalid feedback is 400 with an OperationOutcome', () => {
  const cases: [string, unknown][] = [
    ['no feedback array', { card: CARD }],
    ['feedback that is not an array', { feedback: accepted() }],
    ['an empty feedback array', { feedback: [] }],
    ['an unknown outcome (cds-fb-1)', { feedback: [{ ...accepted(), outcome: 'ignored' }] }],
    ['a missing card', { feedback: [{ ...accepted(), card: undefined }] }],
    ['a missing outcomeTimestamp', { feedback: [{ ...accepted(), outcomeTimestamp: undefined }] }],
    [
      'a timestamp without a time zone',
      { feedback: [{ ...accepted(), outcomeTimestamp: '2026-11-21T09:16:16' }] },
    ],
    ['a date-only timestamp', { feedback: [{ ...accepted(), outcomeTimestamp: '2026-11-21' }] }],
    [
      'a human-readable timestamp',
      { feedback: [{ ...accepted(), outcomeTimestamp: 'Sat, 21 Nov 2026 09:16:16 GMT' }] },
    ],
    [
      'accepted without acceptedSuggestions (cds-fb-2)',
      { feedback: [{ ...accepted(), acceptedSuggestions: undefined }] },
    ],
    [
      'accepted with an empty acceptedSuggestions list',
      { feedback: [{ ...accepted(), acceptedSuggestions: [] }] },
    ],
    [
      'acceptedSuggestions on overridden feedback',
      { feedback: [{ ...overridden(), acceptedSuggestions: [{ id: SUGGESTION }] }] },
    ],
    [
      'an overrideReason on accepted feedback',
      { feedback: [{ ...accepted(), overrideReason: overridden().overrideReason }] },
    ],
    [
      'an overrideReason with neither reason nor userComment (cds-fb-3)',
      { feedback: [{ ...overridden(), overrideReason: {} }] },
    ],
  ];

  it.each(cases)('answers 400 for %s', async (_name, body) => {
    const res = await send(testApp().app, body);
    expectOperationOutcome(res, 400);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await request(testApp().app)
      .post(FEEDBACK)
      .set('Content-Type', 'application/json')
      .send('{"feedback": [');
    expectOperationOutcome(res, 400);
  });

  it('answers 415 for feedback sent as text/plain', async () => {
    const res = await request(testApp().app)
      .post(FEEDBACK)
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ feedback: [accepted()] }));
    expectOperationOutcome(res, 415);
  });

  it('names the offending field and does not echo the user comment in the 400 answer', async () => {
    const res = await send(testApp().app, {
      feedback: [{ ...overridden(), outcomeTimestamp: 'yesterday' }],
    });
    const outcome = expectOperationOutcome(res, 400);
    expect(outcome.issue.flatMap((issue) => issue.expression ?? [])).toContain(
      'feedback.0.outcomeTimestamp',
    );
    expect(res.text).not.toContain('Zyxwvut');
  });
});

describe('POST /cds-services/{id}/feedback: other statuses', () => {
  it('answers 404 with an OperationOutcome for an unknown service', async () => {
    const res = await send(
      testApp().app,
      { feedback: [accepted()] },
      '/cds-services/nope/feedback',
    );
    expectOperationOutcome(res, 404);
  });

  it('answers GET with 405 and an Allow header naming POST', async () => {
    const res = await request(testApp().app).get(FEEDBACK);
    expectOperationOutcome(res, 405);
    expect(res.headers.allow).toMatch(/\bPOST\b/);
  });
});

describe('POST /cds-services/{id}/feedback: logging', () => {
  it('logs one line with the outcome counts and reason codes, but not the user comment', async () => {
    const { app, logLines } = testApp();
    const res = await send(app, { feedback: [accepted(), overridden(), overridden()] });
    expect(res.status).toBe(200);
    const lines = feedbackLines(logLines);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      serviceId: 'b12-patient-view',
      accepted: 1,
      overridden: 2,
      overrideReasons: ['already-treated', 'already-treated'],
    });
    const log = logLines.join('\n');
    expect(log).not.toContain('Zyxwvut');
    expect(log).not.toContain('injections');
    expect(log).not.toContain('userComment');
  });
});
