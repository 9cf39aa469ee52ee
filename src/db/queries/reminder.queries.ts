/**
 * What the reminder and escalation jobs read and record: the reports the lead units of open tasks owe, the
 * reminders already sent (`report_reminders`, one per task, unit and period), and the notices past their due day.
 */
import type { Db } from '../database.ts';
import type { IsoDate, NewReportReminder, NoticeLevel, PeriodKey, PlanRow, ReportState } from '../schema.ts';

/** The workspace's plans. */
export function findPlansOfWorkspace(db: Db, workspaceId: string): Promise<PlanRow[]> {
  return db.selectFrom('plans').selectAll().where('workspace_id', '=', workspaceId).orderBy('id').execute();
}

export interface LeadUnitRow {
  task_id: string;
  unit_id: string;
}

/** The lead units of the plan's open tasks (in force, not closed out): who owes the plan's reports. */
export function findLeadUnitsOfOpenTasks(db: Db, workspaceId: string, planId: string): Promise<LeadUnitRow[]> {
  return db
    .selectFrom('task_units as tu')
    .innerJoin('tasks as t', (join) =>
      join.onRef('t.workspace_id', '=', 'tu.workspace_id').onRef('t.id', '=', 'tu.task_id'),
    )
    .select(['tu.task_id', 'tu.unit_id'])
    .where('tu.workspace_id', '=', workspaceId)
    .where('t.plan_id', '=', planId)
    .where('t.removed_in_version', 'is', null)
    .where('t.closed_at', 'is', null)
    .where('tu.role', '=', 'lead')
    .orderBy('t.position')
    .orderBy('tu.position')
    .execute();
}

export interface ReportSlotRow {
  task_id: string;
  unit_id: string;
  period: PeriodKey;
}

/** The reports of the plan's tasks for these periods, with their states. */
export function findReportStatesOfPlan(
  db: Db,
  workspaceId: string,
  planId: string,
  periods: readonly PeriodKey[],
): Promise<(ReportSlotRow & { state: ReportState })[]> {
  if (periods.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('reports as r')
    .innerJoin('tasks as t', (join) =>
      join.onRef('t.workspace_id', '=', 'r.workspace_id').onRef('t.id', '=', 'r.task_id'),
    )
    .select(['r.task_id', 'r.unit_id', 'r.period', 'r.state'])
    .where('r.workspace_id', '=', workspaceId)
    .where('t.plan_id', '=', planId)
    .where('r.period', 'in', [...periods])
    .execute();
}

/** The reminders already sent about the plan's reports for these periods. */
export function findRemindersOfPlan(
  db: Db,
  workspaceId: string,
  planId: string,
  periods: readonly PeriodKey[],
): Promise<ReportSlotRow[]> {
  if (periods.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('report_reminders as rr')
    .innerJoin('tasks as t', (join) =>
      join.onRef('t.workspace_id', '=', 'rr.workspace_id').onRef('t.id', '=', 'rr.task_id'),
    )
    .select(['rr.task_id', 'rr.unit_id', 'rr.period'])
    .where('rr.workspace_id', '=', workspaceId)
    .where('t.plan_id', '=', planId)
    .where('rr.period', 'in', [...periods])
    .execute();
}

/** Records a reminder sent; a second one for the same task, unit and period violates the unique key. */
export async function insertReportReminder(db: Db, row: NewReportReminder): Promise<void> {
  await db.insertInto('report_reminders').values(row).execute();
}

export interface LiveNoticeRow {
  id: string;
  version: number;
}

/**
 * The reminder notices still live (open or answered) whose report has since been filed (submitted or accepted):
 * the report is the answer they asked for.
 */
export function findRemindersAnsweredByReports(db: Db, workspaceId: string): Promise<LiveNoticeRow[]> {
  return db
    .selectFrom('report_reminders as rr')
    .innerJoin('notices as n', (join) =>
      join.onRef('n.workspace_id', '=', 'rr.workspace_id').onRef('n.id', '=', 'rr.notice_id'),
    )
    .innerJoin('reports as r', (join) =>
      join
        .onRef('r.workspace_id', '=', 'rr.workspace_id')
        .onRef('r.task_id', '=', 'rr.task_id')
        .onRef('r.unit_id', '=', 'rr.unit_id')
        .onRef('r.period', '=', 'rr.period'),
    )
    .select(['n.id', 'n.version'])
    .where('rr.workspace_id', '=', workspaceId)
    .where('n.state', 'in', ['open', 'answered'])
    .where('r.state', 'in', ['submitted', 'accepted'])
    .orderBy('n.id')
    .execute();
}

export interface OverdueNoticeRow {
  id: string;
  version: number;
  task_id: string;
  level: NoticeLevel;
  due_on: IsoDate;
  body: string;
}

/**
 * Open notices (no response) at the given levels whose due day is before `today`, on tasks still open (in force,
 * not closed out); soonest due first.
 */
export function findOverdueOpenNotices(
  db: Db,
  workspaceId: string,
  today: IsoDate,
  levels: readonly NoticeLevel[],
): Promise<OverdueNoticeRow[]> {
  return db
    .selectFrom('notices as n')
    .innerJoin('tasks as t', (join) =>
      join.onRef('t.workspace_id', '=', 'n.workspace_id').onRef('t.id', '=', 'n.task_id'),
    )
    .select(['n.id', 'n.version', 'n.task_id', 'n.level', 'n.due_on', 'n.body'])
    .where('n.workspace_id', '=', workspaceId)
    .where('n.state', '=', 'open')
    .where('n.due_on', '<', today)
    .where('n.level', 'in', [...levels])
    .where('t.removed_in_version', 'is', null)
    .where('t.closed_at', 'is', null)
    .orderBy('n.due_on')
    .orderBy('n.id')
    .execute();
}
