/**
 * Reporting periods (报告期) and cycles. A period is named by a key — `2021-M07` (a month), `2021-Q3` (a quarter),
 * `2021-H2` (a half year), `2021` (a year) — and is a span of whole local months in the workspace's time zone.
 * Instants are `Date`s; local midnights are found with `Intl.DateTimeFormat`, so the rules hold in any IANA zone,
 * including zones with daylight saving time.
 */
import { DomainError } from './errors.ts';

export type Frequency = 'monthly' | 'quarterly' | 'half-yearly' | 'yearly';

export const FREQUENCIES: readonly Frequency[] = ['monthly', 'quarterly', 'half-yearly', 'yearly'];

/** A period key: `2021-M07`, `2021-Q3`, `2021-H2` or `2021`. */
export type PeriodKey = string;

/** A parsed period key. `index` counts from 1 within the year (month 1–12, quarter 1–4, half 1–2, year 1). */
export interface Period {
  frequency: Frequency;
  year: number;
  index: number;
}

/** How often a plan's units report, and how many days after a period ends the report is due. */
export interface ReportingCycle {
  frequency: Frequency;
  dueDays: number;
}

/** The default: quarterly reports, due 15 days after the quarter ends. */
export const DEFAULT_REPORTING_CYCLE: Readonly<ReportingCycle> = Object.freeze({ frequency: 'quarterly', dueDays: 15 });

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** No cycle gives a unit more than a year to report; a larger number is a typo. */
export const MAX_DUE_DAYS = 366;

const MONTHS_IN: Record<Frequency, number> = { monthly: 1, quarterly: 3, 'half-yearly': 6, yearly: 12 };
const DAY_MS = 86_400_000;
// Keys have four-digit years; below 1000 they would need padding and `Date.UTC` treats 0–99 as 1900–1999.
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

const KEY_PATTERN = /^(\d{4})(?:-(?:M(\d{2})|Q(\d)|H(\d)))?$/;

/**
 * Memos of pure look-ups a page repeats thousands of times (every reading's period, every due date's midnight).
 * Each is bounded: valid keys are few (20 per year), and past `MEMO_LIMIT` entries a memo starts afresh.
 */
const MEMO_LIMIT = 10_000;
const parsed = new Map<PeriodKey, Readonly<Period>>();
const midnights = new Map<string, number>();

function remember<K, V>(memo: Map<K, V>, key: K, value: V): V {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}

function invalidPeriod(key: unknown, why = ''): DomainError {
  return new DomainError(
    'invalid-period',
    `报告期“${String(key)}”无效${why}：应写作 2021-M07（月）、2021-Q3（季度）、2021-H2（半年）或 2021（年）` +
      `（invalid period "${String(key)}": write 2021-M07, 2021-Q3, 2021-H2 or 2021）`,
    { period: key },
  );
}

/**
 * Reads a period key; throws `DomainError('invalid-period')` for anything else (keys are case- and
 * space-sensitive because they are stored and compared as written).
 *
 * @example
 * parsePeriod('2021-Q3'); // { frequency: 'quarterly', year: 2021, index: 3 }
 * parsePeriod('2021-Q5'); // throws DomainError invalid-period
 */
export function parsePeriod(key: PeriodKey): Readonly<Period> {
  const known = typeof key === 'string' ? parsed.get(key) : undefined;
  if (known !== undefined) return known;
  const match = typeof key === 'string' ? KEY_PATTERN.exec(key) : null;
  if (!match) throw invalidPeriod(key);
  const year = Number(match[1]);
  if (year < MIN_YEAR) throw invalidPeriod(key, `（年份应在 ${MIN_YEAR}–${MAX_YEAR} 之间）`);
  const [, , month, quarter, half] = match;
  const period: Period =
    month !== undefined
      ? { frequency: 'monthly', year, index: Number(month) }
      : quarter !== undefined
        ? { frequency: 'quarterly', year, index: Number(quarter) }
        : half !== undefined
          ? { frequency: 'half-yearly', year, index: Number(half) }
          : { frequency: 'yearly', year, index: 1 };
  if (period.index < 1 || period.index > 12 / MONTHS_IN[period.frequency]) throw invalidPeriod(key);
  return remember(parsed, key, Object.freeze(period));
}

/**
 * Writes a period as its key; throws `DomainError('invalid-period')` for an index outside its year.
 *
 * @example
 * formatPeriod({ frequency: 'monthly', year: 2021, index: 7 }); // '2021-M07'
 */
export function formatPeriod(period: Period): PeriodKey {
  const { frequency, year, index } = period;
  const perYear = 12 / (MONTHS_IN[frequency] ?? NaN);
  if (
    !Number.isInteger(year) ||
    year < MIN_YEAR ||
    year > MAX_YEAR ||
    !Number.isInteger(index) ||
    index < 1 ||
    !(index <= perYear)
  ) {
    throw invalidPeriod(`${String(frequency)} ${String(year)}/${String(index)}`);
  }
  switch (frequency) {
    case 'monthly':
      return `${year}-M${String(index).padStart(2, '0')}`;
    case 'quarterly':
      return `${year}-Q${index}`;
    case 'half-yearly':
      return `${year}-H${index}`;
    case 'yearly':
      return String(year);
  }
}

/**
 * True when `key` is a well-formed period key.
 *
 * @example
 * isPeriodKey('2021-H2'); // true
 * isPeriodKey('2021-h2'); // false
 */
export function isPeriodKey(key: unknown): key is PeriodKey {
  try {
    parsePeriod(key as PeriodKey);
    return true;
  } catch {
    return false;
  }
}

/** The frequency a key is written in. @example periodFrequency('2021-H2'); // 'half-yearly' */
export function periodFrequency(key: PeriodKey): Frequency {
  return parsePeriod(key).frequency;
}

// Months are counted from year 0 (year * 12 + month - 1) so that periods of any frequency compare on one axis.
function monthSpan(period: Period): { first: number; last: number } {
  const size = MONTHS_IN[period.frequency];
  const first = period.year * 12 + (period.index - 1) * size;
  return { first, last: first + size - 1 };
}

function periodOfMonth(month: number, frequency: Frequency): Period {
  const year = Math.floor(month / 12);
  return { frequency, year, index: Math.floor((month - year * 12) / MONTHS_IN[frequency]) + 1 };
}

/**
 * The first and last month of a period on one axis (year × 12 + month − 1), to compare periods of any frequency.
 *
 * @example
 * periodMonths('2021-Q3'); // { first: 24258, last: 24260 }
 */
export function periodMonths(key: PeriodKey): { first: number; last: number } {
  return monthSpan(parsePeriod(key));
}

/**
 * Orders periods by their first month, then by their last (so `2021-M01` < `2021-Q1` < `2021`); a sort comparator.
 *
 * @example
 * ['2021-Q2', '2020', '2021-M01'].sort(comparePeriods); // ['2020', '2021-M01', '2021-Q2']
 */
export function comparePeriods(a: PeriodKey, b: PeriodKey): number {
  const x = periodMonths(a);
  const y = periodMonths(b);
  return x.first - y.first || x.last - y.last;
}

/**
 * The period of `frequency` that holds the first or last month of `key`. Used to place a deadline year or a
 * baseline on the reporting grid: the target due in 2025 is due in 2025-Q4 on a quarterly cycle.
 *
 * @example
 * alignPeriod('2025', 'quarterly'); // '2025-Q4'
 * alignPeriod('2025', 'monthly', 'first'); // '2025-M01'
 * alignPeriod('2021-M08', 'half-yearly'); // '2021-H2'
 */
export function alignPeriod(key: PeriodKey, frequency: Frequency, edge: 'first' | 'last' = 'last'): PeriodKey {
  assertFrequency(frequency);
  const span = periodMonths(key);
  return formatPeriod(periodOfMonth(edge === 'first' ? span.first : span.last, frequency));
}

function step(key: PeriodKey, by: number): PeriodKey {
  const period = parsePeriod(key);
  const perYear = 12 / MONTHS_IN[period.frequency];
  const ordinal = period.year * perYear + period.index - 1 + by;
  const year = Math.floor(ordinal / perYear);
  return formatPeriod({ frequency: period.frequency, year, index: ordinal - year * perYear + 1 });
}

/** The period before, of the same frequency. @example previousPeriod('2021-Q1'); // '2020-Q4' */
export function previousPeriod(key: PeriodKey): PeriodKey {
  return step(key, -1);
}

/** The period after, of the same frequency. @example nextPeriod('2021-M12'); // '2022-M01' */
export function nextPeriod(key: PeriodKey): PeriodKey {
  return step(key, 1);
}

function sameFrequency(from: PeriodKey, to: PeriodKey): [Period, Period] {
  const a = parsePeriod(from);
  const b = parsePeriod(to);
  if (a.frequency !== b.frequency) {
    throw new DomainError(
      'invalid-period',
      `报告期“${from}”与“${to}”的周期不同，不能逐期计算（periods "${from}" and "${to}" have different frequencies）`,
      { from, to },
    );
  }
  return [a, b];
}

/**
 * How many periods `to` lies after `from` (negative when before); both of one frequency.
 *
 * @example
 * periodDistance('2020-Q4', '2025-Q4'); // 20
 */
export function periodDistance(from: PeriodKey, to: PeriodKey): number {
  const [a, b] = sameFrequency(from, to);
  const perYear = 12 / MONTHS_IN[a.frequency];
  return (b.year - a.year) * perYear + (b.index - a.index);
}

/**
 * Every period from `from` to `to`, both included, in order; empty when `to` is before `from`. Both keys must be of
 * one frequency (`DomainError('invalid-period')` otherwise).
 *
 * @example
 * periodsBetween('2021-Q3', '2022-Q1'); // ['2021-Q3', '2021-Q4', '2022-Q1']
 */
export function periodsBetween(from: PeriodKey, to: PeriodKey): PeriodKey[] {
  const count = periodDistance(from, to) + 1;
  const keys: PeriodKey[] = [];
  for (let i = 0; i < count; i++) keys.push(i === 0 ? from : step(from, i));
  return keys;
}

/**
 * A Chinese label for a period, as the UI and messages show it.
 *
 * @example
 * periodLabel('2021-Q3'); // '2021年第三季度'
 * periodLabel('2021-H1'); // '2021年上半年'
 */
export function periodLabel(key: PeriodKey): string {
  const { frequency, year, index } = parsePeriod(key);
  switch (frequency) {
    case 'monthly':
      return `${year}年${index}月`;
    case 'quarterly':
      return `${year}年第${'一二三四'[index - 1] ?? index}季度`;
    case 'half-yearly':
      return `${year}年${index === 1 ? '上' : '下'}半年`;
    case 'yearly':
      return `${year}年`;
  }
}

// --- Time zones -------------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new DomainError(
        'invalid-time-zone',
        `时区“${timeZone}”无效，应为 IANA 时区名，如 Asia/Shanghai（unknown time zone "${timeZone}": use an IANA name）`,
        { timeZone },
      );
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Checks an IANA time zone name; throws `DomainError('invalid-time-zone')` when the runtime does not know it.
 *
 * @example
 * assertTimeZone('Asia/Shanghai'); // ok
 * assertTimeZone('Beijing'); // throws
 */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

function assertInstant(instant: Date): number {
  const time = instant instanceof Date ? instant.getTime() : NaN;
  if (Number.isNaN(time)) {
    throw new DomainError('invalid-date', '时间无效（invalid time）', { instant: String(instant) });
  }
  return time;
}

/** The wall-clock fields of an instant in a zone, as a UTC timestamp of those fields (seconds precision). */
function wallClock(time: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(time)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(fields.year ?? NaN, (fields.month ?? NaN) - 1, fields.day);
  utc.setUTCHours(fields.hour ?? NaN, fields.minute, fields.second, 0);
  return utc.getTime();
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
function offsetAt(time: number, timeZone: string): number {
  const seconds = time - (((time % 1000) + 1000) % 1000);
  return wallClock(seconds, timeZone) - seconds;
}

/**
 * The instant a local midnight happens. When the date has two midnights (clocks set back at midnight) the earlier
 * one starts the day; when it has none (clocks set forward at midnight, e.g. America/Asuncion 2023-10-01) the day
 * starts at the first instant after the gap. This is Temporal's 'compatible' disambiguation.
 */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const key = `${timeZone} ${year} ${month} ${day}`;
  const known = midnights.get(key);
  if (known !== undefined) return known;
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  const local = wall.getTime();
  // A zone changes offset at most once within a day on either side, so these two offsets cover every case.
  const before = offsetAt(local - DAY_MS, timeZone);
  const after = offsetAt(local + DAY_MS, timeZone);
  const candidates = [local - before, local - after].filter((t) => t + offsetAt(t, timeZone) === local);
  return remember(midnights, key, candidates.length > 0 ? Math.min(...candidates) : local - before);
}

/** Local midnight of `day` (may overflow into later months) of a month on the single month axis. */
function dayOfMonth(month: number, day: number, timeZone: string): number {
  const year = Math.floor(month / 12);
  return localMidnight(year, month - year * 12 + 1, day, timeZone);
}

function dateFields(time: number): { year: number; month: number; day: number } {
  const date = new Date(time);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseIsoDate(date: string): { year: number; month: number; day: number } {
  const match = ISO_DATE.exec(date);
  const fields = match ? { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) } : null;
  const wall = new Date(0);
  if (fields) wall.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  if (
    !fields ||
    fields.year < MIN_YEAR ||
    wall.getUTCMonth() !== fields.month - 1 ||
    wall.getUTCDate() !== fields.day
  ) {
    throw new DomainError(
      'invalid-date',
      `日期“${date}”无效，应写作 YYYY-MM-DD（invalid date "${date}": use YYYY-MM-DD）`,
      {
        date,
      },
    );
  }
  return fields;
}

/**
 * The calendar date (YYYY-MM-DD) an instant falls on in a zone.
 *
 * @example
 * localDateOf(new Date('2021-06-30T16:30:00Z'), 'Asia/Shanghai'); // '2021-07-01'
 */
export function localDateOf(instant: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  const { year, month, day } = dateFields(wallClock(assertInstant(instant), timeZone));
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The instant a local calendar day starts (its midnight, or the first instant after a DST gap).
 *
 * @example
 * startOfLocalDay('2021-10-01', 'Asia/Shanghai'); // 2021-09-30T16:00:00.000Z
 */
export function startOfLocalDay(date: string, timeZone: string = DEFAULT_TIME_ZONE): Date {
  const { year, month, day } = parseIsoDate(date);
  return new Date(localMidnight(year, month, day, timeZone));
}

/**
 * The instant a local calendar day ends: the start of the next day, exclusive. A due date written as a day
 * ("6月30日前完成") becomes this instant, so work done at 23:59 local on that day is on time.
 *
 * @example
 * endOfLocalDay('2021-06-30', 'Asia/Shanghai'); // 2021-06-30T16:00:00.000Z (= 2021-07-01 00:00 in Shanghai)
 */
export function endOfLocalDay(date: string, timeZone: string = DEFAULT_TIME_ZONE): Date {
  const { year, month, day } = parseIsoDate(date);
  return new Date(localMidnight(year, month, day + 1, timeZone));
}

// --- Periods in time --------------------------------------------------------------------------------------------

/**
 * The period of `frequency` that holds an instant, by the calendar in `timeZone`.
 *
 * @example
 * // 2021-07-01 00:30 in Shanghai is still 2021-06-30 in UTC
 * periodContaining(new Date('2021-06-30T16:30:00Z'), 'quarterly', 'Asia/Shanghai'); // '2021-Q3'
 * periodContaining(new Date('2021-06-30T16:30:00Z'), 'quarterly', 'UTC'); // '2021-Q2'
 */
export function periodContaining(instant: Date, frequency: Frequency, timeZone: string = DEFAULT_TIME_ZONE): PeriodKey {
  assertFrequency(frequency);
  const { year, month } = dateFields(wallClock(assertInstant(instant), timeZone));
  return formatPeriod(periodOfMonth(year * 12 + month - 1, frequency));
}

/**
 * When a period starts and ends: `start` is local midnight of its first day (inclusive), `end` is local midnight
 * of the day after its last day (exclusive), both in `timeZone`.
 *
 * @example
 * periodBounds('2021-Q3', 'Asia/Shanghai');
 * // { start: 2021-06-30T16:00:00.000Z, end: 2021-09-30T16:00:00.000Z }
 */
export function periodBounds(period: PeriodKey, timeZone: string = DEFAULT_TIME_ZONE): { start: Date; end: Date } {
  const span = periodMonths(period);
  return {
    start: new Date(dayOfMonth(span.first, 1, timeZone)),
    end: new Date(dayOfMonth(span.last + 1, 1, timeZone)),
  };
}

/**
 * Checks a reporting cycle read from storage or a request; throws `DomainError('invalid-cycle')`.
 *
 * @example
 * validateReportingCycle({ frequency: 'quarterly', dueDays: 15 }); // returns it
 * validateReportingCycle({ frequency: 'weekly', dueDays: 15 }); // throws
 */
export function validateReportingCycle(cycle: ReportingCycle): ReportingCycle {
  if (!FREQUENCIES.includes(cycle.frequency)) {
    throw new DomainError(
      'invalid-cycle',
      `报送周期“${String(cycle.frequency)}”无效，应为月、季度、半年或年` +
        `（invalid reporting frequency "${String(cycle.frequency)}": monthly, quarterly, half-yearly or yearly）`,
      { frequency: cycle.frequency },
    );
  }
  if (!Number.isInteger(cycle.dueDays) || cycle.dueDays < 0 || cycle.dueDays > MAX_DUE_DAYS) {
    throw new DomainError(
      'invalid-cycle',
      `报送期限“${String(cycle.dueDays)}”天无效，应为 0–${MAX_DUE_DAYS} 的整数` +
        `（invalid due days "${String(cycle.dueDays)}": an integer from 0 to ${MAX_DUE_DAYS}）`,
      { dueDays: cycle.dueDays },
    );
  }
  return cycle;
}

function assertFrequency(frequency: Frequency): void {
  if (!FREQUENCIES.includes(frequency)) validateReportingCycle({ frequency, dueDays: 0 });
}

/**
 * The instant a period's report is due: local midnight at the end of day `dueDays` after the period, in
 * `timeZone`. Day 1 is the first day after the period, so with the default 15 days the report on 2021-Q3 is due
 * by the end of 15 October 2021 local time — the instant 2021-10-16 00:00 local, exclusive. With `dueDays` 0 it is
 * due when the period ends. Days are calendar days, so a DST change does not move the deadline off midnight.
 * The period's own key sets its length; the cycle supplies only `dueDays`.
 *
 * @example
 * reportDueAt('2021-Q3', { frequency: 'quarterly', dueDays: 15 }, 'Asia/Shanghai');
 * // 2021-10-15T16:00:00.000Z (= 2021-10-16 00:00 in Shanghai)
 */
export function reportDueAt(
  period: PeriodKey,
  cycle: ReportingCycle = DEFAULT_REPORTING_CYCLE,
  timeZone: string = DEFAULT_TIME_ZONE,
): Date {
  validateReportingCycle(cycle);
  return new Date(dayOfMonth(periodMonths(period).last + 1, 1 + cycle.dueDays, timeZone));
}

/**
 * True when a report submitted at `submittedAt` missed its due instant (see `reportDueAt`).
 *
 * @example
 * const cycle = { frequency: 'quarterly', dueDays: 15 } as const;
 * isLate(new Date('2021-10-15T15:59:59Z'), '2021-Q3', cycle, 'Asia/Shanghai'); // false (23:59:59 on 15 Oct)
 * isLate(new Date('2021-10-15T16:00:00Z'), '2021-Q3', cycle, 'Asia/Shanghai'); // true (00:00 on 16 Oct)
 */
export function isLate(
  submittedAt: Date,
  period: PeriodKey,
  cycle: ReportingCycle = DEFAULT_REPORTING_CYCLE,
  timeZone: string = DEFAULT_TIME_ZONE,
): boolean {
  return assertInstant(submittedAt) >= reportDueAt(period, cycle, timeZone).getTime();
}
