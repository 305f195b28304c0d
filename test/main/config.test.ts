import { connect as connectSocket, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/main/config.js';
import { freePort, startServerProcess } from '../support/server-process.js';

const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

describe('loadConfig(env): defaults', () => {
  it('defaults to PORT 3000, HOST 0.0.0.0 and CDS_PUBLIC_URL http://localhost:3000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.nodeEnv).toBe('development');
    expect(config.logLevel).toBe('info');
    expect(config.bodyLimitBytes).toBe(10 * 1024 * 1024);
    expect(config.fhir).toEqual({
      timeoutMs: 5000,
      maxPages: 20,
      maxResponseBytes: 5 * 1024 * 1024,
      allowHttp: true,
    });
    expect(config.jsonMaxDepth).toBe(64);
    expect(config.maxPrefetchResources).toBe(10_000);
    expect(config.rateLimitPerMinute).toBe(0);
    expect(config.jwt).toEqual({ clockSkewSeconds: 60, maxAgeSeconds: 3600 });
    expect(config.trustedClientsPath).toBeUndefined();
  });

  it('limits failed authentications to 20 a minute per address by default', () => {
    expect(loadConfig({}).authFailuresPerMinute).toBe(20);
    expect(loadConfig({ AUTH_FAILURES_PER_MINUTE: '0' }).authFailuresPerMinute).toBe(0);
    expect(() => loadConfig({ AUTH_FAILURES_PER_MINUTE: '-1' })).toThrow(
      /AUTH_FAILURES_PER_MINUTE/,
    );
  });

  it('sets HTTP timeouts to 10 s for headers, 30 s for a request and 5 s keep-alive by default', () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5000,
    });
    expect(
      loadConfig({
        HTTP_HEADERS_TIMEOUT_MS: '2000',
        HTTP_REQUEST_TIMEOUT_MS: '60000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000',
      }).http,
    ).toEqual({ headersTimeoutMs: 2000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000 });
  });

  it.each([
    [{ HTTP_HEADERS_TIMEOUT_MS: '0' }, 'HTTP_HEADERS_TIMEOUT_MS'],
    [{ HTTP_REQUEST_TIMEOUT_MS: '0' }, 'HTTP_REQUEST_TIMEOUT_MS'],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_MS: '0' }, 'HTTP_KEEP_ALIVE_TIMEOUT_MS'],
    [{ HTTP_HEADERS_TIMEOUT_MS: '10s' }, 'HTTP_HEADERS_TIMEOUT_MS'],
    [{ HTTP_HEADERS_TIMEOUT_MS: '40000' }, 'HTTP_HEADERS_TIMEOUT_MS'],
  ])('refuses %j (no timeout, or a headers timeout beyond the request timeout)', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('builds the default CDS_PUBLIC_URL from PORT, with no trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
  });

  it.each([
    [{}, 'off'],
    [{ NODE_ENV: 'development' }, 'off'],
    [{ NODE_ENV: 'test' }, 'off'],
    [{ NODE_ENV: 'production' }, 'required'],
  ])('defaults CDS_AUTH to off outside production and required in production (%j)', (env, auth) => {
    expect(loadConfig(env).auth).toBe(auth);
  });

  it('calls only https FHIR servers in production unless FHIR_ALLOW_HTTP=true', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).fhir.allowHttp).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', FHIR_ALLOW_HTTP: 'true' }).fhir.allowHttp).toBe(
      true,
    );
    expect(loadConfig({ NODE_ENV: 'development', FHIR_ALLOW_HTTP: 'false' }).fhir.allowHttp).toBe(
      false,
    );
  });

  it('lets an explicit CDS_AUTH win over the NODE_ENV default', () => {
    expect(loadConfig({ NODE_ENV: 'production', CDS_AUTH: 'off' }).auth).toBe('off');
    expect(loadConfig({ NODE_ENV: 'development', CDS_AUTH: 'required' }).auth).toBe('required');
  });

  it('treats empty and blank variables as unset, i.e. the default', () => {
    const blank = {
      NODE_ENV: '',
      PORT: '',
      HOST: ' ',
      CDS_PUBLIC_URL: '',
      CDS_AUTH: '',
      CDS_TRUSTED_CLIENTS: '',
      LOG_LEVEL: '',
      FHIR_TIMEOUT_MS: '',
      FHIR_MAX_PAGES: '',
      REQUEST_BODY_LIMIT: '',
    };
    expect(loadConfig(blank)).toEqual(loadConfig({}));
  });

  it('reads only the env it is given, never process.env', () => {
    const saved = process.env.PORT;
    process.env.PORT = '4999';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});

describe('loadConfig(env): values', () => {
  it.each([
    ['https://cds.example.org/', 'https://cds.example.org'],
    ['https://cds.example.org/b12//', 'https://cds.example.org/b12'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
  ])('trims the trailing slash from CDS_PUBLIC_URL %s', (url, expected) => {
    expect(loadConfig({ CDS_PUBLIC_URL: url }).publicUrl).toBe(expected);
  });

  it.each([
    ['10mb', 10 * 1024 * 1024],
    ['512kb', 512 * 1024],
    ['1048576', 1048576],
    ['2KB', 2048],
    [' 64kb ', 64 * 1024],
  ])('parses REQUEST_BODY_LIMIT=%j as %d bytes', (value, bytes) => {
    expect(loadConfig({ REQUEST_BODY_LIMIT: value }).bodyLimitBytes).toBe(bytes);
  });

  it('reads PORT, HOST, LOG_LEVEL, FHIR_TIMEOUT_MS, FHIR_MAX_PAGES and an existing CDS_TRUSTED_CLIENTS', () => {
    const config = loadConfig({
      PORT: '8443',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FHIR_TIMEOUT_MS: '2500',
      FHIR_MAX_PAGES: '3',
      CDS_TRUSTED_CLIENTS: PACKAGE_JSON,
    });
    expect(config).toMatchObject({
      port: 8443,
      host: '127.0.0.1',
      logLevel: 'warn',
      fhir: { timeoutMs: 2500, maxPages: 3 },
      trustedClientsPath: PACKAGE_JSON,
    });
  });
});

describe('loadConfig(env): bad values throw a ConfigError naming the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['CDS_AUTH', 'maybe'],
    ['CDS_PUBLIC_URL', 'ftp://x'],
    ['CDS_PUBLIC_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['FHIR_TIMEOUT_MS', '0'],
    ['FHIR_MAX_PAGES', '0'],
    ['CDS_TRUSTED_CLIENTS', '/no/such/file'],
    ['REQUEST_BODY_LIMIT', 'lots'],
    ['NODE_ENV', 'staging'],
  ])('%s=%j', (name, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toContain(name);
  });

  it('names every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' })).toThrow(
      /PORT[\s\S]*LOG_LEVEL|LOG_LEVEL[\s\S]*PORT/,
    );
  });
});

describe('the server process (src/main/server.ts)', () => {
  it('exits with code 1 and names PORT on stderr when PORT is invalid', async () => {
    const server = startServerProcess({ PORT: 'abc', NODE_ENV: 'development' });
    try {
      const { code } = await server.exit;
      expect(code).toBe(1);
      expect(server.stderr()).toContain('PORT');
      expect(server.stdout()).not.toContain('listening');
    } finally {
      server.kill('SIGKILL');
    }
  }, 60_000);

  it('exits with code 1 and logs "could not listen" when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(0, '127.0.0.1', resolve);
    });
    const { port } = blocker.address() as AddressInfo;
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      CDS_AUTH: 'off',
    });
    try {
      const { code } = await server.exit;
      expect(code).toBe(1);
      expect(server.stdout()).toContain('could not listen');
    } finally {
      server.kill('SIGKILL');
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);

  it('the running service drops a slow-loris connection after HTTP_HEADERS_TIMEOUT_MS', async () => {
    const port = await freePort();
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      CDS_AUTH: 'off',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
    });
    try {
      await server.waitFor('"msg":"listening"');
      const started = Date.now();
      const socket = connectSocket(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('GET /cds-services HTTP/1.1\r\nHost: localhost\r\n');
      const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      clearInterval(trickle);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      server.kill('SIGKILL');
      await server.exit;
    }
  }, 60_000);

  it('listens on the configured port, serves discovery, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      CDS_AUTH: 'off',
      LOG_LEVEL: 'info',
    });
    try {
      await server.waitFor('"msg":"listening"');
      const listening = server
        .stdout()
        .split('\n')
        .find((line) => line.includes('"msg":"listening"'));
      expect(JSON.parse(listening ?? '{}')).toMatchObject({ port, host: '127.0.0.1' });

      const res = await fetch(`http://127.0.0.1:${port}/cds-services`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { services: { id: string }[] };
      expect(body.services.map((service) => service.id).sort()).toEqual([
        'b12-order-select',
        'b12-order-sign',
        'b12-patient-view',
      ]);

      server.kill('SIGTERM');
      const { code } = await server.exit;
      expect(code).toBe(0);
      expect(server.stdout()).toContain('"msg":"shutting down"');
    } finally {
      server.kill('SIGKILL');
    }
  }, 60_000);
});
