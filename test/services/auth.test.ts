// Sign-in, lock-out, sessions and password changes, on both databases; every attempt audited.
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { verifyChain } from '../../src/domain/audit-chain.ts';
import {
  SYSTEM_WORKSPACE_ID,
  changePassword,
  resolveSession,
  sessionIdOf,
  signIn,
  signOut,
  signOutEverywhere,
} from '../../src/services/auth.service.ts';
import type { Clock } from '../../src/services/context.ts';
import { ServiceError } from '../../src/services/errors.ts';
import { buildWorkspace } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { TEST_PASSWORD, buildUser } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';

const auth = testConfig().auth;
const client = { ip: '10.0.0.7', userAgent: 'vitest' };

/** A clock the test moves. */
function movableClock(start = '2026-11-29T01:00:00.000Z') {
  let now = new Date(start).getTime();
  const clock: Clock = () => new Date(now);
  return { clock, advance: (ms: number) => void (now += ms) };
}

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error('expected a ServiceError');
}

async function auditOf(db: Db, workspaceId: string) {
  return db.selectFrom('audit_events').selectAll().where('workspace_id', '=', workspaceId).orderBy('seq').execute();
}

describeEachDatabase('sign-in and sessions', (database) => {
  it('signs in, resolves the session from its token, and audits the success', async () => {
    const { db } = database();
    const { clock } = movableClock();
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'], username: 'Office.Zhang' });
    // Names are kept in lower case; the form may send any case, with spaces around.
    const { token, session } = await signIn(
      { db, clock },
      auth,
      { username: ' OFFICE.zhang ', password: TEST_PASSWORD },
      client,
    );
    expect(session.actor).toEqual({
      userId: user.id,
      workspaceId: ws.id,
      roles: ['office'],
      unitId: null,
      ip: '10.0.0.7',
    });
    expect(session.mustChangePassword).toBe(false);
    expect(session.expiresAt).toBe('2026-11-29T13:00:00.000Z');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Only the token's hash is stored.
    const rows = await db.selectFrom('sessions').selectAll().execute();
    expect(rows.map((row) => row.id)).toEqual([sessionIdOf(token)]);
    expect(JSON.stringify(rows)).not.toContain(token);

    const resolved = await resolveSession({ db, clock }, auth, token, client);
    expect(resolved?.actor.userId).toBe(user.id);
    expect(resolved?.csrfToken).toBe(session.csrfToken);

    const events = await auditOf(db, ws.id);
    expect(events.at(-1)).toMatchObject({
      action: 'auth.sign-in',
      outcome: 'success',
      actor_id: user.id,
      ip: '10.0.0.7',
    });
  });

  it('answers one message for a wrong password, an unknown name and a disabled account, and audits each', async () => {
    const { db } = database();
    const { clock } = movableClock();
    const ws = await buildWorkspace(db);
    await buildUser(db, { workspaceId: ws.id, roles: ['office'], username: 'office-li' });
    await buildUser(db, { workspaceId: ws.id, roles: ['office'], username: 'gone', disabled: true });
    const ctx = { db, clock };
    const wrong = await rejection(signIn(ctx, auth, { username: 'office-li', password: 'Wrong#1234' }, client));
    const unknown = await rejection(signIn(ctx, auth, { username: 'nobody', password: TEST_PASSWORD }, client));
    const disabled = await rejection(signIn(ctx, auth, { username: 'gone', password: TEST_PASSWORD }, client));
    for (const error of [wrong, unknown, disabled]) {
      expect(error.code).toBe('sign-in-failed');
      expect(error.message).toBe('用户名或密码错误（wrong user name or password）');
    }
    const events = await auditOf(db, ws.id);
    expect(events.map((event) => [event.action, event.outcome, JSON.parse(event.detail).reason])).toEqual([
      ['auth.sign-in', 'failure', 'wrong-password'],
      ['auth.sign-in', 'failure', 'disabled'],
    ]);
    // A name nobody has belongs to no workspace: the system chain records it.
    const system = await auditOf(db, SYSTEM_WORKSPACE_ID);
    expect(system.at(-1)).toMatchObject({ action: 'auth.sign-in', outcome: 'failure', actor_id: 'anonymous' });
    expect(JSON.parse(system.at(-1)?.detail ?? '{}')).toMatchObject({ username: 'nobody', reason: 'unknown-user' });
    const { id: _id, ...rest } = events[0] ?? ({} as never);
    expect(rest.prev_hash).toBeNull();
    expect(verifyChain(events.map(({ id: _ignored, ...event }) => event))).toEqual({ ok: true });
  });

  it('locks the account after five failures for fifteen minutes, even against the right password', async () => {
    const { db } = database();
    const { clock, advance } = movableClock();
    const ws = await buildWorkspace(db);
    await buildUser(db, { workspaceId: ws.id, roles: ['leader'], username: 'leader-wang' });
    const ctx = { db, clock };
    const attempt = (password: string) => signIn(ctx, auth, { username: 'leader-wang', password }, client);
    for (let i = 1; i <= 4; i++) expect((await rejection(attempt('Guess#000' + i))).code).toBe('sign-in-failed');
    const fifth = await rejection(attempt('Guess#0005'));
    expect(fifth.code).toBe('account-locked');
    expect(fifth.message).toMatch(/^连续登录失败次数过多，账户已锁定，请 15 分钟后再试/);

    advance(14 * 60_000);
    const stillLocked = await rejection(attempt(TEST_PASSWORD));
    expect(stillLocked.code).toBe('account-locked');
    expect(stillLocked.message).toMatch(/请 1 分钟后再试/);

    advance(60_000);
    const { session } = await attempt(TEST_PASSWORD);
    expect(session.user.username).toBe('leader-wang');
    const user = await db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'leader-wang')
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ failed_attempts: 0, locked_until: null });
    const outcomes = (await auditOf(db, ws.id)).map((event) => event.outcome);
    expect(outcomes).toEqual(['failure', 'failure', 'failure', 'failure', 'failure', 'denied', 'success']);
  });

  it('ends a session after 30 idle minutes and 12 hours after sign-in, whatever the activity', async () => {
    const { db } = database();
    const { clock, advance } = movableClock();
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['supervisor'] });
    const ctx = { db, clock };
    const first = await signIn(ctx, auth, user, client);
    advance(29 * 60_000);
    expect(await resolveSession(ctx, auth, first.token, client)).not.toBeNull();
    advance(29 * 60_000);
    expect(await resolveSession(ctx, auth, first.token, client)).not.toBeNull();
    advance(30 * 60_000);
    expect(await resolveSession(ctx, auth, first.token, client)).toBeNull();
    // Idle expiry revokes the session: it does not come back.
    const row = await db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('id', '=', sessionIdOf(first.token))
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();

    const second = await signIn(ctx, auth, user, client);
    for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
      advance(20 * 60_000);
      expect(await resolveSession(ctx, auth, second.token, client), `after ${minutes + 20} min`).not.toBeNull();
    }
    advance(20 * 60_000);
    expect(await resolveSession(ctx, auth, second.token, client)).toBeNull();
    expect(await resolveSession(ctx, auth, 'x'.repeat(43), client)).toBeNull();
  });

  it('signs out one session, or every session of the user', async () => {
    const { db } = database();
    const { clock } = movableClock();
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const ctx = { db, clock };
    const [a, b, c] = [
      await signIn(ctx, auth, user, client),
      await signIn(ctx, auth, user, client),
      await signIn(ctx, auth, user, client),
    ];
    await signOut(ctx, a.session.actor, a.session.id);
    expect(await resolveSession(ctx, auth, a.token, client)).toBeNull();
    expect(await resolveSession(ctx, auth, b.token, client)).not.toBeNull();
    expect(await signOutEverywhere(ctx, b.session.actor)).toBe(2);
    expect(await resolveSession(ctx, auth, b.token, client)).toBeNull();
    expect(await resolveSession(ctx, auth, c.token, client)).toBeNull();
    const actions = (await auditOf(db, ws.id)).map((event) => event.action);
    expect(actions.slice(-2)).toEqual(['auth.sign-out', 'auth.sign-out-everywhere']);
  });

  it('a one-time password signs in bound to change it; the change applies the policy and ends the other sessions', async () => {
    const { db } = database();
    const { clock } = movableClock();
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, {
      workspaceId: ws.id,
      roles: ['office'],
      username: 'newcomer',
      mustChangePassword: true,
    });
    const ctx = { db, clock };
    const other = await signIn(ctx, auth, user, client);
    const current = await signIn(ctx, auth, user, client);
    expect(current.session.mustChangePassword).toBe(true);
    const change = (next: string, currentPassword = TEST_PASSWORD) =>
      changePassword(ctx, auth, current.session.actor, current.session.id, { current: currentPassword, next });

    expect((await rejection(change('Jinshan#2026', 'Wrong#2026'))).message).toBe(
      '当前密码不正确（the current password is wrong）',
    );
    const weak = await rejection(change('newcomer1'));
    expect(weak.code).toBe('invalid-input');
    expect(weak.details).toEqual({ problems: ['too-few-classes', 'contains-username', 'common-password'] });
    expect((await rejection(change(TEST_PASSWORD))).details).toEqual({ problems: ['same-as-current'] });

    await change('Jinshan#2026');
    const after = await resolveSession(ctx, auth, current.token, client);
    expect(after?.mustChangePassword).toBe(false);
    expect(await resolveSession(ctx, auth, other.token, client)).toBeNull();
    await signIn(ctx, auth, { username: 'newcomer', password: 'Jinshan#2026' }, client);
    expect((await rejection(signIn(ctx, auth, { username: 'newcomer', password: TEST_PASSWORD }, client))).code).toBe(
      'sign-in-failed',
    );
  });

  it('an expired password (PASSWORD_MAX_AGE_DAYS) signs in bound to change it; 0 turns expiry off', async () => {
    const { db } = database();
    const { clock } = movableClock('2026-11-29T01:00:00.000Z');
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, {
      workspaceId: ws.id,
      roles: ['office'],
      passwordChangedAt: '2026-08-01T00:00:00.000Z',
    });
    const ctx = { db, clock };
    expect((await signIn(ctx, auth, user, client)).session.mustChangePassword).toBe(true);
    const never = testConfig({ PASSWORD_MAX_AGE_DAYS: '0' }).auth;
    expect((await signIn(ctx, never, user, client)).session.mustChangePassword).toBe(false);
  });
});

describe('sessionIdOf', () => {
  it('is the hex SHA-256 of the token', () => {
    expect(sessionIdOf('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
