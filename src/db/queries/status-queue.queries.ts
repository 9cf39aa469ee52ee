/**
 * The queue of tasks whose cached status (`tasks.status`) must be derived again, and the jobs' bookkeeping.
 *
 * Marking is one upsert in the transaction of the change: a new row for the task, or `version + 1` on the row that
 * is there. The status worker reads rows with their version, derives, writes each status only while its row is
 * still at the version read (`updateQueuedTaskStatuses`) and deletes the rows at that version
 * (`deleteQueuedAtVersion`), so a task marked again while it was being derived stays queued. Rows are keyed by a
 * fresh id each time one is inserted, so (id, version) never repeats.
 */
import { sql } from 'kysely';
import type { Db } from '../database.ts';
import { newId } from '../ids.ts';
import type { IsoInstant, JobName } from '../schema.ts';
import { chunks } from './support.ts';

/**
 * Marks one task of the workspace stale. Its plan is read from the task in the same statement, so the callers (the
 * services that change a task's record) need only the task's id. Nothing happens for an id of another workspace.
 */
export async function markTaskStatusStale(db: Db, workspaceId: string, taskId: string, at: IsoInstant): Promise<void> {
  await db
    .insertInto('status_queue')
    .columns(['id', 'workspace_id', 'created_at', 'updated_at', 'task_id', 'plan_id'])
    .expression((eb) =>
      eb
        .selectFrom('tasks')
        .select([
          sql<string>`cast(${newId('statusQueue')} as text)`.as('id'),
          'workspace_id',
          sql<string>`cast(${at} as text)`.as('created_at'),
          sql<string>`cast(${at} as text)`.as('updated_at'),
          'id as task_id',
          'plan_id',
        ])
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', taskId),
    )
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'task_id']).doUpdateSet((eb) => ({
        version: eb('status_queue.version', '+', 1),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** Marks tasks of the workspace stale, given with their plans (a sweep, a re-import). */
export async function markTasksStatusStale(
  db: Db,
  workspaceId: string,
  tasks: readonly { id: string; plan_id: string }[],
  at: IsoInstant,
): Promise<void> {
  for (const slice of chunks(tasks)) {
    await db
      .insertInto('status_queue')
      .values(
        slice.map((task) => ({
          id: newId('statusQueue'),
          workspace_id: workspaceId,
          created_at: at,
          updated_at: at,
          task_id: task.id,
          plan_id: task.plan_id,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'task_id']).doUpdateSet((eb) => ({
          version: eb('status_queue.version', '+', 1),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** The workspace's tasks in force that are not closed out, for the periodic sweep. */
export function findOpenTasksOfWorkspace(db: Db, workspaceId: string): Promise<{ id: string; plan_id: string }[]> {
  return db
    .selectFrom('tasks')
    .select(['id', 'plan_id'])
    .where('workspace_id', '=', workspaceId)
    .where('removed_in_version', 'is', null)
    .where('closed_at', 'is', null)
    .execute();
}

/** Marks every task of the plan in force stale (a new plan, a new version of one). */
export async function markPlanStatusStale(db: Db, workspaceId: string, planId: string, at: IsoInstant): Promise<void> {
  const tasks = await db
    .selectFrom('tasks')
    .select(['id', 'plan_id'])
    .where('workspace_id', '=', workspaceId)
    .where('plan_id', '=', planId)
    .where('removed_in_version', 'is', null)
    .execute();
  await markTasksStatusStale(db, workspaceId, tasks, at);
}

export interface QueuedTaskRow {
  id: string;
  version: number;
  task_id: string;
  plan_id: string;
  created_at: IsoInstant;
}

/**
 * The workspaces with queued tasks: the worker's entry point, the one look-up across workspaces (the unique index
 * leads with workspace_id, so it is an index scan of a queue that is usually empty or short).
 */
export async function findWorkspacesWithQueuedTasks(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('status_queue').select('workspace_id').distinct().execute();
  return rows.map((row) => row.workspace_id);
}

/** Up to `limit` of the workspace's queued tasks, stale longest first. */
export function findQueuedTasks(db: Db, workspaceId: string, limit: number): Promise<QueuedTaskRow[]> {
  return db
    .selectFrom('status_queue')
    .select(['id', 'version', 'task_id', 'plan_id', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The queue rows of some tasks (those not queued have none). */
export async function findQueuedEntriesOfTasks(
  db: Db,
  workspaceId: string,
  taskIds: readonly string[],
): Promise<QueuedTaskRow[]> {
  const rows: QueuedTaskRow[] = [];
  for (const slice of chunks([...new Set(taskIds)])) {
    rows.push(
      ...(await db
        .selectFrom('status_queue')
        .select(['id', 'version', 'task_id', 'plan_id', 'created_at'])
        .where('workspace_id', '=', workspaceId)
        .where('task_id', 'in', slice)
        .execute()),
    );
  }
  return rows;
}

/**
 * Deletes the queue rows still at the version read and returns their tasks' ids: the tasks whose derived status
 * is up to date with their record. A row marked again since (its version moved on) stays, and so does its task's
 * claim to be derived again.
 */
export async function deleteQueuedAtVersion(
  db: Db,
  workspaceId: string,
  entries: readonly Pick<QueuedTaskRow, 'id' | 'version'>[],
): Promise<string[]> {
  const taskIds: string[] = [];
  for (const slice of chunks(entries, 200)) {
    const rows = await db
      .deleteFrom('status_queue')
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or(slice.map((entry) => eb.and([eb('id', '=', entry.id), eb('version', '=', entry.version)]))))
      .returning('task_id')
      .execute();
    taskIds.push(...rows.map((row) => row.task_id));
  }
  return taskIds;
}

// ---- When each scheduled job last ran for a workspace ----

/** The workspaces that hold a plan, with their time zones: the scheduled jobs' work list. */
export function findWorkspacesWithPlans(db: Db): Promise<{ id: string; time_zone: string }[]> {
  return db
    .selectFrom('workspaces as w')
    .select(['w.id', 'w.time_zone'])
    .where((eb) => eb.exists(eb.selectFrom('plans as p').select('p.id').whereRef('p.workspace_id', '=', 'w.id')))
    .orderBy('w.id')
    .execute();
}

export async function findJobLastRun(db: Db, workspaceId: string, job: JobName): Promise<IsoInstant | null> {
  const row = await db
    .selectFrom('workspace_jobs')
    .select('last_run_at')
    .where('workspace_id', '=', workspaceId)
    .where('job', '=', job)
    .executeTakeFirst();
  return row?.last_run_at ?? null;
}

export async function recordJobRun(db: Db, workspaceId: string, job: JobName, at: IsoInstant): Promise<void> {
  await db
    .insertInto('workspace_jobs')
    .values({
      id: newId('workspaceJob'),
      workspace_id: workspaceId,
      created_at: at,
      updated_at: at,
      job,
      last_run_at: at,
    })
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'job']).doUpdateSet((eb) => ({
        version: eb('workspace_jobs.version', '+', 1),
        updated_at: eb.ref('excluded.updated_at'),
        last_run_at: eb.ref('excluded.last_run_at'),
      })),
    )
    .execute();
}
