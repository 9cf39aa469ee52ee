/** The hashes of the passwords an account had before its current one (migration 0010), latest first. */
import type { Db } from '../database.ts';
import type { NewPasswordHistory } from '../schema.ts';

export async function insertPasswordHistory(db: Db, row: NewPasswordHistory): Promise<void> {
  await db.insertInto('password_history').values(row).execute();
}

/** The account's latest `limit` former password hashes, latest first. */
export async function findRecentPasswordHashes(
  db: Db,
  workspaceId: string,
  userId: string,
  limit: number,
): Promise<string[]> {
  if (limit <= 0) return [];
  const rows = await db
    .selectFrom('password_history')
    .select('password_hash')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => row.password_hash);
}

/** Deletes all but the account's latest `keep` former hashes: a history is kept no longer than the policy reads it. */
export async function prunePasswordHistory(db: Db, workspaceId: string, userId: string, keep: number): Promise<void> {
  await db
    .deleteFrom('password_history')
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .where((eb) =>
      eb.not(
        eb(
          'id',
          'in',
          eb
            .selectFrom('password_history as kept')
            .select('kept.id')
            .where('kept.workspace_id', '=', workspaceId)
            .where('kept.user_id', '=', userId)
            .orderBy('kept.created_at', 'desc')
            .orderBy('kept.id', 'desc')
            .limit(keep),
        ),
      ),
    )
    .execute();
}
