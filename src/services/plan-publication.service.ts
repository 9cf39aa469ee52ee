/**
 * Publishing a plan (公开): the plan office decides which plans the public role may read. Publishing shows the plan,
 * its tasks, targets and goals to the public; reports, notices and the rest of the delivery record stay internal.
 */
import { findPlan, updatePlan } from '../db/queries/plan.queries.ts';
import { canPublishPlan } from '../policies/plan.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, notFound, stale } from './errors.ts';
import { mapPlan, type Plan } from './plan-state.ts';
import { inTransaction } from './transaction.ts';

export async function setPlanPublished(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  input: { readonly version: number; readonly published: boolean },
): Promise<Plan> {
  const plan = await findPlan(ctx.db, actor.workspaceId, planId);
  if (plan === undefined) throw notFound('方案', planId);
  if (!canPublishPlan(actor)) {
    throw new ServiceError('forbidden', '只有方案办公室可以公开或撤回方案（only the plan office publishes plans）');
  }
  const now = ctx.clock();
  await inTransaction(ctx.db, async (trx) => {
    const published = input.published ? 1 : 0;
    if (!(await updatePlan(trx, actor.workspaceId, planId, input.version, { published }, now.toISOString()))) {
      throw stale('方案', planId, input.version);
    }
    await recordAudit(trx, actor, now, {
      action: input.published ? 'plan.publish' : 'plan.unpublish',
      subjectType: 'plan',
      subjectId: planId,
    });
  });
  const updated = await findPlan(ctx.db, actor.workspaceId, planId);
  if (updated === undefined) throw notFound('方案', planId);
  return mapPlan(updated);
}
