/**
 * Real sign-in for HTTP tests: users with known passwords inserted straight into the database, a sign-in through
 * `POST /api/auth/sign-in`, and requests that carry the session cookie and, for changes, the CSRF token — the way
 * the web client does it. Apps built for these tests pass no `actor` (so the server resolves sessions).
 *
 * @example
 * const user = await buildUser(db, { workspaceId, roles: ['office'] });
 * const session = await signIn(app, user);
 * const response = await session.request({ method: 'POST', url: '/api/notices', payload });
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Db } from '../../src/db/database.ts';
import { newId } from '../../src/db/ids.ts';
import type { LuoshiApp } from '../../src/http/app.ts';
import type { Role } from '../../src/services/context.ts';
import { hashPassword } from '../../src/services/password-hash.ts';

/** A password the policy accepts. */
export const TEST_PASSWORD = 'Luoshi#2026-test';

const NOW = '2021-07-01T02:00:00.000Z';

export interface BuiltUser {
  id: string;
  workspaceId: string;
  username: string;
  password: string;
}

let hashed: Promise<string> | undefined;

export async function buildUser(
  db: Db,
  options: {
    workspaceId: string;
    roles: readonly Role[];
    unitId?: string | null;
    username?: string;
    mustChangePassword?: boolean;
    passwordChangedAt?: string;
    disabled?: boolean;
  },
): Promise<BuiltUser> {
  const id = newId('user');
  // Stored as the service stores names: in lower case.
  const username = (options.username ?? `u${id.slice(-12)}`).toLowerCase();
  // One hash for every test user (cost 10): hashing is not what these tests are about.
  hashed ??= hashPassword(TEST_PASSWORD, { logN: 10, r: 8, p: 1 });
  await db
    .insertInto('users')
    .values({
      id,
      workspace_id: options.workspaceId,
      created_at: NOW,
      updated_at: NOW,
      username,
      display_name: `测试用户 ${username}`,
      unit_id: options.unitId ?? null,
      roles: JSON.stringify(options.roles),
      password_hash: await hashed,
      // Recent by default, so the password has not expired under any test clock of these years.
      password_changed_at: options.passwordChangedAt ?? new Date().toISOString(),
      must_change_password: options.mustChangePassword === true ? 1 : 0,
      disabled: options.disabled === true ? 1 : 0,
    })
    .execute();
  return { id, workspaceId: options.workspaceId, username, password: TEST_PASSWORD };
}

export interface TestSession {
  readonly cookie: string;
  readonly csrfToken: string;
  /** `app.inject` with the session cookie, and the CSRF token on anything but GET/HEAD/OPTIONS. */
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
}

/** The `name=value` of the session cookie a response sets, or null. */
export function sessionCookieOf(response: LightMyRequestResponse): string | null {
  const header = response.headers['set-cookie'];
  const cookies = Array.isArray(header) ? header : header === undefined ? [] : [header];
  for (const cookie of cookies) {
    const match = /^(luoshi_session=[^;]*)/.exec(String(cookie));
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}

export function sessionOf(app: LuoshiApp, cookie: string, csrfToken: string): TestSession {
  return {
    cookie,
    csrfToken,
    request(options) {
      const method = (options.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = { cookie };
      if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) headers['x-csrf-token'] = csrfToken;
      return app.inject({ ...options, headers: { ...headers, ...(options.headers as Record<string, string>) } });
    },
  };
}

/** Signs in through the API; fails the test when sign-in does not succeed. */
export async function signIn(app: LuoshiApp, user: Pick<BuiltUser, 'username' | 'password'>): Promise<TestSession> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/sign-in',
    payload: { username: user.username, password: user.password },
  });
  if (response.statusCode !== 200) {
    throw new Error(`sign-in of ${user.username} answered ${response.statusCode}: ${response.body}`);
  }
  const cookie = sessionCookieOf(response);
  if (cookie === null) throw new Error('sign-in set no session cookie');
  return sessionOf(app, cookie, (response.json() as { csrfToken: string }).csrfToken);
}
