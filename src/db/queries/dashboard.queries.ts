/**
 * One plan's war board (挂图作战) in a handful of grouped queries: task counts by cached status and strand, lead
 * units' tasks, their reports for a period (one slot per lead unit and task), reports by state, open notices,
 * close-outs, milestones, and the targets with their planned points and counted readings (one per period).
 *
 * Every query starts from the plan's tasks in force — `tasks (workspace_id, plan_id, removed_in_version, …)` — and
 * joins its children on `(workspace_id, task_id …)` indexes, so its cost follows the size of the plan, not of the
 * workspace. The queries are compiled once (`planDashboardQueries`) and executed as compiled
 * (`runDashboardQueries`), so the benchmark can run exactly the same SQL through the bare driver.
 */
import { sql, type CompiledQuery, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../database.ts';
import type {
  CloseOutState,
  ComparatorCode,
  Flag,
  IsoDate,
  IsoInstant,
  NoticeLevel,
  NoticeState,
  PeriodKey,
  ReportState,
  TaskStatus,
} from '../schema.ts';

export interface DashboardPeriodParam {
  period: PeriodKey;
  /** When its reports are due: a task closed out before it owes none. */
  dueAt: IsoInstant;
}

export interface DashboardParams {
  workspaceId: string;
  planId: string;
  /** The local date today, in the workspace's time zone. */
  today: IsoDate;
  /** The last day of "due soon" (inclusive). */
  soonUntil: IsoDate;
  /** The current reporting period (the last one ended), or null before the first has ended. */
  current: DashboardPeriodParam | null;
  previous: DashboardPeriodParam | null;
}

export interface StrandStatusRow {
  strand_node_id: string | null;
  strand_number: string | null;
  strand_title: string | null;
  status: TaskStatus | null;
  tasks: number;
  /** The first task's position: strands in document order. */
  first_position: number;
  oldest_status_at: IsoInstant | null;
  newest_status_at: IsoInstant | null;
}

export interface LeadUnitStatusRow {
  unit_id: string;
  unit_name: string;
  status: TaskStatus | null;
  tasks: number;
}

export interface ReportSlotRow {
  unit_id: string;
  /** One per lead unit and task in force (not closed out before the period's reports were due). */
  expected: number;
  /** Reached the office (submitted once), whatever the office did with it since. */
  submitted: number;
  accepted: number;
  /** Reached the office and came back (returned, or a revision of a returned report not yet resubmitted). */
  returned: number;
  late: number;
}

export interface ReportStateRow {
  period: PeriodKey;
  state: ReportState;
  /** An approved draft (单位审核 passed) is stored as a draft with approved_at set. */
  approved: Flag;
  reports: number;
  late: number;
}

export interface OpenNoticeRow {
  unit_id: string;
  unit_name: string;
  level: NoticeLevel;
  state: Extract<NoticeState, 'open' | 'answered'>;
  notices: number;
  /** Awaiting the unit's response after their due date. */
  overdue: number;
}

export interface CloseOutStateRow {
  state: CloseOutState;
  close_outs: number;
}

export interface MilestoneCountRow {
  total: number;
  done: number | null;
  overdue: number | null;
  due_soon: number | null;
}

export interface DashboardTargetRow {
  id: string;
  task_id: string | null;
  comparator: ComparatorCode;
  value_low: number;
  value_high: number | null;
  deadline: string | null;
  period: string | null;
  cumulative: Flag;
  baseline_value: number | null;
  baseline_period: PeriodKey | null;
}

export interface DashboardPointRow {
  target_id: string;
  period: PeriodKey;
  planned: number;
}

export interface DashboardReadingRow {
  target_id: string;
  period: PeriodKey;
  value: number;
}

/** What each dashboard query returns. */
export interface DashboardRows {
  strandStatus: StrandStatusRow[];
  leadUnitStatus: LeadUnitStatusRow[];
  currentSlots: ReportSlotRow[];
  previousSlots: ReportSlotRow[];
  reportStates: ReportStateRow[];
  openNotices: OpenNoticeRow[];
  closeOuts: CloseOutStateRow[];
  milestones: MilestoneCountRow[];
  targets: DashboardTargetRow[];
  trajectoryPoints: DashboardPointRow[];
  readings: DashboardReadingRow[];
}

export type DashboardQueries = { readonly [K in keyof DashboardRows]: CompiledQuery<DashboardRows[K][number]> };

/** The report states whose readings count as the target's (as `COUNTED_REPORT_STATES` of the report services). */
const COUNTED_STATES: readonly ReportState[] = ['submitted', 'accepted'];

const count = (condition: Expression<SqlBool>) => sql<number>`sum(case when ${condition} then 1 else 0 end)`;

/**
 * The plan's tasks in force, the rows every query starts from. Their children are joined with CROSS JOIN and the
 * join condition in WHERE: SQLite takes CROSS JOIN as an order (its planner has no statistics — nothing runs ANALYZE
 * — and would otherwise often start from a child's (workspace_id, …) index and read the whole workspace's rows),
 * while PostgreSQL plans it as the inner join it is.
 */
function tasksInForce(db: Db, params: DashboardParams) {
  return db
    .selectFrom('tasks as t')
    .where('t.workspace_id', '=', params.workspaceId)
    .where('t.plan_id', '=', params.planId)
    .where('t.removed_in_version', 'is', null);
}

/**
 * A period's report slots per lead unit: one per lead unit of each task in force (not closed out before the
 * period's reports fell due), with the unit's report for the period if it has one.
 */
function reportSlots(db: Db, params: DashboardParams, period: DashboardPeriodParam | null) {
  const query = tasksInForce(db, params)
    .crossJoin('task_units as tu')
    .whereRef('tu.workspace_id', '=', 't.workspace_id')
    .whereRef('tu.task_id', '=', 't.id')
    .where('tu.role', '=', 'lead')
    .leftJoin('reports as r', (join) =>
      join
        .onRef('r.workspace_id', '=', 'tu.workspace_id')
        .onRef('r.task_id', '=', 'tu.task_id')
        .onRef('r.unit_id', '=', 'tu.unit_id')
        .on('r.period', '=', period?.period ?? ''),
    )
    .select((eb) => [
      'tu.unit_id',
      eb.fn.countAll<number>().as('expected'),
      count(eb('r.submitted_at', 'is not', null)).as('submitted'),
      count(eb('r.state', '=', 'accepted')).as('accepted'),
      count(eb.and([eb('r.submitted_at', 'is not', null), eb('r.state', 'not in', [...COUNTED_STATES])])).as(
        'returned',
      ),
      count(eb.and([eb('r.submitted_at', 'is not', null), eb('r.is_late', '=', 1)])).as('late'),
    ])
    .where((eb) => eb.or([eb('t.closed_at', 'is', null), eb('t.closed_at', '>=', period?.dueAt ?? '')]))
    .groupBy('tu.unit_id');
  // Before the first period has ended there are no slots: the query still runs (and answers nothing), so every
  // dashboard runs the same statements.
  return period === null ? query.where(sql.lit(false)) : query;
}

/** The dashboard's queries for one plan, compiled (the same statements the service and the benchmark run). */
export function planDashboardQueries(db: Db, params: DashboardParams): DashboardQueries {
  const ws = params.workspaceId;
  const periods = [params.current, params.previous].flatMap((p) => (p === null ? [] : [p.period]));

  const strandStatus = tasksInForce(db, params)
    .leftJoin('nodes as n', (join) =>
      join.onRef('n.workspace_id', '=', 't.workspace_id').onRef('n.id', '=', 't.strand_node_id'),
    )
    .select((eb) => [
      't.strand_node_id',
      'n.number as strand_number',
      'n.title as strand_title',
      't.status',
      eb.fn.countAll<number>().as('tasks'),
      eb.fn.min('t.position').as('first_position'),
      eb.fn.min('t.status_at').as('oldest_status_at'),
      eb.fn.max('t.status_at').as('newest_status_at'),
    ])
    .groupBy(['t.strand_node_id', 'n.number', 'n.title', 't.status'])
    .compile();

  const leadUnitStatus = tasksInForce(db, params)
    .crossJoin('task_units as tu')
    .whereRef('tu.workspace_id', '=', 't.workspace_id')
    .whereRef('tu.task_id', '=', 't.id')
    .innerJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'tu.workspace_id').onRef('u.id', '=', 'tu.unit_id'),
    )
    .where('tu.role', '=', 'lead')
    .select((eb) => ['tu.unit_id', 'u.name as unit_name', 't.status', eb.fn.countAll<number>().as('tasks')])
    .groupBy(['tu.unit_id', 'u.name', 't.status'])
    .compile();

  const isApproved = sql<Flag>`case when ${sql.ref('r.approved_at')} is null then 0 else 1 end`;
  const reportStates = tasksInForce(db, params)
    .crossJoin('reports as r')
    .whereRef('r.workspace_id', '=', 't.workspace_id')
    .whereRef('r.task_id', '=', 't.id')
    .where('r.period', 'in', periods.length === 0 ? [''] : periods)
    .select((eb) => [
      'r.period',
      'r.state',
      isApproved.as('approved'),
      eb.fn.countAll<number>().as('reports'),
      count(eb('r.is_late', '=', 1)).as('late'),
    ])
    .groupBy(['r.period', 'r.state', isApproved])
    .compile();

  const openNotices = tasksInForce(db, params)
    .crossJoin('notices as n')
    .whereRef('n.workspace_id', '=', 't.workspace_id')
    .whereRef('n.task_id', '=', 't.id')
    .innerJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'n.workspace_id').onRef('u.id', '=', 'n.unit_id'),
    )
    .where('n.state', 'in', ['open', 'answered'])
    .select((eb) => [
      'n.unit_id',
      'u.name as unit_name',
      'n.level',
      'n.state',
      eb.fn.countAll<number>().as('notices'),
      count(eb.and([eb('n.state', '=', 'open'), eb('n.due_on', '<', params.today)])).as('overdue'),
    ])
    .groupBy(['n.unit_id', 'u.name', 'n.level', 'n.state'])
    .compile();

  const closeOuts = tasksInForce(db, params)
    .crossJoin('close_outs as c')
    .whereRef('c.workspace_id', '=', 't.workspace_id')
    .whereRef('c.task_id', '=', 't.id')
    .select((eb) => ['c.state', eb.fn.countAll<number>().as('close_outs')])
    .groupBy('c.state')
    .compile();

  // A closed task's milestones are frozen: they are neither overdue nor coming due.
  const milestones = tasksInForce(db, params)
    .crossJoin('milestones as m')
    .whereRef('m.workspace_id', '=', 't.workspace_id')
    .whereRef('m.task_id', '=', 't.id')
    .where('m.removed_at', 'is', null)
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      count(eb('m.done_on', 'is not', null)).as('done'),
      count(eb.and([eb('m.done_on', 'is', null), eb('t.closed_at', 'is', null), eb('m.due_on', '<', params.today)])).as(
        'overdue',
      ),
      count(
        eb.and([
          eb('m.done_on', 'is', null),
          eb('t.closed_at', 'is', null),
          eb('m.due_on', '>=', params.today),
          eb('m.due_on', '<=', params.soonUntil),
        ]),
      ).as('due_soon'),
    ])
    .compile();

  // The plan's targets in force whose task or goal is in force too (as the plan's target list has them).
  const targetsInForce = db
    .selectFrom('targets as g')
    .leftJoin('tasks as gt', (join) =>
      join.onRef('gt.workspace_id', '=', 'g.workspace_id').onRef('gt.id', '=', 'g.task_id'),
    )
    .leftJoin('nodes as gn', (join) =>
      join.onRef('gn.workspace_id', '=', 'g.workspace_id').onRef('gn.id', '=', 'g.goal_node_id'),
    )
    .where('g.workspace_id', '=', ws)
    .where('g.plan_id', '=', params.planId)
    .where('g.removed_in_version', 'is', null)
    .where('gt.removed_in_version', 'is', null)
    .where('gn.removed_in_version', 'is', null)
    .where((eb) => eb.or([eb('g.task_id', 'is not', null), eb('g.goal_node_id', 'is not', null)]));

  const targets = targetsInForce
    .select([
      'g.id',
      'g.task_id',
      'g.comparator',
      'g.value_low',
      'g.value_high',
      'g.deadline',
      'g.period',
      'g.cumulative',
      'g.baseline_value',
      'g.baseline_period',
    ])
    .compile();

  const trajectoryPoints = targetsInForce
    .crossJoin('trajectory_points as p')
    .whereRef('p.workspace_id', '=', 'g.workspace_id')
    .whereRef('p.target_id', '=', 'g.id')
    .select(['p.target_id', 'p.period', 'p.planned'])
    .compile();

  // The readings that count, one per target and period: of a report submitted or accepted, or entered without a
  // report; of several for a period, the primary lead's (lead position 0) or the office's first, then the latest
  // submitted (as the report services' `countedReadings`).
  const readings = sql<DashboardReadingRow>`
    select x.target_id, x.period, x.value from (
      select g.target_id, g.period, g.value, row_number() over (
        partition by g.target_id, g.period
        order by case when g.report_id is null or r.unit_id = pl.unit_id then 1 else 0 end desc,
          coalesce(r.submitted_at, g.created_at) desc, g.created_at desc, g.id desc
      ) as pick
      from targets tg
      left join task_units pl on pl.workspace_id = tg.workspace_id and pl.task_id = tg.task_id
        and pl.role = 'lead' and pl.position = 0
      cross join readings g
      left join reports r on r.workspace_id = g.workspace_id and r.id = g.report_id
      where tg.workspace_id = ${ws} and tg.plan_id = ${params.planId} and tg.removed_in_version is null
        and g.workspace_id = tg.workspace_id and g.target_id = tg.id
        and (g.report_id is null or r.state in (${sql.join(COUNTED_STATES)}))
    ) x
    where x.pick = 1`.compile(db);

  return {
    strandStatus,
    leadUnitStatus,
    currentSlots: reportSlots(db, params, params.current).compile(),
    previousSlots: reportSlots(db, params, params.previous).compile(),
    reportStates,
    openNotices,
    closeOuts,
    milestones,
    targets,
    trajectoryPoints,
    readings,
  };
}

/**
 * Runs the dashboard's queries (in parallel where the database has the connections: PostgreSQL's pool; SQLite
 * runs them one after the other on its one connection).
 */
export async function runDashboardQueries(db: Db, params: DashboardParams): Promise<DashboardRows> {
  const queries: Readonly<Record<string, CompiledQuery<unknown>>> = planDashboardQueries(db, params);
  const rows = await Promise.all(
    Object.entries(queries).map(async ([name, query]) => [name, (await db.executeQuery(query)).rows] as const),
  );
  // One entry per query of `DashboardQueries`, each with the rows its compiled query is typed to return.
  return Object.fromEntries(rows) as unknown as DashboardRows;
}
