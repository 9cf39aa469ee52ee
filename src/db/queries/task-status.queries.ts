/** What a task's derived status is computed from (its reports) and where it is cached (`tasks.status`). */
import type { Db } from '../database.ts';
import type { ConfidenceCode, IsoDate, IsoInstant, ReportState, TaskStatus } from '../schema.ts';
import { chunks } from './support.ts';

export interface TaskStatusTaskRow {
  id: string;
  plan_id: string;
  due_on: IsoDate | null;
}

/** A task of the workspace with its plan and due date. */
export function findStatusTask(db: Db, workspaceId: string, taskId: string): Promise<TaskStatusTaskRow | undefined> {
  return db
    .selectFrom('tasks')
    .select(['id', 'plan_id', 'due_on'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', taskId)
    .executeTakeFirst();
}

export interface TaskReportStatusRow {
  unit_id: string;
  period: string;
  state: ReportState;
  approved_at: IsoInstant | null;
  submitted_at: IsoInstant | null;
  confidence: ConfidenceCode | null;
}

/** Every report of a task (all units, all periods), with the fields its status looks at. */
export function findReportsOfTask(db: Db, workspaceId: string, taskId: string): Promise<TaskReportStatusRow[]> {
  return db
    .selectFrom('reports')
    .select(['unit_id', 'period', 'state', 'approved_at', 'submitted_at', 'confidence'])
    .where('workspace_id', '=', workspaceId)
    .where('task_id', '=', taskId)
    .orderBy('period')
    .orderBy('unit_id')
    .execute();
}

/** A plan's tasks in force, in document order. */
export function findCurrentTasksOfPlan(db: Db, workspaceId: string, planId: string): Promise<TaskStatusTaskRow[]> {
  return db
    .selectFrom('tasks')
    .select(['id', 'plan_id', 'due_on'])
    .where('workspace_id', '=', workspaceId)
    .where('plan_id', '=', planId)
    .where('removed_in_version', 'is', null)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

/**
 * Caches derived statuses on their tasks. The row's `version` and `updated_at` stay as they are: the status is
 * derived, not edited, and refreshing it must not make a user's pending edit of the task stale.
 */
export async function updateTaskStatuses(
  db: Db,
  workspaceId: string,
  statuses: ReadonlyMap<string, TaskStatus>,
  at: IsoInstant,
): Promise<void> {
  const byStatus = new Map<TaskStatus, string[]>();
  for (const [taskId, status] of statuses) byStatus.set(status, [...(byStatus.get(status) ?? []), taskId]);
  for (const [status, taskIds] of byStatus) {
    for (const slice of chunks(taskIds)) {
      await db
        .updateTable('tasks')
        .set({ status, status_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', slice)
        .execute();
    }
  }
}
