/** A target's planned path: the target itself and the periods whose planned value the office set by hand. */
import type { Db } from '../database.ts';
import type { NewTrajectoryPoint, TargetRow, TrajectoryPointRow } from '../schema.ts';

export function findTargetById(db: Db, workspaceId: string, id: string): Promise<TargetRow | undefined> {
  return db
    .selectFrom('targets')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The office's planned values of a target, by period key. */
export function findTrajectoryPoints(db: Db, workspaceId: string, targetId: string): Promise<TrajectoryPointRow[]> {
  return db
    .selectFrom('trajectory_points')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('target_id', '=', targetId)
    .orderBy('period')
    .execute();
}

export function findTrajectoryPoint(
  db: Db,
  workspaceId: string,
  targetId: string,
  period: string,
): Promise<TrajectoryPointRow | undefined> {
  return db
    .selectFrom('trajectory_points')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('target_id', '=', targetId)
    .where('period', '=', period)
    .executeTakeFirst();
}

export async function insertTrajectoryPoint(db: Db, row: NewTrajectoryPoint): Promise<void> {
  await db.insertInto('trajectory_points').values(row).execute();
}

/** Sets a point's planned value if it is still at `expectedVersion`; false when it moved on (or is gone). */
export async function updateTrajectoryPoint(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  planned: number,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('trajectory_points')
    .set((eb) => ({ planned, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Removes a point if it is still at `expectedVersion`; false when it moved on (or is gone). */
export async function deleteTrajectoryPoint(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom('trajectory_points')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The targets of a task that are in force (a report gives readings for these). */
export function findTargetsOfTask(
  db: Db,
  workspaceId: string,
  taskId: string,
): Promise<Pick<TargetRow, 'id' | 'text' | 'unit'>[]> {
  return db
    .selectFrom('targets')
    .select(['id', 'text', 'unit'])
    .where('workspace_id', '=', workspaceId)
    .where('task_id', '=', taskId)
    .where('removed_in_version', 'is', null)
    .orderBy('position')
    .orderBy('id')
    .execute();
}
