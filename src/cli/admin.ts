/**
 * `luoshi admin …`: the administrators' accounts (三员: system, security and audit administrator), which the API
 * refuses to change for anyone (issue 9, finding 1). Run on the server by whoever holds the machine, against the
 * server's own database (DATABASE_URL, read by src/config.ts); the database is not migrated here. Every change is
 * audited in the account's workspace as the act of `system:cli`, with the operating-system user who ran it.
 * One-time passwords are printed once, here, to the operator's terminal.
 *
 * Exit codes: 0 done, 1 failure (the change could not be made), 2 usage or bad input (one line on stderr).
 */
import { hostname, userInfo } from 'node:os';
import { ConfigError, getConfig, type Config } from '../config.ts';
import { DatabaseOpenError, type DatabaseHandle } from '../db/database.ts';
import {
  createAdministrator,
  grantAdministratorRole,
  isAdminRole,
  linkAdministrator,
  listAdministrators,
  resetAdministratorPassword,
  revokeAdministratorRole,
  setAdministratorDisabled,
  type AdminCommand,
  type AdminRole,
  type AdministratorView,
} from '../services/admin-account.service.ts';
import { systemClock, type ServiceContext } from '../services/context.ts';
import { isServiceError } from '../services/errors.ts';
import type { UserView, UserWithPassword } from '../services/user.service.ts';
import { DatabaseNotReady, openExistingDatabase } from './open-database.ts';

export const ADMIN_USAGE = `  luoshi admin list                         列出三员账户（list the administrators' accounts）
  luoshi admin create USER --role ROLE [--name 姓名] [--workspace ID]
                                            新建三员账户，打印一次性密码（create one; prints its one-time password）
  luoshi admin grant USER ROLE              授予三员角色：账户须无其他角色；重发一次性密码，解除统一身份认证关联
                                            （grant: the account must hold no role; new one-time password, OIDC unlinked）
  luoshi admin revoke USER ROLE             撤销三员角色（revoke）
  luoshi admin reset-password USER          重置密码，打印一次性密码（new one-time password）
  luoshi admin disable USER                 停用，结束其会话（disable; ends its sessions）
  luoshi admin enable USER                  启用（enable）
  luoshi admin link USER SUBJECT            关联统一身份认证账号 sub（link to an OIDC subject）
  luoshi admin unlink USER                  解除关联（unlink）
                                            三员账户只能用本命令管理，系统接口一律拒绝（the API refuses）；
                                            ROLE: system-admin | security-admin | audit-admin；
                                            数据库取自 DATABASE_URL；每次修改记入审计日志（操作者 system:cli）；
                                            退出码 0 完成，1 失败，2 用法或输入有误`;

const ROLE_NAMES: Record<AdminRole, string> = {
  'system-admin': '系统管理员',
  'security-admin': '安全管理员',
  'audit-admin': '审计管理员',
};

/** Usage or input the command cannot take: one line on stderr (usage errors add the usage), exit code 2. */
class BadInput extends Error {}

interface Writer {
  write(text: string): unknown;
}

export interface AdminIo {
  readonly out?: Writer;
  readonly err?: Writer;
  /** The configuration (default: the process's, as the server reads it). */
  readonly config?: Config;
  /** Who runs the command, for the audit trail (default: the operating-system user and host). */
  readonly operator?: string;
}

interface Parsed {
  positional: string[];
  flags: Map<string, string>;
}

const SUBCOMMANDS: Record<string, { positional: number; flags: readonly string[] }> = {
  list: { positional: 0, flags: [] },
  create: { positional: 1, flags: ['--role', '--name', '--workspace'] },
  grant: { positional: 2, flags: [] },
  revoke: { positional: 2, flags: [] },
  'reset-password': { positional: 1, flags: [] },
  disable: { positional: 1, flags: [] },
  enable: { positional: 1, flags: [] },
  link: { positional: 2, flags: [] },
  unlink: { positional: 1, flags: [] },
};

function usageError(message: string): BadInput {
  return new BadInput(`${message}\n用法 usage:\n${ADMIN_USAGE}`);
}

function parseArgs(sub: string, args: readonly string[]): Parsed {
  const spec = SUBCOMMANDS[sub];
  if (spec === undefined) throw usageError(`未知子命令 ${sub}（unknown subcommand）`);
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!spec.flags.includes(flag)) throw usageError(`未知参数 ${arg}（unknown argument）`);
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) {
      throw new BadInput(`${flag} 需要一个值（${flag} needs a value）`);
    }
    flags.set(flag, value);
  }
  if (positional.length !== spec.positional) {
    throw usageError(`admin ${sub} 需要 ${spec.positional} 个参数（admin ${sub} takes ${spec.positional} arguments）`);
  }
  return { positional, flags };
}

function roleOf(value: string | undefined): AdminRole {
  if (value === undefined || !isAdminRole(value)) {
    throw new BadInput(
      `角色应为 system-admin、security-admin 或 audit-admin，实际为 ${JSON.stringify(value ?? '')}（not an administrator role）`,
    );
  }
  return value;
}

function describeRoles(user: UserView): string {
  if (user.roles.length === 0) return '无角色（no role）';
  return user.roles.map((role) => (isAdminRole(role) ? `${ROLE_NAMES[role]}（${role}）` : role)).join('、');
}

function stateOf(user: UserView): string {
  const states = [
    user.disabled ? '已停用（disabled）' : '正常（enabled）',
    ...(user.locked ? ['已锁定（locked）'] : []),
    ...(user.mustChangePassword ? ['须改密码（must change password）'] : []),
    ...(user.oidc ? ['已关联统一身份认证（OIDC linked）'] : []),
  ];
  return states.join('  ');
}

function formatList(admins: readonly AdministratorView[]): string {
  if (admins.length === 0) return '没有三员账户（no administrator accounts）\n';
  const width = Math.max(...admins.map((admin) => admin.username.length));
  const lines = admins.map((admin) =>
    [
      admin.username.padEnd(width),
      describeRoles(admin),
      `工作区（workspace）${admin.workspaceId}`,
      stateOf(admin),
      `最后登录（last sign-in）${admin.lastSignInAt ?? '—'}`,
    ].join('  '),
  );
  return `${lines.join('\n')}\n共 ${admins.length} 个三员账户（${admins.length} administrator accounts）\n`;
}

function formatPassword(what: string, result: UserWithPassword): string {
  return [
    `${what}：${result.user.username}  ${describeRoles(result.user)}`,
    `一次性密码（one-time password）：${result.oneTimePassword}`,
    '仅显示这一次，请当面交给账户持有人；首次登录后必须修改。（Shown only now: hand it to the holder in person; it must be changed at the first sign-in.）',
    '',
  ].join('\n');
}

function formatDone(what: string, user: UserView): string {
  return `${what}：${user.username}  ${describeRoles(user)}  ${stateOf(user)}\n`;
}

/** The operating-system user and host running the command; what the system tells, or `unknown`. */
export function currentOperator(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No entry for the process's uid (a container's arbitrary uid): the audit keeps "unknown" and the host.
  }
  return `${user}@${hostname()}`;
}

async function run(ctx: ServiceContext, config: Config, command: AdminCommand, sub: string, parsed: Parsed) {
  const [first = '', second = ''] = parsed.positional;
  switch (sub) {
    case 'list':
      return formatList(await listAdministrators(ctx));
    case 'create': {
      const role = roleOf(parsed.flags.get('--role'));
      const created = await createAdministrator(ctx, config.auth, command, {
        username: first,
        displayName: parsed.flags.get('--name') ?? ROLE_NAMES[role],
        role,
        workspaceId: parsed.flags.get('--workspace'),
      });
      return formatPassword(`已创建三员账户（created），工作区（workspace）${created.workspaceId}`, created);
    }
    case 'grant': {
      const granted = await grantAdministratorRole(ctx, config.auth, command, {
        username: first,
        role: roleOf(second),
      });
      return formatPassword('已授予三员角色（granted），原会话已结束，统一身份认证关联已解除', granted);
    }
    case 'revoke':
      return formatDone(
        '已撤销三员角色（revoked）',
        await revokeAdministratorRole(ctx, command, { username: first, role: roleOf(second) }),
      );
    case 'reset-password':
      return formatPassword(
        '已重置密码（password reset），原会话已结束',
        await resetAdministratorPassword(ctx, config.auth, command, { username: first }),
      );
    case 'disable':
    case 'enable':
      return formatDone(
        sub === 'disable' ? '已停用（disabled）' : '已启用（enabled）',
        await setAdministratorDisabled(ctx, command, { username: first, disabled: sub === 'disable' }),
      );
    case 'link':
    case 'unlink':
      return formatDone(
        sub === 'link' ? '已关联统一身份认证（linked）' : '已解除统一身份认证关联（unlinked）',
        await linkAdministrator(ctx, command, { username: first, oidcSubject: sub === 'link' ? second : null }),
      );
    default:
      throw usageError(`未知子命令 ${sub}（unknown subcommand）`);
  }
}

/** Runs `luoshi admin …` and returns the exit code. */
export async function adminCommand(args: readonly string[], io: AdminIo = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  const err = io.err ?? process.stderr;
  let handle: DatabaseHandle | undefined;
  try {
    const [sub, ...rest] = args;
    if (sub === undefined) throw usageError('缺少子命令（missing subcommand）');
    if (sub === 'help' || sub === '--help' || sub === '-h') {
      out.write(`用法 usage:\n${ADMIN_USAGE}\n`);
      return 0;
    }
    const parsed = parseArgs(sub, rest);
    const config = io.config ?? getConfig();
    handle = await openExistingDatabase(config.database, config.auditKey);
    const ctx: ServiceContext = { db: handle.db, clock: systemClock };
    out.write(await run(ctx, config, { operator: io.operator ?? currentOperator() }, sub, parsed));
    return 0;
  } catch (error) {
    if (
      error instanceof BadInput ||
      error instanceof ConfigError ||
      error instanceof DatabaseOpenError ||
      error instanceof DatabaseNotReady ||
      (isServiceError(error) && error.code !== 'stale')
    ) {
      err.write(`luoshi admin: ${error.message}\n`);
      return 2;
    }
    const reason = error instanceof Error ? error.message : String(error);
    err.write(`luoshi admin: 未能完成（failed）：${reason}\n`);
    return 1;
  } finally {
    await handle?.close();
  }
}
