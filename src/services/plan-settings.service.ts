/**
 * The settings of a plan in force that the plan office changes after confirming it, each change audited with its
 * value before and after: `allowSelfApproval`, which relaxes the four-eyes rule of 单位审核 for units with a single
 * approver (src/policies/report.policy.ts, `isFourEyesApproval`), and `reportingStartsOn`, the date reporting
 * starts (报送起始日; src/services/report-periods.ts), which queues the plan's tasks for a new status.
 */
import { findPlan, updatePlan } from '../db/queries/plan.queries.ts';
import { markPlanStatusStale } from '../db/queries/status-queue.queries.ts';
import { canChangePlanSettings } from '../policies/plan.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, notFound, stale } from './errors.ts';
import { mapPlan, type Plan } from './plan-state.ts';
import { inTransaction } from './transaction.ts';

export interface PlanSettingsChange {
  readonly version: number;
  readonly allowSelfApproval?: boolean;
  /** 报送起始日 (an ISO date); null goes back to the default. Left out: unchanged. */
  readonly reportingStartsOn?: string | null;
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
  if (change.reportingStartsOn != null && !isIsoDate(change.reportingStartsOn)) {
    throw new ServiceError('invalid-input', `报送起始日不是有效日期（not a valid date）：${change.reportingStartsOn}`);
  }
  const now = ctx.clock();
  const row: Parameters<typeof updatePlan>[4] = {};
  const detail: Record<string, { before: unknown; after: unknown }> = {};
  if (change.allowSelfApproval !== undefined) {
    row.allow_self_approval = change.allowSelfApproval ? 1 : 0;
    detail.allowSelfApproval = { before: plan.allow_self_approval === 1, after: change.allowSelfApproval };
  }
  if (change.reportingStartsOn !== undefined) {
    row.reporting_starts_on = change.reportingStartsOn;
    detail.reportingStartsOn = { before: plan.reporting_starts_on, after: change.reportingStartsOn };
  }
  await inTransaction(ctx.db, async (trx) => {
    if (!(await updatePlan(trx, actor.workspaceId, planId, change.version, row, now.toISOString()))) {
      throw stale('方案', planId, change.version);
    }
    // The statuses read the reporting start: every task of the plan is derived again.
    if (change.reportingStartsOn !== undefined)
      await markPlanStatusStale(trx, actor.workspaceId, planId, now.toISOString());
    await recordAudit(trx, actor, now, {
      action: 'plan.settings',
      subjectType: 'plan',
      subjectId: planId,
      detail,
    });
  });
  const updated = await findPlan(ctx.db, actor.workspaceId, planId);
  if (updated === undefined) throw notFound('方案', planId);
  return mapPlan(updated);
}

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}
