/**
 * Sign-in through the government's OpenID Connect provider (统一身份认证), when OIDC_* is configured: the
 * Authorization Code flow with PKCE (RFC 7636, S256), `state` and `nonce` (OpenID Connect Core 1.0 §3.1).
 *
 * 1. `beginOidcSignIn`: a random state, nonce and code verifier; the pending sign-in is kept on the server (table
 *    `oidc_logins`, migration 0009) under the SHA-256 of the state, for ten minutes; the browser goes to the
 *    provider's authorization endpoint. The HTTP layer also gives the browser the state in a short-lived cookie,
 *    so only the browser that started a sign-in can finish it (login CSRF).
 * 2. `completeOidcSignIn`: the state must match that cookie and a pending sign-in, which is deleted at once (single
 *    use, whatever comes next); the code is exchanged at the token endpoint with the client's secret (HTTP Basic)
 *    and the code verifier; the ID token's signature (RS256 or ES256, keys from the provider's JWKS) and claims
 *    (iss, aud, azp, exp, iat, nbf with 60 s of clock skew, nonce) are checked; its `sub` must be linked to an
 *    enabled user (`users.oidc_subject`, set by the system administrator). Then a session opens as for a password
 *    sign-in (`startSession`, via 'oidc').
 *
 * Why the server keeps the pending sign-in rather than a signed cookie: there is no signing key to configure and
 * rotate, single use is a delete (a signed cookie could be replayed until it expires), and it works the same behind
 * several processes on PostgreSQL. The cost, one short-lived row per started sign-in, is bounded by the rate limit
 * and swept at each new start.
 *
 * Every finished attempt is audited as `auth.sign-in` with via 'oidc': a success in the user's workspace; a failure
 * in the user's workspace when the user is known (a disabled account), else in the reserved `system` workspace.
 * The browser learns only a coarse code (`OidcFailure`); the audit event and the log carry the precise reason.
 *
 * Only node:crypto and fetch: no JOSE library. Discovery and the JWKS are cached for an hour; the JWKS is fetched
 * again once when a token names a key it does not hold (the provider rotated its keys).
 */
import {
  createHash,
  createPublicKey,
  randomBytes,
  timingSafeEqual,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';
import type { AuthConfig, OidcConfig } from '../config.ts';
import { deleteExpiredOidcLogins, insertOidcLogin, takeOidcLogin } from '../db/queries/oidc.queries.ts';
import { findUserByOidcSubject } from '../db/queries/user.queries.ts';
import type { UserRow } from '../db/schema.ts';
import { recordAudit } from './audit.ts';
import { SYSTEM_WORKSPACE_ID, startSession, type ClientInfo, type SignInResult } from './auth.service.ts';
import type { ServiceContext } from './context.ts';
import { inTransaction } from './transaction.ts';

/** A pending sign-in lasts this long: the person signs in at the provider in the meantime. */
export const OIDC_LOGIN_TTL_MS = 10 * 60_000;
/** Clock skew allowed between this server and the provider when checking exp, iat and nbf. */
export const CLOCK_SKEW_SECONDS = 60;
const METADATA_TTL_MS = 60 * 60_000;
const FETCH_TIMEOUT_MS = 10_000;
/** Discovery documents, key sets and token answers are small; a bigger one is refused unread. */
const MAX_RESPONSE_BYTES = 256 * 1024;
/** An ID token issued longer ago than a pending sign-in may last was not issued for this one. */
const MAX_TOKEN_AGE_SECONDS = OIDC_LOGIN_TTL_MS / 1000 + CLOCK_SKEW_SECONDS;
/** 等保 level 3 asks for strong cryptography: RSA keys shorter than this are refused. */
const MIN_RSA_BITS = 2048;

/**
 * What the browser is told when OIDC sign-in fails (src/http/schemas/oidc.ts has the messages):
 * - `provider-unavailable`: the provider did not answer, or answered what cannot be used (discovery, keys, tokens);
 * - `provider-refused`: the provider sent the browser back with an error (the person cancelled, access denied);
 * - `invalid-state`: no pending sign-in of this browser (forged, replayed, expired or from another browser);
 * - `token-rejected`: the code was refused at the token endpoint, or the ID token failed a check;
 * - `not-linked`: the person signed in at the provider, but no account is linked to that identity;
 * - `account-disabled`: the linked account is disabled.
 */
export const OIDC_FAILURES = [
  'provider-unavailable',
  'provider-refused',
  'invalid-state',
  'token-rejected',
  'not-linked',
  'account-disabled',
] as const;
export type OidcFailure = (typeof OIDC_FAILURES)[number];

/** A failed OIDC sign-in: `code` for the browser, `reason` (precise, English) for the audit trail and the log. */
export class OidcError extends Error {
  override readonly name = 'OidcError';
  constructor(
    readonly code: OidcFailure,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
  }
}

export function isOidcError(error: unknown): error is OidcError {
  return error instanceof OidcError;
}

function rejected(reason: string): OidcError {
  return new OidcError('token-rejected', reason);
}

function unavailable(reason: string): OidcError {
  return new OidcError('provider-unavailable', reason);
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

function randomToken(): string {
  return base64url(randomBytes(32));
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** PKCE S256: BASE64URL(SHA-256(code_verifier)) (RFC 7636 §4.2). */
export function codeChallengeOf(codeVerifier: string): string {
  return base64url(createHash('sha256').update(codeVerifier).digest());
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * An endpoint the provider names: https, or http on this machine (a provider the tests run); never credentials in
 * the URL or a fragment.
 */
function isEndpointUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || value.includes('#')) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

const endpointSchema = z.string().max(2000).refine(isEndpointUrl);

const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: endpointSchema,
  token_endpoint: endpointSchema,
  jwks_uri: endpointSchema,
  code_challenge_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
});

/** The provider's endpoints, from its discovery document. */
export interface ProviderMetadata {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
}

const jwkSchema = z.object({
  kty: z.string(),
  kid: z.string().optional(),
  use: z.string().optional(),
  alg: z.string().optional(),
  n: z.string().optional(),
  e: z.string().optional(),
  crv: z.string().optional(),
  x: z.string().optional(),
  y: z.string().optional(),
});
const jwksSchema = z.object({ keys: z.array(z.unknown()).max(100) });

export type SigningAlgorithm = 'RS256' | 'ES256';

/** A verification key of the provider. */
export interface VerificationKey {
  readonly kid: string | null;
  readonly alg: SigningAlgorithm;
  readonly key: KeyObject;
}

/**
 * The usable keys of a JWK set: RSA (≥ 2048 bits) for RS256 and P-256 for ES256, marked for signatures or unmarked.
 * Keys of other kinds, or that do not parse, are left out, not fatal: a set may carry keys for other uses.
 */
export function keysOfJwks(jwks: unknown): VerificationKey[] {
  const parsed = jwksSchema.safeParse(jwks);
  if (!parsed.success) throw unavailable('jwks-malformed');
  const keys: VerificationKey[] = [];
  for (const entry of parsed.data.keys) {
    const jwk = jwkSchema.safeParse(entry);
    if (!jwk.success || (jwk.data.use !== undefined && jwk.data.use !== 'sig')) continue;
    const { kty, kid, alg, n, e, crv, x, y } = jwk.data;
    let material: JsonWebKey;
    let keyAlg: SigningAlgorithm;
    if (kty === 'RSA' && n !== undefined && e !== undefined && (alg === undefined || alg === 'RS256')) {
      material = { kty, n, e };
      keyAlg = 'RS256';
    } else if (kty === 'EC' && crv === 'P-256' && x !== undefined && y !== undefined && (alg ?? 'ES256') === 'ES256') {
      material = { kty, crv, x, y };
      keyAlg = 'ES256';
    } else {
      continue;
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: material, format: 'jwk' });
    } catch {
      continue;
    }
    if (keyAlg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) continue;
    keys.push({ kid: kid ?? null, alg: keyAlg, key });
  }
  return keys;
}

/** Finds the key for a token's header (its alg and kid), or throws `token-rejected`. */
export type KeyResolver = (header: {
  readonly alg: SigningAlgorithm;
  readonly kid: string | null;
}) => Promise<KeyObject>;

/** A key resolver over a fixed set of keys (tests; a provider whose keys are configured by hand). */
export function staticKeys(keys: readonly VerificationKey[]): KeyResolver {
  return async (header) => {
    const key = pickKey(keys, header);
    if (key === null) throw rejected(header.kid === null ? 'no-matching-key' : 'unknown-kid');
    return key;
  };
}

function pickKey(
  keys: readonly VerificationKey[],
  header: { readonly alg: SigningAlgorithm; readonly kid: string | null },
): KeyObject | null {
  const candidates = keys.filter((key) => key.alg === header.alg);
  if (header.kid !== null) return candidates.find((key) => key.kid === header.kid)?.key ?? null;
  // No kid: only unambiguous when the provider has a single key of the algorithm.
  return candidates.length === 1 ? (candidates[0]?.key ?? null) : null;
}

/** The claims of a verified ID token that sign-in uses. */
export interface IdTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly nonce: string;
  readonly azp?: string | undefined;
  readonly name?: string | undefined;
}

export interface IdTokenExpectations {
  readonly issuer: string;
  readonly clientId: string;
  /** The nonce sent with this sign-in's authorization request. */
  readonly nonce: string;
  readonly now: Date;
}

const headerSchema = z.object({
  alg: z.string(),
  kid: z.string().max(200).optional(),
  crit: z.unknown().optional(),
});

const claimsSchema = z.object({
  iss: z.string(),
  sub: z.string().min(1).max(255),
  aud: z.union([z.string(), z.array(z.string()).min(1)]),
  exp: z.number(),
  iat: z.number(),
  nbf: z.number().optional(),
  nonce: z.string().optional(),
  azp: z.string().optional(),
  name: z.string().max(200).optional(),
});

const JWS_PART = /^[A-Za-z0-9_-]+$/;

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Verifies an ID token (a compact JWS) and returns its claims, or throws `OidcError('token-rejected', reason)`.
 * Checked, in order: the form; the algorithm (RS256 or ES256 only: never `none`, never an HMAC keyed with a public
 * key); the signature, with the key the header names; iss equal to the issuer; aud the client id or a list holding
 * it (and then azp, when there are several audiences or azp is given, the client id); exp not past, iat and nbf
 * not ahead, iat not older than a pending sign-in lasts, each with 60 s of skew; the nonce of this sign-in.
 *
 * @example
 * const claims = await verifyIdToken(idToken, { issuer, clientId, nonce, now: new Date() }, staticKeys(keys));
 * claims.sub; // the person at the provider
 */
export async function verifyIdToken(
  token: string,
  expected: IdTokenExpectations,
  keyFor: KeyResolver,
): Promise<IdTokenClaims> {
  const parts = token.split('.');
  if (token.length > 16_384 || parts.length !== 3 || !parts.every((part) => JWS_PART.test(part))) {
    throw rejected('malformed-token');
  }
  const [encodedHeader = '', encodedPayload = '', encodedSignature = ''] = parts;
  const header = headerSchema.safeParse(decodeJson(encodedHeader));
  if (!header.success) throw rejected('malformed-header');
  const { alg, kid, crit } = header.data;
  if (alg !== 'RS256' && alg !== 'ES256') throw rejected(`unsupported-alg:${alg.slice(0, 20)}`);
  // Extensions this verifier does not know must not be ignored (RFC 7515 §4.1.11).
  if (crit !== undefined) throw rejected('unsupported-crit');

  const key = await keyFor({ alg, kid: kid ?? null });
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`);
  const signature = Buffer.from(encodedSignature, 'base64url');
  let valid: boolean;
  if (alg === 'RS256') {
    valid = key.asymmetricKeyType === 'rsa' && verify('sha256', signingInput, key, signature);
  } else {
    // JOSE carries ECDSA signatures as r‖s (64 bytes for P-256), not DER.
    valid =
      key.asymmetricKeyType === 'ec' &&
      key.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
      signature.length === 64 &&
      verify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
  }
  if (!valid) throw rejected('bad-signature');

  const parsed = claimsSchema.safeParse(decodeJson(encodedPayload));
  if (!parsed.success) throw rejected('malformed-claims');
  const claims = parsed.data;
  if (claims.iss !== expected.issuer) throw rejected('wrong-issuer');
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (!audiences.includes(expected.clientId)) throw rejected('wrong-audience');
  if (audiences.length > 1 && claims.azp === undefined) throw rejected('azp-missing');
  if (claims.azp !== undefined && claims.azp !== expected.clientId) throw rejected('wrong-azp');
  const now = expected.now.getTime() / 1000;
  if (now >= claims.exp + CLOCK_SKEW_SECONDS) throw rejected('expired');
  if (claims.iat > now + CLOCK_SKEW_SECONDS) throw rejected('issued-in-future');
  if (claims.iat < now - MAX_TOKEN_AGE_SECONDS) throw rejected('issued-too-long-ago');
  if (claims.nbf !== undefined && claims.nbf > now + CLOCK_SKEW_SECONDS) throw rejected('not-yet-valid');
  if (claims.nonce === undefined || !sameText(claims.nonce, expected.nonce)) throw rejected('nonce-mismatch');
  return { ...claims, nonce: claims.nonce };
}

export interface OidcClientOptions {
  /** How long discovery and the key set are kept (default an hour). */
  readonly cacheTtlMs?: number;
  /** The limit on each request to the provider (default 10 s). */
  readonly timeoutMs?: number;
}

interface Cached<T> {
  readonly value: T;
  readonly until: number;
}

/** Reads a response body up to `limit` bytes; more is refused unread. */
async function readLimited(response: Response, limit: number): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > limit) throw unavailable('response-too-large');
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw unavailable('response-too-large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The configured provider as this server talks to it: discovery, the key set and the token endpoint, with the
 * metadata and keys cached. One per app (src/http/routes/oidc.ts); the clock is the caller's.
 */
export class OidcClient {
  readonly config: OidcConfig;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  #metadata: Cached<ProviderMetadata> | null = null;
  #keys: Cached<readonly VerificationKey[]> | null = null;

  constructor(config: OidcConfig, options: OidcClientOptions = {}) {
    this.config = config;
    this.#ttlMs = options.cacheTtlMs ?? METADATA_TTL_MS;
    this.#timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  }

  /** A GET or POST to the provider: JSON back, within the time limit, no redirects followed. */
  async #request(
    what: string,
    url: string,
    post?: { readonly headers: Readonly<Record<string, string>>; readonly body: string },
  ): Promise<{ status: number; body: unknown }> {
    let text: string;
    let status: number;
    try {
      const response = await fetch(url, {
        method: post === undefined ? 'GET' : 'POST',
        headers: { accept: 'application/json', ...post?.headers },
        ...(post === undefined ? {} : { body: post.body }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = response.status;
      text = await readLimited(response, MAX_RESPONSE_BYTES);
    } catch (error) {
      if (isOidcError(error)) throw new OidcError(error.code, `${what}:${error.reason}`);
      const name = error instanceof Error ? error.name : 'error';
      throw unavailable(`${what}:${name === 'TimeoutError' ? 'timeout' : 'unreachable'}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status, body };
  }

  /** The provider's discovery document, checked: its issuer must be the configured one, byte for byte. */
  async metadata(now: Date): Promise<ProviderMetadata> {
    if (this.#metadata !== null && now.getTime() < this.#metadata.until) return this.#metadata.value;
    // "Any terminating / MUST be removed before appending /.well-known/openid-configuration" (Discovery 1.0 §4).
    const url = `${this.config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const { status, body } = await this.#request('discovery', url);
    if (status !== 200) throw unavailable(`discovery:status-${status}`);
    const parsed = discoverySchema.safeParse(body);
    if (!parsed.success) throw unavailable('discovery:malformed');
    const document = parsed.data;
    // A document naming another issuer would let that issuer's tokens through (Discovery 1.0 §4.3).
    if (document.issuer !== this.config.issuer) throw unavailable('discovery:issuer-mismatch');
    if (document.code_challenge_methods_supported?.includes('S256') === false) {
      throw unavailable('discovery:no-pkce-s256');
    }
    if (document.token_endpoint_auth_methods_supported?.includes('client_secret_basic') === false) {
      throw unavailable('discovery:no-client-secret-basic');
    }
    const value: ProviderMetadata = {
      issuer: document.issuer,
      authorizationEndpoint: document.authorization_endpoint,
      tokenEndpoint: document.token_endpoint,
      jwksUri: document.jwks_uri,
    };
    this.#metadata = { value, until: now.getTime() + this.#ttlMs };
    return value;
  }

  async #fetchKeys(now: Date): Promise<readonly VerificationKey[]> {
    const { jwksUri } = await this.metadata(now);
    const { status, body } = await this.#request('jwks', jwksUri);
    if (status !== 200) throw unavailable(`jwks:status-${status}`);
    const keys = keysOfJwks(body);
    this.#keys = { value: keys, until: now.getTime() + this.#ttlMs };
    return keys;
  }

  /** The key resolver for tokens verified at `now`: the cached set, fetched again once if the kid is unknown. */
  keyResolver(now: Date): KeyResolver {
    return async (header) => {
      const cached = this.#keys !== null && now.getTime() < this.#keys.until ? this.#keys.value : null;
      let key = cached === null ? null : pickKey(cached, header);
      // The provider may have rotated its keys since they were cached: ask once more, never in a loop.
      if (key === null) key = pickKey(await this.#fetchKeys(now), header);
      if (key === null) throw rejected(header.kid === null ? 'no-matching-key' : 'unknown-kid');
      return key;
    };
  }

  /**
   * Exchanges an authorization code for the ID token (RFC 6749 §4.1.3): the client authenticates with HTTP Basic
   * (client_secret_basic, id and secret form-encoded first, §2.3.1) and proves the code is its own with the PKCE
   * verifier.
   */
  async exchangeCode(now: Date, code: string, codeVerifier: string): Promise<string> {
    const { tokenEndpoint } = await this.metadata(now);
    const credentials = `${encodeURIComponent(this.config.clientId)}:${encodeURIComponent(this.config.clientSecret)}`;
    const { status, body } = await this.#request('token', tokenEndpoint, {
      headers: {
        authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.config.redirectUri,
        code_verifier: codeVerifier,
      }).toString(),
    });
    if (status === 400 || status === 401) {
      // invalid_grant (a used or foreign code, a wrong verifier), invalid_client: the request, not the provider.
      const error = z.object({ error: z.string() }).safeParse(body);
      throw rejected(
        `token-endpoint:${error.success ? error.data.error.replace(/[^a-z_]/g, '').slice(0, 40) : status}`,
      );
    }
    if (status !== 200) throw unavailable(`token:status-${status}`);
    const answer = z.object({ id_token: z.string().min(1), token_type: z.string() }).safeParse(body);
    if (!answer.success) throw unavailable('token:malformed');
    if (answer.data.token_type.toLowerCase() !== 'bearer') throw unavailable('token:not-bearer');
    return answer.data.id_token;
  }
}

/** Where the browser goes next, and the state its cookie must hold until the callback. */
export interface OidcStart {
  readonly authorizationUrl: string;
  readonly state: string;
  readonly expiresAt: string;
}

/**
 * Starts a sign-in: keeps the pending sign-in (swept of expired ones) and returns the provider's authorization URL.
 * `returnTo` must already be a path of this site (the HTTP schema checks it). Throws `provider-unavailable` when
 * discovery fails.
 */
export async function beginOidcSignIn(
  ctx: ServiceContext,
  client: OidcClient,
  input: { readonly returnTo: string },
): Promise<OidcStart> {
  const now = ctx.clock();
  const metadata = await client.metadata(now);
  const state = randomToken();
  const nonce = randomToken();
  const codeVerifier = randomToken();
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + OIDC_LOGIN_TTL_MS).toISOString();
  await inTransaction(ctx.db, async (trx) => {
    await deleteExpiredOidcLogins(trx, SYSTEM_WORKSPACE_ID, at);
    await insertOidcLogin(trx, {
      id: sha256Hex(state),
      workspace_id: SYSTEM_WORKSPACE_ID,
      created_at: at,
      updated_at: at,
      expires_at: expiresAt,
      nonce,
      code_verifier: codeVerifier,
      return_to: input.returnTo,
    });
  });
  const url = new URL(metadata.authorizationEndpoint);
  const { config } = client;
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', config.redirectUri);
  url.searchParams.set('scope', config.scopes.join(' '));
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('code_challenge', codeChallengeOf(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return { authorizationUrl: url.toString(), state, expiresAt };
}

/** The provider's answer at the callback, with the state the browser's cookie holds. */
export interface OidcCallback {
  readonly state: string | undefined;
  readonly code: string | undefined;
  /** The provider's error code (`access_denied`, …), when it sends the browser back without a code. */
  readonly error: string | undefined;
  /** RFC 9207: the issuer of the authorization response, when the provider says it (mix-up defence). */
  readonly iss: string | undefined;
  /** The state from this browser's cookie, set when it started the sign-in. */
  readonly browserState: string | null;
}

export interface OidcSignInResult extends SignInResult {
  /** The path to go to, as given at the start. */
  readonly returnTo: string;
}

async function auditFailure(
  ctx: ServiceContext,
  now: Date,
  client: ClientInfo,
  error: OidcError,
  context: { user?: UserRow | undefined; subject?: string | undefined },
): Promise<void> {
  const { user } = context;
  await inTransaction(ctx.db, (trx) =>
    recordAudit(
      trx,
      user === undefined
        ? { userId: 'anonymous', workspaceId: SYSTEM_WORKSPACE_ID, roles: [], ip: client.ip }
        : { userId: user.id, workspaceId: user.workspace_id, roles: [], ip: client.ip },
      now,
      {
        action: 'auth.sign-in',
        subjectType: user === undefined ? null : 'user',
        subjectId: user?.id ?? null,
        detail: {
          via: 'oidc',
          code: error.code,
          reason: error.reason,
          ...(context.subject === undefined ? {} : { subject: context.subject }),
          userAgent: client.userAgent,
        },
        outcome: error.code === 'account-disabled' ? 'denied' : 'failure',
      },
    ),
  );
}

/**
 * Finishes a sign-in at the callback and opens the session. Throws `OidcError` (audited) for every refusal; other
 * errors (the database) pass through.
 */
export async function completeOidcSignIn(
  ctx: ServiceContext,
  config: AuthConfig,
  client: OidcClient,
  callback: OidcCallback,
  clientInfo: ClientInfo,
): Promise<OidcSignInResult> {
  const now = ctx.clock();
  const context: { user?: UserRow; subject?: string } = {};
  try {
    const { state } = callback;
    if (state === undefined || state === '') throw new OidcError('invalid-state', 'missing-state');
    // Login CSRF: a callback carrying a state this browser did not start (an attacker's own code) is refused.
    if (callback.browserState === null || !sameText(state, callback.browserState)) {
      throw new OidcError('invalid-state', 'state-not-of-this-browser');
    }
    // Taken (deleted) first and committed on its own: the state is spent whatever happens next.
    const login = await takeOidcLogin(ctx.db, SYSTEM_WORKSPACE_ID, sha256Hex(state));
    if (login === undefined) throw new OidcError('invalid-state', 'unknown-or-used-state');
    if (now.getTime() >= new Date(login.expires_at).getTime()) throw new OidcError('invalid-state', 'expired-state');
    if (callback.error !== undefined) {
      throw new OidcError('provider-refused', `provider-error:${callback.error.replace(/[^a-z_]/g, '').slice(0, 40)}`);
    }
    if (callback.iss !== undefined && callback.iss !== client.config.issuer) throw rejected('wrong-response-issuer');
    if (callback.code === undefined || callback.code === '') throw new OidcError('provider-refused', 'missing-code');

    const idToken = await client.exchangeCode(now, callback.code, login.code_verifier);
    const claims = await verifyIdToken(
      idToken,
      { issuer: client.config.issuer, clientId: client.config.clientId, nonce: login.nonce, now },
      client.keyResolver(now),
    );
    context.subject = claims.sub;
    const user = await findUserByOidcSubject(ctx.db, claims.sub);
    // Only accounts the system administrator linked: the provider's word alone makes no account here.
    if (user === undefined) throw new OidcError('not-linked', 'unlinked-subject');
    context.user = user;
    if (user.disabled === 1) throw new OidcError('account-disabled', 'disabled');

    const result = await startSession(ctx, config, user, clientInfo, 'oidc', {
      detail: { issuer: claims.iss, subject: claims.sub },
    });
    return { ...result, returnTo: login.return_to };
  } catch (error) {
    if (isOidcError(error)) await auditFailure(ctx, now, clientInfo, error, context);
    throw error;
  }
}
