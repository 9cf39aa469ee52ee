/**
 * What a task's derived status is computed from and where it is cached (`tasks.status`). Each reader takes a set of
 * tasks (or their targets) and answers in one query per slice of 500 ids, so a whole plan's record is a few queries,
 * not a few per task.
 */
import type { Db } from '../database.ts';
import type {
  CloseOutRow,
  ConfidenceCode,
  IsoDate,
  IsoInstant,
  NoticeLevel,
  ReportState,
  TargetRow,
  TaskStatus,
  TaskUnitRole,
  TrajectoryPointRow,
} from '../schema.ts';
import { bySlices, chunks } from './support.ts';

export interface TaskStatusTaskRow {
  id: string;
  plan_id: string;
  due_on: IsoDate | null;
  /** The cached status, as last derived. */
  status: TaskStatus | null;
  removed_in_version: number | null;
}

const TASK_COLUMNS = ['id', 'plan_id', 'due_on', 'status', 'removed_in_version'] as const;

/** A task of the workspace with its plan and due date. */
export function findStatusTask(db: Db, workspaceId: string, taskId: string): Promise<TaskStatusTaskRow | undefined> {
  return db
    .selectFrom('tasks')
    .select(TASK_COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', taskId)
    .executeTakeFirst();
}

/** Some tasks of the workspace (those not found are left out), in no particular order. */
export async function findStatusTasks(
  db: Db,
  workspaceId: string,
  taskIds: readonly string[],
): Promise<TaskStatusTaskRow[]> {
  const rows: TaskStatusTaskRow[] = [];
  for (const slice of chunks([...new Set(taskIds)])) {
    rows.push(
      ...(await db
        .selectFrom('tasks')
        .select(TASK_COLUMNS)
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', slice)
        .execute()),
    );
  }
  return rows;
}

export interface TaskUnitStatusRow {
  task_id: string;
  unit_id: string;
  unit_name: string;
  role: TaskUnitRole;
  position: number;
}

/** The units of the tasks with their names: by task, leads before supports, in written order. */
export function findUnitsOfTasks(
  db: Db,
  workspaceId: string,
  taskIds: readonly string[],
): Promise<TaskUnitStatusRow[]> {
  return bySlices(taskIds, (slice) =>
    db
      .selectFrom('task_units as tu')
      .innerJoin('units as u', (join) =>
        join.onRef('u.workspace_id', '=', 'tu.workspace_id').onRef('u.id', '=', 'tu.unit_id'),
      )
      .select(['tu.task_id', 'tu.unit_id', 'u.name as unit_name', 'tu.role', 'tu.position'])
      .where('tu.workspace_id', '=', workspaceId)
      .where('tu.task_id', 'in', slice)
      .orderBy('tu.task_id')
      .orderBy('tu.role')
      .orderBy('tu.position')
      .execute(),
  );
}

/** Every report of the tasks (all units, all periods), with the fields their status looks at. */
export function findReportsOfTasks(
  db: Db,
  workspaceId: string,
  taskIds: readonly string[],
): Promise<(TaskReportStatusRow & { task_id: string })[]> {
  return bySlices(taskIds, (slice) =>
    db
      .selectFrom('reports')
      .select(['task_id', 'unit_id', 'period', 'state', 'approved_at', 'submitted_at', 'confidence'])
      .where('workspace_id', '=', workspaceId)
      .where('task_id', 'in', slice)
      .execute(),
  );
}

export interface MilestoneStatusRow {
  id: string;
  task_id: string;
  name: string;
  due_on: IsoDate;
  done_on: IsoDate | null;
}

/** The milestones of the tasks' projects. */
export function findMilestonesOfTasks(
  db: Db,
  workspaceId: string,
  taskIds: readonly string[],
): Promise<MilestoneStatusRow[]> {
  return bySlices(taskIds, (slice) =>
    db
      .selectFrom('milestones')
      .select(['id', 'task_id', 'name', 'due_on', 'done_on'])
      .where('workspace_id', '=', workspaceId)
      .where('task_id', 'in', slice)
      .where('removed_at', 'is', null)
      .orderBy('task_id')
      .orderBy('project_id')
      .orderBy('position')
      .orderBy('due_on')
      .orderBy('id')
      .execute(),
  );
}

export interface NoticeStatusRow {
  id: string;
  task_id: string;
  level: NoticeLevel;
  state: 'open' | 'answered';
  due_on: IsoDate;
}

/** The tasks' notices that are still live: open or answered, not closed or replaced by an escalation. */
export async function findLiveNoticesOfTasks(
  db: Db,
  workspaceId: string,
  taskIds: readonly string[],
): Promise<NoticeStatusRow[]> {
  const rows = await bySlices(taskIds, (slice) =>
    db
      .selectFrom('notices')
      .select(['id', 'task_id', 'level', 'state', 'due_on'])
      .where('workspace_id', '=', workspaceId)
      .where('task_id', 'in', slice)
      .where('state', 'in', ['open', 'answered'])
      .orderBy('task_id')
      .orderBy('due_on')
      .orderBy('id')
      .execute(),
  );
  return rows.map((row) => ({ ...row, state: row.state === 'open' ? 'open' : 'answered' }));
}

/** Each task's close-out in force (its newest request), for the tasks that have one. */
export async function findLatestCloseOutsOfTasks(
  db: Db,
  workspaceId: string,
  taskIds: readonly string[],
): Promise<Map<string, CloseOutRow>> {
  const rows = await bySlices(taskIds, (slice) =>
    db
      .selectFrom('close_outs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('task_id', 'in', slice)
      .orderBy('task_id')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute(),
  );
  const latest = new Map<string, CloseOutRow>();
  for (const row of rows) if (!latest.has(row.task_id)) latest.set(row.task_id, row);
  return latest;
}

/** The tasks' targets in force, by task in their order. */
export function findTargetsOfTasks(db: Db, workspaceId: string, taskIds: readonly string[]): Promise<TargetRow[]> {
  return bySlices(taskIds, (slice) =>
    db
      .selectFrom('targets')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('task_id', 'in', slice)
      .where('removed_in_version', 'is', null)
      .orderBy('task_id')
      .orderBy('position')
      .orderBy('id')
      .execute(),
  );
}

/** The office's planned values of the targets, by target and period. */
export function findTrajectoryPointsOfTargets(
  db: Db,
  workspaceId: string,
  targetIds: readonly string[],
): Promise<TrajectoryPointRow[]> {
  return bySlices(targetIds, (slice) =>
    db
      .selectFrom('trajectory_points')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('target_id', 'in', slice)
      .orderBy('target_id')
      .orderBy('period')
      .execute(),
  );
}

export interface TaskReportStatusRow {
  unit_id: string;
  period: string;
  state: ReportState;
  approved_at: IsoInstant | null;
  submitted_at: IsoInstant | null;
  confidence: ConfidenceCode | null;
}

/** A plan's tasks in force, in document order. */
export function findCurrentTasksOfPlan(db: Db, workspaceId: string, planId: string): Promise<TaskStatusTaskRow[]> {
  return db
    .selectFrom('tasks')
    .select(TASK_COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('plan_id', '=', planId)
    .where('removed_in_version', 'is', null)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

/** A task's queue row as read before its status was derived (see status-queue.queries.ts). */
export interface QueuedStatus {
  id: string;
  version: number;
  task_id: string;
  status: TaskStatus;
}

/**
 * Caches derived statuses on their tasks, each only while the task's queue row is still at the version read before
 * the derivation (a task changed since keeps its old status and its place in the queue); returns the tasks written.
 * The row's `version` and `updated_at` stay as they are: the status is derived, not edited, and refreshing it must
 * not make a user's pending edit of the task stale. The task rows are written before the queue rows are deleted,
 * the order in which the services that lock a task take their locks.
 */
export async function updateQueuedTaskStatuses(
  db: Db,
  workspaceId: string,
  entries: readonly QueuedStatus[],
  at: IsoInstant,
): Promise<string[]> {
  const byStatus = new Map<TaskStatus, QueuedStatus[]>();
  for (const entry of entries) byStatus.set(entry.status, [...(byStatus.get(entry.status) ?? []), entry]);
  const written: string[] = [];
  for (const [status, group] of byStatus) {
    for (const slice of chunks(group, 200)) {
      const rows = await db
        .updateTable('tasks')
        .set({ status, status_at: at })
        .where('workspace_id', '=', workspaceId)
        .where(
          'id',
          'in',
          slice.map((entry) => entry.task_id),
        )
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('status_queue as q')
              .select('q.id')
              .where('q.workspace_id', '=', workspaceId)
              .whereRef('q.task_id', '=', 'tasks.id')
              .where((qb) =>
                qb.or(slice.map((entry) => qb.and([qb('q.id', '=', entry.id), qb('q.version', '=', entry.version)]))),
              ),
          ),
        )
        .returning('id')
        .execute();
      written.push(...rows.map((row) => row.id));
    }
  }
  return written;
}
