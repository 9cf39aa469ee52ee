/**
 * Reading plans: the plan, its tasks with their units and heading paths, its targets and goals. Tasks, targets and
 * goals that a re-import removed are left out by the queries unless asked for (`includeRemoved`), then come after
 * the ones in force.
 */
import { findNodesOfPlan } from '../db/queries/node.queries.ts';
import { findPlanPage, type PlanPageKey } from '../db/queries/plan-list.queries.ts';
import { findPlan } from '../db/queries/plan.queries.ts';
import { findTargetsOfPlan } from '../db/queries/target.queries.ts';
import { canViewPlan } from '../policies/plan.policy.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, notFound } from './errors.ts';
import {
  loadPlanTasks,
  mapGoal,
  mapPlan,
  mapTarget,
  type Plan,
  type PlanGoal,
  type PlanTarget,
  type PlanTask,
} from './plan-state.ts';

export type { Plan, PlanGoal, PlanTarget, PlanTask, UnitRef } from './plan-state.ts';
export type { PlanPageKey } from '../db/queries/plan-list.queries.ts';

export interface ListOptions {
  /** Also return tasks, targets and goals that a re-import removed (flagged `isRemoved`, with `removedInVersion`). */
  includeRemoved?: boolean;
}

/**
 * Which of the workspace's plans the actor may see at all, by `canViewPlan`: every plan, only the published ones
 * (the public), or none (the 三员 administrators).
 */
export type PlanVisibility = 'all' | 'published' | 'none';

export function planVisibility(actor: Actor): PlanVisibility {
  if (canViewPlan(actor, { published: false })) return 'all';
  return canViewPlan(actor, { published: true }) ? 'published' : 'none';
}

/** A plan of the actor's workspace that the actor may see; `not-found` otherwise (not even its existence leaks). */
export async function readablePlan(ctx: ServiceContext, actor: Actor, planId: string): Promise<Plan> {
  const row = await findPlan(ctx.db, actor.workspaceId, planId);
  if (row === undefined) throw notFound('方案', planId);
  const plan = mapPlan(row);
  // An actor who may not see the plan learns nothing about it, not even that it exists.
  if (!canViewPlan(actor, plan)) throw notFound('方案', planId);
  return plan;
}

export async function getPlan(ctx: ServiceContext, actor: Actor, planId: string): Promise<Plan> {
  return asSeenBy(planVisibility(actor), await readablePlan(ctx, actor, planId));
}

/** The public reads a published plan without the staff who made it: a name is personal data, not the plan's. */
function asSeenBy(visibility: PlanVisibility, plan: Plan): Plan {
  return visibility === 'all' ? plan : { ...plan, createdBy: null, createdByName: null };
}

/**
 * The plan's tasks in document order, each with its heading path and its lead and support units in order; with
 * `includeRemoved`, then the removed ones in their last order.
 */
export async function listPlanTasks(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  options: ListOptions = {},
): Promise<PlanTask[]> {
  await readablePlan(ctx, actor, planId);
  return loadPlanTasks(ctx.db, actor.workspaceId, planId, { includeRemoved: options.includeRemoved === true });
}

/**
 * The plan's targets: each task's in task order, then the goals' (goalNodeId set, taskId null). Without
 * `includeRemoved`, only targets in force of tasks and goals in force.
 */
export async function listPlanTargets(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  options: ListOptions = {},
): Promise<PlanTarget[]> {
  await readablePlan(ctx, actor, planId);
  const rows = await findTargetsOfPlan(ctx.db, actor.workspaceId, planId, {
    includeRemoved: options.includeRemoved === true,
  });
  return rows.map(mapTarget);
}

/** The plan's goals (发展目标) in document order. */
export async function listPlanGoals(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  options: ListOptions = {},
): Promise<PlanGoal[]> {
  await readablePlan(ctx, actor, planId);
  const nodes = await findNodesOfPlan(ctx.db, actor.workspaceId, planId, {
    includeRemoved: options.includeRemoved === true,
    kind: 'goal',
  });
  return nodes.map(mapGoal);
}

export interface PlanPage {
  items: Plan[];
  /** The sort key of the page's last plan when more follow, else null. */
  next: PlanPageKey | null;
}

export const PLAN_PAGE_LIMIT = Object.freeze({ min: 1, max: 200, default: 50 });

/**
 * The workspace's plans the actor may see (for a plan picker), newest first, a page of `limit` at a time after the
 * previous page's `next`. The public sees the published ones; those who may see no plan are `forbidden`.
 */
export async function listPlans(
  ctx: ServiceContext,
  actor: Actor,
  page: { after?: PlanPageKey | null; limit?: number } = {},
): Promise<PlanPage> {
  const visibility = planVisibility(actor);
  if (visibility === 'none') throw new ServiceError('forbidden', '无权查看方案（not allowed to read plans）');
  const limit = page.limit ?? PLAN_PAGE_LIMIT.default;
  if (!Number.isInteger(limit) || limit < PLAN_PAGE_LIMIT.min || limit > PLAN_PAGE_LIMIT.max) {
    throw new ServiceError('invalid-input', `每页条数应为 ${PLAN_PAGE_LIMIT.min}–${PLAN_PAGE_LIMIT.max}（limit）`, {
      field: 'limit',
    });
  }
  const rows = await findPlanPage(ctx.db, actor.workspaceId, {
    publishedOnly: visibility === 'published',
    ...(page.after == null ? {} : { after: page.after }),
    limit: limit + 1,
  });
  const items = rows.slice(0, limit).map((row) => asSeenBy(visibility, mapPlan(row)));
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? [last.createdAt, last.id] : null };
}
