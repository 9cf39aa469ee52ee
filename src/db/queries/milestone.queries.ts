/** Milestones (节点): the dated steps of a project; frozen while their task is closed out. */
import type { Db } from '../database.ts';
import type { Flag, MilestoneRow, MilestoneUpdate, NewMilestone } from '../schema.ts';

export async function insertMilestone(db: Db, row: NewMilestone): Promise<void> {
  await db.insertInto('milestones').values(row).execute();
}

export function findMilestone(db: Db, workspaceId: string, id: string): Promise<MilestoneRow | undefined> {
  return db
    .selectFrom('milestones')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export type MilestoneScope = { projectId: string } | { taskId: string };

/**
 * A project's milestones in force (not removed) in their order, or a task's by project then order. (The (task_id, due_on) index finds a
 * task's rows; a task has tens of them, so the sort costs nothing.)
 */
export function findMilestones(db: Db, workspaceId: string, scope: MilestoneScope): Promise<MilestoneRow[]> {
  const query = db
    .selectFrom('milestones')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('removed_at', 'is', null);
  return (
    'projectId' in scope ? query.where('project_id', '=', scope.projectId) : query.where('task_id', '=', scope.taskId)
  )
    .orderBy('project_id')
    .orderBy('position')
    .orderBy('due_on')
    .orderBy('id')
    .execute();
}

/** The position after the project's last milestone (0 for the first). */
export async function nextMilestonePosition(db: Db, workspaceId: string, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('milestones')
    .select((eb) => eb.fn.max('position').as('last'))
    .where('workspace_id', '=', workspaceId)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
}

export type MilestoneFieldsUpdate = Pick<MilestoneUpdate, 'name' | 'due_on' | 'done_on' | 'position'>;

/**
 * Updates a milestone still at `expectedVersion` and not frozen; false when no row matched (changed since, or
 * frozen: the caller tells which).
 */
export async function updateUnfrozenMilestone(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: MilestoneFieldsUpdate,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('milestones')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .where('frozen', '=', 0)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Marks a milestone removed, if it is still at `expectedVersion`, not frozen and not removed; false when no row
 * matched (the caller tells why).
 */
export async function markMilestoneRemoved(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  removal: { by: string; reason: string; at: string },
): Promise<boolean> {
  const result = await db
    .updateTable('milestones')
    .set((eb) => ({
      removed_at: removal.at,
      removed_by: removal.by,
      removed_reason: removal.reason,
      version: eb('version', '+', 1),
      updated_at: removal.at,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .where('frozen', '=', 0)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Freezes (1) or unfreezes (0) every milestone of a task that is not so already; each changed row's version moves
 * on, so an edit begun before the freeze is stale. Returns the number of rows changed.
 */
export async function setMilestonesFrozen(
  db: Db,
  workspaceId: string,
  taskId: string,
  frozen: Flag,
  at: string,
): Promise<number> {
  const result = await db
    .updateTable('milestones')
    .set((eb) => ({ frozen, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('task_id', '=', taskId)
    .where('frozen', '!=', frozen)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
