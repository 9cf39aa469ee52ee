/**
 * Who may do what with progress reports (进展报告), their readings and the targets' planned paths. Each predicate
 * answers for the actor's own workspace: the services look every object up within `actor.workspaceId`, so an
 * object of another workspace is never found (404) and never reaches a predicate. An object of the same workspace
 * that the actor may not touch — another unit's report — is refused (403): its existence is no secret inside the
 * workspace (issue 4).
 *
 * | role | reports |
 * | --- | --- |
 * | unit reporter | drafts, asks approval for and submits its own unit's reports on tasks its unit leads; writes its unit's contribution to the primary lead's report on tasks its unit supports; reads the reports of tasks its unit is on |
 * | unit approver | what a reporter may, and approves or sends back its own unit's reports (单位审核) — not one it wrote, unless its plan allows that for a unit's only approver |
 * | office | reads every report; accepts or returns submitted ones; sets targets' baselines and planned paths |
 * | leader, supervisor | read every report, reading and target's progress |
 */
import type { Actor, Role } from '../services/context.ts';

/** The units of a task, by id: leads in written order (the first is the primary lead), then supports. */
export interface TaskUnitIds {
  readonly lead: readonly string[];
  readonly support: readonly string[];
}

/** The report fields a decision rests on. */
export interface ReportOwner {
  readonly unitId: string;
}

const UNIT_ROLES: readonly Role[] = ['unit-reporter', 'unit-approver'];
/** Above the units: they read every report of the workspace. */
const WORKSPACE_READERS: readonly Role[] = ['office', 'leader', 'supervisor'];

function hasAnyRole(actor: Actor, roles: readonly Role[]): boolean {
  return actor.roles.some((role) => roles.includes(role));
}

/** A reporter or approver acting for a unit. */
function unitOf(actor: Actor): string | null {
  return hasAnyRole(actor, UNIT_ROLES) ? actor.unitId : null;
}

function isOnTask(unitId: string, units: TaskUnitIds): boolean {
  return units.lead.includes(unitId) || units.support.includes(unitId);
}

/** The office, leaders and supervisors read every report of their workspace (and list them all). */
export function canReadAllReports(actor: Actor): boolean {
  return hasAnyRole(actor, WORKSPACE_READERS);
}

/** Listing reports at all: readers of the whole workspace, and units (who see those of the tasks they are on). */
export function canListReports(actor: Actor): boolean {
  return canReadAllReports(actor) || unitOf(actor) !== null;
}

/** A task's reports for a period (the consolidated view): workspace readers, and the units of the task. */
export function canViewTaskReports(actor: Actor, units: TaskUnitIds): boolean {
  if (canReadAllReports(actor)) return true;
  const unitId = unitOf(actor);
  return unitId !== null && isOnTask(unitId, units);
}

/** One report: workspace readers, its own unit, and the other units of its task (co-leads and supports). */
export function canViewReport(actor: Actor, report: ReportOwner, units: TaskUnitIds): boolean {
  return canViewTaskReports(actor, units) || (unitOf(actor) !== null && actor.unitId === report.unitId);
}

/**
 * Drafting, revising, asking approval for and submitting a report: a reporter or approver of the report's own
 * unit, while that unit leads the task (every lead unit reports; a support unit contributes instead).
 */
export function canWriteReport(actor: Actor, report: ReportOwner, units: TaskUnitIds): boolean {
  const unitId = unitOf(actor);
  return unitId !== null && unitId === report.unitId && units.lead.includes(unitId);
}

/** Submitting to the plan office: whoever may write the report (after 单位审核 when the plan asks for it). */
export function canSubmitReport(actor: Actor, report: ReportOwner, units: TaskUnitIds): boolean {
  return canWriteReport(actor, report, units);
}

/** 单位审核: an approver of the report's own unit approves it or sends it back, before it goes to the office. */
export function canApproveReport(actor: Actor, report: ReportOwner, units: TaskUnitIds): boolean {
  return actor.roles.includes('unit-approver') && canWriteReport(actor, report, units);
}

/** What the four-eyes rule of 单位审核 rests on. */
export interface ApprovalFacts {
  /** Who wrote the report: created it or saved a revision of it. */
  readonly writtenBy: readonly string[];
  /** The plan's setting: a unit's only approver may approve a report it wrote (one-person units). */
  readonly allowSelfApproval: boolean;
  /** Enabled approvers of the report's unit other than the actor. */
  readonly otherApprovers: number;
}

/**
 * Four-eyes (四眼原则) on 单位审核, besides {@link canApproveReport}: the approver is none of the report's writers.
 * A plan may relax it for one-person units: a writer approves only when the plan allows it and no other approver
 * of the unit could.
 */
export function isFourEyesApproval(actor: Actor, facts: ApprovalFacts): boolean {
  if (!facts.writtenBy.includes(actor.userId)) return true;
  return facts.allowSelfApproval && facts.otherApprovers === 0;
}

/**
 * A support unit's contribution (协同单位报送): its reporter or approver writes its own unit's part of the primary
 * lead's report of the task.
 */
export function canContributeToReport(actor: Actor, report: ReportOwner, units: TaskUnitIds): boolean {
  const unitId = unitOf(actor);
  return unitId !== null && units.support.includes(unitId) && units.lead[0] === report.unitId;
}

/** Accepting or returning a submitted report: the plan office (工作专班) only. */
export function canReviewReport(actor: Actor): boolean {
  return actor.roles.includes('office');
}

/** Entering a target's baseline and overriding its planned path: the plan office only. */
export function canEditTargetPath(actor: Actor): boolean {
  return actor.roles.includes('office');
}

/**
 * A target's readings and progress: everyone who works on plans (the office, units, leaders, supervisors). The
 * administrators (三员) see no plan data; the public page is a later issue.
 */
export function canViewTargetProgress(actor: Actor): boolean {
  return canReadAllReports(actor) || unitOf(actor) !== null;
}
