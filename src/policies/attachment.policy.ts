/**
 * Who may see, add and remove attachments (附件: evidence files). An attachment belongs to a subject, and the rules
 * are the subject's own: whoever may read the subject sees its files; whoever may write it adds files to it. As for
 * every policy, objects of another workspace never reach these predicates (the services answer 404 first).
 *
 * | subject | see | add |
 * | --- | --- | --- |
 * | task | everyone who works on plans | the plan office |
 * | report (进展报告) | who may read the report | its own unit while the report is a draft or returned; the office |
 * | reading (a report's value) | who may read its report (or, without a report, the target's progress) | as for its report; the office |
 * | close-out (销号申请) | everyone who works on plans | the requesting (primary lead) unit while it awaits a decision; the office |
 * | notice (督办单) | who may read the notice | the addressed unit while the notice awaits its response; the office, supervisors |
 * | comment | who may take part in the task's discussion | its author |
 *
 * A unit's right to add is bounded by the state of its part ("while open"); the office's, a supervisor's on notices
 * and an author's on a comment are not. Removing a file: the office, or its uploader while the uploader could still
 * add it — so evidence cannot be pulled from a report once it reached the office.
 */
import type { Actor } from '../services/context.ts';
import type { ReportState } from '../domain/workflow.ts';
import { canRequestCloseOut } from './close-out.policy.ts';
import { canRespondToNotice, canSuperviseNotices, canViewNotice } from './notice.policy.ts';
import { canCommentOnTask, canViewDelivery, type TaskUnits } from './project.policy.ts';
import { canViewReport, canViewTargetProgress, canWriteReport, type TaskUnitIds } from './report.policy.ts';

export const ATTACHMENT_SUBJECT_TYPES = ['report', 'close-out', 'notice', 'task', 'comment', 'reading'] as const;
export type AttachmentSubjectType = (typeof ATTACHMENT_SUBJECT_TYPES)[number];

/** The task a subject belongs to, with its units and whether it still takes work. */
export interface SubjectTask extends TaskUnits {
  /** Neither closed out (销号) nor removed by a new version of its plan. */
  readonly isOpen: boolean;
}

export interface SubjectReport {
  readonly unitId: string;
  readonly state: ReportState;
}

/** What the predicates need to know about the subject of an attachment. */
export type AttachmentSubject =
  | { readonly type: 'task'; readonly task: SubjectTask }
  | { readonly type: 'report'; readonly task: SubjectTask; readonly report: SubjectReport }
  /** A reading of a goal's target has no task; one entered by the office has no report. */
  | { readonly type: 'reading'; readonly task: SubjectTask | null; readonly report: SubjectReport | null }
  | {
      readonly type: 'close-out';
      readonly task: SubjectTask;
      readonly closeOut: { readonly state: 'requested' | 'approved' | 'rejected' | 'withdrawn' | 'reopened' };
    }
  | {
      readonly type: 'notice';
      readonly task: SubjectTask;
      readonly notice: { readonly unitId: string; readonly state: 'open' | 'responded' | 'closed' | 'escalated' };
    }
  | { readonly type: 'comment'; readonly task: SubjectTask; readonly comment: { readonly authorId: string | null } };

/**
 * How an actor may add files to a subject: `always`, only `while-open` (a unit, while its part of the subject is
 * still open: see {@link isOpenToUnit}), or `never`.
 */
export type AttachRight = 'always' | 'while-open' | 'never';

/** The report states in which its unit still edits it: a returned report is revised and submitted again. */
const UNIT_EDITABLE_REPORT_STATES: readonly ReportState[] = ['draft', 'returned'];

const NO_UNITS: TaskUnitIds = { lead: [], support: [] };

function unitIdsOf(task: SubjectTask | null): TaskUnitIds {
  return task === null ? NO_UNITS : { lead: task.leadUnitIds, support: task.supportUnitIds };
}

function isOffice(actor: Actor): boolean {
  return actor.roles.includes('office');
}

/** Seeing a subject's files (the list, their details, their content): whoever may read the subject. */
export function canViewAttachments(actor: Actor, subject: AttachmentSubject): boolean {
  switch (subject.type) {
    case 'task':
    case 'close-out':
      return canViewDelivery(actor);
    case 'report':
      return canViewReport(actor, subject.report, unitIdsOf(subject.task));
    case 'reading':
      return subject.report === null
        ? canViewTargetProgress(actor)
        : canViewReport(actor, subject.report, unitIdsOf(subject.task));
    case 'notice':
      return canViewNotice(actor, subject.notice);
    case 'comment':
      return canCommentOnTask(actor, subject.task);
  }
}

function reportRight(actor: Actor, report: SubjectReport | null, task: SubjectTask | null): AttachRight {
  if (isOffice(actor)) return 'always';
  if (report === null) return 'never';
  return canWriteReport(actor, report, unitIdsOf(task)) ? 'while-open' : 'never';
}

/** Who may add files to a subject, and whether only while it is open to their unit (see the module comment). */
export function attachRight(actor: Actor, subject: AttachmentSubject): AttachRight {
  switch (subject.type) {
    case 'task':
      return isOffice(actor) ? 'always' : 'never';
    case 'report':
    case 'reading':
      return reportRight(actor, subject.report, subject.task);
    case 'close-out':
      if (isOffice(actor)) return 'always';
      return canRequestCloseOut(actor, subject.task) ? 'while-open' : 'never';
    case 'notice':
      if (canSuperviseNotices(actor)) return 'always';
      return canRespondToNotice(actor, subject.notice) ? 'while-open' : 'never';
    case 'comment':
      return subject.comment.authorId !== null &&
        subject.comment.authorId === actor.userId &&
        canCommentOnTask(actor, subject.task)
        ? 'always'
        : 'never';
  }
}

/**
 * Whether a unit's part of the subject is still open, so that it may add or remove its files: its report a draft
 * or returned, its close-out request awaiting the decision, the notice awaiting its response — and the task neither
 * closed out nor removed. Subjects without a unit's part (a task, a comment, an office reading) are always open.
 */
export function isOpenToUnit(subject: AttachmentSubject): boolean {
  const taskOpen = subject.task?.isOpen ?? true;
  switch (subject.type) {
    case 'task':
    case 'comment':
      return true;
    case 'report':
    case 'reading':
      return subject.report === null || (taskOpen && UNIT_EDITABLE_REPORT_STATES.includes(subject.report.state));
    case 'close-out':
      return taskOpen && subject.closeOut.state === 'requested';
    case 'notice':
      return taskOpen && subject.notice.state === 'open';
  }
}

/** Adding a file to a subject now. */
export function canAttachTo(actor: Actor, subject: AttachmentSubject): boolean {
  const right = attachRight(actor, subject);
  return right === 'always' || (right === 'while-open' && isOpenToUnit(subject));
}

/**
 * Removing a file: the plan office (it keeps the record in order), or whoever uploaded it while they could still
 * add it (`canAttachTo`): a unit's evidence stays once its report, request or response has gone to the office.
 */
export function canRemoveAttachment(
  actor: Actor,
  attachment: { readonly createdBy: string | null },
  subject: AttachmentSubject,
): boolean {
  if (isOffice(actor)) return true;
  return attachment.createdBy !== null && attachment.createdBy === actor.userId && canAttachTo(actor, subject);
}
