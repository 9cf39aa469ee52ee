/** Supervision notices (督办单). */
import type { Db } from '../database.ts';
import type { IsoDate, IsoInstant, NewNotice, NoticeLevel, NoticeState, NoticeUpdate } from '../schema.ts';

export async function insertNotice(db: Db, row: NewNotice): Promise<void> {
  await db.insertInto('notices').values(row).execute();
}

/** A notice with its task's plan and number and its unit's name. */
export interface NoticeWithRefsRow {
  id: string;
  version: number;
  task_id: string;
  plan_id: string;
  task_number: string;
  task_title: string;
  unit_id: string;
  unit_name: string;
  level: NoticeLevel;
  due_on: IsoDate;
  body: string;
  state: NoticeState;
  response: string | null;
  responded_at: IsoInstant | null;
  responded_by: string | null;
  responded_by_name: string | null;
  escalated_from_id: string | null;
  issued_by: string | null;
  issued_by_name: string | null;
  created_at: IsoInstant;
  updated_at: IsoInstant;
}

function selectNotices(db: Db, workspaceId: string) {
  return db
    .selectFrom('notices as n')
    .innerJoin('tasks as t', (join) =>
      join.onRef('t.workspace_id', '=', 'n.workspace_id').onRef('t.id', '=', 'n.task_id'),
    )
    .innerJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'n.workspace_id').onRef('u.id', '=', 'n.unit_id'),
    )
    .leftJoin('users as ru', (join) =>
      join.onRef('ru.workspace_id', '=', 'n.workspace_id').onRef('ru.id', '=', 'n.responded_by'),
    )
    .leftJoin('users as iu', (join) =>
      join.onRef('iu.workspace_id', '=', 'n.workspace_id').onRef('iu.id', '=', 'n.issued_by'),
    )
    .select([
      'n.id',
      'n.version',
      'n.task_id',
      't.plan_id',
      't.number as task_number',
      't.title as task_title',
      'n.unit_id',
      'u.name as unit_name',
      'n.level',
      'n.due_on',
      'n.body',
      'n.state',
      'n.response',
      'n.responded_at',
      'n.responded_by',
      'ru.display_name as responded_by_name',
      'n.escalated_from_id',
      'n.issued_by',
      'iu.display_name as issued_by_name',
      'n.created_at',
      'n.updated_at',
    ])
    .where('n.workspace_id', '=', workspaceId);
}

export function findNotice(db: Db, workspaceId: string, id: string): Promise<NoticeWithRefsRow | undefined> {
  return selectNotices(db, workspaceId).where('n.id', '=', id).executeTakeFirst();
}

export interface NoticeFilters {
  planId?: string;
  taskId?: string;
  unitId?: string;
  states?: readonly NoticeState[];
  levels?: readonly NoticeLevel[];
  /** Due strictly before this date. */
  dueBefore?: IsoDate;
}

/**
 * Notices matching the filters, soonest due first (then by id), starting after the sort key `after`
 * (`[due_on, id]` of the last row of the previous page); at most `limit` rows.
 */
export function findNotices(
  db: Db,
  workspaceId: string,
  filters: NoticeFilters,
  after: readonly [IsoDate, string] | null,
  limit: number,
): Promise<NoticeWithRefsRow[]> {
  let query = selectNotices(db, workspaceId);
  if (filters.planId !== undefined) query = query.where('t.plan_id', '=', filters.planId);
  if (filters.taskId !== undefined) query = query.where('n.task_id', '=', filters.taskId);
  if (filters.unitId !== undefined) query = query.where('n.unit_id', '=', filters.unitId);
  if (filters.states !== undefined) query = query.where('n.state', 'in', [...filters.states]);
  if (filters.levels !== undefined) query = query.where('n.level', 'in', [...filters.levels]);
  if (filters.dueBefore !== undefined) query = query.where('n.due_on', '<', filters.dueBefore);
  if (after !== null) {
    const [dueOn, id] = after;
    query = query.where((eb) =>
      eb.or([eb('n.due_on', '>', dueOn), eb.and([eb('n.due_on', '=', dueOn), eb('n.id', '>', id)])]),
    );
  }
  return query.orderBy('n.due_on').orderBy('n.id').limit(limit).execute();
}

export type NoticeFieldsUpdate = Pick<NoticeUpdate, 'state' | 'response' | 'responded_at' | 'responded_by'>;

/** Updates a notice still at `expectedVersion`; false when it moved on. */
export async function updateNotice(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: NoticeFieldsUpdate,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('notices')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
