// Issue 9, finding 6c, on both databases: a new password may not be the current one or one of the five before it,
// an administrator's reset included; the history keeps hashes only, five at most.
import { expect, it } from 'vitest';
import { changePassword, signIn } from '../../src/services/auth.service.ts';
import type { Clock } from '../../src/services/context.ts';
import { ServiceError } from '../../src/services/errors.ts';
import { resetPassword } from '../../src/services/user.service.ts';
import { buildActor, buildWorkspace } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { TEST_PASSWORD, buildUser } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';

const auth = testConfig().auth;
const client = { ip: '10.0.0.9', userAgent: 'vitest' };

/** A clock that moves a minute each time it is read, so each password has its own moment. */
function tickingClock(): Clock {
  let now = new Date('2026-12-01T01:00:00.000Z').getTime();
  return () => new Date((now += 60_000));
}

async function problemsOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return { code: error.code, message: error.message, ...error.details };
    throw error;
  }
  return 'accepted';
}

const password = (i: number) => `Songjiang#Ferry-${i}`;

describeEachDatabase('finding 6c: a return to a recent password', (database) => {
  async function setup() {
    const { db } = database();
    const ctx = { db, clock: tickingClock() };
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const { session } = await signIn(ctx, auth, user, client);
    let current = TEST_PASSWORD;
    const change = (next: string) =>
      changePassword(ctx, auth, session.actor, session.id, { current, next }).then(() => void (current = next));
    return { db, ctx, ws, user, change };
  }

  it('refuses the current password and the five before it, and takes back the sixth', async () => {
    const { db, user, change } = await setup();
    // TEST_PASSWORD, then 1 to 5: the current one is 5, the five before it TEST_PASSWORD and 1 to 4.
    for (let i = 1; i <= 5; i++) await change(password(i));
    expect(await problemsOf(change(password(5)))).toMatchObject({ problems: ['same-as-current'] });
    for (const old of [TEST_PASSWORD, password(1), password(2), password(3), password(4)]) {
      expect(await problemsOf(change(old)), old).toEqual({
        code: 'invalid-input',
        message: '新密码不能与最近用过的 5 个密码相同（must differ from the last 5 passwords）',
        problems: ['recently-used'],
      });
    }
    await change(password(6));
    // TEST_PASSWORD is now six passwords back.
    expect(await problemsOf(change(TEST_PASSWORD))).toBe('accepted');
    const rows = await db.selectFrom('password_history').selectAll().where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(5);
    expect(rows.every((row) => row.password_hash.startsWith('scrypt$'))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('Songjiang');
  });

  it('keeps the password an administrator’s reset replaces: the user cannot return to it', async () => {
    const { db, ctx, ws, user, change } = await setup();
    await change(password(1));
    const sys = buildActor(ws.id, { userId: 'usr_sysadmin', roles: ['system-admin'] });
    const { version } = await db
      .selectFrom('users')
      .select('version')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    const { oneTimePassword } = await resetPassword(ctx, auth, sys, user.id, version);
    const { session } = await signIn(ctx, auth, { username: user.username, password: oneTimePassword }, client);
    const next = (value: string) =>
      changePassword(ctx, auth, session.actor, session.id, { current: oneTimePassword, next: value });
    for (const old of [password(1), TEST_PASSWORD]) {
      expect(await problemsOf(next(old)), old).toMatchObject({ problems: ['recently-used'] });
    }
    expect(await problemsOf(next(password(2)))).toBe('accepted');
    // The one-time password itself takes no place in the history.
    const rows = await db.selectFrom('password_history').select('id').where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(2);
  });

  it('names the policy’s problems first, and checks the history only for a password the policy accepts', async () => {
    const { change } = await setup();
    expect(await problemsOf(change('P@ssw0rd'))).toEqual({
      code: 'invalid-input',
      message:
        '密码是常见密码或其简单变形（如 P@ssw0rd、Password1），容易被猜中（a common password or a simple variant of one）',
      problems: ['common-password'],
    });
  });
});
