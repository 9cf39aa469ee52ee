/** Server-side sessions (migration 0004), keyed by the SHA-256 of the cookie's token. */
import type { Db } from '../database.ts';
import type { NewSession, SessionRow, UserRow } from '../schema.ts';

export async function insertSession(db: Db, row: NewSession): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export type SessionWithUser = SessionRow & { user: UserRow };

/**
 * The session with this id and its user, whatever its state (the caller checks revocation and timeouts), in one
 * statement: every request that carries a session cookie asks.
 */
export async function findSessionWithUser(db: Db, id: string): Promise<SessionWithUser | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', (join) =>
      join.onRef('u.workspace_id', '=', 's.workspace_id').onRef('u.id', '=', 's.user_id'),
    )
    .selectAll('u')
    .select([
      's.id as session_id',
      's.workspace_id as session_workspace_id',
      's.user_id as session_user_id',
      's.version as session_version',
      's.created_at as session_created_at',
      's.updated_at as session_updated_at',
      's.expires_at as session_expires_at',
      's.csrf_token as session_csrf_token',
      's.ip as session_ip',
      's.user_agent as session_user_agent',
      's.via as session_via',
      's.revoked_at as session_revoked_at',
    ])
    .where('s.id', '=', id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const {
    session_id,
    session_workspace_id,
    session_user_id,
    session_version,
    session_created_at,
    session_updated_at,
    session_expires_at,
    session_csrf_token,
    session_ip,
    session_user_agent,
    session_via,
    session_revoked_at,
    ...user
  } = row;
  const session: SessionRow = {
    id: session_id,
    workspace_id: session_workspace_id,
    user_id: session_user_id,
    version: session_version,
    created_at: session_created_at,
    updated_at: session_updated_at,
    expires_at: session_expires_at,
    csrf_token: session_csrf_token,
    ip: session_ip,
    user_agent: session_user_agent,
    via: session_via,
    revoked_at: session_revoked_at,
  };
  return { ...session, user };
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
