/**
 * Targets (指标) as the delivery rules see them: what must be reached, by when, from where — and what "reached"
 * means for each comparator. The trajectory rules in `trajectory.ts` build on these.
 */
import { DomainError } from './errors.ts';
import { parsePeriod, periodMonths, type PeriodKey } from './periods.ts';
import type { Comparator } from './plan-draft.ts';

export type { Comparator };

export const COMPARATORS: readonly Comparator[] = ['>=', '<=', '=', 'range', '>'];

/** Where a target starts: its value at the end of a period (基期). */
export interface Baseline {
  value: number;
  period: PeriodKey;
}

export interface TargetSpec {
  comparator: Comparator;
  /** The number; `[min, max]` for a range. */
  value: number | [number, number];
  /** The period the target is due in: a year (`2025`) or any period key (`2023-H1`). */
  deadline: PeriodKey;
  /** True for 累计 targets: readings are amounts per period and the target is their running sum. */
  cumulative: boolean;
  baseline?: Baseline;
  /** The unit as written ("亿元", "%"), for messages only. */
  unit?: string;
}

/**
 * A reported value. For a point-in-time target it is the level at the end of its period; for a cumulative target
 * it is the amount added during its period.
 */
export interface Reading {
  period: PeriodKey;
  value: number;
}

/** Units whose quantities go below zero as a matter of course (a change in percentage points, a temperature). */
const SIGNED_UNITS = new Set(['百分点', '个百分点', '℃', '°C']);
/** Words that make a per-cent target a rate of change (增长 6%, 同比下降 3%), which may be negative in a bad year. */
const RATE_OF_CHANGE = /增长|增速|增幅|增长率|下降|降低|减少|变化|变动|同比|环比|增减|涨幅|降幅/;

/**
 * Whether a value of this target may be negative. Counts and amounts (名, 家, 亿元, 平方米), levels and shares (覆盖率
 * 40%) cannot; rates of change (年均增长 6%, 同比下降 3%) and changes in percentage points can. A negative reading of
 * a count is a typing error, so the services refuse it.
 *
 * @example
 * allowsNegative({ unit: '名', text: '引进高层次人才100名' }); // false
 * allowsNegative({ unit: '%', text: '地区生产总值年均增长6%' }); // true
 */
export function allowsNegative(target: { readonly unit: string; readonly text: string }): boolean {
  const unit = target.unit.trim();
  if (SIGNED_UNITS.has(unit)) return true;
  return (unit === '%' || unit === '％') && RATE_OF_CHANGE.test(target.text);
}

function invalidTarget(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('invalid-target', message, details);
}

/**
 * Checks a target read from storage or a request; throws `DomainError('invalid-target')` naming what is wrong.
 * A range needs `[min, max]` with min ≤ max; other comparators a single number; every number finite; the
 * baseline no later than the deadline.
 *
 * @example
 * validateTargetSpec({ comparator: '>=', value: 800, deadline: '2025', cumulative: false }); // returns it
 * validateTargetSpec({ comparator: 'range', value: 800, deadline: '2025', cumulative: false }); // throws
 */
export function validateTargetSpec(spec: TargetSpec): TargetSpec {
  if (!COMPARATORS.includes(spec.comparator)) {
    throw invalidTarget(
      `指标比较方式“${String(spec.comparator)}”无效（unknown comparator "${String(spec.comparator)}"）`,
      {
        comparator: spec.comparator,
      },
    );
  }
  if (spec.comparator === 'range') {
    const value = spec.value;
    if (!Array.isArray(value) || value.length !== 2 || !value.every(Number.isFinite) || value[0] > value[1]) {
      throw invalidTarget(
        '区间指标的目标值应为 [下限, 上限]，且下限不大于上限（a range target is [low, high] with low ≤ high）',
        { value },
      );
    }
  } else if (typeof spec.value !== 'number' || !Number.isFinite(spec.value)) {
    throw invalidTarget('指标目标值应为有限数值（the target value must be a finite number）', { value: spec.value });
  }
  try {
    parsePeriod(spec.deadline);
  } catch {
    throw invalidTarget(
      `指标完成期限“${String(spec.deadline)}”无效，应为年份（如 2025）或报告期（invalid deadline: a year or a period）`,
      {
        deadline: spec.deadline,
      },
    );
  }
  if (typeof spec.cumulative !== 'boolean') {
    throw invalidTarget('指标应注明是否为累计值（say whether the target is cumulative）');
  }
  if (spec.baseline) {
    const { value, period } = spec.baseline;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalidTarget('基期值应为有限数值（the baseline must be a finite number）', { baseline: spec.baseline });
    }
    try {
      parsePeriod(period);
    } catch {
      throw invalidTarget(`基期“${String(period)}”无效（invalid baseline period）`, { baseline: spec.baseline });
    }
    if (periodMonths(period).last > periodMonths(spec.deadline).last) {
      throw invalidTarget(`基期“${period}”晚于完成期限“${spec.deadline}”（the baseline comes after the deadline）`, {
        baseline: spec.baseline,
      });
    }
  }
  return spec;
}

/**
 * Which way progress goes: +1 when higher is better, −1 when lower is better. `>=` and `>` rise and `<=` falls.
 * `=` (the importer reads 约/左右 as `=`) and ranges move from the baseline towards the target, so they fall only
 * when the baseline lies above the target (above the range's upper bound); without a baseline they rise.
 *
 * @example
 * targetDirection({ comparator: '<=', value: 30, deadline: '2025', cumulative: false }); // -1
 */
export function targetDirection(spec: TargetSpec, baseline: Baseline | null = spec.baseline ?? null): 1 | -1 {
  switch (spec.comparator) {
    case '>=':
    case '>':
      return 1;
    case '<=':
      return -1;
    case '=':
    case 'range': {
      const upper = Array.isArray(spec.value) ? spec.value[1] : spec.value;
      return baseline !== null && baseline.value > upper ? -1 : 1;
    }
  }
}

/**
 * The value the planned path aims at. Ranges count as met at the bound nearest the baseline — the lower bound for
 * a rising range (the rule), the upper bound for a falling one.
 *
 * @example
 * aimOf({ comparator: 'range', value: [6, 8], deadline: '2025', cumulative: false }); // 6
 */
export function aimOf(spec: TargetSpec, baseline: Baseline | null = spec.baseline ?? null): number {
  if (!Array.isArray(spec.value)) return spec.value;
  return targetDirection(spec, baseline) === 1 ? spec.value[0] : spec.value[1];
}

/** Float noise from sums of decimals (0.1 + 0.2) must not turn "reached" into "missed". */
export function tolerance(reference: number): number {
  return 1e-9 * Math.max(1, Math.abs(reference));
}

/**
 * True when a value satisfies the target: reaches its aim in the target's direction (`>` strictly).
 *
 * @example
 * meetsTarget({ comparator: '>=', value: 800, deadline: '2025', cumulative: false }, 800); // true
 * meetsTarget({ comparator: '<=', value: 30, deadline: '2025', cumulative: false }, 31); // false
 */
export function meetsTarget(
  spec: TargetSpec,
  value: number,
  baseline: Baseline | null = spec.baseline ?? null,
): boolean {
  const aim = aimOf(spec, baseline);
  if (spec.comparator === '>') return value > aim;
  return targetDirection(spec, baseline) === 1 ? value >= aim - tolerance(aim) : value <= aim + tolerance(aim);
}

/**
 * How the target reads in Chinese: "≥800亿元", "6–8%", "约50%".
 *
 * @example
 * describeTarget({ comparator: '>=', value: 800, deadline: '2025', cumulative: false, unit: '亿元' }); // '≥800亿元'
 */
export function describeTarget(spec: TargetSpec): string {
  const unit = spec.unit ?? '';
  if (Array.isArray(spec.value)) return `${formatQuantity(spec.value[0])}–${formatQuantity(spec.value[1])}${unit}`;
  const sign = { '>=': '≥', '<=': '≤', '>': '>', '=': '约', range: '' }[spec.comparator];
  return `${sign}${formatQuantity(spec.value)}${unit}`;
}

const NUMBER_FORMAT = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2, useGrouping: false });

/**
 * A number as messages show it: at most two decimals, no grouping (Chinese figures carry their magnitude in the
 * unit, 亿元/万人次).
 *
 * @example
 * formatQuantity(412.5049); // '412.5'
 */
export function formatQuantity(value: number): string {
  return NUMBER_FORMAT.format(value);
}

/**
 * One reading per period, in period order. A later entry for the same period replaces an earlier one: readings
 * come from the consolidated report of the primary lead unit, so a second value for a period is a correction.
 */
export function latestReadingPerPeriod(readings: readonly Reading[]): Reading[] {
  const byPeriod = new Map<PeriodKey, Reading>();
  for (const reading of readings) {
    parsePeriod(reading.period);
    byPeriod.delete(reading.period);
    byPeriod.set(reading.period, reading);
  }
  return [...byPeriod.values()].sort((a, b) => periodMonths(a.period).last - periodMonths(b.period).last);
}
