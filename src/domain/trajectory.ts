/**
 * The planned trajectory of a target (the path by reporting period), what the readings say at a period, how far
 * the two lie apart, and where the readings are heading.
 */
import { DomainError } from './errors.ts';
import {
  alignPeriod,
  periodDistance,
  periodFrequency,
  periodLabel,
  periodMonths,
  previousPeriod,
  type PeriodKey,
} from './periods.ts';
import {
  aimOf,
  describeTarget,
  formatQuantity,
  latestReadingPerPeriod,
  meetsTarget,
  targetDirection,
  tolerance,
  validateTargetSpec,
  type Baseline,
  type Reading,
  type TargetSpec,
} from './quantities.ts';

/** Short of the path by more than this share of the distance from baseline to target: behind (落后). */
export const BEHIND_THRESHOLD = 0.05;
/** Short of the path by more than this share of the distance from baseline to target: off track (严重滞后). */
export const OFF_TRACK_THRESHOLD = 0.2;

export interface PlannedPoint {
  period: PeriodKey;
  /** The planned value (for a cumulative target, the planned running sum); null before the baseline's period. */
  planned: number | null;
  /** True when the plan office set this period's value by hand. */
  overridden: boolean;
}

/** Planned values the plan office set by hand, by period key (for cumulative targets, running sums). */
export type PlanOverrides = Readonly<Partial<Record<PeriodKey, number>>>;

export type BaselineSource = 'entered' | 'first-reading' | 'zero';

export interface ResolvedBaseline {
  baseline: Baseline;
  /** `entered` by the office; the `first-reading` standing in for it; or `zero` for a running sum not yet begun. */
  source: BaselineSource;
}

/**
 * The baseline a trajectory starts from. The entered one when there is one. Otherwise, for a point-in-time target,
 * the first reading (by period) stands in, as the issue asks. For a cumulative target a running sum has a known
 * start — nothing — so it starts at 0 at the end of the period before `firstPeriod` (the path's first period, or
 * the first reading's); this keeps the first period's amount measured against the path rather than defining it.
 * Null when nothing is known yet.
 *
 * @example
 * const spec: TargetSpec = { comparator: '>=', value: 800, deadline: '2025', cumulative: false };
 * resolveBaseline(spec, [{ period: '2021-Q1', value: 320 }]);
 * // { baseline: { value: 320, period: '2021-Q1' }, source: 'first-reading' }
 */
export function resolveBaseline(
  spec: TargetSpec,
  readings: readonly Reading[],
  firstPeriod?: PeriodKey,
): ResolvedBaseline | null {
  if (spec.baseline) return { baseline: spec.baseline, source: 'entered' };
  const first = latestReadingPerPeriod(readings)[0];
  if (spec.cumulative) {
    const start = firstPeriod ?? first?.period;
    return start === undefined ? null : { baseline: { value: 0, period: previousPeriod(start) }, source: 'zero' };
  }
  return first ? { baseline: { value: first.value, period: first.period }, source: 'first-reading' } : null;
}

/** The default planned value: linear in reporting periods from the baseline to the aim at the deadline. */
function linearPlanned(spec: TargetSpec, baseline: Baseline, period: PeriodKey): number | null {
  const frequency = periodFrequency(period);
  const start = alignPeriod(baseline.period, frequency, 'last');
  const steps = periodDistance(start, period);
  if (steps < 0) return null;
  const total = periodDistance(start, alignPeriod(spec.deadline, frequency, 'last'));
  const aim = aimOf(spec, baseline);
  if (steps >= total) return aim;
  return baseline.value + ((aim - baseline.value) * steps) / total;
}

/**
 * The planned trajectory over `periods` (one reporting frequency): by default a straight line per reporting period
 * from the baseline (at the end of its period) to the target (at the deadline's last period), then flat at the
 * target. A period in `overrides` takes the office's value instead, and only that period changes. For a cumulative
 * target the path is of the running sum. A range aims at its lower bound (see `aimOf`); a `<=` target falls.
 * Without an entered baseline one is taken from `readings` (see `resolveBaseline`); with none at all the planned
 * values are null.
 *
 * @example
 * const baseline = { value: 300, period: '2020' };
 * const spec: TargetSpec = { comparator: '>=', value: 800, deadline: '2025', cumulative: false, baseline };
 * plannedPath(spec, ['2021-Q1', '2021-Q2'], { '2021-Q2': 360 });
 * // [{ period: '2021-Q1', planned: 325, overridden: false }, { period: '2021-Q2', planned: 360, overridden: true }]
 */
export function plannedPath(
  spec: TargetSpec,
  periods: readonly PeriodKey[],
  overrides: PlanOverrides = {},
  readings: readonly Reading[] = [],
): PlannedPoint[] {
  validateTargetSpec(spec);
  const [first] = periods;
  if (first === undefined) return [];
  const frequency = periodFrequency(first);
  const resolved = resolveBaseline(spec, readings, first);
  return periods.map((period) => {
    if (periodFrequency(period) !== frequency) {
      throw new DomainError(
        'invalid-period',
        `计划路径的报告期应为同一周期：“${first}”与“${period}”不同（the planned path mixes frequencies: "${first}" and "${period}"）`,
        { periods },
      );
    }
    const override = Object.hasOwn(overrides, period) ? overrides[period] : undefined;
    if (override !== undefined) {
      if (!Number.isFinite(override)) {
        throw new DomainError(
          'invalid-target',
          `${periodLabel(period)}的计划值应为有限数值（the planned value for ${period} must be a finite number）`,
          { period, override },
        );
      }
      return { period, planned: override, overridden: true };
    }
    return { period, planned: resolved ? linearPlanned(spec, resolved.baseline, period) : null, overridden: false };
  });
}

function latestActual(
  readings: readonly Reading[],
  period: PeriodKey,
  cumulative: boolean,
  baseline?: Baseline,
): { value: number; period: PeriodKey } | null {
  const limit = periodMonths(period).last;
  const counted = latestReadingPerPeriod(readings).filter((r) => periodMonths(r.period).last <= limit);
  const last = counted.at(-1);
  if (!last) return null;
  if (!cumulative) return { value: last.value, period: last.period };
  // Readings up to the baseline's period are already inside the baseline's running sum.
  const since = baseline ? periodMonths(baseline.period).last : -Infinity;
  const added = counted.filter((r) => periodMonths(r.period).last > since);
  if (added.length === 0) return null;
  return { value: added.reduce((sum, r) => sum + r.value, baseline?.value ?? 0), period: last.period };
}

/**
 * The actual value at a period, from readings up to and including it (a reading counts when its period ends no
 * later than `period` ends). Point-in-time: the latest reading. Cumulative: the running sum — `baseline.value` plus
 * the readings after the baseline's period when a baseline is given, else all readings. Null with no reading.
 * Readings of a cumulative target must not overlap (a year and its quarters would count twice).
 *
 * @example
 * const readings = [{ period: '2021-Q1', value: 10 }, { period: '2021-Q2', value: 15 }];
 * actualAt(readings, '2021-Q2', false); // 15
 * actualAt(readings, '2021-Q2', true); // 25
 * actualAt(readings, '2020-Q4', true); // null
 */
export function actualAt(
  readings: readonly Reading[],
  period: PeriodKey,
  cumulative: boolean,
  baseline?: Baseline,
): number | null {
  return latestActual(readings, period, cumulative, baseline)?.value ?? null;
}

export type TargetStatus = 'met' | 'on-track' | 'behind' | 'off-track' | 'no-data';

export const TARGET_STATUS_LABELS: Readonly<Record<TargetStatus, string>> = {
  met: '已完成',
  'on-track': '符合进度',
  behind: '进度落后',
  'off-track': '严重滞后',
  'no-data': '暂无数据',
};

export type TargetReasonCode =
  | 'met'
  | 'on-path'
  | 'behind-path'
  | 'off-path'
  | 'missed-deadline'
  | 'no-reading'
  | 'no-path'
  | 'baseline-from-first-reading';

export interface TargetReason {
  code: TargetReasonCode;
  message: string;
}

export interface TargetAssessment {
  status: TargetStatus;
  period: PeriodKey;
  /** The planned value at the period (the office's value when overridden); null when there is no path yet. */
  expected: number | null;
  /** The actual value at the period (see `actualAt`); null without readings. */
  actual: number | null;
  /** The period of the latest reading that `actual` rests on. */
  readingPeriod: PeriodKey | null;
  /**
   * How far the actual value falls short of the path, in the target's unit and direction: positive when behind,
   * zero or negative when on or ahead of the path. Null when either side is missing.
   */
  gap: number | null;
  /** The main reason first; a note on a stand-in baseline after it. */
  reasons: TargetReason[];
}

/**
 * Assesses a target at a period against its planned path:
 * - `no-data` — no reading up to the period (or no planned value yet, when the period precedes the baseline);
 * - `met` — the actual value satisfies the target (see `meetsTarget`; a range at its lower bound). A cumulative
 *   `<=` cap is judged met only once its deadline is reached, as the sum can still grow;
 * - `off-track` — the deadline is reached and the target is not met; or the actual value falls short of the path
 *   by more than `OFF_TRACK_THRESHOLD` (20 %) of the distance from baseline to target;
 * - `behind` — short by more than `BEHIND_THRESHOLD` (5 %) of that distance, up to 20 %;
 * - `on-track` — otherwise (on the path, ahead of it, or short by at most 5 %).
 * "Short" follows the target's direction: below the path for a rising target, above it for a `<=` target. When the
 * baseline already sits on the target there is no distance, so the target's own size (or 1) stands in.
 *
 * @example
 * const baseline = { value: 300, period: '2020' };
 * const spec: TargetSpec = { comparator: '>=', value: 800, deadline: '2025', cumulative: false, unit: '亿元', baseline };
 * const path = plannedPath(spec, ['2021-Q4']); // planned 400
 * assessTarget(spec, path, [{ period: '2021-Q4', value: 370 }], '2021-Q4');
 * // { status: 'behind', expected: 400, actual: 370, gap: 30, … } (30 is 6 % of 500)
 */
export function assessTarget(
  spec: TargetSpec,
  path: readonly PlannedPoint[],
  readings: readonly Reading[],
  period: PeriodKey,
): TargetAssessment {
  validateTargetSpec(spec);
  const resolved = resolveBaseline(spec, readings, path[0]?.period);
  const baseline = resolved?.baseline ?? null;
  const point = path.find((p) => p.period === period);
  const expected = point ? point.planned : baseline ? linearPlanned(spec, baseline, period) : null;
  const reading = latestActual(
    readings,
    period,
    spec.cumulative,
    spec.cumulative ? (baseline ?? undefined) : undefined,
  );
  const actual = reading?.value ?? null;
  const direction = targetDirection(spec, baseline);
  const gap = expected !== null && actual !== null ? (expected - actual) * direction : null;
  const unit = spec.unit ?? '';
  const label = periodLabel(period);
  const amount = (value: number | null) => (value === null ? '—' : formatQuantity(value) + unit);
  // Only the path's messages quote the figures: they are written out when one is chosen.
  const figures = () => `${label}应达 ${amount(expected)}，实际 ${amount(actual)}`;

  const notes: TargetReason[] =
    resolved?.source === 'first-reading'
      ? [
          {
            code: 'baseline-from-first-reading',
            message: `未设基期值，暂以首次填报（${periodLabel(resolved.baseline.period)}：${amount(resolved.baseline.value)}）作为基期`,
          },
        ]
      : [];
  const result = (status: TargetStatus, code: TargetReasonCode, message: string): TargetAssessment => ({
    status,
    period,
    expected,
    actual,
    readingPeriod: reading?.period ?? null,
    gap,
    reasons: [{ code, message }, ...notes],
  });

  if (actual === null) return result('no-data', 'no-reading', `截至${label}尚无填报数据`);
  const deadlineReached = periodMonths(period).last >= periodMonths(spec.deadline).last;
  const isCap = spec.cumulative && direction === -1;
  if (meetsTarget(spec, actual, baseline) && (deadlineReached || !isCap)) {
    return result('met', 'met', `已达到目标（实际 ${amount(actual)}，目标 ${describeTarget(spec)}）`);
  }
  if (deadlineReached) {
    return result(
      'off-track',
      'missed-deadline',
      `已到完成期限（${periodLabel(spec.deadline)}），未达到目标 ${describeTarget(spec)}（实际 ${amount(actual)}）`,
    );
  }
  if (expected === null || gap === null) return result('no-data', 'no-path', `${label}尚无计划值（早于基期）`);

  const aim = aimOf(spec, baseline);
  const scale = Math.abs(aim - (baseline?.value ?? aim)) || Math.abs(aim) || 1;
  const slack = tolerance(scale);
  if (gap > OFF_TRACK_THRESHOLD * scale + slack) {
    return result(
      'off-track',
      'off-path',
      `严重落后于计划进度 ${formatQuantity(gap)}${unit}（${figures()}），超过基期至目标差距的 ${OFF_TRACK_THRESHOLD * 100}%`,
    );
  }
  if (gap > BEHIND_THRESHOLD * scale + slack) {
    return result(
      'behind',
      'behind-path',
      `落后于计划进度 ${formatQuantity(gap)}${unit}（${figures()}），超过基期至目标差距的 ${BEHIND_THRESHOLD * 100}%`,
    );
  }
  return result('on-track', 'on-path', `符合计划进度（${figures()}）`);
}

export interface Forecast {
  /** The value the readings' trend reaches at the deadline's last month (a running sum for cumulative targets). */
  value: number;
  /** True when that value would satisfy the target. */
  meets: boolean;
  deadline: PeriodKey;
  /** The trend's slope per year, in the target's unit. */
  slopePerYear: number;
  /** How many readings (one per period) the line was fitted to. */
  basedOn: number;
}

/**
 * Projects the readings to the deadline with a least-squares line (x = the last month of each reading's period,
 * so readings of mixed frequencies sit on one axis; y = the value, or the running sum for a cumulative target).
 * Null with fewer than two readings in distinct months, as no trend can be drawn.
 *
 * @example
 * const spec: TargetSpec = { comparator: '>=', value: 800, deadline: '2025', cumulative: false };
 * forecast([{ period: '2021', value: 350 }, { period: '2022', value: 400 }, { period: '2023', value: 450 }], spec);
 * // { value: 550, meets: false, deadline: '2025', slopePerYear: 50, basedOn: 3 }
 */
export function forecast(readings: readonly Reading[], spec: TargetSpec): Forecast | null {
  validateTargetSpec(spec);
  let sum = spec.baseline?.value ?? 0;
  const since = spec.baseline ? periodMonths(spec.baseline.period).last : -Infinity;
  const points = latestReadingPerPeriod(readings)
    .filter((r) => !spec.cumulative || periodMonths(r.period).last > since)
    .map((r) => {
      sum += r.value;
      return { x: periodMonths(r.period).last, y: spec.cumulative ? sum : r.value };
    });
  const n = points.length;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  if (n < 2 || sxx === 0) return null;
  const slope = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0) / sxx;
  const value = meanY + slope * (periodMonths(spec.deadline).last - meanX);
  const baseline = resolveBaseline(spec, readings)?.baseline ?? null;
  return {
    value,
    meets: meetsTarget(spec, value, baseline),
    deadline: spec.deadline,
    slopePerYear: slope * 12,
    basedOn: n,
  };
}
