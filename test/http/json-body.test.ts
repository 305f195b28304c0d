import { request as httpRequest } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { loopback } from '../support/loopback.js';
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
    const small = await loopback((req, res) => {
      testApp({ env: { REQUEST_BODY_LIMIT: '1kb' } }).app(req, res);
    });
    try {
      // The headers promise 100 kB and no byte follows: only the declared length can be refused.
      const answer = await new Promise<{ status: number; connection?: string; text: string }>(
        (resolve, reject) => {
          const req = httpRequest(
            `${small.origin}${SERVICE}`,
            {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', 'Content-Length': '100000' },
            },
            (res) => {
              let text = '';
              res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
              res.on('end', () => {
                resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text });
              });
            },
          );
          req.on('error', reject);
          req.flushHeaders();
        },
      );

      expect(answer.status).toBe(413);
      expect(expectOperationOutcome(JSON.parse(answer.text)).issue[0]?.code).toBe('too-long');
      expect(answer.connection).toBe('close');
    } finally {
      await small.close();
    }
  });

  it('of another media type is not read: 415', async () => {
    const res = await post({ 'Content-Type': 'text/plain' }, body);

    expectOperationOutcome(res, 415);
    expect(res.text).not.toContain('Testpatient');
  });
});
