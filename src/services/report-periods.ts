/**
 * A plan's reporting periods (报告期): from the plan's start to now, each with the instant its report is due — the
 * plan's cycle (frequency and due days, from the plan row) read in the workspace's time zone.
 *
 * The plan starts with the later of the first period of its start year and the period it was issued in (a plan
 * issued in June 2021 for 2021–2025 reports from 2021-Q2); without either, the period it was created in. It ends
 * with the last period of its end year, if it has one.
 *
 * Reporting starts (报送起始日) on a date the office sets per plan, by default the later of the plan's start and
 * its confirmation: periods before the one holding it are not expected (`firstExpectedPeriod`), though a unit may
 * still file them.
 */
import {
  alignPeriod,
  comparePeriods,
  periodBounds,
  periodContaining,
  periodLabel,
  periodsBetween,
  localDateOf,
  reportDueAt,
  startOfLocalDay,
  type PeriodKey,
} from '../domain/periods.ts';
import type { Plan } from './plan-state.ts';

/** What the periods depend on: the plan's horizon, issue date and cycle. */
export type ReportingPlan = Pick<Plan, 'startYear' | 'endYear' | 'issuedOn' | 'cycle' | 'createdAt'> &
  Partial<Pick<Plan, 'reportingStartsOn'>>;

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

/**
 * The date reporting starts (报送起始日): the office's, or by default the later of the plan's start (the first day of
 * its first reporting period) and the local day it was confirmed.
 *
 * @example
 * // 2021–2025, issued 2021-06-02, confirmed 2026-12-07: reports are expected from 2026-12-07 (2026-Q4) on
 * reportingStartOf(plan, 'Asia/Shanghai'); // { date: '2026-12-07', isDefault: true }
 */
export function reportingStartOf(plan: ReportingPlan, timeZone: string): { date: string; isDefault: boolean } {
  if (plan.reportingStartsOn != null) return { date: plan.reportingStartsOn, isDefault: false };
  const planStart = localDateOf(periodBounds(firstReportingPeriod(plan, timeZone), timeZone).start, timeZone);
  const confirmed = localDateOf(new Date(plan.createdAt), timeZone);
  return { date: planStart > confirmed ? planStart : confirmed, isDefault: true };
}

/** The first period a report is expected for: the one holding the reporting start, or the plan's first if later. */
export function firstExpectedPeriod(plan: ReportingPlan, timeZone: string): PeriodKey {
  const start = periodContaining(
    startOfLocalDay(reportingStartOf(plan, timeZone).date, timeZone),
    plan.cycle.frequency,
    timeZone,
  );
  const first = firstReportingPeriod(plan, timeZone);
  return comparePeriods(start, first) > 0 ? start : first;
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
