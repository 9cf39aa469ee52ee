/** Targets (指标) of tasks and goals. */
import type { Db } from '../database.ts';
import type { NewTarget, TargetRow, TargetUpdate } from '../schema.ts';
import { chunks } from './support.ts';

export async function insertTargets(db: Db, rows: readonly NewTarget[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('targets').values(slice).execute();
}

/** A plan's targets, by owner (task or goal node) and position. */
export function findTargetsOfPlan(db: Db, workspaceId: string, planId: string): Promise<TargetRow[]> {
  return db
    .selectFrom('targets')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('plan_id', '=', planId)
    .orderBy('position')
    .orderBy('id')
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
