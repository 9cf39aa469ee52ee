/**
 * The settings of a plan in force that the plan office changes after confirming it, each change audited with its
 * value before and after. One so far: `allowSelfApproval`, which relaxes the four-eyes rule of 单位审核 for units
 * with a single approver (src/policies/report.policy.ts, `isFourEyesApproval`).
 */
import { findPlan, updatePlan } from '../db/queries/plan.queries.ts';
import { canChangePlanSettings } from '../policies/plan.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, notFound, stale } from './errors.ts';
import { mapPlan, type Plan } from './plan-state.ts';
import { inTransaction } from './transaction.ts';

export interface PlanSettingsChange {
  readonly version: number;
  readonly allowSelfApproval: boolean;
}

export async function changePlanSettings(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  change: PlanSettingsChange,
): Promise<Plan> {
  const plan = await findPlan(ctx.db, actor.workspaceId, planId);
  if (plan === undefined) throw notFound('方案', planId);
  if (!canChangePlanSettings(actor)) {
    throw new ServiceError('forbidden', '只有方案办公室可以修改方案设置（only the plan office changes plan settings）');
  }
  const now = ctx.clock();
  await inTransaction(ctx.db, async (trx) => {
    const allow = change.allowSelfApproval ? 1 : 0;
    if (
      !(await updatePlan(
        trx,
        actor.workspaceId,
        planId,
        change.version,
        { allow_self_approval: allow },
        now.toISOString(),
      ))
    ) {
      throw stale('方案', planId, change.version);
    }
    await recordAudit(trx, actor, now, {
      action: 'plan.settings',
      subjectType: 'plan',
      subjectId: planId,
      detail: { allowSelfApproval: { before: plan.allow_self_approval === 1, after: change.allowSelfApproval } },
    });
  });
  const updated = await findPlan(ctx.db, actor.workspaceId, planId);
  if (updated === undefined) throw notFound('方案', planId);
  return mapPlan(updated);
}
