// Close-out (销号) on both databases: request with evidence → approve (task closed, milestones frozen) → reopen.
import { describe, expect, it } from 'vitest';
import {
  approveCloseOut,
  getTaskCloseOut,
  rejectCloseOut,
  reopenTask,
  requestCloseOut,
} from '../../src/services/close-out.service.ts';
import { issueNotice } from '../../src/services/notice.service.ts';
import { listPlanTasks } from '../../src/services/plan.service.ts';
import {
  createMilestone,
  createProject,
  listMilestones,
  markMilestoneDone,
  updateMilestone,
  updateProject,
} from '../../src/services/project.service.ts';
import { buildOffice, testContext } from '../factories.ts';
import {
  auditEventsOf,
  buildDeliveryTask,
  buildFile,
  failure,
  importExamplePlan,
  roleActor,
  unitActor,
  verifyAuditChain,
} from '../delivery-factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';

describeEachDatabase('close-outs', (database) => {
  const ctx = () => testContext(database().db);

  describe('the example plan', () => {
    it('closes task （11） on approval, freezes its milestones, and reopens it with a reason', async () => {
      const plan = await importExamplePlan(ctx());
      const task11 = plan.task('（11）');
      const jingwei = unitActor(plan.workspaceId, plan.unitId('区经委'));
      const project = await createProject(ctx(), plan.office, {
        taskId: task11.id,
        ownerUnitId: plan.unitId('区经委'),
        name: '精细化工产业链延伸项目',
      });
      const milestone = await createMilestone(ctx(), plan.office, {
        projectId: project.id,
        name: '首批项目开工',
        dueOn: '2021-06-30',
        doneOn: '2021-06-28',
      });
      const fileId = await buildFile(database().db, plan.workspaceId);

      const request = await requestCloseOut(ctx(), jingwei, task11.id, {
        evidence: '千亿级化工产业集群规划目标已完成，附验收报告',
        fileId,
      });
      expect(request).toMatchObject({
        version: 1,
        taskId: task11.id,
        state: 'requested',
        fileId,
        requestedBy: jingwei.userId,
        decidedAt: null,
      });
      expect(await getTaskCloseOut(ctx(), plan.office, task11.id)).toMatchObject({
        state: 'requested',
        allowedActions: ['approve', 'reject'],
        closedAt: null,
      });

      const approved = await approveCloseOut(ctx(), plan.office, request.id, request.version);
      expect(approved).toMatchObject({ state: 'approved', version: 2, decidedBy: plan.office.userId });

      const closedTask = (await listPlanTasks(ctx(), plan.office, plan.planId)).find((t) => t.id === task11.id);
      expect(closedTask).toMatchObject({ closedAt: '2021-07-01T02:00:00.000Z', status: 'closed' });
      expect(closedTask?.version).toBe(task11.version + 1);
      const [frozen] = await listMilestones(ctx(), plan.office, { taskId: task11.id });
      expect(frozen).toMatchObject({ isFrozen: true, version: milestone.version + 1 });

      // While closed, the break-down is frozen: every change is refused and nothing changes.
      const refused = await failure(
        updateMilestone(ctx(), plan.office, milestone.id, frozen?.version ?? 0, { name: '改' }),
      );
      expect(refused).toMatchObject({ code: 'conflict', details: { reason: 'milestone-frozen' } });
      expect(refused.message).toContain('冻结');
      expect((await failure(markMilestoneDone(ctx(), jingwei, milestone.id, frozen?.version ?? 0))).code).toBe(
        'conflict',
      );
      const newMilestone = createMilestone(ctx(), plan.office, {
        projectId: project.id,
        name: '新',
        dueOn: '2021-12-31',
      });
      expect(await failure(newMilestone)).toMatchObject({ code: 'conflict', details: { reason: 'task-closed' } });
      expect((await failure(updateProject(ctx(), plan.office, project.id, project.version, { name: '改' }))).code).toBe(
        'conflict',
      );
      // A closed task takes no second request and no notice.
      expect((await failure(requestCloseOut(ctx(), jingwei, task11.id, { evidence: '再次申请' }))).code).toBe(
        'invalid-transition',
      );
      const notice = issueNotice(ctx(), plan.office, {
        taskId: task11.id,
        unitId: plan.unitId('区经委'),
        level: 'remind',
        dueOn: '2021-07-15',
        body: '提醒',
      });
      expect((await failure(notice)).code).toBe('conflict');

      // Reopening needs a reason and the task's current version.
      const status = await getTaskCloseOut(ctx(), plan.office, task11.id);
      expect(status).toMatchObject({ state: 'approved', allowedActions: ['reopen'], taskVersion: task11.version + 1 });
      expect((await failure(reopenTask(ctx(), plan.office, task11.id, status.taskVersion, ' '))).code).toBe(
        'reason-required',
      );
      expect((await failure(reopenTask(ctx(), plan.office, task11.id, task11.version, '复核'))).code).toBe('stale');
      const reopened = await reopenTask(
        ctx(),
        plan.office,
        task11.id,
        status.taskVersion,
        '市级复核发现产业链项目未全部落地',
      );
      expect(reopened).toMatchObject({
        state: 'reopened',
        closedAt: null,
        allowedActions: ['request'],
        current: { id: request.id, state: 'reopened', reason: '市级复核发现产业链项目未全部落地' },
      });
      const [unfrozen] = await listMilestones(ctx(), plan.office, { taskId: task11.id });
      expect(unfrozen?.isFrozen).toBe(false);
      const renamed = await updateMilestone(ctx(), plan.office, milestone.id, unfrozen?.version ?? 0, {
        name: '首批项目开工投产',
      });
      expect(renamed).toMatchObject({ name: '首批项目开工投产', isFrozen: false });
      const reopenedTask = (await listPlanTasks(ctx(), plan.office, plan.planId)).find((t) => t.id === task11.id);
      expect(reopenedTask).toMatchObject({ closedAt: null, status: null });

      // The unit may ask again.
      const second = await requestCloseOut(ctx(), jingwei, task11.id, { evidence: '补充落地项目清单' });
      expect((await getTaskCloseOut(ctx(), plan.office, task11.id)).history.map((c) => [c.id, c.state])).toEqual([
        [second.id, 'requested'],
        [request.id, 'reopened'],
      ]);

      const events = await auditEventsOf(database().db, plan.workspaceId);
      expect(events.slice(-4).map((e) => e.action)).toEqual([
        'close-out.approve',
        'task.reopen',
        'milestone.update',
        'close-out.request',
      ]);
      const approval = events.find((e) => e.action === 'close-out.approve');
      expect(JSON.parse(approval?.detail ?? '{}')).toMatchObject({ taskId: task11.id, frozenMilestones: 1 });
      expect(await verifyAuditChain(database().db, plan.workspaceId)).toEqual({ ok: true });
    });
  });

  describe('rules', () => {
    it('rejects with a reason only, and the unit may ask again after a rejection', async () => {
      const task = await buildDeliveryTask(database().db);
      const lead = unitActor(task.workspaceId, task.leadUnitIds[0] ?? '');
      const request = await requestCloseOut(ctx(), lead, task.taskId, { evidence: '已完成' });

      for (const reason of ['', '   ']) {
        const error = await failure(rejectCloseOut(ctx(), task.office, request.id, request.version, reason));
        expect(error).toMatchObject({ name: 'DomainError', code: 'reason-required' });
      }
      const rejected = await rejectCloseOut(ctx(), task.office, request.id, request.version, '佐证材料不足');
      expect(rejected).toMatchObject({ state: 'rejected', reason: '佐证材料不足', version: 2 });
      expect((await failure(approveCloseOut(ctx(), task.office, request.id, rejected.version))).code).toBe(
        'invalid-transition',
      );
      const again = await requestCloseOut(ctx(), lead, task.taskId, { evidence: '补充了验收报告' });
      expect(again.state).toBe('requested');
      expect((await getTaskCloseOut(ctx(), task.office, task.taskId)).closedAt).toBeNull();
    });

    it('needs evidence, allows one open request at a time, and refuses stale decisions', async () => {
      const task = await buildDeliveryTask(database().db);
      const lead = unitActor(task.workspaceId, task.leadUnitIds[0] ?? '');
      expect(await failure(requestCloseOut(ctx(), lead, task.taskId, {}))).toMatchObject({ code: 'evidence-required' });
      expect((await failure(requestCloseOut(ctx(), lead, task.taskId, { evidence: '  ' }))).code).toBe(
        'evidence-required',
      );
      const missingFile = requestCloseOut(ctx(), lead, task.taskId, { fileId: 'fil_01J00000000000000000000000' });
      expect((await failure(missingFile)).code).toBe('not-found');

      // A file alone is evidence enough.
      const fileId = await buildFile(database().db, task.workspaceId);
      const request = await requestCloseOut(ctx(), lead, task.taskId, { fileId });
      expect(request).toMatchObject({ evidence: '', fileId });
      expect((await failure(requestCloseOut(ctx(), lead, task.taskId, { evidence: '第二份' }))).code).toBe(
        'invalid-transition',
      );

      await rejectCloseOut(ctx(), task.office, request.id, 1, '材料不全');
      expect((await failure(rejectCloseOut(ctx(), task.office, request.id, 1, '再驳回'))).code).toBe(
        'invalid-transition',
      );
      const next = await requestCloseOut(ctx(), lead, task.taskId, { evidence: '补充材料' });
      expect((await failure(approveCloseOut(ctx(), task.office, next.id, 7))).code).toBe('stale');
      expect((await getTaskCloseOut(ctx(), task.office, task.taskId)).closedAt).toBeNull();
    });

    it('lets only one of several simultaneous requests through (the task row is locked)', async () => {
      const task = await buildDeliveryTask(database().db);
      const lead = unitActor(task.workspaceId, task.leadUnitIds[0] ?? '');
      const results = await Promise.allSettled(
        ['甲', '乙', '丙', '丁'].map((evidence) => requestCloseOut(ctx(), lead, task.taskId, { evidence })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect((rejected as PromiseRejectedResult | undefined)?.reason).toMatchObject({ code: 'invalid-transition' });
      expect((await getTaskCloseOut(ctx(), task.office, task.taskId)).history).toHaveLength(1);
    });
  });

  describe('who may', () => {
    it('lets the primary lead unit ask and the office decide, and no one else', async () => {
      const task = await buildDeliveryTask(database().db);
      const [primary, secondLead] = task.leadUnitIds as [string, string];
      for (const actor of [
        unitActor(task.workspaceId, secondLead),
        unitActor(task.workspaceId, task.supportUnitIds[0] ?? ''),
        unitActor(task.workspaceId, task.otherUnitId),
        task.office,
      ]) {
        expect((await failure(requestCloseOut(ctx(), actor, task.taskId, { evidence: '完成' }))).code).toBe(
          'forbidden',
        );
      }
      const request = await requestCloseOut(ctx(), unitActor(task.workspaceId, primary, 'unit-approver'), task.taskId, {
        evidence: '完成',
      });
      for (const actor of [
        unitActor(task.workspaceId, primary),
        roleActor(task.workspaceId, 'supervisor'),
        roleActor(task.workspaceId, 'leader'),
      ]) {
        expect((await failure(approveCloseOut(ctx(), actor, request.id, 1))).code).toBe('forbidden');
        expect((await failure(rejectCloseOut(ctx(), actor, request.id, 1, '不行'))).code).toBe('forbidden');
      }
      await approveCloseOut(ctx(), task.office, request.id, 1);
      const { taskVersion } = await getTaskCloseOut(ctx(), task.office, task.taskId);
      const byUnit = reopenTask(ctx(), unitActor(task.workspaceId, primary), task.taskId, taskVersion, '重开');
      expect((await failure(byUnit)).code).toBe('forbidden');
      expect((await failure(getTaskCloseOut(ctx(), roleActor(task.workspaceId, 'public'), task.taskId))).code).toBe(
        'forbidden',
      );
    });

    it('does not let another workspace see or touch a close-out', async () => {
      const task = await buildDeliveryTask(database().db);
      const primary = task.leadUnitIds[0] ?? '';
      const request = await requestCloseOut(ctx(), unitActor(task.workspaceId, primary), task.taskId, {
        evidence: '完成',
      });
      const { actor: office } = await buildOffice(database().db);
      const strangerUnit = { ...office, roles: ['unit-reporter' as const], unitId: primary };
      const calls = [
        () => requestCloseOut(ctx(), strangerUnit, task.taskId, { evidence: '完成' }),
        () => approveCloseOut(ctx(), office, request.id, 1),
        () => rejectCloseOut(ctx(), office, request.id, 1, '不行'),
        () => reopenTask(ctx(), office, task.taskId, 1, '重开'),
        () => getTaskCloseOut(ctx(), office, task.taskId),
      ];
      for (const call of calls) expect((await failure(call())).code).toBe('not-found');
      expect((await getTaskCloseOut(ctx(), task.office, task.taskId)).state).toBe('requested');
    });
  });
});
