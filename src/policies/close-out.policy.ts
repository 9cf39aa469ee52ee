/**
 * Who may do what with close-outs (销号). As for every policy, objects of another workspace never reach these
 * predicates (the services answer 404 first).
 */
import type { Actor } from '../services/context.ts';
import { actsForUnit, type TaskUnits } from './project.policy.ts';

/**
 * Asking for close-out: the task's primary lead unit (the first 牵头单位), which answers for the whole task; the
 * other lead units report to it.
 */
export function canRequestCloseOut(actor: Actor, task: TaskUnits): boolean {
  return actsForUnit(actor, task.leadUnitIds[0] ?? null);
}

/** Approving or rejecting a close-out, and reopening a closed task: the plan office (工作专班) only. */
export function canDecideCloseOut(actor: Actor): boolean {
  return actor.roles.includes('office');
}
