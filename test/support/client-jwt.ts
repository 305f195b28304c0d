import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';

/**
 * CDS client JWTs for tests (CDS Hooks 2.0 §Trusting CDS Clients): key pairs generated with jose,
 * and tokens signed the way an EHR signs them, which tests then break one field at a time.
 */

export type SigningAlgorithm = 'ES256' | 'ES384' | 'RS384';

export interface SigningKey {
  alg: SigningAlgorithm;
  kid: string;
  privateKey: CryptoKey;
  /** The public key as a JWK with `kid`, `alg` and `use`, for a trusted client's `jwks`. */
  publicJwk: JWK;
}

export async function signingKey(alg: SigningAlgorithm, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

/** Epoch seconds now (by `Date.now`, which jose and the replay cache read too). */
export const epochNow = (): number => Math.floor(Date.now() / 1000);

export interface TokenOptions {
  iss: string;
  aud: string | string[];
  /** Claims added or replaced (`tenant`, a different `exp`…). */
  claims?: JWTPayload;
  /** Claims removed from the default set (`exp`, `iat`, `jti`). */
  omit?: readonly ('exp' | 'iat' | 'jti')[];
  /** Header fields added or replaced (`jku`, `typ`, another `kid`…); `undefined` removes one. */
  header?: Record<string, unknown>;
}

/** A client JWT as the CDS Hooks sandbox makes one: exp = now + 300 s, iat = now, a fresh jti. */
export async function clientToken(key: SigningKey, options: TokenOptions): Promise<string> {
  const now = epochNow();
  const omitted: readonly string[] = options.omit ?? [];
  const payload: JWTPayload = Object.fromEntries(
    Object.entries({
      iss: options.iss,
      aud: options.aud,
      exp: now + 300,
      iat: now,
      jti: randomUUID(),
      ...options.claims,
    }).filter(([claim]) => !omitted.includes(claim)),
  );
  const header = { alg: key.alg, typ: 'JWT', kid: key.kid, ...options.header };
  return new SignJWT(payload).setProtectedHeader(header).sign(key.privateKey);
}

const base64url = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** An unsigned token put together by hand (any header, e.g. `alg: none`; empty signature). */
export const unsignedToken = (header: Record<string, unknown>, payload: JWTPayload): string =>
  `${base64url(header)}.${base64url(payload)}.`;

/** The standard claims of a token that would be valid but for its header or signature. */
export function claimsFor(iss: string, aud: string): JWTPayload {
  const now = epochNow();
  return { iss, aud, exp: now + 300, iat: now, jti: randomUUID() };
}
