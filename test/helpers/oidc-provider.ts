/**
 * A small OpenID Connect provider for tests: a real HTTP server on 127.0.0.1 (port chosen by the system) with
 * discovery, a JWKS, an authorization endpoint that signs the person in at once (302 back to the redirect URI with a
 * code, remembering the nonce and PKCE challenge) and a token endpoint that checks the client's secret (HTTP Basic),
 * the code, the redirect URI and the code verifier, and answers an ID token it signs (RS256; ES256 on request).
 *
 * Tests steer it through its mutable fields: who is signed in (`subject`), an error to send back instead of a code
 * (`authorizeError`), what discovery claims the issuer is, and tweaks to the ID tokens it signs (`tokens`).
 *
 * @example
 * const provider = await startOidcProvider();
 * onTestFinished(() => provider.close());
 * const app = await buildTestApp({ env: provider.env('http://localhost/api/auth/oidc/callback') });
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TEST_CLIENT_ID = 'luoshi-test';
export const TEST_CLIENT_SECRET = 'test-secret:with/odd chars&=';

export interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

let keysMade = 0;

/** A fresh signing key: RSA 2048 for RS256, P-256 for ES256. */
export function makeSigningKey(alg: 'RS256' | 'ES256' = 'RS256', kid?: string): SigningKey {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  keysMade += 1;
  return { kid: kid ?? `${alg.toLowerCase()}-${keysMade}-${randomBytes(3).toString('hex')}`, alg, ...pair };
}

/** The public JWK of a key, as a provider publishes it. */
export function publicJwk(key: SigningKey): Record<string, unknown> {
  return { ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' };
}

function encodePart(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs a compact JWS over `header` and `claims` with `privateKey`, as the header's alg says (RS256 or ES256). */
export function signJws(
  header: Readonly<Record<string, unknown>>,
  claims: Readonly<Record<string, unknown>>,
  privateKey: KeyObject,
): string {
  const input = `${encodePart(header)}.${encodePart(claims)}`;
  const signature =
    header.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** Changes to the ID tokens the provider signs, until the test sets them back. */
export interface TokenTweaks {
  /** Merged over the claims it would send; a claim set to undefined is left out. */
  claims?: Record<string, unknown>;
  /** Sign with the provider's ES256 key instead of its RSA key. */
  alg?: 'ES256';
  /** Sign with this key (published or not) and name its kid. */
  signWith?: SigningKey;
  /** Change the token after signing (to break the signature). */
  tamper?: (token: string) => string;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  nonce: string | null;
  challenge: string;
  subject: string;
  used: boolean;
}

export interface TestOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The person signed in at the provider: the `sub` of the next authorization. */
  subject: string;
  /** Sent back instead of a code by the next authorizations (`access_denied`), while set. */
  authorizeError: string | null;
  /** What discovery says the issuer is (default the real one). */
  discoveredIssuer: string;
  /** The token endpoint waits this long before answering. */
  tokenDelayMs: number;
  tokens: TokenTweaks;
  /** Every request the provider got, as `METHOD /path`. */
  readonly requests: string[];
  /** The RSA key it signs with and publishes. */
  readonly rsaKey: SigningKey;
  /** Publishes a new RSA key (and only it) and signs with it from now on. */
  rotateKey(): SigningKey;
  /** The configuration variables of an app that signs in here. */
  env(redirectUri: string): Record<string, string>;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { location });
  response.end();
}

function withoutUndefined(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

let sharedRsaKey: SigningKey | undefined;

/** Starts a provider for one client. Close it when the test ends. */
export async function startOidcProvider(
  options: { clientId?: string; clientSecret?: string; rsaKey?: SigningKey } = {},
): Promise<TestOidcProvider> {
  const clientId = options.clientId ?? TEST_CLIENT_ID;
  const clientSecret = options.clientSecret ?? TEST_CLIENT_SECRET;
  // One RSA key for every provider of a test file unless one is given: making RSA keys is what costs time here.
  sharedRsaKey ??= makeSigningKey('RS256');
  let rsaKey = options.rsaKey ?? sharedRsaKey;
  const ecKey = makeSigningKey('ES256');
  const grants = new Map<string, Grant>();
  const redirectUris = new Set<string>();

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const provider: TestOidcProvider = {
    issuer,
    clientId,
    clientSecret,
    subject: 'gov-person-0001',
    authorizeError: null,
    discoveredIssuer: issuer,
    tokenDelayMs: 0,
    tokens: {},
    requests: [],
    get rsaKey() {
      return rsaKey;
    },
    rotateKey() {
      rsaKey = makeSigningKey('RS256');
      return rsaKey;
    },
    env(redirectUri) {
      redirectUris.add(redirectUri);
      return {
        OIDC_ISSUER: issuer,
        OIDC_CLIENT_ID: clientId,
        OIDC_CLIENT_SECRET: clientSecret,
        OIDC_REDIRECT_URI: redirectUri,
      };
    },
    close() {
      // Idempotent: a test may stop the provider early (to see the app cope), and the clean-up stops it again.
      if (!server.listening) return Promise.resolve();
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };

  function idToken(grant: Grant): string {
    const now = Math.floor(Date.now() / 1000);
    const tweaks = provider.tokens;
    const key = tweaks.signWith ?? (tweaks.alg === 'ES256' ? ecKey : rsaKey);
    const claims = withoutUndefined({
      iss: issuer,
      sub: grant.subject,
      aud: grant.clientId,
      exp: now + 300,
      iat: now,
      auth_time: now,
      name: '测试用户',
      ...(grant.nonce === null ? {} : { nonce: grant.nonce }),
      ...tweaks.claims,
    });
    const token = signJws({ alg: key.alg, kid: key.kid, typ: 'JWT' }, claims, key.privateKey);
    return tweaks.tamper === undefined ? token : tweaks.tamper(token);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', issuer);
    provider.requests.push(`${request.method ?? ''} ${url.pathname}`);
    if (request.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return json(response, 200, {
        issuer: provider.discoveredIssuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (request.method === 'GET' && url.pathname === '/jwks') {
      return json(response, 200, { keys: [publicJwk(rsaKey), publicJwk(ecKey)] });
    }
    if (request.method === 'GET' && url.pathname === '/authorize') return authorize(url, response);
    if (request.method === 'POST' && url.pathname === '/token') return token(request, response);
    json(response, 404, { error: 'not_found' });
  }

  function authorize(url: URL, response: ServerResponse): void {
    const query = url.searchParams;
    const redirectUri = query.get('redirect_uri') ?? '';
    // Never redirect to a URI the client did not register: answer here instead.
    if (query.get('client_id') !== clientId || !redirectUris.has(redirectUri)) {
      response.writeHead(400, { 'content-type': 'text/plain' });
      response.end('unknown client or redirect_uri');
      return;
    }
    const back = new URL(redirectUri);
    const state = query.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const challenge = query.get('code_challenge');
    const problem =
      query.get('response_type') !== 'code'
        ? 'unsupported_response_type'
        : !(query.get('scope') ?? '').split(' ').includes('openid')
          ? 'invalid_scope'
          : query.get('code_challenge_method') !== 'S256' || challenge === null
            ? 'invalid_request'
            : provider.authorizeError;
    if (problem !== null) {
      back.searchParams.set('error', problem);
      return redirect(response, back.toString());
    }
    const code = randomBytes(24).toString('base64url');
    grants.set(code, {
      clientId,
      redirectUri,
      nonce: query.get('nonce'),
      challenge: challenge ?? '',
      subject: provider.subject,
      used: false,
    });
    back.searchParams.set('code', code);
    redirect(response, back.toString());
  }

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = new URLSearchParams(await readBody(request));
    if (provider.tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, provider.tokenDelayMs));
    // client_secret_basic: id and secret form-encoded, then Basic (RFC 6749 §2.3.1).
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '');
    const decoded = basic?.[1] === undefined ? '' : Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const id = colon < 0 ? '' : decodeURIComponent(decoded.slice(0, colon));
    const secret = colon < 0 ? '' : decodeURIComponent(decoded.slice(colon + 1));
    if (id !== clientId || secret !== clientSecret) return json(response, 401, { error: 'invalid_client' });
    if (body.get('grant_type') !== 'authorization_code')
      return json(response, 400, { error: 'unsupported_grant_type' });
    const grant = grants.get(body.get('code') ?? '');
    if (grant === undefined || grant.used || grant.redirectUri !== body.get('redirect_uri')) {
      return json(response, 400, { error: 'invalid_grant' });
    }
    grant.used = true;
    const verifier = body.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (challenge !== grant.challenge) return json(response, 400, { error: 'invalid_grant' });
    json(response, 200, {
      access_token: randomBytes(24).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: idToken(grant),
    });
  }

  return provider;
}
