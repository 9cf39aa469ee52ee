/** Progress reports (进展报告), their contributions, and the task facts a report service needs. */
import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type {
  NewReport,
  NewReportContribution,
  PlanRow,
  ReportContributionRow,
  ReportRow,
  ReportState,
  ReportUpdate,
  TaskUnitRole,
} from '../schema.ts';
import { bySlices, chunks } from './support.ts';

export interface ReportTaskRow {
  id: string;
  plan_id: string;
  number: string;
  title: string;
  removed_in_version: number | null;
  closed_at: string | null;
}

export interface TaskUnitNameRow {
  unit_id: string;
  unit_name: string;
  role: TaskUnitRole;
  position: number;
}

/** A task with its plan, its workspace's time zone and its units: what a report service checks a report against. */
export interface ReportTaskFacts {
  task: ReportTaskRow;
  plan: PlanRow;
  /** The workspace's IANA time zone. */
  timeZone: string;
  /** Leads first, each role in written order (lead 0 is the primary lead). */
  units: TaskUnitNameRow[];
}

/**
 * The task facts' statement: a row per unit of the task (none: one row with null unit fields), each carrying the
 * task's, its plan's and its workspace's fields under prefixed names, so a report's own columns can sit beside them.
 */
function taskFactsQuery(db: Db, workspaceId: string) {
  return db
    .selectFrom('tasks as t')
    .innerJoin('plans as p', (join) =>
      join.onRef('p.workspace_id', '=', 't.workspace_id').onRef('p.id', '=', 't.plan_id'),
    )
    .innerJoin('workspaces as w', 'w.id', 't.workspace_id')
    .leftJoin('task_units as tu', (join) =>
      join.onRef('tu.workspace_id', '=', 't.workspace_id').onRef('tu.task_id', '=', 't.id'),
    )
    .leftJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'tu.workspace_id').onRef('u.id', '=', 'tu.unit_id'),
    )
    .select([
      't.id as task_row_id',
      't.number as task_number',
      't.title as task_title',
      't.removed_in_version as task_removed_in_version',
      't.closed_at as task_closed_at',
      'p.id as plan_id',
      'p.workspace_id as plan_workspace_id',
      'p.version as plan_version',
      'p.created_at as plan_created_at',
      'p.updated_at as plan_updated_at',
      'p.title as plan_title',
      'p.doc_number as plan_doc_number',
      'p.issuer as plan_issuer',
      'p.issued_on as plan_issued_on',
      'p.start_year as plan_start_year',
      'p.end_year as plan_end_year',
      'p.vision_year as plan_vision_year',
      'p.cycle_frequency as plan_cycle_frequency',
      'p.cycle_due_days as plan_cycle_due_days',
      'p.requires_unit_approval as plan_requires_unit_approval',
      'p.published as plan_published',
      'p.allow_self_approval as plan_allow_self_approval',
      'p.current_version as plan_current_version',
      'p.created_by as plan_created_by',
      'p.reporting_starts_on as plan_reporting_starts_on',
      'w.time_zone as workspace_time_zone',
      'tu.unit_id as task_unit_id',
      'u.name as task_unit_name',
      'tu.role as task_unit_role',
      'tu.position as task_unit_position',
    ])
    .where('t.workspace_id', '=', workspaceId)
    .orderBy('tu.role')
    .orderBy('tu.position');
}

type TaskFactsRow = Awaited<ReturnType<ReturnType<typeof taskFactsQuery>['execute']>>[number];

/** The facts from the statement's rows (one per unit); undefined for none. */
function factsOf(rows: readonly TaskFactsRow[]): ReportTaskFacts | undefined {
  const row = rows[0];
  if (row === undefined) return undefined;
  const plan: PlanRow = {
    id: row.plan_id,
    workspace_id: row.plan_workspace_id,
    version: row.plan_version,
    created_at: row.plan_created_at,
    updated_at: row.plan_updated_at,
    title: row.plan_title,
    doc_number: row.plan_doc_number,
    issuer: row.plan_issuer,
    issued_on: row.plan_issued_on,
    start_year: row.plan_start_year,
    end_year: row.plan_end_year,
    vision_year: row.plan_vision_year,
    cycle_frequency: row.plan_cycle_frequency,
    cycle_due_days: row.plan_cycle_due_days,
    requires_unit_approval: row.plan_requires_unit_approval,
    published: row.plan_published,
    allow_self_approval: row.plan_allow_self_approval,
    current_version: row.plan_current_version,
    created_by: row.plan_created_by,
    reporting_starts_on: row.plan_reporting_starts_on,
  };
  const task: ReportTaskRow = {
    id: row.task_row_id,
    plan_id: row.plan_id,
    number: row.task_number,
    title: row.task_title,
    removed_in_version: row.task_removed_in_version,
    closed_at: row.task_closed_at,
  };
  const units: TaskUnitNameRow[] = [];
  for (const {
    task_unit_id: unit_id,
    task_unit_name: unit_name,
    task_unit_role: role,
    task_unit_position: position,
  } of rows) {
    if (unit_id !== null && unit_name !== null && role !== null && position !== null) {
      units.push({ unit_id, unit_name, role, position });
    }
  }
  return { task, plan, timeZone: row.workspace_time_zone, units };
}

/** The task of the workspace with its plan, time zone and units, in one statement; undefined for no such task. */
export async function findReportTaskFacts(
  db: Db,
  workspaceId: string,
  taskId: string,
): Promise<ReportTaskFacts | undefined> {
  return factsOf(await taskFactsQuery(db, workspaceId).where('t.id', '=', taskId).execute());
}

/** A report with its task's facts, in one statement; undefined when the workspace has no such report. */
export async function findReportWithFacts(
  db: Db,
  workspaceId: string,
  reportId: string,
): Promise<{ report: ReportWithPlanRow; facts: ReportTaskFacts } | undefined> {
  const rows = await taskFactsQuery(db, workspaceId)
    .innerJoin('reports as r', (join) =>
      join.onRef('r.workspace_id', '=', 't.workspace_id').onRef('r.task_id', '=', 't.id'),
    )
    .selectAll('r')
    .where('r.id', '=', reportId)
    .execute();
  const facts = factsOf(rows);
  const row = rows[0];
  if (facts === undefined || row === undefined) return undefined;
  const report: ReportWithPlanRow = {
    id: row.id,
    workspace_id: row.workspace_id,
    version: row.version,
    created_at: row.created_at,
    updated_at: row.updated_at,
    task_id: row.task_id,
    unit_id: row.unit_id,
    period: row.period,
    state: row.state,
    narrative: row.narrative,
    percent_done: row.percent_done,
    confidence: row.confidence,
    problems: row.problems,
    next_steps: row.next_steps,
    approved_at: row.approved_at,
    approved_by: row.approved_by,
    submitted_at: row.submitted_at,
    is_late: row.is_late,
    decided_at: row.decided_at,
    decided_by: row.decided_by,
    return_reason: row.return_reason,
    idempotency_key: row.idempotency_key,
    created_by: row.created_by,
    written_by: row.written_by,
    plan_id: row.plan_id,
  };
  return { report, facts };
}

/** A task's units with their names: leads first, each role in written order (lead 0 is the primary lead). */
export function findUnitsOfTask(db: Db, workspaceId: string, taskId: string): Promise<TaskUnitNameRow[]> {
  return db
    .selectFrom('task_units as tu')
    .innerJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'tu.workspace_id').onRef('u.id', '=', 'tu.unit_id'),
    )
    .select(['tu.unit_id', 'u.name as unit_name', 'tu.role', 'tu.position'])
    .where('tu.workspace_id', '=', workspaceId)
    .where('tu.task_id', '=', taskId)
    .orderBy('tu.role')
    .orderBy('tu.position')
    .execute();
}

/** Unit names by id, for the units given. */
export async function findUnitNames(
  db: Db,
  workspaceId: string,
  unitIds: readonly string[],
): Promise<Map<string, string>> {
  const rows = await bySlices(unitIds, (slice) =>
    db
      .selectFrom('units')
      .select(['id', 'name'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', slice)
      .execute(),
  );
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** A report with the plan of its task (a report's plan is its task's). */
export type ReportWithPlanRow = ReportRow & { plan_id: string };

function reportsWithPlan(db: Db, workspaceId: string) {
  return db
    .selectFrom('reports as r')
    .innerJoin('tasks as t', (join) =>
      join.onRef('t.workspace_id', '=', 'r.workspace_id').onRef('t.id', '=', 'r.task_id'),
    )
    .selectAll('r')
    .select('t.plan_id')
    .where('r.workspace_id', '=', workspaceId);
}

export function findReport(db: Db, workspaceId: string, id: string): Promise<ReportWithPlanRow | undefined> {
  return reportsWithPlan(db, workspaceId).where('r.id', '=', id).executeTakeFirst();
}

/** The one report of a unit on a task for a period, if it has one. */
export function findReportOfUnit(
  db: Db,
  workspaceId: string,
  key: { taskId: string; unitId: string; period: string },
): Promise<ReportWithPlanRow | undefined> {
  return reportsWithPlan(db, workspaceId)
    .where('r.task_id', '=', key.taskId)
    .where('r.unit_id', '=', key.unitId)
    .where('r.period', '=', key.period)
    .executeTakeFirst();
}

/** The report whose last submission carried this idempotency key (unique in the workspace). */
export function findReportByIdempotencyKey(
  db: Db,
  workspaceId: string,
  key: string,
): Promise<ReportWithPlanRow | undefined> {
  return reportsWithPlan(db, workspaceId).where('r.idempotency_key', '=', key).executeTakeFirst();
}

/** Every unit's report on a task for a period. */
export function findReportsOfTaskPeriod(
  db: Db,
  workspaceId: string,
  taskId: string,
  period: string,
): Promise<ReportWithPlanRow[]> {
  return reportsWithPlan(db, workspaceId)
    .where('r.task_id', '=', taskId)
    .where('r.period', '=', period)
    .orderBy('r.id')
    .execute();
}

/** Inserts a report and returns it as stored. */
export function insertReport(db: Db, row: NewReport): Promise<ReportRow> {
  return db.insertInto('reports').values(row).returningAll().executeTakeFirstOrThrow();
}

export type ReportFieldsUpdate = Omit<
  ReportUpdate,
  'id' | 'workspace_id' | 'task_id' | 'unit_id' | 'period' | 'version' | 'created_at' | 'updated_at' | 'created_by'
>;

/** Updates a report still at `expectedVersion` and returns it as stored; undefined when it moved on. */
export function updateReport(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: ReportFieldsUpdate,
  at: string,
): Promise<ReportRow | undefined> {
  return db
    .updateTable('reports')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .returningAll()
    .executeTakeFirst();
}

/** A stored state, narrowed by whether the unit has approved it (an approved draft is stored as a draft). */
export interface ReportStateFilter {
  state: ReportState;
  approved?: boolean;
}

export interface ReportListFilter {
  planId?: string;
  unitId?: string;
  taskId?: string;
  period?: string;
  state?: ReportStateFilter;
  /** Only the reports a unit may see: its own, and those of the tasks it leads or supports. */
  visibleToUnitId?: string;
  /** The sort key of the last report of the previous page: `[submitted_at ?? created_at, id]`. */
  after?: readonly [string, string];
  /** Rows to fetch (the page's limit + 1, to know whether another page follows). */
  limit: number;
}

/** When a report reached the office, or when it was started if it has not: the list's sort key. */
const sortAt = sql<string>`coalesce(${sql.ref('r.submitted_at')}, ${sql.ref('r.created_at')})`;

/**
 * A page of reports, newest first by when they reached the office (or, for those that have not, when they were
 * started), then by id; keyset pagination from `after`.
 */
export function findReportPage(db: Db, workspaceId: string, filter: ReportListFilter): Promise<ReportWithPlanRow[]> {
  let query = reportsWithPlan(db, workspaceId);
  if (filter.planId !== undefined) query = query.where('t.plan_id', '=', filter.planId);
  if (filter.unitId !== undefined) query = query.where('r.unit_id', '=', filter.unitId);
  if (filter.taskId !== undefined) query = query.where('r.task_id', '=', filter.taskId);
  if (filter.period !== undefined) query = query.where('r.period', '=', filter.period);
  const state = filter.state;
  if (state !== undefined) {
    query = query.where('r.state', '=', state.state);
    if (state.approved !== undefined) query = query.where('r.approved_at', state.approved ? 'is not' : 'is', null);
  }
  const unitId = filter.visibleToUnitId;
  if (unitId !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('r.unit_id', '=', unitId),
        eb(
          'r.task_id',
          'in',
          eb
            .selectFrom('task_units')
            .select('task_id')
            .where('workspace_id', '=', workspaceId)
            .where('unit_id', '=', unitId),
        ),
      ]),
    );
  }
  const after = filter.after;
  if (after !== undefined) {
    const [at, id] = after;
    query = query.where((eb) => eb.or([eb(sortAt, '<', at), eb.and([eb(sortAt, '=', at), eb('r.id', '<', id)])]));
  }
  return query.orderBy(sortAt, 'desc').orderBy('r.id', 'desc').limit(filter.limit).execute();
}

// ---- Contributions (a support unit's part of the primary lead's report) ----

/** The contributions of the reports, with their units' and writers' names. */
export async function findContributionsOfReports(
  db: Db,
  workspaceId: string,
  reportIds: readonly string[],
): Promise<(ReportContributionRow & { unit_name: string | null; created_by_name: string | null })[]> {
  return bySlices(reportIds, (slice) =>
    db
      .selectFrom('report_contributions as c')
      .leftJoin('units as u', (join) =>
        join.onRef('u.workspace_id', '=', 'c.workspace_id').onRef('u.id', '=', 'c.unit_id'),
      )
      .leftJoin('users as w', (join) =>
        join.onRef('w.workspace_id', '=', 'c.workspace_id').onRef('w.id', '=', 'c.created_by'),
      )
      .selectAll('c')
      .select(['u.name as unit_name', 'w.display_name as created_by_name'])
      .where('c.workspace_id', '=', workspaceId)
      .where('c.report_id', 'in', slice)
      .orderBy('c.report_id')
      .orderBy('c.id')
      .execute(),
  );
}

/** What a report answer names besides ids: its task's number and title, its unit's name and its people's names. */
export interface ReportNamesRow {
  id: string;
  task_number: string;
  task_title: string;
  unit_name: string;
  created_by_name: string | null;
  approved_by_name: string | null;
  decided_by_name: string | null;
}

/** The names of the reports' task, unit and people, joined in one statement per 500 reports. */
export async function findReportNames(
  db: Db,
  workspaceId: string,
  reportIds: readonly string[],
): Promise<ReportNamesRow[]> {
  return bySlices(reportIds, (slice) =>
    db
      .selectFrom('reports as r')
      .innerJoin('tasks as t', (join) =>
        join.onRef('t.workspace_id', '=', 'r.workspace_id').onRef('t.id', '=', 'r.task_id'),
      )
      .innerJoin('units as u', (join) =>
        join.onRef('u.workspace_id', '=', 'r.workspace_id').onRef('u.id', '=', 'r.unit_id'),
      )
      .leftJoin('users as cu', (join) =>
        join.onRef('cu.workspace_id', '=', 'r.workspace_id').onRef('cu.id', '=', 'r.created_by'),
      )
      .leftJoin('users as au', (join) =>
        join.onRef('au.workspace_id', '=', 'r.workspace_id').onRef('au.id', '=', 'r.approved_by'),
      )
      .leftJoin('users as du', (join) =>
        join.onRef('du.workspace_id', '=', 'r.workspace_id').onRef('du.id', '=', 'r.decided_by'),
      )
      .select([
        'r.id',
        't.number as task_number',
        't.title as task_title',
        'u.name as unit_name',
        'cu.display_name as created_by_name',
        'au.display_name as approved_by_name',
        'du.display_name as decided_by_name',
      ])
      .where('r.workspace_id', '=', workspaceId)
      .where('r.id', 'in', slice)
      .execute(),
  );
}

export async function insertContributions(db: Db, rows: readonly NewReportContribution[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('report_contributions').values(slice).execute();
}

/** Rewrites a contribution's text (its report's version guards it, so no version of its own is checked). */
export async function updateContributionText(
  db: Db,
  workspaceId: string,
  id: string,
  text: string,
  at: string,
): Promise<void> {
  await db
    .updateTable('report_contributions')
    .set((eb) => ({ text, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

export async function deleteContributions(db: Db, workspaceId: string, ids: readonly string[]): Promise<void> {
  for (const slice of chunks(ids)) {
    await db
      .deleteFrom('report_contributions')
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', slice)
      .execute();
  }
}
