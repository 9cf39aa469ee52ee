// Accounts under 三员 separation, on both databases: the system administrator keeps accounts, the security
// administrator grants roles, and no administrator role is combined with another.
import { expect, it } from 'vitest';
import { resolveSession, signIn } from '../../src/services/auth.service.ts';
import { createInitialAccounts } from '../../src/services/bootstrap.service.ts';
import type { Role } from '../../src/services/context.ts';
import { ServiceError } from '../../src/services/errors.ts';
import {
  createUser,
  listUsers,
  resetPassword,
  setUserRoles,
  updateUserAccount,
} from '../../src/services/user.service.ts';
import { buildActor, buildUnit, buildWorkspace, fixedClock } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { buildUser } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';

const auth = testConfig().auth;
const client = { ip: '10.0.0.8', userAgent: null };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return error.code;
    throw error;
  }
  return 'ok';
}

describeEachDatabase('accounts', (database) => {
  async function setup() {
    const { db } = database();
    const ctx = { db, clock: fixedClock('2026-11-29T01:00:00.000Z') };
    const ws = await buildWorkspace(db);
    const admin = (role: Role) => buildActor(ws.id, { userId: `usr_${role}`, roles: [role] });
    return { db, ctx, ws, sys: admin('system-admin'), sec: admin('security-admin'), aud: admin('audit-admin') };
  }

  it('the system administrator creates an account with a one-time password that signs in only to change it', async () => {
    const { db, ctx, ws, sys } = await setup();
    const unit = await buildUnit(db, { workspaceId: ws.id, name: '区经委' });
    const created = await createUser(ctx, auth, sys, {
      username: 'JingWei.Li',
      displayName: ' 李填报 ',
      unitId: unit.id,
    });
    expect(created.user).toMatchObject({
      username: 'jingwei.li',
      displayName: '李填报',
      unitId: unit.id,
      roles: [],
      mustChangePassword: true,
      disabled: false,
    });
    expect(created.oneTimePassword).toMatch(/^.{16}$/);
    const { session } = await signIn(ctx, auth, { username: 'jingwei.li', password: created.oneTimePassword }, client);
    expect(session.mustChangePassword).toBe(true);
    expect(await codeOf(createUser(ctx, auth, sys, { username: 'jingwei.li', displayName: '重名' }))).toBe('conflict');
    expect(await codeOf(createUser(ctx, auth, sys, { username: '../x', displayName: '坏名' }))).toBe('invalid-input');
    expect(
      await codeOf(createUser(ctx, auth, sys, { username: 'ok-name', displayName: '单位', unitId: 'unt_nope' })),
    ).toBe('invalid-input');
  });

  it('keeps the three administrators apart: each does only its own part', async () => {
    const { ctx, ws, sys, sec, aud } = await setup();
    const target = await createUser(ctx, auth, sys, { username: 'leader-zhao', displayName: '赵领导' });
    const { id, version } = target.user;
    // Only the system administrator creates, edits and resets; only the security administrator grants roles.
    for (const actor of [sec, aud, buildActor(ws.id, { roles: ['office'] })]) {
      expect(await codeOf(createUser(ctx, auth, actor, { username: `x-${actor.userId}`, displayName: 'x' }))).toBe(
        'forbidden',
      );
      expect(await codeOf(resetPassword(ctx, auth, actor, id, version))).toBe('forbidden');
      expect(await codeOf(updateUserAccount(ctx, actor, id, { version, disabled: true }))).toBe('forbidden');
    }
    for (const actor of [sys, aud, buildActor(ws.id, { roles: ['office'] })]) {
      expect(await codeOf(setUserRoles(ctx, actor, id, { version, roles: ['leader'] }))).toBe('forbidden');
    }
    expect(await codeOf(listUsers(ctx, aud))).toBe('forbidden');
    expect(await listUsers(ctx, sec)).toHaveLength(1);

    const granted = await setUserRoles(ctx, sec, id, { version, roles: ['leader', 'supervisor'] });
    expect(granted.roles).toEqual(['leader', 'supervisor']);
    // No administrator role through the API (the server command grants those: test/cli/admin.test.ts); the public
    // role holds no other; unit roles need a unit; nobody grants itself.
    expect(
      await codeOf(setUserRoles(ctx, sec, id, { version: granted.version, roles: ['audit-admin', 'leader'] })),
    ).toBe('forbidden');
    expect(await codeOf(setUserRoles(ctx, sec, id, { version: granted.version, roles: ['public', 'leader'] }))).toBe(
      'invalid-input',
    );
    expect(await codeOf(setUserRoles(ctx, sec, id, { version: granted.version, roles: ['unit-reporter'] }))).toBe(
      'invalid-input',
    );
    expect(await codeOf(setUserRoles(ctx, sec, sec.userId, { version: 1, roles: ['office'] }))).toBe('forbidden');
    // A stale version changes nothing.
    expect(await codeOf(setUserRoles(ctx, sec, id, { version, roles: ['office'] }))).toBe('stale');
  });

  it('disabling an account or resetting its password ends its sessions; the reset lifts a lock', async () => {
    const { db, ctx, ws, sys } = await setup();
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const first = await signIn(ctx, auth, user, client);
    await db.updateTable('users').set({ locked_until: '2026-11-29T02:00:00.000Z' }).where('id', '=', user.id).execute();
    const reset = await resetPassword(ctx, auth, sys, user.id, 1);
    expect(reset.user).toMatchObject({ locked: false, mustChangePassword: true });
    expect(await resolveSession(ctx, auth, first.token, client)).toBeNull();

    const second = await signIn(ctx, auth, { username: user.username, password: reset.oneTimePassword }, client);
    const disabled = await updateUserAccount(ctx, sys, user.id, { version: reset.user.version, disabled: true });
    expect(disabled.disabled).toBe(true);
    expect(await resolveSession(ctx, auth, second.token, client)).toBeNull();
    expect(await codeOf(updateUserAccount(ctx, sys, sys.userId, { version: 1, disabled: true }))).toBe('forbidden');

    const actions = (
      await db.selectFrom('audit_events').select('action').where('workspace_id', '=', ws.id).orderBy('seq').execute()
    ).map((event) => event.action);
    expect(actions).toEqual(['auth.sign-in', 'user.reset-password', 'auth.sign-in', 'user.disable']);
  });

  it('an account of another workspace is not found', async () => {
    const { ctx, sys } = await setup();
    const other = await buildWorkspace(ctx.db);
    const stranger = await buildUser(ctx.db, { workspaceId: other.id, roles: ['office'] });
    expect(await codeOf(resetPassword(ctx, auth, sys, stranger.id, 1))).toBe('not-found');
  });
});

describeEachDatabase('the first accounts', (database) => {
  it('creates the three administrators and an office account once, with one-time passwords, in the first workspace', async () => {
    const { db } = database();
    const ctx = { db, clock: fixedClock('2026-11-29T01:00:00.000Z') };
    expect(await createInitialAccounts(ctx, auth)).toEqual([]);
    const ws = await buildWorkspace(db);
    const accounts = await createInitialAccounts(ctx, auth);
    expect(accounts.map((account) => [account.username, account.role])).toEqual([
      ['sysadmin', 'system-admin'],
      ['secadmin', 'security-admin'],
      ['auditadmin', 'audit-admin'],
      ['office', 'office'],
    ]);
    expect(new Set(accounts.map((account) => account.oneTimePassword)).size).toBe(4);
    expect(await createInitialAccounts(ctx, auth)).toEqual([]);
    const rows = await db.selectFrom('users').selectAll().execute();
    expect(rows.every((row) => row.workspace_id === ws.id && row.must_change_password === 1)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(accounts[0]?.oneTimePassword);
    const { session } = await signIn(
      ctx,
      auth,
      { username: 'office', password: accounts[3]?.oneTimePassword ?? '' },
      client,
    );
    expect(session).toMatchObject({ mustChangePassword: true, actor: { roles: ['office'], workspaceId: ws.id } });
  });
});
