import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet } from 'jose';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

/**
 * The CDS clients this service trusts (CDS Hooks 2.0 §Trusting CDS Clients: "maintaining an
 * allowlist of iss and jku urls"), read once from `CDS_TRUSTED_CLIENTS` at start.
 */

/** Asymmetric algorithms only: the specification forbids `none` and symmetric (HMAC) signatures. */
export const ASYMMETRIC_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;

/** Accepted from every client: the two the specification recommends. */
export const DEFAULT_ALGORITHMS = ['ES384', 'RS384'] as const;

const httpsUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const trustedClientSchema = z
  .strictObject({
    iss: z.string().min(1),
    /** Keys given inline (preferred: no network fetch, no dependence on the client's host). */
    jwks: z.looseObject({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) }).optional(),
    /** The only JWK Set URL(s) keys may be fetched from, and the only `jku` a token may name. */
    jku: z.union([httpsUrl, z.array(httpsUrl).min(1)]).optional(),
    /** Extra asymmetric algorithms this client signs with (ES384 and RS384 are always accepted). */
    algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).optional(),
    /** When set, the token's `tenant` claim must equal it. */
    tenant: z.string().min(1).optional(),
    /** FHIR server base URLs this client may send as `fhirServer` (others are never called). */
    fhirServers: z.array(httpsUrl).min(1).optional(),
    description: z.string().optional(),
  })
  .refine((client) => client.jwks !== undefined || client.jku !== undefined, {
    message: 'each trusted client needs "jwks" or "jku"',
  });

const trustedClientsSchema = z
  .array(trustedClientSchema)
  .refine((clients) => new Set(clients.map((client) => client.iss)).size === clients.length, {
    message: 'each "iss" may appear once',
  });

export interface TrustedClient {
  iss: string;
  jkuAllowList: readonly string[];
  algorithms: readonly string[];
  tenant: string | undefined;
  fhirServers: readonly string[] | undefined;
  /** Resolves the verification key for a token header (`kid` selects; remote sets cached). */
  keys: JWTVerifyGetKey;
}

export class TrustedClientsError extends Error {
  override name = 'TrustedClientsError';
}

/** How long fetched key sets are kept, and the least time between two refreshes (key rotation). */
const REMOTE_JWKS = { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 };

export function trustedClientsFrom(json: unknown): ReadonlyMap<string, TrustedClient> {
  const parsed = trustedClientsSchema.safeParse(json);
  if (!parsed.success) throw new TrustedClientsError(z.prettifyError(parsed.error));
  return new Map(
    parsed.data.map((client) => {
      const jkuAllowList = client.jku === undefined ? [] : [client.jku].flat();
      return [
        client.iss,
        { ...clientSettings(client, jkuAllowList), keys: keySource(client.jwks, jkuAllowList) },
      ];
    }),
  );
}

/**
 * Inline keys when given; otherwise the allow-listed JWK Set the token names in `jku` (or the
 * first), each fetched once, cached, and refreshed on an unknown `kid` at most every 30 s.
 */
function keySource(jwks: object | undefined, jkuAllowList: readonly string[]): JWTVerifyGetKey {
  if (jwks) return createLocalJWKSet(jwks as JSONWebKeySet);
  const remote = new Map(
    jkuAllowList.map((url) => [url, createRemoteJWKSet(new URL(url), REMOTE_JWKS)]),
  );
  return (header, token) => {
    const set = remote.get(header.jku ?? jkuAllowList[0] ?? '');
    if (!set) throw new TrustedClientsError('no allow-listed JWK Set for this token');
    return set(header, token);
  };
}

function clientSettings(
  client: z.infer<typeof trustedClientSchema>,
  jkuAllowList: readonly string[],
): Omit<TrustedClient, 'keys'> {
  return {
    iss: client.iss,
    jkuAllowList,
    algorithms: [...new Set([...DEFAULT_ALGORITHMS, ...(client.algorithms ?? [])])],
    tenant: client.tenant,
    fhirServers: client.fhirServers,
  };
}

/**
 * Clients without `fhirServers`: any FHIR server they name is called (the allow-list is the
 * server-side request forgery guard; no address-range rule replaces it, as hospitals' FHIR servers
 * often live on private addresses). Allowed outside production, and named in a warning at start.
 */
export function clientsWithoutFhirServers(
  clients: ReadonlyMap<string, TrustedClient>,
): readonly string[] {
  return [...clients.values()]
    .filter((client) => client.fhirServers === undefined)
    .map((client) => client.iss);
}

/** In production every trusted client must list `fhirServers`: a {@link TrustedClientsError} names those that do not. */
export function requireFhirServers(clients: ReadonlyMap<string, TrustedClient>): void {
  const listless = clientsWithoutFhirServers(clients);
  if (listless.length > 0) {
    throw new TrustedClientsError(
      `with NODE_ENV=production every trusted client must list "fhirServers" (the FHIR servers it may have called); missing for: ${listless.join(', ')}`,
    );
  }
}

export function readTrustedClients(path: string): ReadonlyMap<string, TrustedClient> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TrustedClientsError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return trustedClientsFrom(json);
}
