/**
 * Who may manage accounts (等保 三员 separation): the system administrator keeps users and units (creates them,
 * edits names and units, disables them, resets passwords) but grants no role; the security administrator grants
 * roles but creates no one; the audit administrator only reads the trail. None may change their own account's
 * roles or disable themselves.
 *
 * The administrators' own accounts are out of every administrator's reach: an account that holds one of the three
 * roles, or is to be given one, is created, granted, revoked, reset, disabled, enabled and linked to an OIDC subject
 * only by the server command `luoshi admin` (src/cli/admin.ts), run by whoever holds the machine. Otherwise the
 * system administrator could reset the audit administrator's password, sign in as them and read the trail, or
 * create an account whose password it knows and have it made security administrator (issue 9, finding 1).
 */
import { ADMIN_COMMAND_USER_ID } from '../services/admin-command-actor.ts';
import type { Actor, Role } from '../services/context.ts';

/** The three administrators; a user holding one of these holds no other role. */
export const ADMIN_ROLES: readonly Role[] = ['system-admin', 'security-admin', 'audit-admin'];

/** Roles that act for one unit, so the user must belong to a unit. */
export const UNIT_ROLES: readonly Role[] = ['unit-reporter', 'unit-approver'];

/** Whether these roles include one of the three administrators'. */
export function holdsAdminRole(roles: readonly Role[]): boolean {
  return roles.some((role) => ADMIN_ROLES.includes(role));
}

/**
 * Changing an administrator's account (one that holds an administrator role, or is to be given one): the server
 * command's actor only, which no one signs in as. Through the API, nobody — whatever their role.
 */
export function canManageAdministrators(actor: Actor): boolean {
  return actor.userId === ADMIN_COMMAND_USER_ID && actor.roles.length === 0 && actor.unitId === null;
}

export function canManageUsers(actor: Actor): boolean {
  return actor.roles.includes('system-admin');
}

export function canGrantRoles(actor: Actor): boolean {
  return actor.roles.includes('security-admin');
}

/** The account list: the system administrator (who keeps it) and the security administrator (who grants roles). */
export function canViewUsers(actor: Actor): boolean {
  return canManageUsers(actor) || canGrantRoles(actor);
}

/** The unit directory's upkeep (new units, names, aliases). */
export function canManageUnits(actor: Actor): boolean {
  return actor.roles.includes('system-admin');
}

/** The security policy in force (password rules, lock-out, session limits). */
export function canViewSecurityPolicy(actor: Actor): boolean {
  return actor.roles.includes('security-admin');
}

/** Why a set of roles may not be held together, or null when it may. */
export function roleSetProblem(roles: readonly Role[], unitId: string | null): string | null {
  const admin = roles.filter((role) => ADMIN_ROLES.includes(role));
  if (admin.length > 0 && roles.length > 1) {
    return '系统管理员、安全管理员、审计管理员三员分立，不能兼任其他角色（an administrator role cannot be combined with any other role）';
  }
  if (roles.some((role) => UNIT_ROLES.includes(role)) && unitId === null) {
    return '单位填报员、单位审核员须先由系统管理员指定所属单位（unit roles need the user to belong to a unit）';
  }
  if (roles.includes('public') && roles.length > 1) {
    return '公众角色不能与其他角色同时授予（the public role cannot be combined with other roles）';
  }
  return null;
}
