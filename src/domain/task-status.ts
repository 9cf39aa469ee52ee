/**
 * A task's state is derived, never typed in: from its due date and milestones, its lead units' reports, its
 * targets against their trajectories, the units' delivery confidence, open supervision notices and its close-out.
 * `deriveTaskStatus` is the one place these rules live; every figure a leader sees goes through it.
 */
import { CONFIDENCE_LABELS, type Confidence } from './confidence.ts';
import {
  DEFAULT_TIME_ZONE,
  comparePeriods,
  localDateOf,
  periodLabel,
  periodMonths,
  type PeriodKey,
} from './periods.ts';
import { TARGET_STATUS_LABELS, type TargetAssessment } from './trajectory.ts';
import {
  NOTICE_LEVEL_LABELS,
  type CloseOutState,
  type NoticeLevel,
  type NoticeState,
  type ReportState,
} from './workflow.ts';

export type TaskStatus = 'not-started' | 'on-track' | 'at-risk' | 'off-track' | 'overdue' | 'closed';

export const TASK_STATUS_LABELS: Readonly<Record<TaskStatus, string>> = {
  'not-started': '未启动',
  'on-track': '正常推进',
  'at-risk': '存在风险',
  'off-track': '严重滞后',
  overdue: '已逾期',
  closed: '已销号',
};

/** From the state that wins to the one that yields (see `deriveTaskStatus`). */
export const TASK_STATUS_PRECEDENCE: readonly TaskStatus[] = [
  'closed',
  'overdue',
  'off-track',
  'at-risk',
  'not-started',
  'on-track',
];

export interface MilestoneInput {
  id: string;
  name: string;
  /** The instant it is due by (exclusive; see `endOfLocalDay`). */
  due: Date;
  doneAt: Date | null;
}

/**
 * One report a lead unit owes for one period — whether or not it has been written. The service lists a slot for
 * every lead unit and every period of the task's reporting window; `dueAt` comes from `reportDueAt`.
 */
export interface ReportSlot {
  period: PeriodKey;
  unitId: string;
  unitName: string;
  dueAt: Date;
  /** The report's state; null when the unit has not started one. */
  state: ReportState | null;
  /** When the report first reached the plan office; null if never. */
  submittedAt: Date | null;
  confidence: Confidence | null;
}

export interface TargetInput {
  id: string;
  name: string;
  /** The target assessed at the current period (see `assessTarget`). */
  assessment: TargetAssessment;
}

export interface NoticeInput {
  id: string;
  level: NoticeLevel;
  state: NoticeState;
  /** The end of the notice's due day: an open 提醒 counts against the task only after it. */
  due: Date;
}

export interface CloseOutInput {
  state: CloseOutState;
  requestedAt: Date | null;
  decidedAt: Date | null;
}

export interface TaskStatusInput {
  now: Date;
  /** For dates in messages; the workspace's zone. */
  timeZone?: string;
  /** The instant the whole task is due by (exclusive); null when the plan sets none. */
  due: Date | null;
  milestones: readonly MilestoneInput[];
  reports: readonly ReportSlot[];
  targets: readonly TargetInput[];
  notices: readonly NoticeInput[];
  closeOut: CloseOutInput | null;
  /**
   * The first period a report is expected for: the one holding the plan's reporting start (报送起始日), which the
   * office sets (by default the later of the plan's start and its confirmation). Slots of earlier periods are not
   * expected — a report filed for one still counts as progress and its confidence is heard — so a plan loaded
   * years into its horizon does not open with every past period missing. Absent or null: every slot is expected.
   */
  reportingFrom?: PeriodKey | null;
}

interface Finding<C extends string, S extends TaskStatus> {
  code: C;
  /** The state this reason calls for. */
  status: S;
  message: string;
}

export type StatusReason =
  | (Finding<'closed-out', 'closed'> & { approvedAt: Date | null })
  | (Finding<'task-overdue', 'overdue'> & { due: Date })
  | (Finding<'milestone-overdue', 'overdue'> & { milestoneId: string; milestoneName: string; due: Date })
  | (Finding<'target-off-track', 'off-track'> & TargetFacts)
  | (Finding<'confidence-red', 'off-track'> & ConfidenceFacts)
  | (Finding<'notice-escalated', 'off-track'> & { noticeId: string; level: NoticeLevel })
  | (Finding<'reports-missing', 'at-risk'> & MissingReportsFacts)
  | (Finding<'report-late', 'at-risk'> & ReportFacts & { submittedAt: Date })
  | (Finding<'report-returned', 'at-risk'> & ReportFacts)
  | (Finding<'target-behind', 'at-risk'> & TargetFacts)
  | (Finding<'confidence-low', 'at-risk'> & ConfidenceFacts)
  | (Finding<'notice-open', 'at-risk'> & { noticeId: string; level: NoticeLevel })
  | Finding<'no-progress', 'not-started'>
  | Finding<'progressing', 'on-track'>;

export type StatusReasonCode = StatusReason['code'];

interface TargetFacts {
  targetId: string;
  targetName: string;
  period: PeriodKey;
  expected: number | null;
  actual: number | null;
}

interface ConfidenceFacts {
  unitId: string;
  unitName: string;
  period: PeriodKey;
  confidence: Confidence;
}

interface ReportFacts {
  unitId: string;
  unitName: string;
  period: PeriodKey;
  dueAt: Date;
}

/** Every expected report past its due date and not filed, as one reason: "19 期未报". */
interface MissingReportsFacts {
  /** How many reports are missing (periods × lead units). */
  count: number;
  /** The same in both languages: 19 期未报（19 reports missing）. */
  label: string;
  /** Each lead unit with missing reports, in the order of its first gap: how many, and from which period to which. */
  units: { unitId: string; unitName: string; count: number; firstPeriod: PeriodKey; lastPeriod: PeriodKey }[];
  /** Each missing report, oldest period first. */
  missing: ReportFacts[];
}

export interface TaskStatusResult {
  status: TaskStatus;
  /** The Chinese label of `status`. */
  label: string;
  /** The reasons that made the state, most pressing first. */
  reasons: StatusReason[];
  /** Reasons for lower-ranked states that also hold (e.g. a late report on an overdue task); none once closed. */
  otherReasons: StatusReason[];
}

/** The local day of an instant, as messages write it: 2021年6月30日. */
function dayLabel(instant: Date, timeZone: string): string {
  const [year, month, day] = localDateOf(instant, timeZone).split('-').map(Number);
  return `${year}年${month}月${day}日`;
}

/** A due instant is exclusive (the start of the next day), so the day shown is the one just before it. */
function dueDay(due: Date, timeZone: string): string {
  return dayLabel(new Date(due.getTime() - 1), timeZone);
}

const FILED: ReadonlySet<ReportState | null> = new Set(['submitted', 'accepted']);

/** Later periods last; slots of one period keep their order. */
function byPeriod<T extends { period: PeriodKey }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => periodMonths(a.period).last - periodMonths(b.period).last);
}

/**
 * The label of missing reports, Chinese first: one unit → "19 期未报（19 reports missing）"; several → the count
 * per unit after the total.
 */
export function missingReportsLabel(units: readonly { unitName: string; count: number }[]): string {
  const total = units.reduce((sum, unit) => sum + unit.count, 0);
  const en = `${total} report${total === 1 ? '' : 's'} missing`;
  if (units.length <= 1) return `${total} 期未报（${en}）`;
  const each = units.map((unit) => `${unit.unitName} ${unit.count} 期`).join('、');
  return `${total} 期未报：${each}（${en}）`;
}

function reportFindings(input: TaskStatusInput, timeZone: string): StatusReason[] {
  const now = input.now.getTime();
  const from = input.reportingFrom ?? null;
  const isExpected = (slot: ReportSlot): boolean => from === null || comparePeriods(slot.period, from) >= 0;
  const findings: StatusReason[] = [];
  const slots = byPeriod(input.reports);
  const missing: ReportFacts[] = [];
  for (const slot of slots) {
    const facts = { unitId: slot.unitId, unitName: slot.unitName, period: slot.period, dueAt: slot.dueAt };
    const what = `${slot.unitName}${periodLabel(slot.period)}进展报告`;
    const pastDue = now >= slot.dueAt.getTime();
    if (slot.submittedAt === null) {
      // A gap in the record stays until it is filled; a report may still be filed late.
      if (pastDue && isExpected(slot)) missing.push(facts);
    } else if (!FILED.has(slot.state)) {
      findings.push({
        ...facts,
        code: 'report-returned',
        status: 'at-risk',
        message: `${what}已被退回，尚未重新报送`,
      });
    }
  }
  if (missing.length > 0) {
    // One reason however many gaps: a plan loaded late would otherwise list a reason per unit and period.
    const byUnit = new Map<string, MissingReportsFacts['units'][number]>();
    for (const gap of missing) {
      const unit = byUnit.get(gap.unitId);
      if (unit === undefined) {
        byUnit.set(gap.unitId, {
          unitId: gap.unitId,
          unitName: gap.unitName,
          count: 1,
          firstPeriod: gap.period,
          lastPeriod: gap.period,
        });
      } else {
        unit.count += 1;
        unit.lastPeriod = gap.period;
      }
    }
    const units = [...byUnit.values()];
    const label = missingReportsLabel(units);
    const first = missing[0] as ReportFacts;
    const message =
      missing.length === 1
        ? `${first.unitName}${periodLabel(first.period)}进展报告应于${dueDay(first.dueAt, timeZone)}前报送，尚未报送`
        : label;
    findings.push({
      code: 'reports-missing',
      status: 'at-risk',
      message,
      count: missing.length,
      label,
      units,
      missing,
    });
  }
  // Lateness counts only in each unit's latest due period: a late report is put right by the next one on time.
  const latestDue = new Map<string, ReportSlot>();
  for (const slot of slots) if (now >= slot.dueAt.getTime() && isExpected(slot)) latestDue.set(slot.unitId, slot);
  for (const slot of latestDue.values()) {
    if (slot.submittedAt !== null && slot.submittedAt.getTime() >= slot.dueAt.getTime()) {
      findings.push({
        unitId: slot.unitId,
        unitName: slot.unitName,
        period: slot.period,
        dueAt: slot.dueAt,
        submittedAt: slot.submittedAt,
        code: 'report-late',
        status: 'at-risk',
        message:
          `${slot.unitName}${periodLabel(slot.period)}进展报告逾期报送` +
          `（应于${dueDay(slot.dueAt, timeZone)}前，实际${dayLabel(slot.submittedAt, timeZone)}）`,
      });
    }
  }
  return findings;
}

function confidenceFindings(input: TaskStatusInput): StatusReason[] {
  // Each lead unit's latest stated confidence counts; an older, gloomier one has been superseded.
  const latest = new Map<string, ReportSlot & { confidence: Confidence }>();
  for (const slot of byPeriod(input.reports)) {
    if (slot.submittedAt !== null && slot.confidence !== null) {
      latest.set(slot.unitId, { ...slot, confidence: slot.confidence });
    }
  }
  const findings: StatusReason[] = [];
  for (const slot of latest.values()) {
    const facts = { unitId: slot.unitId, unitName: slot.unitName, period: slot.period, confidence: slot.confidence };
    const message = `${slot.unitName}在${periodLabel(slot.period)}报告中评估交付信心为“${CONFIDENCE_LABELS[slot.confidence]}”`;
    if (slot.confidence === 'red') findings.push({ ...facts, code: 'confidence-red', status: 'off-track', message });
    if (slot.confidence === 'amber-red' || slot.confidence === 'amber') {
      findings.push({ ...facts, code: 'confidence-low', status: 'at-risk', message });
    }
  }
  return findings;
}

/**
 * Derives a task's state and the reasons for it, as of `input.now`. The first rule that holds wins:
 *
 * 1. **closed** (已销号) — the close-out is approved. Nothing else is looked at: a closed task's milestones are
 *    frozen. A requested, rejected or reopened close-out does not close the task.
 * 2. **overdue** (已逾期) — the task's due date has passed, or a milestone's due date has passed while it is not
 *    done. A milestone done late is no longer overdue. The task's own due date is not held against it while a
 *    close-out requested before that date awaits the office's decision: the unit finished in time.
 * 3. **off-track** (严重滞后) — a target is assessed off-track; or a lead unit's latest stated delivery confidence is
 *    red; or an open (not closed) notice at 督办 or 挂牌督办.
 * 4. **at-risk** (存在风险) — a lead unit's report for a period is missing after its due date (in any period from
 *    the reporting start, `reportingFrom`: the gap stays until filled; all gaps are one reason with their count); a unit's latest due report came late; a report returned by the office is not yet
 *    submitted again; a target is behind; a lead unit's latest confidence is amber-red or amber; an open notice
 *    at 催办, or at 提醒 past its due date (a reminder still in time — the jobs send one before each report is
 *    due — is a nudge, not a risk).
 * 5. **not-started** (未启动) — no report has been submitted, no milestone is done and no target has a reading.
 * 6. **on-track** (正常推进) — otherwise.
 *
 * Every rule that holds is reported: `reasons` are those of the winning state, `otherReasons` those of the states
 * below it (overdue, off-track, at-risk) that hold too.
 *
 * @example
 * const now = new Date('2021-11-01T02:00:00Z');
 * const due = endOfLocalDay('2021-12-31');
 * deriveTaskStatus({ now, due, milestones: [], reports: [], targets: [], notices: [], closeOut: null });
 * // { status: 'not-started', label: '未启动', reasons: [{ code: 'no-progress', … }], otherReasons: [] }
 */
export function deriveTaskStatus(input: TaskStatusInput): TaskStatusResult {
  const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
  const now = input.now.getTime();
  const closeOut = input.closeOut;

  if (closeOut?.state === 'approved') {
    const when = closeOut.decidedAt ? `（${dayLabel(closeOut.decidedAt, timeZone)}批准）` : '';
    return result('closed', [
      { code: 'closed-out', status: 'closed', message: `任务已销号${when}`, approvedAt: closeOut.decidedAt },
    ]);
  }

  const findings: StatusReason[] = [];

  const due = input.due;
  const finishedInTime =
    due !== null &&
    closeOut?.state === 'requested' &&
    closeOut.requestedAt !== null &&
    closeOut.requestedAt.getTime() < due.getTime();
  if (due !== null && now >= due.getTime() && !finishedInTime) {
    findings.push({
      code: 'task-overdue',
      status: 'overdue',
      message: `任务应于${dueDay(due, timeZone)}前完成，已逾期`,
      due,
    });
  }
  const lateMilestones = input.milestones
    .filter((m) => m.doneAt === null && now >= m.due.getTime())
    .sort((a, b) => a.due.getTime() - b.due.getTime());
  for (const m of lateMilestones) {
    findings.push({
      code: 'milestone-overdue',
      status: 'overdue',
      message: `节点“${m.name}”应于${dueDay(m.due, timeZone)}前完成，尚未完成`,
      milestoneId: m.id,
      milestoneName: m.name,
      due: m.due,
    });
  }

  const targetFinding = (target: TargetInput, status: 'off-track' | 'behind'): StatusReason | null => {
    const { period, expected, actual, reasons } = target.assessment;
    if (target.assessment.status !== status) return null;
    const facts = { targetId: target.id, targetName: target.name, period, expected, actual };
    const message = `指标“${target.name}”${reasons[0]?.message ?? TARGET_STATUS_LABELS[status]}`;
    return status === 'off-track'
      ? { ...facts, code: 'target-off-track', status: 'off-track', message }
      : { ...facts, code: 'target-behind', status: 'at-risk', message };
  };
  for (const target of input.targets) {
    const finding = targetFinding(target, 'off-track');
    if (finding) findings.push(finding);
  }

  const confidence = confidenceFindings(input);
  findings.push(...confidence.filter((f) => f.status === 'off-track'));

  const openNotices = input.notices.filter((n) => n.state !== 'closed');
  for (const n of openNotices) {
    if (n.level === 'supervise' || n.level === 'flagged') {
      const message = `有未办结的${NOTICE_LEVEL_LABELS[n.level]}单`;
      findings.push({ code: 'notice-escalated', status: 'off-track', message, noticeId: n.id, level: n.level });
    }
  }

  findings.push(...reportFindings(input, timeZone));
  for (const target of input.targets) {
    const finding = targetFinding(target, 'behind');
    if (finding) findings.push(finding);
  }
  findings.push(...confidence.filter((f) => f.status === 'at-risk'));
  for (const n of openNotices) {
    const ignoredReminder = n.level === 'remind' && n.state === 'open' && input.now.getTime() > n.due.getTime();
    if (n.level === 'urge' || ignoredReminder) {
      const message = `有未办结的${NOTICE_LEVEL_LABELS[n.level]}单`;
      findings.push({ code: 'notice-open', status: 'at-risk', message, noticeId: n.id, level: n.level });
    }
  }

  const top = TASK_STATUS_PRECEDENCE.find((status) => findings.some((f) => f.status === status));
  if (top !== undefined) {
    const rank = TASK_STATUS_PRECEDENCE.indexOf(top);
    return result(
      top,
      findings.filter((f) => f.status === top),
      findings.filter((f) => TASK_STATUS_PRECEDENCE.indexOf(f.status) > rank),
    );
  }

  const anyProgress =
    input.reports.some((slot) => slot.submittedAt !== null) ||
    input.milestones.some((m) => m.doneAt !== null) ||
    input.targets.some((t) => t.assessment.actual !== null);
  if (!anyProgress) {
    return result('not-started', [
      { code: 'no-progress', status: 'not-started', message: '尚无进展报告、已完成节点或指标数据' },
    ]);
  }
  return result('on-track', [{ code: 'progressing', status: 'on-track', message: '各项工作按计划推进' }]);
}

function result(status: TaskStatus, reasons: StatusReason[], otherReasons: StatusReason[] = []): TaskStatusResult {
  return { status, label: TASK_STATUS_LABELS[status], reasons, otherReasons };
}
