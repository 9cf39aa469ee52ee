/**
 * Breaking a task down into projects and milestones (项目化/施工图): the plan office, or one of the task's lead
 * units, adds projects (each with an owner unit and planned dates) and their dated milestones; the owner unit, a
 * lead unit or the office marks a milestone done. While the task is closed out (销号) its break-down is frozen:
 * every change is refused (`conflict`) until the office reopens the task.
 *
 * This module also holds what the other delivery services (notices, close-outs, comments) share: the task as they
 * see it (`loadDeliveryTask`) and the checks of their inputs.
 *
 * Every change writes its audit event in the same transaction; every update checks the row's version (`stale`);
 * objects of another workspace are `not-found`; a unit that may not act is `forbidden`.
 */
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import { newId } from '../db/ids.ts';
import {
  findMilestone,
  findMilestones,
  insertMilestone,
  markMilestoneRemoved,
  nextMilestonePosition,
  updateUnfrozenMilestone,
  type MilestoneFieldsUpdate,
  type MilestoneScope,
} from '../db/queries/milestone.queries.ts';
import { findPlan } from '../db/queries/plan.queries.ts';
import {
  findDeliveryTask,
  findProject,
  findProjects,
  findUnitRef,
  findUnitsOfTask,
  insertProject,
  updateProject as updateProjectRow,
  type ProjectFieldsUpdate,
  type ProjectWithRefsRow,
} from '../db/queries/project.queries.ts';
import { workspaceTimeZone } from '../db/queries/workspace.queries.ts';
import type { Database, IsoDate, MilestoneRow } from '../db/schema.ts';
import { markTaskStatusStale } from '../db/queries/status-queue.queries.ts';
import { localDateOf, startOfLocalDay } from '../domain/periods.ts';
import {
  canManageProjects,
  canMarkMilestoneDone,
  canViewDelivery,
  type TaskUnits,
} from '../policies/project.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, conflict, forbidden, invalidInput, notFound, stale } from './errors.ts';
import { inTransaction } from './transaction.ts';

// ---- Shared by the delivery services -------------------------------------------------------------------------

/** A task as the delivery services see it: its state and its units. */
export interface DeliveryTask extends TaskUnits {
  id: string;
  version: number;
  planId: string;
  number: string;
  title: string;
  closedAt: string | null;
  isRemoved: boolean;
}

/**
 * A task of the actor's workspace with its units, or `not-found`. With `lock`, the task row stays locked until the
 * transaction ends (PostgreSQL), so decisions on one task do not interleave.
 */
export async function loadDeliveryTask(
  db: Db,
  actor: Actor,
  taskId: string,
  options: { lock?: boolean } = {},
): Promise<DeliveryTask> {
  const row = await findDeliveryTask(db, actor.workspaceId, taskId, options);
  if (row === undefined) throw notFound('任务', taskId);
  const units = await findUnitsOfTask(db, actor.workspaceId, taskId);
  return {
    id: row.id,
    version: row.version,
    planId: row.plan_id,
    number: row.number,
    title: row.title,
    closedAt: row.closed_at,
    isRemoved: row.removed_in_version !== null,
    leadUnitIds: units.filter((unit) => unit.role === 'lead').map((unit) => unit.unit_id),
    supportUnitIds: units.filter((unit) => unit.role === 'support').map((unit) => unit.unit_id),
  };
}

/** A required text: trimmed, not blank, at most `max` characters. */
export function requiredText(value: unknown, label: string, field: string, max: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') throw invalidInput(`请填写${label}（${field} is required）`, field);
  if (text.length > max) throw invalidInput(`${label}不能超过 ${max} 个字符（${field} is too long）`, field);
  return text;
}

/** An optional text: trimmed, '' when missing, at most `max` characters. */
export function optionalText(value: unknown, label: string, field: string, max: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw invalidInput(`${label}应为文本（${field} must be text）`, field);
  const text = value.trim();
  if (text.length > max) throw invalidInput(`${label}不能超过 ${max} 个字符（${field} is too long）`, field);
  return text;
}

/** A calendar date `YYYY-MM-DD` that exists (2021-02-30 does not). */
export function isoDate(value: unknown, label: string, field: string): IsoDate {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    try {
      startOfLocalDay(value, 'UTC');
      return value;
    } catch {
      // Falls through to the service's own message, which names the field.
    }
  }
  throw invalidInput(`${label}应为 YYYY-MM-DD 格式的有效日期（${field} must be a date）`, field);
}

export function optionalIsoDate(value: unknown, label: string, field: string): IsoDate | null {
  return value === undefined || value === null ? null : isoDate(value, label, field);
}

function requireViewer(actor: Actor): void {
  if (!canViewDelivery(actor)) throw forbidden('无权查看任务的推进情况（not allowed to read delivery records）');
}

// ---- Projects ------------------------------------------------------------------------------------------------

export interface UnitRef {
  id: string;
  name: string;
}

/** 项目: one part of a task's break-down. */
export interface Project {
  id: string;
  /** Send it back with each update. */
  version: number;
  taskId: string;
  planId: string;
  /** The unit that carries the project out; null when none is named yet. */
  ownerUnit: UnitRef | null;
  name: string;
  description: string;
  plannedStart: IsoDate | null;
  plannedEnd: IsoDate | null;
  actualStart: IsoDate | null;
  actualEnd: IsoDate | null;
  createdAt: string;
  updatedAt: string;
}

/** 节点: a dated step of a project. */
export interface Milestone {
  id: string;
  version: number;
  projectId: string;
  taskId: string;
  name: string;
  dueOn: IsoDate;
  doneOn: IsoDate | null;
  /** True while the task is closed out: no change is accepted. */
  isFrozen: boolean;
  /** Order within the project, from 0. */
  position: number;
  createdAt: string;
  updatedAt: string;
}

export interface CreateProjectInput {
  taskId: string;
  ownerUnitId: string | null;
  name: string;
  description?: string;
  plannedStart?: IsoDate | null;
  plannedEnd?: IsoDate | null;
}

/** The fields to change; those left out stay as they are. */
export interface ProjectChange {
  ownerUnitId?: string | null;
  name?: string;
  description?: string;
  plannedStart?: IsoDate | null;
  plannedEnd?: IsoDate | null;
  actualStart?: IsoDate | null;
  actualEnd?: IsoDate | null;
}

export interface CreateMilestoneInput {
  projectId: string;
  name: string;
  dueOn: IsoDate;
  doneOn?: IsoDate | null;
  /** Order within the project; after the last one when left out. */
  position?: number;
  /** A due date after the project's planned end moves that end to it (the answer to `after-project-end`). */
  extendProject?: boolean;
}

export interface MilestoneChange {
  name?: string;
  dueOn?: IsoDate;
  doneOn?: IsoDate | null;
  position?: number;
  extendProject?: boolean;
}

export type ProjectListScope = { taskId: string } | { planId: string } | { unitId: string };

const NAME_MAX = 200;
const DESCRIPTION_MAX = 10_000;

function toProject(row: ProjectWithRefsRow): Project {
  return {
    id: row.id,
    version: row.version,
    taskId: row.task_id,
    planId: row.plan_id,
    ownerUnit:
      row.owner_unit_id === null ? null : { id: row.owner_unit_id, name: row.owner_unit_name ?? row.owner_unit_id },
    name: row.name,
    description: row.description,
    plannedStart: row.planned_start,
    plannedEnd: row.planned_end,
    actualStart: row.actual_start,
    actualEnd: row.actual_end,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toMilestone(row: MilestoneRow): Milestone {
  return {
    id: row.id,
    version: row.version,
    projectId: row.project_id,
    taskId: row.task_id,
    name: row.name,
    dueOn: row.due_on,
    doneOn: row.done_on,
    isFrozen: row.frozen === 1,
    position: row.position,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function requireManager(actor: Actor, task: DeliveryTask): void {
  if (!canManageProjects(actor, task)) {
    throw forbidden(
      '只有方案办公室和任务的牵头单位可以分解任务、编排项目和节点（only the plan office and the task’s lead units may）',
    );
  }
}

/** A closed-out task's break-down is frozen until the office reopens the task. */
function assertTaskOpen(task: DeliveryTask): void {
  if (task.closedAt !== null) {
    throw conflict('任务已销号，其项目和节点已冻结；如需修改，请方案办公室先恢复任务（the task is closed out）', {
      reason: 'task-closed',
      taskId: task.id,
    });
  }
}

function assertDateOrder(start: IsoDate | null, end: IsoDate | null, what: string, field: string): void {
  if (start !== null && end !== null && start > end) {
    throw invalidInput(`${what}的开始日期不能晚于结束日期（${field}: start after end）`, field);
  }
}

/**
 * The owner unit of a project: a unit of the workspace (else `not-found`). A lead unit may hand a project only to
 * one of the task's own units; the office to any unit (a town or a state enterprise that does the work).
 */
async function checkOwnerUnit(db: Db, actor: Actor, task: DeliveryTask, unitId: string | null): Promise<void> {
  if (unitId === null) return;
  if ((await findUnitRef(db, actor.workspaceId, unitId)) === undefined) throw notFound('单位', unitId);
  const isTaskUnit = task.leadUnitIds.includes(unitId) || task.supportUnitIds.includes(unitId);
  if (!actor.roles.includes('office') && !isTaskUnit) {
    throw forbidden('牵头单位只能将项目交给本任务的牵头或协同单位（a lead unit may only assign the task’s units）');
  }
}

async function findProjectOrThrow(db: Db, actor: Actor, projectId: string): Promise<ProjectWithRefsRow> {
  const row = await findProject(db, actor.workspaceId, projectId);
  if (row === undefined) throw notFound('项目', projectId);
  return row;
}

/** Adds a project to a task (项目化). The office or a lead unit of the task; not on a closed-out task. */
export async function createProject(ctx: ServiceContext, actor: Actor, input: CreateProjectInput): Promise<Project> {
  const name = requiredText(input.name, '项目名称', 'name', NAME_MAX);
  const description = optionalText(input.description, '项目说明', 'description', DESCRIPTION_MAX);
  const plannedStart = optionalIsoDate(input.plannedStart, '计划开始日期', 'plannedStart');
  const plannedEnd = optionalIsoDate(input.plannedEnd, '计划完成日期', 'plannedEnd');
  assertDateOrder(plannedStart, plannedEnd, '计划', 'plannedEnd');
  const ownerUnitId = input.ownerUnitId ?? null;
  const at = ctx.clock();
  const now = at.toISOString();
  const id = newId('project');
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const task = await loadDeliveryTask(trx, actor, input.taskId, { lock: true });
    requireManager(actor, task);
    assertTaskOpen(task);
    if (task.isRemoved) {
      throw conflict('任务已从方案的现行版本中删除，不能再分解（the task was removed from the plan）', {
        reason: 'task-removed',
      });
    }
    await checkOwnerUnit(trx, actor, task, ownerUnitId);
    await insertProject(trx, {
      id,
      workspace_id: ws,
      created_at: now,
      updated_at: now,
      task_id: task.id,
      owner_unit_id: ownerUnitId,
      name,
      description,
      planned_start: plannedStart,
      planned_end: plannedEnd,
    });
    await recordAudit(trx, actor, at, {
      action: 'project.create',
      subjectType: 'project',
      subjectId: id,
      detail: { taskId: task.id, ownerUnitId, name, plannedStart, plannedEnd },
    });
    return findProjectOrThrow(trx, actor, id);
  });
  return toProject(row);
}

/** Changes a project at `expectedVersion`. Who may create projects may change them; not on a closed-out task. */
export async function updateProject(
  ctx: ServiceContext,
  actor: Actor,
  projectId: string,
  expectedVersion: number,
  change: ProjectChange,
): Promise<Project> {
  const fields: ProjectFieldsUpdate = {};
  if (change.name !== undefined) fields.name = requiredText(change.name, '项目名称', 'name', NAME_MAX);
  if (change.description !== undefined) {
    fields.description = optionalText(change.description, '项目说明', 'description', DESCRIPTION_MAX);
  }
  if (change.ownerUnitId !== undefined) fields.owner_unit_id = change.ownerUnitId;
  const dates = [
    ['plannedStart', 'planned_start', '计划开始日期'],
    ['plannedEnd', 'planned_end', '计划完成日期'],
    ['actualStart', 'actual_start', '实际开始日期'],
    ['actualEnd', 'actual_end', '实际完成日期'],
  ] as const;
  for (const [key, column, label] of dates) {
    if (change[key] !== undefined) fields[column] = optionalIsoDate(change[key], label, key);
  }
  const at = ctx.clock();
  const row = await inTransaction(ctx.db, async (trx) => {
    const current = await findProjectOrThrow(trx, actor, projectId);
    const task = await loadDeliveryTask(trx, actor, current.task_id, { lock: true });
    requireManager(actor, task);
    assertTaskOpen(task);
    if (current.version !== expectedVersion) throw stale('项目', projectId, expectedVersion);
    if (fields.owner_unit_id !== undefined) await checkOwnerUnit(trx, actor, task, fields.owner_unit_id);
    const next = { ...current, ...fields };
    assertDateOrder(next.planned_start ?? null, next.planned_end ?? null, '计划', 'plannedEnd');
    assertDateOrder(next.actual_start ?? null, next.actual_end ?? null, '实际', 'actualEnd');
    const updated = await updateProjectRow(
      trx,
      actor.workspaceId,
      projectId,
      expectedVersion,
      fields,
      at.toISOString(),
    );
    if (!updated) throw stale('项目', projectId, expectedVersion);
    await recordAudit(trx, actor, at, {
      action: 'project.update',
      subjectType: 'project',
      subjectId: projectId,
      detail: { taskId: task.id, version: expectedVersion + 1, change: fields },
    });
    return findProjectOrThrow(trx, actor, projectId);
  });
  return toProject(row);
}

export async function getProject(ctx: ServiceContext, actor: Actor, projectId: string): Promise<Project> {
  const row = await findProjectOrThrow(ctx.db, actor, projectId);
  requireViewer(actor);
  return toProject(row);
}

/** The projects of a task, of a plan (in task order), or owned by a unit. */
export async function listProjects(ctx: ServiceContext, actor: Actor, scope: ProjectListScope): Promise<Project[]> {
  const ws = actor.workspaceId;
  if ('taskId' in scope) await loadDeliveryTask(ctx.db, actor, scope.taskId);
  else if ('planId' in scope) {
    if ((await findPlan(ctx.db, ws, scope.planId)) === undefined) throw notFound('方案', scope.planId);
  } else if ((await findUnitRef(ctx.db, ws, scope.unitId)) === undefined) throw notFound('单位', scope.unitId);
  requireViewer(actor);
  return (await findProjects(ctx.db, ws, scope)).map(toProject);
}

// ---- Milestones ----------------------------------------------------------------------------------------------

async function findMilestoneOrThrow(db: Db, actor: Actor, milestoneId: string): Promise<MilestoneRow> {
  const row = await findMilestone(db, actor.workspaceId, milestoneId);
  // A removed milestone is gone for every purpose but the record: changing it again finds nothing.
  if (row === undefined || row.removed_at !== null) throw notFound('节点', milestoneId);
  return row;
}

function checkPosition(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1_000_000) {
    throw invalidInput('节点顺序应为非负整数（position must be a non-negative integer）', 'position');
  }
  return value;
}

/** A milestone cannot be done on a day that has not come yet. */
function checkDoneOn(doneOn: IsoDate | null, today: IsoDate): void {
  if (doneOn !== null && doneOn > today) {
    throw invalidInput(`完成日期不能晚于今天（${today}）（doneOn is in the future）`, 'doneOn');
  }
}

/**
 * A milestone is a step of its project, so it falls due by the project's planned end. A later due date is refused
 * (`invalid-input`, reason `after-project-end`, with the end) unless the caller asks to move the project's end to it
 * (`extendProject`): then the end moves in the same transaction, audited as a change of the project.
 */
async function fitMilestoneInProject(
  trx: Transaction<Database>,
  actor: Actor,
  project: ProjectWithRefsRow,
  dueOn: IsoDate,
  extendProject: boolean,
  at: Date,
): Promise<void> {
  const end = project.planned_end;
  if (end === null || dueOn <= end) return;
  if (!extendProject) {
    throw new ServiceError(
      'invalid-input',
      `节点期限 ${dueOn} 晚于项目计划完成日期 ${end}；请先调整项目的计划完成日期，或确认将其顺延至 ${dueOn}` +
        `（the milestone falls due after the project’s planned end ${end}: move the end first, or ask to extend it）`,
      { field: 'dueOn', reason: 'after-project-end', projectEnd: end },
    );
  }
  const fields = { planned_end: dueOn };
  if (!(await updateProjectRow(trx, actor.workspaceId, project.id, project.version, fields, at.toISOString()))) {
    throw stale('项目', project.id, project.version);
  }
  await recordAudit(trx, actor, at, {
    action: 'project.update',
    subjectType: 'project',
    subjectId: project.id,
    detail: {
      taskId: project.task_id,
      version: project.version + 1,
      change: fields,
      from: { planned_end: end },
      because: 'milestone-after-project-end',
    },
  });
}

function frozen(milestoneId: string): ServiceError {
  return conflict('任务已销号，节点已冻结；如需修改，请方案办公室先恢复任务（the milestone is frozen）', {
    reason: 'milestone-frozen',
    milestoneId,
  });
}

/** Adds a milestone to a project. The office or a lead unit of the task; not on a closed-out task. */
export async function createMilestone(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateMilestoneInput,
): Promise<Milestone> {
  const name = requiredText(input.name, '节点名称', 'name', NAME_MAX);
  const dueOn = isoDate(input.dueOn, '节点期限', 'dueOn');
  const doneOn = optionalIsoDate(input.doneOn, '完成日期', 'doneOn');
  const position = input.position === undefined ? null : checkPosition(input.position);
  const at = ctx.clock();
  const now = at.toISOString();
  const id = newId('milestone');
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const project = await findProjectOrThrow(trx, actor, input.projectId);
    // The lock orders this insert against a close-out approval freezing the task's milestones.
    const task = await loadDeliveryTask(trx, actor, project.task_id, { lock: true });
    requireManager(actor, task);
    assertTaskOpen(task);
    checkDoneOn(doneOn, localDateOf(at, await workspaceTimeZone(trx, ws)));
    await fitMilestoneInProject(trx, actor, project, dueOn, input.extendProject === true, at);
    await insertMilestone(trx, {
      id,
      workspace_id: ws,
      created_at: now,
      updated_at: now,
      project_id: project.id,
      task_id: task.id,
      name,
      due_on: dueOn,
      done_on: doneOn,
      position: position ?? (await nextMilestonePosition(trx, ws, project.id)),
    });
    await markTaskStatusStale(trx, ws, task.id, now);
    await recordAudit(trx, actor, at, {
      action: 'milestone.create',
      subjectType: 'milestone',
      subjectId: id,
      detail: { projectId: project.id, taskId: task.id, name, dueOn, doneOn },
    });
    return findMilestoneOrThrow(trx, actor, id);
  });
  return toMilestone(row);
}

async function changeMilestone(
  ctx: ServiceContext,
  actor: Actor,
  milestoneId: string,
  expectedVersion: number,
  fields: MilestoneFieldsUpdate,
  action: 'milestone.update' | 'milestone.done',
  extendProject = false,
): Promise<Milestone> {
  const at = ctx.clock();
  const ws = actor.workspaceId;
  const row = await inTransaction(ctx.db, async (trx) => {
    const current = await findMilestoneOrThrow(trx, actor, milestoneId);
    const project = await findProjectOrThrow(trx, actor, current.project_id);
    const task = await loadDeliveryTask(trx, actor, current.task_id);
    const allowed =
      action === 'milestone.done'
        ? canMarkMilestoneDone(actor, task, { ownerUnitId: project.owner_unit_id })
        : canManageProjects(actor, task);
    if (!allowed) {
      throw forbidden(
        action === 'milestone.done'
          ? '只有方案办公室、任务的牵头单位和项目的责任单位可以确认节点完成（not allowed to mark this milestone done）'
          : '只有方案办公室和任务的牵头单位可以修改节点（only the plan office and the task’s lead units may）',
      );
    }
    if (current.frozen === 1) throw frozen(milestoneId);
    if (current.version !== expectedVersion) throw stale('节点', milestoneId, expectedVersion);
    if (fields.done_on !== undefined) {
      checkDoneOn(fields.done_on ?? null, localDateOf(at, await workspaceTimeZone(trx, ws)));
    }
    if (fields.due_on !== undefined) await fitMilestoneInProject(trx, actor, project, fields.due_on, extendProject, at);
    const updated = await updateUnfrozenMilestone(trx, ws, milestoneId, expectedVersion, fields, at.toISOString());
    if (!updated) {
      const again = await findMilestoneOrThrow(trx, actor, milestoneId);
      throw again.frozen === 1 ? frozen(milestoneId) : stale('节点', milestoneId, expectedVersion);
    }
    await markTaskStatusStale(trx, ws, task.id, at.toISOString());
    await recordAudit(trx, actor, at, {
      action,
      subjectType: 'milestone',
      subjectId: milestoneId,
      detail: { projectId: project.id, taskId: task.id, version: expectedVersion + 1, change: fields },
    });
    return findMilestoneOrThrow(trx, actor, milestoneId);
  });
  return toMilestone(row);
}

/** Changes a milestone at `expectedVersion`: the office or a lead unit; refused (`conflict`) while it is frozen. */
export async function updateMilestone(
  ctx: ServiceContext,
  actor: Actor,
  milestoneId: string,
  expectedVersion: number,
  change: MilestoneChange,
): Promise<Milestone> {
  const fields: MilestoneFieldsUpdate = {};
  if (change.name !== undefined) fields.name = requiredText(change.name, '节点名称', 'name', NAME_MAX);
  if (change.dueOn !== undefined) fields.due_on = isoDate(change.dueOn, '节点期限', 'dueOn');
  if (change.doneOn !== undefined) fields.done_on = optionalIsoDate(change.doneOn, '完成日期', 'doneOn');
  if (change.position !== undefined) fields.position = checkPosition(change.position);
  return changeMilestone(
    ctx,
    actor,
    milestoneId,
    expectedVersion,
    fields,
    'milestone.update',
    change.extendProject === true,
  );
}

/**
 * Removes a milestone at `expectedVersion`, with a reason: the office or a lead unit, not while it is frozen. The row
 * stays, marked with who, when and why; lists, statuses and the war board leave it out; the audit trail keeps it.
 */
export async function removeMilestone(
  ctx: ServiceContext,
  actor: Actor,
  milestoneId: string,
  expectedVersion: number,
  reason: string,
): Promise<void> {
  const why = requiredText(reason, '删除原因', 'reason', DESCRIPTION_MAX);
  const at = ctx.clock();
  const ws = actor.workspaceId;
  await inTransaction(ctx.db, async (trx) => {
    const current = await findMilestoneOrThrow(trx, actor, milestoneId);
    const task = await loadDeliveryTask(trx, actor, current.task_id);
    if (!canManageProjects(actor, task)) {
      throw forbidden(
        '只有方案办公室和任务的牵头单位可以删除节点（only the plan office and the task’s lead units may）',
      );
    }
    if (current.frozen === 1) throw frozen(milestoneId);
    if (current.version !== expectedVersion) throw stale('节点', milestoneId, expectedVersion);
    const removal = { by: actor.userId, reason: why, at: at.toISOString() };
    if (!(await markMilestoneRemoved(trx, ws, milestoneId, expectedVersion, removal))) {
      const again = await findMilestoneOrThrow(trx, actor, milestoneId);
      throw again.frozen === 1 ? frozen(milestoneId) : stale('节点', milestoneId, expectedVersion);
    }
    await markTaskStatusStale(trx, ws, task.id, removal.at);
    await recordAudit(trx, actor, at, {
      action: 'milestone.remove',
      subjectType: 'milestone',
      subjectId: milestoneId,
      detail: { projectId: current.project_id, taskId: task.id, name: current.name, reason: why },
    });
  });
}

/**
 * Marks a milestone done on `doneOn` (today in the workspace's time zone when left out): the project's owner unit,
 * a lead unit of the task, or the office. Refused (`conflict`) while the milestone is frozen.
 */
export async function markMilestoneDone(
  ctx: ServiceContext,
  actor: Actor,
  milestoneId: string,
  expectedVersion: number,
  doneOn?: IsoDate,
): Promise<Milestone> {
  const date =
    doneOn === undefined
      ? localDateOf(ctx.clock(), await workspaceTimeZone(ctx.db, actor.workspaceId))
      : isoDate(doneOn, '完成日期', 'doneOn');
  return changeMilestone(ctx, actor, milestoneId, expectedVersion, { done_on: date }, 'milestone.done');
}

/** A project's milestones in order, or all of a task's (by project, then order). */
export async function listMilestones(ctx: ServiceContext, actor: Actor, scope: MilestoneScope): Promise<Milestone[]> {
  if ('projectId' in scope) await findProjectOrThrow(ctx.db, actor, scope.projectId);
  else await loadDeliveryTask(ctx.db, actor, scope.taskId);
  requireViewer(actor);
  return (await findMilestones(ctx.db, actor.workspaceId, scope)).map(toMilestone);
}
