/** Close-outs (销号) and the task's `closed_at` they set. */
import type { Db } from '../database.ts';
import type { CloseOutRow, CloseOutUpdate, NewCloseOut, TaskStatus } from '../schema.ts';

export async function insertCloseOut(db: Db, row: NewCloseOut): Promise<void> {
  await db.insertInto('close_outs').values(row).execute();
}

export function findCloseOut(db: Db, workspaceId: string, id: string): Promise<CloseOutRow | undefined> {
  return db
    .selectFrom('close_outs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A task's close-outs, newest first (the first is the one in force). */
export function findCloseOutsOfTask(
  db: Db,
  workspaceId: string,
  taskId: string,
  limit?: number,
): Promise<CloseOutRow[]> {
  const query = db
    .selectFrom('close_outs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('task_id', '=', taskId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc');
  return (limit === undefined ? query : query.limit(limit)).execute();
}

export async function findLatestCloseOut(
  db: Db,
  workspaceId: string,
  taskId: string,
): Promise<CloseOutRow | undefined> {
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
