// Sign-in through an OIDC provider over HTTP, as a browser walks it: the app's start → the provider's authorization
// endpoint (a real server the test runs) → the app's callback → the session cookie → who am I. Then every way the
// walk can go wrong, each refused with a redirect to /?signInError=<code> and an audit event.
import { expect, it, describe, onTestFinished } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Db } from '../../src/db/database.ts';
import type { LuoshiApp } from '../../src/http/app.ts';
import { OIDC_SIGN_IN_ERROR_CODES, OIDC_SIGN_IN_ERROR_MESSAGES } from '../../src/http/schemas/oidc.ts';
import { SYSTEM_WORKSPACE_ID } from '../../src/services/auth.service.ts';
import { OIDC_FAILURES } from '../../src/services/oidc.service.ts';
import { buildWorkspace } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { buildUser, sessionCookieOf, signIn, type BuiltUser } from '../helpers/auth.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { makeSigningKey, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';

const REDIRECT_URI = 'http://localhost/api/auth/oidc/callback';

async function setup(options: { mustChangePassword?: boolean; disabled?: boolean; env?: Record<string, string> } = {}) {
  const provider = await startOidcProvider();
  const database = await createTestDatabase('sqlite');
  const app: LuoshiApp = await buildTestApp({ database, env: { ...provider.env(REDIRECT_URI), ...options.env } });
  onTestFinished(async () => {
    await app.close();
    await database.dispose();
    await provider.close();
  });
  const { db } = database;
  const ws = await buildWorkspace(db);
  const user = await buildUser(db, {
    workspaceId: ws.id,
    roles: ['leader'],
    mustChangePassword: options.mustChangePassword,
    disabled: options.disabled,
  });
  await linkSubject(db, user, provider.subject);
  return { app, db, ws, user, provider };
}

async function linkSubject(db: Db, user: BuiltUser, subject: string | null) {
  await db
    .updateTable('users')
    .set({ oidc_subject: subject })
    .where('workspace_id', '=', user.workspaceId)
    .where('id', '=', user.id)
    .execute();
}

/** The `name=value` of a cookie a response sets, with its attributes, or null. */
function setCookieNamed(response: LightMyRequestResponse, name: string): string | null {
  const header = response.headers['set-cookie'];
  const cookies = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return cookies.map(String).find((cookie) => cookie.startsWith(`${name}=`)) ?? null;
}

interface Walk {
  start: LightMyRequestResponse;
  /** `luoshi_oidc=<state>`, as the browser sends it back. */
  stateCookie: string;
  authorizeUrl: URL;
  /** The path and query the provider sent the browser back to. */
  callbackUrl: string;
  callback: LightMyRequestResponse;
}

/**
 * Walks a sign-in as a browser would: the app's start, the provider's authorization endpoint (over HTTP, with
 * `alterAuthorize` playing an attacker who changes the request), and the app's callback with the state cookie (or
 * the `cookie` given; null for none).
 */
async function walk(
  app: LuoshiApp,
  options: { returnTo?: string; alterAuthorize?: (url: URL) => void; cookie?: string | null } = {},
): Promise<Walk> {
  const query = options.returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(options.returnTo)}`;
  const start = await app.inject({ method: 'GET', url: `/api/auth/oidc/start${query}` });
  expect(start.statusCode, start.body).toBe(302);
  const stateCookie = (setCookieNamed(start, 'luoshi_oidc') ?? '').split(';')[0] ?? '';
  const authorizeUrl = new URL(String(start.headers.location));
  options.alterAuthorize?.(authorizeUrl);
  const atProvider = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(atProvider.status).toBe(302);
  const back = new URL(atProvider.headers.get('location') ?? '');
  expect(back.origin + back.pathname).toBe(REDIRECT_URI);
  const callbackUrl = back.pathname + back.search;
  const cookie = options.cookie === undefined ? stateCookie : options.cookie;
  const callback = await app.inject({
    method: 'GET',
    url: callbackUrl,
    headers: cookie === null ? {} : { cookie },
  });
  return { start, stateCookie, authorizeUrl, callbackUrl, callback };
}

async function lastAudit(db: Db, workspaceId: string) {
  const row = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return { ...row, detail: JSON.parse(row.detail) as Record<string, unknown> };
}

/** The callback refused the sign-in: back to the sign-in page with the code, no session, the state cookie gone. */
function expectRefused(callback: LightMyRequestResponse, code: string) {
  expect(callback.statusCode).toBe(302);
  expect(callback.headers.location).toBe(`/?signInError=${code}`);
  expect(sessionCookieOf(callback)).toBeNull();
  expect(setCookieNamed(callback, 'luoshi_oidc')).toMatch(/^luoshi_oidc=; .*Max-Age=0/);
}

async function expectSystemAudit(db: Db, reason: string, extra: Record<string, unknown> = {}) {
  const event = await lastAudit(db, SYSTEM_WORKSPACE_ID);
  expect(event).toMatchObject({ action: 'auth.sign-in', outcome: 'failure', actor_id: 'anonymous' });
  expect(event.detail).toMatchObject({ via: 'oidc', reason, ...extra });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('OIDC sign-in over HTTP', () => {
  it('walks start → provider → callback → session, and /api/me is the linked user', async () => {
    const { app, db, ws, user, provider } = await setup({ mustChangePassword: true });
    expect((await app.inject({ method: 'GET', url: '/api/auth/oidc' })).json()).toEqual({ enabled: true });

    const { start, stateCookie, authorizeUrl, callback } = await walk(app, { returnTo: '/plans?tab=tasks' });
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${provider.issuer}/authorize`);
    const sent = Object.fromEntries(authorizeUrl.searchParams);
    expect(sent).toMatchObject({
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      code_challenge_method: 'S256',
    });
    expect(sent.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sent.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sent.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The state goes to the browser in its own short-lived cookie, sent back only to the callback.
    expect(setCookieNamed(start, 'luoshi_oidc')).toBe(
      `luoshi_oidc=${sent.state}; Path=/api/auth/oidc/callback; HttpOnly; SameSite=Lax; Max-Age=600`,
    );
    expect(stateCookie).toBe(`luoshi_oidc=${sent.state}`);

    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/plans?tab=tasks');
    expect(setCookieNamed(callback, 'luoshi_session')).toMatch(
      /^luoshi_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    expect(setCookieNamed(callback, 'luoshi_oidc')).toBe(
      'luoshi_oidc=; Path=/api/auth/oidc/callback; HttpOnly; SameSite=Lax; Max-Age=0',
    );

    const cookie = sessionCookieOf(callback) ?? '';
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(me.json()).toEqual({ userId: user.id, workspaceId: ws.id, roles: ['leader'], unitId: null });
    // The one-time password binds password sign-ins only: this session reaches everything its roles allow.
    const session = await app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie } });
    expect(session.json()).toMatchObject({ user: { id: user.id }, mustChangePassword: false });
    expect((await app.inject({ method: 'GET', url: '/api/units', headers: { cookie } })).statusCode).toBe(200);

    expect(await db.selectFrom('sessions').select(['user_id', 'via']).execute()).toEqual([
      { user_id: user.id, via: 'oidc' },
    ]);
    const event = await lastAudit(db, ws.id);
    expect(event).toMatchObject({ action: 'auth.sign-in', outcome: 'success', actor_id: user.id });
    expect(event.detail).toMatchObject({ via: 'oidc', subject: provider.subject, issuer: provider.issuer });
    // The pending sign-in is gone: single use.
    expect(await db.selectFrom('oidc_logins').selectAll().execute()).toEqual([]);
  });

  it('returns to / by default, and takes ES256 tokens', async () => {
    const { app, provider } = await setup();
    provider.tokens = { alg: 'ES256' };
    const { callback } = await walk(app);
    expect(callback.headers.location).toBe('/');
    expect(sessionCookieOf(callback)).not.toBeNull();
  });

  it('refuses a returnTo that leaves the site, before anything is stored (400)', async () => {
    const { app, db } = await setup();
    for (const returnTo of [
      '//evil.example/x',
      '/\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      'plans',
      '/plans\n',
    ]) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`,
      });
      expect(response.statusCode, returnTo).toBe(400);
      expect(response.json().error.code).toBe('validation-failed');
      expect(response.headers.location).toBeUndefined();
      expect(setCookieNamed(response, 'luoshi_oidc')).toBeNull();
    }
    // Not by HEAD either (a link checker's request must not start a sign-in).
    expect((await app.inject({ method: 'HEAD', url: '/api/auth/oidc/start' })).statusCode).toBe(404);
    expect(await db.selectFrom('oidc_logins').selectAll().execute()).toEqual([]);
  });

  it('answers {enabled:false} and 404 for start and callback when OIDC is not configured', async () => {
    const app = await buildTestApp();
    onTestFinished(() => app.close());
    expect((await app.inject({ method: 'GET', url: '/api/auth/oidc' })).json()).toEqual({ enabled: false });
    for (const url of ['/api/auth/oidc/start', '/api/auth/oidc/callback?code=x&state=y']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('not-found');
    }
  });

  it('refuses a state the browser did not start, a forged state, and a state used once already', async () => {
    const { app, db, provider } = await setup();
    const forged = await walk(app, { cookie: null });
    expectRefused(forged.callback, 'invalid-state');
    await expectSystemAudit(db, 'state-not-of-this-browser');

    // A callback URL whose state was swapped for another (the cookie keeps this browser's own).
    const swapped = await walk(app);
    const other = swapped.callbackUrl.replace(/state=[^&]+/, 'state=' + 'A'.repeat(43));
    const mismatch = await app.inject({ method: 'GET', url: other, headers: { cookie: swapped.stateCookie } });
    expectRefused(mismatch, 'invalid-state');
    // The same forged value in URL and cookie: no such pending sign-in.
    const unknown = await app.inject({
      method: 'GET',
      url: other,
      headers: { cookie: `luoshi_oidc=${'A'.repeat(43)}` },
    });
    expectRefused(unknown, 'invalid-state');
    await expectSystemAudit(db, 'unknown-or-used-state');

    const first = await walk(app);
    expect(sessionCookieOf(first.callback)).not.toBeNull();
    const exchanges = provider.requests.filter((request) => request === 'POST /token').length;
    const replay = await app.inject({ method: 'GET', url: first.callbackUrl, headers: { cookie: first.stateCookie } });
    expectRefused(replay, 'invalid-state');
    await expectSystemAudit(db, 'unknown-or-used-state');
    // Refused before the code is sent anywhere.
    expect(provider.requests.filter((request) => request === 'POST /token')).toHaveLength(exchanges);
  });

  it('refuses an ID token with another nonce (a code obtained for another sign-in)', async () => {
    const { app, db } = await setup();
    const { callback } = await walk(app, { alterAuthorize: (url) => url.searchParams.set('nonce', 'attacker-nonce') });
    expectRefused(callback, 'token-rejected');
    await expectSystemAudit(db, 'nonce-mismatch');
  });

  it('refuses a code whose PKCE challenge was not this sign-in’s', async () => {
    const { app, db } = await setup();
    const { callback } = await walk(app, {
      alterAuthorize: (url) => url.searchParams.set('code_challenge', 'B'.repeat(43)),
    });
    expectRefused(callback, 'token-rejected');
    await expectSystemAudit(db, 'token-endpoint:invalid_grant');
  });

  const badTokens: [string, (provider: TestOidcProvider) => void, string][] = [
    [
      'that has expired',
      (p) => (p.tokens = { claims: { exp: nowSeconds() - 120, iat: nowSeconds() - 400 } }),
      'expired',
    ],
    ['for another client', (p) => (p.tokens = { claims: { aud: 'another-client' } }), 'wrong-audience'],
    ['from another issuer', (p) => (p.tokens = { claims: { iss: 'https://evil.example' } }), 'wrong-issuer'],
    [
      'with a broken signature',
      (p) =>
        (p.tokens = {
          tamper: (token) => {
            const [header, payload, signature] = token.split('.');
            const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
            const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
            return `${header}.${forged}.${signature}`;
          },
        }),
      'bad-signature',
    ],
    [
      'signed with a key the provider does not publish',
      (p) => (p.tokens = { signWith: makeSigningKey() }),
      'unknown-kid',
    ],
  ];

  it.each(badTokens)('refuses an ID token %s', async (_name, spoil, reason) => {
    const { app, db, provider } = await setup();
    spoil(provider);
    const { callback } = await walk(app);
    expectRefused(callback, 'token-rejected');
    await expectSystemAudit(db, reason);
    expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  it('fetches the keys again once when the provider rotated them, and not for every unknown kid', async () => {
    const { app, provider } = await setup();
    expect(sessionCookieOf((await walk(app)).callback)).not.toBeNull();
    provider.rotateKey();
    expect(sessionCookieOf((await walk(app)).callback)).not.toBeNull();
    expect(provider.requests.filter((request) => request === 'GET /jwks')).toHaveLength(2);
    // Discovery was read once and cached.
    expect(provider.requests.filter((request) => request.endsWith('/openid-configuration'))).toHaveLength(1);
    provider.tokens = { signWith: makeSigningKey() };
    expectRefused((await walk(app)).callback, 'token-rejected');
    expect(provider.requests.filter((request) => request === 'GET /jwks')).toHaveLength(3);
  });

  it('refuses a subject no account is linked to, and a disabled account', async () => {
    const { app, db, provider } = await setup();
    provider.subject = 'gov-person-9999';
    expectRefused((await walk(app)).callback, 'not-linked');
    await expectSystemAudit(db, 'unlinked-subject', { subject: 'gov-person-9999' });

    const disabled = await setup({ disabled: true });
    expectRefused((await walk(disabled.app)).callback, 'account-disabled');
    const event = await lastAudit(disabled.db, disabled.ws.id);
    expect(event).toMatchObject({ action: 'auth.sign-in', outcome: 'denied', subject_id: disabled.user.id });
    expect(event.detail).toMatchObject({ via: 'oidc', reason: 'disabled', subject: disabled.provider.subject });
  });

  it('passes on the provider’s refusal (the person cancelled) without asking for a token', async () => {
    const { app, db, provider } = await setup();
    provider.authorizeError = 'access_denied';
    const { callback, callbackUrl } = await walk(app);
    expect(callbackUrl).toMatch(/[?&]error=access_denied/);
    expectRefused(callback, 'provider-refused');
    await expectSystemAudit(db, 'provider-error:access_denied');
    expect(provider.requests).not.toContain('POST /token');
  });

  it('sends the browser back with provider-unavailable when discovery names another issuer or fails', async () => {
    const { app, db, provider } = await setup();
    provider.discoveredIssuer = 'https://other.example';
    const start = await app.inject({ method: 'GET', url: '/api/auth/oidc/start' });
    expect(start.statusCode).toBe(302);
    expect(start.headers.location).toBe('/?signInError=provider-unavailable');
    expect(setCookieNamed(start, 'luoshi_oidc')).toBeNull();
    await provider.close();
    const down = await app.inject({ method: 'GET', url: '/api/auth/oidc/start' });
    expect(down.headers.location).toBe('/?signInError=provider-unavailable');
    expect(await db.selectFrom('oidc_logins').selectAll().execute()).toEqual([]);
  });

  it('sends only codes the sign-in page has a Chinese-first message for', () => {
    expect([...OIDC_SIGN_IN_ERROR_CODES].sort()).toEqual([...OIDC_FAILURES].sort());
    for (const code of OIDC_SIGN_IN_ERROR_CODES) {
      expect(OIDC_SIGN_IN_ERROR_MESSAGES[code], code).toMatch(/^[\u4e00-\u9fff].*（[^）]*[a-z][^）]*）$/);
    }
  });

  it('rate-limits starts per address', async () => {
    const { app } = await setup({ env: { SIGN_IN_RATE_PER_MINUTE: '2' } });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await app.inject({ method: 'GET', url: '/api/auth/oidc/start' })).statusCode);
    }
    expect(statuses).toEqual([302, 302, 429]);
  });
});

describe('linking accounts to the OIDC provider', () => {
  it('the system administrator links and unlinks a subject; a subject links one account only (409)', async () => {
    const { app, db, ws, user, provider } = await setup();
    await linkSubject(db, user, null);
    const sys = await signIn(app, await buildUser(db, { workspaceId: ws.id, roles: ['system-admin'] }));
    const other = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });

    expectRefused((await walk(app)).callback, 'not-linked');
    const linked = await sys.request({
      method: 'PATCH',
      url: `/api/users/${user.id}`,
      payload: { version: 1, oidcSubject: provider.subject },
    });
    expect(linked.statusCode).toBe(200);
    expect(linked.json()).toMatchObject({ id: user.id, oidc: true, version: 2 });
    const taken = await sys.request({
      method: 'PATCH',
      url: `/api/users/${other.id}`,
      payload: { version: 1, oidcSubject: provider.subject },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toEqual({
      code: 'conflict',
      message: '该统一身份认证账号已关联其他用户（the OIDC subject is linked to another account）',
    });

    const { callback } = await walk(app);
    const cookie = sessionCookieOf(callback) ?? '';
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).json().userId).toBe(user.id);

    // Unlinking ends the sessions the link opened, and the provider no longer signs the person in.
    const unlinked = await sys.request({
      method: 'PATCH',
      url: `/api/users/${user.id}`,
      payload: { version: 2, oidcSubject: null },
    });
    expect(unlinked.json()).toMatchObject({ oidc: false, version: 3 });
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
    expectRefused((await walk(app)).callback, 'not-linked');
    const event = await lastAudit(db, SYSTEM_WORKSPACE_ID);
    expect(event.detail).toMatchObject({ reason: 'unlinked-subject' });
    const audit = await db
      .selectFrom('audit_events')
      .select(['action', 'detail'])
      .where('workspace_id', '=', ws.id)
      .where('action', '=', 'user.update')
      .orderBy('seq')
      .execute();
    expect(audit.map((row) => JSON.parse(row.detail))).toMatchObject([
      { oidc_subject: provider.subject },
      { oidc_subject: null },
    ]);
  });
});
