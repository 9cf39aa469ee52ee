/**
 * Pending OIDC sign-ins (migration 0009). They belong to no workspace until the callback knows the user, so every
 * query names the reserved `system` workspace, which the caller passes in.
 */
import type { Db } from '../database.ts';
import type { NewOidcLogin, OidcLoginRow } from '../schema.ts';

export async function insertOidcLogin(db: Db, row: NewOidcLogin): Promise<void> {
  await db.insertInto('oidc_logins').values(row).execute();
}

/**
 * Removes the pending sign-in and returns it, or undefined when there is none (never made, already used, or swept).
 * One `delete … returning`: of two callbacks with the same state only the one whose delete removed the row goes on.
 */
export function takeOidcLogin(db: Db, workspaceId: string, id: string): Promise<OidcLoginRow | undefined> {
  return db
    .deleteFrom('oidc_logins')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the pending sign-ins that ended before `at`; returns how many. */
export async function deleteExpiredOidcLogins(db: Db, workspaceId: string, at: string): Promise<number> {
  const result = await db
    .deleteFrom('oidc_logins')
    .where('workspace_id', '=', workspaceId)
    .where('expires_at', '<=', at)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
