// Issue 9, finding 1 (三员 separation broken): the system administrator reset the audit administrator's password
// (and got the one-time password), linked the security administrator to an OIDC subject, or created an account the
// security administrator then made an administrator. The API now refuses every change to an account that holds an
// administrator role, or would get one, whoever asks (403 in the envelope, recorded as denied); `luoshi admin` on
// the server makes those changes (test/cli/admin.test.ts). Real sessions, both databases.
import { expect, it } from 'vitest';
import type { Role } from '../../src/services/context.ts';
import { buildUnit, buildWorkspace } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { buildUser, signIn, TEST_PASSWORD, type TestSession } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';

const REFUSED = {
  code: 'forbidden',
  message:
    '三员（系统管理员、安全管理员、审计管理员）账户只能由服务器上的 luoshi admin 命令管理' +
    '（administrator accounts are managed only with the luoshi admin command on the server）',
};

describeEachDatabase('finding 1: 三员 separation — the API changes no administrator’s account', (database) => {
  async function setUp() {
    const { db } = database();
    // Many sign-ins from one address within a minute: not what these tests are about.
    const app = await buildTestApp({ database: database(), env: { SIGN_IN_RATE_PER_MINUTE: '1000' } });
    const ws = await buildWorkspace(db);
    const unit = await buildUnit(db, { workspaceId: ws.id });
    const account = (roles: Role[]) => buildUser(db, { workspaceId: ws.id, roles });
    const [sys, sec, aud] = await Promise.all([
      account(['system-admin']),
      account(['security-admin']),
      account(['audit-admin']),
    ]);
    if (sys === undefined || sec === undefined || aud === undefined) throw new Error('unreachable');
    const sessions = { sys: await signIn(app, sys), sec: await signIn(app, sec), aud: await signIn(app, aud) };
    /** Every row of the users table, to show a refusal changed nothing. */
    const snapshot = () => db.selectFrom('users').selectAll().orderBy('id').execute();
    const denied = async () =>
      db
        .selectFrom('audit_events')
        .select(['actor_id', 'subject_id', 'outcome'])
        .where('workspace_id', '=', ws.id)
        .where('action', '=', 'access.denied')
        .orderBy('seq')
        .execute();
    return { app, db, ws, unit, sys, sec, aud, sessions, snapshot, denied, account };
  }

  function expectRefused(response: { statusCode: number; json(): unknown }, what: string): void {
    expect(response.statusCode, what).toBe(403);
    expect((response.json() as { error: unknown }).error, what).toEqual(REFUSED);
  }

  it('the system administrator resets, disables, edits or re-links no administrator, not even itself', async () => {
    const { app, unit, sys, sec, aud, sessions, snapshot, denied } = await setUp();
    const before = await snapshot();
    const attempts: [string, TestSession, string, string, Record<string, unknown>][] = [];
    for (const [name, target] of [
      ['security administrator', sec],
      ['audit administrator', aud],
      ['itself', sys],
    ] as const) {
      attempts.push(
        [`reset ${name}`, sessions.sys, 'POST', `/api/users/${target.id}/reset-password`, { version: 1 }],
        [`link ${name} to OIDC`, sessions.sys, 'PATCH', `/api/users/${target.id}`, { version: 1, oidcSubject: 'mine' }],
        [`unlink ${name}`, sessions.sys, 'PATCH', `/api/users/${target.id}`, { version: 1, oidcSubject: null }],
        [`rename ${name}`, sessions.sys, 'PATCH', `/api/users/${target.id}`, { version: 1, displayName: '改名' }],
        [`move ${name} to a unit`, sessions.sys, 'PATCH', `/api/users/${target.id}`, { version: 1, unitId: unit.id }],
        [`enable ${name}`, sessions.sys, 'PATCH', `/api/users/${target.id}`, { version: 1, disabled: false }],
      );
      if (target !== sys) {
        attempts.push([
          `disable ${name}`,
          sessions.sys,
          'PATCH',
          `/api/users/${target.id}`,
          { version: 1, disabled: true },
        ]);
      }
    }
    for (const [what, session, method, url, payload] of attempts) {
      expectRefused(await session.request({ method: method as 'POST', url, payload }), what);
    }
    expect(await snapshot()).toEqual(before);
    // The administrators still sign in with their own passwords, and every attempt is in the trail.
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/auth/sign-in',
          payload: { username: aud.username, password: TEST_PASSWORD },
        })
      ).statusCode,
    ).toBe(200);
    const trail = await denied();
    expect(trail).toHaveLength(attempts.length);
    expect(trail.every((event) => event.actor_id === sys.id && event.outcome === 'denied')).toBe(true);
    await app.close();
  });

  it('the security administrator grants or revokes no administrator role, to anyone', async () => {
    const { app, sys, sec, aud, sessions, snapshot, account } = await setUp();
    const plain = await account([]);
    const leader = await account(['leader']);
    const before = await snapshot();
    const attempts: [string, string, Role[]][] = [
      ['make an account security administrator', plain.id, ['security-admin']],
      ['make an account system administrator', plain.id, ['system-admin']],
      ['make a leader audit administrator', leader.id, ['audit-admin']],
      ['revoke the audit administrator', aud.id, []],
      ['give the audit administrator another role', aud.id, ['leader']],
      ['turn the system administrator into an office', sys.id, ['office']],
      ['re-grant the system administrator its own role', sys.id, ['system-admin']],
    ];
    for (const [what, id, roles] of attempts) {
      const response = await sessions.sec.request({
        method: 'PUT',
        url: `/api/users/${id}/roles`,
        payload: { version: 1, roles },
      });
      expectRefused(response, what);
    }
    // Its own roles stay its own to keep: refused as before (no one changes their own roles).
    const own = await sessions.sec.request({
      method: 'PUT',
      url: `/api/users/${sec.id}/roles`,
      payload: { version: 1, roles: [] },
    });
    expect(own.statusCode).toBe(403);
    expect(await snapshot()).toEqual(before);
    // Ordinary roles are granted as ever.
    const granted = await sessions.sec.request({
      method: 'PUT',
      url: `/api/users/${plain.id}/roles`,
      payload: { version: 1, roles: ['leader'] },
    });
    expect(granted.statusCode).toBe(200);
    await app.close();
  });

  it('the attack of the finding: an account the system administrator made is never made an administrator', async () => {
    const { app, sessions, db } = await setUp();
    const created = await sessions.sys.request({
      method: 'POST',
      url: '/api/users',
      payload: { username: 'trojan.horse', displayName: '新账户' },
    });
    expect(created.statusCode).toBe(201);
    const { user, oneTimePassword } = created.json() as { user: { id: string }; oneTimePassword: string };
    for (const role of ['security-admin', 'audit-admin', 'system-admin'] as const) {
      const granted = await sessions.sec.request({
        method: 'PUT',
        url: `/api/users/${user.id}/roles`,
        payload: { version: 1, roles: [role] },
      });
      expectRefused(granted, role);
    }
    const signedIn = await signIn(app, { username: 'trojan.horse', password: oneTimePassword });
    const me = await signedIn.request({ method: 'GET', url: '/api/me' });
    expect(me.json()).toMatchObject({ roles: [] });
    expect(
      (await db.selectFrom('users').select('roles').where('id', '=', user.id).executeTakeFirstOrThrow()).roles,
    ).toBe('[]');
    await app.close();
  });

  it('no account is created with a role through the API: administrator roles 403 for every role', async () => {
    const { app, db, sessions, unit, ws } = await setUp();
    const office = await signIn(app, await buildUser(db, { workspaceId: ws.id, roles: ['office'] }));
    for (const [who, session] of [
      ['system administrator', sessions.sys],
      ['security administrator', sessions.sec],
      ['audit administrator', sessions.aud],
      ['office', office],
    ] as const) {
      for (const role of ['system-admin', 'security-admin', 'audit-admin'] as const) {
        const response = await session.request({
          method: 'POST',
          url: '/api/users',
          payload: { username: `new.${role}`, displayName: '新管理员', roles: [role] },
        });
        expectRefused(response, `${who} creates a ${role}`);
      }
    }
    // An ordinary role is refused too (the security administrator grants roles), an account with none is made.
    const withRole = await sessions.sys.request({
      method: 'POST',
      url: '/api/users',
      payload: { username: 'new.reporter', displayName: '填报员', unitId: unit.id, roles: ['unit-reporter'] },
    });
    expect(withRole.statusCode).toBe(403);
    expect(withRole.json().error.message).toMatch(/^新账户没有角色：角色由安全管理员授予/);
    const plain = await sessions.sys.request({
      method: 'POST',
      url: '/api/users',
      payload: { username: 'new.reporter', displayName: '填报员', unitId: unit.id, roles: [] },
    });
    expect(plain.statusCode).toBe(201);
    expect(await db.selectFrom('users').select('username').where('username', 'like', 'new.%').execute()).toEqual([
      { username: 'new.reporter' },
    ]);
    await app.close();
  });
});
