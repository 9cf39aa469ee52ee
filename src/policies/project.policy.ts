/**
 * Who may work on a task's delivery record: its break-down into projects and milestones (项目化/施工图) and the
 * discussion on it (comments). Each predicate answers for the actor's own workspace: the services look every
 * object up within `actor.workspaceId`, so an object of another workspace is never found (404) and never reaches
 * a predicate.
 *
 * The units of a task are its lead units (牵头单位, in written order: the first is the primary lead) and its support
 * units (协同单位). A unit acts through its reporters and approvers (`unit-reporter`, `unit-approver`) whose
 * `actor.unitId` is that unit.
 */
import type { Actor, Role } from '../services/context.ts';

/** The roles that work with plans: the office, units, leaders and supervisors (not the 三员 administrators). */
const DELIVERY_READERS: readonly Role[] = ['office', 'unit-reporter', 'unit-approver', 'leader', 'supervisor'];

/** The roles through which a unit acts. */
const UNIT_ROLES: readonly Role[] = ['unit-reporter', 'unit-approver'];

/** The units of a task, as the predicates need them. */
export interface TaskUnits {
  /** Lead units in written order; the first is the primary lead. */
  readonly leadUnitIds: readonly string[];
  readonly supportUnitIds: readonly string[];
}

export function hasAnyRole(actor: Actor, roles: readonly Role[]): boolean {
  return actor.roles.some((role) => roles.includes(role));
}

/** The actor is a reporter or approver of this very unit. */
export function actsForUnit(actor: Actor, unitId: string | null): boolean {
  return unitId !== null && actor.unitId === unitId && hasAnyRole(actor, UNIT_ROLES);
}

/** The actor acts for a unit at all (whatever that unit is). */
export function isUnitActor(actor: Actor): boolean {
  return actor.unitId !== null && hasAnyRole(actor, UNIT_ROLES);
}

export function isLeadUnitActor(actor: Actor, task: TaskUnits): boolean {
  return task.leadUnitIds.some((unitId) => actsForUnit(actor, unitId));
}

export function isTaskUnitActor(actor: Actor, task: TaskUnits): boolean {
  return isLeadUnitActor(actor, task) || task.supportUnitIds.some((unitId) => actsForUnit(actor, unitId));
}

/**
 * Reading projects, milestones and close-outs: everyone who works on plans (as for the plan itself). The public
 * and the 三员 administrators see none of it (等保 separation); the public transparency page comes later.
 */
export function canViewDelivery(actor: Actor): boolean {
  return hasAnyRole(actor, DELIVERY_READERS);
}

/**
 * Breaking a task down (项目化): the plan office, and the task's lead units, who own the task and know best how it
 * splits. Support units contribute through the lead's projects, so they do not add their own.
 */
export function canManageProjects(actor: Actor, task: TaskUnits): boolean {
  return actor.roles.includes('office') || isLeadUnitActor(actor, task);
}

/**
 * Marking a milestone done: the project's owner unit (it does the work), the task's lead units (who may also edit
 * the milestone outright), and the plan office.
 */
export function canMarkMilestoneDone(actor: Actor, task: TaskUnits, project: { readonly ownerUnitId: string | null }) {
  return canManageProjects(actor, task) || actsForUnit(actor, project.ownerUnitId);
}

/**
 * Commenting on a task, or on a report or notice of it, and reading those comments: leaders, the office,
 * supervisors and the task's own units (lead and support). Other units do not read another task's discussion.
 */
export function canCommentOnTask(actor: Actor, task: TaskUnits): boolean {
  return hasAnyRole(actor, ['office', 'leader', 'supervisor']) || isTaskUnitActor(actor, task);
}
