/**
 * The world the authorization table (test/http/authorization-table.test.ts) is walked in: two workspaces of the same
 * shape, each with two units A and B and the objects every route needs, built by direct inserts (the factories) so
 * that no rule under test takes part in making them; plan drafts alone go through the import service.
 *
 * Per workspace:
 * - plan P: published, quarterly 2021–2025, no 单位审核; plan Q: not published, requires 单位审核.
 * - per unit (A and B), in plan P: a task the unit leads (no support unit) with a target, the unit's submitted report
 *   for {@link PERIOD} and its draft report for {@link DRAFT_PERIOD} (each with a reading), an open notice to the
 *   unit, a requested close-out, a project the unit owns with a milestone, a comment, an attachment on the submitted
 *   report, and a user of the unit (not signed in: the subject of the account routes).
 * - an open plan draft (a re-import of plan Q) and an uploaded file.
 *
 * Shared objects are only read, or changed in place at the version read just before (a rename, a baseline); every
 * request that moves a state (submit, approve, respond, close-out …) gets fresh objects from the `fresh…` makers, so
 * no answer depends on the order of the table.
 */
import type { Db } from '../../src/db/database.ts';
import { newId } from '../../src/db/ids.ts';
import type { ReportState } from '../../src/db/schema.ts';
import type { Role } from '../../src/services/context.ts';
import { createPlanDraft } from '../../src/services/plan-import.service.ts';
import { buildFile } from '../delivery-factories.ts';
import { buildActor, buildReading, buildTask, buildTaskUnit, buildUnit, buildWorkspace } from '../factories.ts';
import { buildUser, type BuiltUser } from '../helpers/auth.ts';
import { buildTarget, at } from '../report-factories.ts';

/** The server's clock: in 2021-Q4, so 2021-Q2 to 2021-Q4 are reporting periods and 2021-Q3's reports are due. */
export const WORLD_NOW = '2021-10-20T02:00:00.000Z';
/** The period of the shared submitted reports and of every fresh report. */
export const PERIOD = '2021-Q3';
/** The period of the shared draft reports (one report per task, unit and period). */
export const DRAFT_PERIOD = '2021-Q2';
/** A due date still ahead of {@link WORLD_NOW}. */
export const DUE_ON = '2021-12-31';

/** A small plan the importer accepts, for plan drafts. */
export const TINY_PLAN_NAME = 'tiny-plan.md';
export const TINY_PLAN = Buffer.from(
  [
    '# 测试区推进重点工作实施方案',
    '',
    '一、主要任务',
    '',
    '（一）推进产业发展',
    '',
    '1. 建设一批重点项目，到2025年完成投资100亿元。（牵头单位：区经委）',
    '',
    '2. 优化营商环境。（牵头单位：区发改委）',
    '',
  ].join('\n'),
);

const CREATED = '2021-06-02T02:00:00.000Z';

/** One unit of a workspace and the shared objects of its part. */
export interface UnitSide {
  id: string;
  name: string;
  /** A task of plan P that this unit leads (alone). */
  taskId: string;
  targetId: string;
  /** The unit's submitted report on its task for {@link PERIOD}. */
  reportId: string;
  /** The unit's draft report on its task for {@link DRAFT_PERIOD}, and its reading of the task's target. */
  draftReportId: string;
  draftReadingId: string;
  /** An open notice to the unit, on its task, and the task's requested close-out. */
  noticeId: string;
  closeOutId: string;
  /** A project of its task that the unit owns, and its milestone. */
  projectId: string;
  milestoneId: string;
  /** A file on the unit's submitted report. */
  attachmentId: string;
  /** A user of the unit (a unit reporter nobody signs in as). */
  userId: string;
}

export class WorkspaceSide {
  readonly a: UnitSide;
  readonly b: UnitSide;

  constructor(
    private readonly db: Db,
    readonly id: string,
    /** Plan P (published) and plan Q (not published, 单位审核). */
    readonly publishedPlanId: string,
    readonly unpublishedPlanId: string,
    /** An open plan draft (a re-import of plan Q). */
    readonly draftId: string,
    /** An uploaded file (close-out evidence). */
    readonly fileId: string,
    sides: { a: UnitSide; b: UnitSide },
  ) {
    this.a = sides.a;
    this.b = sides.b;
  }

  /** A new task in plan P (or `planId`) led by `lead`, with `support` as its support unit when given. */
  async freshTask(lead: string, options: { planId?: string; support?: string } = {}): Promise<string> {
    const task = await buildTask(this.db, {
      workspaceId: this.id,
      planId: options.planId ?? this.publishedPlanId,
      number: '（9）',
      title: `新任务${newId('task').slice(-6)}`,
    });
    await buildTaskUnit(this.db, { workspaceId: this.id, taskId: task.id, unitId: lead, role: 'lead' });
    if (options.support !== undefined) {
      await buildTaskUnit(this.db, { workspaceId: this.id, taskId: task.id, unitId: options.support, role: 'support' });
    }
    return task.id;
  }

  /**
   * A report of `unit` for {@link PERIOD} on a new task it leads: in plan Q (单位审核) for the approval steps, else
   * in plan P; `support` adds a support unit to the task.
   */
  async freshReport(
    unit: string,
    state: ReportState,
    options: { approvalPlan?: boolean; support?: string } = {},
  ): Promise<{ id: string; version: number }> {
    const taskId = await this.freshTask(unit, {
      ...(options.approvalPlan === true ? { planId: this.unpublishedPlanId } : {}),
      ...(options.support === undefined ? {} : { support: options.support }),
    });
    const id = await insertReport(this.db, this.id, taskId, unit, PERIOD, state);
    return { id, version: 1 };
  }

  /** An open notice to `unit`, on its shared task. */
  async freshNotice(unit: UnitSide): Promise<{ id: string; version: number }> {
    return { id: await insertNotice(this.db, this.id, unit.taskId, unit.id), version: 1 };
  }

  /** A requested close-out of a new task that `unit` leads. */
  async freshCloseOut(unit: string): Promise<{ id: string; version: number }> {
    const taskId = await this.freshTask(unit);
    return { id: await insertCloseOut(this.db, this.id, taskId, 'requested'), version: 1 };
  }

  /** A new task that `unit` leads, closed out (its close-out approved). */
  async freshClosedTask(unit: string): Promise<{ taskId: string; version: number }> {
    const taskId = await this.freshTask(unit);
    await insertCloseOut(this.db, this.id, taskId, 'approved');
    await this.db
      .updateTable('tasks')
      .set({ closed_at: CREATED, status: 'closed', status_at: CREATED, version: 2 })
      .where('workspace_id', '=', this.id)
      .where('id', '=', taskId)
      .execute();
    return { taskId, version: 2 };
  }

  /** A new target of `unit`'s shared task. */
  async freshTarget(unit: UnitSide): Promise<string> {
    return (await buildTarget(this.db, { workspaceId: this.id, planId: this.publishedPlanId, taskId: unit.taskId })).id;
  }

  /** A new plan, published or not. */
  async freshPlan(published: boolean): Promise<{ id: string; version: number }> {
    return { id: await insertPlan(this.db, this.id, { published, requiresUnitApproval: false }), version: 1 };
  }

  /** A new open plan draft, uploaded by the office. */
  async freshDraft(): Promise<{ id: string; version: number }> {
    const draft = await createPlanDraft(at(this.db, WORLD_NOW), buildActor(this.id), {
      fileName: TINY_PLAN_NAME,
      bytes: TINY_PLAN,
    });
    return { id: draft.id, version: draft.version };
  }

  /** A new user of `unit`, a unit reporter. */
  async freshUser(unit: string): Promise<{ id: string; version: number }> {
    const user = await buildUser(this.db, { workspaceId: this.id, roles: ['unit-reporter'], unitId: unit });
    return { id: user.id, version: 1 };
  }

  /** A new account holding one of the three administrator roles (三员), nobody signed in as it. */
  async freshAdmin(role: 'system-admin' | 'security-admin' | 'audit-admin'): Promise<{ id: string; version: number }> {
    const user = await buildUser(this.db, { workspaceId: this.id, roles: [role] });
    return { id: user.id, version: 1 };
  }

  /** A new user with this role (and unit, for unit roles), for a session of its own. */
  async freshSignInUser(role: Role, unit: string): Promise<BuiltUser> {
    return buildUser(this.db, { workspaceId: this.id, roles: [role], unitId: isUnitRole(role) ? unit : null });
  }

  /** A new attachment on `unit`'s draft report, uploaded by `createdBy`. */
  async freshAttachment(unit: UnitSide, createdBy: string | null): Promise<string> {
    return insertAttachment(this.db, this.id, unit.draftReportId, createdBy);
  }

  /** A new milestone of `unit`'s project (for a request that removes it). */
  async freshMilestone(unit: UnitSide): Promise<{ id: string; version: number }> {
    const id = newId('milestone');
    await this.db
      .insertInto('milestones')
      .values({
        id,
        workspace_id: this.id,
        created_at: CREATED,
        updated_at: CREATED,
        project_id: unit.projectId,
        task_id: unit.taskId,
        name: '待删除的节点',
        due_on: DUE_ON,
      })
      .execute();
    return { id, version: 1 };
  }

  /** The stored version of a row (for changes in place at the version read). */
  async versionOf(table: 'units' | 'projects' | 'milestones' | 'targets', id: string): Promise<number> {
    const row = await this.db
      .selectFrom(table)
      .select('version')
      .where('workspace_id', '=', this.id)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return row.version;
  }
}

export function isUnitRole(role: Role): boolean {
  return role === 'unit-reporter' || role === 'unit-approver';
}

async function insertPlan(
  db: Db,
  workspaceId: string,
  options: { published: boolean; requiresUnitApproval: boolean },
): Promise<string> {
  const id = newId('plan');
  await db
    .insertInto('plans')
    .values({
      id,
      workspace_id: workspaceId,
      created_at: CREATED,
      updated_at: CREATED,
      title: options.published ? '公开的测试方案' : '未公开的测试方案',
      issued_on: '2021-06-02',
      start_year: 2021,
      end_year: 2025,
      cycle_frequency: 'quarterly',
      cycle_due_days: 15,
      requires_unit_approval: options.requiresUnitApproval ? 1 : 0,
      published: options.published ? 1 : 0,
    })
    .execute();
  return id;
}

async function insertReport(
  db: Db,
  workspaceId: string,
  taskId: string,
  unitId: string,
  period: string,
  state: ReportState,
): Promise<string> {
  const id = newId('report');
  const submitted = state === 'submitted' || state === 'accepted' || state === 'returned';
  await db
    .insertInto('reports')
    .values({
      id,
      workspace_id: workspaceId,
      created_at: CREATED,
      updated_at: CREATED,
      task_id: taskId,
      unit_id: unitId,
      period,
      state,
      narrative: '按计划推进',
      percent_done: 30,
      confidence: 'green',
      submitted_at: submitted ? '2021-10-10T02:00:00.000Z' : null,
    })
    .execute();
  return id;
}

async function insertNotice(db: Db, workspaceId: string, taskId: string, unitId: string): Promise<string> {
  const id = newId('notice');
  await db
    .insertInto('notices')
    .values({
      id,
      workspace_id: workspaceId,
      created_at: CREATED,
      updated_at: CREATED,
      task_id: taskId,
      unit_id: unitId,
      level: 'reminder',
      due_on: DUE_ON,
      body: '请加快推进',
      state: 'open',
    })
    .execute();
  return id;
}

async function insertCloseOut(
  db: Db,
  workspaceId: string,
  taskId: string,
  state: 'requested' | 'approved',
): Promise<string> {
  const id = newId('closeOut');
  await db
    .insertInto('close_outs')
    .values({
      id,
      workspace_id: workspaceId,
      created_at: CREATED,
      updated_at: CREATED,
      task_id: taskId,
      state,
      evidence: '已完成全部建设内容',
      ...(state === 'approved' ? { decided_at: CREATED } : {}),
    })
    .execute();
  return id;
}

async function insertAttachment(
  db: Db,
  workspaceId: string,
  reportId: string,
  createdBy: string | null,
): Promise<string> {
  const fileId = await buildFile(db, workspaceId);
  const id = newId('attachment');
  await db
    .insertInto('attachments')
    .values({
      id,
      workspace_id: workspaceId,
      created_at: CREATED,
      subject_type: 'report',
      subject_id: reportId,
      file_id: fileId,
      created_by: createdBy,
    })
    .execute();
  return id;
}

async function buildUnitSide(db: Db, workspaceId: string, planId: string, name: string): Promise<UnitSide> {
  const unit = await buildUnit(db, { workspaceId, name });
  const task = await buildTask(db, { workspaceId, planId, number: name === '甲局' ? '（1）' : '（2）' });
  await buildTaskUnit(db, { workspaceId, taskId: task.id, unitId: unit.id, role: 'lead' });
  const target = await buildTarget(db, { workspaceId, planId, taskId: task.id });
  const reportId = await insertReport(db, workspaceId, task.id, unit.id, PERIOD, 'submitted');
  await buildReading(db, { workspaceId, targetId: target.id, reportId, period: PERIOD, value: 20 });
  const draftReportId = await insertReport(db, workspaceId, task.id, unit.id, DRAFT_PERIOD, 'draft');
  const draftReading = await buildReading(db, {
    workspaceId,
    targetId: target.id,
    reportId: draftReportId,
    period: DRAFT_PERIOD,
    value: 10,
  });
  const noticeId = await insertNotice(db, workspaceId, task.id, unit.id);
  const closeOutId = await insertCloseOut(db, workspaceId, task.id, 'requested');
  const projectId = newId('project');
  await db
    .insertInto('projects')
    .values({
      id: projectId,
      workspace_id: workspaceId,
      created_at: CREATED,
      updated_at: CREATED,
      task_id: task.id,
      owner_unit_id: unit.id,
      name: `${name}的项目`,
    })
    .execute();
  const milestoneId = newId('milestone');
  await db
    .insertInto('milestones')
    .values({
      id: milestoneId,
      workspace_id: workspaceId,
      created_at: CREATED,
      updated_at: CREATED,
      project_id: projectId,
      task_id: task.id,
      name: '开工',
      due_on: DUE_ON,
    })
    .execute();
  await db
    .insertInto('comments')
    .values({
      id: newId('comment'),
      workspace_id: workspaceId,
      created_at: CREATED,
      updated_at: CREATED,
      subject_type: 'task',
      subject_id: task.id,
      body: '请关注进度',
      author_id: null,
    })
    .execute();
  const attachmentId = await insertAttachment(db, workspaceId, reportId, null);
  const user = await buildUser(db, { workspaceId, roles: ['unit-reporter'], unitId: unit.id });
  return {
    id: unit.id,
    name,
    taskId: task.id,
    targetId: target.id,
    reportId,
    draftReportId,
    draftReadingId: draftReading.id,
    noticeId,
    closeOutId,
    projectId,
    milestoneId,
    attachmentId,
    userId: user.id,
  };
}

/** A workspace of the shape above. */
export async function buildWorkspaceSide(db: Db, name: string): Promise<WorkspaceSide> {
  const workspace = await buildWorkspace(db, { name });
  const publishedPlanId = await insertPlan(db, workspace.id, { published: true, requiresUnitApproval: false });
  const unpublishedPlanId = await insertPlan(db, workspace.id, { published: false, requiresUnitApproval: true });
  const a = await buildUnitSide(db, workspace.id, publishedPlanId, '甲局');
  const b = await buildUnitSide(db, workspace.id, publishedPlanId, '乙局');
  const draft = await createPlanDraft(at(db, WORLD_NOW), buildActor(workspace.id), {
    fileName: TINY_PLAN_NAME,
    bytes: TINY_PLAN,
    planId: unpublishedPlanId,
  });
  const fileId = await buildFile(db, workspace.id);
  return new WorkspaceSide(db, workspace.id, publishedPlanId, unpublishedPlanId, draft.id, fileId, { a, b });
}
