/** Close-outs (销号) and the task's `closed_at` they set. */
import type { Db } from '../database.ts';
import type { CloseOutRow, CloseOutUpdate, NewCloseOut, TaskStatus } from '../schema.ts';

/** A close-out with the display names of who requested and who decided it (null when it names nobody). */
export interface CloseOutWithNamesRow extends CloseOutRow {
  requested_by_name: string | null;
  decided_by_name: string | null;
}

/** Close-outs with their people's names, joined in the same statement. */
function selectCloseOuts(db: Db, workspaceId: string) {
  return db
    .selectFrom('close_outs as c')
    .leftJoin('users as rq', (join) =>
      join.onRef('rq.workspace_id', '=', 'c.workspace_id').onRef('rq.id', '=', 'c.requested_by'),
    )
    .leftJoin('users as dc', (join) =>
      join.onRef('dc.workspace_id', '=', 'c.workspace_id').onRef('dc.id', '=', 'c.decided_by'),
    )
    .selectAll('c')
    .select(['rq.display_name as requested_by_name', 'dc.display_name as decided_by_name'])
    .where('c.workspace_id', '=', workspaceId);
}

export async function insertCloseOut(db: Db, row: NewCloseOut): Promise<void> {
  await db.insertInto('close_outs').values(row).execute();
}

export function findCloseOut(db: Db, workspaceId: string, id: string): Promise<CloseOutWithNamesRow | undefined> {
  return selectCloseOuts(db, workspaceId).where('c.id', '=', id).executeTakeFirst();
}

/** A task's close-outs, newest first (the first is the one in force). */
export function findCloseOutsOfTask(
  db: Db,
  workspaceId: string,
  taskId: string,
  limit?: number,
): Promise<CloseOutWithNamesRow[]> {
  const query = selectCloseOuts(db, workspaceId)
    .where('c.task_id', '=', taskId)
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc');
  return (limit === undefined ? query : query.limit(limit)).execute();
}

export async function findLatestCloseOut(
  db: Db,
  workspaceId: string,
  taskId: string,
): Promise<CloseOutWithNamesRow | undefined> {
  return (await findCloseOutsOfTask(db, workspaceId, taskId, 1))[0];
}

export type CloseOutFieldsUpdate = Pick<CloseOutUpdate, 'state' | 'decided_at' | 'decided_by' | 'reason'>;

/** Updates a close-out still at `expectedVersion`; false when it moved on. */
export async function updateCloseOut(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: CloseOutFieldsUpdate,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('close_outs')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Closes (`closedAt` set) or reopens (null) a task still at `expectedVersion`, with the cached status that goes with
 * it; false when it moved on.
 */
export async function setTaskClosedAt(
  db: Db,
  workspaceId: string,
  taskId: string,
  expectedVersion: number,
  closedAt: string | null,
  status: TaskStatus | null,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('tasks')
    .set((eb) => ({
      closed_at: closedAt,
      status,
      status_at: status === null ? null : at,
      version: eb('version', '+', 1),
      updated_at: at,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', taskId)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
