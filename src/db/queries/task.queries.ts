/** Tasks and their units. */
import type { Db } from '../database.ts';
import type { NewTask, NewTaskUnit, TaskRow, TaskUnitRole, TaskUpdate, UnitKind } from '../schema.ts';
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
