/**
 * Supervision notices (督办单): the plan office or a supervisor (督查) issues a notice to a lead or support unit of a
 * task, at one of four levels — 提醒 → 催办 → 督办 → 挂牌督办 — with a due date; the unit responds; the office
 * escalates it one level (with a new due date) or closes it. The rules are the domain's (`transitionNotice`).
 *
 * Names: the API speaks the domain's words (levels `remind`, `urge`, `supervise`, `flagged`; states `open`,
 * `responded`, `closed`); the database stores its CHECKed codes (`reminder`, `urge`, `supervise`, `listed`; `open`,
 * `answered`, `closed`). Escalation keeps the record of each level: the notice escalated is kept, in state
 * `escalated` (a database state the domain does not need: such a notice accepts no action), and a new notice one
 * level up points back at it (`escalatedFromId`).
 *
 * A due date is a day in the workspace's time zone; the unit has until the end of that day.
 */
import { newId } from '../db/ids.ts';
import {
  findNotice,
  findNotices,
  insertNotice,
  updateNotice,
  type NoticeFilters,
  type NoticeWithRefsRow,
} from '../db/queries/notice.queries.ts';
import { findPlan } from '../db/queries/plan.queries.ts';
import { findUnitRef } from '../db/queries/project.queries.ts';
import type { Db } from '../db/database.ts';
import type { IsoDate, NoticeLevel as NoticeLevelCode, NoticeState as NoticeStateCode } from '../db/schema.ts';
import { markTaskStatusStale } from '../db/queries/status-queue.queries.ts';
import { DomainError } from '../domain/errors.ts';
import { endOfLocalDay } from '../domain/periods.ts';
import {
  NOTICE_LEVELS,
  allowedNoticeActions,
  issueNotice as issueNoticeFlow,
  transitionNotice,
  type NoticeAction,
  type NoticeActionType,
  type NoticeFlow,
  type NoticeLevel,
} from '../domain/workflow.ts';
import { canRespondToNotice, canSuperviseNotices, canViewNotice, noticeListScope } from '../policies/notice.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { conflict, forbidden, invalidInput, notFound, stale } from './errors.ts';
import { workspaceTimeZone } from '../db/queries/workspace.queries.ts';
import { isoDate, loadDeliveryTask, requiredText, type DeliveryTask, type UnitRef } from './project.service.ts';
import { inTransaction } from './transaction.ts';

export { NOTICE_LEVELS, NOTICE_LEVEL_LABELS, type NoticeActionType, type NoticeLevel } from '../domain/workflow.ts';

/** The domain's states, and `escalated` for a notice a higher-level one replaced. */
export const NOTICE_STATUSES = ['open', 'responded', 'closed', 'escalated'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export const NOTICE_STATUS_LABELS: Readonly<Record<NoticeStatus, string>> = {
  open: '待回复',
  responded: '已回复',
  closed: '已办结',
  escalated: '已升级',
};

/** 督办单. */
export interface Notice {
  id: string;
  /** Send it back with each action. */
  version: number;
  taskId: string;
  planId: string;
  taskNumber: string;
  taskTitle: string;
  /** The unit it is addressed to. */
  unit: UnitRef;
  level: NoticeLevel;
  state: NoticeStatus;
  /** The unit's response is due by the end of this day (workspace time). */
  dueOn: IsoDate;
  body: string;
  response: string | null;
  respondedAt: string | null;
  respondedBy: string | null;
  /** The display name of `respondedBy`; null when it names nobody. */
  respondedByName: string | null;
  /** The lower-level notice this one escalated. */
  escalatedFromId: string | null;
  issuedBy: string | null;
  /** The display name of `issuedBy`; null when it names nobody (a job). */
  issuedByName: string | null;
  issuedAt: string;
  updatedAt: string;
  /** What the notice's state allows now (who may do it is another matter). */
  allowedActions: NoticeActionType[];
}

export interface IssueNoticeInput {
  taskId: string;
  /** A lead or support unit of the task. */
  unitId: string;
  level: NoticeLevel;
  dueOn: IsoDate;
  body: string;
}

export interface EscalateNoticeInput {
  /** The new due date. */
  dueOn: IsoDate;
  /** What the higher-level notice says; the escalated notice's text when left out. */
  body?: string;
}

/** The sort key of the last notice of a page: `[dueOn, id]`. */
export type NoticeCursor = readonly [dueOn: IsoDate, id: string];

export interface NoticeQuery {
  planId?: string;
  taskId?: string;
  unitId?: string;
  state?: NoticeStatus | readonly NoticeStatus[];
  level?: NoticeLevel | readonly NoticeLevel[];
  /** Due strictly before this day. */
  dueBefore?: IsoDate;
  /** Continue after this key (the previous page's `next`). */
  after?: NoticeCursor | null;
  /** 1–200, default 50. */
  limit?: number;
}

/** Soonest due first; `next` is the key to pass as `after` for the next page, null on the last page. */
export interface NoticePage {
  items: Notice[];
  next: NoticeCursor | null;
}

export const NOTICE_PAGE_LIMIT = Object.freeze({ min: 1, max: 200, default: 50 });

const BODY_MAX = 10_000;

const LEVEL_CODES: Readonly<Record<NoticeLevel, NoticeLevelCode>> = {
  remind: 'reminder',
  urge: 'urge',
  supervise: 'supervise',
  flagged: 'listed',
};

/** The API's level for a stored one (`reminder` → `remind`, `listed` → `flagged`). */
export const LEVELS_BY_CODE: Readonly<Record<NoticeLevelCode, NoticeLevel>> = {
  reminder: 'remind',
  urge: 'urge',
  supervise: 'supervise',
  listed: 'flagged',
};

const STATE_CODES: Readonly<Record<NoticeStatus, NoticeStateCode>> = {
  open: 'open',
  responded: 'answered',
  closed: 'closed',
  escalated: 'escalated',
};

/** The API's state for a stored one (`answered` → `responded`). */
export const STATES_BY_CODE: Readonly<Record<NoticeStateCode, NoticeStatus>> = {
  open: 'open',
  answered: 'responded',
  closed: 'closed',
  escalated: 'escalated',
};

function flowOf(row: NoticeWithRefsRow, timeZone: string): NoticeFlow | null {
  const state = STATES_BY_CODE[row.state];
  if (state === 'escalated') return null;
  return {
    level: LEVELS_BY_CODE[row.level],
    state,
    due: endOfLocalDay(row.due_on, timeZone),
    response: row.response,
    respondedAt: row.responded_at === null ? null : new Date(row.responded_at),
    closedAt: null,
  };
}

function toNotice(row: NoticeWithRefsRow): Notice {
  const state = STATES_BY_CODE[row.state];
  // The due instant plays no part in which actions are allowed; UTC spares a time-zone look-up per row.
  const flow = flowOf(row, 'UTC');
  return {
    id: row.id,
    version: row.version,
    taskId: row.task_id,
    planId: row.plan_id,
    taskNumber: row.task_number,
    taskTitle: row.task_title,
    unit: { id: row.unit_id, name: row.unit_name },
    level: LEVELS_BY_CODE[row.level],
    state,
    dueOn: row.due_on,
    body: row.body,
    response: row.response,
    respondedAt: row.responded_at,
    respondedBy: row.responded_by,
    respondedByName: row.responded_by_name,
    escalatedFromId: row.escalated_from_id,
    issuedBy: row.issued_by,
    issuedByName: row.issued_by_name,
    issuedAt: row.created_at,
    updatedAt: row.updated_at,
    allowedActions: flow === null ? [] : allowedNoticeActions(flow),
  };
}

function checkLevel(value: unknown): NoticeLevel {
  if (typeof value === 'string' && (NOTICE_LEVELS as readonly string[]).includes(value)) return value as NoticeLevel;
  throw invalidInput(`督办级别应为 ${NOTICE_LEVELS.join('、')} 之一（level）`, 'level');
}

function checkStatus(value: unknown): NoticeStatus {
  if (typeof value === 'string' && (NOTICE_STATUSES as readonly string[]).includes(value)) {
    return value as NoticeStatus;
  }
  throw invalidInput(`督办单状态应为 ${NOTICE_STATUSES.join('、')} 之一（state）`, 'state');
}

function requireSupervisor(actor: Actor): void {
  if (!canSuperviseNotices(actor)) {
    throw forbidden('只有方案办公室和督查人员可以发出、升级和办结督办单（only the plan office and supervisors may）');
  }
}

function throwIfDomainError<T>(result: T | DomainError): T {
  if (result instanceof DomainError) throw result;
  return result;
}

/** A closed-out task is not supervised any more. */
function assertSupervisable(task: DeliveryTask): void {
  if (task.closedAt !== null) {
    throw conflict('任务已销号，不能再督办（the task is closed out）', { reason: 'task-closed', taskId: task.id });
  }
  if (task.isRemoved) {
    throw conflict('任务已从方案的现行版本中删除，不能再督办（the task was removed from the plan）', {
      reason: 'task-removed',
      taskId: task.id,
    });
  }
}

async function findNoticeOrThrow(db: Db, actor: Actor, noticeId: string): Promise<NoticeWithRefsRow> {
  const row = await findNotice(db, actor.workspaceId, noticeId);
  if (row === undefined) throw notFound('督办单', noticeId);
  return row;
}

/** The notice's flow, refusing any action on one a higher-level notice replaced. */
function activeFlow(row: NoticeWithRefsRow, timeZone: string, action: NoticeActionType): NoticeFlow {
  const flow = flowOf(row, timeZone);
  if (flow === null) {
    throw new DomainError(
      'invalid-transition',
      '督办单已升级，请在升级后的督办单上办理（the notice was escalated: act on the new one）',
      {
        state: 'escalated',
        level: LEVELS_BY_CODE[row.level],
        action,
      },
    );
  }
  return flow;
}

/**
 * Issues a notice (office or supervisor) to a lead or support unit of the task, at any level (a serious lapse may
 * start at 督办), due at the end of `dueOn`, which must not have passed.
 */
export async function issueNotice(ctx: ServiceContext, actor: Actor, input: IssueNoticeInput): Promise<Notice> {
  const level = checkLevel(input.level);
  const dueOn = isoDate(input.dueOn, '办理期限', 'dueOn');
  const body = requiredText(input.body, '督办内容', 'body', BODY_MAX);
  const at = ctx.clock();
  const now = at.toISOString();
  const id = newId('notice');
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const task = await loadDeliveryTask(trx, actor, input.taskId);
    requireSupervisor(actor);
    assertSupervisable(task);
    if (!task.leadUnitIds.includes(input.unitId) && !task.supportUnitIds.includes(input.unitId)) {
      throw invalidInput('督办对象应为该任务的牵头单位或协同单位（the unit is not one of the task’s units）', 'unitId');
    }
    throwIfDomainError(issueNoticeFlow({ level, at, due: endOfLocalDay(dueOn, await workspaceTimeZone(trx, ws)) }));
    await insertNotice(trx, {
      id,
      workspace_id: ws,
      created_at: now,
      updated_at: now,
      task_id: task.id,
      unit_id: input.unitId,
      level: LEVEL_CODES[level],
      due_on: dueOn,
      body,
      state: 'open',
      issued_by: actor.userId,
    });
    await markTaskStatusStale(trx, ws, task.id, now);
    await recordAudit(trx, actor, at, {
      action: 'notice.issue',
      subjectType: 'notice',
      subjectId: id,
      detail: { taskId: task.id, unitId: input.unitId, level, dueOn },
    });
    return findNoticeOrThrow(trx, actor, id);
  });
  return toNotice(row);
}

/** The addressed unit's reporter or approver answers an open notice at `expectedVersion`; the text is required. */
export async function respondToNotice(
  ctx: ServiceContext,
  actor: Actor,
  noticeId: string,
  expectedVersion: number,
  response: string,
): Promise<Notice> {
  const at = ctx.clock();
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const current = await findNoticeOrThrow(trx, actor, noticeId);
    if (!canRespondToNotice(actor, { unitId: current.unit_id })) {
      throw forbidden('只有被督办单位可以回复督办单（only the unit the notice is addressed to may respond）');
    }
    const flow = activeFlow(current, await workspaceTimeZone(trx, ws), 'respond');
    const next = throwIfDomainError(transitionNotice(flow, { type: 'respond', at, response }));
    if (current.version !== expectedVersion) throw stale('督办单', noticeId, expectedVersion);
    const updated = await updateNotice(
      trx,
      ws,
      noticeId,
      expectedVersion,
      { state: 'answered', response: next.response, responded_at: at.toISOString(), responded_by: actor.userId },
      at.toISOString(),
    );
    if (!updated) throw stale('督办单', noticeId, expectedVersion);
    await markTaskStatusStale(trx, ws, current.task_id, at.toISOString());
    await recordAudit(trx, actor, at, {
      action: 'notice.respond',
      subjectType: 'notice',
      subjectId: noticeId,
      detail: { taskId: current.task_id, unitId: current.unit_id, version: expectedVersion + 1 },
    });
    return findNoticeOrThrow(trx, actor, noticeId);
  });
  return toNotice(row);
}

/**
 * Escalates an open or answered notice at `expectedVersion` one level (提醒 → 催办 → 督办 → 挂牌督办) with a new due
 * date: the notice becomes `escalated` and a new open notice one level up replaces it, which is returned. Past
 * 挂牌督办 the domain refuses (`top-level-reached`). Office or supervisor.
 */
export async function escalateNotice(
  ctx: ServiceContext,
  actor: Actor,
  noticeId: string,
  expectedVersion: number,
  input: EscalateNoticeInput,
): Promise<Notice> {
  const dueOn = isoDate(input.dueOn, '办理期限', 'dueOn');
  const body = input.body === undefined ? null : requiredText(input.body, '督办内容', 'body', BODY_MAX);
  const at = ctx.clock();
  const now = at.toISOString();
  const id = newId('notice');
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const current = await findNoticeOrThrow(trx, actor, noticeId);
    requireSupervisor(actor);
    const timeZone = await workspaceTimeZone(trx, ws);
    const action: NoticeAction = { type: 'escalate', at, due: endOfLocalDay(dueOn, timeZone) };
    const next = throwIfDomainError(transitionNotice(activeFlow(current, timeZone, 'escalate'), action));
    assertSupervisable(await loadDeliveryTask(trx, actor, current.task_id));
    if (current.version !== expectedVersion) throw stale('督办单', noticeId, expectedVersion);
    const updated = await updateNotice(trx, ws, noticeId, expectedVersion, { state: 'escalated' }, now);
    if (!updated) throw stale('督办单', noticeId, expectedVersion);
    await insertNotice(trx, {
      id,
      workspace_id: ws,
      created_at: now,
      updated_at: now,
      task_id: current.task_id,
      unit_id: current.unit_id,
      level: LEVEL_CODES[next.level],
      due_on: dueOn,
      body: body ?? current.body,
      state: 'open',
      escalated_from_id: noticeId,
      issued_by: actor.userId,
    });
    await markTaskStatusStale(trx, ws, current.task_id, now);
    await recordAudit(trx, actor, at, {
      action: 'notice.escalate',
      subjectType: 'notice',
      subjectId: noticeId,
      detail: {
        taskId: current.task_id,
        unitId: current.unit_id,
        from: LEVELS_BY_CODE[current.level],
        to: next.level,
        newNoticeId: id,
        dueOn,
      },
    });
    return findNoticeOrThrow(trx, actor, id);
  });
  return toNotice(row);
}

/** Closes (办结) an open or answered notice at `expectedVersion`: office or supervisor. */
export async function closeNotice(
  ctx: ServiceContext,
  actor: Actor,
  noticeId: string,
  expectedVersion: number,
): Promise<Notice> {
  const at = ctx.clock();
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const current = await findNoticeOrThrow(trx, actor, noticeId);
    requireSupervisor(actor);
    const flow = activeFlow(current, await workspaceTimeZone(trx, ws), 'close');
    throwIfDomainError(transitionNotice(flow, { type: 'close', at }));
    if (current.version !== expectedVersion) throw stale('督办单', noticeId, expectedVersion);
    const updated = await updateNotice(trx, ws, noticeId, expectedVersion, { state: 'closed' }, at.toISOString());
    if (!updated) throw stale('督办单', noticeId, expectedVersion);
    await markTaskStatusStale(trx, ws, current.task_id, at.toISOString());
    await recordAudit(trx, actor, at, {
      action: 'notice.close',
      subjectType: 'notice',
      subjectId: noticeId,
      detail: { taskId: current.task_id, unitId: current.unit_id, level: LEVELS_BY_CODE[current.level] },
    });
    return findNoticeOrThrow(trx, actor, noticeId);
  });
  return toNotice(row);
}

export async function getNotice(ctx: ServiceContext, actor: Actor, noticeId: string): Promise<Notice> {
  const row = await findNoticeOrThrow(ctx.db, actor, noticeId);
  if (!canViewNotice(actor, { unitId: row.unit_id })) {
    throw forbidden('无权查看发给其他单位的督办单（not allowed to read another unit’s notices）');
  }
  return toNotice(row);
}

function asList<T>(value: T | readonly T[] | undefined, check: (item: unknown) => T): T[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? (value as readonly unknown[]) : [value]).map(check);
}

function checkCursor(after: unknown): NoticeCursor | null {
  if (after === undefined || after === null) return null;
  if (Array.isArray(after) && after.length === 2 && after.every((part) => typeof part === 'string')) {
    return [after[0] as string, after[1] as string];
  }
  throw invalidInput('分页游标无效，请从第一页重新开始（invalid cursor）', 'after');
}

/**
 * Notices matching the filters (plan, task, unit, state, level, due before a day), soonest due first, a page at a
 * time. The office, supervisors and leaders see every unit's; a unit sees its own only (asking for another unit's
 * is `forbidden`).
 */
export async function listNotices(ctx: ServiceContext, actor: Actor, query: NoticeQuery = {}): Promise<NoticePage> {
  const ws = actor.workspaceId;
  const limit = query.limit ?? NOTICE_PAGE_LIMIT.default;
  if (!Number.isInteger(limit) || limit < NOTICE_PAGE_LIMIT.min || limit > NOTICE_PAGE_LIMIT.max) {
    throw invalidInput(`每页条数应为 ${NOTICE_PAGE_LIMIT.min}–${NOTICE_PAGE_LIMIT.max}（limit）`, 'limit');
  }
  const after = checkCursor(query.after);
  const filters: NoticeFilters = {};
  const states = asList(query.state, checkStatus);
  if (states !== undefined) filters.states = states.map((state) => STATE_CODES[state]);
  const levels = asList(query.level, checkLevel);
  if (levels !== undefined) filters.levels = levels.map((level) => LEVEL_CODES[level]);
  if (query.dueBefore !== undefined) filters.dueBefore = isoDate(query.dueBefore, '截止日期', 'dueBefore');
  if (query.planId !== undefined) {
    if ((await findPlan(ctx.db, ws, query.planId)) === undefined) throw notFound('方案', query.planId);
    filters.planId = query.planId;
  }
  if (query.taskId !== undefined) filters.taskId = (await loadDeliveryTask(ctx.db, actor, query.taskId)).id;
  if (query.unitId !== undefined) {
    if ((await findUnitRef(ctx.db, ws, query.unitId)) === undefined) throw notFound('单位', query.unitId);
    filters.unitId = query.unitId;
  }
  const scope = noticeListScope(actor);
  if (scope === false) throw forbidden('无权查看督办单（not allowed to read notices）');
  if (scope.restrictToUnit !== null) {
    if (filters.unitId !== undefined && filters.unitId !== scope.restrictToUnit) {
      throw forbidden('无权查看发给其他单位的督办单（not allowed to read another unit’s notices）');
    }
    filters.unitId = scope.restrictToUnit;
  }
  const rows = await findNotices(ctx.db, ws, filters, after, limit + 1);
  const items = rows.slice(0, limit).map(toNotice);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? [last.dueOn, last.id] : null };
}
