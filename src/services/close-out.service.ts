/**
 * Close-out (销号): the task's primary lead unit asks, with evidence (a text, an uploaded file, or both); the plan
 * office approves — the task is closed (`closed_at`) and its milestones frozen — or rejects it with a reason; the
 * office may reopen a closed task, with a reason, which unfreezes its milestones. The rules are the domain's
 * (`transitionCloseOut`).
 *
 * Each request is a row of `close_outs`; the newest row of a task is the one in force, so a task has at most one
 * open request at a time (a second is `invalid-transition` while the first awaits a decision). The decisions on a
 * task lock its row first (PostgreSQL), so that two requests, or a request and a decision, cannot interleave.
 */
import { newId } from '../db/ids.ts';
import {
  findCloseOut,
  findCloseOutsOfTask,
  findLatestCloseOut,
  insertCloseOut,
  setTaskClosedAt,
  updateCloseOut,
  type CloseOutWithNamesRow,
} from '../db/queries/close-out.queries.ts';
import { findFileMeta } from '../db/queries/file.queries.ts';
import { setMilestonesFrozen } from '../db/queries/milestone.queries.ts';
import type { Db } from '../db/database.ts';
import type { CloseOutRow } from '../db/schema.ts';
import { markTaskStatusStale } from '../db/queries/status-queue.queries.ts';
import { DomainError } from '../domain/errors.ts';
import {
  allowedCloseOutActions,
  newCloseOut,
  transitionCloseOut,
  type CloseOutAction,
  type CloseOutActionType,
  type CloseOutFlow,
  type CloseOutState as CloseOutFlowState,
} from '../domain/workflow.ts';
import { canDecideCloseOut, canRequestCloseOut } from '../policies/close-out.policy.ts';
import { canViewDelivery } from '../policies/project.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { conflict, forbidden, notFound, stale } from './errors.ts';
import { loadDeliveryTask, optionalText, type DeliveryTask } from './project.service.ts';
import { inTransaction } from './transaction.ts';

export type { CloseOutActionType } from '../domain/workflow.ts';

/** One request for close-out and what became of it. */
export interface CloseOut {
  id: string;
  /** Send it back with the decision. */
  version: number;
  taskId: string;
  /** requested → approved | rejected; an approved one becomes reopened when the office reopens the task. */
  state: CloseOutRow['state'];
  evidence: string;
  /** An uploaded file as evidence. */
  fileId: string | null;
  requestedBy: string | null;
  /** The display name of `requestedBy`; null when it names nobody. */
  requestedByName: string | null;
  requestedAt: string;
  /** When it was approved or rejected — or, once reopened, when the task was reopened. */
  decidedAt: string | null;
  decidedBy: string | null;
  /** The display name of `decidedBy`; null when it names nobody. */
  decidedByName: string | null;
  /** Why it was rejected or the task reopened. */
  reason: string | null;
  updatedAt: string;
}

/** A task's close-out as a whole: where it stands, what may happen next, and every request so far. */
export interface TaskCloseOut {
  taskId: string;
  /** The task's version: send it back to reopen the task. */
  taskVersion: number;
  closedAt: string | null;
  /** `none` before the first request. */
  state: CloseOutFlowState;
  allowedActions: CloseOutActionType[];
  /** The request in force (the newest), or null. */
  current: CloseOut | null;
  /** Every request, newest first. */
  history: CloseOut[];
}

export interface RequestCloseOutInput {
  /** What was done and where it shows; this or `fileId` (or both) is required. */
  evidence?: string;
  fileId?: string | null;
}

const TEXT_MAX = 10_000;

function toCloseOut(row: CloseOutWithNamesRow): CloseOut {
  return {
    id: row.id,
    version: row.version,
    taskId: row.task_id,
    state: row.state,
    evidence: row.evidence,
    fileId: row.file_id,
    requestedBy: row.requested_by,
    requestedByName: row.requested_by_name,
    requestedAt: row.created_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decidedByName: row.decided_by_name,
    reason: row.reason,
    updatedAt: row.updated_at,
  };
}

/** The domain's view of the request in force; a withdrawn request leaves the task as if none had been made. */
function flowOf(row: CloseOutRow | undefined): CloseOutFlow {
  if (row === undefined || row.state === 'withdrawn') return newCloseOut();
  return {
    state: row.state,
    evidence: [row.evidence, row.file_id ?? ''].filter((item) => item !== ''),
    reason: row.reason,
    requestedAt: new Date(row.created_at),
    decidedAt: row.decided_at === null ? null : new Date(row.decided_at),
  };
}

function transition(flow: CloseOutFlow, action: CloseOutAction): CloseOutFlow {
  const next = transitionCloseOut(flow, action);
  if (next instanceof DomainError) throw next;
  return next;
}

function requireDecider(actor: Actor): void {
  if (!canDecideCloseOut(actor)) {
    throw forbidden('只有方案办公室可以审批销号或恢复任务（only the plan office may decide on close-outs）');
  }
}

async function findCloseOutOrThrow(db: Db, actor: Actor, closeOutId: string): Promise<CloseOutWithNamesRow> {
  const row = await findCloseOut(db, actor.workspaceId, closeOutId);
  if (row === undefined) throw notFound('销号申请', closeOutId);
  return row;
}

/** Closes the task (its version was read under the lock) and freezes its milestones; returns how many froze. */
async function closeTask(db: Db, actor: Actor, task: DeliveryTask, now: string): Promise<number> {
  if (!(await setTaskClosedAt(db, actor.workspaceId, task.id, task.version, now, 'closed', now))) {
    throw stale('任务', task.id, task.version);
  }
  return setMilestonesFrozen(db, actor.workspaceId, task.id, 1, now);
}

/**
 * The primary lead unit asks for close-out of a task, with evidence text and/or an uploaded file of the workspace.
 * Refused while a request awaits a decision or the task is closed (`invalid-transition`), and without evidence
 * (`evidence-required`).
 */
export async function requestCloseOut(
  ctx: ServiceContext,
  actor: Actor,
  taskId: string,
  input: RequestCloseOutInput,
): Promise<CloseOut> {
  const evidence = optionalText(input.evidence, '佐证材料说明', 'evidence', TEXT_MAX);
  const fileId = input.fileId ?? null;
  const at = ctx.clock();
  const now = at.toISOString();
  const id = newId('closeOut');
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const task = await loadDeliveryTask(trx, actor, taskId, { lock: true });
    if (!canRequestCloseOut(actor, task)) {
      throw forbidden('只有任务的第一牵头单位可以申请销号（only the task’s primary lead unit may ask for close-out）');
    }
    if (task.isRemoved) {
      throw conflict('任务已从方案的现行版本中删除（the task was removed from the plan）', { reason: 'task-removed' });
    }
    if (fileId !== null && (await findFileMeta(trx, ws, fileId)) === undefined) throw notFound('文件', fileId);
    const latest = await findLatestCloseOut(trx, ws, task.id);
    transition(flowOf(latest), { type: 'request', at, evidence: [evidence, fileId ?? ''] });
    await insertCloseOut(trx, {
      id,
      workspace_id: ws,
      created_at: now,
      updated_at: now,
      task_id: task.id,
      state: 'requested',
      evidence,
      file_id: fileId,
      requested_by: actor.userId,
    });
    await markTaskStatusStale(trx, ws, task.id, now);
    await recordAudit(trx, actor, at, {
      action: 'close-out.request',
      subjectType: 'close_out',
      subjectId: id,
      detail: { taskId: task.id, fileId, evidenceLength: evidence.length },
    });
    return findCloseOutOrThrow(trx, actor, id);
  });
  return toCloseOut(row);
}

/**
 * The office approves a requested close-out at `expectedVersion`: the request becomes approved, the task closed
 * (`closed_at`, cached status `closed`) and every milestone of the task frozen.
 */
export async function approveCloseOut(
  ctx: ServiceContext,
  actor: Actor,
  closeOutId: string,
  expectedVersion: number,
): Promise<CloseOut> {
  const at = ctx.clock();
  const now = at.toISOString();
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const found = await findCloseOutOrThrow(trx, actor, closeOutId);
    const task = await loadDeliveryTask(trx, actor, found.task_id, { lock: true });
    requireDecider(actor);
    // Read again under the task's lock: a decision that committed meanwhile is seen.
    const current = await findCloseOutOrThrow(trx, actor, closeOutId);
    transition(flowOf(current), { type: 'approve', at });
    if (current.version !== expectedVersion) throw stale('销号申请', closeOutId, expectedVersion);
    const change = { state: 'approved', decided_at: now, decided_by: actor.userId } as const;
    if (!(await updateCloseOut(trx, ws, closeOutId, expectedVersion, change, now))) {
      throw stale('销号申请', closeOutId, expectedVersion);
    }
    const frozenMilestones = await closeTask(trx, actor, task, now);
    await markTaskStatusStale(trx, ws, task.id, now);
    await recordAudit(trx, actor, at, {
      action: 'close-out.approve',
      subjectType: 'close_out',
      subjectId: closeOutId,
      detail: { taskId: task.id, version: expectedVersion + 1, frozenMilestones },
    });
    return findCloseOutOrThrow(trx, actor, closeOutId);
  });
  return toCloseOut(row);
}

/** The office rejects a requested close-out at `expectedVersion`; the reason is required. */
export async function rejectCloseOut(
  ctx: ServiceContext,
  actor: Actor,
  closeOutId: string,
  expectedVersion: number,
  reason: string,
): Promise<CloseOut> {
  const at = ctx.clock();
  const now = at.toISOString();
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const found = await findCloseOutOrThrow(trx, actor, closeOutId);
    await loadDeliveryTask(trx, actor, found.task_id, { lock: true });
    requireDecider(actor);
    const current = await findCloseOutOrThrow(trx, actor, closeOutId);
    const next = transition(flowOf(current), { type: 'reject', at, reason });
    if (current.version !== expectedVersion) throw stale('销号申请', closeOutId, expectedVersion);
    const change = { state: 'rejected', reason: next.reason, decided_at: now, decided_by: actor.userId } as const;
    if (!(await updateCloseOut(trx, ws, closeOutId, expectedVersion, change, now))) {
      throw stale('销号申请', closeOutId, expectedVersion);
    }
    await markTaskStatusStale(trx, ws, current.task_id, now);
    await recordAudit(trx, actor, at, {
      action: 'close-out.reject',
      subjectType: 'close_out',
      subjectId: closeOutId,
      detail: { taskId: current.task_id, version: expectedVersion + 1, reason: next.reason },
    });
    return findCloseOutOrThrow(trx, actor, closeOutId);
  });
  return toCloseOut(row);
}

/**
 * The office reopens a closed task at the task's `expectedVersion` (see `getTaskCloseOut`), with a reason: the
 * approved close-out becomes reopened, `closed_at` is cleared (the cached status too, until it is derived again) and
 * the task's milestones are unfrozen. The unit may then ask for close-out again.
 */
export async function reopenTask(
  ctx: ServiceContext,
  actor: Actor,
  taskId: string,
  expectedVersion: number,
  reason: string,
): Promise<TaskCloseOut> {
  const at = ctx.clock();
  const now = at.toISOString();
  const ws = actor.workspaceId;
  await inTransaction(ctx.db, async (trx) => {
    const task = await loadDeliveryTask(trx, actor, taskId, { lock: true });
    requireDecider(actor);
    const latest = await findLatestCloseOut(trx, ws, task.id);
    const next = transition(flowOf(latest), { type: 'reopen', at, reason });
    // The domain reopens only an approved request, so there is one.
    const approved = latest as CloseOutRow;
    if (task.version !== expectedVersion) throw stale('任务', task.id, expectedVersion);
    const change = { state: 'reopened', reason: next.reason, decided_at: now, decided_by: actor.userId } as const;
    if (!(await updateCloseOut(trx, ws, approved.id, approved.version, change, now))) {
      throw stale('销号申请', approved.id, approved.version);
    }
    if (!(await setTaskClosedAt(trx, ws, task.id, expectedVersion, null, null, now))) {
      throw stale('任务', task.id, expectedVersion);
    }
    const unfrozenMilestones = await setMilestonesFrozen(trx, ws, task.id, 0, now);
    await markTaskStatusStale(trx, ws, task.id, now);
    await recordAudit(trx, actor, at, {
      action: 'task.reopen',
      subjectType: 'task',
      subjectId: task.id,
      detail: { closeOutId: approved.id, version: expectedVersion + 1, reason: next.reason, unfrozenMilestones },
    });
  });
  return getTaskCloseOut(ctx, actor, taskId);
}

/** Where a task's close-out stands, with every request so far. */
export async function getTaskCloseOut(ctx: ServiceContext, actor: Actor, taskId: string): Promise<TaskCloseOut> {
  const task = await loadDeliveryTask(ctx.db, actor, taskId);
  if (!canViewDelivery(actor)) throw forbidden('无权查看销号情况（not allowed to read close-outs）');
  const rows = await findCloseOutsOfTask(ctx.db, actor.workspaceId, task.id);
  const flow = flowOf(rows[0]);
  return {
    taskId: task.id,
    taskVersion: task.version,
    closedAt: task.closedAt,
    state: flow.state,
    allowedActions: allowedCloseOutActions(flow),
    current: rows[0] === undefined ? null : toCloseOut(rows[0]),
    history: rows.map(toCloseOut),
  };
}
