/**
 * Who may do what with supervision notices (督办单). As for every policy, objects of another workspace never reach
 * these predicates (the services answer 404 first).
 */
import type { Actor } from '../services/context.ts';
import { actsForUnit, hasAnyRole, isUnitActor } from './project.policy.ts';

/** Issuing, escalating and closing notices: the plan office and the supervisors (督查). */
export function canSuperviseNotices(actor: Actor): boolean {
  return hasAnyRole(actor, ['office', 'supervisor']);
}

/** Answering a notice: a reporter or approver of the unit it is addressed to. */
export function canRespondToNotice(actor: Actor, notice: { readonly unitId: string }): boolean {
  return actsForUnit(actor, notice.unitId);
}

/**
 * Reading a notice: the office, supervisors and leaders see them all; a unit sees those addressed to it (a notice
 * is a judgement on the unit's work, not something other units read).
 */
export function canViewNotice(actor: Actor, notice: { readonly unitId: string }): boolean {
  return hasAnyRole(actor, ['office', 'supervisor', 'leader']) || actsForUnit(actor, notice.unitId);
}

/**
 * Listing notices: everyone who may read some. A unit's actor sees only its own unit's notices; `restrictToUnit`
 * says which unit the list must be narrowed to (null: no narrowing), or `false` when the actor may list none.
 */
export function noticeListScope(actor: Actor): { restrictToUnit: string | null } | false {
  if (hasAnyRole(actor, ['office', 'supervisor', 'leader'])) return { restrictToUnit: null };
  if (isUnitActor(actor) && actor.unitId !== null) return { restrictToUnit: actor.unitId };
  return false;
}
