// The supervision jobs' rules: when a report's reminder goes out and what it says, which notices a job escalates
// and to what, and when a workspace's status sweep is due — all in local days of the workspace's zone.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { reportDueAt } from '../../src/domain/periods.ts';
import {
  addDays,
  automaticEscalation,
  dayText,
  daysBetween,
  isSweepDue,
  lastDayToReport,
  reminderKindOn,
  reminderNotice,
} from '../../src/domain/reminders.ts';

const SHANGHAI = 'Asia/Shanghai';
const HOUR = 60 * 60 * 1000;

describe('calendar days', () => {
  it('adds and counts days across months, years and a leap day', () => {
    expect(addDays('2021-12-30', 3)).toBe('2022-01-02');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2021-03-01', -1)).toBe('2021-02-28');
    expect(daysBetween('2021-10-12', '2021-10-15')).toBe(3);
    expect(daysBetween('2021-10-16', '2021-10-15')).toBe(-1);
    expect(dayText('2021-10-05')).toBe('2021年10月5日');
  });

  it('refuses a day that does not exist', () => {
    expect(() => addDays('2021-02-30', 1)).toThrow(DomainError);
    expect(() => daysBetween('2021-13-01', '2021-01-01')).toThrow(/YYYY-MM-DD/);
  });

  it('reads the last day to report from the exclusive due instant, in the workspace’s zone', () => {
    const dueAt = reportDueAt('2021-Q3', { frequency: 'quarterly', dueDays: 15 }, SHANGHAI);
    expect(dueAt.toISOString()).toBe('2021-10-15T16:00:00.000Z');
    expect(lastDayToReport(dueAt, SHANGHAI)).toBe('2021-10-15');
    // The same instant is 16 October 00:00 in Shanghai but still 15 October in UTC.
    expect(lastDayToReport(reportDueAt('2021-Q3', { frequency: 'quarterly', dueDays: 15 }, 'UTC'), 'UTC')).toBe(
      '2021-10-15',
    );
  });
});

describe('reminderKindOn', () => {
  it('reminds from N days before the last day through that day, then once on the day after', () => {
    const lastDay = '2021-10-15';
    expect(reminderKindOn('2021-10-11', lastDay, 3)).toBeNull();
    expect(reminderKindOn('2021-10-12', lastDay, 3)).toBe('before-due');
    expect(reminderKindOn('2021-10-15', lastDay, 3)).toBe('before-due');
    expect(reminderKindOn('2021-10-16', lastDay, 3)).toBe('overdue');
    expect(reminderKindOn('2021-10-17', lastDay, 3)).toBeNull();
  });

  it('with N = 0 reminds on the last day only, before the overdue day', () => {
    expect(reminderKindOn('2021-10-14', '2021-10-15', 0)).toBeNull();
    expect(reminderKindOn('2021-10-15', '2021-10-15', 0)).toBe('before-due');
    expect(reminderKindOn('2021-10-16', '2021-10-15', 0)).toBe('overdue');
  });
});

describe('reminderNotice', () => {
  it('asks for the report by its last day before it is due', () => {
    expect(
      reminderNotice({
        kind: 'before-due',
        period: '2021-Q3',
        lastDay: '2021-10-15',
        today: '2021-10-12',
        responseDays: 5,
      }),
    ).toEqual({ dueOn: '2021-10-15', body: '请于2021年10月15日前报送2021年第三季度进展报告。（系统自动提醒）' });
  });

  it('gives the response days from today once the report is overdue', () => {
    expect(
      reminderNotice({
        kind: 'overdue',
        period: '2021-Q3',
        lastDay: '2021-10-15',
        today: '2021-10-16',
        responseDays: 5,
      }),
    ).toEqual({
      dueOn: '2021-10-21',
      body: '2021年第三季度进展报告应于2021年10月15日前报送，现已逾期，请于2021年10月21日前补报。（系统自动提醒）',
    });
  });
});

describe('automaticEscalation', () => {
  const notice = { level: 'remind' as const, open: true, dueOn: '2021-10-15', body: '请报送' };

  it('waits until the due day has ended', () => {
    expect(automaticEscalation(notice, '2021-10-15', 5)).toBeNull();
    expect(automaticEscalation(notice, '2021-10-16', 5)).toEqual({
      from: 'remind',
      to: 'urge',
      dueOn: '2021-10-21',
      body: '提醒单应于2021年10月15日前回复，逾期未回复，系统自动升级为催办。\n请报送',
    });
  });

  it('goes from 催办 to 督办, and no further: 挂牌督办 is for a person to decide', () => {
    expect(automaticEscalation({ ...notice, level: 'urge' }, '2021-11-01', 5)).toMatchObject({
      from: 'urge',
      to: 'supervise',
      dueOn: '2021-11-06',
    });
    expect(automaticEscalation({ ...notice, level: 'supervise' }, '2021-11-01', 5)).toBeNull();
    expect(automaticEscalation({ ...notice, level: 'flagged' }, '2021-11-01', 5)).toBeNull();
  });

  it('leaves an answered notice to the office', () => {
    expect(automaticEscalation({ ...notice, open: false }, '2021-11-01', 5)).toBeNull();
  });
});

describe('isSweepDue', () => {
  // 2021-10-15 23:40 in Shanghai.
  const last = new Date('2021-10-15T15:40:00.000Z');

  it('sweeps a workspace never swept', () => {
    expect(isSweepDue(null, last, SHANGHAI, HOUR)).toBe(true);
  });

  it('sweeps just after local midnight, though less than an hour has passed', () => {
    expect(isSweepDue(last, new Date('2021-10-15T15:59:59.000Z'), SHANGHAI, HOUR)).toBe(false);
    expect(isSweepDue(last, new Date('2021-10-15T16:00:00.000Z'), SHANGHAI, HOUR)).toBe(true);
    // The same instants in UTC are mid-afternoon of one day: no midnight passed.
    expect(isSweepDue(last, new Date('2021-10-15T16:00:00.000Z'), 'UTC', HOUR)).toBe(false);
  });

  it('sweeps again once the interval has gone by', () => {
    expect(isSweepDue(last, new Date(last.getTime() + HOUR - 1), 'UTC', HOUR)).toBe(false);
    expect(isSweepDue(last, new Date(last.getTime() + HOUR), 'UTC', HOUR)).toBe(true);
  });

  it('follows a zone with a half-hour offset', () => {
    // 2021-10-15 23:50 in Kolkata (UTC+5:30) is 18:20 UTC; 00:05 the next day is 18:35 UTC.
    const kolkata = new Date('2021-10-15T18:20:00.000Z');
    expect(isSweepDue(kolkata, new Date('2021-10-15T18:29:00.000Z'), 'Asia/Kolkata', HOUR)).toBe(false);
    expect(isSweepDue(kolkata, new Date('2021-10-15T18:35:00.000Z'), 'Asia/Kolkata', HOUR)).toBe(true);
  });
});
