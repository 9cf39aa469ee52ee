/**
 * Test data for reports: the example plan imported through the plan import service (task （11） and its 千亿级
 * target), or a small plan built row by row with the units a test needs. Every call makes its own workspace.
 */
import { readFileSync } from 'node:fs';
import type { Db } from '../src/db/database.ts';
import { newId } from '../src/db/ids.ts';
import type { AuditEventRow, ComparatorCode, CycleFrequency } from '../src/db/schema.ts';
import { verifyChain, type ChainVerdict } from '../src/domain/audit-chain.ts';
import type { Actor, Role, ServiceContext } from '../src/services/context.ts';
import { confirmPlanDraft, createPlanDraft, editPlanDraft } from '../src/services/plan-import.service.ts';
import { listPlanTargets, listPlanTasks, type PlanTarget, type PlanTask } from '../src/services/plan.service.ts';
import type { ServiceError } from '../src/services/errors.ts';
import {
  buildActor,
  buildOffice,
  buildTask,
  buildTaskUnit,
  buildUnit,
  buildWorkspace,
  fixedClock,
  testContext,
} from './factories.ts';

const EXAMPLE_NAME = 'jinshan-hongqiao-2021.md';
const EXAMPLE = readFileSync(new URL(`../examples/${EXAMPLE_NAME}`, import.meta.url));

/** A context whose clock stands at `at` (an ISO instant). */
export function at(db: Db, instant: string): ServiceContext {
  return testContext(db, fixedClock(instant));
}

/** A reporter (or approver, leader …) of a unit. */
export function unitActor(
  workspaceId: string,
  unitId: string | null,
  roles: readonly Role[] = ['unit-reporter'],
  userId = `usr_${roles[0]}_${(unitId ?? 'none').slice(-6)}`,
): Actor {
  return buildActor(workspaceId, { userId, roles, unitId });
}

export interface ExamplePlan {
  workspaceId: string;
  office: Actor;
  planId: string;
  /** （11）打造千亿级高端绿色化工产业集群: leads 区经委 (primary) and 区投资促进办. */
  task: PlanTask;
  /** ≥1000亿元, no deadline of its own (the plan ends in 2025), no baseline. */
  target: PlanTarget;
  /** 区经委's reporter and approver. */
  reporter: Actor;
  approver: Actor;
  /** The second lead unit's reporter (区投资促进办). */
  secondLead: Actor;
}

/**
 * Imports and confirms the example plan (金府发〔2021〕1号) as the office (on 10 June 2021 unless told), optionally
 * asking for 单位审核.
 */
export async function importExamplePlan(
  db: Db,
  options: { requiresUnitApproval?: boolean; confirmedAt?: string } = {},
): Promise<ExamplePlan> {
  const { workspace, actor: office } = await buildOffice(db);
  const ctx = at(db, options.confirmedAt ?? '2021-06-10T02:00:00.000Z');
  let draft = await createPlanDraft(ctx, office, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
  if (options.requiresUnitApproval === true) {
    draft = await editPlanDraft(ctx, office, draft.id, draft.version, [
      { type: 'set-plan', requiresUnitApproval: true },
    ]);
  }
  const planId = await confirmPlanDraft(ctx, office, draft.id, draft.version);
  const task = (await listPlanTasks(ctx, office, planId)).find((t) => t.number === '（11）');
  const target = (await listPlanTargets(ctx, office, planId)).find((t) => t.taskId === task?.id);
  const [primary, second] = task?.units.lead ?? [];
  if (task === undefined || target === undefined || primary === undefined || second === undefined) {
    throw new Error('the example plan has no task （11） with two lead units and a target');
  }
  return {
    workspaceId: workspace.id,
    office,
    planId,
    task,
    target,
    reporter: unitActor(workspace.id, primary.id),
    approver: unitActor(workspace.id, primary.id, ['unit-approver']),
    secondLead: unitActor(workspace.id, second.id),
  };
}

export interface SmallPlan {
  workspaceId: string;
  office: Actor;
  planId: string;
  taskId: string;
  /** Lead units in order (the first is the primary lead) and support units. */
  leads: string[];
  supports: string[];
  /** A reporter of each lead and support unit, in the same order. */
  leadReporters: Actor[];
  supportReporters: Actor[];
}

/**
 * A plan for 2021–2025 (issued 2021-06-02, quarterly, due 15 days after the quarter) with one task and the given
 * numbers of lead and support units.
 */
export async function buildReportPlan(
  db: Db,
  options: {
    leads?: number;
    supports?: number;
    requiresUnitApproval?: boolean;
    frequency?: CycleFrequency;
    workspaceId?: string;
  } = {},
): Promise<SmallPlan> {
  const workspaceId = options.workspaceId ?? (await buildWorkspace(db)).id;
  const planId = newId('plan');
  const now = '2021-06-02T02:00:00.000Z';
  await db
    .insertInto('plans')
    .values({
      id: planId,
      workspace_id: workspaceId,
      created_at: now,
      updated_at: now,
      title: '测试方案',
      issued_on: '2021-06-02',
      start_year: 2021,
      end_year: 2025,
      cycle_frequency: options.frequency ?? 'quarterly',
      cycle_due_days: 15,
      requires_unit_approval: options.requiresUnitApproval === true ? 1 : 0,
    })
    .execute();
  const task = await buildTask(db, { workspaceId, planId });
  const leads: string[] = [];
  const supports: string[] = [];
  for (const [role, count, list] of [
    ['lead', options.leads ?? 1, leads],
    ['support', options.supports ?? 0, supports],
  ] as const) {
    for (let position = 0; position < count; position++) {
      const unit = await buildUnit(db, { workspaceId });
      await buildTaskUnit(db, { workspaceId, taskId: task.id, unitId: unit.id, role, position });
      list.push(unit.id);
    }
  }
  return {
    workspaceId,
    office: buildActor(workspaceId),
    planId,
    taskId: task.id,
    leads,
    supports,
    leadReporters: leads.map((id) => unitActor(workspaceId, id)),
    supportReporters: supports.map((id) => unitActor(workspaceId, id)),
  };
}

/** A target of a task, as the importer would store it. */
export async function buildTarget(
  db: Db,
  overrides: {
    workspaceId: string;
    planId: string;
    taskId: string;
    comparator?: ComparatorCode;
    value?: number;
    valueHigh?: number | null;
    deadline?: string | null;
    cumulative?: boolean;
    unit?: string;
    text?: string;
  },
): Promise<{ id: string }> {
  const id = newId('target');
  const now = '2021-06-02T02:00:00.000Z';
  await db
    .insertInto('targets')
    .values({
      id,
      workspace_id: overrides.workspaceId,
      created_at: now,
      updated_at: now,
      plan_id: overrides.planId,
      task_id: overrides.taskId,
      goal_node_id: null,
      text: overrides.text ?? '指标',
      comparator: overrides.comparator ?? '>=',
      value_low: overrides.value ?? 100,
      value_high: overrides.valueHigh ?? null,
      unit: overrides.unit ?? '亿元',
      deadline: overrides.deadline ?? '2025',
      period: null,
      baseline_value: null,
      baseline_period: null,
      removed_in_version: null,
      cumulative: overrides.cumulative === true ? 1 : 0,
    })
    .execute();
  return { id };
}

/** The workspace's audit events in order. */
export function auditEvents(db: Db, workspaceId: string): Promise<AuditEventRow[]> {
  return db.selectFrom('audit_events').selectAll().where('workspace_id', '=', workspaceId).orderBy('seq').execute();
}

/** Verifies the workspace's audit chain. */
export async function verifyAudit(db: Db, workspaceId: string): Promise<ChainVerdict> {
  const events = await auditEvents(db, workspaceId);
  return verifyChain(events.map(({ id: _id, ...event }) => event));
}

/** How many rows a table holds for the workspace. */
export async function countRows(
  db: Db,
  table: 'reports' | 'readings' | 'report_contributions' | 'audit_events' | 'trajectory_points',
  workspaceId: string,
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The error a promise rejects with (a `ServiceError` or a `DomainError`), for asserting its code. */
export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}
