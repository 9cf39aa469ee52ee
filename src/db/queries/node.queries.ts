/** The plan tree: parts, strands, areas, tasks, goals. */
import type { Db } from '../database.ts';
import type { NewNode, NodeKind, NodeRow, NodeUpdate } from '../schema.ts';
import { chunks } from './support.ts';

/** Inserts nodes in the order given; put parents before their children. */
export async function insertNodes(db: Db, rows: readonly NewNode[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('nodes').values(slice).execute();
}

export interface FindNodesOptions {
  /** Also the nodes a re-import removed (`removed_in_version` set), after the ones in force. */
  includeRemoved: boolean;
  /** Only nodes of this kind. */
  kind?: NodeKind;
}

/** A plan's nodes by position: those in force, then (when asked) the removed ones by their last position. */
export function findNodesOfPlan(
  db: Db,
  workspaceId: string,
  planId: string,
  options: FindNodesOptions,
): Promise<NodeRow[]> {
  let query = db.selectFrom('nodes').selectAll().where('workspace_id', '=', workspaceId).where('plan_id', '=', planId);
  if (options.kind !== undefined) query = query.where('kind', '=', options.kind);
  query = options.includeRemoved
    ? query.orderBy((eb) => eb('removed_in_version', 'is not', null))
    : query.where('removed_in_version', 'is', null);
  return query.orderBy('position').orderBy('id').execute();
}

/** Updates a node still at `expectedVersion`; false when it moved on. */
export async function updateNode(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: Pick<
    NodeUpdate,
    'parent_id' | 'number' | 'title' | 'position' | 'source_start' | 'source_end' | 'removed_in_version'
  >,
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
