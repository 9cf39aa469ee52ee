/** Tasks and their units. */
import { sql, type SqlBool } from 'kysely';
import type { Db } from '../database.ts';
import { dialectOf } from '../dialect.ts';
import type {
  IsoDate,
  NewTask,
  NewTaskUnit,
  NodeKind,
  TaskRow,
  TaskStatus,
  TaskUnitRole,
  TaskUpdate,
  UnitKind,
} from '../schema.ts';
import { containsText } from '../text-search.ts';
import { chunks } from './support.ts';

export async function insertTasks(db: Db, rows: readonly NewTask[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('tasks').values(slice).execute();
}

export interface FindTasksOptions {
  /** Also the tasks a re-import removed (`removed_in_version` set), after the ones in force. */
  includeRemoved: boolean;
}

/**
 * A plan's tasks in document order: those in force (from the (plan_id, removed_in_version, position) index), then
 * (when asked) the removed ones in their last order.
 */
export function findTasksOfPlan(
  db: Db,
  workspaceId: string,
  planId: string,
  options: FindTasksOptions,
): Promise<TaskRow[]> {
  const query = db
    .selectFrom('tasks')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('plan_id', '=', planId);
  return (
    options.includeRemoved
      ? query.orderBy((eb) => eb('removed_in_version', 'is not', null))
      : query.where('removed_in_version', 'is', null)
  )
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export type TaskFieldsUpdate = Pick<
  TaskUpdate,
  | 'node_id'
  | 'strand_node_id'
  | 'key'
  | 'number'
  | 'title'
  | 'position'
  | 'due_on'
  | 'search_text'
  | 'removed_in_version'
  | 'source_text'
>;

/** Updates a task still at `expectedVersion`; false when it moved on. */
export async function updateTask(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: TaskFieldsUpdate,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('tasks')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function insertTaskUnits(db: Db, rows: readonly NewTaskUnit[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('task_units').values(slice).execute();
}

export async function deleteTaskUnits(db: Db, workspaceId: string, taskIds: readonly string[]): Promise<void> {
  for (const slice of chunks(taskIds)) {
    await db.deleteFrom('task_units').where('workspace_id', '=', workspaceId).where('task_id', 'in', slice).execute();
  }
}

export interface TaskUnitWithUnitRow {
  task_id: string;
  unit_id: string;
  role: TaskUnitRole;
  position: number;
  unit_name: string;
  unit_kind: UnitKind;
}

/**
 * The units of a plan's tasks with the unit's name, by task, role (lead first) and written order; those of tasks a
 * re-import removed only when asked.
 */
export function findTaskUnitsOfPlan(
  db: Db,
  workspaceId: string,
  planId: string,
  options: FindTasksOptions,
): Promise<TaskUnitWithUnitRow[]> {
  const query = db
    .selectFrom('task_units as tu')
    .innerJoin('tasks as t', (join) =>
      join.onRef('t.workspace_id', '=', 'tu.workspace_id').onRef('t.id', '=', 'tu.task_id'),
    )
    .innerJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'tu.workspace_id').onRef('u.id', '=', 'tu.unit_id'),
    )
    .select(['tu.task_id', 'tu.unit_id', 'tu.role', 'tu.position', 'u.name as unit_name', 'u.kind as unit_kind'])
    .where('tu.workspace_id', '=', workspaceId)
    .where('t.plan_id', '=', planId);
  return (options.includeRemoved ? query : query.where('t.removed_in_version', 'is', null))
    .orderBy('tu.task_id')
    .orderBy('tu.role')
    .orderBy('tu.position')
    .execute();
}

/**
 * The tasks of a plan against which something has been recorded — reports, readings of their targets, projects,
 * notices, close-outs, comments or attachments — so a re-import knows which ones carry history.
 */
export async function findTaskIdsWithProgress(db: Db, workspaceId: string, planId: string): Promise<Set<string>> {
  const planTasks = db
    .selectFrom('tasks')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('plan_id', '=', planId);
  const rows = await db
    .selectFrom('reports')
    .select('task_id')
    .where('workspace_id', '=', workspaceId)
    .where('task_id', 'in', planTasks)
    .union(
      db
        .selectFrom('readings as r')
        .innerJoin('targets as g', (join) =>
          join.onRef('g.workspace_id', '=', 'r.workspace_id').onRef('g.id', '=', 'r.target_id'),
        )
        .select((eb) => eb.fn.coalesce('g.task_id', eb.val('')).as('task_id'))
        .where('r.workspace_id', '=', workspaceId)
        .where('g.plan_id', '=', planId),
    )
    .union(
      db
        .selectFrom('projects')
        .select('task_id')
        .where('workspace_id', '=', workspaceId)
        .where('task_id', 'in', planTasks),
    )
    .union(
      db
        .selectFrom('notices')
        .select('task_id')
        .where('workspace_id', '=', workspaceId)
        .where('task_id', 'in', planTasks),
    )
    .union(
      db
        .selectFrom('close_outs')
        .select('task_id')
        .where('workspace_id', '=', workspaceId)
        .where('task_id', 'in', planTasks),
    )
    .union(
      db
        .selectFrom('comments')
        .select('subject_id as task_id')
        .where('workspace_id', '=', workspaceId)
        .where('subject_type', '=', 'task')
        .where('subject_id', 'in', planTasks),
    )
    .union(
      db
        .selectFrom('attachments')
        .select('subject_id as task_id')
        .where('workspace_id', '=', workspaceId)
        .where('subject_type', '=', 'task')
        .where('subject_id', 'in', planTasks),
    )
    .execute();
  return new Set(rows.map((row) => row.task_id).filter((id) => id !== ''));
}

// ---- Task lists: filtered and paginated in SQL ----

/**
 * A task list's sort key: its plan, whether a re-import removed it (0 in force, 1 removed), its position, its id.
 * Plans come in the order they were made (ids are time-sortable), each plan's tasks in document order, those in
 * force before the removed ones.
 */
export type TaskPageKey = readonly [planId: string, removed: 0 | 1, position: number, id: string];

export interface TaskPageFilter {
  planId?: string;
  /** Only tasks of plans the office has published (what the public may see). */
  publishedOnly?: boolean;
  /** Tasks this unit leads or supports (`role` narrows it to one of the two). */
  unitId?: string;
  role?: TaskUnitRole;
  /** The cached derived status (`tasks.status`). */
  status?: TaskStatus;
  strandNodeId?: string;
  /** `due_on` strictly before / after this date; a task without a due date matches neither. */
  dueBefore?: IsoDate;
  dueAfter?: IsoDate;
  /** Substring of `search_text` (normalised; see src/db/text-search.ts). */
  search?: string;
  /** Also the tasks a re-import removed, after the ones in force of their plan. */
  includeRemoved: boolean;
  /** The sort key of the last row of the previous page. */
  after?: TaskPageKey;
  /** Rows to fetch (a page's limit + 1, to know whether another page follows). */
  limit: number;
}

export type TaskListRow = Omit<TaskRow, 'workspace_id' | 'created_at' | 'updated_at' | 'search_text' | 'status_at'> & {
  is_removed: 0 | 1;
};

/**
 * A page of the workspace's tasks matching the filters, in the order of `TaskPageKey`, after `filter.after`.
 * Every filter is a WHERE condition on `tasks` (the unit filter `id IN` the unit's task ids), so a page costs the same
 * however far into the list it starts. One plan's
 * list in force reads the (workspace_id, plan_id, removed_in_version, position) index in order.
 */
export function findTaskPage(db: Db, workspaceId: string, filter: TaskPageFilter): Promise<TaskListRow[]> {
  const isRemoved = sql<0 | 1>`case when ${sql.ref('t.removed_in_version')} is null then 0 else 1 end`;
  let query = db
    .selectFrom('tasks as t')
    .select([
      't.id',
      't.version',
      't.plan_id',
      't.node_id',
      't.strand_node_id',
      't.key',
      't.number',
      't.title',
      't.position',
      't.removed_in_version',
      't.due_on',
      't.closed_at',
      't.status',
      't.source_text',
    ])
    .select(isRemoved.as('is_removed'))
    .where('t.workspace_id', '=', workspaceId);
  if (filter.planId !== undefined) query = query.where('t.plan_id', '=', filter.planId);
  if (filter.publishedOnly === true) {
    query = query.where('t.plan_id', 'in', (eb) =>
      eb.selectFrom('plans').select('id').where('workspace_id', '=', workspaceId).where('published', '=', 1),
    );
  }
  if (!filter.includeRemoved) query = query.where('t.removed_in_version', 'is', null);
  const { unitId, role } = filter;
  if (unitId !== undefined) {
    // IN, not EXISTS: the unit's tasks (its (workspace_id, unit_id, role, task_id) index) can drive the query, which a
    // correlated EXISTS would keep SQLite from doing.
    query = query.where('t.id', 'in', (eb) => {
      const units = eb
        .selectFrom('task_units as tu')
        .select('tu.task_id')
        .where('tu.workspace_id', '=', workspaceId)
        .where('tu.unit_id', '=', unitId);
      return role === undefined ? units : units.where('tu.role', '=', role);
    });
  }
  if (filter.status !== undefined) query = query.where('t.status', '=', filter.status);
  if (filter.strandNodeId !== undefined) query = query.where('t.strand_node_id', '=', filter.strandNodeId);
  if (filter.dueBefore !== undefined) query = query.where('t.due_on', '<', filter.dueBefore);
  if (filter.dueAfter !== undefined) query = query.where('t.due_on', '>', filter.dueAfter);
  if (filter.search !== undefined) query = query.where(containsText(dialectOf(db), 't.search_text', filter.search));

  // Within one plan the plan column is constant, and without removed rows so is the removed flag: leaving them out
  // of the key lets the index's order serve ORDER BY.
  const byPlan = filter.planId === undefined;
  const keyColumns = [
    ...(byPlan ? [sql.ref('t.plan_id')] : []),
    ...(filter.includeRemoved ? [isRemoved] : []),
    sql.ref('t.position'),
    sql.ref('t.id'),
  ];
  const after = filter.after;
  if (after !== undefined) {
    const [planId, removed, position, id] = after;
    const keyValues = [
      ...(byPlan ? [sql.val(planId)] : []),
      ...(filter.includeRemoved ? [sql.val(removed)] : []),
      sql.val(position),
      sql.val(id),
    ];
    query = query.where(sql<SqlBool>`(${sql.join(keyColumns)}) > (${sql.join(keyValues)})`);
  }
  for (const column of keyColumns) query = query.orderBy(column);
  return query.limit(filter.limit).execute();
}

export interface TaskAncestorRow {
  /** The task's own node. */
  task_node_id: string;
  /** 1 for the node's parent, 2 for the grandparent … */
  depth: number;
  kind: NodeKind;
  number: string;
  title: string;
}

/** Plan trees are a handful of levels deep; the bound only stops a corrupt tree (a cycle) from running forever. */
const MAX_TREE_DEPTH = 32;

/**
 * The ancestors of the given task nodes (any kind), nearest first, in one recursive query: what a page of tasks
 * needs for its heading paths without reading the whole tree of every plan on the page.
 */
export async function findAncestorsOfNodes(
  db: Db,
  workspaceId: string,
  nodeIds: readonly string[],
): Promise<TaskAncestorRow[]> {
  if (nodeIds.length === 0) return [];
  const rows: TaskAncestorRow[] = [];
  for (const slice of chunks([...new Set(nodeIds)])) {
    const { rows: found } = await sql<TaskAncestorRow>`
      -- CROSS JOIN keeps SQLite (no statistics) walking from the few chain rows into nodes by key, rather than
      -- scanning the workspace's nodes; PostgreSQL plans it as the inner join it is.
      with recursive chain (task_node_id, node_id, depth) as (
        select n.id, n.parent_id, 1 from nodes n
        where n.workspace_id = ${workspaceId} and n.id in (${sql.join(slice)})
        union all
        select c.task_node_id, p.parent_id, c.depth + 1 from chain c
        join nodes p on p.workspace_id = ${workspaceId} and p.id = c.node_id
        where c.depth < ${MAX_TREE_DEPTH}
      )
      select c.task_node_id, c.depth, n.kind, n.number, n.title from chain c
      cross join nodes n
      where n.workspace_id = ${workspaceId} and n.id = c.node_id
      order by c.task_node_id, c.depth`.execute(db);
    rows.push(...found);
  }
  return rows;
}

/** The units of the given tasks with their names, by task, role (lead first) and written order. */
export async function findTaskUnitsOfTasks(
  db: Db,
  workspaceId: string,
  taskIds: readonly string[],
): Promise<TaskUnitWithUnitRow[]> {
  const rows: TaskUnitWithUnitRow[] = [];
  for (const slice of chunks([...new Set(taskIds)])) {
    rows.push(
      ...(await db
        .selectFrom('task_units as tu')
        .innerJoin('units as u', (join) =>
          join.onRef('u.workspace_id', '=', 'tu.workspace_id').onRef('u.id', '=', 'tu.unit_id'),
        )
        .select(['tu.task_id', 'tu.unit_id', 'tu.role', 'tu.position', 'u.name as unit_name', 'u.kind as unit_kind'])
        .where('tu.workspace_id', '=', workspaceId)
        .where('tu.task_id', 'in', slice)
        .orderBy('tu.task_id')
        .orderBy('tu.role')
        .orderBy('tu.position')
        .execute()),
    );
  }
  return rows;
}
