/**
 * Rate-limit counters (migration 0012): one row per key and window, in the reserved `system` workspace, which the
 * caller passes in.
 */
import type { Db } from '../database.ts';

export interface RateLimitWindow {
  /** `<scope>|<window start>|<key>`. */
  readonly id: string;
  /** The window's end. */
  readonly expiresAt: string;
}

/**
 * Counts one hit on each window, in one statement: a window's first hit inserts it at 1, a later one adds 1, and the
 * statement returns every window's count after it. Atomic on both dialects (PostgreSQL locks the conflicting row;
 * SQLite has one writer), so no two requests see the same count. Pass distinct windows in a fixed order (by id):
 * PostgreSQL locks rows in the order given, so two requests that share windows never wait for each other in a
 * cycle. Returns the counts by window id.
 */
export async function countRateLimitHits(
  db: Db,
  workspaceId: string,
  windows: readonly RateLimitWindow[],
  at: string,
): Promise<Map<string, number>> {
  if (windows.length === 0) return new Map();
  const rows = await db
    .insertInto('rate_limits')
    .values(
      windows.map((window) => ({
        id: window.id,
        workspace_id: workspaceId,
        created_at: at,
        updated_at: at,
        expires_at: window.expiresAt,
        hits: 1,
      })),
    )
    .onConflict((conflict) =>
      conflict.columns(['workspace_id', 'id']).doUpdateSet((eb) => ({
        hits: eb('rate_limits.hits', '+', 1),
        version: eb('rate_limits.version', '+', 1),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returning(['id', 'hits'])
    .execute();
  return new Map(rows.map((row) => [row.id, Number(row.hits)]));
}

/** Deletes the windows that ended at or before `at`; returns how many. */
export async function deleteEndedRateLimitWindows(db: Db, workspaceId: string, at: string): Promise<number> {
  const result = await db
    .deleteFrom('rate_limits')
    .where('workspace_id', '=', workspaceId)
    .where('expires_at', '<=', at)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
