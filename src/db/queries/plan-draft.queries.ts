/** Plan drafts: the parser's output as the office edits it before confirming. */
import type { Db } from '../database.ts';
import type { NewPlanDraft, PlanDraftRow, PlanDraftState } from '../schema.ts';

export async function insertPlanDraft(db: Db, row: NewPlanDraft): Promise<void> {
  await db.insertInto('plan_drafts').values(row).execute();
}

export function findPlanDraft(db: Db, workspaceId: string, id: string): Promise<PlanDraftRow | undefined> {
  return db
    .selectFrom('plan_drafts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface PlanDraftChange {
  draft?: string;
  state?: PlanDraftState;
  plan_id?: string;
}

/**
 * Updates an open draft that is still at `expectedVersion`; returns false when no row matched (gone, no longer
 * open, or changed since: the caller tells which).
 */
export async function updateOpenPlanDraft(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: PlanDraftChange,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('plan_drafts')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .where('state', '=', 'open')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
