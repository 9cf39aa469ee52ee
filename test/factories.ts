/**
 * Test data: each `build…` inserts one row with sensible defaults and creates the parents it is not given (a report
 * without a task gets a task, which gets a plan, which gets a workspace). Every test makes its own workspace, so
 * tests share no rows and run in any order.
 */
import type { Db } from '../src/db/database.ts';
import { newId } from '../src/db/ids.ts';
import type { NodeKind, ReportState, TaskUnitRole, UnitKind } from '../src/db/schema.ts';
import type { Actor, Clock, Role, ServiceContext } from '../src/services/context.ts';

const NOW = '2021-07-01T02:00:00.000Z';

/** A clock fixed at 2021-07-01 10:00 Beijing time, unless told otherwise. */
export function fixedClock(at = NOW): Clock {
  return () => new Date(at);
}

export function testContext(db: Db, clock: Clock = fixedClock()): ServiceContext {
  return { db, clock };
}

export interface BuiltWorkspace {
  id: string;
  name: string;
}

export async function buildWorkspace(
  db: Db,
  overrides: { name?: string; timeZone?: string } = {},
): Promise<BuiltWorkspace> {
  const id = newId('workspace');
  const name = overrides.name ?? '金山区';
  await db
    .insertInto('workspaces')
    .values({ id, name, time_zone: overrides.timeZone ?? 'Asia/Shanghai', created_at: NOW, updated_at: NOW })
    .execute();
  return { id, name };
}

/** An actor of the workspace; the plan office (工作专班) unless other roles are given. */
export function buildActor(
  workspaceId: string,
  overrides: { userId?: string; roles?: readonly Role[]; unitId?: string | null } = {},
): Actor {
  return {
    userId: overrides.userId ?? `usr_${workspaceId.slice(-8)}`,
    workspaceId,
    roles: overrides.roles ?? ['office'],
    unitId: overrides.unitId ?? null,
    ip: '127.0.0.1',
  };
}

/** A new workspace and its plan office. */
export async function buildOffice(db: Db): Promise<{ workspace: BuiltWorkspace; actor: Actor }> {
  const workspace = await buildWorkspace(db);
  return { workspace, actor: buildActor(workspace.id) };
}

export interface BuiltUnit {
  id: string;
  workspaceId: string;
  name: string;
}

export async function buildUnit(
  db: Db,
  overrides: {
    workspaceId?: string;
    name?: string;
    fullName?: string | null;
    kind?: UnitKind;
    aliases?: string[];
  } = {},
): Promise<BuiltUnit> {
  const workspaceId = overrides.workspaceId ?? (await buildWorkspace(db)).id;
  const id = newId('unit');
  const name = overrides.name ?? `单位${id.slice(-6)}`;
  await db
    .insertInto('units')
    .values({
      id,
      workspace_id: workspaceId,
      created_at: NOW,
      updated_at: NOW,
      name,
      full_name: overrides.fullName ?? null,
      kind: overrides.kind ?? 'bureau',
    })
    .execute();
  for (const alias of overrides.aliases ?? []) {
    await db
      .insertInto('unit_aliases')
      .values({
        id: newId('unitAlias'),
        workspace_id: workspaceId,
        created_at: NOW,
        updated_at: NOW,
        unit_id: id,
        alias,
      })
      .execute();
  }
  return { id, workspaceId, name };
}

export interface BuiltPlan {
  id: string;
  workspaceId: string;
}

export async function buildPlan(db: Db, overrides: { workspaceId?: string; title?: string } = {}): Promise<BuiltPlan> {
  const workspaceId = overrides.workspaceId ?? (await buildWorkspace(db)).id;
  const id = newId('plan');
  await db
    .insertInto('plans')
    .values({ id, workspace_id: workspaceId, created_at: NOW, updated_at: NOW, title: overrides.title ?? '测试方案' })
    .execute();
  return { id, workspaceId };
}

export interface BuiltNode {
  id: string;
  workspaceId: string;
  planId: string;
}

export async function buildNode(
  db: Db,
  overrides: {
    workspaceId?: string;
    planId?: string;
    parentId?: string | null;
    kind?: NodeKind;
    number?: string;
    title?: string;
    position?: number;
  } = {},
): Promise<BuiltNode> {
  const plan =
    overrides.planId !== undefined && overrides.workspaceId !== undefined
      ? { id: overrides.planId, workspaceId: overrides.workspaceId }
      : await buildPlan(db, overrides.workspaceId === undefined ? {} : { workspaceId: overrides.workspaceId });
  const id = newId('node');
  await db
    .insertInto('nodes')
    .values({
      id,
      workspace_id: plan.workspaceId,
      created_at: NOW,
      updated_at: NOW,
      plan_id: plan.id,
      parent_id: overrides.parentId ?? null,
      kind: overrides.kind ?? 'task',
      number: overrides.number ?? '',
      title: overrides.title ?? '任务',
      position: overrides.position ?? 0,
    })
    .execute();
  return { id, workspaceId: plan.workspaceId, planId: plan.id };
}

export interface BuiltTask {
  id: string;
  workspaceId: string;
  planId: string;
  nodeId: string;
}

export async function buildTask(
  db: Db,
  overrides: { workspaceId?: string; planId?: string; number?: string; title?: string; position?: number } = {},
): Promise<BuiltTask> {
  const number = overrides.number ?? '（1）';
  const title = overrides.title ?? `任务${newId('task').slice(-6)}`;
  const node = await buildNode(db, { ...overrides, kind: 'task', number, title });
  const id = newId('task');
  await db
    .insertInto('tasks')
    .values({
      id,
      workspace_id: node.workspaceId,
      created_at: NOW,
      updated_at: NOW,
      plan_id: node.planId,
      node_id: node.id,
      key: `${number} ${title}`,
      number,
      title,
      position: overrides.position ?? 0,
    })
    .execute();
  return { id, workspaceId: node.workspaceId, planId: node.planId, nodeId: node.id };
}

export async function buildTaskUnit(
  db: Db,
  overrides: { workspaceId?: string; taskId?: string; unitId?: string; role?: TaskUnitRole; position?: number } = {},
): Promise<{ id: string; taskId: string; unitId: string }> {
  const task =
    overrides.taskId !== undefined && overrides.workspaceId !== undefined
      ? { id: overrides.taskId, workspaceId: overrides.workspaceId }
      : await buildTask(db, overrides.workspaceId === undefined ? {} : { workspaceId: overrides.workspaceId });
  const unitId = overrides.unitId ?? (await buildUnit(db, { workspaceId: task.workspaceId })).id;
  const id = newId('taskUnit');
  await db
    .insertInto('task_units')
    .values({
      id,
      workspace_id: task.workspaceId,
      created_at: NOW,
      updated_at: NOW,
      task_id: task.id,
      unit_id: unitId,
      role: overrides.role ?? 'lead',
      position: overrides.position ?? 0,
    })
    .execute();
  return { id, taskId: task.id, unitId };
}

export interface BuiltReport {
  id: string;
  workspaceId: string;
  taskId: string;
  unitId: string;
}

/** A progress report (进展报告) of a unit on a task, as a unit would have filed it. */
export async function buildReport(
  db: Db,
  overrides: {
    workspaceId?: string;
    taskId?: string;
    unitId?: string;
    period?: string;
    state?: ReportState;
    narrative?: string;
  } = {},
): Promise<BuiltReport> {
  const task =
    overrides.taskId !== undefined && overrides.workspaceId !== undefined
      ? { id: overrides.taskId, workspaceId: overrides.workspaceId }
      : await buildTask(db, overrides.workspaceId === undefined ? {} : { workspaceId: overrides.workspaceId });
  const unitId = overrides.unitId ?? (await buildUnit(db, { workspaceId: task.workspaceId })).id;
  const id = newId('report');
  await db
    .insertInto('reports')
    .values({
      id,
      workspace_id: task.workspaceId,
      created_at: NOW,
      updated_at: NOW,
      task_id: task.id,
      unit_id: unitId,
      period: overrides.period ?? '2021-Q3',
      state: overrides.state ?? 'submitted',
      narrative: overrides.narrative ?? '按计划推进',
      percent_done: 20,
      confidence: 'green',
      submitted_at: NOW,
    })
    .execute();
  return { id, workspaceId: task.workspaceId, taskId: task.id, unitId };
}

/** A reading (reported value) of a target. */
export async function buildReading(
  db: Db,
  overrides: { workspaceId: string; targetId: string; reportId?: string | null; period?: string; value?: number },
): Promise<{ id: string }> {
  const id = newId('reading');
  await db
    .insertInto('readings')
    .values({
      id,
      workspace_id: overrides.workspaceId,
      created_at: NOW,
      updated_at: NOW,
      target_id: overrides.targetId,
      report_id: overrides.reportId ?? null,
      period: overrides.period ?? '2021-Q3',
      value: overrides.value ?? 1,
      source: 'report',
    })
    .execute();
  return { id };
}
