/**
 * Targets (指标) as the reports feed them: their recorded readings, the baseline the office enters, the planned
 * path (linear from the baseline to the target by reporting period, with the office's overrides per period) and
 * where the target stands — the domain's `plannedPath`, `assessTarget` and `forecast` (`domain/trajectory.ts`).
 *
 * Which readings count: those of reports submitted or accepted (a draft's, an approval pending's or a returned
 * report's do not), and those entered without a report. One value per period: when several reports of a task give
 * one (each lead unit reports), the primary lead's wins, then the latest submitted.
 *
 * The path's frame: the plan's reporting frequency, from its first reporting period to the target's deadline —
 * the target's own (a year), else the end of the span it covers ("2021-2025"), else the plan's end year; a target
 * with none of these has no path. A baseline stored without a period is taken as of the year before the plan
 * starts (the last year of the previous five-year plan, as Chinese plans count from).
 */
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import { findPlan } from '../db/queries/plan.queries.ts';
import { findReadingsOfTarget, type TargetReadingRow } from '../db/queries/reading.queries.ts';
import { findUnitsOfTask } from '../db/queries/report.queries.ts';
import { workspaceTimeZone } from '../db/queries/workspace.queries.ts';
import { updateTarget } from '../db/queries/target.queries.ts';
import {
  deleteTrajectoryPoint,
  findTargetById,
  findTrajectoryPoint,
  findTrajectoryPoints,
  insertTrajectoryPoint,
  updateTrajectoryPoint,
} from '../db/queries/trajectory.queries.ts';
import type { Db } from '../db/database.ts';
import type { ReportState, TargetRow, TrajectoryPointRow } from '../db/schema.ts';
import { markTaskStatusStale } from '../db/queries/status-queue.queries.ts';
import {
  alignPeriod,
  comparePeriods,
  isPeriodKey,
  periodContaining,
  periodFrequency,
  periodsBetween,
  previousPeriod,
  type PeriodKey,
} from '../domain/periods.ts';
import { allowsNegative, validateTargetSpec, type Reading, type TargetSpec } from '../domain/quantities.ts';
import {
  actualAt,
  assessTarget,
  forecast,
  plannedPath,
  resolveBaseline,
  type BaselineSource,
  type Forecast,
  type PlannedPoint,
  type TargetAssessment,
} from '../domain/trajectory.ts';
import { canEditTargetPath, canViewTargetProgress } from '../policies/report.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, forbidden, negativeRefused, notFound, stale } from './errors.ts';
import { mapPlan, mapTarget, type Plan, type PlanTarget } from './plan-state.ts';
import {
  baselineSchema,
  parseInput,
  trajectoryPointSchema,
  type BaselineInput,
  type TrajectoryPointInput,
} from './report-input.ts';
import { idSchema, versionSchema } from '../domain/vocabulary.ts';
import { firstReportingPeriod } from './report-periods.ts';
import { inTransaction } from './transaction.ts';

export type { BaselineInput, TrajectoryPointInput } from './report-input.ts';
export type { PlanTarget } from './plan-state.ts';

/** The report states whose readings count as the target's. */
export const COUNTED_REPORT_STATES: readonly ReportState[] = ['submitted', 'accepted'];

/** A recorded reading of a target. */
export interface TargetReading {
  id: string;
  targetId: string;
  period: string;
  value: number;
  source: string;
  /** The report it came with, and that report's unit; null when entered without a report. */
  reportId: string | null;
  unitId: string | null;
  /** The name of `unitId`; null with it. */
  unitName: string | null;
  createdAt: string;
  createdBy: string | null;
  /** The display name of `createdBy`; null when it names nobody. */
  createdByName: string | null;
}

/** A period the office set by hand. */
export interface TrajectoryPoint {
  id: string;
  /** Send it back to change or remove the point. */
  version: number;
  targetId: string;
  period: string;
  planned: number;
}

export interface ProgressPoint extends PlannedPoint {
  /** The actual value at the period (running sum for a cumulative target), up to the latest reading; else null. */
  actual: number | null;
  /** The office's point, when `overridden`. */
  point: { id: string; version: number } | null;
}

export interface TargetProgress {
  target: PlanTarget;
  /** The period the target is due in (see the module comment); null when it has none. */
  deadline: PeriodKey | null;
  /** The baseline the path starts from, and where it came from (entered, the first reading, or zero). */
  baseline: { value: number; period: PeriodKey; source: BaselineSource } | null;
  /** The period assessed: the last one ended by `now` (the one units are reporting on), within the path. */
  asOf: PeriodKey | null;
  path: ProgressPoint[];
  /** The readings that count, one per period, in period order. */
  readings: TargetReading[];
  assessment: TargetAssessment | null;
  /** Where the readings' trend reaches by the deadline; null with fewer than two readings. */
  forecast: Forecast | null;
}

const REFUSE_EDIT =
  '只有方案办公室（工作专班）可以设置指标基期和计划路径（only the plan office sets baselines and paths）';
const REFUSE_READ = '无权查看指标进展（not allowed to read target progress）';

async function loadTarget(db: Db, actor: Actor, targetId: string): Promise<{ row: TargetRow; plan: Plan }> {
  const id = parseInput(idSchema, targetId, '指标');
  const row = await findTargetById(db, actor.workspaceId, id);
  if (row === undefined) throw notFound('指标', id);
  const plan = await findPlan(db, actor.workspaceId, row.plan_id);
  if (plan === undefined) throw notFound('方案', row.plan_id);
  return { row, plan: mapPlan(plan) };
}

/** The period a target is due in, from its deadline, its span or the plan's end year. */
export function targetDeadline(
  row: Pick<TargetRow, 'deadline' | 'period'>,
  plan: Pick<Plan, 'endYear'>,
): PeriodKey | null {
  if (row.deadline !== null && isPeriodKey(row.deadline)) return row.deadline;
  const years = [row.deadline, row.period].flatMap((text) => text?.match(/\d{4}/g) ?? []);
  const year = years.at(-1) ?? (plan.endYear === null ? undefined : String(plan.endYear));
  return year !== undefined && isPeriodKey(year) ? year : null;
}

/** The columns of a target that make its spec (the dashboard reads no more). */
export type TargetSpecRow = Pick<
  TargetRow,
  | 'deadline'
  | 'period'
  | 'comparator'
  | 'value_low'
  | 'value_high'
  | 'cumulative'
  | 'baseline_value'
  | 'baseline_period'
> &
  Partial<Pick<TargetRow, 'unit'>>;

/**
 * The target as the domain rules see it: the deadline from `targetDeadline`, the entered baseline (if any), a
 * stored baseline without a period taken as of the year before the plan starts. Null without a deadline.
 */
export function specOf(row: TargetSpecRow, plan: Pick<Plan, 'startYear' | 'endYear'>): TargetSpec | null {
  const deadline = targetDeadline(row, plan);
  if (deadline === null) return null;
  const baselinePeriod = row.baseline_period ?? (plan.startYear === null ? null : String(plan.startYear - 1));
  return {
    comparator: row.comparator,
    value: row.comparator === 'range' ? [row.value_low, row.value_high ?? row.value_low] : row.value_low,
    deadline,
    cumulative: row.cumulative === 1,
    ...(row.unit === undefined ? {} : { unit: row.unit }),
    ...(row.baseline_value === null || baselinePeriod === null
      ? {}
      : { baseline: { value: row.baseline_value, period: baselinePeriod } }),
  };
}

function toTargetReading(row: TargetReadingRow): TargetReading {
  return {
    id: row.id,
    targetId: row.target_id,
    period: row.period,
    value: row.value,
    source: row.source,
    reportId: row.report_id,
    unitId: row.report_unit_id,
    unitName: row.report_unit_name,
    createdAt: row.created_at,
    createdBy: row.created_by,
    createdByName: row.created_by_name,
  };
}

/**
 * The readings that count, one per period (see the module comment), in period order: of several for a period the
 * primary lead's (or one entered without a report) wins over another lead's, then the latest submitted.
 */
function countedReadings(rows: readonly TargetReadingRow[], primaryUnitId: string | null): TargetReadingRow[] {
  const rank = (row: TargetReadingRow) => (row.report_id === null || row.report_unit_id === primaryUnitId ? 1 : 0);
  const when = (row: TargetReadingRow) => row.report_submitted_at ?? row.created_at;
  const byPeriod = new Map<string, TargetReadingRow>();
  for (const row of rows) {
    const held = byPeriod.get(row.period);
    if (held === undefined || rank(row) > rank(held) || (rank(row) === rank(held) && when(row) >= when(held))) {
      byPeriod.set(row.period, row);
    }
  }
  return [...byPeriod.values()].sort((a, b) => comparePeriods(a.period, b.period));
}

async function primaryLeadOf(db: Db, workspaceId: string, taskId: string | null): Promise<string | null> {
  if (taskId === null) return null;
  const units = await findUnitsOfTask(db, workspaceId, taskId);
  return units.find((unit) => unit.role === 'lead')?.unit_id ?? null;
}

/** A target's readings that count (see the module comment), one per period, in period order. */
export async function listReadings(ctx: ServiceContext, actor: Actor, targetId: string): Promise<TargetReading[]> {
  if (!canViewTargetProgress(actor)) throw forbidden(REFUSE_READ);
  const { row } = await loadTarget(ctx.db, actor, targetId);
  const [rows, primary] = await Promise.all([
    findReadingsOfTarget(ctx.db, actor.workspaceId, row.id, COUNTED_REPORT_STATES),
    primaryLeadOf(ctx.db, actor.workspaceId, row.task_id),
  ]);
  return countedReadings(rows, primary).map(toTargetReading);
}

/**
 * The office enters a target's baseline (基期值) at `expectedVersion`: the value at the end of `period`, no later
 * than the deadline (`invalid-target` otherwise). From then on it, not the first reading, starts the path.
 */
export async function setTargetBaseline(
  ctx: ServiceContext,
  actor: Actor,
  targetId: string,
  expectedVersion: number,
  input: BaselineInput,
): Promise<PlanTarget> {
  if (!canEditTargetPath(actor)) throw forbidden(REFUSE_EDIT);
  const baseline = parseInput(baselineSchema, input, '基期');
  parseInput(versionSchema, expectedVersion, '版本号');
  const at = ctx.clock();
  const now = at.toISOString();
  return inTransaction(ctx.db, async (trx) => {
    const { row, plan } = await loadTarget(trx, actor, targetId);
    if (baseline.value < 0 && !allowsNegative(row)) throw negativeRefused(row.unit, 'value');
    const spec = specOf(row, plan);
    if (spec !== null) validateTargetSpec({ ...spec, baseline });
    if (row.version !== expectedVersion) throw stale('指标', row.id, expectedVersion);
    const change = { baseline_value: baseline.value, baseline_period: baseline.period };
    if (!(await updateTarget(trx, actor.workspaceId, row.id, expectedVersion, change, now))) {
      throw stale('指标', row.id, expectedVersion);
    }
    if (row.task_id !== null) await markTaskStatusStale(trx, actor.workspaceId, row.task_id, now);
    await recordAudit(trx, actor, at, {
      action: 'target.set-baseline',
      subjectType: 'target',
      subjectId: row.id,
      detail: {
        version: expectedVersion + 1,
        from: row.baseline_value === null ? null : { value: row.baseline_value, period: row.baseline_period },
        to: baseline,
      },
    });
    return mapTarget({ ...row, ...change, version: expectedVersion + 1, updated_at: now });
  });
}

/**
 * The office sets the planned value of one period of a target's path (its running sum, for a cumulative target),
 * overriding the straight line there only; `planned: null` removes the override. The period must be of the plan's
 * reporting frequency. Creating a point takes no version; changing or removing one takes the point's version
 * (`stale` otherwise — also when a point was created meanwhile). Returns the point, or null once removed.
 */
export async function setTrajectoryPoint(
  ctx: ServiceContext,
  actor: Actor,
  targetId: string,
  input: TrajectoryPointInput,
): Promise<TrajectoryPoint | null> {
  if (!canEditTargetPath(actor)) throw forbidden(REFUSE_EDIT);
  const { period, planned, expectedVersion } = parseInput(trajectoryPointSchema, input, '计划值');
  const at = ctx.clock();
  const now = at.toISOString();
  const ws = actor.workspaceId;
  try {
    return await inTransaction(ctx.db, async (trx) => {
      const { row, plan } = await loadTarget(trx, actor, targetId);
      if (planned !== null && planned < 0 && !allowsNegative(row)) throw negativeRefused(row.unit, 'planned');
      if (periodFrequency(period) !== plan.cycle.frequency) {
        throw new ServiceError(
          'invalid-input',
          `计划值的报告期“${period}”应与方案的报送周期一致（a period of the plan’s ${plan.cycle.frequency} cycle）`,
          { field: 'period' },
        );
      }
      const existing = await findTrajectoryPoint(trx, ws, row.id, period);
      const audit = (action: string, detail: Record<string, unknown>) =>
        recordAudit(trx, actor, at, {
          action,
          subjectType: 'target',
          subjectId: row.id,
          detail: { period, ...detail },
        });
      if (existing !== undefined && existing.version !== expectedVersion) {
        throw stale('计划值', existing.id, expectedVersion ?? 0);
      }
      if (row.task_id !== null) await markTaskStatusStale(trx, ws, row.task_id, now);
      if (planned === null) {
        if (existing === undefined) {
          if (expectedVersion !== undefined) throw stale('计划值', `${row.id}/${period}`, expectedVersion);
          return null;
        }
        if (!(await deleteTrajectoryPoint(trx, ws, existing.id, existing.version))) {
          throw stale('计划值', existing.id, existing.version);
        }
        await audit('target.remove-trajectory-point', { from: existing.planned });
        return null;
      }
      if (existing === undefined) {
        if (expectedVersion !== undefined) throw stale('计划值', `${row.id}/${period}`, expectedVersion);
        const id = newId('trajectoryPoint');
        await insertTrajectoryPoint(trx, {
          id,
          workspace_id: ws,
          created_at: now,
          updated_at: now,
          target_id: row.id,
          period,
          planned,
        });
        await audit('target.set-trajectory-point', { from: null, to: planned, version: 1 });
        return { id, version: 1, targetId: row.id, period, planned };
      }
      if (!(await updateTrajectoryPoint(trx, ws, existing.id, existing.version, planned, now))) {
        throw stale('计划值', existing.id, existing.version);
      }
      await audit('target.set-trajectory-point', {
        from: existing.planned,
        to: planned,
        version: existing.version + 1,
      });
      return { id: existing.id, version: existing.version + 1, targetId: row.id, period, planned };
    });
  } catch (error) {
    // Two first sets of one period at once: the second finds the point made meanwhile.
    if (isUniqueViolation(error)) throw stale('计划值', `${targetId}/${period}`, expectedVersion ?? 0);
    throw error;
  }
}

/**
 * Where a target stands at `now`: the planned path over the plan's reporting periods up to the deadline (the
 * domain's `plannedPath`: linear from the baseline — the entered one, else the first reading — with the office's
 * overrides), the actual values, the assessment of the last period ended by `now` (`assessTarget`), and the
 * forecast from the readings' trend (`forecast`).
 */
export async function targetProgress(
  ctx: ServiceContext,
  actor: Actor,
  targetId: string,
  now: Date = ctx.clock(),
): Promise<TargetProgress> {
  if (!canViewTargetProgress(actor)) throw forbidden(REFUSE_READ);
  const { row, plan } = await loadTarget(ctx.db, actor, targetId);
  const ws = actor.workspaceId;
  const [readings, primaryUnitId, points, timeZone] = await Promise.all([
    findReadingsOfTarget(ctx.db, ws, row.id, COUNTED_REPORT_STATES),
    primaryLeadOf(ctx.db, ws, row.task_id),
    findTrajectoryPoints(ctx.db, ws, row.id),
    workspaceTimeZone(ctx.db, ws),
  ]);
  return targetProgressOf({ row, plan, readings, primaryUnitId, points, timeZone }, now);
}

/** A target's record as `targetProgressOf` reads it (read for many targets at once by the task status). */
export interface TargetRecord {
  row: TargetRow;
  plan: Plan;
  /** Its readings entered without a report and those of reports in `COUNTED_REPORT_STATES`, in period order. */
  readings: readonly TargetReadingRow[];
  /** The primary lead unit of its task, whose reading of a period wins (see `countedReadings`). */
  primaryUnitId: string | null;
  /** The office's planned values. */
  points: readonly TrajectoryPointRow[];
  /** The workspace's time zone. */
  timeZone: string;
}

/** `targetProgress` from a target's record, without reading anything. */
export function targetProgressOf(record: TargetRecord, now: Date): TargetProgress {
  const { row, plan, points } = record;
  const counted = countedReadings(record.readings, record.primaryUnitId);
  const target = mapTarget(row);
  const spec = specOf(row, plan);
  const base = { target, readings: counted.map(toTargetReading) };
  if (spec === null) {
    return { ...base, deadline: null, baseline: null, asOf: null, path: [], assessment: null, forecast: null };
  }
  const frequency = plan.cycle.frequency;
  const zone = record.timeZone;
  const first = firstReportingPeriod(plan, zone);
  const last = alignPeriod(spec.deadline, frequency, 'last');
  const periods = comparePeriods(first, last) <= 0 ? periodsBetween(first, last) : [last];
  const readings: Reading[] = counted.map((reading) => ({ period: reading.period, value: reading.value }));
  const overrides: Record<PeriodKey, number> = {};
  const pointOf = new Map(points.map((point) => [point.period, point]));
  for (const point of points) if (periodFrequency(point.period) === frequency) overrides[point.period] = point.planned;

  const path = plannedPath(spec, periods, overrides, readings);
  const resolved = resolveBaseline(spec, readings, periods[0]);
  const ended = previousPeriod(periodContaining(now, frequency, zone));
  const asOf = [first, ended, last].sort(comparePeriods)[1] as PeriodKey;
  const latest = readings.at(-1)?.period;
  const cumulativeBase = spec.cumulative ? (resolved?.baseline ?? undefined) : undefined;
  return {
    ...base,
    deadline: spec.deadline,
    baseline: resolved === null ? null : { ...resolved.baseline, source: resolved.source },
    asOf,
    path: path.map((point) => {
      const override = point.overridden ? pointOf.get(point.period) : undefined;
      return {
        ...point,
        actual:
          latest !== undefined && comparePeriods(point.period, latest) <= 0
            ? actualAt(readings, point.period, spec.cumulative, cumulativeBase)
            : null,
        point: override === undefined ? null : { id: override.id, version: override.version },
      };
    }),
    assessment: assessTarget(spec, path, readings, asOf),
    forecast: forecast(readings, spec),
  };
}
