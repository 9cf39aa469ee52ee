/**
 * Who may do what with plans and the unit directory. Each predicate answers for the actor's own workspace: the
 * services look every object up within `actor.workspaceId`, so an object of another workspace is never found
 * (404) and never reaches a predicate.
 */
import type { Actor, Role } from '../services/context.ts';

/** The roles that work with plans: the office, units, leaders and supervisors (not the 三员 administrators). */
const PLAN_READERS: readonly Role[] = ['office', 'unit-reporter', 'unit-approver', 'leader', 'supervisor'];

function hasAnyRole(actor: Actor, roles: readonly Role[]): boolean {
  return actor.roles.some((role) => roles.includes(role));
}

/** 工作专班: only the plan office imports a plan, edits its draft and confirms it (or a new version of it). */
export function canImportPlan(actor: Actor): boolean {
  return actor.roles.includes('office');
}

/**
 * Reading a plan and its tasks: everyone who works on plans; the public only once the office has published it.
 * The security and audit administrators see no plan content (等保 三员 separation).
 */
export function canViewPlan(actor: Actor, plan: { readonly published: boolean }): boolean {
  if (hasAnyRole(actor, PLAN_READERS)) return true;
  return plan.published && actor.roles.includes('public');
}

/** The unit directory: everyone who works on plans, and the system administrator who maintains users and units. */
export function canViewUnitDirectory(actor: Actor): boolean {
  return hasAnyRole(actor, PLAN_READERS) || actor.roles.includes('system-admin');
}

/** Changing a confirmed plan's settings (self-approval in one-person units): the plan office. */
export function canChangePlanSettings(actor: Actor): boolean {
  return actor.roles.includes('office');
}

/** Publishing a plan to the public transparency page (and withdrawing it): the plan office. */
export function canPublishPlan(actor: Actor): boolean {
  return actor.roles.includes('office');
}
