/**
 * One plan's war board (挂图作战): everything a leader's screen shows about a plan in one answer — tasks by their
 * cached derived status, by strand and per lead unit; the lead units' reports for the current reporting period;
 * reports of the current and previous periods by state; open notices by level and those overdue; close-outs;
 * milestones overdue and coming due; and where the targets stand.
 *
 * The figures come from a handful of grouped queries (src/db/queries/dashboard.queries.ts) — none per task. The
 * targets are assessed here from the aggregated rows (one counted reading per target and period, the office's
 * planned points) with the domain's own `plannedPath` and `assessTarget`, as `targetProgress` assesses one target.
 *
 * The current reporting period is the last period of the plan's cycle that has ended by now (in the workspace's
 * time zone): the one units are reporting on, whose reports fall due `dueDays` after it ends. Before the plan's
 * first period has ended there is none, and the report figures are null.
 *
 * Task statuses are the cached ones (`tasks.status`, refreshed by the task-status service): `noStatus` counts tasks
 * not yet computed, and `statusComputedAt` says how fresh the cache is.
 */
import { workspaceTimeZone } from '../db/queries/workspace.queries.ts';
import {
  runDashboardQueries,
  type DashboardParams,
  type DashboardRows,
  type ReportSlotRow,
} from '../db/queries/dashboard.queries.ts';
import {
  CLOSE_OUT_STATES,
  TASK_STATUSES,
  type CloseOutState,
  type NoticeLevel as NoticeLevelCode,
  type TaskStatus,
} from '../db/schema.ts';
import {
  alignPeriod,
  comparePeriods,
  isPeriodKey,
  localDateOf,
  periodContaining,
  periodFrequency,
  periodMonths,
  previousPeriod,
  type PeriodKey,
} from '../domain/periods.ts';
import { isDomainError } from '../domain/errors.ts';
import type { Reading } from '../domain/quantities.ts';
import { assessTarget, plannedPath, type TargetStatus } from '../domain/trajectory.ts';
import type { NoticeLevel } from '../domain/workflow.ts';
import { canViewDelivery } from '../policies/project.policy.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';
import type { Plan } from './plan-state.ts';
import { readablePlan } from './plan.service.ts';
import { firstExpectedPeriod, firstReportingPeriod, reportingPeriods, type ReportingPeriod } from './report-periods.ts';
import { specOf } from './report-targets.service.ts';
import type { ReportState } from './report-state.ts';

export type TaskStatusCounts = Record<TaskStatus, number>;

export interface StatusBreakdown {
  /** Tasks in force. */
  total: number;
  byStatus: TaskStatusCounts;
  /** Tasks whose status has not been computed yet. */
  noStatus: number;
}

export interface StrandSummary extends StatusBreakdown {
  /** The strand node (（一）…); null for the tasks under no strand. */
  nodeId: string | null;
  number: string;
  title: string;
}

/** A period's report slots: one per lead unit and task in force (not closed out before the reports fell due). */
export interface ReportSlotCounts {
  expected: number;
  /** Reached the office, whatever the office did with them since (submitted = accepted + returned + awaiting). */
  submitted: number;
  accepted: number;
  /** Returned by the office and not yet submitted again. */
  returned: number;
  /** Submitted and awaiting the office's decision. */
  awaitingReview: number;
  /** Submitted at or after the due instant. */
  late: number;
  /** Not yet at the office (none written, or a draft): overdue once the period's due instant has passed. */
  missing: number;
}

export type NoticeLevelCounts = Record<NoticeLevel, number>;

export interface UnitSummary extends StatusBreakdown {
  unitId: string;
  name: string;
  /** The plan's tasks in force the unit leads (`total` counts them too). */
  tasksLed: number;
  /** Its report slots for the current period; null when there is none yet. */
  reports: ReportSlotCounts | null;
  /** Its open notices (awaiting a response, or answered and not yet closed) by level, and those overdue. */
  notices: { open: NoticeLevelCounts; overdue: number };
}

export type ReportStateCounts = Record<ReportState, number>;

export interface PeriodReports {
  period: ReportingPeriod;
  slots: ReportSlotCounts;
  /** Every report of the plan's tasks in force for the period, by state (the domain's states). */
  byState: ReportStateCounts;
  /** Of those, submitted at or after the due instant. */
  late: number;
}

export type TargetStatusCounts = Record<TargetStatus, number>;

export interface PlanDashboard {
  planId: string;
  title: string;
  /** The instant the figures are as of. */
  asOf: string;
  timeZone: string;
  /** The local date at `asOf`. */
  today: string;
  periods: { current: ReportingPeriod | null; previous: ReportingPeriod | null };
  tasks: StatusBreakdown & { statusComputedAt: { oldest: string | null; newest: string | null } };
  /** In document order; the tasks under no strand last. */
  strands: StrandSummary[];
  /** Lead units (and units with open notices on the plan), by name. */
  units: UnitSummary[];
  reports: { current: PeriodReports | null; previous: PeriodReports | null };
  notices: { open: NoticeLevelCounts; awaitingResponse: number; overdue: number };
  closeOuts: Record<CloseOutState, number>;
  milestones: { total: number; done: number; overdue: number; dueSoon: number; dueSoonUntil: string };
  targets: {
    total: number;
    /** With at least one reading that counts. */
    withReading: number;
    /**
     * Not assessed: without a deadline (their own, their span's or the plan's end year) there is no path to assess
     * against; or the rules cannot read the target (`invalid-target`, e.g. a baseline after its deadline).
     */
    unassessed: number;
    /** The assessment at the last period ended (within each target's path), as `targetProgress` gives it. */
    byStatus: TargetStatusCounts;
  };
}

/** "Due soon": today and the next 30 days. */
export const DUE_SOON_DAYS = 30;

const LEVEL_OF: Readonly<Record<NoticeLevelCode, NoticeLevel>> = {
  reminder: 'remind',
  urge: 'urge',
  supervise: 'supervise',
  listed: 'flagged',
};

const REPORT_STATES: readonly ReportState[] = [
  'draft',
  'pending-approval',
  'approved',
  'submitted',
  'accepted',
  'returned',
];
const TARGET_STATUSES: readonly TargetStatus[] = ['met', 'on-track', 'behind', 'off-track', 'no-data'];

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}

function emptyBreakdown(): StatusBreakdown {
  return { total: 0, byStatus: zeros(TASK_STATUSES), noStatus: 0 };
}

function addStatus(into: StatusBreakdown, status: TaskStatus | null, tasks: number): void {
  into.total += tasks;
  if (status === null) into.noStatus += tasks;
  else into.byStatus[status] += tasks;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function slotCounts(rows: readonly ReportSlotRow[]): ReportSlotCounts {
  const counts = { expected: 0, submitted: 0, accepted: 0, returned: 0, awaitingReview: 0, late: 0, missing: 0 };
  for (const row of rows) {
    counts.expected += row.expected;
    counts.submitted += row.submitted;
    counts.accepted += row.accepted;
    counts.returned += row.returned;
    counts.late += row.late;
  }
  counts.awaitingReview = counts.submitted - counts.accepted - counts.returned;
  counts.missing = counts.expected - counts.submitted;
  return counts;
}

function reportState(state: DashboardRows['reportStates'][number]): ReportState {
  switch (state.state) {
    case 'draft':
      return state.approved === 1 ? 'approved' : 'draft';
    case 'awaiting-approval':
      return 'pending-approval';
    default:
      return state.state;
  }
}

function periodReports(
  period: ReportingPeriod | null,
  slots: readonly ReportSlotRow[],
  states: DashboardRows['reportStates'],
): PeriodReports | null {
  if (period === null) return null;
  const byState = zeros(REPORT_STATES);
  let late = 0;
  for (const row of states) {
    if (row.period !== period.period) continue;
    byState[reportState(row)] += row.reports;
    late += row.late;
  }
  return { period, slots: slotCounts(slots), byState, late };
}

/** Assesses each target as `targetProgress` does, from the rows the dashboard read (no query per target). */
function assessTargets(rows: DashboardRows, plan: Plan, now: Date, timeZone: string): PlanDashboard['targets'] {
  const readingsOf = new Map<string, Reading[]>();
  for (const row of rows.readings) {
    const list = readingsOf.get(row.target_id) ?? [];
    list.push({ period: row.period, value: row.value });
    readingsOf.set(row.target_id, list);
  }
  const frequency = plan.cycle.frequency;
  const overridesOf = new Map<string, Record<PeriodKey, number>>();
  for (const point of rows.trajectoryPoints) {
    if (!isPeriodKey(point.period) || periodFrequency(point.period) !== frequency) continue;
    const overrides = overridesOf.get(point.target_id) ?? {};
    overrides[point.period] = point.planned;
    overridesOf.set(point.target_id, overrides);
  }
  const first = firstReportingPeriod(plan, timeZone);
  const ended = previousPeriod(periodContaining(now, frequency, timeZone));
  const summary: PlanDashboard['targets'] = {
    total: rows.targets.length,
    withReading: 0,
    unassessed: 0,
    byStatus: zeros(TARGET_STATUSES),
  };
  // Period keys repeat across targets: their months are worked out once.
  const monthsOf = new Map<PeriodKey, { first: number; last: number }>();
  const months = (period: PeriodKey) => {
    let found = monthsOf.get(period);
    if (found === undefined) monthsOf.set(period, (found = periodMonths(period)));
    return found;
  };
  // comparePeriods' order, in which `targetProgress` hands the readings over …
  const byPeriod = (a: Reading, b: Reading) =>
    months(a.period).first - months(b.period).first || months(a.period).last - months(b.period).last;
  // … and the order the domain reads them in (by the month each ends, a stable sort of the above).
  const byEnd = (a: Reading, b: Reading) => months(a.period).last - months(b.period).last || byPeriod(a, b);

  for (const target of rows.targets) {
    const all = readingsOf.get(target.id) ?? [];
    if (all.length > 0) summary.withReading += 1;
    const spec = specOf(target, plan);
    if (spec === null) {
      summary.unassessed += 1;
      continue;
    }
    try {
      const last = alignPeriod(spec.deadline, frequency, 'last');
      const asOf = [first, ended, last].sort(comparePeriods)[1] as PeriodKey;
      const upTo = months(asOf).last;
      // `targetProgress` plans the whole path from the plan's first period to the deadline; the assessment reads
      // only its first period (where a cumulative target's running sum starts) and the assessed one, and each
      // planned value stands alone, so those two periods give the same assessment.
      const periods = comparePeriods(first, last) <= 0 ? (first === asOf ? [first] : [first, asOf]) : [last];
      // Likewise the readings: a running sum needs every reading up to the assessed period; a level needs the
      // first reading (the stand-in baseline) and the latest up to the assessed period.
      let readings: Reading[];
      if (spec.cumulative) {
        readings = all.filter((reading) => months(reading.period).last <= upTo).sort(byPeriod);
      } else {
        let earliest: Reading | undefined;
        let latest: Reading | undefined;
        for (const reading of all) {
          if (earliest === undefined || byEnd(reading, earliest) < 0) earliest = reading;
          if (months(reading.period).last <= upTo && (latest === undefined || byEnd(reading, latest) > 0)) {
            latest = reading;
          }
        }
        readings = [...new Set([earliest, latest])].filter((r): r is Reading => r !== undefined).sort(byPeriod);
      }
      const path = plannedPath(spec, periods, overridesOf.get(target.id) ?? {}, readings);
      summary.byStatus[assessTarget(spec, path, readings, asOf).status] += 1;
    } catch (error) {
      // A target the rules cannot read (a baseline after its deadline, say) is the office's to fix on the
      // target's own page; it must not take the whole board down.
      if (!isDomainError(error)) throw error;
      summary.unassessed += 1;
    }
  }
  return summary;
}

function summarize(
  plan: Plan,
  rows: DashboardRows,
  context: {
    now: Date;
    timeZone: string;
    today: string;
    soonUntil: string;
    current: ReportingPeriod | null;
    previous: ReportingPeriod | null;
  },
): PlanDashboard {
  const statusComputedAt: { oldest: string | null; newest: string | null } = { oldest: null, newest: null };
  const tasks = { ...emptyBreakdown(), statusComputedAt };
  const strands = new Map<string | null, StrandSummary & { firstPosition: number }>();
  for (const row of rows.strandStatus) {
    addStatus(tasks, row.status, row.tasks);
    const { oldest, newest } = statusComputedAt;
    if (row.oldest_status_at !== null && (oldest === null || row.oldest_status_at < oldest)) {
      statusComputedAt.oldest = row.oldest_status_at;
    }
    if (row.newest_status_at !== null && (newest === null || row.newest_status_at > newest)) {
      statusComputedAt.newest = row.newest_status_at;
    }
    let strand = strands.get(row.strand_node_id);
    if (strand === undefined) {
      strand = {
        nodeId: row.strand_node_id,
        number: row.strand_number ?? '',
        title: row.strand_title ?? '',
        ...emptyBreakdown(),
        firstPosition: row.first_position,
      };
      strands.set(row.strand_node_id, strand);
    }
    strand.firstPosition = Math.min(strand.firstPosition, row.first_position);
    addStatus(strand, row.status, row.tasks);
  }

  const units = new Map<string, UnitSummary>();
  const unitOf = (unitId: string, name: string): UnitSummary => {
    let unit = units.get(unitId);
    if (unit === undefined) {
      unit = {
        unitId,
        name,
        tasksLed: 0,
        ...emptyBreakdown(),
        reports: context.current === null ? null : slotCounts([]),
        notices: { open: zeros(Object.values(LEVEL_OF)), overdue: 0 },
      };
      units.set(unitId, unit);
    }
    return unit;
  };
  for (const row of rows.leadUnitStatus) {
    const unit = unitOf(row.unit_id, row.unit_name);
    unit.tasksLed += row.tasks;
    addStatus(unit, row.status, row.tasks);
  }
  if (context.current !== null) {
    for (const row of rows.currentSlots) {
      const unit = units.get(row.unit_id);
      if (unit !== undefined) unit.reports = slotCounts([row]);
    }
  }
  const notices: PlanDashboard['notices'] = { open: zeros(Object.values(LEVEL_OF)), awaitingResponse: 0, overdue: 0 };
  for (const row of rows.openNotices) {
    const level = LEVEL_OF[row.level];
    const unit = unitOf(row.unit_id, row.unit_name);
    unit.notices.open[level] += row.notices;
    unit.notices.overdue += row.overdue;
    notices.open[level] += row.notices;
    notices.overdue += row.overdue;
    if (row.state === 'open') notices.awaitingResponse += row.notices;
  }

  const closeOuts = zeros(CLOSE_OUT_STATES);
  for (const row of rows.closeOuts) closeOuts[row.state] += row.close_outs;

  const milestoneRow = rows.milestones[0];
  const collator = new Intl.Collator('zh-CN');
  return {
    planId: plan.id,
    title: plan.title,
    asOf: context.now.toISOString(),
    timeZone: context.timeZone,
    today: context.today,
    periods: { current: context.current, previous: context.previous },
    tasks,
    strands: [...strands.values()]
      .sort((a, b) => (a.nodeId === null ? 1 : 0) - (b.nodeId === null ? 1 : 0) || a.firstPosition - b.firstPosition)
      .map(({ firstPosition: _firstPosition, ...strand }) => strand),
    units: [...units.values()].sort((a, b) => collator.compare(a.name, b.name) || a.unitId.localeCompare(b.unitId)),
    reports: {
      current: periodReports(context.current, rows.currentSlots, rows.reportStates),
      previous: periodReports(context.previous, rows.previousSlots, rows.reportStates),
    },
    notices,
    closeOuts,
    milestones: {
      total: milestoneRow?.total ?? 0,
      done: milestoneRow?.done ?? 0,
      overdue: milestoneRow?.overdue ?? 0,
      dueSoon: milestoneRow?.due_soon ?? 0,
      dueSoonUntil: context.soonUntil,
    },
    targets: assessTargets(rows, plan, context.now, context.timeZone),
  };
}

/**
 * The plan's dashboard as of now (the clock). A plan of another workspace, or one the actor may not see, is
 * `not-found`; the dashboard counts reports, notices and close-outs, the delivery record the public does not read
 * (`canViewDelivery`), so the public gets `forbidden` even for a published plan.
 */
export async function planDashboard(ctx: ServiceContext, actor: Actor, planId: string): Promise<PlanDashboard> {
  const plan = await readablePlan(ctx, actor, planId);
  if (!canViewDelivery(actor)) {
    throw new ServiceError('forbidden', '报告、督办等过程记录不公开（the delivery record is not public）');
  }
  const timeZone = await workspaceTimeZone(ctx.db, actor.workspaceId);
  const now = ctx.clock();
  // Periods before the reporting start are not expected: the war board counts gaps as the task statuses do.
  const expectedFrom = firstExpectedPeriod(plan, timeZone);
  const ended = reportingPeriods(plan, now, timeZone).filter(
    (period) => period.hasEnded && comparePeriods(period.period, expectedFrom) >= 0,
  );
  const current = ended.at(-1) ?? null;
  const previous = ended.at(-2) ?? null;
  const today = localDateOf(now, timeZone);
  const soonUntil = addDays(today, DUE_SOON_DAYS);
  const params: DashboardParams = {
    workspaceId: actor.workspaceId,
    planId: plan.id,
    today,
    soonUntil,
    current: current === null ? null : { period: current.period, dueAt: current.dueAt },
    previous: previous === null ? null : { period: previous.period, dueAt: previous.dueAt },
  };
  const rows = await runDashboardQueries(ctx.db, params);
  return summarize(plan, rows, { now, timeZone, today, soonUntil, current, previous });
}
