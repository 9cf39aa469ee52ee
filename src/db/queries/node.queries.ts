/** The plan tree: parts, strands, areas, tasks, goals. */
import type { Db } from '../database.ts';
import type { NewNode, NodeRow, NodeUpdate } from '../schema.ts';
import { chunks } from './support.ts';

/** Inserts nodes in the order given; put parents before their children. */
export async function insertNodes(db: Db, rows: readonly NewNode[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('nodes').values(slice).execute();
}

export function findNodesOfPlan(db: Db, workspaceId: string, planId: string): Promise<NodeRow[]> {
  return db
    .selectFrom('nodes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('plan_id', '=', planId)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

/** Updates a node still at `expectedVersion`; false when it moved on. */
export async function updateNode(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: Pick<NodeUpdate, 'parent_id' | 'number' | 'title' | 'position' | 'source_start' | 'source_end'>,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('nodes')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
