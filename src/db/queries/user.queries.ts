/** Users (migration 0004). Sign-in looks a user up by name across workspaces; everything else names the workspace. */
import type { Db } from '../database.ts';
import type { NewUser, UserRow, UserUpdate } from '../schema.ts';

export function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function findUserByOidcSubject(db: Db, subject: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('oidc_subject', '=', subject).executeTakeFirst();
}

export function findUser(db: Db, workspaceId: string, id: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function findUsers(db: Db, workspaceId: string): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().where('workspace_id', '=', workspaceId).orderBy('username').execute();
}

export async function insertUser(db: Db, row: NewUser): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

/** Writes `changes` if the row is still at `version`; returns whether it was. Bumps the version. */
export async function updateUser(
  db: Db,
  workspaceId: string,
  id: string,
  version: number,
  changes: Omit<UserUpdate, 'version'>,
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ ...changes, version: version + 1 })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * The sign-in bookkeeping (failure count, lock, last sign-in, a re-hashed password): not an edit by a person, so
 * it leaves `version` alone and never makes an administrator's pending edit stale.
 */
export async function updateSignInState(
  db: Db,
  workspaceId: string,
  id: string,
  changes: Pick<
    UserUpdate,
    'failed_attempts' | 'locked_until' | 'last_failed_at' | 'last_sign_in_at' | 'password_hash'
  >,
): Promise<void> {
  await db.updateTable('users').set(changes).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

/** Whether any user holds one of these roles (a JSON array column, matched as text: `"system-admin"`). */
export async function countUsersWithRole(db: Db, workspaceId: string, role: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('roles', 'like', `%"${role}"%`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Enabled users of a unit holding `role` (a JSON array column, matched as text), leaving out one user. */
export async function countUnitUsersWithRole(
  db: Db,
  workspaceId: string,
  unitId: string,
  role: string,
  exceptUserId: string,
): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('unit_id', '=', unitId)
    .where('disabled', '=', 0)
    .where('id', '!=', exceptUserId)
    .where('roles', 'like', `%"${role}"%`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Users of every workspace holding any of these roles (matched as text in the JSON array), by workspace and name. */
export function findUsersWithAnyRole(db: Db, roles: readonly string[]): Promise<UserRow[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or(roles.map((role) => eb('roles', 'like', `%"${role}"%`))))
    .orderBy('workspace_id')
    .orderBy('username')
    .execute();
}

/** Every workspace but the reserved `system` one (migration 0004), oldest first. */
export function findAccountWorkspaces(db: Db, systemWorkspaceId: string): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('workspaces')
    .select(['id', 'name'])
    .where('id', '!=', systemWorkspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function hasAnyUser(db: Db): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** The oldest workspace but the reserved `system` one (migration 0004), or undefined when there is none. */
export async function findFirstWorkspaceId(db: Db, systemWorkspaceId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('workspaces')
    .select('id')
    .where('id', '!=', systemWorkspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}
