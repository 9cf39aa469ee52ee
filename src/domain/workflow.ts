/**
 * The state machines of reports (进展报告), supervision notices (督办单) and close-outs (销号). Each is a pure function
 * from a state and an action to the next state — or a `DomainError` saying, in Chinese, why the action is not
 * allowed. Nothing is thrown: a refused action is an expected answer, which the service turns into a 409 or 422.
 */
import { DomainError } from './errors.ts';
import { chineseLabels, type Bilingual } from './labels.ts';

function reasonText(
  value: string | undefined,
  code: 'reason-required' | 'response-required',
  what: Bilingual,
): string | DomainError {
  const text = typeof value === 'string' ? value.trim() : '';
  return text === '' ? new DomainError(code, `请填写${what.zh}（${what.en} is required）`) : text;
}

function checkInstant(at: Date, what: Bilingual): DomainError | null {
  return at instanceof Date && !Number.isNaN(at.getTime())
    ? null
    : new DomainError('invalid-date', `${what.zh}无效（invalid ${what.en}）`, { at: String(at) });
}

const TIME: Bilingual = { zh: '时间', en: 'time' };

// --- Reports ----------------------------------------------------------------------------------------------------

export type ReportState = 'draft' | 'pending-approval' | 'approved' | 'submitted' | 'accepted' | 'returned';

export const REPORT_STATES: Readonly<Record<ReportState, Bilingual>> = {
  draft: { zh: '草稿', en: 'draft' },
  'pending-approval': { zh: '待单位审核', en: 'awaiting unit approval' },
  approved: { zh: '单位已审核', en: 'approved by the unit' },
  submitted: { zh: '已报送', en: 'submitted' },
  accepted: { zh: '已采纳', en: 'accepted' },
  returned: { zh: '已退回', en: 'returned' },
};

export const REPORT_STATE_LABELS = chineseLabels(REPORT_STATES);

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

export const REPORT_ACTIONS: Readonly<Record<ReportActionType, Bilingual>> = {
  'request-approval': { zh: '提交单位审核', en: 'request unit approval' },
  approve: { zh: '单位审核通过', en: 'approve' },
  'send-back': { zh: '单位审核退回', en: 'send back' },
  submit: { zh: '报送', en: 'submit' },
  accept: { zh: '采纳', en: 'accept' },
  return: { zh: '退回修改', en: 'return' },
  revise: { zh: '重新编辑', en: 'revise' },
};

export const REPORT_ACTION_LABELS = chineseLabels(REPORT_ACTIONS);

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

function invalidTransition(what: Bilingual, state: Bilingual, action: Bilingual, details: Record<string, unknown>) {
  return new DomainError(
    'invalid-transition',
    `${what.zh}当前为“${state.zh}”，不能${action.zh}（the ${what.en} is ${state.en}: cannot ${action.en}）`,
    details,
  );
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
    const what = { zh: '报告', en: 'report' };
    return invalidTransition(what, REPORT_STATES[report.state], REPORT_ACTIONS[action.type], details);
  }
  if (report.state === 'draft' && action.type === 'submit' && policy.requiresUnitApproval) {
    return new DomainError(
      'approval-required',
      '本方案要求报告经单位审核后再报送，请先提交单位审核（this plan requires the unit to approve a report before it is submitted）',
      details,
    );
  }
  if (action.type === 'request-approval' && !policy.requiresUnitApproval) {
    return new DomainError(
      'invalid-transition',
      '本方案未要求单位审核，报告可直接报送（this plan does not require unit approval: submit the report directly）',
      details,
    );
  }
  switch (action.type) {
    case 'send-back':
    case 'return': {
      const reason = reasonText(
        action.reason,
        'reason-required',
        action.type === 'return'
          ? { zh: '退回原因', en: 'the reason for returning it' }
          : { zh: '审核退回原因', en: 'the reason for sending it back' },
      );
      return typeof reason === 'string' ? { ...report, state: next, reason } : reason;
    }
    case 'submit': {
      const bad =
        checkInstant(action.at, { zh: '报送时间', en: 'submission time' }) ??
        checkInstant(action.dueAt, { zh: '报送期限', en: 'due time' });
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

export const NOTICE_LEVEL_NAMES: Readonly<Record<NoticeLevel, Bilingual>> = {
  remind: { zh: '提醒', en: 'reminder' },
  urge: { zh: '催办', en: 'urging' },
  supervise: { zh: '督办', en: 'supervision' },
  flagged: { zh: '挂牌督办', en: 'flagged supervision' },
};

export const NOTICE_LEVEL_LABELS = chineseLabels(NOTICE_LEVEL_NAMES);

export type NoticeState = 'open' | 'responded' | 'closed';

export const NOTICE_STATES: Readonly<Record<NoticeState, Bilingual>> = {
  open: { zh: '待回复', en: 'awaiting response' },
  responded: { zh: '已回复', en: 'responded' },
  closed: { zh: '已办结', en: 'closed' },
};

export const NOTICE_STATE_LABELS = chineseLabels(NOTICE_STATES);

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

export const NOTICE_ACTIONS: Readonly<Record<NoticeActionType, Bilingual>> = {
  escalate: { zh: '升级', en: 'escalate' },
  respond: { zh: '回复', en: 'respond' },
  close: { zh: '办结', en: 'close' },
};

export const NOTICE_ACTION_LABELS = chineseLabels(NOTICE_ACTIONS);

function checkDue(at: Date, due: Date): DomainError | null {
  const bad = checkInstant(at, TIME) ?? checkInstant(due, { zh: '办理期限', en: 'due date' });
  if (bad) return bad;
  return due.getTime() > at.getTime()
    ? null
    : new DomainError('invalid-date', '办理期限应晚于发出时间（the due date must come after the issue）', {
        at: at.toISOString(),
        due: due.toISOString(),
      });
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
    return new DomainError(
      'invalid-transition',
      `督办级别“${String(input.level)}”无效（unknown notice level "${String(input.level)}"）`,
      { level: input.level },
    );
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
    const what = { zh: '督办单', en: 'notice' };
    return invalidTransition(what, NOTICE_STATES[notice.state], NOTICE_ACTIONS[action.type], details);
  }
  const badAt = checkInstant(action.at, TIME);
  if (badAt) return badAt;
  switch (action.type) {
    case 'escalate': {
      const next = NOTICE_LEVELS[NOTICE_LEVELS.indexOf(notice.level) + 1];
      if (next === undefined) {
        return new DomainError(
          'top-level-reached',
          '督办单已是“挂牌督办”，不能再升级（the notice is already at the top level, flagged supervision）',
          details,
        );
      }
      const bad = checkDue(action.at, action.due);
      if (bad) return bad;
      return { ...notice, level: next, state: 'open', due: action.due, response: null, respondedAt: null };
    }
    case 'respond': {
      const response = reasonText(action.response, 'response-required', { zh: '回复内容', en: 'a response' });
      if (typeof response !== 'string') return response;
      return { ...notice, state: 'responded', response, respondedAt: action.at };
    }
    case 'close':
      return { ...notice, state: 'closed', closedAt: action.at };
  }
}

// --- Close-outs -------------------------------------------------------------------------------------------------

export type CloseOutState = 'none' | 'requested' | 'approved' | 'rejected' | 'reopened';

export const CLOSE_OUT_STATES: Readonly<Record<CloseOutState, Bilingual>> = {
  none: { zh: '未申请', en: 'not requested' },
  requested: { zh: '待审批', en: 'awaiting approval' },
  approved: { zh: '已销号', en: 'closed out' },
  rejected: { zh: '已驳回', en: 'rejected' },
  reopened: { zh: '已恢复', en: 'reopened' },
};

export const CLOSE_OUT_STATE_LABELS = chineseLabels(CLOSE_OUT_STATES);

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

export const CLOSE_OUT_ACTIONS: Readonly<Record<CloseOutActionType, Bilingual>> = {
  request: { zh: '申请销号', en: 'request close-out' },
  approve: { zh: '批准销号', en: 'approve close-out' },
  reject: { zh: '驳回', en: 'reject' },
  reopen: { zh: '恢复任务', en: 'reopen the task' },
};

export const CLOSE_OUT_ACTION_LABELS = chineseLabels(CLOSE_OUT_ACTIONS);

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
    const what = { zh: '销号', en: 'close-out' };
    return invalidTransition(what, CLOSE_OUT_STATES[closeOut.state], CLOSE_OUT_ACTIONS[action.type], details);
  }
  const badAt = checkInstant(action.at, TIME);
  if (badAt) return badAt;
  switch (action.type) {
    case 'request': {
      const evidence = Array.isArray(action.evidence)
        ? action.evidence.map((item) => (typeof item === 'string' ? item.trim() : '')).filter((item) => item !== '')
        : [];
      if (evidence.length === 0) {
        return new DomainError(
          'evidence-required',
          '申请销号须提供佐证材料（a close-out request needs evidence）',
          details,
        );
      }
      return { state: 'requested', evidence, reason: null, requestedAt: action.at, decidedAt: null };
    }
    case 'approve':
      return { ...closeOut, state: 'approved', decidedAt: action.at };
    case 'reject':
    case 'reopen': {
      const reason = reasonText(
        action.reason,
        'reason-required',
        action.type === 'reject'
          ? { zh: '驳回原因', en: 'the reason for rejecting it' }
          : { zh: '恢复原因', en: 'the reason for reopening it' },
      );
      if (typeof reason !== 'string') return reason;
      return { ...closeOut, state: action.type === 'reject' ? 'rejected' : 'reopened', reason, decidedAt: action.at };
    }
  }
}
