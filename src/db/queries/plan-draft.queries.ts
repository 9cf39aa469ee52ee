/** Plan drafts: the parser's output as the office edits it before confirming. */
import type { Db } from '../database.ts';
import type { NewPlanDraft, PlanDraftRow, PlanDraftState } from '../schema.ts';

export async function insertPlanDraft(db: Db, row: NewPlanDraft): Promise<void> {
  await db.insertInto('plan_drafts').values(row).execute();
}

/** A draft with the display name of who uploaded it (null when it names nobody). */
export interface PlanDraftWithNamesRow extends PlanDraftRow {
  created_by_name: string | null;
}

export function findPlanDraft(db: Db, workspaceId: string, id: string): Promise<PlanDraftWithNamesRow | undefined> {
  return db
    .selectFrom('plan_drafts as d')
    .leftJoin('users as cu', (join) =>
      join.onRef('cu.workspace_id', '=', 'd.workspace_id').onRef('cu.id', '=', 'd.created_by'),
    )
    .selectAll('d')
    .select('cu.display_name as created_by_name')
    .where('d.workspace_id', '=', workspaceId)
    .where('d.id', '=', id)
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

/** The draft list's sort key: newest first by when the draft was made, then by id. */
export type PlanDraftPageKey = readonly [createdAt: string, id: string];

export interface PlanDraftPageFilter {
  state?: PlanDraftState;
  /** The sort key of the last draft of the previous page. */
  after?: PlanDraftPageKey;
  /** Rows to fetch (a page's limit + 1). */
  limit: number;
}

/** A draft in the list: the row with its file's name, its uploader's display name and its plan's title. */
export interface PlanDraftListRow {
  id: string;
  version: number;
  state: PlanDraftState;
  plan_id: string | null;
  draft: string;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  file_name: string | null;
  created_by_name: string | null;
  plan_title: string | null;
}

/** A page of the workspace's drafts, newest first, after `filter.after`. */
export function findPlanDraftPage(
  db: Db,
  workspaceId: string,
  filter: PlanDraftPageFilter,
): Promise<PlanDraftListRow[]> {
  let query = db
    .selectFrom('plan_drafts as d')
    .leftJoin('files as f', (join) =>
      join.onRef('f.workspace_id', '=', 'd.workspace_id').onRef('f.id', '=', 'd.file_id'),
    )
    .leftJoin('users as u', (join) =>
      join.onRef('u.workspace_id', '=', 'd.workspace_id').onRef('u.id', '=', 'd.created_by'),
    )
    .leftJoin('plans as p', (join) =>
      join.onRef('p.workspace_id', '=', 'd.workspace_id').onRef('p.id', '=', 'd.plan_id'),
    )
    .select([
      'd.id',
      'd.version',
      'd.state',
      'd.plan_id',
      'd.draft',
      'd.created_at',
      'd.updated_at',
      'd.created_by',
      'f.name as file_name',
      'u.display_name as created_by_name',
      'p.title as plan_title',
    ])
    .where('d.workspace_id', '=', workspaceId);
  if (filter.state !== undefined) query = query.where('d.state', '=', filter.state);
  const after = filter.after;
  if (after !== undefined) {
    const [createdAt, id] = after;
    query = query.where((eb) =>
      eb.or([eb('d.created_at', '<', createdAt), eb.and([eb('d.created_at', '=', createdAt), eb('d.id', '<', id)])]),
    );
  }
  return query.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(filter.limit).execute();
}
