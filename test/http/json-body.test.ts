import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { expectOperationOutcome } from '../support/conformance.js';
import { patientViewBody } from '../support/hook-calls.js';

/**
 * The request body as the service reads it (src/http/json-body.ts): what `express.json` read
 * before, now parsed without blocking the event loop.
 */

const SERVICE = '/cds-services/b12-patient-view';
const app = testApp();
const body = Buffer.from(JSON.stringify(patientViewBody()));

const post = (headers: Record<string, string>, payload: Buffer): request.Test => {
  const call = request(app.app).post(SERVICE);
  for (const [name, value] of Object.entries(headers)) call.set(name, value);
  // The bytes as they are: superagent would write a Buffer sent as JSON as an object.
  return call.serialize((bytes: Buffer) => bytes as unknown as string).send(payload);
};

describe('the request body', () => {
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
    ['identity', (bytes: Buffer) => bytes],
  ])('compressed with %s is read', async (encoding, compress) => {
    const res = await post(
      { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
      compress(body),
    );

    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty('cards');
  });

  it.each(['application/json; charset=utf-8', 'application/fhir+json; charset="UTF-8"'])(
    'as %s is read',
    async (type) => {
      expect((await post({ 'Content-Type': type }, body)).status).toBe(200);
    },
  );

  it.each(['latin1', 'utf-16'])('in charset %s: 415', async (charset) => {
    const res = await post({ 'Content-Type': `application/json; charset=${charset}` }, body);

    expect(expectOperationOutcome(res, 415).issue[0]?.code).toBe('not-supported');
  });

  it('gzip that is not gzip: 400, and the service answers the next call', async () => {
    const res = await post(
      { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      Buffer.from('not gzip at all'),
    );

    expect(expectOperationOutcome(res, 400).issue[0]?.diagnostics).toBe(
      'The request body could not be read',
    );
    expect((await post({ 'Content-Type': 'application/json' }, body)).status).toBe(200);
  });

  it('declared larger than REQUEST_BODY_LIMIT: 413 before a byte is read, and the connection closes', async () => {
    const small = testApp({ env: { REQUEST_BODY_LIMIT: '1kb' } });
    const res = await request(small.app)
      .post(SERVICE)
      .set('Content-Type', 'application/json')
      .send(body.toString('utf8'));

    expect(expectOperationOutcome(res, 413).issue[0]?.code).toBe('too-long');
    expect(res.headers.connection).toBe('close');
  });

  it('of another media type is not read: 415', async () => {
    const res = await post({ 'Content-Type': 'text/plain' }, body);

    expectOperationOutcome(res, 415);
    expect(res.text).not.toContain('Testpatient');
  });
});
