/** Targets (指标) of tasks and goals. */
import type { Db } from '../database.ts';
import type { NewTarget, TargetRow, TargetUpdate } from '../schema.ts';
import { chunks } from './support.ts';

export async function insertTargets(db: Db, rows: readonly NewTarget[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('targets').values(slice).execute();
}

export interface FindTargetsOptions {
  /** Also the targets a re-import removed, and those of removed tasks and goals. */
  includeRemoved: boolean;
}

/**
 * A plan's targets in the order of their owners — the tasks' in task order, then the goals' in goal order, those in
 * force before the removed ones — and by position within each owner (in force first). Without `includeRemoved`
 * only the targets in force whose task or goal is in force too.
 */
export function findTargetsOfPlan(
  db: Db,
  workspaceId: string,
  planId: string,
  options: FindTargetsOptions,
): Promise<TargetRow[]> {
  const query = db
    .selectFrom('targets as g')
    .leftJoin('tasks as t', (join) =>
      join.onRef('t.workspace_id', '=', 'g.workspace_id').onRef('t.id', '=', 'g.task_id'),
    )
    .leftJoin('nodes as n', (join) =>
      join.onRef('n.workspace_id', '=', 'g.workspace_id').onRef('n.id', '=', 'g.goal_node_id'),
    )
    .selectAll('g')
    .where('g.workspace_id', '=', workspaceId)
    .where('g.plan_id', '=', planId)
    .where((eb) => eb.or([eb('g.task_id', 'is not', null), eb('g.goal_node_id', 'is not', null)]));
  // A goal's target has no task row and a task's target no goal row: their columns are null, so the keys below
  // tie within each group and order the other; the removed flags sort in force (false, 0) first on both databases.
  return (
    options.includeRemoved
      ? query
      : query
          .where('g.removed_in_version', 'is', null)
          .where('t.removed_in_version', 'is', null)
          .where('n.removed_in_version', 'is', null)
  )
    .orderBy((eb) => eb('g.task_id', 'is', null))
    .orderBy((eb) => eb('t.removed_in_version', 'is not', null))
    .orderBy('t.position')
    .orderBy('t.id')
    .orderBy((eb) => eb('n.removed_in_version', 'is not', null))
    .orderBy('n.position')
    .orderBy('n.id')
    .orderBy((eb) => eb('g.removed_in_version', 'is not', null))
    .orderBy('g.position')
    .orderBy('g.id')
    .execute();
}

export type TargetFieldsUpdate = Omit<TargetUpdate, 'id' | 'workspace_id' | 'version' | 'created_at' | 'updated_at'>;

/** Updates a target still at `expectedVersion`; false when it moved on. */
export async function updateTarget(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: TargetFieldsUpdate,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('targets')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
