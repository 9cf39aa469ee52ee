// OIDC sign-in below HTTP: the ID token rules one by one (pure, with keys made here), the provider client against
// the test provider (discovery, keys, token endpoint), and the sign-in with its pending state, sessions, audit and
// account links on both databases.
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { OidcConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/database.ts';
import { SYSTEM_WORKSPACE_ID, resolveSession } from '../../src/services/auth.service.ts';
import type { Clock } from '../../src/services/context.ts';
import { ServiceError } from '../../src/services/errors.ts';
import {
  OidcClient,
  OidcError,
  beginOidcSignIn,
  completeOidcSignIn,
  keysOfJwks,
  staticKeys,
  verifyIdToken,
  type OidcCallback,
} from '../../src/services/oidc.service.ts';
import { updateUserAccount } from '../../src/services/user.service.ts';
import { buildActor, buildWorkspace } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { buildUser } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import {
  makeSigningKey,
  publicJwk,
  signJws,
  startOidcProvider,
  type SigningKey,
  type TestOidcProvider,
} from '../helpers/oidc-provider.ts';

const ISSUER = 'https://id.example.gov.cn/realms/district';
const CLIENT_ID = 'luoshi';
const NONCE = 'n-0S6_WzA2Mj';
const NOW = new Date('2026-03-02T08:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;
const REDIRECT_URI = 'http://localhost/api/auth/oidc/callback';

async function failure(promise: Promise<unknown>): Promise<OidcError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OidcError) return error;
    throw error;
  }
  throw new Error('expected an OidcError');
}

describe('ID token verification', () => {
  const rsa = makeSigningKey('RS256', 'rsa-1');
  const ec = makeSigningKey('ES256', 'ec-1');
  const keys = keysOfJwks({ keys: [publicJwk(rsa), publicJwk(ec)] });
  const claims = (overrides: Record<string, unknown> = {}) => {
    const all: Record<string, unknown> = {
      iss: ISSUER,
      sub: 'gov-person-0001',
      aud: CLIENT_ID,
      exp: NOW_S + 300,
      iat: NOW_S,
      nonce: NONCE,
      ...overrides,
    };
    return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
  };
  const token = (
    overrides: Record<string, unknown> = {},
    key: SigningKey = rsa,
    header: Record<string, unknown> = {},
  ) => signJws({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }, claims(overrides), key.privateKey);
  const check = (jws: string) =>
    verifyIdToken(jws, { issuer: ISSUER, clientId: CLIENT_ID, nonce: NONCE, now: NOW }, staticKeys(keys));

  it('accepts a good RS256 or ES256 token and returns its claims', async () => {
    expect(await check(token())).toMatchObject({ iss: ISSUER, sub: 'gov-person-0001', aud: CLIENT_ID, nonce: NONCE });
    expect((await check(token({}, ec))).sub).toBe('gov-person-0001');
    // Several audiences are fine when the client is one of them and is the authorized party.
    expect((await check(token({ aud: ['other-api', CLIENT_ID], azp: CLIENT_ID }))).sub).toBe('gov-person-0001');
  });

  const refused: [string, Record<string, unknown>, string][] = [
    ['another issuer', { iss: 'https://evil.example' }, 'wrong-issuer'],
    ['an issuer that differs by a trailing slash', { iss: `${ISSUER}/` }, 'wrong-issuer'],
    ['another audience', { aud: 'another-client' }, 'wrong-audience'],
    ['audiences without the client', { aud: ['a', 'b'], azp: 'a' }, 'wrong-audience'],
    ['several audiences and no azp', { aud: ['other-api', CLIENT_ID] }, 'azp-missing'],
    ['an azp that is another client', { azp: 'another-client' }, 'wrong-azp'],
    ['an exp past the 60 s of skew', { exp: NOW_S - 61 }, 'expired'],
    ['an iat ahead beyond the skew', { iat: NOW_S + 61 }, 'issued-in-future'],
    ['an iat older than a pending sign-in lasts', { iat: NOW_S - 661 }, 'issued-too-long-ago'],
    ['an nbf ahead beyond the skew', { nbf: NOW_S + 61 }, 'not-yet-valid'],
    ['another nonce', { nonce: 'attacker-nonce' }, 'nonce-mismatch'],
    ['no nonce', { nonce: undefined }, 'nonce-mismatch'],
    ['no subject', { sub: undefined }, 'malformed-claims'],
    ['no exp', { exp: undefined }, 'malformed-claims'],
    ['an exp that is not a number', { exp: String(NOW_S + 300) }, 'malformed-claims'],
  ];

  it.each(refused)('refuses a token with %s', async (_name, overrides, reason) => {
    const error = await failure(check(token(overrides)));
    expect(error).toMatchObject({ code: 'token-rejected', reason });
  });

  it('allows 60 s of clock skew on exp, iat and nbf', async () => {
    expect(await check(token({ exp: NOW_S - 59, iat: NOW_S - 400 }))).toBeDefined();
    expect(await check(token({ iat: NOW_S + 59, nbf: NOW_S + 59 }))).toBeDefined();
  });

  it('refuses a forged or broken signature', async () => {
    const [header, _payload, signature] = token().split('.');
    const forged = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url');
    expect((await failure(check(`${header}.${forged}.${signature}`))).reason).toBe('bad-signature');
    // Signed by a key of the same kid that is not the provider's.
    const impostor = makeSigningKey('ES256', 'ec-1');
    expect((await failure(check(token({}, impostor)))).reason).toBe('bad-signature');
    // ES256 signatures are r‖s; a DER-encoded one is refused.
    const input = token({}, ec).split('.').slice(0, 2).join('.');
    const der = sign('sha256', Buffer.from(input), ec.privateKey).toString('base64url');
    expect((await failure(check(`${input}.${der}`))).reason).toBe('bad-signature');
  });

  it('refuses `none`, HMAC keyed with the public key, and unknown critical extensions', async () => {
    const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    expect((await failure(check(`${none}.${body}.AA`))).reason).toBe('unsupported-alg:none');
    // The classic confusion: HS256 with the RSA public key as the secret.
    const hsHeader = Buffer.from(JSON.stringify({ alg: 'HS256', kid: rsa.kid })).toString('base64url');
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const mac = createHmac('sha256', pem).update(`${hsHeader}.${body}`).digest('base64url');
    expect((await failure(check(`${hsHeader}.${body}.${mac}`))).reason).toBe('unsupported-alg:HS256');
    expect((await failure(check(token({}, rsa, { crit: ['exp'] })))).reason).toBe('unsupported-crit');
  });

  it('finds the key by kid; without a kid only when the choice is unambiguous', async () => {
    expect((await failure(check(token({}, rsa, { kid: 'rotated-away' })))).reason).toBe('unknown-kid');
    expect((await check(token({}, rsa, { kid: undefined }))).sub).toBe('gov-person-0001');
    const twoRsa = keysOfJwks({ keys: [publicJwk(rsa), publicJwk(makeSigningKey('RS256'))] });
    const noKid = signJws({ alg: 'RS256' }, claims(), rsa.privateKey);
    const error = await failure(
      verifyIdToken(noKid, { issuer: ISSUER, clientId: CLIENT_ID, nonce: NONCE, now: NOW }, staticKeys(twoRsa)),
    );
    expect(error.reason).toBe('no-matching-key');
  });

  it('refuses what is not a compact JWS', async () => {
    for (const jws of ['', 'abc', 'a.b', 'a.b.c.d', `${token()}=`, `${'a'.repeat(16_400)}.b.c`]) {
      expect((await failure(check(jws))).reason, jws.slice(0, 20)).toBe('malformed-token');
    }
    expect((await failure(check('e30.e30.AA'))).reason).toBe('malformed-header');
  });

  it('keeps only the usable signing keys of a JWK set', () => {
    const weak = makeRsa1024();
    const found = keysOfJwks({
      keys: [
        publicJwk(rsa),
        { ...publicJwk(ec), use: 'enc', kid: 'for-encryption' },
        publicJwk(weak),
        { kty: 'oct', k: 'c2VjcmV0', kid: 'symmetric' },
        { kty: 'RSA', kid: 'broken', n: '!!', e: 'AQAB' },
        'not a key',
        publicJwk(ec),
      ],
    });
    expect(found.map((key) => [key.kid, key.alg])).toEqual([
      ['rsa-1', 'RS256'],
      ['ec-1', 'ES256'],
    ]);
    expect(() => keysOfJwks({ nokeys: [] })).toThrow(OidcError);
  });
});

/** A 1024-bit RSA key: below the 2048 bits 等保 level 3 expects, so a provider publishing one must not have it used. */
function makeRsa1024(): SigningKey {
  return { kid: 'rsa-1024', alg: 'RS256', ...generateKeyPairSync('rsa', { modulusLength: 1024 }) };
}

async function withProvider(): Promise<{ provider: TestOidcProvider; config: OidcConfig }> {
  const provider = await startOidcProvider();
  onTestFinished(() => provider.close());
  const config = testConfig(provider.env(REDIRECT_URI)).oidc;
  if (config === null) throw new Error('the test provider’s variables configure OIDC');
  return { provider, config };
}

describe('the provider client', () => {
  it('reads discovery once per TTL and checks its issuer byte for byte', async () => {
    const { provider, config } = await withProvider();
    const client = new OidcClient(config, { cacheTtlMs: 60_000 });
    const metadata = await client.metadata(NOW);
    expect(metadata).toEqual({
      issuer: provider.issuer,
      authorizationEndpoint: `${provider.issuer}/authorize`,
      tokenEndpoint: `${provider.issuer}/token`,
      jwksUri: `${provider.issuer}/jwks`,
    });
    await client.metadata(new Date(NOW.getTime() + 59_000));
    expect(provider.requests).toEqual(['GET /.well-known/openid-configuration']);
    await client.metadata(new Date(NOW.getTime() + 60_000));
    expect(provider.requests).toHaveLength(2);

    provider.discoveredIssuer = `${provider.issuer}/`;
    const fresh = new OidcClient(config);
    expect(await failure(fresh.metadata(NOW))).toMatchObject({
      code: 'provider-unavailable',
      reason: 'discovery:issuer-mismatch',
    });
  });

  it('authenticates at the token endpoint with the secret, and gives up after its time limit', async () => {
    const { provider, config } = await withProvider();
    const wrongSecret = new OidcClient({ ...config, clientSecret: 'not-the-secret' });
    expect(await failure(wrongSecret.exchangeCode(NOW, 'any-code', 'any-verifier'))).toMatchObject({
      code: 'token-rejected',
      reason: 'token-endpoint:invalid_client',
    });
    const client = new OidcClient(config);
    expect((await failure(client.exchangeCode(NOW, 'unknown-code', 'any-verifier'))).reason).toBe(
      'token-endpoint:invalid_grant',
    );
    provider.tokenDelayMs = 1_000;
    const impatient = new OidcClient(config, { timeoutMs: 100 });
    expect(await failure(impatient.exchangeCode(NOW, 'any-code', 'any-verifier'))).toMatchObject({
      code: 'provider-unavailable',
      reason: 'token:timeout',
    });
  });
});

/** A clock near the real time (the test provider signs tokens with it), moved by the test. */
function nearNow(): { clock: Clock; advance: (ms: number) => void } {
  let offset = 0;
  return { clock: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

/** Follows the provider's authorization URL as the browser would; returns the callback's parameters. */
async function authorize(authorizationUrl: string, state: string): Promise<OidcCallback> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  const back = new URL(response.headers.get('location') ?? '');
  const param = (name: string) => back.searchParams.get(name) ?? undefined;
  return { state: param('state'), code: param('code'), error: param('error'), iss: param('iss'), browserState: state };
}

async function auditOf(db: Db, workspaceId: string) {
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));
}

const clientInfo = { ip: '10.0.0.8', userAgent: 'vitest' };
const auth = testConfig().auth;

describeEachDatabase('OIDC sign-in', (database) => {
  async function setup() {
    const { db } = database();
    const { provider, config } = await withProvider();
    // The suite's tests share a database: each signs in a person of its own.
    provider.subject = `gov-${randomBytes(6).toString('hex')}`;
    const time = nearNow();
    const ctx = { db, clock: time.clock };
    const client = new OidcClient(config);
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'], mustChangePassword: true });
    return { db, ctx, time, client, ws, user, provider };
  }

  async function link(db: Db, userId: string, subject: string | null) {
    await db.updateTable('users').set({ oidc_subject: subject }).where('id', '=', userId).execute();
  }

  it('opens a session for the linked account, audited, and spends the pending sign-in', async () => {
    const { db, ctx, client, ws, user, provider } = await setup();
    await link(db, user.id, provider.subject);
    const start = await beginOidcSignIn(ctx, client, { returnTo: '/tasks/tsk_1' });
    const rows = await db.selectFrom('oidc_logins').selectAll().where('return_to', '=', '/tasks/tsk_1').execute();
    expect(rows).toMatchObject([{ workspace_id: SYSTEM_WORKSPACE_ID, return_to: '/tasks/tsk_1' }]);
    // The state is stored only as its hash.
    expect(JSON.stringify(rows)).not.toContain(start.state);

    const callback = await authorize(start.authorizationUrl, start.state);
    const result = await completeOidcSignIn(ctx, auth, client, callback, clientInfo);
    expect(result.returnTo).toBe('/tasks/tsk_1');
    expect(result.session.actor).toMatchObject({ userId: user.id, workspaceId: ws.id, roles: ['office'] });
    expect(result.session.mustChangePassword).toBe(false);
    const resolved = await resolveSession(ctx, auth, result.token, clientInfo);
    expect(resolved).toMatchObject({ user: { id: user.id }, mustChangePassword: false });
    expect(await db.selectFrom('sessions').select('via').where('user_id', '=', user.id).execute()).toEqual([
      { via: 'oidc' },
    ]);
    expect(await db.selectFrom('oidc_logins').selectAll().where('return_to', '=', '/tasks/tsk_1').execute()).toEqual(
      [],
    );
    const last = (await auditOf(db, ws.id)).at(-1);
    expect(last).toMatchObject({ action: 'auth.sign-in', outcome: 'success', actor_id: user.id, ip: '10.0.0.8' });
    expect(last?.detail).toEqual({
      username: user.username,
      via: 'oidc',
      userAgent: 'vitest',
      issuer: provider.issuer,
      subject: provider.subject,
    });

    // The same callback again: the state is spent.
    expect(await failure(completeOidcSignIn(ctx, auth, client, callback, clientInfo))).toMatchObject({
      code: 'invalid-state',
      reason: 'unknown-or-used-state',
    });
  });

  it('refuses a pending sign-in after ten minutes, and sweeps expired ones at the next start', async () => {
    const { db, ctx, time, client, user, provider } = await setup();
    await link(db, user.id, provider.subject);
    const start = await beginOidcSignIn(ctx, client, { returnTo: '/' });
    const callback = await authorize(start.authorizationUrl, start.state);
    time.advance(10 * 60_000);
    expect(await failure(completeOidcSignIn(ctx, auth, client, callback, clientInfo))).toMatchObject({
      code: 'invalid-state',
      reason: 'expired-state',
    });
    const system = await auditOf(db, SYSTEM_WORKSPACE_ID);
    expect(system.at(-1)).toMatchObject({ action: 'auth.sign-in', outcome: 'failure', actor_id: 'anonymous' });
    expect(system.at(-1)?.detail).toMatchObject({ via: 'oidc', code: 'invalid-state', reason: 'expired-state' });

    await beginOidcSignIn(ctx, client, { returnTo: '/sweep-first' });
    time.advance(10 * 60_000);
    await beginOidcSignIn(ctx, client, { returnTo: '/sweep-second' });
    const left = await db.selectFrom('oidc_logins').select('return_to').execute();
    expect(left.map((row) => row.return_to).filter((path) => path.startsWith('/sweep'))).toEqual(['/sweep-second']);
  });

  it('refuses an unlinked subject in the system chain and a disabled account in its own', async () => {
    const { db, ctx, client, ws, user, provider } = await setup();
    const start = await beginOidcSignIn(ctx, client, { returnTo: '/' });
    const unlinked = await completeOidcSignIn(
      ctx,
      auth,
      client,
      await authorize(start.authorizationUrl, start.state),
      clientInfo,
    ).catch((error: unknown) => error);
    expect(unlinked).toMatchObject({ code: 'not-linked', reason: 'unlinked-subject' });
    expect((await auditOf(db, SYSTEM_WORKSPACE_ID)).at(-1)?.detail).toMatchObject({
      via: 'oidc',
      subject: provider.subject,
    });

    await link(db, user.id, provider.subject);
    await db.updateTable('users').set({ disabled: 1 }).where('id', '=', user.id).execute();
    const again = await beginOidcSignIn(ctx, client, { returnTo: '/' });
    const disabled = await failure(
      completeOidcSignIn(ctx, auth, client, await authorize(again.authorizationUrl, again.state), clientInfo),
    );
    expect(disabled.code).toBe('account-disabled');
    expect((await auditOf(db, ws.id)).at(-1)).toMatchObject({
      action: 'auth.sign-in',
      outcome: 'denied',
      subject_type: 'user',
      subject_id: user.id,
    });
    expect(await db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute()).toEqual([]);
  });

  it('links, refuses a subject linked elsewhere (409) or malformed (422), and ends sessions when relinked', async () => {
    const { db, ctx, client, ws, user, provider } = await setup();
    const admin = buildActor(ws.id, { roles: ['system-admin'] });
    const linked = await updateUserAccount(ctx, admin, user.id, { version: 1, oidcSubject: provider.subject });
    expect(linked).toMatchObject({ oidc: true, version: 2 });

    // A subject held by an account of another workspace is taken too: one person, one account.
    const otherWs = await buildWorkspace(db);
    const stranger = await buildUser(db, { workspaceId: otherWs.id, roles: ['office'] });
    const otherAdmin = buildActor(otherWs.id, { roles: ['system-admin'] });
    const taken = await updateUserAccount(ctx, otherAdmin, stranger.id, {
      version: 1,
      oidcSubject: provider.subject,
    }).catch((error: unknown) => error);
    expect(taken).toBeInstanceOf(ServiceError);
    expect(taken).toMatchObject({ code: 'conflict', details: { field: 'oidcSubject' } });
    for (const subject of [' padded', 'tab\there', '统一身份', 'x'.repeat(256)]) {
      const bad = await updateUserAccount(ctx, admin, user.id, { version: 2, oidcSubject: subject }).catch(
        (error: unknown) => error,
      );
      expect(bad, subject).toMatchObject({ code: 'invalid-input' });
    }
    // Setting the subject it already has is no conflict.
    expect(await updateUserAccount(ctx, admin, user.id, { version: 2, oidcSubject: provider.subject })).toMatchObject({
      version: 3,
    });

    const start = await beginOidcSignIn(ctx, client, { returnTo: '/' });
    const { token } = await completeOidcSignIn(
      ctx,
      auth,
      client,
      await authorize(start.authorizationUrl, start.state),
      clientInfo,
    );
    expect(await resolveSession(ctx, auth, token, clientInfo)).not.toBeNull();
    const nextSubject = `${provider.subject}-2`;
    await updateUserAccount(ctx, admin, user.id, { version: 3, oidcSubject: nextSubject });
    expect(await resolveSession(ctx, auth, token, clientInfo)).toBeNull();
    const audit = (await auditOf(db, ws.id)).filter((event) => event.action === 'user.update');
    expect(audit.map((event) => event.detail.oidc_subject)).toEqual([provider.subject, provider.subject, nextSubject]);
  });
});
