import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/http-server.js';
import { loadConfig } from '../../src/main/config.js';

/** The HTTP server's timeouts come from the configuration, not Node's minutes-long defaults. */

describe('createHttpServer: timeouts from the configuration', () => {
  it('sets headersTimeout, requestTimeout and keepAliveTimeout from HTTP_*_TIMEOUT_MS', () => {
    const server = createHttpServer(
      (_req, res) => res.end(),
      loadConfig({
        HTTP_HEADERS_TIMEOUT_MS: '2000',
        HTTP_REQUEST_TIMEOUT_MS: '7000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '3000',
      }).http,
    );
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([
      2000, 7000, 3000,
    ]);
  });

  it('drops a slow-loris connection (headers never finished) once the headers timeout passes', async () => {
    const server = createHttpServer(
      (_req, res) => res.end('ok'),
      loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '5000' }).http,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      // One header line, then a trickle that never ends the headers.
      socket.write('GET /cds-services HTTP/1.1\r\nHost: localhost\r\n');
      const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      clearInterval(trickle);
      const heldMs = Date.now() - started;
      expect(heldMs).toBeGreaterThanOrEqual(900);
      expect(heldMs).toBeLessThan(4000);
      expect(received).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 15_000);

  it('still answers a client that sends its request promptly', async () => {
    const server = createHttpServer(
      (_req, res) => res.end('ok'),
      loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '1000' }).http,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(await res.text()).toBe('ok');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
