/**
 * The state machines of reports (进展报告), supervision notices (督办单) and close-outs (销号). Each is a pure function
 * from a state and an action to the next state — or a `DomainError` saying, in Chinese, why the action is not
 * allowed. Nothing is thrown: a refused action is an expected answer, which the service turns into a 409 or 422.
 */
import { DomainError } from './errors.ts';

function reasonText(value: string | undefined, code: 'reason-required' | 'response-required', what: string) {
  const text = typeof value === 'string' ? value.trim() : '';
  return text === '' ? new DomainError(code, `请填写${what}`) : text;
}

function checkInstant(at: Date, what: string): DomainError | null {
  return at instanceof Date && !Number.isNaN(at.getTime())
    ? null
    : new DomainError('invalid-date', `${what}无效`, { at: String(at) });
}

// --- Reports ----------------------------------------------------------------------------------------------------

export type ReportState = 'draft' | 'pending-approval' | 'approved' | 'submitted' | 'accepted' | 'returned';

export const REPORT_STATE_LABELS: Readonly<Record<ReportState, string>> = {
  draft: '草稿',
  'pending-approval': '待单位审核',
  approved: '单位已审核',
  submitted: '已报送',
  accepted: '已采纳',
  returned: '已退回',
};

export type ReportAction =
  /** The author asks the unit's reviewer to approve (单位审核), when the plan requires it. */
  | { type: 'request-approval' }
  /** The unit's reviewer approves. */
  | { type: 'approve' }
  /** The unit's reviewer sends the report back to its author. */
  | { type: 'send-back'; reason: string }
  /** The unit reports to the plan office; `dueAt` is the period's due instant (see `reportDueAt`). */
  | { type: 'submit'; at: Date; dueAt: Date }
  /** The plan office accepts the report. */
  | { type: 'accept' }
  /** The plan office returns the report for rework. */
  | { type: 'return'; reason: string }
  /** The author reopens a returned (or approved but not yet submitted) report as a draft. */
  | { type: 'revise' };

export type ReportActionType = ReportAction['type'];

export const REPORT_ACTION_LABELS: Readonly<Record<ReportActionType, string>> = {
  'request-approval': '提交单位审核',
  approve: '单位审核通过',
  'send-back': '单位审核退回',
  submit: '报送',
  accept: '采纳',
  return: '退回修改',
  revise: '重新编辑',
};

export interface ReportFlow {
  state: ReportState;
  /** When the report first reached the plan office; lateness is judged on it, not on a resubmission asked for. */
  submittedAt: Date | null;
  /** True when the first submission came at or after the due instant. */
  late: boolean;
  /** Why it last came back (from the unit's reviewer or the plan office); cleared when submitted again. */
  reason: string | null;
}

/** The plan's rule for reports: does each need the unit's own approval before it goes to the plan office? */
export interface ReportPolicy {
  requiresUnitApproval: boolean;
}

/**
 * A new report, as a draft.
 *
 * @example
 * newReport(); // { state: 'draft', submittedAt: null, late: false, reason: null }
 */
export function newReport(): ReportFlow {
  return { state: 'draft', submittedAt: null, late: false, reason: null };
}

const REPORT_TRANSITIONS: Readonly<Record<ReportState, Partial<Record<ReportActionType, ReportState>>>> = {
  draft: { 'request-approval': 'pending-approval', submit: 'submitted' },
  'pending-approval': { approve: 'approved', 'send-back': 'draft' },
  approved: { submit: 'submitted', revise: 'draft' },
  submitted: { accept: 'accepted', return: 'returned' },
  accepted: {},
  returned: { revise: 'draft' },
};

function invalidTransition(what: string, stateLabel: string, actionLabel: string, details: Record<string, unknown>) {
  return new DomainError('invalid-transition', `${what}当前为“${stateLabel}”，不能${actionLabel}`, details);
}

/**
 * The actions a report allows now, in the order buttons would show them.
 *
 * @example
 * allowedReportActions(newReport(), { requiresUnitApproval: true }); // ['request-approval']
 */
export function allowedReportActions(report: ReportFlow, policy: ReportPolicy): ReportActionType[] {
  return (Object.keys(REPORT_TRANSITIONS[report.state]) as ReportActionType[]).filter((type) =>
    report.state !== 'draft'
      ? true
      : type === 'request-approval'
        ? policy.requiresUnitApproval
        : !policy.requiresUnitApproval,
  );
}

/**
 * Moves a report along: draft → (pending-approval → approved, only when the plan requires 单位审核) → submitted →
 * accepted | returned (reason required) → draft again for resubmission. The unit's reviewer may send a report back
 * to draft (reason required). Returns the new report state, or a `DomainError`:
 * `invalid-transition` (the action does not apply to the state), `approval-required` (submitting a draft the unit
 * has not approved), `reason-required`, `invalid-date`.
 *
 * @example
 * const submitted = transitionReport(newReport(), { type: 'submit', at: now, dueAt }, { requiresUnitApproval: false });
 * transitionReport(submitted as ReportFlow, { type: 'return', reason: '' }, policy); // DomainError reason-required
 */
export function transitionReport(
  report: ReportFlow,
  action: ReportAction,
  policy: ReportPolicy,
): ReportFlow | DomainError {
  const details = { state: report.state, action: action.type };
  const next = REPORT_TRANSITIONS[report.state][action.type];
  if (next === undefined) {
    return invalidTransition('报告', REPORT_STATE_LABELS[report.state], REPORT_ACTION_LABELS[action.type], details);
  }
  if (report.state === 'draft' && action.type === 'submit' && policy.requiresUnitApproval) {
    return new DomainError('approval-required', '本方案要求报告经单位审核后再报送，请先提交单位审核', details);
  }
  if (action.type === 'request-approval' && !policy.requiresUnitApproval) {
    return new DomainError('invalid-transition', '本方案未要求单位审核，报告可直接报送', details);
  }
  switch (action.type) {
    case 'send-back':
    case 'return': {
      const reason = reasonText(
        action.reason,
        'reason-required',
        action.type === 'return' ? '退回原因' : '审核退回原因',
      );
      return typeof reason === 'string' ? { ...report, state: next, reason } : reason;
    }
    case 'submit': {
      const bad = checkInstant(action.at, '报送时间') ?? checkInstant(action.dueAt, '报送期限');
      if (bad) return bad;
      const first = report.submittedAt === null;
      return {
        ...report,
        state: next,
        submittedAt: first ? action.at : report.submittedAt,
        late: first ? action.at.getTime() >= action.dueAt.getTime() : report.late,
        reason: null,
      };
    }
    default:
      return { ...report, state: next };
  }
}

// --- Notices ----------------------------------------------------------------------------------------------------

/** From mildest to strongest: 提醒 → 催办 → 督办 → 挂牌督办. */
export const NOTICE_LEVELS = ['remind', 'urge', 'supervise', 'flagged'] as const;

export type NoticeLevel = (typeof NOTICE_LEVELS)[number];

export const NOTICE_LEVEL_LABELS: Readonly<Record<NoticeLevel, string>> = {
  remind: '提醒',
  urge: '催办',
  supervise: '督办',
  flagged: '挂牌督办',
};

export type NoticeState = 'open' | 'responded' | 'closed';

export const NOTICE_STATE_LABELS: Readonly<Record<NoticeState, string>> = {
  open: '待回复',
  responded: '已回复',
  closed: '已办结',
};

export interface NoticeFlow {
  level: NoticeLevel;
  state: NoticeState;
  /** When the unit's response is due. */
  due: Date;
  response: string | null;
  respondedAt: Date | null;
  closedAt: Date | null;
}

export type NoticeAction =
  /** One level up, with a new due date; the unit must respond again. */
  | { type: 'escalate'; at: Date; due: Date }
  | { type: 'respond'; at: Date; response: string }
  | { type: 'close'; at: Date };

export type NoticeActionType = NoticeAction['type'];

export const NOTICE_ACTION_LABELS: Readonly<Record<NoticeActionType, string>> = {
  escalate: '升级',
  respond: '回复',
  close: '办结',
};

function checkDue(at: Date, due: Date): DomainError | null {
  const bad = checkInstant(at, '时间') ?? checkInstant(due, '办理期限');
  if (bad) return bad;
  return due.getTime() > at.getTime()
    ? null
    : new DomainError('invalid-date', '办理期限应晚于发出时间', { at: at.toISOString(), due: due.toISOString() });
}

/**
 * A new notice. The office may start at any level (a serious lapse goes straight to 督办); the due date must lie
 * after the issue.
 *
 * @example
 * issueNotice({ level: 'remind', at: now, due: inSevenDays });
 * // { level: 'remind', state: 'open', due: inSevenDays, response: null, … }
 */
export function issueNotice(input: { level: NoticeLevel; at: Date; due: Date }): NoticeFlow | DomainError {
  if (!NOTICE_LEVELS.includes(input.level)) {
    return new DomainError('invalid-transition', `督办级别“${String(input.level)}”无效`, { level: input.level });
  }
  const bad = checkDue(input.at, input.due);
  if (bad) return bad;
  return { level: input.level, state: 'open', due: input.due, response: null, respondedAt: null, closedAt: null };
}

const NOTICE_TRANSITIONS: Readonly<Record<NoticeState, readonly NoticeActionType[]>> = {
  open: ['escalate', 'respond', 'close'],
  // A response the office finds wanting is answered by escalation; one it accepts by closing.
  responded: ['escalate', 'close'],
  closed: [],
};

/**
 * The actions a notice allows now (escalation not at the top level).
 *
 * @example
 * allowedNoticeActions(flaggedNotice); // ['respond', 'close']
 */
export function allowedNoticeActions(notice: NoticeFlow): NoticeActionType[] {
  return NOTICE_TRANSITIONS[notice.state].filter((type) => type !== 'escalate' || notice.level !== 'flagged');
}

/**
 * Moves a notice along: open → responded (response required) → closed; open or responded → escalated one level
 * (提醒 → 催办 → 督办 → 挂牌督办) and open again with a new due date; an open notice may also be closed without a
 * response (the office withdraws it). Errors: `invalid-transition`, `top-level-reached` (escalating 挂牌督办),
 * `response-required`, `invalid-date` (a due date not after the escalation).
 *
 * @example
 * transitionNotice(remind, { type: 'escalate', at: now, due: later });
 * // { level: 'urge', state: 'open', due: later, response: null, … }
 */
export function transitionNotice(notice: NoticeFlow, action: NoticeAction): NoticeFlow | DomainError {
  const details = { state: notice.state, level: notice.level, action: action.type };
  if (!NOTICE_TRANSITIONS[notice.state].includes(action.type)) {
    return invalidTransition('督办单', NOTICE_STATE_LABELS[notice.state], NOTICE_ACTION_LABELS[action.type], details);
  }
  const badAt = checkInstant(action.at, '时间');
  if (badAt) return badAt;
  switch (action.type) {
    case 'escalate': {
      const next = NOTICE_LEVELS[NOTICE_LEVELS.indexOf(notice.level) + 1];
      if (next === undefined) {
        return new DomainError('top-level-reached', '督办单已是“挂牌督办”，不能再升级', details);
      }
      const bad = checkDue(action.at, action.due);
      if (bad) return bad;
      return { ...notice, level: next, state: 'open', due: action.due, response: null, respondedAt: null };
    }
    case 'respond': {
      const response = reasonText(action.response, 'response-required', '回复内容');
      if (typeof response !== 'string') return response;
      return { ...notice, state: 'responded', response, respondedAt: action.at };
    }
    case 'close':
      return { ...notice, state: 'closed', closedAt: action.at };
  }
}

// --- Close-outs -------------------------------------------------------------------------------------------------

export type CloseOutState = 'none' | 'requested' | 'approved' | 'rejected' | 'reopened';

export const CLOSE_OUT_STATE_LABELS: Readonly<Record<CloseOutState, string>> = {
  none: '未申请',
  requested: '待审批',
  approved: '已销号',
  rejected: '已驳回',
  reopened: '已恢复',
};

export interface CloseOutFlow {
  state: CloseOutState;
  /** The evidence of the pending or last request (attachment ids or descriptions). */
  evidence: readonly string[];
  /** Why it was last rejected or reopened. */
  reason: string | null;
  requestedAt: Date | null;
  decidedAt: Date | null;
}

export type CloseOutAction =
  | { type: 'request'; at: Date; evidence: readonly string[] }
  | { type: 'approve'; at: Date }
  | { type: 'reject'; at: Date; reason: string }
  | { type: 'reopen'; at: Date; reason: string };

export type CloseOutActionType = CloseOutAction['type'];

export const CLOSE_OUT_ACTION_LABELS: Readonly<Record<CloseOutActionType, string>> = {
  request: '申请销号',
  approve: '批准销号',
  reject: '驳回',
  reopen: '恢复任务',
};

/**
 * A task's close-out before anyone asked.
 *
 * @example
 * newCloseOut(); // { state: 'none', evidence: [], reason: null, requestedAt: null, decidedAt: null }
 */
export function newCloseOut(): CloseOutFlow {
  return { state: 'none', evidence: [], reason: null, requestedAt: null, decidedAt: null };
}

const CLOSE_OUT_TRANSITIONS: Readonly<Record<CloseOutState, readonly CloseOutActionType[]>> = {
  none: ['request'],
  requested: ['approve', 'reject'],
  approved: ['reopen'],
  rejected: ['request'],
  reopened: ['request'],
};

/**
 * The actions a close-out allows now.
 *
 * @example
 * allowedCloseOutActions(newCloseOut()); // ['request']
 */
export function allowedCloseOutActions(closeOut: CloseOutFlow): CloseOutActionType[] {
  return [...CLOSE_OUT_TRANSITIONS[closeOut.state]];
}

/**
 * Moves a close-out along: requested with evidence (at least one non-blank item) → approved (the task is closed)
 * | rejected (reason required); an approved close-out may be reopened (reason required), after which, as after a
 * rejection, the unit may request again. Errors: `invalid-transition`, `evidence-required`, `reason-required`,
 * `invalid-date`.
 *
 * @example
 * transitionCloseOut(newCloseOut(), { type: 'request', at: now, evidence: [] }); // DomainError evidence-required
 */
export function transitionCloseOut(closeOut: CloseOutFlow, action: CloseOutAction): CloseOutFlow | DomainError {
  const details = { state: closeOut.state, action: action.type };
  if (!CLOSE_OUT_TRANSITIONS[closeOut.state].includes(action.type)) {
    return invalidTransition(
      '销号',
      CLOSE_OUT_STATE_LABELS[closeOut.state],
      CLOSE_OUT_ACTION_LABELS[action.type],
      details,
    );
  }
  const badAt = checkInstant(action.at, '时间');
  if (badAt) return badAt;
  switch (action.type) {
    case 'request': {
      const evidence = Array.isArray(action.evidence)
        ? action.evidence.map((item) => (typeof item === 'string' ? item.trim() : '')).filter((item) => item !== '')
        : [];
      if (evidence.length === 0) return new DomainError('evidence-required', '申请销号须提供佐证材料', details);
      return { state: 'requested', evidence, reason: null, requestedAt: action.at, decidedAt: null };
    }
    case 'approve':
      return { ...closeOut, state: 'approved', decidedAt: action.at };
    case 'reject':
    case 'reopen': {
      const reason = reasonText(action.reason, 'reason-required', action.type === 'reject' ? '驳回原因' : '恢复原因');
      if (typeof reason !== 'string') return reason;
      return { ...closeOut, state: action.type === 'reject' ? 'rejected' : 'reopened', reason, decidedAt: action.at };
    }
  }
}
