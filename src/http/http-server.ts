import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { Config } from '../main/config.js';

/**
 * The HTTP server around the app, with its timeouts set from the configuration rather than left
 * at Node's defaults (60 s for headers, 300 s for a whole request), which let a slow client hold
 * a connection for minutes (slow-loris).
 */

/** How often Node looks for connections over their headers or request timeout (its default is 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

export function createHttpServer(app: RequestListener, http: Config['http']): Server {
  const server = createServer(
    {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, http.headersTimeoutMs),
    },
    app,
  );
  server.keepAliveTimeout = http.keepAliveTimeoutMs;
  return server;
}
