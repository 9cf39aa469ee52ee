// Issue 9, finding 1 (三员 separation): the administrators' accounts are managed only by the server command
// `luoshi admin`, run by whoever holds the machine. On both databases: the real executable for what an operator
// sees (the one-time password printed once, exit codes, DATABASE_URL as the server reads it), and the command's
// main function against the same database for the rest; each change checked through the API (sign-in) and in the
// audit trail.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import { adminCommand } from '../../src/cli/admin.ts';
import type { Db } from '../../src/db/database.ts';
import type { Role } from '../../src/services/context.ts';
import { buildUnit, buildWorkspace } from '../factories.ts';
import { buildTestApp, testConfig } from '../helpers/app.ts';
import { buildUser, sessionCookieOf, TEST_PASSWORD } from '../helpers/auth.ts';
import { describeEachDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../helpers/db.ts';

const BIN = join(import.meta.dirname, '../../bin/luoshi');
const OPERATOR = 'ops@luoshi-test';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real executable, with the test's environment and these variables. */
function luoshi(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      BIN,
      args,
      { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', PASSWORD_HASH_COST: '10', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** DATABASE_URL of a test database, as the server would be given it. */
async function urlOf(database: TestDatabase): Promise<string> {
  if (database.dialect === 'sqlite') {
    const { rows } = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(
      database.db,
    );
    return `sqlite:${rows[0]?.file ?? ''}`;
  }
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('schema', rows[0]?.schema ?? '');
  return url.toString();
}

/** One error line, Chinese first, no stack; usage errors print the usage after it. */
function expectOneLine(stderr: string, pattern: RegExp): void {
  const [line, ...rest] = stderr.split('\n用法 usage:')[0]?.trimEnd().split('\n') ?? [];
  expect(rest, stderr).toEqual([]);
  expect(line).toMatch(/^luoshi admin: .*[\u4e00-\u9fff]/);
  expect(line).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

function passwordIn(stdout: string): string {
  const match = /一次性密码（one-time password）：(\S+)/.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`no one-time password in:\n${stdout}`);
  return match[1];
}

async function auditOf(db: Db, userId: string) {
  const rows = await db
    .selectFrom('audit_events')
    .select(['actor_id', 'actor_roles', 'action', 'detail', 'outcome'])
    .where('subject_type', '=', 'user')
    .where('subject_id', '=', userId)
    .where('action', 'like', 'user.%')
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));
}

describeEachDatabase('finding 1: 三员 separation — luoshi admin', (database) => {
  let app: LuoshiApp;
  let url: string;
  let workspaceId: string;

  beforeAll(async () => {
    // Many sign-ins from one address within a minute: not what these tests are about.
    app = await buildTestApp({ database: database(), env: { SIGN_IN_RATE_PER_MINUTE: '1000' } });
    url = await urlOf(database());
    workspaceId = (await buildWorkspace(database().db)).id;
  });
  afterAll(async () => {
    await app?.close();
  });

  /** The command's main function against the suite's database. */
  async function admin(...args: string[]): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await adminCommand(args, {
      out: { write: (text: string) => (stdout += text) },
      err: { write: (text: string) => (stderr += text) },
      config: testConfig({ DATABASE_URL: url }),
      operator: OPERATOR,
    });
    return { code, stdout, stderr };
  }

  async function signIn(username: string, password: string) {
    const response = await app.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { username, password } });
    return { status: response.statusCode, body: response.json(), cookie: sessionCookieOf(response) };
  }

  async function row(username: string) {
    return database().db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
  }

  const user = (roles: Role[], username?: string) =>
    buildUser(database().db, { workspaceId, roles, ...(username === undefined ? {} : { username }) });

  it('create: the real command prints the one-time password once; it signs in to be changed; audited as system:cli', async () => {
    // With one workspace, the account goes there.
    const first = await admin('create', 'audit.one', '--role', 'audit-admin');
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(await row('audit.one')).toMatchObject({ workspace_id: workspaceId, display_name: '审计管理员' });
    // With several, the operator names one.
    await buildWorkspace(database().db, { name: '奉贤区' });
    const several = await luoshi(['admin', 'create', 'audit.two', '--role', 'audit-admin'], { DATABASE_URL: url });
    expect(several.code).toBe(2);
    expectOneLine(several.stderr, /有多个工作区，请用 --workspace 指定：.*（several workspaces/);
    expect(several.stdout).toBe('');

    const { code, stdout, stderr } = await luoshi(
      ['admin', 'create', 'Audit.Two', '--role', 'audit-admin', `--workspace=${workspaceId}`, '--name', '审计员乙'],
      { DATABASE_URL: url },
    );
    expect([code, stderr]).toEqual([0, '']);
    const password = passwordIn(stdout);
    expect(stdout.split(password)).toHaveLength(2);
    expect(stdout).toMatch(
      /^已创建三员账户（created），工作区（workspace）\S+：audit\.two {2}审计管理员（audit-admin）\n/,
    );

    const signedIn = await signIn('audit.two', password);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ mustChangePassword: true, user: { roles: ['audit-admin'], workspaceId } });
    const account = await row('audit.two');
    expect(account).toMatchObject({ display_name: '审计员乙', created_by: 'system:cli', workspace_id: workspaceId });

    const [event] = await auditOf(database().db, account.id);
    expect(event).toMatchObject({
      actor_id: 'system:cli',
      actor_roles: '[]',
      action: 'user.create',
      outcome: 'success',
    });
    // The real command names the operating-system user who ran it; the password is nowhere in the trail.
    expect(event?.detail).toMatchObject({ roles: ['audit-admin'], operator: `${userInfo().username}@${hostname()}` });
    expect(JSON.stringify(await auditOf(database().db, account.id))).not.toContain(password);

    const again = await admin('create', 'audit.two', '--role', 'audit-admin', '--workspace', workspaceId);
    expect(again.code).toBe(2);
    expectOneLine(again.stderr, /用户名 audit\.two 已被使用/);
  });

  it('list: every administrator account, with its role, workspace and state', async () => {
    const secadmin = await user(['security-admin']);
    await user(['office']);
    await database().db.updateTable('users').set({ disabled: 1 }).where('id', '=', secadmin.id).execute();
    const { code, stdout, stderr } = await admin('list');
    expect([code, stderr]).toEqual([0, '']);
    const line = stdout.split('\n').find((text) => text.startsWith(secadmin.username));
    expect(line).toMatch(
      / {2}安全管理员（security-admin） {2}工作区（workspace）\S+ {2}已停用（disabled） {2}最后登录/,
    );
    expect(stdout).toContain(workspaceId);
    const count = (await database().db.selectFrom('users').select('roles').execute()).filter((r) =>
      /"(system|security|audit)-admin"/.test(r.roles),
    ).length;
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(`共 ${count} 个三员账户（${count} administrator accounts）`);
  });

  it('grant: only to an account with no role; its old password, sessions and OIDC link do not carry over', async () => {
    // The attack of finding 1: the system administrator made the account and knows its password.
    const made = await user([]);
    const oldSession = await signIn(made.username, made.password);
    expect(oldSession.status).toBe(200);
    await database()
      .db.updateTable('users')
      .set({ oidc_subject: 'sys-admins-own-sub' })
      .where('id', '=', made.id)
      .execute();

    const granted = await admin('grant', made.username, 'security-admin');
    expect([granted.code, granted.stderr]).toEqual([0, '']);
    const password = passwordIn(granted.stdout);
    expect((await signIn(made.username, made.password)).status).toBe(401);
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: oldSession.cookie ?? '' } });
    expect(me.statusCode).toBe(401);
    expect(await row(made.username)).toMatchObject({ roles: '["security-admin"]', oidc_subject: null });
    expect((await signIn(made.username, password)).body).toMatchObject({
      mustChangePassword: true,
      user: { roles: ['security-admin'] },
    });
    expect((await auditOf(database().db, made.id)).at(-1)).toMatchObject({
      actor_id: 'system:cli',
      action: 'user.set-roles',
      detail: { before: [], after: ['security-admin'], oidcUnlinked: true, sessionsEnded: 1, operator: OPERATOR },
    });

    // An administrator role is held alone; the account must exist; the role must be one of the three.
    const leader = await user(['leader']);
    const refusals: [string[], RegExp][] = [
      [['grant', leader.username, 'audit-admin'], /三员角色不能与其他角色兼任：\S+ 现有角色 leader/],
      [['grant', made.username, 'audit-admin'], /三员角色不能与其他角色兼任/],
      [['grant', made.username, 'security-admin'], /已是 security-admin/],
      [['grant', 'nobody.here', 'audit-admin'], /未找到用户 nobody\.here/],
      [['grant', leader.username, 'office'], /角色应为 system-admin、security-admin 或 audit-admin，实际为 "office"/],
    ];
    for (const [args, pattern] of refusals) {
      const refused = await admin(...args);
      expect(refused.code, args.join(' ')).toBe(2);
      expectOneLine(refused.stderr, pattern);
    }
    expect(await row(leader.username)).toMatchObject({ roles: '["leader"]', version: 1 });
  });

  it('revoke: the account keeps no role and its sessions end; it is an ordinary account again', async () => {
    const auditor = await user(['audit-admin']);
    const session = await signIn(auditor.username, auditor.password);
    const notHeld = await admin('revoke', auditor.username, 'security-admin');
    expect(notHeld.code).toBe(2);
    expectOneLine(notHeld.stderr, /不是 security-admin/);

    const revoked = await admin('revoke', auditor.username, 'audit-admin');
    expect([revoked.code, revoked.stderr]).toEqual([0, '']);
    expect(revoked.stdout).toMatch(/^已撤销三员角色（revoked）：\S+ {2}无角色（no role）/);
    expect((await row(auditor.username)).roles).toBe('[]');
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie ?? '' } });
    expect(me.statusCode).toBe(401);
    // Not an administrator any more: the command leaves it to the API.
    const again = await admin('reset-password', auditor.username);
    expect(again.code).toBe(2);
    expectOneLine(again.stderr, /不是三员账户，请由系统管理员通过系统管理/);
  });

  it('reset-password: a new one-time password, the lock lifted, sessions ended; ordinary accounts refused', async () => {
    const sysadmin = await user(['system-admin']);
    const session = await signIn(sysadmin.username, sysadmin.password);
    await database()
      .db.updateTable('users')
      .set({ failed_attempts: 5, locked_until: '2999-01-01T00:00:00.000Z' })
      .where('id', '=', sysadmin.id)
      .execute();
    const reset = await admin('reset-password', sysadmin.username);
    expect([reset.code, reset.stderr]).toEqual([0, '']);
    const password = passwordIn(reset.stdout);
    // The password the reset replaced joins the history, so the administrator cannot choose it again.
    const history = await database()
      .db.selectFrom('password_history')
      .select('id')
      .where('user_id', '=', sysadmin.id)
      .execute();
    expect(history).toHaveLength(1);
    expect((await signIn(sysadmin.username, TEST_PASSWORD)).status).toBe(401);
    expect((await signIn(sysadmin.username, password)).body).toMatchObject({ mustChangePassword: true });
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie ?? '' } });
    expect(me.statusCode).toBe(401);
    expect((await auditOf(database().db, sysadmin.id)).map((event) => [event.actor_id, event.action])).toContainEqual([
      'system:cli',
      'user.reset-password',
    ]);

    const office = await user(['office']);
    const refused = await admin('reset-password', office.username);
    expect(refused.code).toBe(2);
    expect((await row(office.username)).version).toBe(1);
  });

  it('disable and enable: a disabled administrator cannot sign in and its sessions end', async () => {
    const secadmin = await user(['security-admin']);
    const session = await signIn(secadmin.username, secadmin.password);
    const disabled = await admin('disable', secadmin.username);
    expect([disabled.code, disabled.stderr]).toEqual([0, '']);
    expect(disabled.stdout).toMatch(/^已停用（disabled）：\S+ {2}安全管理员（security-admin） {2}已停用（disabled）/);
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie ?? '' } });
    expect(me.statusCode).toBe(401);
    expect((await signIn(secadmin.username, secadmin.password)).status).toBe(401);
    const twice = await admin('disable', secadmin.username);
    expect(twice.code).toBe(2);
    expectOneLine(twice.stderr, /已停用（already disabled）/);

    expect((await admin('enable', secadmin.username)).code).toBe(0);
    expect((await signIn(secadmin.username, secadmin.password)).status).toBe(200);
    expect((await auditOf(database().db, secadmin.id)).map((event) => event.action).slice(-2)).toEqual([
      'user.disable',
      'user.enable',
    ]);
  });

  it('link and unlink an OIDC subject: well-formed, and no other account’s', async () => {
    const auditor = await user(['audit-admin']);
    const other = await user(['office']);
    await database().db.updateTable('users').set({ oidc_subject: 'taken-sub' }).where('id', '=', other.id).execute();

    const taken = await admin('link', auditor.username, 'taken-sub');
    expect(taken.code).toBe(2);
    expectOneLine(taken.stderr, /该统一身份认证账号已关联其他用户/);
    const bad = await admin('link', auditor.username, 'has\u0007bell');
    expect(bad.code).toBe(2);
    expectOneLine(bad.stderr, /统一身份认证标识须为 1–255 个可打印 ASCII 字符/);

    const linked = await admin('link', auditor.username, 'auditor-sub-1');
    expect([linked.code, linked.stderr]).toEqual([0, '']);
    expect(linked.stdout).toContain('已关联统一身份认证（OIDC linked）');
    expect((await row(auditor.username)).oidc_subject).toBe('auditor-sub-1');
    expect((await admin('unlink', auditor.username)).code).toBe(0);
    expect((await row(auditor.username)).oidc_subject).toBeNull();
    expect((await auditOf(database().db, auditor.id)).map((event) => event.detail)).toEqual([
      { oidc_subject: 'auditor-sub-1', operator: OPERATOR },
      { oidc_subject: null, sessionsEnded: 0, operator: OPERATOR },
    ]);
  });

  it.each<[string, string[], RegExp]>([
    ['no subcommand', [], /缺少子命令/],
    ['an unknown subcommand', ['promote', 'x'], /未知子命令 promote/],
    ['an unknown option', ['list', '--all'], /未知参数 --all/],
    ['too few arguments', ['grant', 'someone'], /admin grant 需要 2 个参数/],
    ['an option without its value', ['create', 'x.y', '--role'], /--role 需要一个值/],
    ['no role', ['create', 'x.y'], /角色应为 system-admin、security-admin 或 audit-admin/],
    [
      'an unknown workspace',
      ['create', 'x.y', '--role', 'audit-admin', '--workspace', 'ws_nope'],
      /未找到工作区 ws_nope/,
    ],
  ])('exits 2 with one line for %s, changing nothing', async (_what, args, pattern) => {
    const before = await database().db.selectFrom('users').select('id').execute();
    const { code, stdout, stderr } = await admin(...args);
    expect(code).toBe(2);
    expectOneLine(stderr, pattern);
    expect(stdout).toBe('');
    expect(await database().db.selectFrom('users').select('id').execute()).toHaveLength(before.length);
  });

  it('help prints the usage, naming every subcommand, and exits 0', async () => {
    const { code, stdout, stderr } = await admin('help');
    expect([code, stderr]).toEqual([0, '']);
    for (const sub of ['list', 'create', 'grant', 'revoke', 'reset-password', 'disable', 'enable', 'link', 'unlink']) {
      expect(stdout).toContain(`luoshi admin ${sub} `);
    }
    expect(stdout).toContain('三员账户只能用本命令管理，系统接口一律拒绝');
  });

  it('takes units from no one: a grant keeps the account’s unit, and roles stay exclusive after it', async () => {
    const unit = await buildUnit(database().db, { workspaceId });
    const made = await buildUser(database().db, { workspaceId, roles: [], unitId: unit.id });
    expect((await admin('grant', made.username, 'audit-admin')).code).toBe(0);
    expect(await row(made.username)).toMatchObject({ unit_id: unit.id, roles: '["audit-admin"]' });
  });
});

describe('finding 1: luoshi admin refuses a configuration it cannot work with', () => {
  it('exits 2 for a bad DATABASE_URL and a SQLite file that is not there (creating none)', async () => {
    const badConfig = await luoshi(['admin', 'list'], { DATABASE_URL: 'oracle://x' });
    expect(badConfig.code).toBe(2);
    expectOneLine(badConfig.stderr, /配置错误：DATABASE_URL/);
    const missing = join(mkdtempSync(join(tmpdir(), 'luoshi-admin-cli-')), 'nope.db');
    const run = await luoshi(['admin', 'list'], { DATABASE_URL: `sqlite:${missing}` });
    expect(run.code).toBe(2);
    expectOneLine(run.stderr, /数据库文件不存在/);
    expect(existsSync(missing)).toBe(false);
  });
});

describeEachDatabase(
  'finding 1: luoshi admin refuses a database it cannot work on',
  (database) => {
    it('exits 2 for a database with no Luoshi schema, and leaves it empty', async () => {
      const run = await luoshi(['admin', 'create', 'a.b', '--role', 'audit-admin'], {
        DATABASE_URL: await urlOf(database()),
      });
      expect(run.code).toBe(2);
      expectOneLine(run.stderr, /数据库尚未初始化/);
      // Nothing created (on PostgreSQL, only this database's schema counts: other tests' share the server).
      const { db, dialect } = database();
      const schema =
        dialect === 'postgres'
          ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
          : undefined;
      expect((await db.introspection.getTables()).filter((t) => t.schema === schema)).toEqual([]);
    });
  },
  { migrate: false },
);
