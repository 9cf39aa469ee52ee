/**
 * The rules of the supervision jobs (催办/督办 machinery), pure and with the time passed in:
 *
 * - **Report reminders.** A lead unit whose report for a period is not filed (submitted or accepted) gets one
 *   reminder notice (提醒) for it: from `daysBefore` days before the last day to report up to that day, or — when
 *   none went out in that window (the plan was imported late, the jobs were off) — on the day after, when the
 *   report has become overdue. Never two for one task, unit and period: the job records each one it sends.
 * - **Escalation.** A notice still open (no response) once its due day has ended goes up one level with a new due
 *   date, automatically only as far as 督办: 提醒 → 催办 → 督办. Flagging (挂牌督办) stays a human decision.
 * - **The status sweep.** Time alone changes a task's status, and every instant the status rules compare against
 *   is a local midnight (due days end then, periods start then); a workspace is swept again once its local date has
 *   changed since the last sweep, and at least every `intervalMs` anyway.
 *
 * Days are calendar days in the workspace's time zone (`YYYY-MM-DD`).
 */
import { DomainError } from './errors.ts';
import { localDateOf, periodLabel, type PeriodKey } from './periods.ts';
import { NOTICE_LEVEL_LABELS, type NoticeLevel } from './workflow.ts';

export type ReminderKind = 'before-due' | 'overdue';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

function utcOf(date: string): number {
  const match = ISO_DATE.exec(date);
  const time = match === null ? NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== date) {
    throw new DomainError(
      'invalid-date',
      `日期“${date}”无效，应写作 YYYY-MM-DD（invalid date "${date}": use YYYY-MM-DD）`,
      {
        date,
      },
    );
  }
  return time;
}

/**
 * The calendar day `days` after (or before, if negative) a day.
 *
 * @example
 * addDays('2021-12-30', 3); // '2022-01-02'
 */
export function addDays(date: string, days: number): string {
  return new Date(utcOf(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** How many days `to` lies after `from` (negative when before). */
export function daysBetween(from: string, to: string): number {
  return Math.round((utcOf(to) - utcOf(from)) / DAY_MS);
}

/**
 * The last local day on which a report due at `dueAt` is on time: due instants are exclusive local midnights, so
 * it is the day just before.
 *
 * @example
 * lastDayToReport(new Date('2021-10-15T16:00:00Z'), 'Asia/Shanghai'); // '2021-10-15'
 */
export function lastDayToReport(dueAt: Date, timeZone: string): string {
  return localDateOf(new Date(dueAt.getTime() - 1), timeZone);
}

/** 2021-10-15 → 2021年10月15日. */
export function dayText(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return `${year}年${month}月${day}日`;
}

/**
 * Whether a report not yet filed calls for its reminder on `today`: `before-due` from `daysBefore` days before its
 * last day up to that day, `overdue` on the day after it, null on any other day.
 *
 * @example
 * reminderKindOn('2021-10-12', '2021-10-15', 3); // 'before-due'
 * reminderKindOn('2021-10-16', '2021-10-15', 3); // 'overdue'
 * reminderKindOn('2021-10-17', '2021-10-15', 3); // null
 */
export function reminderKindOn(today: string, lastDay: string, daysBefore: number): ReminderKind | null {
  const ahead = daysBetween(today, lastDay);
  if (ahead >= 0 && ahead <= daysBefore) return 'before-due';
  if (ahead === -1) return 'overdue';
  return null;
}

export interface ReminderNotice {
  /** The unit should answer by the end of this day: the last day to report, or `responseDays` after an overdue one. */
  dueOn: string;
  body: string;
}

/**
 * The notice a reminder sends.
 *
 * @example
 * reminderNotice({ kind: 'before-due', period: '2021-Q3', lastDay: '2021-10-15', today: '2021-10-12', responseDays: 5 });
 * // { dueOn: '2021-10-15', body: '请于2021年10月15日前报送2021年第三季度进展报告。（系统自动提醒）' }
 */
export function reminderNotice(input: {
  kind: ReminderKind;
  period: PeriodKey;
  lastDay: string;
  today: string;
  responseDays: number;
}): ReminderNotice {
  const what = `${periodLabel(input.period)}进展报告`;
  if (input.kind === 'before-due') {
    return { dueOn: input.lastDay, body: `请于${dayText(input.lastDay)}前报送${what}。（系统自动提醒）` };
  }
  const dueOn = addDays(input.today, input.responseDays);
  return {
    dueOn,
    body: `${what}应于${dayText(input.lastDay)}前报送，现已逾期，请于${dayText(dueOn)}前补报。（系统自动提醒）`,
  };
}

/** The levels a job escalates to, from each level it escalates; 督办 and 挂牌督办 are not escalated by a job. */
const AUTOMATIC_NEXT: Readonly<Partial<Record<NoticeLevel, NoticeLevel>>> = {
  remind: 'urge',
  urge: 'supervise',
};

export interface AutomaticEscalation {
  from: NoticeLevel;
  to: NoticeLevel;
  /** The new due date. */
  dueOn: string;
  body: string;
}

/**
 * The automatic escalation of a notice on `today`, or null: only an open notice (no response) whose due day has
 * ended, and only up to 督办.
 *
 * @example
 * automaticEscalation({ level: 'remind', open: true, dueOn: '2021-10-15', body: '请报送' }, '2021-10-16', 5);
 * // { from: 'remind', to: 'urge', dueOn: '2021-10-21', body: '提醒单应于2021年10月15日前回复，逾期未回复，系统自动升级为催办。\n请报送' }
 */
export function automaticEscalation(
  notice: { level: NoticeLevel; open: boolean; dueOn: string; body: string },
  today: string,
  responseDays: number,
): AutomaticEscalation | null {
  const to = AUTOMATIC_NEXT[notice.level];
  if (to === undefined || !notice.open || daysBetween(notice.dueOn, today) < 1) return null;
  const from = NOTICE_LEVEL_LABELS[notice.level];
  return {
    from: notice.level,
    to,
    dueOn: addDays(today, responseDays),
    body:
      `${from}单应于${dayText(notice.dueOn)}前回复，逾期未回复，系统自动升级为${NOTICE_LEVEL_LABELS[to]}。\n` +
      notice.body,
  };
}

/**
 * Whether a workspace's status sweep is due at `now`: never swept, its local date has changed since the last sweep
 * (a local midnight passed: reports, milestones and tasks fall due then), or `intervalMs` has gone by.
 *
 * @example
 * // Shanghai: the last sweep at 23:40 local, now 00:05 the next day
 * isSweepDue(new Date('2021-10-15T15:40:00Z'), new Date('2021-10-15T16:05:00Z'), 'Asia/Shanghai', 3_600_000); // true
 */
export function isSweepDue(lastRunAt: Date | null, now: Date, timeZone: string, intervalMs: number): boolean {
  if (lastRunAt === null) return true;
  if (now.getTime() - lastRunAt.getTime() >= intervalMs) return true;
  return localDateOf(now, timeZone) !== localDateOf(lastRunAt, timeZone);
}
