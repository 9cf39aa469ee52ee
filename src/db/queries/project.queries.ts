/**
 * Projects (项目) — and the task as the delivery services (projects, notices, close-outs, comments) see it: its
 * state, its units, and a lock on it for the writes that must not interleave (close-out decisions, new milestones).
 */
import { dialectOf } from '../dialect.ts';
import type { Db } from '../database.ts';
import type { IsoDate, IsoInstant, NewProject, ProjectUpdate, TaskUnitRole } from '../schema.ts';

export interface DeliveryTaskRow {
  id: string;
  plan_id: string;
  version: number;
  number: string;
  title: string;
  closed_at: IsoInstant | null;
  removed_in_version: number | null;
}

/**
 * A task of the workspace. With `lock`, on PostgreSQL the row is locked for the rest of the transaction
 * (`for update`), so that two transactions deciding on the same task run one after the other; SQLite needs no lock
 * (one connection per process: its transactions are serialised already).
 */
export function findDeliveryTask(
  db: Db,
  workspaceId: string,
  taskId: string,
  options: { lock?: boolean } = {},
): Promise<DeliveryTaskRow | undefined> {
  const query = db
    .selectFrom('tasks')
    .select(['id', 'plan_id', 'version', 'number', 'title', 'closed_at', 'removed_in_version'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', taskId);
  return (options.lock === true && dialectOf(db) === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
}

export interface TaskUnitRefRow {
  unit_id: string;
  role: TaskUnitRole;
  position: number;
}

/** A task's units: lead first, each role in written order. */
export function findUnitsOfTask(db: Db, workspaceId: string, taskId: string): Promise<TaskUnitRefRow[]> {
  return db
    .selectFrom('task_units')
    .select(['unit_id', 'role', 'position'])
    .where('workspace_id', '=', workspaceId)
    .where('task_id', '=', taskId)
    .orderBy('role')
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export function findUnitRef(
  db: Db,
  workspaceId: string,
  unitId: string,
): Promise<{ id: string; name: string } | undefined> {
  return db
    .selectFrom('units')
    .select(['id', 'name'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', unitId)
    .executeTakeFirst();
}

export async function insertProject(db: Db, row: NewProject): Promise<void> {
  await db.insertInto('projects').values(row).execute();
}

/** A project with its task's plan and its owner unit's name. */
export interface ProjectWithRefsRow {
  id: string;
  version: number;
  task_id: string;
  plan_id: string;
  owner_unit_id: string | null;
  owner_unit_name: string | null;
  name: string;
  description: string;
  planned_start: IsoDate | null;
  planned_end: IsoDate | null;
  actual_start: IsoDate | null;
  actual_end: IsoDate | null;
  created_at: IsoInstant;
  updated_at: IsoInstant;
}

function selectProjects(db: Db, workspaceId: string) {
  return db
    .selectFrom('projects as p')
    .innerJoin('tasks as t', (join) =>
      join.onRef('t.workspace_id', '=', 'p.workspace_id').onRef('t.id', '=', 'p.task_id'),
    )
    .leftJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'p.workspace_id').onRef('u.id', '=', 'p.owner_unit_id'),
    )
    .select([
      'p.id',
      'p.version',
      'p.task_id',
      't.plan_id',
      'p.owner_unit_id',
      'u.name as owner_unit_name',
      'p.name',
      'p.description',
      'p.planned_start',
      'p.planned_end',
      'p.actual_start',
      'p.actual_end',
      'p.created_at',
      'p.updated_at',
    ])
    .where('p.workspace_id', '=', workspaceId);
}

export function findProject(db: Db, workspaceId: string, id: string): Promise<ProjectWithRefsRow | undefined> {
  return selectProjects(db, workspaceId).where('p.id', '=', id).executeTakeFirst();
}

export type ProjectScope = { taskId: string } | { planId: string } | { unitId: string };

/**
 * The projects of a task (in the order they were made), of a plan (by task in document order), or owned by a unit
 * (by plan, then task order).
 */
export function findProjects(db: Db, workspaceId: string, scope: ProjectScope): Promise<ProjectWithRefsRow[]> {
  const query = selectProjects(db, workspaceId);
  if ('taskId' in scope) return query.where('p.task_id', '=', scope.taskId).orderBy('p.id').execute();
  if ('planId' in scope) {
    return query.where('t.plan_id', '=', scope.planId).orderBy('t.position').orderBy('p.id').execute();
  }
  return query
    .where('p.owner_unit_id', '=', scope.unitId)
    .orderBy('t.plan_id')
    .orderBy('t.position')
    .orderBy('p.id')
    .execute();
}

export type ProjectFieldsUpdate = Pick<
  ProjectUpdate,
  'owner_unit_id' | 'name' | 'description' | 'planned_start' | 'planned_end' | 'actual_start' | 'actual_end'
>;

/** Updates a project still at `expectedVersion`; false when it moved on. */
export async function updateProject(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: ProjectFieldsUpdate,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('projects')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
