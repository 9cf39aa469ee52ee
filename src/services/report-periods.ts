/**
 * A plan's reporting periods (报告期): from the plan's start to now, each with the instant its report is due — the
 * plan's cycle (frequency and due days, from the plan row) read in the workspace's time zone.
 *
 * The plan starts with the later of the first period of its start year and the period it was issued in (a plan
 * issued in June 2021 for 2021–2025 reports from 2021-Q2); without either, the period it was created in. It ends
 * with the last period of its end year, if it has one.
 */
import {
  alignPeriod,
  comparePeriods,
  periodBounds,
  periodContaining,
  periodLabel,
  periodsBetween,
  reportDueAt,
  startOfLocalDay,
  type PeriodKey,
} from '../domain/periods.ts';
import type { Plan } from './plan-state.ts';

/** What the periods depend on: the plan's horizon, issue date and cycle. */
export type ReportingPlan = Pick<Plan, 'startYear' | 'endYear' | 'issuedOn' | 'cycle' | 'createdAt'>;

export interface ReportingPeriod {
  /** `2021-Q3`. */
  period: PeriodKey;
  /** `2021年第三季度`. */
  label: string;
  /** Local midnight of its first day (inclusive), ISO UTC. */
  startsAt: string;
  /** Local midnight after its last day (exclusive), ISO UTC. */
  endsAt: string;
  /** The instant its report is due (`reportDueAt`); a report submitted at or after it is late. */
  dueAt: string;
  /** True once the period is over at `now` (its report can be complete). */
  hasEnded: boolean;
  /** True once `now` is at or past the due instant. */
  isPastDue: boolean;
}

/** The plan's first reporting period, in its cycle's frequency. */
export function firstReportingPeriod(plan: ReportingPlan, timeZone: string): PeriodKey {
  const { frequency } = plan.cycle;
  const starts: PeriodKey[] = [];
  if (plan.startYear !== null) starts.push(alignPeriod(String(plan.startYear), frequency, 'first'));
  if (plan.issuedOn !== null) {
    starts.push(periodContaining(startOfLocalDay(plan.issuedOn, timeZone), frequency, timeZone));
  }
  if (starts.length === 0) starts.push(periodContaining(new Date(plan.createdAt), frequency, timeZone));
  return starts.sort(comparePeriods).at(-1) as PeriodKey;
}

/** The plan's last reporting period (the last of its end year), or null when it has no end year. */
export function lastReportingPeriod(plan: ReportingPlan): PeriodKey | null {
  return plan.endYear === null ? null : alignPeriod(String(plan.endYear), plan.cycle.frequency, 'last');
}

/**
 * The plan's reporting periods that have begun by `now`, oldest first, each with its due instant: from the plan's
 * first period to the one holding `now` (or the plan's last, if earlier). Empty before the plan starts.
 *
 * @example
 * // 金府发〔2021〕1号: 2021–2025, issued 2021-06-02, quarterly, due 15 days after the quarter
 * reportingPeriods(plan, new Date('2021-10-10T00:00:00Z'), 'Asia/Shanghai').map((p) => [p.period, p.dueAt]);
 * // [['2021-Q2', '2021-07-15T16:00:00.000Z'], ['2021-Q3', '2021-10-15T16:00:00.000Z'], ['2021-Q4', '2022-01-15T16:00:00.000Z']]
 */
export function reportingPeriods(plan: ReportingPlan, now: Date, timeZone: string): ReportingPeriod[] {
  const first = firstReportingPeriod(plan, timeZone);
  const current = periodContaining(now, plan.cycle.frequency, timeZone);
  const last = lastReportingPeriod(plan);
  const until = last !== null && comparePeriods(last, current) < 0 ? last : current;
  if (comparePeriods(until, first) < 0) return [];
  return periodsBetween(first, until).map((period) => {
    const { start, end } = periodBounds(period, timeZone);
    const dueAt = reportDueAt(period, plan.cycle, timeZone);
    return {
      period,
      label: periodLabel(period),
      startsAt: start.toISOString(),
      endsAt: end.toISOString(),
      dueAt: dueAt.toISOString(),
      hasEnded: now.getTime() >= end.getTime(),
      isPastDue: now.getTime() >= dueAt.getTime(),
    };
  });
}
