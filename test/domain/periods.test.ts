// Reporting periods and due dates as a plan office sees them: keys, local-midnight bounds in the workspace's zone,
// due instants and lateness. Instants are written out in UTC so that each expectation can be checked by hand.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import {
  alignPeriod,
  assertTimeZone,
  comparePeriods,
  endOfLocalDay,
  formatPeriod,
  isLate,
  isPeriodKey,
  localDateOf,
  nextPeriod,
  parsePeriod,
  periodBounds,
  periodContaining,
  periodDistance,
  periodLabel,
  periodsBetween,
  previousPeriod,
  reportDueAt,
  startOfLocalDay,
  validateReportingCycle,
  type Frequency,
  type Period,
  type ReportingCycle,
} from '../../src/domain/periods.ts';

const at = (iso: string) => new Date(iso);
const QUARTERLY: ReportingCycle = { frequency: 'quarterly', dueDays: 15 };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

describe('period keys', () => {
  it.each<[string, Period]>([
    ['2021-M07', { frequency: 'monthly', year: 2021, index: 7 }],
    ['2021-M12', { frequency: 'monthly', year: 2021, index: 12 }],
    ['2021-Q3', { frequency: 'quarterly', year: 2021, index: 3 }],
    ['2021-H2', { frequency: 'half-yearly', year: 2021, index: 2 }],
    ['2021', { frequency: 'yearly', year: 2021, index: 1 }],
  ])('%s reads and writes back', (key, period) => {
    expect(parsePeriod(key)).toEqual(period);
    expect(formatPeriod(period)).toBe(key);
    expect(isPeriodKey(key)).toBe(true);
  });

  it.each([
    '2021-Q5',
    '2021-Q0',
    '2021-M13',
    '2021-M00',
    '2021-M7',
    '2021-H3',
    '21-Q1',
    '2021Q1',
    '2021-q3',
    ' 2021',
    '2021-Y',
    '',
    '0999',
  ])('%j is refused with a message naming it', (key) => {
    expect(() => parsePeriod(key)).toThrow(DomainError);
    expect(() => parsePeriod(key)).toThrow(`“${key}”`);
    expect(codeOf(() => parsePeriod(key))).toBe('invalid-period');
    expect(isPeriodKey(key)).toBe(false);
  });

  it('reads a key once: the same frozen period after, and a refused key stays refused', () => {
    const first = parsePeriod('2031-Q2');
    expect(parsePeriod('2031-Q2')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ frequency: 'quarterly', year: 2031, index: 2 });
    for (let i = 0; i < 2; i++) expect(codeOf(() => parsePeriod('2031-Q5'))).toBe('invalid-period');
    // Far more keys than the memo holds: each still reads right.
    for (let year = 1000; year < 9999; year++) expect(parsePeriod(`${year}-M12`).year).toBe(year);
    expect(parsePeriod('2031-Q2')).toEqual(first);
  });

  it('refuses to write a period outside its year', () => {
    expect(codeOf(() => formatPeriod({ frequency: 'quarterly', year: 2021, index: 5 }))).toBe('invalid-period');
    expect(codeOf(() => formatPeriod({ frequency: 'monthly', year: 2021.5, index: 1 }))).toBe('invalid-period');
  });

  it.each([
    ['2021-M07', '2021年7月'],
    ['2021-Q3', '2021年第三季度'],
    ['2021-H1', '2021年上半年'],
    ['2021-H2', '2021年下半年'],
    ['2021', '2021年'],
  ])('%s is labelled %s', (key, label) => {
    expect(periodLabel(key)).toBe(label);
  });
});

describe('stepping through periods', () => {
  it.each([
    ['2021-Q1', '2020-Q4', '2021-Q2'],
    ['2021-M01', '2020-M12', '2021-M02'],
    ['2021-M12', '2021-M11', '2022-M01'],
    ['2021-H1', '2020-H2', '2021-H2'],
    ['2021', '2020', '2022'],
  ])('%s comes after %s and before %s', (key, previous, next) => {
    expect(previousPeriod(key)).toBe(previous);
    expect(nextPeriod(key)).toBe(next);
  });

  it.each<[string, string, string[]]>([
    ['2021-Q3', '2022-Q2', ['2021-Q3', '2021-Q4', '2022-Q1', '2022-Q2']],
    ['2021-M11', '2022-M02', ['2021-M11', '2021-M12', '2022-M01', '2022-M02']],
    ['2021-H2', '2022-H2', ['2021-H2', '2022-H1', '2022-H2']],
    ['2021', '2021', ['2021']],
    ['2022-Q1', '2021-Q4', []],
  ])('periodsBetween(%s, %s) lists both ends', (from, to, keys) => {
    expect(periodsBetween(from, to)).toEqual(keys);
  });

  it('counts the periods from a baseline to a deadline', () => {
    expect(periodDistance('2020-Q4', '2025-Q4')).toBe(20);
    expect(periodDistance('2021-M03', '2021-M01')).toBe(-2);
  });

  it('will not mix frequencies in a range', () => {
    expect(codeOf(() => periodsBetween('2021-Q1', '2021-M06'))).toBe('invalid-period');
  });

  it.each<[string, Frequency, 'first' | 'last', string]>([
    ['2025', 'quarterly', 'last', '2025-Q4'],
    ['2025', 'monthly', 'first', '2025-M01'],
    ['2021-M08', 'half-yearly', 'last', '2021-H2'],
    ['2021-H1', 'yearly', 'last', '2021'],
    ['2021-Q2', 'monthly', 'last', '2021-M06'],
  ])('alignPeriod(%s, %s, %s) is %s', (key, frequency, edge, aligned) => {
    expect(alignPeriod(key, frequency, edge)).toBe(aligned);
  });

  it('orders periods of any frequency by where they start, then end', () => {
    expect(['2021-Q2', '2021', '2020', '2021-M01', '2021-Q1'].sort(comparePeriods)).toEqual([
      '2020',
      '2021-M01',
      '2021-Q1',
      '2021',
      '2021-Q2',
    ]);
  });
});

describe('periods in the workspace time zone', () => {
  // 2021-07-01 00:30 in Shanghai is still 30 June in UTC.
  it.each<[string, Frequency, string, string]>([
    ['2021-06-30T16:30:00Z', 'quarterly', 'Asia/Shanghai', '2021-Q3'],
    ['2021-06-30T16:30:00Z', 'quarterly', 'UTC', '2021-Q2'],
    ['2021-06-30T16:30:00Z', 'monthly', 'Asia/Shanghai', '2021-M07'],
    ['2021-06-30T16:30:00Z', 'half-yearly', 'Asia/Shanghai', '2021-H2'],
    ['2021-12-31T16:00:00Z', 'yearly', 'Asia/Shanghai', '2022'],
    ['2021-12-31T15:59:59.999Z', 'yearly', 'Asia/Shanghai', '2021'],
  ])('%s falls in the %s period of %s: %s', (instant, frequency, zone, key) => {
    expect(periodContaining(at(instant), frequency, zone)).toBe(key);
  });

  it('defaults to Asia/Shanghai', () => {
    expect(periodContaining(at('2021-09-30T16:00:00Z'), 'quarterly')).toBe('2021-Q4');
  });

  it.each([
    // Shanghai has no daylight saving now: every bound is 16:00 UTC the day before.
    ['2021-Q3', 'Asia/Shanghai', '2021-06-30T16:00:00.000Z', '2021-09-30T16:00:00.000Z'],
    ['2021', 'Asia/Shanghai', '2020-12-31T16:00:00.000Z', '2021-12-31T16:00:00.000Z'],
    ['2024-M02', 'Asia/Shanghai', '2024-01-31T16:00:00.000Z', '2024-02-29T16:00:00.000Z'],
    // China kept summer time 1986–1991: the quarter ends at midnight CDT (UTC+9).
    ['1990-Q2', 'Asia/Shanghai', '1990-03-31T16:00:00.000Z', '1990-06-30T15:00:00.000Z'],
    // London's clocks go forward on 28 March 2021: March starts at GMT and ends at BST.
    ['2021-M03', 'Europe/London', '2021-03-01T00:00:00.000Z', '2021-03-31T23:00:00.000Z'],
    ['2021-M11', 'America/New_York', '2021-11-01T04:00:00.000Z', '2021-12-01T05:00:00.000Z'],
    // Paraguay skipped 1 October 2023 00:00–01:00: the month starts at 01:00 local.
    ['2023-M10', 'America/Asuncion', '2023-10-01T04:00:00.000Z', '2023-11-01T03:00:00.000Z'],
  ])('%s in %s runs from %s to %s (end exclusive)', (key, zone, start, end) => {
    const bounds = periodBounds(key, zone);
    expect(bounds.start.toISOString()).toBe(start);
    expect(bounds.end.toISOString()).toBe(end);
    expect(periodContaining(bounds.start, parsePeriod(key).frequency, zone)).toBe(key);
    expect(periodContaining(new Date(bounds.start.getTime() - 1), parsePeriod(key).frequency, zone)).toBe(
      previousPeriod(key),
    );
    expect(periodContaining(bounds.end, parsePeriod(key).frequency, zone)).toBe(nextPeriod(key));
  });

  it('turns a due day into the instant it ends, and back', () => {
    expect(endOfLocalDay('2021-06-30').toISOString()).toBe('2021-06-30T16:00:00.000Z');
    expect(startOfLocalDay('2021-06-30').toISOString()).toBe('2021-06-29T16:00:00.000Z');
    expect(localDateOf(at('2021-06-30T16:30:00Z'))).toBe('2021-07-01');
    expect(localDateOf(at('2021-06-30T16:30:00Z'), 'UTC')).toBe('2021-06-30');
  });

  it.each(['2021-02-29', '2021-13-01', '2021-6-30', 'tomorrow'])('refuses the date %s', (date) => {
    expect(codeOf(() => endOfLocalDay(date))).toBe('invalid-date');
  });

  it('refuses an unknown time zone and an invalid instant', () => {
    expect(codeOf(() => assertTimeZone('Beijing'))).toBe('invalid-time-zone');
    expect(codeOf(() => periodBounds('2021-Q3', 'Mars/Olympus'))).toBe('invalid-time-zone');
    expect(codeOf(() => periodContaining(new Date('nonsense'), 'quarterly'))).toBe('invalid-date');
    expect(codeOf(() => assertTimeZone('Asia/Shanghai'))).toBeUndefined();
  });
});

describe('report due dates and lateness', () => {
  it.each<[string, ReportingCycle, string, string]>([
    // Due by the end of 15 October local time: 16 October 00:00 in Shanghai.
    ['2021-Q3', QUARTERLY, 'Asia/Shanghai', '2021-10-15T16:00:00.000Z'],
    ['2021-Q4', QUARTERLY, 'Asia/Shanghai', '2022-01-15T16:00:00.000Z'],
    ['2021-Q3', { frequency: 'quarterly', dueDays: 0 }, 'Asia/Shanghai', '2021-09-30T16:00:00.000Z'],
    ['2024-M02', { frequency: 'monthly', dueDays: 10 }, 'Asia/Shanghai', '2024-03-10T16:00:00.000Z'],
    ['2021-H1', { frequency: 'half-yearly', dueDays: 31 }, 'Asia/Shanghai', '2021-07-31T16:00:00.000Z'],
    ['2021', { frequency: 'yearly', dueDays: 31 }, 'Asia/Shanghai', '2022-01-31T16:00:00.000Z'],
    // Days are calendar days: across London's clock change the deadline stays at local midnight.
    ['2021-M03', { frequency: 'monthly', dueDays: 5 }, 'Europe/London', '2021-04-05T23:00:00.000Z'],
    ['2021-Q3', QUARTERLY, 'UTC', '2021-10-16T00:00:00.000Z'],
  ])('the %s report on %j in %s is due at %s', (period, cycle, zone, due) => {
    expect(reportDueAt(period, cycle, zone).toISOString()).toBe(due);
  });

  it('uses quarterly, 15 days, Asia/Shanghai by default', () => {
    expect(reportDueAt('2021-Q3').toISOString()).toBe('2021-10-15T16:00:00.000Z');
  });

  it.each([
    ['2021-10-01T02:00:00Z', false],
    ['2021-10-15T15:59:59.999Z', false],
    ['2021-10-15T16:00:00Z', true],
    ['2021-11-01T00:00:00Z', true],
  ])('a 2021-Q3 report submitted at %s is late: %s', (submitted, late) => {
    expect(isLate(at(submitted), '2021-Q3', QUARTERLY, 'Asia/Shanghai')).toBe(late);
  });

  it.each<[ReportingCycle, string]>([
    [{ frequency: 'weekly' as Frequency, dueDays: 15 }, '“weekly”'],
    [{ frequency: 'quarterly', dueDays: -1 }, '“-1”'],
    [{ frequency: 'quarterly', dueDays: 1.5 }, '“1.5”'],
    [{ frequency: 'quarterly', dueDays: 400 }, '“400”'],
  ])('refuses the cycle %j', (cycle, named) => {
    expect(codeOf(() => validateReportingCycle(cycle))).toBe('invalid-cycle');
    expect(() => reportDueAt('2021-Q3', cycle)).toThrow(named);
  });
});
