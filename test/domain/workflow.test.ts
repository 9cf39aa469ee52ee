// The report, notice and close-out state machines: every allowed move, every refused one with its code and
// Chinese message, and the facts each move records (lateness, reasons, responses, evidence).
import { describe, expect, it } from 'vitest';
import { isDomainError, type DomainError, type DomainErrorCode } from '../../src/domain/errors.ts';
import {
  allowedCloseOutActions,
  allowedNoticeActions,
  allowedReportActions,
  issueNotice,
  newCloseOut,
  newReport,
  transitionCloseOut,
  transitionNotice,
  transitionReport,
  type CloseOutAction,
  type CloseOutFlow,
  type CloseOutState,
  type NoticeAction,
  type NoticeFlow,
  type NoticeLevel,
  type NoticeState,
  type ReportAction,
  type ReportFlow,
  type ReportPolicy,
  type ReportState,
} from '../../src/domain/workflow.ts';

const NOW = new Date('2021-10-10T02:00:00Z');
const LATER = new Date('2021-10-17T16:00:00Z');
const DUE = new Date('2021-10-15T16:00:00Z');
const DIRECT: ReportPolicy = { requiresUnitApproval: false };
const APPROVAL: ReportPolicy = { requiresUnitApproval: true };

function ok<T>(value: T | DomainError): T {
  if (isDomainError(value)) throw new Error(`expected a state, got ${value.code}: ${value.message}`);
  return value;
}

function refused(value: unknown): DomainError {
  if (!isDomainError(value)) throw new Error(`expected a DomainError, got ${JSON.stringify(value)}`);
  return value;
}

const report = (state: ReportState, extra: Partial<ReportFlow> = {}): ReportFlow => ({
  ...newReport(),
  state,
  ...extra,
});

describe('reports', () => {
  const submit: ReportAction = { type: 'submit', at: NOW, dueAt: DUE };

  it.each<[ReportState, ReportAction, ReportPolicy, ReportState]>([
    ['draft', submit, DIRECT, 'submitted'],
    ['draft', { type: 'request-approval' }, APPROVAL, 'pending-approval'],
    ['pending-approval', { type: 'approve' }, APPROVAL, 'approved'],
    ['pending-approval', { type: 'send-back', reason: '数据口径不一致' }, APPROVAL, 'draft'],
    ['approved', submit, APPROVAL, 'submitted'],
    ['approved', { type: 'revise' }, APPROVAL, 'draft'],
    ['submitted', { type: 'accept' }, DIRECT, 'accepted'],
    ['submitted', { type: 'return', reason: '缺少佐证材料' }, DIRECT, 'returned'],
    ['returned', { type: 'revise' }, DIRECT, 'draft'],
  ])('%s —%o→ %s', (from, action, policy, to) => {
    expect(ok(transitionReport(report(from), action, policy)).state).toBe(to);
  });

  it.each<[ReportState, ReportAction, ReportPolicy, DomainErrorCode, string]>([
    [
      'draft',
      submit,
      APPROVAL,
      'approval-required',
      '本方案要求报告经单位审核后再报送，请先提交单位审核（this plan requires the unit to approve a report before it is submitted）',
    ],
    [
      'draft',
      { type: 'request-approval' },
      DIRECT,
      'invalid-transition',
      '本方案未要求单位审核，报告可直接报送（this plan does not require unit approval: submit the report directly）',
    ],
    [
      'draft',
      { type: 'accept' },
      DIRECT,
      'invalid-transition',
      '报告当前为“草稿”，不能采纳（the report is draft: cannot accept）',
    ],
    [
      'submitted',
      submit,
      DIRECT,
      'invalid-transition',
      '报告当前为“已报送”，不能报送（the report is submitted: cannot submit）',
    ],
    [
      'accepted',
      { type: 'return', reason: '补充材料' },
      DIRECT,
      'invalid-transition',
      '报告当前为“已采纳”，不能退回修改（the report is accepted: cannot return）',
    ],
    [
      'returned',
      submit,
      DIRECT,
      'invalid-transition',
      '报告当前为“已退回”，不能报送（the report is returned: cannot submit）',
    ],
    [
      'pending-approval',
      submit,
      APPROVAL,
      'invalid-transition',
      '报告当前为“待单位审核”，不能报送（the report is awaiting unit approval: cannot submit）',
    ],
    [
      'submitted',
      { type: 'return', reason: '  ' },
      DIRECT,
      'reason-required',
      '请填写退回原因（the reason for returning it is required）',
    ],
    [
      'pending-approval',
      { type: 'send-back', reason: '' },
      APPROVAL,
      'reason-required',
      '请填写审核退回原因（the reason for sending it back is required）',
    ],
    [
      'draft',
      { type: 'submit', at: new Date('x'), dueAt: DUE },
      DIRECT,
      'invalid-date',
      '报送时间无效（invalid submission time）',
    ],
  ])('%s refuses %o (%s)', (from, action, policy, code, message) => {
    const error = refused(transitionReport(report(from), action, policy));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });

  it('records the first submission and whether it was late; a resubmission keeps both', () => {
    const onTime = ok(transitionReport(newReport(), submit, DIRECT));
    expect(onTime).toEqual({ state: 'submitted', submittedAt: NOW, late: false, reason: null });
    const late = ok(transitionReport(newReport(), { type: 'submit', at: DUE, dueAt: DUE }, DIRECT));
    expect(late.late).toBe(true);

    const returned = ok(transitionReport(onTime, { type: 'return', reason: ' 缺少佐证材料 ' }, DIRECT));
    expect(returned.reason).toBe('缺少佐证材料');
    const again = ok(
      transitionReport(
        ok(transitionReport(returned, { type: 'revise' }, DIRECT)),
        { type: 'submit', at: LATER, dueAt: DUE },
        DIRECT,
      ),
    );
    expect(again).toEqual({ state: 'submitted', submittedAt: NOW, late: false, reason: null });
  });

  it('does not change the report it was given', () => {
    const draft = newReport();
    transitionReport(draft, submit, DIRECT);
    expect(draft.state).toBe('draft');
  });

  it.each<[ReportState, ReportPolicy, string[]]>([
    ['draft', DIRECT, ['submit']],
    ['draft', APPROVAL, ['request-approval']],
    ['pending-approval', APPROVAL, ['approve', 'send-back']],
    ['submitted', DIRECT, ['accept', 'return']],
    ['accepted', DIRECT, []],
  ])('a %s report offers %j', (state, policy, actions) => {
    expect(allowedReportActions(report(state), policy)).toEqual(actions);
  });
});

describe('notices', () => {
  const notice = (level: NoticeLevel, state: NoticeState = 'open'): NoticeFlow => ({
    ...ok(issueNotice({ level, at: NOW, due: DUE })),
    state,
  });

  it.each<[NoticeLevel, NoticeLevel]>([
    ['remind', 'urge'],
    ['urge', 'supervise'],
    ['supervise', 'flagged'],
  ])('escalates %s to %s, open again with the new due date', (from, to) => {
    const responded = ok(transitionNotice(notice(from), { type: 'respond', at: NOW, response: '已部署推进' }));
    const escalated = ok(transitionNotice(responded, { type: 'escalate', at: DUE, due: LATER }));
    expect(escalated).toEqual({
      level: to,
      state: 'open',
      due: LATER,
      response: null,
      respondedAt: null,
      closedAt: null,
    });
  });

  it.each<[NoticeFlow, NoticeAction, DomainErrorCode, string]>([
    [
      notice('flagged'),
      { type: 'escalate', at: NOW, due: LATER },
      'top-level-reached',
      '督办单已是“挂牌督办”，不能再升级（the notice is already at the top level, flagged supervision）',
    ],
    [
      notice('urge', 'closed'),
      { type: 'escalate', at: NOW, due: LATER },
      'invalid-transition',
      '督办单当前为“已办结”，不能升级（the notice is closed: cannot escalate）',
    ],
    [
      notice('urge', 'responded'),
      { type: 'respond', at: NOW, response: '补充' },
      'invalid-transition',
      '督办单当前为“已回复”，不能回复（the notice is responded: cannot respond）',
    ],
    [
      notice('urge', 'closed'),
      { type: 'close', at: NOW },
      'invalid-transition',
      '督办单当前为“已办结”，不能办结（the notice is closed: cannot close）',
    ],
    [
      notice('remind'),
      { type: 'respond', at: NOW, response: ' ' },
      'response-required',
      '请填写回复内容（a response is required）',
    ],
    [
      notice('remind'),
      { type: 'escalate', at: NOW, due: NOW },
      'invalid-date',
      '办理期限应晚于发出时间（the due date must come after the issue）',
    ],
  ])('refuses %#: %s', (from, action, code, message) => {
    const error = refused(transitionNotice(from, action));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });

  it('takes a response and closes', () => {
    const responded = ok(
      transitionNotice(notice('supervise'), { type: 'respond', at: NOW, response: '  已完成整改  ' }),
    );
    expect(responded).toMatchObject({ state: 'responded', response: '已完成整改', respondedAt: NOW });
    expect(ok(transitionNotice(responded, { type: 'close', at: LATER }))).toMatchObject({
      state: 'closed',
      closedAt: LATER,
    });
    // The office may also withdraw an open notice.
    expect(ok(transitionNotice(notice('remind'), { type: 'close', at: NOW })).state).toBe('closed');
  });

  it('is issued at any level with a due date after the issue', () => {
    expect(ok(issueNotice({ level: 'supervise', at: NOW, due: DUE }))).toEqual({
      level: 'supervise',
      state: 'open',
      due: DUE,
      response: null,
      respondedAt: null,
      closedAt: null,
    });
    expect(refused(issueNotice({ level: 'remind', at: DUE, due: NOW })).code).toBe('invalid-date');
    expect(refused(issueNotice({ level: 'warn' as NoticeLevel, at: NOW, due: DUE })).code).toBe('invalid-transition');
  });

  it.each<[NoticeFlow, string[]]>([
    [notice('remind'), ['escalate', 'respond', 'close']],
    [notice('flagged'), ['respond', 'close']],
    [notice('urge', 'responded'), ['escalate', 'close']],
    [notice('urge', 'closed'), []],
  ])('offers %#: %j', (from, actions) => {
    expect(allowedNoticeActions(from)).toEqual(actions);
  });
});

describe('close-outs', () => {
  const closeOut = (state: CloseOutState): CloseOutFlow => ({ ...newCloseOut(), state });
  const request: CloseOutAction = { type: 'request', at: NOW, evidence: ['验收报告.pdf'] };

  it.each<[CloseOutState, CloseOutAction, CloseOutState]>([
    ['none', request, 'requested'],
    ['requested', { type: 'approve', at: NOW }, 'approved'],
    ['requested', { type: 'reject', at: NOW, reason: '未见验收材料' }, 'rejected'],
    ['rejected', request, 'requested'],
    ['approved', { type: 'reopen', at: NOW, reason: '审计发现问题未整改到位' }, 'reopened'],
    ['reopened', request, 'requested'],
  ])('%s —%o→ %s', (from, action, to) => {
    expect(ok(transitionCloseOut(closeOut(from), action)).state).toBe(to);
  });

  it.each<[CloseOutState, CloseOutAction, DomainErrorCode, string]>([
    [
      'none',
      { type: 'request', at: NOW, evidence: [] },
      'evidence-required',
      '申请销号须提供佐证材料（a close-out request needs evidence）',
    ],
    [
      'none',
      { type: 'request', at: NOW, evidence: ['', '  '] },
      'evidence-required',
      '申请销号须提供佐证材料（a close-out request needs evidence）',
    ],
    [
      'requested',
      { type: 'reject', at: NOW, reason: '' },
      'reason-required',
      '请填写驳回原因（the reason for rejecting it is required）',
    ],
    [
      'approved',
      { type: 'reopen', at: NOW, reason: ' ' },
      'reason-required',
      '请填写恢复原因（the reason for reopening it is required）',
    ],
    [
      'none',
      { type: 'approve', at: NOW },
      'invalid-transition',
      '销号当前为“未申请”，不能批准销号（the close-out is not requested: cannot approve close-out）',
    ],
    [
      'requested',
      request,
      'invalid-transition',
      '销号当前为“待审批”，不能申请销号（the close-out is awaiting approval: cannot request close-out）',
    ],
    [
      'approved',
      { type: 'approve', at: NOW },
      'invalid-transition',
      '销号当前为“已销号”，不能批准销号（the close-out is closed out: cannot approve close-out）',
    ],
    [
      'rejected',
      { type: 'reopen', at: NOW, reason: '重新打开' },
      'invalid-transition',
      '销号当前为“已驳回”，不能恢复任务（the close-out is rejected: cannot reopen the task）',
    ],
  ])('%s refuses %o (%s)', (from, action, code, message) => {
    const error = refused(transitionCloseOut(closeOut(from), action));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });

  it('keeps the evidence, the decision time and the reason', () => {
    const requested = ok(
      transitionCloseOut(newCloseOut(), { type: 'request', at: NOW, evidence: [' 验收报告.pdf ', ''] }),
    );
    expect(requested).toEqual({
      state: 'requested',
      evidence: ['验收报告.pdf'],
      reason: null,
      requestedAt: NOW,
      decidedAt: null,
    });
    const approved = ok(transitionCloseOut(requested, { type: 'approve', at: LATER }));
    expect(approved).toMatchObject({ state: 'approved', decidedAt: LATER, evidence: ['验收报告.pdf'] });
    const reopened = ok(transitionCloseOut(approved, { type: 'reopen', at: LATER, reason: '审计发现问题' }));
    expect(reopened).toMatchObject({ state: 'reopened', reason: '审计发现问题' });
  });

  it.each<[CloseOutState, string[]]>([
    ['none', ['request']],
    ['requested', ['approve', 'reject']],
    ['approved', ['reopen']],
  ])('a %s close-out offers %j', (state, actions) => {
    expect(allowedCloseOutActions(closeOut(state))).toEqual(actions);
  });
});
