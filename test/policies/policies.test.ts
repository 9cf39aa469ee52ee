// Issue 9, "tests that cannot pass silently": every condition of every predicate in src/policies/ decides at least
// one case here, so removing any one of them fails this file. Each case differs from an allowed one in the one
// thing a condition looks at (the role, the unit, the task's units, the state, the author), the way an attacker
// would vary a request. Pure functions, no database: the routes' answers are walked in
// test/http/authorization-table.test.ts and the services' in their own tests; this file pins the rules themselves.
import { describe, expect, it } from 'vitest';
import {
  attachRight,
  canAttachTo,
  canRemoveAttachment,
  canViewAttachments,
  isOpenToUnit,
  type AttachmentSubject,
  type SubjectTask,
} from '../../src/policies/attachment.policy.ts';
import { canExportAuditTrail, canReadAuditTrail, canVerifyAuditTrail } from '../../src/policies/audit.policy.ts';
import { canDecideCloseOut, canRequestCloseOut } from '../../src/policies/close-out.policy.ts';
import { isJobActor } from '../../src/policies/job.policy.ts';
import {
  canRespondToNotice,
  canSuperviseNotices,
  canViewNotice,
  noticeListScope,
} from '../../src/policies/notice.policy.ts';
import {
  canChangePlanSettings,
  canImportPlan,
  canPublishPlan,
  canViewPlan,
  canViewUnitDirectory,
} from '../../src/policies/plan.policy.ts';
import {
  canCommentOnTask,
  canManageProjects,
  canMarkMilestoneDone,
  canViewDelivery,
  isUnitActor,
} from '../../src/policies/project.policy.ts';
import {
  canApproveReport,
  canContributeToReport,
  canEditTargetPath,
  canListReports,
  canReadAllReports,
  canReviewReport,
  canSubmitReport,
  canViewReport,
  canViewTargetProgress,
  canViewTaskReports,
  canWriteReport,
  isFourEyesApproval,
  type TaskUnitIds,
} from '../../src/policies/report.policy.ts';
import {
  canGrantRoles,
  canManageAdministrators,
  canManageUnits,
  canManageUsers,
  canViewSecurityPolicy,
  canViewUsers,
  holdsAdminRole,
  roleSetProblem,
} from '../../src/policies/user.policy.ts';
import { adminCommandActor } from '../../src/services/admin-command-actor.ts';
import { ROLES, type Actor, type Role } from '../../src/services/context.ts';
import { jobActor } from '../../src/services/job-actor.ts';
import type { ReportState } from '../../src/domain/workflow.ts';

const WS = 'ws_policies';

/** An actor of these roles, acting for `unitId` (unit roles) or for no unit. */
function as(roles: Role | Role[], unitId: string | null = null, userId = 'usr_actor'): Actor {
  return { userId, workspaceId: WS, roles: [roles].flat(), unitId, ip: null };
}

const reporterOf = (unitId: string) => as('unit-reporter', unitId);
const approverOf = (unitId: string) => as('unit-approver', unitId);

/** The roles not in `allowed`, each of which the predicate must refuse. */
function rolesBut(...allowed: Role[]): Role[] {
  return ROLES.filter((role) => !allowed.includes(role));
}

/** Which roles (alone, without a unit) a role-only predicate allows. */
function allowedRoles(may: (actor: Actor) => boolean): Role[] {
  return ROLES.filter((role) => may(as(role)));
}

// Units: P primary lead, L second lead, S support, X a unit not on the task.
const TASK: TaskUnitIds = { lead: ['P', 'L'], support: ['S'] };
const SUBJECT_TASK: SubjectTask = { leadUnitIds: ['P', 'L'], supportUnitIds: ['S'], isOpen: true };

describe('report.policy', () => {
  it('the office, leaders and supervisors read every report; no one else', () => {
    expect(allowedRoles(canReadAllReports)).toEqual(['office', 'leader', 'supervisor']);
  });

  it('units list reports; a unit role needs its unit, a unit without a unit role is not a unit', () => {
    expect(allowedRoles(canListReports)).toEqual(['office', 'leader', 'supervisor']);
    expect(canListReports(reporterOf('X'))).toBe(true);
    expect(canListReports(as('public', 'X'))).toBe(false);
  });

  it('a task’s reports: the task’s lead and support units, not others, not a non-unit role with a unit', () => {
    for (const unit of ['P', 'L', 'S']) expect(canViewTaskReports(reporterOf(unit), TASK), unit).toBe(true);
    expect(canViewTaskReports(reporterOf('X'), TASK)).toBe(false);
    expect(canViewTaskReports(as('leader'), TASK)).toBe(true);
    expect(canViewTaskReports(as('system-admin', 'P'), TASK)).toBe(false);
  });

  it('one report: also its own unit after leaving the task; not another unit; not a non-unit role', () => {
    expect(canViewReport(reporterOf('X'), { unitId: 'X' }, TASK)).toBe(true);
    expect(canViewReport(reporterOf('X'), { unitId: 'P' }, TASK)).toBe(false);
    expect(canViewReport(as('public', 'X'), { unitId: 'X' }, TASK)).toBe(false);
    expect(canViewReport(as('supervisor'), { unitId: 'X' }, TASK)).toBe(true);
  });

  it('writing and submitting: the report’s own unit, while it leads the task', () => {
    for (const may of [canWriteReport, canSubmitReport]) {
      expect(may(reporterOf('L'), { unitId: 'L' }, TASK)).toBe(true);
      expect(may(approverOf('P'), { unitId: 'P' }, TASK)).toBe(true);
      // Another lead's report; its own report on a task it only supports; a non-unit role holding a unit.
      expect(may(reporterOf('L'), { unitId: 'P' }, TASK)).toBe(false);
      expect(may(reporterOf('S'), { unitId: 'S' }, TASK)).toBe(false);
      expect(may(as('office', 'P'), { unitId: 'P' }, TASK)).toBe(false);
    }
  });

  it('approving (单位审核): an approver of the report’s own lead unit', () => {
    expect(canApproveReport(approverOf('P'), { unitId: 'P' }, TASK)).toBe(true);
    expect(canApproveReport(reporterOf('P'), { unitId: 'P' }, TASK)).toBe(false);
    expect(canApproveReport(approverOf('L'), { unitId: 'P' }, TASK)).toBe(false);
    expect(canApproveReport(approverOf('S'), { unitId: 'S' }, TASK)).toBe(false);
  });

  it('finding 6, four-eyes: a writer approves only where the plan allows it and no other approver could', () => {
    const approver = approverOf('P');
    const facts = { writtenBy: ['usr_reporter'], allowSelfApproval: false, otherApprovers: 1 };
    expect(isFourEyesApproval(approver, facts)).toBe(true);
    expect(isFourEyesApproval(approver, { ...facts, writtenBy: ['usr_reporter', approver.userId] })).toBe(false);
    const own = { writtenBy: [approver.userId], allowSelfApproval: true, otherApprovers: 0 };
    expect(isFourEyesApproval(approver, own)).toBe(true);
    expect(isFourEyesApproval(approver, { ...own, allowSelfApproval: false })).toBe(false);
    expect(isFourEyesApproval(approver, { ...own, otherApprovers: 1 })).toBe(false);
  });

  it('contributing: a support unit, into the primary lead’s report only — never a second lead’s', () => {
    expect(canContributeToReport(reporterOf('S'), { unitId: 'P' }, TASK)).toBe(true);
    expect(canContributeToReport(reporterOf('S'), { unitId: 'L' }, TASK)).toBe(false);
    expect(canContributeToReport(reporterOf('X'), { unitId: 'P' }, TASK)).toBe(false);
    expect(canContributeToReport(reporterOf('L'), { unitId: 'P' }, TASK)).toBe(false);
    expect(canContributeToReport(as('leader', 'S'), { unitId: 'P' }, TASK)).toBe(false);
  });

  it('the office alone reviews reports and sets targets’ paths; target progress is for everyone on plans', () => {
    expect(allowedRoles(canReviewReport)).toEqual(['office']);
    expect(allowedRoles(canEditTargetPath)).toEqual(['office']);
    expect(allowedRoles(canViewTargetProgress)).toEqual(['office', 'leader', 'supervisor']);
    expect(canViewTargetProgress(approverOf('X'))).toBe(true);
    expect(canViewTargetProgress(as('public', 'X'))).toBe(false);
  });
});

describe('plan.policy', () => {
  it('the office imports, publishes and changes settings', () => {
    for (const may of [canImportPlan, canPublishPlan, canChangePlanSettings])
      expect(allowedRoles(may)).toEqual(['office']);
  });

  it('plans are read by everyone on plans, and by the public once published; the 三员 read none', () => {
    const onPlans: Role[] = ['office', 'unit-reporter', 'unit-approver', 'leader', 'supervisor'];
    expect(allowedRoles((actor) => canViewPlan(actor, { published: false }))).toEqual(onPlans);
    expect(allowedRoles((actor) => canViewPlan(actor, { published: true }))).toEqual([...onPlans, 'public']);
  });

  it('the unit directory: everyone on plans and the system administrator', () => {
    expect(allowedRoles(canViewUnitDirectory)).toEqual([
      'office',
      'unit-reporter',
      'unit-approver',
      'leader',
      'supervisor',
      'system-admin',
    ]);
  });
});

describe('project.policy', () => {
  const task = { leadUnitIds: ['P', 'L'], supportUnitIds: ['S'] };

  it('a unit actor: a unit role acting for a unit — neither a unit role without a unit nor a unit without one', () => {
    expect(isUnitActor(reporterOf('P'))).toBe(true);
    expect(isUnitActor(as('unit-approver'))).toBe(false);
    expect(isUnitActor(as('leader', 'P'))).toBe(false);
  });

  it('delivery is read by everyone on plans', () => {
    expect(allowedRoles(canViewDelivery)).toEqual(['office', 'unit-reporter', 'unit-approver', 'leader', 'supervisor']);
  });

  it('projects: the office and every lead unit, not a support unit, not a unit role without a unit', () => {
    expect(canManageProjects(as('office'), task)).toBe(true);
    expect(canManageProjects(reporterOf('L'), task)).toBe(true);
    expect(canManageProjects(approverOf('P'), task)).toBe(true);
    expect(canManageProjects(reporterOf('S'), task)).toBe(false);
    expect(canManageProjects(reporterOf('X'), task)).toBe(false);
    expect(canManageProjects(as('leader', 'P'), task)).toBe(false);
  });

  it('a milestone done: also the project’s owner unit, and only that one', () => {
    expect(canMarkMilestoneDone(reporterOf('X'), task, { ownerUnitId: 'X' })).toBe(true);
    expect(canMarkMilestoneDone(reporterOf('X'), task, { ownerUnitId: 'S' })).toBe(false);
    expect(canMarkMilestoneDone(reporterOf('X'), task, { ownerUnitId: null })).toBe(false);
    // A unit role without a unit owns no project that has no owner.
    expect(
      canMarkMilestoneDone(as('unit-reporter'), { leadUnitIds: [], supportUnitIds: [] }, { ownerUnitId: null }),
    ).toBe(false);
  });

  it('comments: the office, leaders, supervisors and the task’s lead and support units', () => {
    expect(allowedRoles((actor) => canCommentOnTask(actor, task))).toEqual(['office', 'leader', 'supervisor']);
    for (const unit of ['P', 'L', 'S']) expect(canCommentOnTask(reporterOf(unit), task), unit).toBe(true);
    expect(canCommentOnTask(reporterOf('X'), task)).toBe(false);
  });
});

describe('close-out.policy', () => {
  it('the primary lead unit asks; the office decides', () => {
    const task = { leadUnitIds: ['P', 'L'], supportUnitIds: ['S'] };
    expect(canRequestCloseOut(approverOf('P'), task)).toBe(true);
    expect(canRequestCloseOut(reporterOf('L'), task)).toBe(false);
    expect(canRequestCloseOut(as('unit-reporter'), { leadUnitIds: [], supportUnitIds: [] })).toBe(false);
    expect(allowedRoles(canDecideCloseOut)).toEqual(['office']);
  });
});

describe('notice.policy', () => {
  it('the office and supervisors supervise; the unit addressed answers', () => {
    expect(allowedRoles(canSuperviseNotices)).toEqual(['office', 'supervisor']);
    expect(canRespondToNotice(reporterOf('P'), { unitId: 'P' })).toBe(true);
    expect(canRespondToNotice(reporterOf('L'), { unitId: 'P' })).toBe(false);
    expect(canRespondToNotice(as('supervisor', 'P'), { unitId: 'P' })).toBe(false);
  });

  it('reading: the office, supervisors, leaders, and the unit addressed', () => {
    expect(allowedRoles((actor) => canViewNotice(actor, { unitId: 'P' }))).toEqual(['office', 'leader', 'supervisor']);
    expect(canViewNotice(approverOf('P'), { unitId: 'P' })).toBe(true);
    expect(canViewNotice(approverOf('L'), { unitId: 'P' })).toBe(false);
  });

  it('listing: all for the readers, a unit’s own for a unit, none for others', () => {
    for (const role of ['office', 'leader', 'supervisor'] as const) {
      expect(noticeListScope(as(role)), role).toEqual({ restrictToUnit: null });
    }
    expect(noticeListScope(reporterOf('P'))).toEqual({ restrictToUnit: 'P' });
    expect(noticeListScope(as('unit-reporter'))).toBe(false);
    expect(noticeListScope(as('public', 'P'))).toBe(false);
    for (const role of rolesBut('office', 'leader', 'supervisor', 'unit-reporter', 'unit-approver')) {
      expect(noticeListScope(as(role)), role).toBe(false);
    }
  });
});

describe('attachment.policy', () => {
  const report = (unitId: string, state: ReportState): AttachmentSubject => ({
    type: 'report',
    task: SUBJECT_TASK,
    report: { unitId, state },
  });
  const closed: SubjectTask = { ...SUBJECT_TASK, isOpen: false };

  it('files are seen by whoever may read their subject', () => {
    expect(canViewAttachments(reporterOf('X'), report('P', 'draft'))).toBe(false);
    expect(canViewAttachments(reporterOf('S'), report('P', 'draft'))).toBe(true);
    const officeReading: AttachmentSubject = { type: 'reading', task: null, report: null };
    expect(canViewAttachments(reporterOf('X'), officeReading)).toBe(true);
    expect(canViewAttachments(as('public'), officeReading)).toBe(false);
    const reading: AttachmentSubject = { type: 'reading', task: SUBJECT_TASK, report: { unitId: 'P', state: 'draft' } };
    expect(canViewAttachments(reporterOf('X'), reading)).toBe(false);
    const notice: AttachmentSubject = { type: 'notice', task: SUBJECT_TASK, notice: { unitId: 'P', state: 'open' } };
    expect(canViewAttachments(reporterOf('L'), notice)).toBe(false);
    expect(canViewAttachments(reporterOf('P'), notice)).toBe(true);
    const comment: AttachmentSubject = { type: 'comment', task: SUBJECT_TASK, comment: { authorId: null } };
    expect(canViewAttachments(reporterOf('X'), comment)).toBe(false);
    expect(canViewAttachments(reporterOf('S'), comment)).toBe(true);
    const closeOut: AttachmentSubject = { type: 'close-out', task: SUBJECT_TASK, closeOut: { state: 'requested' } };
    expect(canViewAttachments(reporterOf('X'), closeOut)).toBe(true);
    expect(canViewAttachments(as('public'), closeOut)).toBe(false);
  });

  it('who adds files, and whether only while the subject is open to their unit', () => {
    // Reports and readings: the office always, the writing unit while open, no one else.
    expect(attachRight(as('office'), report('P', 'submitted'))).toBe('always');
    expect(attachRight(as('office'), { type: 'reading', task: null, report: null })).toBe('always');
    expect(attachRight(reporterOf('P'), { type: 'reading', task: null, report: null })).toBe('never');
    expect(attachRight(reporterOf('P'), report('P', 'draft'))).toBe('while-open');
    expect(attachRight(reporterOf('S'), report('P', 'draft'))).toBe('never');
    // A task: the office alone.
    expect(allowedRoles((actor) => attachRight(actor, { type: 'task', task: SUBJECT_TASK }) !== 'never')).toEqual([
      'office',
    ]);
    // A close-out request: the office always, the primary lead unit while open.
    const closeOut: AttachmentSubject = { type: 'close-out', task: SUBJECT_TASK, closeOut: { state: 'requested' } };
    expect(attachRight(as('office'), closeOut)).toBe('always');
    expect(attachRight(reporterOf('P'), closeOut)).toBe('while-open');
    expect(attachRight(reporterOf('L'), closeOut)).toBe('never');
    // A notice: the office and supervisors always, the unit addressed while open.
    const notice: AttachmentSubject = { type: 'notice', task: SUBJECT_TASK, notice: { unitId: 'P', state: 'open' } };
    expect(attachRight(as('supervisor'), notice)).toBe('always');
    expect(attachRight(reporterOf('P'), notice)).toBe('while-open');
    expect(attachRight(reporterOf('L'), notice)).toBe('never');
    expect(attachRight(as('leader'), notice)).toBe('never');
    // A comment: its author, while the author may still take part.
    const comment = (authorId: string | null): AttachmentSubject => ({
      type: 'comment',
      task: SUBJECT_TASK,
      comment: { authorId },
    });
    expect(attachRight(as('leader', null, 'usr_author'), comment('usr_author'))).toBe('always');
    expect(attachRight(as('leader', null, 'usr_other'), comment('usr_author'))).toBe('never');
    expect(attachRight(as('public', null, 'usr_author'), comment('usr_author'))).toBe('never');
    expect(attachRight(as('leader', null, 'usr_author'), comment(null))).toBe('never');
  });

  it('open to the unit: its report a draft or returned, the request awaiting, the notice open — on an open task', () => {
    expect(isOpenToUnit(report('P', 'draft'))).toBe(true);
    expect(isOpenToUnit(report('P', 'returned'))).toBe(true);
    expect(isOpenToUnit(report('P', 'submitted'))).toBe(false);
    expect(isOpenToUnit({ type: 'report', task: closed, report: { unitId: 'P', state: 'draft' } })).toBe(false);
    const closeOut = (task: SubjectTask, state: 'requested' | 'rejected'): AttachmentSubject => ({
      type: 'close-out',
      task,
      closeOut: { state },
    });
    expect(isOpenToUnit(closeOut(SUBJECT_TASK, 'requested'))).toBe(true);
    expect(isOpenToUnit(closeOut(SUBJECT_TASK, 'rejected'))).toBe(false);
    expect(isOpenToUnit(closeOut(closed, 'requested'))).toBe(false);
    const notice = (task: SubjectTask, state: 'open' | 'closed'): AttachmentSubject => ({
      type: 'notice',
      task,
      notice: { unitId: 'P', state },
    });
    expect(isOpenToUnit(notice(SUBJECT_TASK, 'open'))).toBe(true);
    expect(isOpenToUnit(notice(SUBJECT_TASK, 'closed'))).toBe(false);
    expect(isOpenToUnit(notice(closed, 'open'))).toBe(false);
  });

  it('adding now: a while-open right only while open; removing: the office, or the uploader while it could add', () => {
    const unit = reporterOf('P');
    expect(canAttachTo(unit, report('P', 'draft'))).toBe(true);
    expect(canAttachTo(unit, report('P', 'submitted'))).toBe(false);
    expect(canRemoveAttachment(as('office'), { createdBy: null }, report('P', 'accepted'))).toBe(true);
    expect(canRemoveAttachment(unit, { createdBy: unit.userId }, report('P', 'draft'))).toBe(true);
    expect(canRemoveAttachment(unit, { createdBy: 'usr_colleague' }, report('P', 'draft'))).toBe(false);
    expect(canRemoveAttachment(unit, { createdBy: unit.userId }, report('P', 'submitted'))).toBe(false);
  });
});

describe('audit.policy and job.policy', () => {
  it('the audit administrator alone reads, exports and verifies the trail', () => {
    for (const may of [canReadAuditTrail, canExportAuditTrail, canVerifyAuditTrail]) {
      expect(allowedRoles(may)).toEqual(['audit-admin']);
    }
  });

  it('the jobs’ actor is `system:jobs` with no unit; no person is', () => {
    expect(isJobActor(jobActor(WS))).toBe(true);
    expect(isJobActor(as('supervisor', null, 'usr_someone'))).toBe(false);
    expect(isJobActor({ ...jobActor(WS), unitId: 'P' })).toBe(false);
  });
});

describe('user.policy', () => {
  it('三员: the system administrator keeps accounts and units, the security administrator grants roles and reads the policy', () => {
    expect(allowedRoles(canManageUsers)).toEqual(['system-admin']);
    expect(allowedRoles(canManageUnits)).toEqual(['system-admin']);
    expect(allowedRoles(canGrantRoles)).toEqual(['security-admin']);
    expect(allowedRoles(canViewSecurityPolicy)).toEqual(['security-admin']);
    expect(allowedRoles(canViewUsers)).toEqual(['system-admin', 'security-admin']);
  });

  it('finding 1: administrators’ accounts are the server command’s alone, never a signed-in role’s', () => {
    expect(ROLES.filter((role) => holdsAdminRole([role]))).toEqual(['system-admin', 'security-admin', 'audit-admin']);
    expect(canManageAdministrators(adminCommandActor(WS))).toBe(true);
    // Every role of a person, and the command's id borrowed with a role or a unit.
    for (const role of ROLES) expect(canManageAdministrators(as(role)), role).toBe(false);
    expect(canManageAdministrators(as([], null, 'usr_someone'))).toBe(false);
    expect(canManageAdministrators({ ...adminCommandActor(WS), roles: ['system-admin'] })).toBe(false);
    expect(canManageAdministrators({ ...adminCommandActor(WS), unitId: 'P' })).toBe(false);
  });

  it('role sets: an administrator role alone, unit roles with a unit, the public role alone', () => {
    expect(roleSetProblem(['audit-admin'], null)).toBeNull();
    expect(roleSetProblem(['audit-admin', 'leader'], null)).toMatch(/^系统管理员、安全管理员、审计管理员三员分立/);
    expect(roleSetProblem(['leader', 'supervisor'], null)).toBeNull();
    expect(roleSetProblem(['unit-reporter'], null)).toMatch(/^单位填报员、单位审核员须先由系统管理员指定所属单位/);
    expect(roleSetProblem(['unit-reporter', 'unit-approver'], 'P')).toBeNull();
    expect(roleSetProblem(['public', 'leader'], null)).toMatch(/^公众角色不能与其他角色同时授予/);
    expect(roleSetProblem(['public'], null)).toBeNull();
  });
});
