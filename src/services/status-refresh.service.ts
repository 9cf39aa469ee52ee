/**
 * Keeping the cached task status (`tasks.status`) fresh without deriving it inline: every change that can alter a
 * task's status queues the task in its own transaction (`markTaskStatusStale`: reports, readings, baselines and
 * planned values, milestones, notices, close-outs; `markPlanStatusStale` on plan confirmation), which costs a write
 * of one small row. Two jobs (`src/jobs/`) do the rest:
 *
 * - `refreshQueuedStatuses` — the status worker, every few seconds, in each workspace with queued tasks: takes the
 *   oldest batch, derives each plan's share with its record read in a few queries (`deriveStatuses`), and stores
 *   the statuses through the queue (`storeStatuses`): a task changed again while it was derived keeps its row and is
 *   derived again on the next run. Two workers racing derive the same tasks at worst; only the one that finds a row
 *   still at the version it read writes the status. Each plan's batch whose statuses changed is audited once, by
 *   the jobs' actor (`system:jobs`), with each change (`plan.status-change`).
 * - `sweepStatuses` — time alone changes a status (a milestone or report becomes overdue at local midnight): a
 *   workspace's open tasks are queued again once its local date has changed since its last sweep, and at least every
 *   hour (`isSweepDue`).
 *
 * Both act in one workspace, as the jobs' actor (`isJobActor`); `src/jobs/` runs them for each workspace.
 *
 * Removed tasks (a re-import dropped them) are not derived: their queue rows are cleared. Closed ones are (their
 * status is `closed`).
 */
import { findPlan } from '../db/queries/plan.queries.ts';
import { workspaceTimeZone } from '../db/queries/workspace.queries.ts';
import {
  findJobLastRun,
  findOpenTasksOfWorkspace,
  findQueuedTasks,
  findWorkspacesWithQueuedTasks,
  markTasksStatusStale,
  recordJobRun,
  type QueuedTaskRow,
} from '../db/queries/status-queue.queries.ts';
import { findStatusTasks } from '../db/queries/task-status.queries.ts';
import type { TaskStatus } from '../db/schema.ts';
import { isSweepDue } from '../domain/reminders.ts';
import { recordAudit } from './audit.ts';
import { isJobActor } from '../policies/job.policy.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';
import { mapPlan } from './plan-state.ts';
import { deriveStatuses, storeStatuses } from './task-status.service.ts';
import { inTransaction } from './transaction.ts';

/** How many queued tasks of a workspace one run takes (a plan's are derived together). */
export const STATUS_BATCH_SIZE = 500;

/** The longest a workspace goes without a sweep (a local midnight sweeps it sooner). */
export const STATUS_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface StatusChange {
  taskId: string;
  from: TaskStatus | null;
  to: TaskStatus;
}

/** A plan whose batch could not be derived; its tasks stay queued for the next run. */
export interface StatusRefreshFailure {
  workspaceId: string;
  planId: string;
  error: unknown;
}

export interface StatusRefreshRun {
  /** Queued tasks taken. */
  taken: number;
  /** Statuses written (the rest were changed again meanwhile, removed, or stored by another worker). */
  written: number;
  changes: StatusChange[];
  failures: StatusRefreshFailure[];
}

function groupByPlan(entries: readonly QueuedTaskRow[]): Map<string, QueuedTaskRow[]> {
  const groups = new Map<string, QueuedTaskRow[]>();
  for (const entry of entries) groups.set(entry.plan_id, [...(groups.get(entry.plan_id) ?? []), entry]);
  return groups;
}

/** Derives and stores one plan's queued tasks; returns what was written and what changed. */
async function refreshPlanBatch(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  entries: readonly QueuedTaskRow[],
  timeZone: string,
): Promise<{ written: number; changes: StatusChange[] }> {
  const now = ctx.clock();
  const workspaceId = actor.workspaceId;
  const planRow = await findPlan(ctx.db, workspaceId, planId);
  const tasks = await findStatusTasks(
    ctx.db,
    workspaceId,
    entries.map((entry) => entry.task_id),
  );
  const current = tasks.filter((task) => task.removed_in_version === null);
  const results =
    planRow === undefined
      ? new Map()
      : await deriveStatuses(ctx.db, workspaceId, mapPlan(planRow), current, timeZone, now);
  const statuses = new Map<string, TaskStatus>([...results].map(([taskId, result]) => [taskId, result.status]));
  const before = new Map(tasks.map((task) => [task.id, task.status]));
  const asOf = now.toISOString();
  return inTransaction(ctx.db, async (trx) => {
    const written = await storeStatuses(trx, workspaceId, entries, statuses, asOf);
    const changes: StatusChange[] = [];
    for (const taskId of written) {
      const to = statuses.get(taskId);
      const from = before.get(taskId) ?? null;
      if (to !== undefined && to !== from) changes.push({ taskId, from, to });
    }
    if (changes.length > 0) {
      await recordAudit(trx, actor, ctx.clock(), {
        action: 'plan.status-change',
        subjectType: 'plan',
        subjectId: planId,
        detail: { asOf, changes },
      });
    }
    return { written: written.length, changes };
  });
}

const REFUSE = '只有后台任务可以执行（only the background jobs may）';

function requireJobActor(actor: Actor): void {
  if (!isJobActor(actor)) throw new ServiceError('forbidden', REFUSE);
}

/** The workspaces with tasks waiting in the status queue: the status worker's work list. */
export async function listWorkspacesWithQueuedStatuses(ctx: ServiceContext): Promise<string[]> {
  return findWorkspacesWithQueuedTasks(ctx.db);
}

/**
 * The status worker, in the actor's workspace (the jobs' actor only): derives up to `batchSize` queued tasks, stale
 * longest first, as of the clock, a plan's together, and caches their statuses. A plan that fails is reported in
 * `failures` and its tasks stay queued; the other plans go on.
 */
export async function refreshQueuedStatuses(
  ctx: ServiceContext,
  actor: Actor,
  options: { batchSize?: number } = {},
): Promise<StatusRefreshRun> {
  requireJobActor(actor);
  const ws = actor.workspaceId;
  const run: StatusRefreshRun = { taken: 0, written: 0, changes: [], failures: [] };
  const entries = await findQueuedTasks(ctx.db, ws, options.batchSize ?? STATUS_BATCH_SIZE);
  if (entries.length === 0) return run;
  run.taken = entries.length;
  const timeZone = await workspaceTimeZone(ctx.db, ws);
  for (const [planId, planEntries] of groupByPlan(entries)) {
    try {
      const result = await refreshPlanBatch(ctx, actor, planId, planEntries, timeZone);
      run.written += result.written;
      run.changes.push(...result.changes);
    } catch (error) {
      run.failures.push({ workspaceId: ws, planId, error });
    }
  }
  return run;
}

/**
 * The status sweep, in the actor's workspace (the jobs' actor only): when it is due at the clock — the workspace's
 * local date changed since its last sweep, or `intervalMs` went by — queues its open tasks (in force, not closed
 * out) and records the sweep. Returns how many tasks it queued, or null when it was not due.
 */
export async function sweepStatuses(
  ctx: ServiceContext,
  actor: Actor,
  options: { intervalMs?: number } = {},
): Promise<number | null> {
  requireJobActor(actor);
  const ws = actor.workspaceId;
  const now = ctx.clock();
  const at = now.toISOString();
  const last = await findJobLastRun(ctx.db, ws, 'status-sweep');
  const timeZone = await workspaceTimeZone(ctx.db, ws);
  const interval = options.intervalMs ?? STATUS_SWEEP_INTERVAL_MS;
  if (!isSweepDue(last === null ? null : new Date(last), now, timeZone, interval)) return null;
  return inTransaction(ctx.db, async (trx) => {
    const tasks = await findOpenTasksOfWorkspace(trx, ws);
    await markTasksStatusStale(trx, ws, tasks, at);
    await recordJobRun(trx, ws, 'status-sweep', at);
    return tasks.length;
  });
}
