/** Server-side sessions (migration 0004), keyed by the SHA-256 of the cookie's token. */
import type { Db } from '../database.ts';
import type { NewSession, SessionRow, UserRow } from '../schema.ts';

export async function insertSession(db: Db, row: NewSession): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export type SessionWithUser = SessionRow & { user: UserRow };

/** The session with this id and its user, whatever its state (the caller checks revocation and timeouts). */
export async function findSessionWithUser(db: Db, id: string): Promise<SessionWithUser | undefined> {
  const session = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (session === undefined) return undefined;
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', session.workspace_id)
    .where('id', '=', session.user_id)
    .executeTakeFirst();
  return user === undefined ? undefined : { ...session, user };
}

/** Records activity: the idle timeout counts from `updated_at`. */
export async function touchSession(db: Db, id: string, at: string): Promise<void> {
  await db.updateTable('sessions').set({ updated_at: at }).where('id', '=', id).execute();
}

export async function revokeSession(db: Db, id: string, at: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

/**
 * Ends every open session of a user (sign out everywhere; a password reset; a disabled account), but `keepId`
 * when given (the session that just changed its own password). Returns how many it ended.
 */
export async function revokeSessionsOfUser(
  db: Db,
  workspaceId: string,
  userId: string,
  at: string,
  keepId?: string,
): Promise<number> {
  let query = db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (keepId !== undefined) query = query.where('id', '!=', keepId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
