/**
 * The supervision jobs (催办/督办): report reminders and the automatic escalation of notices nobody answered. The
 * rules are the domain's (`domain/reminders.ts`). Each acts in one workspace as the jobs' actor (`jobActor`, user
 * `system:jobs`, role supervisor; `isJobActor`), so every notice they issue, escalate or close is audited under that
 * actor, in the transaction of the change, and queues its task's status like any other change of a notice.
 *
 * - `sendReportReminders`: for every lead unit of an open task whose report for a period is not filed, one reminder
 *   notice (提醒) — `daysBefore` days before the report is due, or on the day after it became overdue when none went
 *   out before. Idempotent: `report_reminders` holds one row per task, unit and period, written in the transaction
 *   that issues the notice, so two runs (or two processes) never send two.
 * - `escalateOverdueNotices`: an open notice whose due day has ended goes up one level (提醒 → 催办 → 督办) with a
 *   new due date, through `escalateNotice`, once: the escalated notice is replaced, and a second attempt finds it so.
 * - Both first close (办结) the reminders whose report has been filed since: the report is the answer they asked for,
 *   and an open reminder would keep the task at risk and be escalated.
 */
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import { insertNotice } from '../db/queries/notice.queries.ts';
import {
  findLeadUnitsOfOpenTasks,
  findOverdueOpenNotices,
  findPlansOfWorkspace,
  findReportStatesOfPlan,
  findRemindersAnsweredByReports,
  findRemindersOfPlan,
  insertReportReminder,
} from '../db/queries/reminder.queries.ts';
import { workspaceTimeZone } from '../db/queries/workspace.queries.ts';
import { markTaskStatusStale } from '../db/queries/status-queue.queries.ts';
import type { NoticeLevel as NoticeLevelCode, PeriodKey, ReminderKind, ReportState } from '../db/schema.ts';
import { isDomainError } from '../domain/errors.ts';
import { comparePeriods, endOfLocalDay, localDateOf } from '../domain/periods.ts';
import { automaticEscalation, lastDayToReport, reminderKindOn, reminderNotice } from '../domain/reminders.ts';
import { issueNotice as issueNoticeFlow, type NoticeLevel } from '../domain/workflow.ts';
import { isJobActor } from '../policies/job.policy.ts';
import { canSuperviseNotices } from '../policies/notice.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, isServiceError } from './errors.ts';
import { closeNotice, escalateNotice } from './notice.service.ts';
import { mapPlan } from './plan-state.ts';
import { loadDeliveryTask } from './project.service.ts';
import { firstExpectedPeriod, reportingPeriods } from './report-periods.ts';
import { inTransaction } from './transaction.ts';

export interface ReminderPolicy {
  /** Days before a report's last day that its reminder goes out (REMINDER_DAYS_BEFORE). */
  readonly daysBefore: number;
  /** Days a unit gets to answer a notice issued after a deadline or escalated (NOTICE_RESPONSE_DAYS). */
  readonly responseDays: number;
}

export interface SentReminder {
  noticeId: string;
  taskId: string;
  unitId: string;
  period: PeriodKey;
  kind: ReminderKind;
  dueOn: string;
}

export interface EscalatedNotice {
  /** The notice escalated, and the one that replaces it. */
  noticeId: string;
  newNoticeId: string;
  from: NoticeLevel;
  to: NoticeLevel;
  dueOn: string;
}

/** Something a job could not do; the rest went on. */
export interface JobFailure {
  workspaceId: string;
  subjectId: string;
  error: unknown;
}

export interface ReminderRun {
  sent: SentReminder[];
  /** Reminders closed because their report was filed. */
  closed: string[];
  failures: JobFailure[];
}

export interface EscalationRun {
  escalated: EscalatedNotice[];
  closed: string[];
  failures: JobFailure[];
}

const FILED: ReadonlySet<ReportState> = new Set(['submitted', 'accepted']);

const LEVELS_BY_CODE: Readonly<Record<NoticeLevelCode, NoticeLevel>> = {
  reminder: 'remind',
  urge: 'urge',
  supervise: 'supervise',
  listed: 'flagged',
};

/** The stored levels a job escalates from. */
const ESCALATED_BY_JOBS: readonly NoticeLevelCode[] = ['reminder', 'urge'];

/** A notice another actor changed first (answered, closed, escalated): not the job's to act on any more. */
function lostRace(error: unknown): boolean {
  if (isServiceError(error)) return error.code === 'stale' || error.code === 'conflict';
  return isDomainError(error) && (error.code === 'invalid-transition' || error.code === 'top-level-reached');
}

function requireSupervisor(actor: Actor): void {
  if (!canSuperviseNotices(actor)) {
    throw new ServiceError(
      'forbidden',
      '只有方案办公室和督查人员可以发出督办单（only the plan office and supervisors may）',
    );
  }
}

/** Closes the workspace's reminders whose report has been filed since; returns their ids. */
async function closeAnsweredReminders(ctx: ServiceContext, actor: Actor, failures: JobFailure[]): Promise<string[]> {
  const closed: string[] = [];
  for (const notice of await findRemindersAnsweredByReports(ctx.db, actor.workspaceId)) {
    try {
      await closeNotice(ctx, actor, notice.id, notice.version);
      closed.push(notice.id);
    } catch (error) {
      if (!lostRace(error)) failures.push({ workspaceId: actor.workspaceId, subjectId: notice.id, error });
    }
  }
  return closed;
}

interface ReminderSlot {
  taskId: string;
  unitId: string;
  period: PeriodKey;
  kind: ReminderKind;
  dueOn: string;
  body: string;
}

/** Issues one reminder notice and records it, in one transaction; null when it was sent already or is moot. */
async function issueReminder(
  ctx: ServiceContext,
  actor: Actor,
  slot: ReminderSlot,
  timeZone: string,
): Promise<SentReminder | null> {
  const at = ctx.clock();
  const now = at.toISOString();
  const ws = actor.workspaceId;
  const noticeId = newId('notice');
  try {
    return await inTransaction(ctx.db, async (trx) => {
      const task = await loadDeliveryTask(trx, actor, slot.taskId);
      requireSupervisor(actor);
      // Closed out or dropped since the slots were read, or the unit no longer leads it: nothing is owed.
      if (task.closedAt !== null || task.isRemoved || !task.leadUnitIds.includes(slot.unitId)) return null;
      const flow = issueNoticeFlow({ level: 'remind', at, due: endOfLocalDay(slot.dueOn, timeZone) });
      if (isDomainError(flow)) throw flow;
      await insertNotice(trx, {
        id: noticeId,
        workspace_id: ws,
        created_at: now,
        updated_at: now,
        task_id: task.id,
        unit_id: slot.unitId,
        level: 'reminder',
        due_on: slot.dueOn,
        body: slot.body,
        state: 'open',
        issued_by: actor.userId,
      });
      await insertReportReminder(trx, {
        id: newId('reportReminder'),
        workspace_id: ws,
        created_at: now,
        task_id: task.id,
        unit_id: slot.unitId,
        period: slot.period,
        kind: slot.kind,
        notice_id: noticeId,
      });
      await markTaskStatusStale(trx, ws, task.id, now);
      await recordAudit(trx, actor, at, {
        action: 'notice.issue',
        subjectType: 'notice',
        subjectId: noticeId,
        detail: {
          taskId: task.id,
          unitId: slot.unitId,
          level: 'remind',
          dueOn: slot.dueOn,
          reminder: { period: slot.period, kind: slot.kind },
        },
      });
      return {
        noticeId,
        taskId: task.id,
        unitId: slot.unitId,
        period: slot.period,
        kind: slot.kind,
        dueOn: slot.dueOn,
      };
    });
  } catch (error) {
    // Another run recorded this reminder first (report_reminders is unique per task, unit and period).
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}

/** The reminders a plan's lead units are owed today. */
async function reminderSlots(
  ctx: ServiceContext,
  workspaceId: string,
  plan: ReturnType<typeof mapPlan>,
  timeZone: string,
  policy: ReminderPolicy,
): Promise<ReminderSlot[]> {
  const now = ctx.clock();
  const today = localDateOf(now, timeZone);
  // No reminder for a period before the reporting start: its report is not expected.
  const expectedFrom = firstExpectedPeriod(plan, timeZone);
  const due = reportingPeriods(plan, now, timeZone).flatMap((p) => {
    if (comparePeriods(p.period, expectedFrom) < 0) return [];
    const lastDay = lastDayToReport(new Date(p.dueAt), timeZone);
    const kind = reminderKindOn(today, lastDay, policy.daysBefore);
    if (kind === null) return [];
    const notice = reminderNotice({ kind, period: p.period, lastDay, today, responseDays: policy.responseDays });
    return [{ period: p.period, kind, ...notice }];
  });
  if (due.length === 0) return [];
  const periods = due.map((p) => p.period);
  const [leads, reports, reminded] = await Promise.all([
    findLeadUnitsOfOpenTasks(ctx.db, workspaceId, plan.id),
    findReportStatesOfPlan(ctx.db, workspaceId, plan.id, periods),
    findRemindersOfPlan(ctx.db, workspaceId, plan.id, periods),
  ]);
  const key = (taskId: string, unitId: string, period: string) => `${taskId}\u0000${unitId}\u0000${period}`;
  const filed = new Set(reports.filter((r) => FILED.has(r.state)).map((r) => key(r.task_id, r.unit_id, r.period)));
  const sent = new Set(reminded.map((r) => key(r.task_id, r.unit_id, r.period)));
  const slots: ReminderSlot[] = [];
  for (const p of due) {
    for (const lead of leads) {
      const k = key(lead.task_id, lead.unit_id, p.period);
      if (filed.has(k) || sent.has(k)) continue;
      slots.push({ taskId: lead.task_id, unitId: lead.unit_id, ...p });
    }
  }
  return slots;
}

function requireJobActor(actor: Actor): void {
  if (!isJobActor(actor)) throw new ServiceError('forbidden', '只有后台任务可以执行（only the background jobs may）');
}

/**
 * The report reminder job in the actor's workspace (the jobs' actor only), as of the clock: closes the reminders
 * answered by a filed report, then sends each lead unit the reminders it is owed today (see the module comment).
 * A plan that fails is reported in `failures`; the others go on.
 */
export async function sendReportReminders(
  ctx: ServiceContext,
  actor: Actor,
  policy: ReminderPolicy,
): Promise<ReminderRun> {
  requireJobActor(actor);
  const ws = actor.workspaceId;
  const run: ReminderRun = { sent: [], closed: [], failures: [] };
  const timeZone = await workspaceTimeZone(ctx.db, ws);
  run.closed.push(...(await closeAnsweredReminders(ctx, actor, run.failures)));
  for (const row of await findPlansOfWorkspace(ctx.db, ws)) {
    try {
      for (const slot of await reminderSlots(ctx, ws, mapPlan(row), timeZone, policy)) {
        const sent = await issueReminder(ctx, actor, slot, timeZone);
        if (sent !== null) run.sent.push(sent);
      }
    } catch (error) {
      run.failures.push({ workspaceId: ws, subjectId: row.id, error });
    }
  }
  return run;
}

/**
 * The escalation job in the actor's workspace (the jobs' actor only), as of the clock: closes the reminders answered
 * by a filed report, then escalates each open notice past its due day one level (提醒 → 催办 → 督办), due
 * `responseDays` from today. A notice someone answered, closed or escalated meanwhile is left alone.
 */
export async function escalateOverdueNotices(
  ctx: ServiceContext,
  actor: Actor,
  policy: Pick<ReminderPolicy, 'responseDays'>,
): Promise<EscalationRun> {
  requireJobActor(actor);
  const ws = actor.workspaceId;
  const run: EscalationRun = { escalated: [], closed: [], failures: [] };
  run.closed.push(...(await closeAnsweredReminders(ctx, actor, run.failures)));
  const today = localDateOf(ctx.clock(), await workspaceTimeZone(ctx.db, ws));
  for (const row of await findOverdueOpenNotices(ctx.db, ws, today, ESCALATED_BY_JOBS)) {
    const from = LEVELS_BY_CODE[row.level];
    const next = automaticEscalation(
      { level: from, open: true, dueOn: row.due_on, body: row.body },
      today,
      policy.responseDays,
    );
    if (next === null) continue;
    try {
      const replaced = await escalateNotice(ctx, actor, row.id, row.version, { dueOn: next.dueOn, body: next.body });
      run.escalated.push({ noticeId: row.id, newNoticeId: replaced.id, from, to: next.to, dueOn: next.dueOn });
    } catch (error) {
      if (!lostRace(error)) run.failures.push({ workspaceId: ws, subjectId: row.id, error });
    }
  }
  return run;
}
