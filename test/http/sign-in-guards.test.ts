// Issue 9, findings 2, 3 and 6a, over the real app on both databases: the lock-out counted in one atomic statement
// (attempts sent at once), wrong current passwords counted toward it, and names nobody has answering as accounts do.
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { LuoshiApp } from '../../src/http/app.ts';
import { SYSTEM_WORKSPACE_ID, unknownNameKey } from '../../src/services/auth.service.ts';
import type { Clock } from '../../src/services/context.ts';
import { buildWorkspace } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { TEST_PASSWORD, buildUser, sessionCookieOf, signIn } from '../helpers/auth.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';

const START = '2026-11-29T01:00:00.000Z';

/** A clock the test moves. */
function movableClock(start = START) {
  let now = new Date(start).getTime();
  const clock: Clock = () => new Date(now);
  return { clock, advance: (minutes: number) => void (now += minutes * 60_000) };
}

async function setup(database: () => TestDatabase, start = START) {
  const { db } = database();
  const { clock, advance } = movableClock(start);
  // The per-address limit is not what these tests are about: the lock-out must hold on its own.
  const app: LuoshiApp = await buildTestApp({ database: database(), clock, env: { SIGN_IN_RATE_PER_MINUTE: '1000' } });
  onTestFinished(() => app.close());
  const ws = await buildWorkspace(db);
  return { app, db, ws, advance };
}

function signInAs(app: LuoshiApp, username: string, password: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { username, password } });
}

async function userRow(db: Db, id: string) {
  return db
    .selectFrom('users')
    .select(['failed_attempts', 'locked_until', 'last_failed_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function auditDetails(db: Db, workspaceId: string, action: string, subjectId: string | null) {
  let query = db
    .selectFrom('audit_events')
    .select(['outcome', 'detail', 'ip'])
    .where('workspace_id', '=', workspaceId)
    .where('action', '=', action)
    .orderBy('seq');
  if (subjectId !== null) query = query.where('subject_id', '=', subjectId);
  return (await query.execute()).map((event) => ({
    ...event,
    detail: JSON.parse(event.detail) as Record<string, unknown>,
  }));
}

const sorted = (responses: readonly LightMyRequestResponse[]) => responses.map((r) => r.statusCode).sort();

describeEachDatabase('finding 2: lock-out raced — ten wrong passwords sent at once', (database) => {
  it('count exactly five, lock the account, and the answers after the lock are 423', async () => {
    const { app, db, ws } = await setup(database);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => signInAs(app, user.username, `Wrong#guess-${i}`)),
    );
    expect(sorted(attempts)).toEqual([401, 401, 401, 401, 423, 423, 423, 423, 423, 423]);
    expect(await userRow(db, user.id)).toEqual({
      failed_attempts: 5,
      locked_until: '2026-11-29T01:15:00.000Z',
      last_failed_at: START,
    });
    // Five failures counted (1 to 4, then the lock), five refused by the lock without counting.
    const events = await auditDetails(db, ws.id, 'auth.sign-in', user.id);
    const counted = events.filter((event) => event.outcome === 'failure').map((event) => event.detail);
    expect(counted.map((detail) => detail.failedAttempts ?? detail.lockedUntil)).toEqual([
      1,
      2,
      3,
      4,
      '2026-11-29T01:15:00.000Z',
    ]);
    expect(events.filter((event) => event.outcome === 'denied').map((event) => event.detail.reason)).toEqual(
      Array(5).fill('locked'),
    );
    // The right password is refused too while the lock lasts.
    expect((await signInAs(app, user.username, TEST_PASSWORD)).statusCode).toBe(423);
  });

  it('count ten failures at once under a name nobody has the same way', async () => {
    const { app, db } = await setup(database);
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => signInAs(app, 'no-such-clerk', `Wrong#guess-${i}`)),
    );
    expect(sorted(attempts)).toEqual([401, 401, 401, 401, 423, 423, 423, 423, 423, 423]);
    const row = await db
      .selectFrom('unknown_name_failures')
      .select(['failed_attempts', 'locked_until'])
      .where('workspace_id', '=', SYSTEM_WORKSPACE_ID)
      .where('id', '=', unknownNameKey('no-such-clerk'))
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_attempts: 5, locked_until: '2026-11-29T01:15:00.000Z' });
  });
});

describeEachDatabase('finding 6a: the 423-versus-401 answer reveals which names exist', (database) => {
  it('after five failures an unknown name answers 423 as a real account does, with the same body', async () => {
    const { app, db, ws } = await setup(database);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'], username: 'real-clerk' });
    for (let i = 1; i <= 7; i++) {
      const real = await signInAs(app, user.username, `Wrong#guess-${i}`);
      const unknown = await signInAs(app, 'ghost-clerk', `Wrong#guess-${i}`);
      expect([real.statusCode, unknown.statusCode], `attempt ${i}`).toEqual(i < 5 ? [401, 401] : [423, 423]);
      expect(unknown.json(), `attempt ${i}`).toEqual(real.json());
    }
    // The unknown name's failures are in the system chain, counted as an account's are.
    const events = await auditDetails(db, SYSTEM_WORKSPACE_ID, 'auth.sign-in', null);
    const ghost = events.filter((event) => event.detail.username === 'ghost-clerk');
    expect(ghost.map((event) => [event.outcome, event.detail.reason])).toEqual([
      ...Array(4).fill(['failure', 'unknown-user']),
      ['failure', 'unknown-user'],
      ['denied', 'locked'],
      ['denied', 'locked'],
    ]);
    expect(ghost[4]?.detail.lockedUntil).toBe('2026-11-29T01:15:00.000Z');
  });

  it('a locked account keeps answering 423, the right password included, until the lock ends', async () => {
    const { app, db, ws, advance } = await setup(database);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    for (let i = 1; i <= 5; i++) await signInAs(app, user.username, `Wrong#guess-${i}`);
    advance(14);
    for (const password of ['Wrong#guess-6', TEST_PASSWORD]) {
      const locked = await signInAs(app, user.username, password);
      expect(locked.statusCode).toBe(423);
      expect(locked.json().error.message).toMatch(/^连续登录失败次数过多，账户已锁定，请 1 分钟后再试/);
    }
    // A failure while locked does not extend the lock.
    expect((await userRow(db, user.id)).locked_until).toBe('2026-11-29T01:15:00.000Z');
    advance(1);
    expect((await signInAs(app, user.username, 'Wrong#guess-7')).statusCode).toBe(401);
    expect(await userRow(db, user.id)).toMatchObject({ failed_attempts: 1, locked_until: null });
    expect((await signInAs(app, user.username, TEST_PASSWORD)).statusCode).toBe(200);
    expect(await userRow(db, user.id)).toEqual({ failed_attempts: 0, locked_until: null, last_failed_at: null });
  });

  it('a failure a whole window after the one before starts the count again, for accounts and unknown names alike', async () => {
    const { app, db, ws, advance } = await setup(database, '2027-03-01T00:00:00.000Z');
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const both = async (i: number) => [
      (await signInAs(app, user.username, `Wrong#guess-${i}`)).statusCode,
      (await signInAs(app, 'window-ghost', `Wrong#guess-${i}`)).statusCode,
    ];
    for (let i = 1; i <= 4; i++) await both(i);
    advance(15);
    // Four more after a quiet window: counted from 1 again, so no lock yet.
    for (let i = 5; i <= 8; i++) expect(await both(i), `attempt ${i}`).toEqual([401, 401]);
    expect((await userRow(db, user.id)).failed_attempts).toBe(4);
    advance(14);
    expect(await both(9)).toEqual([423, 423]);
  });

  it('keeps unknown names’ counters only while they mean something: the table does not grow without limit', async () => {
    const { app, db, advance } = await setup(database, '2028-05-01T00:00:00.000Z');
    const rows = () =>
      db
        .selectFrom('unknown_name_failures')
        .select(['id', 'locked_until'])
        .where('expires_at', '>', '2028-05-01T00:00:00.000Z')
        .orderBy('id')
        .execute();
    for (const name of ['sweep-a', 'sweep-b', 'sweep-c']) await signInAs(app, name, 'Wrong#guess-1');
    for (let i = 1; i <= 5; i++) await signInAs(app, 'sweep-locked', `Wrong#guess-${i}`);
    expect(await rows()).toHaveLength(4);
    advance(15);
    // Past its window (and the other's lock), each row means the same as none, and the next failure sweeps them.
    const next = await signInAs(app, 'sweep-d', 'Wrong#guess-1');
    expect(next.statusCode).toBe(401);
    expect((await rows()).map((row) => row.id)).toEqual([unknownNameKey('sweep-d')]);
    // The locked name, its lock over, starts from nothing, as an account would.
    expect((await signInAs(app, 'sweep-locked', 'Wrong#guess-6')).statusCode).toBe(401);
    // No typed name is stored: only its SHA-256.
    const stored = JSON.stringify(await db.selectFrom('unknown_name_failures').selectAll().execute());
    expect(stored).not.toContain('sweep-');
  });
});

describeEachDatabase('finding 3: change-password guessing', (database) => {
  const changePassword = (app: LuoshiApp, session: { cookie: string; csrfToken: string }, current: string) =>
    app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
      payload: { current, next: 'Jinshan-River#2031' },
    });

  it('counts wrong current passwords toward the lock-out; the fifth locks the account and ends all its sessions', async () => {
    const { app, db, ws } = await setup(database);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const stolen = await signIn(app, user);
    const other = await signIn(app, user);
    for (let i = 1; i <= 4; i++) {
      const wrong = await changePassword(app, stolen, `Wrong#guess-${i}`);
      expect(wrong.statusCode, `guess ${i}`).toBe(422);
      expect(wrong.json().error.message).toBe('当前密码不正确（the current password is wrong）');
    }
    const fifth = await changePassword(app, stolen, 'Wrong#guess-5');
    expect(fifth.statusCode).toBe(423);
    expect(fifth.json().error).toEqual({
      code: 'account-locked',
      message:
        '当前密码连续输入错误次数过多，账户已锁定 15 分钟，此账户的所有会话均已结束（too many wrong current ' +
        'passwords: the account is locked for 15 min and all its sessions have ended）',
    });
    expect(sessionCookieOf(fifth)).toBe('luoshi_session=');
    for (const session of [stolen, other]) {
      const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } });
      expect(me.statusCode).toBe(401);
    }
    expect((await signInAs(app, user.username, TEST_PASSWORD)).statusCode).toBe(423);
    const events = await auditDetails(db, ws.id, 'auth.change-password', user.id);
    expect(events.map((event) => [event.outcome, event.detail])).toEqual([
      ['failure', { reason: 'wrong-current-password', failedAttempts: 1 }],
      ['failure', { reason: 'wrong-current-password', failedAttempts: 2 }],
      ['failure', { reason: 'wrong-current-password', failedAttempts: 3 }],
      ['failure', { reason: 'wrong-current-password', failedAttempts: 4 }],
      ['failure', { reason: 'wrong-current-password', lockedUntil: '2026-11-29T01:15:00.000Z', sessionsEnded: 2 }],
    ]);
  });

  it('shares one counter with sign-in: three wrong sign-ins and two wrong current passwords lock', async () => {
    const { app, db, ws } = await setup(database);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const session = await signIn(app, user);
    for (let i = 1; i <= 3; i++) expect((await signInAs(app, user.username, `Wrong#guess-${i}`)).statusCode).toBe(401);
    expect((await changePassword(app, session, 'Wrong#guess-4')).statusCode).toBe(422);
    expect((await changePassword(app, session, 'Wrong#guess-5')).statusCode).toBe(423);
  });

  it('while the account is locked it tries no current password, right or wrong, and changes nothing', async () => {
    const { app, db, ws } = await setup(database);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const session = await signIn(app, user);
    for (let i = 1; i <= 5; i++) await signInAs(app, user.username, `Wrong#guess-${i}`);
    const before = await db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirst();
    const right = await changePassword(app, session, TEST_PASSWORD);
    expect(right.statusCode).toBe(423);
    expect(right.json().error.code).toBe('account-locked');
    const after = await db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirst();
    expect(after).toEqual(before);
    const events = await auditDetails(db, ws.id, 'auth.change-password', user.id);
    expect(events.map((event) => [event.outcome, event.detail])).toEqual([['denied', { reason: 'locked' }]]);
  });

  it('counts ten wrong current passwords sent at once exactly five times', async () => {
    const { app, db, ws } = await setup(database);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const session = await signIn(app, user);
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => changePassword(app, session, `Wrong#guess-${i}`)),
    );
    // Four wrong, the fifth locks (423); the rest find the account locked, or the session already ended (401).
    const statuses = sorted(attempts);
    expect(statuses.filter((status) => status === 422)).toHaveLength(4);
    expect(statuses.filter((status) => status === 423).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((status) => status !== 422 && status !== 423 && status !== 401)).toEqual([]);
    expect(await userRow(db, user.id)).toMatchObject({ failed_attempts: 5, locked_until: '2026-11-29T01:15:00.000Z' });
  });
});

describe('unknownNameKey', () => {
  it('is the hex SHA-256 of the normalised name', () => {
    expect(unknownNameKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
