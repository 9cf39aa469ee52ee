// Projects and milestones (项目化/施工图) on both databases: the example plan's task （11） split in two.
import { describe, expect, it } from 'vitest';
import {
  createMilestone,
  createProject,
  getProject,
  listMilestones,
  listProjects,
  markMilestoneDone,
  removeMilestone,
  updateMilestone,
  updateProject,
} from '../../src/services/project.service.ts';
import { taskStatus } from '../../src/services/task-status.service.ts';
import { buildOffice, testContext } from '../factories.ts';
import {
  auditEventsOf,
  buildDeliveryTask,
  failure,
  importExamplePlan,
  roleActor,
  unitActor,
  verifyAuditChain,
} from '../delivery-factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';

describeEachDatabase('projects and milestones', (database) => {
  const ctx = () => testContext(database().db);

  describe('the example plan', () => {
    it('splits task （11） into two projects with milestones, by task, plan and unit, with a verified audit trail', async () => {
      const plan = await importExamplePlan(ctx());
      const task11 = plan.task('（11）');
      const jingwei = plan.unitId('区经委');
      const touzi = plan.unitId('区投资促进办');

      const chemicals = await createProject(ctx(), plan.office, {
        taskId: task11.id,
        ownerUnitId: jingwei,
        name: '精细化工产业链延伸项目',
        description: '支持石化产业链向下游延伸，重点突破高端精细化学品',
        plannedStart: '2021-07-01',
        plannedEnd: '2023-12-31',
      });
      expect(chemicals).toMatchObject({
        version: 1,
        taskId: task11.id,
        planId: plan.planId,
        ownerUnit: { id: jingwei, name: '区经委' },
        name: '精细化工产业链延伸项目',
        plannedStart: '2021-07-01',
        plannedEnd: '2023-12-31',
        actualStart: null,
        actualEnd: null,
      });
      // A lead unit may break its own task down too.
      const platform = await createProject(ctx(), unitActor(plan.workspaceId, touzi), {
        taskId: task11.id,
        ownerUnitId: touzi,
        name: '化工品交易服务平台引进',
        plannedEnd: '2022-12-31',
      });
      expect(platform).toMatchObject({ ownerUnit: { name: '区投资促进办' }, description: '', plannedStart: null });

      const first = await createMilestone(ctx(), plan.office, {
        projectId: chemicals.id,
        name: '完成产业链招商方案',
        dueOn: '2021-09-30',
      });
      const second = await createMilestone(ctx(), plan.office, {
        projectId: chemicals.id,
        name: '首批项目开工',
        dueOn: '2022-06-30',
      });
      const signed = await createMilestone(ctx(), plan.office, {
        projectId: platform.id,
        name: '平台签约落地',
        dueOn: '2021-12-31',
      });
      expect([first.position, second.position, signed.position]).toEqual([0, 1, 0]);
      expect(first).toMatchObject({ taskId: task11.id, dueOn: '2021-09-30', doneOn: null, isFrozen: false });

      expect((await listProjects(ctx(), plan.office, { taskId: task11.id })).map((p) => p.name)).toEqual([
        '精细化工产业链延伸项目',
        '化工品交易服务平台引进',
      ]);
      expect((await listProjects(ctx(), plan.office, { planId: plan.planId })).map((p) => p.id)).toEqual([
        chemicals.id,
        platform.id,
      ]);
      expect((await listProjects(ctx(), plan.office, { unitId: touzi })).map((p) => p.id)).toEqual([platform.id]);
      expect((await listMilestones(ctx(), plan.office, { projectId: chemicals.id })).map((m) => m.name)).toEqual([
        '完成产业链招商方案',
        '首批项目开工',
      ]);
      expect(await listMilestones(ctx(), plan.office, { taskId: task11.id })).toHaveLength(3);
      // Leaders and other units read the break-down too.
      const reader = unitActor(plan.workspaceId, plan.unitId('区文旅局'));
      expect(await listProjects(ctx(), reader, { taskId: task11.id })).toHaveLength(2);
      expect((await getProject(ctx(), roleActor(plan.workspaceId, 'leader'), platform.id)).name).toBe(
        '化工品交易服务平台引进',
      );

      // The owner unit marks its milestone done (today in Shanghai by default).
      const done = await markMilestoneDone(ctx(), unitActor(plan.workspaceId, touzi), signed.id, signed.version);
      expect(done).toMatchObject({ doneOn: '2021-07-01', version: 2 });

      const events = await auditEventsOf(database().db, plan.workspaceId);
      expect(events.slice(-6).map((event) => [event.action, event.subject_type])).toEqual([
        ['project.create', 'project'],
        ['project.create', 'project'],
        ['milestone.create', 'milestone'],
        ['milestone.create', 'milestone'],
        ['milestone.create', 'milestone'],
        ['milestone.done', 'milestone'],
      ]);
      expect(events.at(-1)).toMatchObject({ subject_id: signed.id, actor_id: `usr_unit-reporter_${touzi.slice(-6)}` });
      expect(await verifyAuditChain(database().db, plan.workspaceId)).toEqual({ ok: true });
    });
  });

  describe('changes', () => {
    it('updates a project and a milestone at their versions; a stale version is refused and changes nothing', async () => {
      const task = await buildDeliveryTask(database().db);
      const project = await createProject(ctx(), task.office, {
        taskId: task.taskId,
        ownerUnitId: task.leadUnitIds[0] ?? null,
        name: '项目一',
      });
      const updated = await updateProject(ctx(), task.office, project.id, project.version, {
        name: '项目一（调整）',
        actualStart: '2021-06-15',
      });
      expect(updated).toMatchObject({ version: 2, name: '项目一（调整）', actualStart: '2021-06-15' });
      const again = await failure(updateProject(ctx(), task.office, project.id, project.version, { name: '旧版' }));
      expect(again).toMatchObject({ code: 'stale' });
      expect((await getProject(ctx(), task.office, project.id)).name).toBe('项目一（调整）');

      const milestone = await createMilestone(ctx(), task.office, {
        projectId: project.id,
        name: '节点一',
        dueOn: '2021-09-30',
      });
      const moved = await updateMilestone(ctx(), task.office, milestone.id, milestone.version, { dueOn: '2021-10-31' });
      expect(moved).toMatchObject({ version: 2, dueOn: '2021-10-31' });
      const stale = await failure(updateMilestone(ctx(), task.office, milestone.id, 1, { name: '改名' }));
      expect(stale.code).toBe('stale');
      const staleDone = await failure(markMilestoneDone(ctx(), task.office, milestone.id, 1));
      expect(staleDone.code).toBe('stale');
      expect((await listMilestones(ctx(), task.office, { projectId: project.id }))[0]).toMatchObject({
        name: '节点一',
        doneOn: null,
        version: 2,
      });
    });

    it('refuses bad input: a blank name, an impossible date, an end before the start, a done date to come', async () => {
      const task = await buildDeliveryTask(database().db);
      const base = { taskId: task.taskId, ownerUnitId: null, name: '项目' };
      expect(await failure(createProject(ctx(), task.office, { ...base, name: '  ' }))).toMatchObject({
        code: 'invalid-input',
        details: { field: 'name' },
      });
      expect(await failure(createProject(ctx(), task.office, { ...base, plannedStart: '2021-02-30' }))).toMatchObject({
        code: 'invalid-input',
        details: { field: 'plannedStart' },
      });
      const backwards = { ...base, plannedStart: '2022-01-01', plannedEnd: '2021-12-31' };
      expect((await failure(createProject(ctx(), task.office, backwards))).code).toBe('invalid-input');
      const project = await createProject(ctx(), task.office, base);
      const future = { projectId: project.id, name: '节点', dueOn: '2021-09-30', doneOn: '2021-07-02' };
      expect(await failure(createMilestone(ctx(), task.office, future))).toMatchObject({
        code: 'invalid-input',
        details: { field: 'doneOn' },
      });
      expect(
        await failure(
          updateProject(ctx(), task.office, project.id, 1, { actualEnd: '2020-01-01', actualStart: '2021-01-01' }),
        ),
      ).toMatchObject({ code: 'invalid-input' });
      const unknownUnit = { ...base, ownerUnitId: 'unt_01J00000000000000000000000' };
      expect((await failure(createProject(ctx(), task.office, unknownUnit))).code).toBe('not-found');
    });
  });

  describe('who may', () => {
    it('lets the office and the task’s lead units break it down, and no other unit', async () => {
      const task = await buildDeliveryTask(database().db);
      const [lead, secondLead] = task.leadUnitIds as [string, string];
      const support = task.supportUnitIds[0] ?? '';
      const input = { taskId: task.taskId, ownerUnitId: lead, name: '项目' };

      const byLead = await createProject(ctx(), unitActor(task.workspaceId, secondLead, 'unit-approver'), input);
      expect(byLead.ownerUnit?.id).toBe(lead);
      for (const actor of [
        unitActor(task.workspaceId, task.otherUnitId),
        unitActor(task.workspaceId, support),
        roleActor(task.workspaceId, 'leader'),
        roleActor(task.workspaceId, 'supervisor'),
      ]) {
        expect((await failure(createProject(ctx(), actor, input))).code).toBe('forbidden');
      }
      // A lead unit may hand a project to the task's units only; the office to any unit.
      const toStranger = { ...input, ownerUnitId: task.otherUnitId };
      expect((await failure(createProject(ctx(), unitActor(task.workspaceId, lead), toStranger))).code).toBe(
        'forbidden',
      );
      expect((await createProject(ctx(), task.office, toStranger)).ownerUnit?.id).toBe(task.otherUnitId);

      // The owner unit (here a support unit) marks its milestone done, but may not edit it.
      const owned = await createProject(ctx(), task.office, { ...input, ownerUnitId: support });
      const milestone = await createMilestone(ctx(), task.office, {
        projectId: owned.id,
        name: '节点',
        dueOn: '2021-08-31',
      });
      const owner = unitActor(task.workspaceId, support);
      expect((await failure(updateMilestone(ctx(), owner, milestone.id, 1, { name: '改' }))).code).toBe('forbidden');
      const stranger = unitActor(task.workspaceId, task.otherUnitId);
      expect((await failure(markMilestoneDone(ctx(), stranger, milestone.id, 1))).code).toBe('forbidden');
      expect(await markMilestoneDone(ctx(), owner, milestone.id, 1, '2021-06-30')).toMatchObject({
        doneOn: '2021-06-30',
      });

      // The public and the 三员 administrators read none of it.
      expect(
        (await failure(listProjects(ctx(), roleActor(task.workspaceId, 'public'), { taskId: task.taskId }))).code,
      ).toBe('forbidden');
      expect((await failure(getProject(ctx(), roleActor(task.workspaceId, 'audit-admin'), owned.id))).code).toBe(
        'forbidden',
      );
    });

    it('does not let another workspace see or touch a task’s projects', async () => {
      const task = await buildDeliveryTask(database().db);
      const project = await createProject(ctx(), task.office, { taskId: task.taskId, ownerUnitId: null, name: '项目' });
      const milestone = await createMilestone(ctx(), task.office, {
        projectId: project.id,
        name: '节点',
        dueOn: '2021-08-31',
      });
      const { actor: stranger } = await buildOffice(database().db);

      const calls = [
        () => createProject(ctx(), stranger, { taskId: task.taskId, ownerUnitId: null, name: '项目' }),
        () => updateProject(ctx(), stranger, project.id, 1, { name: '改' }),
        () => getProject(ctx(), stranger, project.id),
        () => listProjects(ctx(), stranger, { taskId: task.taskId }),
        () => listProjects(ctx(), stranger, { planId: task.planId }),
        () => listProjects(ctx(), stranger, { unitId: task.otherUnitId }),
        () => createMilestone(ctx(), stranger, { projectId: project.id, name: '节点', dueOn: '2021-08-31' }),
        () => updateMilestone(ctx(), stranger, milestone.id, 1, { name: '改' }),
        () => markMilestoneDone(ctx(), stranger, milestone.id, 1),
        () => listMilestones(ctx(), stranger, { taskId: task.taskId }),
      ];
      for (const call of calls) expect((await failure(call())).code).toBe('not-found');
      expect(await auditEventsOf(database().db, stranger.workspaceId)).toEqual([]);
    });
  });

  describe('a milestone after its project’s end', () => {
    it('is refused with the end it passes, unless the project’s end is asked to move to it (audited)', async () => {
      const plan = await importExamplePlan(ctx());
      const project = await createProject(ctx(), plan.office, {
        taskId: plan.task('（11）').id,
        ownerUnitId: null,
        name: '精细化工产业链延伸项目',
        plannedEnd: '2023-12-31',
      });
      const late = { projectId: project.id, name: '二期投产', dueOn: '2026-06-30' };
      const refused = await failure(createMilestone(ctx(), plan.office, late));
      expect(refused.code).toBe('invalid-input');
      expect(refused.message).toContain('节点期限 2026-06-30 晚于项目计划完成日期 2023-12-31');
      expect(refused.details).toEqual({ field: 'dueOn', reason: 'after-project-end', projectEnd: '2023-12-31' });
      expect(await listMilestones(ctx(), plan.office, { projectId: project.id })).toEqual([]);

      const milestone = await createMilestone(ctx(), plan.office, { ...late, extendProject: true });
      expect(milestone.dueOn).toBe('2026-06-30');
      expect(await getProject(ctx(), plan.office, project.id)).toMatchObject({ version: 2, plannedEnd: '2026-06-30' });
      const events = await auditEventsOf(database().db, plan.workspaceId);
      expect(events.map((e) => e.action).slice(-2)).toEqual(['project.update', 'milestone.create']);
      expect(JSON.parse(events.at(-2)?.detail ?? '{}')).toMatchObject({
        change: { planned_end: '2026-06-30' },
        from: { planned_end: '2023-12-31' },
        because: 'milestone-after-project-end',
      });

      // Moving a milestone past the end asks the same question.
      const moved = await failure(
        updateMilestone(ctx(), plan.office, milestone.id, milestone.version, { dueOn: '2027-03-31' }),
      );
      expect(moved.details).toMatchObject({ reason: 'after-project-end', projectEnd: '2026-06-30' });
      expect(
        await updateMilestone(ctx(), plan.office, milestone.id, milestone.version, {
          dueOn: '2027-03-31',
          extendProject: true,
        }),
      ).toMatchObject({ dueOn: '2027-03-31' });
      expect(await getProject(ctx(), plan.office, project.id)).toMatchObject({ plannedEnd: '2027-03-31' });
    });
  });

  describe('removing a milestone', () => {
    it('marks it with who, when and why: lists and the derived status leave it out, the audit keeps it', async () => {
      const plan = await importExamplePlan(ctx());
      const task = plan.task('（11）');
      const project = await createProject(ctx(), plan.office, {
        taskId: task.id,
        ownerUnitId: null,
        name: '化工品交易服务平台引进',
      });
      const overdue = await createMilestone(ctx(), plan.office, {
        projectId: project.id,
        name: '平台上线',
        dueOn: '2021-03-31',
      });
      const kept = await createMilestone(ctx(), plan.office, {
        projectId: project.id,
        name: '首批交易',
        dueOn: '2030-01-01',
      });
      const before = await taskStatus(ctx(), plan.office, task.id);
      expect(before.reasons.map((r) => r.code)).toContain('milestone-overdue');

      const noReason = await failure(removeMilestone(ctx(), plan.office, overdue.id, overdue.version, '  '));
      expect(noReason.code).toBe('invalid-input');
      const stale = await failure(removeMilestone(ctx(), plan.office, overdue.id, overdue.version + 1, '合并'));
      expect(stale.code).toBe('stale');
      const otherUnit = unitActor(plan.workspaceId, plan.unitId('区文旅局'));
      expect((await failure(removeMilestone(ctx(), otherUnit, overdue.id, overdue.version, '合并'))).code).toBe(
        'forbidden',
      );

      await removeMilestone(ctx(), plan.office, overdue.id, overdue.version, '与“首批交易”节点合并');
      expect((await listMilestones(ctx(), plan.office, { projectId: project.id })).map((m) => m.id)).toEqual([kept.id]);
      const after = await taskStatus(ctx(), plan.office, task.id);
      expect(after.reasons.map((r) => r.code)).not.toContain('milestone-overdue');
      const row = await database()
        .db.selectFrom('milestones')
        .select(['removed_at', 'removed_by', 'removed_reason', 'version'])
        .where('id', '=', overdue.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ removed_by: plan.office.userId, removed_reason: '与“首批交易”节点合并', version: 2 });
      expect(row.removed_at).not.toBeNull();
      const event = (await auditEventsOf(database().db, plan.workspaceId)).at(-1);
      expect(event).toMatchObject({ action: 'milestone.remove', subject_id: overdue.id });
      expect(await verifyAuditChain(database().db, plan.workspaceId)).toMatchObject({ ok: true });

      // Gone for every change: removing, editing or completing it again finds nothing.
      expect((await failure(removeMilestone(ctx(), plan.office, overdue.id, 2, '再删'))).code).toBe('not-found');
      expect((await failure(markMilestoneDone(ctx(), plan.office, overdue.id, 2))).code).toBe('not-found');
    });
  });
});
