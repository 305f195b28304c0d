import type { CorsOptions } from 'cors';

/**
 * CORS for browser-based CDS clients such as the CDS Hooks Sandbox (CDS Hooks 2.0 §CORS), which
 * send `Authorization` and `Content-Type` to the discovery, service and feedback URLs. Any origin
 * may call, without credentials: clients authenticate with a bearer JWT, never with cookies.
 */
export const corsOptions: CorsOptions = {
  origin: '*',
  methods: ['GET', 'POST', 'OPTIONS'],
  allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
  exposedHeaders: ['WWW-Authenticate', 'Allow'],
  maxAge: 600,
};
