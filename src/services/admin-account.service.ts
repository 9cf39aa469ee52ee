/**
 * The administrators' accounts (三员: system, security and audit administrator), managed by the server command
 * `luoshi admin` (src/cli/admin.ts) and by nothing else: the API refuses every change to such an account, whoever
 * asks (src/services/user.service.ts, `canManageAdministrators` in src/policies/user.policy.ts). Whoever can run the
 * command holds the machine and the database already; the command makes their acts explicit and audited instead of
 * leaving them to hand-written SQL (break-glass, 等保 三权分立).
 *
 * Every change is written in one transaction with its audit event, in the account's workspace, by the command's
 * actor (`system:cli`), with the operating-system user who ran it (`operator`). One-time passwords are returned to
 * be printed once on the operator's terminal; only their hashes are stored, never in the trail.
 *
 * Granting an administrator role to an existing account also gives it a new one-time password, ends its sessions
 * and unlinks its OIDC subject: whoever created or kept the account before (the system administrator, through the
 * API) may know its password or have linked it to their own identity, and must not sign in as the new
 * administrator.
 */
import type { AuthConfig } from '../config.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { revokeSessionsOfUser } from '../db/queries/session.queries.ts';
import {
  findAccountWorkspaces,
  findUserByUsername,
  findUsersWithAnyRole,
  updateUser,
} from '../db/queries/user.queries.ts';
import type { UserRow, UserUpdate } from '../db/schema.ts';
import type { PasswordPolicy } from '../domain/passwords.ts';
import { ADMIN_ROLES, canManageAdministrators, holdsAdminRole, roleSetProblem } from '../policies/user.policy.ts';
import { adminCommandActor } from './admin-command-actor.ts';
import { recordAudit } from './audit.ts';
import {
  SYSTEM_WORKSPACE_ID,
  normalizeUsername,
  parseRoles,
  passwordPolicy,
  rememberReplacedPassword,
  scryptCost,
} from './auth.service.ts';
import type { Actor, Role, ServiceContext } from './context.ts';
import { ServiceError, conflict } from './errors.ts';
import { hashPassword, oneTimePassword } from './password-hash.ts';
import { inTransaction } from './transaction.ts';
import {
  checkOidcSubject,
  createAccount,
  oidcSubjectTaken,
  userView,
  type UserView,
  type UserWithPassword,
} from './user.service.ts';

/** The three administrator roles, as the command names them. */
export type AdminRole = 'system-admin' | 'security-admin' | 'audit-admin';

export function isAdminRole(value: string): value is AdminRole {
  return (ADMIN_ROLES as readonly string[]).includes(value);
}

/** Who ran the command: the operating-system user and host, as the command found them. */
export interface AdminCommand {
  readonly operator: string;
}

export interface AdministratorView extends UserView {
  readonly workspaceId: string;
}

function invalid(message: string): ServiceError {
  return new ServiceError('invalid-input', message);
}

/** The command's actor in the workspace, checked as every service checks its actor. */
function actorIn(workspaceId: string): Actor {
  const actor = adminCommandActor(workspaceId);
  if (!canManageAdministrators(actor)) throw new Error('unreachable: the server command manages administrators');
  return actor;
}

async function loadAccount(ctx: ServiceContext, username: string): Promise<UserRow> {
  const name = normalizeUsername(username);
  const row = await findUserByUsername(ctx.db, name);
  if (row === undefined) throw invalid(`未找到用户 ${name}（no such account）`);
  return row;
}

/** An account that holds an administrator role; ordinary accounts are kept through the API. */
async function loadAdministrator(ctx: ServiceContext, username: string): Promise<UserRow> {
  const row = await loadAccount(ctx, username);
  if (!holdsAdminRole(parseRoles(row.roles))) {
    throw invalid(
      `${row.username} 不是三员账户，请由系统管理员通过系统管理（${row.username} holds no administrator role: manage it through the API）`,
    );
  }
  return row;
}

/** Writes a change to the account read as `row`, with its audit event; `stale` if someone changed it meanwhile. */
async function writeChange(
  ctx: ServiceContext,
  command: AdminCommand,
  row: UserRow,
  changes: Omit<UserUpdate, 'version' | 'updated_at'>,
  audit: { action: string; detail: Record<string, unknown>; endSessions: boolean },
  /** For a reset: the password it replaces goes into the account's history, which the policy bounds. */
  history?: PasswordPolicy,
): Promise<UserView> {
  const actor = actorIn(row.workspace_id);
  const now = ctx.clock();
  const at = now.toISOString();
  await inTransaction(ctx.db, async (trx) => {
    let written: boolean;
    try {
      written = await updateUser(trx, row.workspace_id, row.id, row.version, { ...changes, updated_at: at });
    } catch (error) {
      if (changes.oidc_subject !== undefined && isUniqueViolation(error)) throw oidcSubjectTaken();
      throw error;
    }
    if (!written) {
      throw conflict(
        `账户 ${row.username} 刚被修改，请重新运行命令（the account changed meanwhile: run the command again）`,
      );
    }
    if (history !== undefined) await rememberReplacedPassword(trx, row, now, history);
    const ended = audit.endSessions ? await revokeSessionsOfUser(trx, row.workspace_id, row.id, at) : 0;
    await recordAudit(trx, actor, now, {
      action: audit.action,
      subjectType: 'user',
      subjectId: row.id,
      detail: { ...audit.detail, ...(audit.endSessions ? { sessionsEnded: ended } : {}), operator: command.operator },
    });
  });
  const updated = await findUserByUsername(ctx.db, row.username);
  if (updated === undefined) throw new Error(`unreachable: ${row.username} was updated above`);
  return userView(updated, now);
}

/** A new one-time password's stored fields: must be changed at the next sign-in; the lock lifted. */
async function freshPassword(config: AuthConfig, at: string) {
  const password = oneTimePassword();
  const fields = {
    password_hash: await hashPassword(password, scryptCost(config)),
    password_changed_at: at,
    must_change_password: 1 as const,
    failed_attempts: 0,
    locked_until: null,
  };
  return { password, fields };
}

/** Every account that holds an administrator role, in every workspace. */
export async function listAdministrators(ctx: ServiceContext): Promise<AdministratorView[]> {
  const now = ctx.clock();
  return (await findUsersWithAnyRole(ctx.db, ADMIN_ROLES)).map((row) => ({
    ...userView(row, now),
    workspaceId: row.workspace_id,
  }));
}

/**
 * The workspace a new administrator belongs to: the one named, or the only one there is. With several and none
 * named, the operator must choose (the list is in the message).
 */
async function workspaceFor(ctx: ServiceContext, workspaceId: string | undefined): Promise<string> {
  const workspaces = await findAccountWorkspaces(ctx.db, SYSTEM_WORKSPACE_ID);
  if (workspaceId !== undefined) {
    if (!workspaces.some((workspace) => workspace.id === workspaceId)) {
      throw invalid(`未找到工作区 ${workspaceId}（no such workspace）`);
    }
    return workspaceId;
  }
  const [only, ...others] = workspaces;
  if (only === undefined) throw invalid('还没有工作区：请先启动一次服务（no workspace yet: start the server once）');
  if (others.length > 0) {
    const listed = workspaces.map((workspace) => `${workspace.id}（${workspace.name}）`).join('、');
    throw invalid(`有多个工作区，请用 --workspace 指定：${listed}（several workspaces: name one with --workspace）`);
  }
  return only.id;
}

export interface CreateAdministratorInput {
  readonly username: string;
  readonly displayName: string;
  readonly role: AdminRole;
  readonly workspaceId?: string | undefined;
}

/** A new account holding one administrator role, with a one-time password to hand to its holder. */
export async function createAdministrator(
  ctx: ServiceContext,
  config: AuthConfig,
  command: AdminCommand,
  input: CreateAdministratorInput,
): Promise<UserWithPassword & { workspaceId: string }> {
  const workspaceId = await workspaceFor(ctx, input.workspaceId);
  const created = await createAccount(ctx, config, actorIn(workspaceId), input, [input.role], {
    operator: command.operator,
  });
  return { ...created, workspaceId };
}

/**
 * Gives an account an administrator role. The account must hold no role (an administrator role is held alone: the
 * security administrator takes the others away first). Its credentials start afresh (see the module comment).
 */
export async function grantAdministratorRole(
  ctx: ServiceContext,
  config: AuthConfig,
  command: AdminCommand,
  input: { readonly username: string; readonly role: AdminRole },
): Promise<UserWithPassword> {
  const row = await loadAccount(ctx, input.username);
  const before = parseRoles(row.roles);
  if (before.includes(input.role)) throw invalid(`${row.username} 已是 ${input.role}（already holds the role）`);
  const after: Role[] = [input.role];
  if (before.length > 0 || roleSetProblem(after, row.unit_id) !== null) {
    throw invalid(
      `三员角色不能与其他角色兼任：${row.username} 现有角色 ${before.join('、')}，须先撤销` +
        `（an administrator role is held alone: ${row.username} holds ${before.join(', ')}; revoke those first）`,
    );
  }
  const at = ctx.clock().toISOString();
  const { password, fields } = await freshPassword(config, at);
  const user = await writeChange(
    ctx,
    command,
    row,
    { roles: JSON.stringify(after), ...fields, oidc_subject: null },
    {
      action: 'user.set-roles',
      detail: { before, after, oneTimePassword: true, oidcUnlinked: row.oidc_subject !== null },
      endSessions: true,
    },
  );
  return { user, oneTimePassword: password };
}

/** Takes an administrator role away: the account is left with no role (the API then keeps it as any other). */
export async function revokeAdministratorRole(
  ctx: ServiceContext,
  command: AdminCommand,
  input: { readonly username: string; readonly role: AdminRole },
): Promise<UserView> {
  const row = await loadAdministrator(ctx, input.username);
  const before = parseRoles(row.roles);
  if (!before.includes(input.role)) throw invalid(`${row.username} 不是 ${input.role}（does not hold the role）`);
  const after = before.filter((role) => role !== input.role);
  return writeChange(
    ctx,
    command,
    row,
    { roles: JSON.stringify(after) },
    { action: 'user.set-roles', detail: { before, after }, endSessions: true },
  );
}

/** A new one-time password for an administrator: the lock lifted, every session ended. */
export async function resetAdministratorPassword(
  ctx: ServiceContext,
  config: AuthConfig,
  command: AdminCommand,
  input: { readonly username: string },
): Promise<UserWithPassword> {
  const row = await loadAdministrator(ctx, input.username);
  const { password, fields } = await freshPassword(config, ctx.clock().toISOString());
  const user = await writeChange(
    ctx,
    command,
    row,
    fields,
    { action: 'user.reset-password', detail: {}, endSessions: true },
    passwordPolicy(config),
  );
  return { user, oneTimePassword: password };
}

/** Disables an administrator (ending its sessions) or enables it again. */
export async function setAdministratorDisabled(
  ctx: ServiceContext,
  command: AdminCommand,
  input: { readonly username: string; readonly disabled: boolean },
): Promise<UserView> {
  const row = await loadAdministrator(ctx, input.username);
  if ((row.disabled === 1) === input.disabled) {
    throw invalid(
      input.disabled ? `${row.username} 已停用（already disabled）` : `${row.username} 未停用（not disabled）`,
    );
  }
  return writeChange(
    ctx,
    command,
    row,
    { disabled: input.disabled ? 1 : 0 },
    { action: input.disabled ? 'user.disable' : 'user.enable', detail: {}, endSessions: input.disabled },
  );
}

/** Links an administrator to a subject at the OIDC provider, or unlinks it (null); a changed link ends sessions. */
export async function linkAdministrator(
  ctx: ServiceContext,
  command: AdminCommand,
  input: { readonly username: string; readonly oidcSubject: string | null },
): Promise<UserView> {
  const row = await loadAdministrator(ctx, input.username);
  const subject = input.oidcSubject;
  if (subject === row.oidc_subject) {
    throw invalid(
      subject === null ? `${row.username} 未关联（not linked）` : `${row.username} 已关联该标识（already linked）`,
    );
  }
  if (subject !== null) await checkOidcSubject(ctx, subject, row.workspace_id, row.id);
  return writeChange(
    ctx,
    command,
    row,
    { oidc_subject: subject },
    { action: 'user.update', detail: { oidc_subject: subject }, endSessions: row.oidc_subject !== null },
  );
}
