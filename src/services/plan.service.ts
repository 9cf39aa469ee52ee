/**
 * Reading plans: the plan, its tasks with their units and heading paths, its targets and goals. Tasks and targets
 * that a re-import removed are left out unless asked for (`includeRemoved`).
 */
import { canViewPlan } from '../policies/plan.policy.ts';
import type { Actor, ServiceContext } from './context.ts';
import { notFound } from './errors.ts';
import { loadPlanTree, type Plan, type PlanGoal, type PlanTarget, type PlanTask, type PlanTree } from './plan-state.ts';

export type { Plan, PlanGoal, PlanTarget, PlanTask, UnitRef } from './plan-state.ts';

export interface ListOptions {
  /** Also return tasks, targets and goals that a re-import removed (flagged `isRemoved`). */
  includeRemoved?: boolean;
}

async function readableTree(ctx: ServiceContext, actor: Actor, planId: string): Promise<PlanTree> {
  const tree = await loadPlanTree(ctx.db, actor.workspaceId, planId);
  // An actor who may not see the plan learns nothing about it, not even that it exists.
  if (!canViewPlan(actor, tree.plan)) throw notFound('方案', planId);
  return tree;
}

/** Current rows in document order, then the removed ones in their former order. */
function inOrder<T extends { position: number; isRemoved: boolean }>(rows: readonly T[], options: ListOptions): T[] {
  const current = rows.filter((row) => !row.isRemoved).sort((a, b) => a.position - b.position);
  if (options.includeRemoved !== true) return current;
  const removed = rows.filter((row) => row.isRemoved).sort((a, b) => b.position - a.position);
  return [...current, ...removed];
}

export async function getPlan(ctx: ServiceContext, actor: Actor, planId: string): Promise<Plan> {
  return (await readableTree(ctx, actor, planId)).plan;
}

/** The plan's tasks in document order, each with its heading path and its lead and support units in order. */
export async function listPlanTasks(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  options: ListOptions = {},
): Promise<PlanTask[]> {
  return inOrder((await readableTree(ctx, actor, planId)).tasks, options);
}

/** The plan's targets: each task's in task order, then the goals' (goalNodeId set, taskId null). */
export async function listPlanTargets(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  options: ListOptions = {},
): Promise<PlanTarget[]> {
  const tree = await readableTree(ctx, actor, planId);
  const taskOrder = new Map(inOrder(tree.tasks, { includeRemoved: true }).map((task, i) => [task.id, i]));
  const goalOrder = new Map(inOrder(tree.goals, { includeRemoved: true }).map((goal, i) => [goal.nodeId, i]));
  const owner = (target: PlanTarget) =>
    target.taskId !== null
      ? (taskOrder.get(target.taskId) ?? 0)
      : taskOrder.size + (goalOrder.get(target.goalNodeId ?? '') ?? 0);
  const visible = new Set([
    ...inOrder(tree.tasks, options).map((task) => task.id),
    ...inOrder(tree.goals, options).map((goal) => goal.nodeId),
  ]);
  return tree.targets
    .filter((target) => visible.has(target.taskId ?? target.goalNodeId ?? ''))
    .filter((target) => options.includeRemoved === true || !target.isRemoved)
    .sort((a, b) => owner(a) - owner(b) || Number(a.isRemoved) - Number(b.isRemoved) || a.position - b.position);
}

/** The plan's goals (发展目标) in document order. */
export async function listPlanGoals(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  options: ListOptions = {},
): Promise<PlanGoal[]> {
  return inOrder((await readableTree(ctx, actor, planId)).goals, options);
}
