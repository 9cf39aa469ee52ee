/**
 * A task's derived status (未启动 · 正常推进 · 存在风险 · 严重滞后 · 已逾期 · 已销号) with the reasons for it: this
 * module gathers the record of a set of tasks of one plan from the database — their due dates, the milestones of
 * their projects, a report slot for every lead unit and reporting period, their targets as `targetProgressOf`
 * assesses them, their open notices and their close-outs — in a few queries for the whole set (`deriveStatuses`),
 * and hands each task's record to the domain's `deriveTaskStatus`, where the rules live.
 *
 * The cache. `tasks.status` / `status_at` hold each task's status for the list filters; it is derived, not edited:
 * writing it leaves the task's `version` (and `updated_at`) alone, so a refresh never makes a user's pending edit
 * stale. Every change that can alter a status queues its task (`status_queue`, in the change's transaction); the
 * status worker (`status-refresh.service.ts`) derives queued tasks and stores them with `storeStatuses`, which
 * writes a status only while its task's queue row is at the version read before the derivation — a task changed
 * again meanwhile stays queued and is derived again. `refreshPlanStatuses` (the office's button) goes through the
 * same queue, so it cannot overwrite a fresher status either.
 */
import type { Db } from '../db/database.ts';
import { findPlan } from '../db/queries/plan.queries.ts';
import { workspaceTimeZone } from '../db/queries/workspace.queries.ts';
import { findReadingsOfTargets } from '../db/queries/reading.queries.ts';
import {
  deleteQueuedAtVersion,
  findQueuedEntriesOfTasks,
  markPlanStatusStale,
  type QueuedTaskRow,
} from '../db/queries/status-queue.queries.ts';
import {
  findCurrentTasksOfPlan,
  findLatestCloseOutsOfTasks,
  findLiveNoticesOfTasks,
  findMilestonesOfTasks,
  findReportsOfTasks,
  findStatusTask,
  findTargetsOfTasks,
  findTrajectoryPointsOfTargets,
  findUnitsOfTasks,
  updateQueuedTaskStatuses,
  type TaskStatusTaskRow,
} from '../db/queries/task-status.queries.ts';
import { TASK_STATUSES, type CloseOutRow, type NoticeLevel as NoticeLevelCode, type TaskStatus } from '../db/schema.ts';
import { endOfLocalDay, startOfLocalDay } from '../domain/periods.ts';
import {
  deriveTaskStatus,
  type CloseOutInput,
  type NoticeInput,
  type ReportSlot,
  type StatusReason,
  type TargetInput,
  type TaskStatusInput,
  type TaskStatusResult,
} from '../domain/task-status.ts';
import type { NoticeLevel, NoticeState } from '../domain/workflow.ts';
import { canImportPlan, canViewPlan } from '../policies/plan.policy.ts';
import { canViewDelivery } from '../policies/project.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, notFound } from './errors.ts';
import { mapPlan, type Plan } from './plan-state.ts';
import { firstExpectedPeriod, reportingPeriods } from './report-periods.ts';
import { reportStateOf } from './report-state.ts';
import { COUNTED_REPORT_STATES, targetProgressOf, type TargetProgress } from './report-targets.service.ts';
import { inTransaction } from './transaction.ts';

export { TASK_STATUS_LABELS, type StatusReason, type TaskStatus } from '../domain/task-status.ts';

/** A value as it goes out as JSON: instants become ISO strings, in nested lists of facts too. */
type Jsonified<T> = T extends Date
  ? string
  : T extends readonly (infer E)[]
    ? Jsonified<E>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

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

const LEVELS_BY_CODE: Readonly<Record<NoticeLevelCode, NoticeLevel>> = {
  reminder: 'remind',
  urge: 'urge',
  supervise: 'supervise',
  listed: 'flagged',
};

const NOTICE_STATES_BY_CODE: Readonly<Record<'open' | 'answered', NoticeState>> = {
  open: 'open',
  answered: 'responded',
};

function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, jsonValue(inner)]));
  }
  return value;
}

function toJson(reason: StatusReason): TaskStatusReason {
  return jsonValue(reason) as TaskStatusReason;
}

export function toStatusView(taskId: string, result: TaskStatusResult, now: Date): TaskStatusView {
  return {
    taskId,
    status: result.status,
    label: result.label,
    reasons: result.reasons.map(toJson),
    otherReasons: result.otherReasons.map(toJson),
    asOf: now.toISOString(),
  };
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

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [row]);
    else group.push(row);
  }
  return groups;
}

/** A date-to-instant conversion remembered per date: a plan's milestones share few distinct dates. */
function memo(convert: (date: string, timeZone: string) => Date, timeZone: string): (date: string) => Date {
  const seen = new Map<string, Date>();
  return (date) => {
    let instant = seen.get(date);
    if (instant === undefined) {
      instant = convert(date, timeZone);
      seen.set(date, instant);
    }
    return instant;
  };
}

/**
 * The records of some tasks of one plan as `deriveTaskStatus` reads them, as of `now`: eight queries for the whole
 * set (per 500 tasks), whatever its size.
 */
async function statusInputs(
  db: Db,
  workspaceId: string,
  plan: Plan,
  tasks: readonly TaskStatusTaskRow[],
  timeZone: string,
  now: Date,
  /** Filled with each target's progress as assessed on the way, for a caller that shows it (the task page). */
  progressOut?: Map<string, TargetProgress>,
): Promise<Map<string, TaskStatusInput>> {
  const ws = workspaceId;
  const taskIds = tasks.map((task) => task.id);
  const [unitRows, reportRows, milestoneRows, noticeRows, closeOuts, targetRows] = await Promise.all([
    findUnitsOfTasks(db, ws, taskIds),
    findReportsOfTasks(db, ws, taskIds),
    findMilestonesOfTasks(db, ws, taskIds),
    findLiveNoticesOfTasks(db, ws, taskIds),
    findLatestCloseOutsOfTasks(db, ws, taskIds),
    findTargetsOfTasks(db, ws, taskIds),
  ]);
  const targetIds = targetRows.map((row) => row.id);
  const [readingRows, pointRows] = await Promise.all([
    findReadingsOfTargets(db, ws, targetIds, COUNTED_REPORT_STATES),
    findTrajectoryPointsOfTargets(db, ws, targetIds),
  ]);

  const unitsOf = groupBy(unitRows, (row) => row.task_id);
  const reportsOf = groupBy(reportRows, (row) => row.task_id);
  const milestonesOf = groupBy(milestoneRows, (row) => row.task_id);
  const noticesOf = groupBy(noticeRows, (row) => row.task_id);
  const targetsOf = groupBy(targetRows, (row) => row.task_id);
  const readingsOf = groupBy(readingRows, (row) => row.target_id);
  const pointsOf = groupBy(pointRows, (row) => row.target_id);
  // The periods and their due instants are the plan's, the same for every task.
  const periods = reportingPeriods(plan, now, timeZone).map((p) => ({ period: p.period, dueAt: new Date(p.dueAt) }));
  const reportingFrom = firstExpectedPeriod(plan, timeZone);
  const endOfDay = memo(endOfLocalDay, timeZone);
  const startOfDay = memo(startOfLocalDay, timeZone);

  const inputs = new Map<string, TaskStatusInput>();
  for (const task of tasks) {
    const leads = (unitsOf.get(task.id) ?? []).filter((unit) => unit.role === 'lead');
    const reportOf = new Map((reportsOf.get(task.id) ?? []).map((row) => [`${row.unit_id}\u0000${row.period}`, row]));
    const reports: ReportSlot[] = [];
    for (const { period, dueAt } of periods) {
      for (const unit of leads) {
        const row = reportOf.get(`${unit.unit_id}\u0000${period}`);
        reports.push({
          period,
          unitId: unit.unit_id,
          unitName: unit.unit_name,
          dueAt,
          state: row === undefined ? null : reportStateOf(row),
          submittedAt: row?.submitted_at == null ? null : new Date(row.submitted_at),
          confidence: row?.confidence ?? null,
        });
      }
    }

    const primaryUnitId = leads[0]?.unit_id ?? null;
    const targets: TargetInput[] = [];
    for (const row of targetsOf.get(task.id) ?? []) {
      const progress = targetProgressOf(
        {
          row,
          plan,
          readings: readingsOf.get(row.id) ?? [],
          primaryUnitId,
          points: pointsOf.get(row.id) ?? [],
          timeZone,
        },
        now,
      );
      progressOut?.set(row.id, progress);
      if (progress.assessment !== null) targets.push({ id: row.id, name: row.text, assessment: progress.assessment });
    }

    const notices: NoticeInput[] = (noticesOf.get(task.id) ?? []).map((row) => ({
      id: row.id,
      level: LEVELS_BY_CODE[row.level],
      state: NOTICE_STATES_BY_CODE[row.state],
      due: endOfDay(row.due_on),
    }));

    inputs.set(task.id, {
      now,
      timeZone,
      due: task.due_on === null ? null : endOfDay(task.due_on),
      milestones: (milestonesOf.get(task.id) ?? []).map((row) => ({
        id: row.id,
        name: row.name,
        due: endOfDay(row.due_on),
        doneAt: row.done_on === null ? null : startOfDay(row.done_on),
      })),
      reports,
      targets,
      notices,
      closeOut: closeOutInput(closeOuts.get(task.id)),
      reportingFrom,
    });
  }
  return inputs;
}

/**
 * Derives the status of some tasks of one plan as of `now`, reading their records together (see `statusInputs`).
 * It reads and decides only; who may see the result is the caller's business.
 */
export async function deriveStatuses(
  db: Db,
  workspaceId: string,
  plan: Plan,
  tasks: readonly TaskStatusTaskRow[],
  timeZone: string,
  now: Date,
  progressOut?: Map<string, TargetProgress>,
): Promise<Map<string, TaskStatusResult>> {
  const inputs = await statusInputs(db, workspaceId, plan, tasks, timeZone, now, progressOut);
  const results = new Map<string, TaskStatusResult>();
  for (const [taskId, input] of inputs) results.set(taskId, deriveTaskStatus(input));
  return results;
}

/**
 * Caches derived statuses, inside the caller's transaction: each task queued at the version read before its
 * derivation gets its status, and its queue row is deleted; a task whose row moved on (changed again meanwhile) or
 * is gone (another worker stored it first) is left alone, queued. The rows of tasks not derived (removed from
 * their plan) are cleared. Returns the ids of the tasks written.
 */
export async function storeStatuses(
  db: Db,
  workspaceId: string,
  entries: readonly QueuedTaskRow[],
  statuses: ReadonlyMap<string, TaskStatus>,
  asOf: string,
): Promise<string[]> {
  const derived = entries.flatMap((entry) => {
    const status = statuses.get(entry.task_id);
    return status === undefined ? [] : [{ ...entry, status }];
  });
  const written = await updateQueuedTaskStatuses(db, workspaceId, derived, asOf);
  const cleared = new Set(await deleteQueuedAtVersion(db, workspaceId, entries));
  return written.filter((taskId) => cleared.has(taskId));
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
  const timeZone = await workspaceTimeZone(ctx.db, actor.workspaceId);
  const result = (await deriveStatuses(ctx.db, actor.workspaceId, plan, [task], timeZone, now)).get(task.id);
  if (result === undefined) throw notFound('任务', taskId);
  return toStatusView(task.id, result, now);
}

/**
 * The office derives the status of every task of the plan in force (not those a re-import removed) as of `now` and
 * caches it (`tasks.status`, `status_at`) — without moving the tasks' versions — with one audit event
 * `plan.refresh-status` holding the counts per status. It queues the plan's tasks first and stores through the
 * queue (`storeStatuses`), so a task changed while this runs keeps its place in the queue and is derived again by
 * the worker; its count here is of the status derived.
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
  const ws = actor.workspaceId;
  await inTransaction(ctx.db, (trx) => markPlanStatusStale(trx, ws, plan.id, at.toISOString()));
  const timeZone = await workspaceTimeZone(ctx.db, ws);
  const tasks = await findCurrentTasksOfPlan(ctx.db, ws, plan.id);
  const entries = await findQueuedEntriesOfTasks(
    ctx.db,
    ws,
    tasks.map((task) => task.id),
  );
  const results = await deriveStatuses(ctx.db, ws, plan, tasks, timeZone, now);
  const statuses = new Map([...results].map(([taskId, result]) => [taskId, result.status] as const));
  const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as TaskStatusCounts;
  for (const status of statuses.values()) counts[status] += 1;
  const asOf = now.toISOString();
  return inTransaction(ctx.db, async (trx) => {
    await storeStatuses(trx, ws, entries, statuses, asOf);
    await recordAudit(trx, actor, at, {
      action: 'plan.refresh-status',
      subjectType: 'plan',
      subjectId: plan.id,
      detail: { asOf, total: tasks.length, counts },
    });
    return { planId: plan.id, counts, total: tasks.length, asOf };
  });
}
