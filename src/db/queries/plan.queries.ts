/** Plans and their versions. */
import type { Db } from '../database.ts';
import type { NewPlan, NewPlanVersion, PlanRow, PlanUpdate } from '../schema.ts';

export async function insertPlan(db: Db, row: NewPlan): Promise<void> {
  await db.insertInto('plans').values(row).execute();
}

/** A plan with the display name of who made it (null when it names nobody). */
export interface PlanWithNamesRow extends PlanRow {
  created_by_name: string | null;
}

/** Plans with their maker's name, joined in the same statement. */
export function selectPlans(db: Db, workspaceId: string) {
  return db
    .selectFrom('plans')
    .leftJoin('users as cu', (join) =>
      join.onRef('cu.workspace_id', '=', 'plans.workspace_id').onRef('cu.id', '=', 'plans.created_by'),
    )
    .selectAll('plans')
    .select('cu.display_name as created_by_name')
    .where('plans.workspace_id', '=', workspaceId);
}

export function findPlan(db: Db, workspaceId: string, id: string): Promise<PlanWithNamesRow | undefined> {
  return selectPlans(db, workspaceId).where('plans.id', '=', id).executeTakeFirst();
}

/** Updates the plan if it is still at `expectedVersion`; false when it moved on (or is gone). */
export async function updatePlan(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: Omit<PlanUpdate, 'id' | 'workspace_id' | 'version' | 'created_at' | 'updated_at'>,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('plans')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function insertPlanVersion(db: Db, row: NewPlanVersion): Promise<void> {
  await db.insertInto('plan_versions').values(row).execute();
}

/** The highest version number of a plan, 0 when it has none. */
export async function findLatestPlanVersionNumber(db: Db, workspaceId: string, planId: string): Promise<number> {
  const row = await db
    .selectFrom('plan_versions')
    .select((eb) => eb.fn.max('number').as('number'))
    .where('workspace_id', '=', workspaceId)
    .where('plan_id', '=', planId)
    .executeTakeFirst();
  return row?.number ?? 0;
}

export interface PlanVersionMetaRow {
  id: string;
  number: number;
  file_id: string | null;
  created_at: string;
  created_by: string | null;
}

/** A plan's versions without their draft JSON, oldest first. */
export function findPlanVersions(db: Db, workspaceId: string, planId: string): Promise<PlanVersionMetaRow[]> {
  return db
    .selectFrom('plan_versions')
    .select(['id', 'number', 'file_id', 'created_at', 'created_by'])
    .where('workspace_id', '=', workspaceId)
    .where('plan_id', '=', planId)
    .orderBy('number')
    .execute();
}
