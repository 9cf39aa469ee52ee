/**
 * Accounts (用户管理), kept by the system administrator, with roles granted by the security administrator (三员
 * separation, src/policies/user.policy.ts). The administrators' own accounts are not: every change through the API
 * to an account that holds an administrator role, or would get one, is refused, whoever asks; the server command
 * `luoshi admin` makes those changes (src/services/admin-account.service.ts).
 *
 * A new account, and an account whose password an administrator resets, gets a one-time password: shown once in
 * the answer, stored only as its hash, and good only for changing it. Disabling an account or resetting its
 * password ends its sessions. Roles take effect on the user's next request (sessions read them each time).
 *
 * Only an account the system administrator has linked to an OIDC subject (the `sub` of the person at the
 * government's provider) signs in through the provider; changing or clearing the link ends the account's sessions.
 */
import type { AuthConfig } from '../config.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { revokeSessionsOfUser } from '../db/queries/session.queries.ts';
import { findUnits } from '../db/queries/unit.queries.ts';
import {
  findUser,
  findUserByOidcSubject,
  findUserByUsername,
  findUsers,
  insertUser,
  updateUser,
} from '../db/queries/user.queries.ts';
import { newId } from '../db/ids.ts';
import type { UserRow, UserUpdate } from '../db/schema.ts';
import {
  canGrantRoles,
  canManageAdministrators,
  canManageUsers,
  canViewUsers,
  holdsAdminRole,
  roleSetProblem,
} from '../policies/user.policy.ts';
import { recordAudit } from './audit.ts';
import { normalizeUsername, parseRoles, passwordPolicy, rememberReplacedPassword, scryptCost } from './auth.service.ts';
import type { Actor, Role, ServiceContext } from './context.ts';
import { ServiceError, conflict, forbidden, notFound, stale } from './errors.ts';
import { hashPassword, oneTimePassword } from './password-hash.ts';
import { inTransaction } from './transaction.ts';

/** Sign-in names: lower-case letters, digits and `._-`, 3–64 characters, starting with a letter or digit. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,63}$/;

export interface UserView {
  id: string;
  version: number;
  username: string;
  displayName: string;
  unitId: string | null;
  roles: Role[];
  disabled: boolean;
  locked: boolean;
  mustChangePassword: boolean;
  /** Signs in through the OIDC provider. */
  oidc: boolean;
  lastSignInAt: string | null;
  createdAt: string;
}

export interface UserWithPassword {
  user: UserView;
  /** Shown once: the person must change it at first sign-in. */
  oneTimePassword: string;
}

/** An account as the services hand it out. */
export function userView(row: UserRow, now: Date): UserView {
  return {
    id: row.id,
    version: row.version,
    username: row.username,
    displayName: row.display_name,
    unitId: row.unit_id,
    roles: parseRoles(row.roles),
    disabled: row.disabled === 1,
    locked: row.locked_until !== null && new Date(row.locked_until).getTime() > now.getTime(),
    mustChangePassword: row.must_change_password === 1,
    oidc: row.oidc_subject !== null,
    lastSignInAt: row.last_sign_in_at,
    createdAt: row.created_at,
  };
}

function invalid(message: string, details: Record<string, unknown> = {}): ServiceError {
  return new ServiceError('invalid-input', message, details);
}

const REFUSE_ADMINISTRATOR_ACCOUNT =
  '三员（系统管理员、安全管理员、审计管理员）账户只能由服务器上的 luoshi admin 命令管理' +
  '（administrator accounts are managed only with the luoshi admin command on the server）';

/** Refuses a change to an account that holds, or would get, an administrator role, unless the server command asks. */
function guardAdministratorAccount(actor: Actor, roles: readonly Role[]): void {
  if (holdsAdminRole(roles) && !canManageAdministrators(actor)) throw forbidden(REFUSE_ADMINISTRATOR_ACCOUNT);
}

async function loadUser(ctx: ServiceContext, actor: Actor, id: string): Promise<UserRow> {
  const row = await findUser(ctx.db, actor.workspaceId, id);
  if (row === undefined) throw notFound('用户', id);
  return row;
}

async function assertUnitOfWorkspace(ctx: ServiceContext, workspaceId: string, unitId: string | null): Promise<void> {
  if (unitId === null) return;
  const units = await findUnits(ctx.db, workspaceId);
  if (!units.some((unit) => unit.id === unitId)) throw invalid(`未找到单位（${unitId}）（unknown unit）`, { unitId });
}

export function checkDisplayName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || [...trimmed].length > 100)
    throw invalid('姓名须为 1–100 个字符（display name: 1–100 characters）');
  return trimmed;
}

/** OIDC subjects are case-sensitive ASCII, at most 255 characters (OpenID Connect Core 1.0 §2), kept as given. */
const OIDC_SUBJECT_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

export function oidcSubjectTaken(): ServiceError {
  return conflict('该统一身份认证账号已关联其他用户（the OIDC subject is linked to another account）', {
    field: 'oidcSubject',
  });
}

/** An OIDC subject this account may be linked to: well-formed, and no other account's. */
export async function checkOidcSubject(
  ctx: ServiceContext,
  subject: string,
  workspaceId: string,
  userId: string,
): Promise<void> {
  if (!OIDC_SUBJECT_PATTERN.test(subject)) {
    throw invalid('统一身份认证标识须为 1–255 个可打印 ASCII 字符（OIDC subject: 1–255 printable ASCII characters）', {
      field: 'oidcSubject',
    });
  }
  const holder = await findUserByOidcSubject(ctx.db, subject);
  if (holder !== undefined && !(holder.workspace_id === workspaceId && holder.id === userId)) {
    throw oidcSubjectTaken();
  }
}

export async function listUsers(ctx: ServiceContext, actor: Actor): Promise<UserView[]> {
  if (!canViewUsers(actor)) throw forbidden('无权查看用户（not allowed to read the accounts）');
  const now = ctx.clock();
  return (await findUsers(ctx.db, actor.workspaceId)).map((row) => userView(row, now));
}

export async function getUser(ctx: ServiceContext, actor: Actor, id: string): Promise<UserView> {
  if (!canViewUsers(actor) && actor.userId !== id) throw forbidden('无权查看用户（not allowed to read the account）');
  return userView(await loadUser(ctx, actor, id), ctx.clock());
}

export interface CreateUserInput {
  readonly username: string;
  readonly displayName: string;
  readonly unitId?: string | null | undefined;
  /** Only to be refused: the security administrator grants roles, and the server command the three administrators'. */
  readonly roles?: readonly Role[] | undefined;
}

/** The system administrator creates an account with no role and a one-time password. */
export async function createUser(
  ctx: ServiceContext,
  config: AuthConfig,
  actor: Actor,
  input: CreateUserInput,
): Promise<UserWithPassword> {
  const roles = input.roles ?? [];
  guardAdministratorAccount(actor, roles);
  if (!canManageUsers(actor)) {
    throw forbidden('只有系统管理员可以创建用户（only the system administrator creates accounts）');
  }
  if (roles.length > 0) {
    throw forbidden(
      '新账户没有角色：角色由安全管理员授予（a new account has no role: the security administrator grants roles）',
    );
  }
  return createAccount(ctx, config, actor, input, []);
}

/**
 * Creates an account with these roles and a one-time password, audited as the actor's act; no authorization
 * check. Callers: `createUser` (after its checks, no roles) and the server command's `createAdministrator`.
 */
export async function createAccount(
  ctx: ServiceContext,
  config: AuthConfig,
  actor: Actor,
  input: CreateUserInput,
  roles: readonly Role[],
  auditDetail: Readonly<Record<string, unknown>> = {},
): Promise<UserWithPassword> {
  const username = normalizeUsername(input.username);
  if (!USERNAME_PATTERN.test(username)) {
    throw invalid('用户名须为 3–64 位小写字母、数字或 . _ -，以字母或数字开头（user name: 3–64 of a-z 0-9 . _ -）', {
      field: 'username',
    });
  }
  const displayName = checkDisplayName(input.displayName);
  const unitId = input.unitId ?? null;
  await assertUnitOfWorkspace(ctx, actor.workspaceId, unitId);
  const problem = roleSetProblem(roles, unitId);
  if (problem !== null) throw invalid(problem);
  if ((await findUserByUsername(ctx.db, username)) !== undefined) {
    throw conflict(`用户名 ${username} 已被使用（user name taken）`, { field: 'username' });
  }
  const password = oneTimePassword();
  const hash = await hashPassword(password, scryptCost(config));
  const now = ctx.clock();
  const at = now.toISOString();
  const id = newId('user');
  const row = await inTransaction(ctx.db, async (trx) => {
    await insertUser(trx, {
      id,
      workspace_id: actor.workspaceId,
      created_at: at,
      updated_at: at,
      username,
      display_name: displayName,
      unit_id: unitId,
      roles: JSON.stringify(roles),
      password_hash: hash,
      password_changed_at: at,
      must_change_password: 1,
      created_by: actor.userId,
    });
    await recordAudit(trx, actor, now, {
      action: 'user.create',
      subjectType: 'user',
      subjectId: id,
      detail: { username, displayName, unitId, roles, ...auditDetail },
    });
    const created = await findUser(trx, actor.workspaceId, id);
    if (created === undefined) throw new Error('unreachable: the user was inserted above');
    return created;
  });
  return { user: userView(row, now), oneTimePassword: password };
}

export interface UpdateUserInput {
  readonly version: number;
  readonly displayName?: string | undefined;
  readonly unitId?: string | null | undefined;
  readonly disabled?: boolean | undefined;
  /** Links the account to this subject at the OIDC provider; null unlinks it. */
  readonly oidcSubject?: string | null | undefined;
}

/**
 * The system administrator edits an account's name, unit and OIDC link, or disables / enables it. Not an
 * administrator's account: the server command changes those.
 */
export async function updateUserAccount(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateUserInput,
): Promise<UserView> {
  if (!canManageUsers(actor))
    throw forbidden('只有系统管理员可以修改用户（only the system administrator edits accounts）');
  if (input.disabled === true && id === actor.userId)
    throw forbidden('不能停用自己的账户（you cannot disable yourself）');
  const row = await loadUser(ctx, actor, id);
  guardAdministratorAccount(actor, parseRoles(row.roles));
  const changes: Omit<UserUpdate, 'version'> = {};
  if (input.displayName !== undefined) changes.display_name = checkDisplayName(input.displayName);
  if (input.unitId !== undefined) {
    await assertUnitOfWorkspace(ctx, actor.workspaceId, input.unitId);
    const problem = roleSetProblem(parseRoles(row.roles), input.unitId);
    if (problem !== null) throw invalid(problem);
    changes.unit_id = input.unitId;
  }
  if (input.disabled !== undefined) changes.disabled = input.disabled ? 1 : 0;
  // Sessions signed in as the old subject must not outlive the link.
  let relinked = false;
  if (input.oidcSubject !== undefined) {
    const subject = input.oidcSubject;
    if (subject !== null) await checkOidcSubject(ctx, subject, actor.workspaceId, id);
    changes.oidc_subject = subject;
    relinked = row.oidc_subject !== null && row.oidc_subject !== subject;
  }
  const now = ctx.clock();
  const at = now.toISOString();
  await inTransaction(ctx.db, async (trx) => {
    let written: boolean;
    try {
      written = await updateUser(trx, actor.workspaceId, id, input.version, { ...changes, updated_at: at });
    } catch (error) {
      // Linked to another account between the check above and this write.
      if (changes.oidc_subject !== undefined && isUniqueViolation(error)) throw oidcSubjectTaken();
      throw error;
    }
    if (!written) throw stale('用户', id, input.version);
    if (input.disabled === true || relinked) await revokeSessionsOfUser(trx, actor.workspaceId, id, at);
    await recordAudit(trx, actor, now, {
      action: input.disabled === true ? 'user.disable' : input.disabled === false ? 'user.enable' : 'user.update',
      subjectType: 'user',
      subjectId: id,
      detail: { ...changes },
    });
  });
  return userView(await loadUser(ctx, actor, id), now);
}

/**
 * The system administrator resets a password: a new one-time password, the lock lifted, every session ended. Not an
 * administrator's: the server command resets those.
 */
export async function resetPassword(
  ctx: ServiceContext,
  config: AuthConfig,
  actor: Actor,
  id: string,
  version: number,
): Promise<UserWithPassword> {
  if (!canManageUsers(actor))
    throw forbidden('只有系统管理员可以重置密码（only the system administrator resets passwords）');
  const row = await loadUser(ctx, actor, id);
  guardAdministratorAccount(actor, parseRoles(row.roles));
  if (row.oidc_subject !== null && row.password_hash === null) {
    throw conflict('该用户通过统一身份认证登录，没有密码（this account signs in through OIDC）');
  }
  const password = oneTimePassword();
  const hash = await hashPassword(password, scryptCost(config));
  const now = ctx.clock();
  const at = now.toISOString();
  await inTransaction(ctx.db, async (trx) => {
    const written = await updateUser(trx, actor.workspaceId, id, version, {
      password_hash: hash,
      password_changed_at: at,
      must_change_password: 1,
      failed_attempts: 0,
      locked_until: null,
      updated_at: at,
    });
    if (!written) throw stale('用户', id, version);
    // The password the reset replaces stays in the history: the user cannot return to it afterwards.
    await rememberReplacedPassword(trx, row, now, passwordPolicy(config));
    const ended = await revokeSessionsOfUser(trx, actor.workspaceId, id, at);
    await recordAudit(trx, actor, now, {
      action: 'user.reset-password',
      subjectType: 'user',
      subjectId: id,
      detail: { sessionsEnded: ended },
    });
  });
  return { user: userView(await loadUser(ctx, actor, id), now), oneTimePassword: password };
}

/**
 * The security administrator grants roles (the whole set), never to itself, and never an administrator role nor to
 * an administrator (the server command does that).
 */
export async function setUserRoles(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: { readonly version: number; readonly roles: readonly Role[] },
): Promise<UserView> {
  if (!canGrantRoles(actor))
    throw forbidden('只有安全管理员可以授予角色（only the security administrator grants roles）');
  if (id === actor.userId) throw forbidden('不能修改自己的角色（you cannot change your own roles）');
  const row = await loadUser(ctx, actor, id);
  const roles = [...new Set(input.roles)];
  guardAdministratorAccount(actor, [...parseRoles(row.roles), ...roles]);
  const problem = roleSetProblem(roles, row.unit_id);
  if (problem !== null) throw invalid(problem);
  const now = ctx.clock();
  const at = now.toISOString();
  await inTransaction(ctx.db, async (trx) => {
    if (
      !(await updateUser(trx, actor.workspaceId, id, input.version, { roles: JSON.stringify(roles), updated_at: at }))
    ) {
      throw stale('用户', id, input.version);
    }
    await recordAudit(trx, actor, now, {
      action: 'user.set-roles',
      subjectType: 'user',
      subjectId: id,
      detail: { before: parseRoles(row.roles), after: roles },
    });
  });
  return userView(await loadUser(ctx, actor, id), now);
}
