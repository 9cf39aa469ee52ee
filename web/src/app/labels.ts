/**
 * The API's words for reports, notices, close-outs, target assessments and activity, as the interface names them
 * (the same words as src/domain/workflow.ts and src/domain/trajectory.ts). Keyed by the generated schema's unions,
 * so a word the API adds is a compile error here until it is named.
 */
import type { Schemas } from '../api/client';
import type { Bilingual } from './i18n';

type TaskPage = Schemas['TaskPage'];
type Coloured = Bilingual & { color: string };

export const REPORT_STATE_VIEW: Readonly<Record<TaskPage['reports'][number]['state'], Coloured>> = {
  draft: { zh: '草稿', en: 'Draft', color: 'default' },
  'pending-approval': { zh: '待单位审核', en: 'Awaiting unit approval', color: '#874d00' },
  approved: { zh: '单位已审核', en: 'Approved by the unit', color: '#0050b3' },
  submitted: { zh: '已报送', en: 'Submitted', color: '#0050b3' },
  accepted: { zh: '已采纳', en: 'Accepted', color: '#237804' },
  returned: { zh: '已退回', en: 'Returned', color: '#a8071a' },
};

export const NOTICE_LEVEL_VIEW: Readonly<Record<TaskPage['notices'][number]['level'], Coloured>> = {
  remind: { zh: '提醒', en: 'Reminder', color: 'default' },
  urge: { zh: '催办', en: 'Urging', color: '#874d00' },
  supervise: { zh: '督办', en: 'Supervision', color: '#a8071a' },
  flagged: { zh: '挂牌督办', en: 'Flagged supervision', color: '#871400' },
};

export const NOTICE_STATE_VIEW: Readonly<Record<TaskPage['notices'][number]['state'], Bilingual>> = {
  open: { zh: '待回复', en: 'Awaiting response' },
  responded: { zh: '已回复', en: 'Responded' },
  closed: { zh: '已办结', en: 'Closed' },
  escalated: { zh: '已升级', en: 'Escalated' },
};

export const CLOSE_OUT_STATE_VIEW: Readonly<Record<NonNullable<TaskPage['closeOut']['current']>['state'], Bilingual>> =
  {
    requested: { zh: '待审批', en: 'Awaiting decision' },
    approved: { zh: '已销号', en: 'Closed out' },
    rejected: { zh: '已驳回', en: 'Rejected' },
    withdrawn: { zh: '已撤回', en: 'Withdrawn' },
    reopened: { zh: '已重新打开', en: 'Reopened' },
  };

export const TARGET_STATUS_VIEW: Readonly<
  Record<NonNullable<Schemas['TargetProgress']['assessment']>['status'], Coloured>
> = {
  met: { zh: '已完成', en: 'Met', color: '#0050b3' },
  'on-track': { zh: '符合进度', en: 'On track', color: '#237804' },
  behind: { zh: '进度落后', en: 'Behind', color: '#874d00' },
  'off-track': { zh: '严重滞后', en: 'Off track', color: '#a8071a' },
  'no-data': { zh: '暂无数据', en: 'No data', color: 'default' },
};

export const ACTIVITY_VIEW: Readonly<Record<TaskPage['activity'][number]['action'], Bilingual>> = {
  'report.submitted': { zh: '报送了报告', en: 'submitted a report' },
  'report.approved': { zh: '单位审核通过了报告', en: 'approved a report for the unit' },
  'report.accepted': { zh: '采纳了报告', en: 'accepted a report' },
  'report.returned': { zh: '退回了报告', en: 'returned a report' },
  'notice.issued': { zh: '签发了督办单', en: 'issued a notice' },
  'notice.escalated': { zh: '升级了督办单', en: 'escalated a notice' },
  'notice.responded': { zh: '回复了督办单', en: 'answered a notice' },
  'close-out.requested': { zh: '申请销号', en: 'asked to close the task' },
  'close-out.approved': { zh: '批准销号', en: 'approved the close-out' },
  'close-out.rejected': { zh: '驳回销号', en: 'rejected the close-out' },
  'comment.added': { zh: '发表了评论', en: 'commented' },
};
