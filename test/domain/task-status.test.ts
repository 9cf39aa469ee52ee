// A task's derived state as the war board shows it, rule by rule and in precedence, with the reasons a leader
// reads. The clock is fixed at 20 January 2022 in Shanghai: the 2021-Q3 report was due by the end of 15 October
// 2021, the 2021-Q4 report by the end of 15 January 2022.
import { describe, expect, it } from 'vitest';
import type { Confidence } from '../../src/domain/confidence.ts';
import { endOfLocalDay, reportDueAt } from '../../src/domain/periods.ts';
import {
  TASK_STATUS_LABELS,
  deriveTaskStatus,
  type MilestoneInput,
  type NoticeInput,
  type ReportSlot,
  type StatusReasonCode,
  type TargetInput,
  type TaskStatus,
  type TaskStatusInput,
} from '../../src/domain/task-status.ts';
import type { TargetAssessment, TargetStatus } from '../../src/domain/trajectory.ts';
import type { NoticeLevel } from '../../src/domain/workflow.ts';

const NOW = new Date('2022-01-20T02:00:00Z');
const local = (iso: string) => new Date(`${iso}+08:00`);

function buildTaskInput(overrides: Partial<TaskStatusInput> = {}): TaskStatusInput {
  return {
    now: NOW,
    due: endOfLocalDay('2022-12-31'),
    milestones: [],
    reports: [],
    targets: [],
    notices: [],
    closeOut: null,
    ...overrides,
  };
}

function buildSlot(overrides: Partial<ReportSlot> = {}): ReportSlot {
  const period = overrides.period ?? '2021-Q4';
  return {
    period,
    unitId: 'u-jjw',
    unitName: '区经委',
    dueAt: reportDueAt(period),
    state: 'accepted',
    submittedAt: local('2022-01-10T10:00:00'),
    confidence: 'green',
    ...overrides,
  };
}

function buildMilestone(overrides: Partial<MilestoneInput> = {}): MilestoneInput {
  return { id: 'm-1', name: '完成规划编制', due: endOfLocalDay('2021-12-31'), doneAt: null, ...overrides };
}

function buildTarget(status: TargetStatus, overrides: Partial<TargetAssessment> = {}): TargetInput {
  return {
    id: 't-1',
    name: '特色产业产值',
    assessment: {
      status,
      period: '2021-Q4',
      expected: 400,
      actual: status === 'no-data' ? null : 370,
      readingPeriod: status === 'no-data' ? null : '2021-Q4',
      gap: status === 'no-data' ? null : 30,
      reasons: [{ code: 'behind-path', message: '落后于计划进度 30亿元' }],
      ...overrides,
    },
  };
}

const notice = (
  level: NoticeLevel,
  state: NoticeInput['state'] = 'open',
  due = new Date('2021-10-31T15:59:59.999Z'),
): NoticeInput => ({
  id: `n-${level}`,
  level,
  state,
  due,
});

const onTimeReport = buildSlot();

describe('each rule on its own', () => {
  it.each<[string, Partial<TaskStatusInput>, TaskStatus, StatusReasonCode[]]>([
    [
      'an approved close-out',
      { closeOut: { state: 'approved', requestedAt: NOW, decidedAt: NOW } },
      'closed',
      ['closed-out'],
    ],
    [
      'a close-out only requested',
      { reports: [onTimeReport], closeOut: { state: 'requested', requestedAt: NOW, decidedAt: null } },
      'on-track',
      ['progressing'],
    ],
    [
      'a reopened close-out',
      { reports: [onTimeReport], closeOut: { state: 'reopened', requestedAt: NOW, decidedAt: NOW } },
      'on-track',
      ['progressing'],
    ],
    [
      'the task’s due date passed',
      { due: endOfLocalDay('2022-01-19'), reports: [onTimeReport] },
      'overdue',
      ['task-overdue'],
    ],
    ['the task due today', { due: endOfLocalDay('2022-01-20'), reports: [onTimeReport] }, 'on-track', ['progressing']],
    [
      'a close-out asked before the due date and still pending',
      {
        due: endOfLocalDay('2022-01-19'),
        closeOut: { state: 'requested', requestedAt: local('2022-01-18T09:00:00'), decidedAt: null },
      },
      'not-started',
      ['no-progress'],
    ],
    [
      'a close-out asked after the due date',
      {
        due: endOfLocalDay('2022-01-19'),
        closeOut: { state: 'requested', requestedAt: local('2022-01-20T09:00:00'), decidedAt: null },
      },
      'overdue',
      ['task-overdue'],
    ],
    ['a milestone past due and not done', { milestones: [buildMilestone()] }, 'overdue', ['milestone-overdue']],
    [
      'a milestone done late',
      { milestones: [buildMilestone({ doneAt: local('2022-01-05T10:00:00') })] },
      'on-track',
      ['progressing'],
    ],
    [
      'a milestone not yet due',
      { milestones: [buildMilestone({ due: endOfLocalDay('2022-03-31') })] },
      'not-started',
      ['no-progress'],
    ],
    ['a target off track', { targets: [buildTarget('off-track')] }, 'off-track', ['target-off-track']],
    ['red confidence', { reports: [buildSlot({ confidence: 'red' })] }, 'off-track', ['confidence-red']],
    ['an open 督办', { reports: [onTimeReport], notices: [notice('supervise')] }, 'off-track', ['notice-escalated']],
    [
      'an open 挂牌督办 already answered',
      { reports: [onTimeReport], notices: [notice('flagged', 'responded')] },
      'off-track',
      ['notice-escalated'],
    ],
    [
      'a closed 督办',
      { reports: [onTimeReport], notices: [notice('supervise', 'closed')] },
      'on-track',
      ['progressing'],
    ],
    [
      'a report missing after its due date',
      { reports: [buildSlot({ state: null, submittedAt: null, confidence: null })] },
      'at-risk',
      ['reports-missing'],
    ],
    [
      'a draft report past its due date',
      { reports: [buildSlot({ state: 'draft', submittedAt: null, confidence: null })] },
      'at-risk',
      ['reports-missing'],
    ],
    [
      'a report not yet due',
      { reports: [buildSlot({ period: '2022-Q1', state: null, submittedAt: null, confidence: null })] },
      'not-started',
      ['no-progress'],
    ],
    [
      'the latest report late',
      { reports: [buildSlot({ submittedAt: local('2022-01-17T09:00:00') })] },
      'at-risk',
      ['report-late'],
    ],
    [
      'a returned report not yet resubmitted',
      { reports: [buildSlot({ state: 'draft', submittedAt: local('2022-01-10T10:00:00') })] },
      'at-risk',
      ['report-returned'],
    ],
    ['a target behind', { targets: [buildTarget('behind')] }, 'at-risk', ['target-behind']],
    ['amber-red confidence', { reports: [buildSlot({ confidence: 'amber-red' })] }, 'at-risk', ['confidence-low']],
    ['amber confidence', { reports: [buildSlot({ confidence: 'amber' })] }, 'at-risk', ['confidence-low']],
    ['amber-green confidence', { reports: [buildSlot({ confidence: 'amber-green' })] }, 'on-track', ['progressing']],
    ['an open 提醒', { reports: [onTimeReport], notices: [notice('remind')] }, 'at-risk', ['notice-open']],
    [
      'a 提醒 still in time (not yet due)',
      { reports: [onTimeReport], notices: [notice('remind', 'open', new Date('2022-01-31T15:59:59.999Z'))] },
      'on-track',
      ['progressing'],
    ],
    [
      'a 提醒 past due but answered',
      { reports: [onTimeReport], notices: [notice('remind', 'responded')] },
      'on-track',
      ['progressing'],
    ],
    ['an open 催办', { reports: [onTimeReport], notices: [notice('urge')] }, 'at-risk', ['notice-open']],
    ['nothing yet', {}, 'not-started', ['no-progress']],
    [
      'a milestone done',
      { milestones: [buildMilestone({ doneAt: local('2021-12-01T10:00:00') })] },
      'on-track',
      ['progressing'],
    ],
    ['a target met', { targets: [buildTarget('met')] }, 'on-track', ['progressing']],
    ['a target with no data', { targets: [buildTarget('no-data')] }, 'not-started', ['no-progress']],
    ['a report on time', { reports: [onTimeReport] }, 'on-track', ['progressing']],
  ])('%s → %s', (_what, input, status, codes) => {
    const result = deriveTaskStatus(buildTaskInput(input));
    expect(result.status).toBe(status);
    expect(result.label).toBe(TASK_STATUS_LABELS[status]);
    expect(result.reasons.map((r) => r.code)).toEqual(codes);
    expect(result.reasons.every((r) => r.status === status)).toBe(true);
  });
});

describe('reports across periods and units', () => {
  it('keeps a missed period at risk until it is filed, even after a later report', () => {
    const result = deriveTaskStatus(
      buildTaskInput({
        reports: [buildSlot({ period: '2021-Q3', state: null, submittedAt: null, confidence: null }), onTimeReport],
      }),
    );
    expect(result.status).toBe('at-risk');
    const dueAt = new Date('2021-10-15T16:00:00Z');
    const gap = { unitId: 'u-jjw', unitName: '区经委', period: '2021-Q3', dueAt };
    expect(result.reasons).toEqual([
      {
        code: 'reports-missing',
        status: 'at-risk',
        message: '区经委2021年第三季度进展报告应于2021年10月15日前报送，尚未报送',
        count: 1,
        label: '1 期未报（1 report missing）',
        units: [{ unitId: 'u-jjw', unitName: '区经委', count: 1, firstPeriod: '2021-Q3', lastPeriod: '2021-Q3' }],
        missing: [gap],
      },
    ]);
  });

  it('forgives a late report once the next one came on time', () => {
    const lateQ3 = buildSlot({ period: '2021-Q3', submittedAt: local('2021-10-20T09:00:00') });
    expect(deriveTaskStatus(buildTaskInput({ reports: [lateQ3, onTimeReport] })).status).toBe('on-track');
    const lateQ4 = buildSlot({ submittedAt: local('2022-01-17T09:00:00') });
    const result = deriveTaskStatus(buildTaskInput({ reports: [lateQ4] }));
    expect(result.reasons[0]?.message).toBe(
      '区经委2021年第四季度进展报告逾期报送（应于2022年1月15日前，实际2022年1月17日）',
    );
  });

  it('hears every lead unit: one unit’s missing report puts the task at risk', () => {
    const other = buildSlot({ unitId: 'u-fj', unitName: '枫泾镇', state: null, submittedAt: null, confidence: null });
    const result = deriveTaskStatus(buildTaskInput({ reports: [onTimeReport, other] }));
    expect(result.status).toBe('at-risk');
    expect(result.reasons).toMatchObject([{ code: 'reports-missing', count: 1, units: [{ unitName: '枫泾镇' }] }]);
  });

  it.each<[Confidence, Confidence, TaskStatus]>([
    ['red', 'green', 'on-track'],
    ['green', 'red', 'off-track'],
    ['amber-red', 'amber-green', 'on-track'],
  ])('takes each unit’s latest confidence: %s in Q3 then %s in Q4 → %s', (q3, q4, status) => {
    const reports = [
      buildSlot({ period: '2021-Q3', confidence: q3, submittedAt: local('2021-10-10T09:00:00') }),
      buildSlot({ confidence: q4 }),
    ];
    expect(deriveTaskStatus(buildTaskInput({ reports })).status).toBe(status);
  });

  it('names the unit, period and level behind a confidence reason', () => {
    const result = deriveTaskStatus(buildTaskInput({ reports: [buildSlot({ confidence: 'red' })] }));
    expect(result.reasons).toEqual([
      {
        code: 'confidence-red',
        status: 'off-track',
        message: '区经委在2021年第四季度报告中评估交付信心为“难以完成”',
        unitId: 'u-jjw',
        unitName: '区经委',
        period: '2021-Q4',
        confidence: 'red',
      },
    ]);
  });
});

describe('the reporting start and missing reports as one reason', () => {
  const quarters = ['2021-Q1', '2021-Q2', '2021-Q3', '2021-Q4'];
  const gaps = (unitId: string, unitName: string) =>
    quarters.map((period) =>
      buildSlot({
        period,
        unitId,
        unitName,
        dueAt: reportDueAt(period),
        state: null,
        submittedAt: null,
        confidence: null,
      }),
    );

  it('counts every gap of every lead unit in one reason, "N 期未报"', () => {
    const result = deriveTaskStatus(
      buildTaskInput({ reports: [...gaps('u-jjw', '区经委'), ...gaps('u-fj', '枫泾镇')] }),
    );
    expect(result.status).toBe('at-risk');
    expect(result.reasons).toHaveLength(1);
    expect(result.reasons[0]).toMatchObject({
      code: 'reports-missing',
      count: 8,
      label: '8 期未报：区经委 4 期、枫泾镇 4 期（8 reports missing）',
      message: '8 期未报：区经委 4 期、枫泾镇 4 期（8 reports missing）',
      units: [
        { unitId: 'u-jjw', count: 4, firstPeriod: '2021-Q1', lastPeriod: '2021-Q4' },
        { unitId: 'u-fj', count: 4, firstPeriod: '2021-Q1', lastPeriod: '2021-Q4' },
      ],
    });
    const one = deriveTaskStatus(buildTaskInput({ reports: gaps('u-jjw', '区经委') }));
    expect(one.reasons).toMatchObject([
      { code: 'reports-missing', count: 4, message: '4 期未报（4 reports missing）' },
    ]);
  });

  it('expects no report for a period before the reporting start', () => {
    const fromQ3 = deriveTaskStatus(buildTaskInput({ reports: gaps('u-jjw', '区经委'), reportingFrom: '2021-Q3' }));
    expect(fromQ3.reasons).toMatchObject([
      { code: 'reports-missing', count: 2, units: [{ firstPeriod: '2021-Q3', lastPeriod: '2021-Q4' }] },
    ]);
    // Reporting starts with 2022-Q1, not yet due on 20 January 2022: nothing is missing.
    const later = deriveTaskStatus(buildTaskInput({ reports: gaps('u-jjw', '区经委'), reportingFrom: '2022-Q1' }));
    expect(later).toMatchObject({ status: 'not-started', reasons: [{ code: 'no-progress' }] });
  });

  it('does not hold a late report against a period before the start, yet hears a report filed for it', () => {
    const lateQ4 = buildSlot({ submittedAt: local('2022-01-17T09:00:00'), confidence: 'amber' });
    const result = deriveTaskStatus(buildTaskInput({ reports: [lateQ4], reportingFrom: '2022-Q1' }));
    expect(result.status).toBe('at-risk');
    expect(result.reasons.map((r) => r.code)).toEqual(['confidence-low']);
  });
});

describe('precedence', () => {
  const overdueMilestone = buildMilestone();
  const missing = buildSlot({ state: null, submittedAt: null, confidence: null });

  it.each<[string, Partial<TaskStatusInput>, TaskStatus, StatusReasonCode[], StatusReasonCode[]]>([
    [
      'closed wins over everything, and nothing else is listed',
      {
        closeOut: { state: 'approved', requestedAt: NOW, decidedAt: NOW },
        milestones: [overdueMilestone],
        notices: [notice('flagged')],
        reports: [missing],
      },
      'closed',
      ['closed-out'],
      [],
    ],
    [
      'overdue wins over off track and at risk',
      { milestones: [overdueMilestone], targets: [buildTarget('off-track')], notices: [notice('remind')] },
      'overdue',
      ['milestone-overdue'],
      ['target-off-track', 'notice-open'],
    ],
    [
      'off track wins over at risk',
      { targets: [buildTarget('behind')], notices: [notice('supervise')], reports: [missing] },
      'off-track',
      ['notice-escalated'],
      ['reports-missing', 'target-behind'],
    ],
    ['at risk wins over not started', { reports: [missing] }, 'at-risk', ['reports-missing'], []],
    [
      'every overdue reason is listed, task first, then milestones by due date',
      {
        due: endOfLocalDay('2022-01-10'),
        milestones: [
          buildMilestone({ id: 'm-2', name: '完成招商', due: endOfLocalDay('2022-01-05') }),
          overdueMilestone,
        ],
      },
      'overdue',
      ['task-overdue', 'milestone-overdue', 'milestone-overdue'],
      [],
    ],
  ])('%s', (_what, input, status, reasons, others) => {
    const result = deriveTaskStatus(buildTaskInput(input));
    expect(result.status).toBe(status);
    expect(result.reasons.map((r) => r.code)).toEqual(reasons);
    expect(result.otherReasons.map((r) => r.code)).toEqual(others);
  });

  it('tells which milestone and when, in Chinese', () => {
    const result = deriveTaskStatus(buildTaskInput({ milestones: [buildMilestone()] }));
    expect(result.reasons).toEqual([
      {
        code: 'milestone-overdue',
        status: 'overdue',
        message: '节点“完成规划编制”应于2021年12月31日前完成，尚未完成',
        milestoneId: 'm-1',
        milestoneName: '完成规划编制',
        due: new Date('2021-12-31T16:00:00Z'),
      },
    ]);
  });

  it('carries the target’s figures and its own explanation', () => {
    const result = deriveTaskStatus(buildTaskInput({ targets: [buildTarget('behind')] }));
    expect(result.reasons).toEqual([
      {
        code: 'target-behind',
        status: 'at-risk',
        message: '指标“特色产业产值”落后于计划进度 30亿元',
        targetId: 't-1',
        targetName: '特色产业产值',
        period: '2021-Q4',
        expected: 400,
        actual: 370,
      },
    ]);
  });

  it('says when a task was closed', () => {
    const result = deriveTaskStatus(
      buildTaskInput({ closeOut: { state: 'approved', requestedAt: NOW, decidedAt: local('2022-01-18T00:30:00') } }),
    );
    expect(result.reasons[0]?.message).toBe('任务已销号（2022年1月18日批准）');
  });
});
