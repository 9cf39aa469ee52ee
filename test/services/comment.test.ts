// Comments on tasks, reports and notices, on both databases.
import { describe, expect, it } from 'vitest';
import { addComment, listComments } from '../../src/services/comment.service.ts';
import { issueNotice } from '../../src/services/notice.service.ts';
import { buildOffice, buildReport, testContext } from '../factories.ts';
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

describeEachDatabase('comments', (database) => {
  const ctx = () => testContext(database().db);

  describe('the example plan', () => {
    it('keeps a discussion on task （11） among the office, a leader and its lead units', async () => {
      const plan = await importExamplePlan(ctx());
      const task11 = plan.task('（11）');
      const subject = { type: 'task' as const, id: task11.id };
      const leader = roleActor(plan.workspaceId, 'leader');
      const touzi = unitActor(plan.workspaceId, plan.unitId('区投资促进办'));

      const first = await addComment(ctx(), leader, subject, '请重点关注化工新材料项目的引进进度');
      expect(first).toMatchObject({
        version: 1,
        subjectType: 'task',
        subjectId: task11.id,
        taskId: task11.id,
        authorId: leader.userId,
        body: '请重点关注化工新材料项目的引进进度',
      });
      await addComment(ctx(), touzi, subject, '  已对接三家意向企业  ');
      await addComment(ctx(), plan.office, subject, '请区经委牵头汇总');

      const comments = await listComments(ctx(), unitActor(plan.workspaceId, plan.unitId('区经委')), subject);
      expect(comments.map((c) => c.body)).toEqual([
        '请重点关注化工新材料项目的引进进度',
        '已对接三家意向企业',
        '请区经委牵头汇总',
      ]);

      // A unit that has nothing to do with the task neither reads nor writes its discussion.
      const wenlv = unitActor(plan.workspaceId, plan.unitId('区文旅局'));
      expect((await failure(listComments(ctx(), wenlv, subject))).code).toBe('forbidden');
      expect((await failure(addComment(ctx(), wenlv, subject, '路过'))).code).toBe('forbidden');

      const events = await auditEventsOf(database().db, plan.workspaceId);
      expect(events.slice(-3).map((e) => [e.action, e.subject_type])).toEqual([
        ['comment.add', 'comment'],
        ['comment.add', 'comment'],
        ['comment.add', 'comment'],
      ]);
      expect(await verifyAuditChain(database().db, plan.workspaceId)).toEqual({ ok: true });
    });
  });

  describe('subjects', () => {
    it('takes comments on a report and a notice of the task, from its support units too', async () => {
      const task = await buildDeliveryTask(database().db);
      const lead = task.leadUnitIds[0] ?? '';
      const report = await buildReport(database().db, {
        workspaceId: task.workspaceId,
        taskId: task.taskId,
        unitId: lead,
      });
      const notice = await issueNotice(ctx(), task.office, {
        taskId: task.taskId,
        unitId: lead,
        level: 'remind',
        dueOn: '2021-07-15',
        body: '提醒',
      });
      const support = unitActor(task.workspaceId, task.supportUnitIds[0] ?? '');
      const onReport = await addComment(ctx(), support, { type: 'report', id: report.id }, '协同部分已报送');
      expect(onReport).toMatchObject({ subjectType: 'report', subjectId: report.id, taskId: task.taskId });
      await addComment(
        ctx(),
        roleActor(task.workspaceId, 'supervisor'),
        { type: 'notice', id: notice.id },
        '请按期回复',
      );

      expect((await listComments(ctx(), task.office, { type: 'report', id: report.id })).map((c) => c.id)).toEqual([
        onReport.id,
      ]);
      expect(await listComments(ctx(), task.office, { type: 'notice', id: notice.id })).toHaveLength(1);
      expect(await listComments(ctx(), task.office, { type: 'task', id: task.taskId })).toEqual([]);
    });

    it('refuses a blank comment, an unknown subject type, and the public', async () => {
      const task = await buildDeliveryTask(database().db);
      const subject = { type: 'task' as const, id: task.taskId };
      expect(await failure(addComment(ctx(), task.office, subject, '   '))).toMatchObject({
        code: 'invalid-input',
        details: { field: 'body' },
      });
      const plan = { type: 'plan' as 'task', id: task.planId };
      expect((await failure(addComment(ctx(), task.office, plan, '评论'))).code).toBe('invalid-input');
      expect((await failure(listComments(ctx(), roleActor(task.workspaceId, 'public'), subject))).code).toBe(
        'forbidden',
      );
      expect(await listComments(ctx(), task.office, subject)).toEqual([]);
    });

    it('does not let another workspace see or comment on a task, report or notice', async () => {
      const task = await buildDeliveryTask(database().db);
      const report = await buildReport(database().db, { workspaceId: task.workspaceId, taskId: task.taskId });
      await addComment(ctx(), task.office, { type: 'task', id: task.taskId }, '内部讨论');
      const { actor: office } = await buildOffice(database().db);
      for (const subject of [
        { type: 'task' as const, id: task.taskId },
        { type: 'report' as const, id: report.id },
        { type: 'notice' as const, id: 'ntc_01J00000000000000000000000' },
      ]) {
        expect((await failure(addComment(ctx(), office, subject, '越界'))).code).toBe('not-found');
        expect((await failure(listComments(ctx(), office, subject))).code).toBe('not-found');
      }
    });
  });
});
