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

/** The workspace's IANA time zone (periods and due dates are local to it); undefined for an unknown workspace. */
export async function findWorkspaceTimeZone(db: Db, workspaceId: string): Promise<string | undefined> {
  const row = await db.selectFrom('workspaces').select('time_zone').where('id', '=', workspaceId).executeTakeFirst();
  return row?.time_zone;
}

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
 * The task of the workspace with its plan, time zone and units, in one statement (a row per unit, the task's facts
 * repeated on each); undefined for no such task.
 */
export async function findReportTaskFacts(
  db: Db,
  workspaceId: string,
  taskId: string,
): Promise<ReportTaskFacts | undefined> {
  const rows = await db
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
    .selectAll('p')
    .select([
      't.id as task_id',
      't.number as task_number',
      't.title as task_title',
      't.removed_in_version as task_removed_in_version',
      't.closed_at as task_closed_at',
      'w.time_zone as workspace_time_zone',
      'tu.unit_id as task_unit_id',
      'u.name as task_unit_name',
      'tu.role as task_unit_role',
      'tu.position as task_unit_position',
    ])
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', '=', taskId)
    .orderBy('tu.role')
    .orderBy('tu.position')
    .execute();
  const first = rows[0];
  if (first === undefined) return undefined;
  const {
    task_id: id,
    task_number: number,
    task_title: title,
    task_removed_in_version: removed_in_version,
    task_closed_at: closed_at,
    workspace_time_zone: timeZone,
    task_unit_id: _unitId,
    task_unit_name: _unitName,
    task_unit_role: _role,
    task_unit_position: _position,
    ...plan
  } = first;
  const units: TaskUnitNameRow[] = [];
  for (const row of rows) {
    const {
      task_unit_id: unit_id,
      task_unit_name: unit_name,
      task_unit_role: role,
      task_unit_position: position,
    } = row;
    if (unit_id !== null && unit_name !== null && role !== null && position !== null) {
      units.push({ unit_id, unit_name, role, position });
    }
  }
  return { task: { id, plan_id: plan.id, number, title, removed_in_version, closed_at }, plan, timeZone, units };
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

export async function findContributionsOfReports(
  db: Db,
  workspaceId: string,
  reportIds: readonly string[],
): Promise<ReportContributionRow[]> {
  return bySlices(reportIds, (slice) =>
    db
      .selectFrom('report_contributions')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('report_id', 'in', slice)
      .orderBy('report_id')
      .orderBy('id')
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
