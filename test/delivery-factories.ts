/**
 * Test data for the delivery services (projects, notices, close-outs, comments): the example plan imported through
 * the real import service, or a bare task with lead and support units from the factories; actors of units; files
 * as evidence; and the workspace's audit trail. Every call makes its own workspace, so tests share no rows.
 */
import { readFileSync } from 'node:fs';
import type { Db } from '../src/db/database.ts';
import { newId } from '../src/db/ids.ts';
import type { AuditEventRow } from '../src/db/schema.ts';
import { verifyChain, type ChainVerdict } from '../src/domain/audit-chain.ts';
import type { Actor, Role, ServiceContext } from '../src/services/context.ts';
import { confirmPlanDraft, createPlanDraft } from '../src/services/plan-import.service.ts';
import { listPlanTasks, type PlanTask } from '../src/services/plan.service.ts';
import { listUnits } from '../src/services/unit.service.ts';
import { buildActor, buildOffice, buildTask, buildTaskUnit, buildUnit, buildWorkspace } from './factories.ts';

const EXAMPLE_NAME = 'jinshan-hongqiao-2021.md';
const EXAMPLE = readFileSync(new URL(`../examples/${EXAMPLE_NAME}`, import.meta.url));

export interface ExamplePlan {
  workspaceId: string;
  /** The plan office (工作专班). */
  office: Actor;
  planId: string;
  tasks: PlanTask[];
  /** A task by its number as written: `task('（11）')`. */
  task(number: string): PlanTask;
  /** A unit's id by its name in the directory: `unitId('区经委')`. */
  unitId(name: string): string;
}

/** A new workspace with the example plan (金府发〔2021〕1号) imported and confirmed by its office. */
export async function importExamplePlan(ctx: ServiceContext): Promise<ExamplePlan> {
  const { workspace, actor: office } = await buildOffice(ctx.db);
  const draft = await createPlanDraft(ctx, office, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
  const planId = await confirmPlanDraft(ctx, office, draft.id, draft.version);
  const tasks = await listPlanTasks(ctx, office, planId);
  const units = new Map((await listUnits(ctx, office)).map((unit) => [unit.name, unit.id]));
  return {
    workspaceId: workspace.id,
    office,
    planId,
    tasks,
    task(number) {
      const found = tasks.find((task) => task.number === number);
      if (found === undefined) throw new Error(`the example plan has no task ${number}`);
      return found;
    },
    unitId(name) {
      const id = units.get(name);
      if (id === undefined) throw new Error(`the example plan has no unit ${name}`);
      return id;
    },
  };
}

/** A reporter (or another unit role) acting for a unit. */
export function unitActor(workspaceId: string, unitId: string, role: Role = 'unit-reporter'): Actor {
  return buildActor(workspaceId, { userId: `usr_${role}_${unitId.slice(-6)}`, roles: [role], unitId });
}

/** An actor with the given roles and no unit: a leader, a supervisor, the public. */
export function roleActor(workspaceId: string, role: Role): Actor {
  return buildActor(workspaceId, { userId: `usr_${role}_${workspaceId.slice(-6)}`, roles: [role] });
}

export interface BuiltDeliveryTask {
  workspaceId: string;
  office: Actor;
  planId: string;
  taskId: string;
  /** In written order: the first is the primary lead. */
  leadUnitIds: string[];
  supportUnitIds: string[];
  /** A unit of the workspace that has nothing to do with the task. */
  otherUnitId: string;
}

/** A task in a new workspace, with `leads` lead units (2 by default), `supports` support units (1) and a bystander. */
export async function buildDeliveryTask(
  db: Db,
  options: { leads?: number; supports?: number } = {},
): Promise<BuiltDeliveryTask> {
  const workspace = await buildWorkspace(db);
  const task = await buildTask(db, { workspaceId: workspace.id });
  const addUnits = async (count: number, role: 'lead' | 'support') => {
    const ids: string[] = [];
    for (let position = 0; position < count; position++) {
      const unit = await buildUnit(db, { workspaceId: workspace.id });
      await buildTaskUnit(db, { workspaceId: workspace.id, taskId: task.id, unitId: unit.id, role, position });
      ids.push(unit.id);
    }
    return ids;
  };
  const leadUnitIds = await addUnits(options.leads ?? 2, 'lead');
  const supportUnitIds = await addUnits(options.supports ?? 1, 'support');
  const other = await buildUnit(db, { workspaceId: workspace.id });
  return {
    workspaceId: workspace.id,
    office: buildActor(workspace.id),
    planId: task.planId,
    taskId: task.id,
    leadUnitIds,
    supportUnitIds,
    otherUnitId: other.id,
  };
}

/** An uploaded file (kept in the database) of the workspace, as close-out evidence. */
export async function buildFile(db: Db, workspaceId: string, name = '验收报告.pdf'): Promise<string> {
  const id = newId('file');
  const data = Buffer.from('%PDF-1.4 验收报告', 'utf8');
  await db
    .insertInto('files')
    .values({
      id,
      workspace_id: workspaceId,
      created_at: '2021-07-01T02:00:00.000Z',
      name,
      media_type: 'application/pdf',
      size: data.byteLength,
      sha256: '0'.repeat(64),
      path: null,
      created_by: null,
      data,
    })
    .execute();
  return id;
}

export function auditEventsOf(db: Db, workspaceId: string): Promise<AuditEventRow[]> {
  return db.selectFrom('audit_events').selectAll().where('workspace_id', '=', workspaceId).orderBy('seq').execute();
}

/** Verifies the workspace's audit hash chain as stored. */
export async function verifyAuditChain(db: Db, workspaceId: string): Promise<ChainVerdict> {
  const events = await auditEventsOf(db, workspaceId);
  return verifyChain(events.map(({ id: _id, ...event }) => event));
}

/** The error a promise rejects with, for asserting its name, code and message. */
export async function failure(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; details?: Readonly<Record<string, unknown>> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; details?: Readonly<Record<string, unknown>> };
  }
  throw new Error('expected the call to fail');
}
