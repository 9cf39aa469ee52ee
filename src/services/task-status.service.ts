/**
 * A task's derived status (未启动 · 正常推进 · 存在风险 · 严重滞后 · 已逾期 · 已销号) with the reasons for it: this
 * module gathers the task's record from the database — its due date, the milestones of its projects, a report slot
 * for every lead unit and reporting period, its targets as `targetProgress` assesses them, its open notices and its
 * close-out — and hands it to the domain's `deriveTaskStatus`, where the rules live.
 *
 * `refreshPlanStatuses` caches each current task's status in `tasks.status` / `status_at` for the list filters. The
 * cache is derived, not edited: writing it leaves the task's `version` (and `updated_at`) alone, so a refresh never
 * makes a user's pending edit of the task stale. One audit event records the refresh.
 */
import type { Db } from '../db/database.ts';
import { findLatestCloseOut } from '../db/queries/close-out.queries.ts';
import { findMilestones } from '../db/queries/milestone.queries.ts';
import { findNotices, type NoticeWithRefsRow } from '../db/queries/notice.queries.ts';
import { findPlan } from '../db/queries/plan.queries.ts';
import { findUnitsOfTask, findWorkspaceTimeZone } from '../db/queries/report.queries.ts';
import {
  findCurrentTasksOfPlan,
  findReportsOfTask,
  findStatusTask,
  updateTaskStatuses,
  type TaskStatusTaskRow,
} from '../db/queries/task-status.queries.ts';
import { findTargetsOfTask } from '../db/queries/trajectory.queries.ts';
import { TASK_STATUSES, type CloseOutRow, type TaskStatus } from '../db/schema.ts';
import { DEFAULT_TIME_ZONE, endOfLocalDay, reportDueAt, startOfLocalDay } from '../domain/periods.ts';
import {
  deriveTaskStatus,
  type CloseOutInput,
  type NoticeInput,
  type ReportSlot,
  type StatusReason,
  type TargetInput,
  type TaskStatusInput,
} from '../domain/task-status.ts';
import type { NoticeLevel, NoticeState } from '../domain/workflow.ts';
import { canImportPlan, canViewPlan } from '../policies/plan.policy.ts';
import { canViewDelivery } from '../policies/project.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, notFound } from './errors.ts';
import { mapPlan, type Plan } from './plan-state.ts';
import { reportingPeriods } from './report-periods.ts';
import { reportStateOf } from './report-state.ts';
import { targetProgress } from './report-targets.service.ts';
import { inTransaction } from './transaction.ts';

export { TASK_STATUS_LABELS, type StatusReason, type TaskStatus } from '../domain/task-status.ts';

/** A value as it goes out as JSON: instants become ISO strings. */
type Jsonified<T> = T extends unknown ? { [K in keyof T]: T[K] extends Date ? string : T[K] } : never;

/** A reason as the API gives it (its instants as ISO strings). */
export type TaskStatusReason = Jsonified<StatusReason>;

export interface TaskStatusView {
  taskId: string;
  status: TaskStatus;
  /** The Chinese label of `status`. */
  label: string;
  /** The reasons that made the state, most pressing first. */
  reasons: TaskStatusReason[];
  /** Reasons for lower-ranked states that also hold; none once closed. */
  otherReasons: TaskStatusReason[];
  /** The instant the status was derived at. */
  asOf: string;
}

export type TaskStatusCounts = Record<TaskStatus, number>;

export interface PlanStatusRefresh {
  planId: string;
  /** How many current tasks are in each state. */
  counts: TaskStatusCounts;
  /** The number of tasks refreshed. */
  total: number;
  asOf: string;
}

const REFUSE_READ = '无权查看任务的推进状态（not allowed to read task status）';
const REFUSE_REFRESH = '只有方案办公室（工作专班）可以刷新任务状态（only the plan office refreshes statuses）';

const LEVELS_BY_CODE: Readonly<Record<NoticeWithRefsRow['level'], NoticeLevel>> = {
  reminder: 'remind',
  urge: 'urge',
  supervise: 'supervise',
  listed: 'flagged',
};

const NOTICE_STATES_BY_CODE: Readonly<Record<'open' | 'answered', NoticeState>> = {
  open: 'open',
  answered: 'responded',
};

/** A whole plan's notices fit in one read; the cap only guards against a runaway task. */
const NOTICE_READ_LIMIT = 10_000;

function toJson(reason: StatusReason): TaskStatusReason {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(reason)) out[key] = value instanceof Date ? value.toISOString() : value;
  return out as TaskStatusReason;
}

async function readablePlan(db: Db, actor: Actor, planId: string): Promise<Plan> {
  const row = await findPlan(db, actor.workspaceId, planId);
  if (row === undefined) throw notFound('方案', planId);
  const plan = mapPlan(row);
  if (!canViewPlan(actor, plan)) throw notFound('方案', planId);
  return plan;
}

function closeOutInput(row: CloseOutRow | undefined): CloseOutInput | null {
  // A withdrawn request leaves the task as if none had been made.
  if (row === undefined || row.state === 'withdrawn') return null;
  return {
    state: row.state,
    requestedAt: new Date(row.created_at),
    decidedAt: row.decided_at === null ? null : new Date(row.decided_at),
  };
}

/** Gathers one task's record as `deriveTaskStatus` reads it. */
async function statusInput(
  ctx: ServiceContext,
  actor: Actor,
  plan: Plan,
  task: TaskStatusTaskRow,
  timeZone: string,
  now: Date,
): Promise<TaskStatusInput> {
  const db = ctx.db;
  const ws = actor.workspaceId;
  const taskId = task.id;
  const [units, reportRows, milestoneRows, noticeRows, closeOutRow, targetRows] = await Promise.all([
    findUnitsOfTask(db, ws, taskId),
    findReportsOfTask(db, ws, taskId),
    findMilestones(db, ws, { taskId }),
    findNotices(db, ws, { taskId, states: ['open', 'answered'] }, null, NOTICE_READ_LIMIT),
    findLatestCloseOut(db, ws, taskId),
    findTargetsOfTask(db, ws, taskId),
  ]);

  const reportOf = new Map(reportRows.map((row) => [`${row.unit_id}\u0000${row.period}`, row]));
  const reports: ReportSlot[] = [];
  for (const period of reportingPeriods(plan, now, timeZone)) {
    const dueAt = reportDueAt(period.period, plan.cycle, timeZone);
    for (const unit of units.filter((u) => u.role === 'lead')) {
      const row = reportOf.get(`${unit.unit_id}\u0000${period.period}`);
      reports.push({
        period: period.period,
        unitId: unit.unit_id,
        unitName: unit.unit_name,
        dueAt,
        state: row === undefined ? null : reportStateOf(row),
        submittedAt: row?.submitted_at == null ? null : new Date(row.submitted_at),
        confidence: row?.confidence ?? null,
      });
    }
  }

  const targets: TargetInput[] = [];
  for (const row of targetRows) {
    const progress = await targetProgress(ctx, actor, row.id, now);
    if (progress.assessment !== null) targets.push({ id: row.id, name: row.text, assessment: progress.assessment });
  }

  const notices: NoticeInput[] = noticeRows.map((row) => ({
    id: row.id,
    level: LEVELS_BY_CODE[row.level],
    state: NOTICE_STATES_BY_CODE[row.state as 'open' | 'answered'],
  }));

  return {
    now,
    timeZone,
    due: task.due_on === null ? null : endOfLocalDay(task.due_on, timeZone),
    milestones: milestoneRows.map((row) => ({
      id: row.id,
      name: row.name,
      due: endOfLocalDay(row.due_on, timeZone),
      doneAt: row.done_on === null ? null : startOfLocalDay(row.done_on, timeZone),
    })),
    reports,
    targets,
    notices,
    closeOut: closeOutInput(closeOutRow),
  };
}

async function deriveFor(
  ctx: ServiceContext,
  actor: Actor,
  plan: Plan,
  task: TaskStatusTaskRow,
  timeZone: string,
  now: Date,
): Promise<TaskStatusView> {
  const result = deriveTaskStatus(await statusInput(ctx, actor, plan, task, timeZone, now));
  return {
    taskId: task.id,
    status: result.status,
    label: result.label,
    reasons: result.reasons.map(toJson),
    otherReasons: result.otherReasons.map(toJson),
    asOf: now.toISOString(),
  };
}

/**
 * A task's status as of `now` (the clock by default), with the reasons for it. Whoever may read the task's plan and
 * its delivery record may read it; a task of another workspace, or of a plan the actor may not see, is `not-found`.
 */
export async function taskStatus(
  ctx: ServiceContext,
  actor: Actor,
  taskId: string,
  now: Date = ctx.clock(),
): Promise<TaskStatusView> {
  const task = await findStatusTask(ctx.db, actor.workspaceId, taskId);
  if (task === undefined) throw notFound('任务', taskId);
  const plan = await readablePlan(ctx.db, actor, task.plan_id);
  if (!canViewDelivery(actor)) throw new ServiceError('forbidden', REFUSE_READ);
  const timeZone = (await findWorkspaceTimeZone(ctx.db, actor.workspaceId)) ?? DEFAULT_TIME_ZONE;
  return deriveFor(ctx, actor, plan, task, timeZone, now);
}

/**
 * The office derives the status of every task of the plan in force (not those a re-import removed) as of `now`
 * and caches it on the task (`tasks.status`, `status_at`) — without moving the task's version — in one
 * transaction, with one audit event `plan.refresh-status` holding the counts per status.
 */
export async function refreshPlanStatuses(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  now: Date = ctx.clock(),
): Promise<PlanStatusRefresh> {
  const plan = await readablePlan(ctx.db, actor, planId);
  if (!canImportPlan(actor)) throw new ServiceError('forbidden', REFUSE_REFRESH);
  const at = ctx.clock();
  return inTransaction(ctx.db, async (trx) => {
    const inner: ServiceContext = { db: trx, clock: ctx.clock };
    const ws = actor.workspaceId;
    const timeZone = (await findWorkspaceTimeZone(trx, ws)) ?? DEFAULT_TIME_ZONE;
    const tasks = await findCurrentTasksOfPlan(trx, ws, plan.id);
    const statuses = new Map<string, TaskStatus>();
    for (const task of tasks) {
      const view = await deriveFor(inner, actor, plan, task, timeZone, now);
      statuses.set(task.id, view.status);
    }
    const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as TaskStatusCounts;
    for (const status of statuses.values()) counts[status] += 1;
    const asOf = now.toISOString();
    await updateTaskStatuses(trx, ws, statuses, asOf);
    await recordAudit(trx, actor, at, {
      action: 'plan.refresh-status',
      subjectType: 'plan',
      subjectId: plan.id,
      detail: { asOf, total: tasks.length, counts },
    });
    return { planId: plan.id, counts, total: tasks.length, asOf };
  });
}
