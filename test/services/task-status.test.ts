// Task status on both databases: task （11） of the example plan from not started, through on track, at risk (a
// missing 2021-Q4 report), overdue (a milestone), off track (a notice escalated to 督办) to closed (销号); and the
// office's refresh of the plan's cached statuses.
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { approveCloseOut, requestCloseOut } from '../../src/services/close-out.service.ts';
import type { Actor } from '../../src/services/context.ts';
import { escalateNotice, issueNotice } from '../../src/services/notice.service.ts';
import { createMilestone, createProject, markMilestoneDone } from '../../src/services/project.service.ts';
import { saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import { refreshPlanStatuses, taskStatus } from '../../src/services/task-status.service.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { at, auditEvents, failure, importExamplePlan, unitActor } from '../report-factories.ts';

/** A lead unit files its report for a period at `when`, with green confidence. */
async function fileReport(db: Db, reporter: Actor, taskId: string, period: string, when: string): Promise<void> {
  const draft = await saveReportDraft(at(db, when), reporter, {
    taskId,
    period,
    narrative: '按计划推进',
    percentDone: 10,
    confidence: 'green',
    problems: '',
    nextSteps: '继续推进',
    readings: [],
  });
  await submitReport(at(db, when), reporter, draft.id, draft.version, { idempotencyKey: `${draft.id}-submit` });
}

describeEachDatabase('task status', (database) => {
  const db = () => database().db;

  describe('task （11） of the example plan', () => {
    it('moves from not started to on track, at risk, overdue, off track and closed, each with its reasons', async () => {
      const example = await importExamplePlan(db());
      const { office, reporter, secondLead, task } = example;
      const primaryName = task.units.lead[0]?.name;
      const status = (when: string, actor: Actor = office) => taskStatus(at(db(), when), actor, task.id);

      const fresh = await status('2021-06-10T02:00:00.000Z');
      expect(fresh).toMatchObject({
        taskId: task.id,
        status: 'not-started',
        label: '未启动',
        reasons: [{ code: 'no-progress', status: 'not-started' }],
        otherReasons: [],
        asOf: '2021-06-10T02:00:00.000Z',
      });

      // Both lead units file 2021-Q2 on time, green.
      for (const lead of [reporter, secondLead]) {
        await fileReport(db(), lead, task.id, '2021-Q2', '2021-07-10T02:00:00.000Z');
      }
      const onTrack = await status('2021-07-20T02:00:00.000Z', reporter);
      expect(onTrack).toMatchObject({ status: 'on-track', label: '正常推进', reasons: [{ code: 'progressing' }] });

      // 2021-Q3 on time; 2021-Q4 not filed by its due date.
      for (const lead of [reporter, secondLead]) {
        await fileReport(db(), lead, task.id, '2021-Q3', '2021-10-08T02:00:00.000Z');
      }
      const atRisk = await status('2022-01-20T02:00:00.000Z');
      expect(atRisk.status).toBe('at-risk');
      expect(atRisk.reasons).toContainEqual(
        expect.objectContaining({
          code: 'reports-missing',
          count: 2,
          missing: expect.arrayContaining([
            {
              unitId: reporter.unitId,
              unitName: primaryName,
              period: '2021-Q4',
              dueAt: '2022-01-15T16:00:00.000Z',
            },
          ]),
        }),
      );

      // A milestone due 10 January 2022 and not done: overdue, the missing report still listed below it.
      const project = await createProject(at(db(), '2021-12-01T02:00:00.000Z'), office, {
        taskId: task.id,
        ownerUnitId: reporter.unitId,
        name: '精细化工产业链延伸项目',
      });
      const milestone = await createMilestone(at(db(), '2021-12-01T02:00:00.000Z'), office, {
        projectId: project.id,
        name: '首批项目开工',
        dueOn: '2022-01-10',
      });
      const overdue = await status('2022-01-20T02:00:00.000Z');
      expect(overdue).toMatchObject({
        status: 'overdue',
        label: '已逾期',
        reasons: [{ code: 'milestone-overdue', milestoneId: milestone.id, milestoneName: '首批项目开工' }],
      });
      expect(overdue.otherReasons.map((r) => r.code)).toContain('reports-missing');

      // The milestone is done; a 催办 escalated to 督办 makes the task off track.
      await markMilestoneDone(
        at(db(), '2022-01-20T02:00:00.000Z'),
        office,
        milestone.id,
        milestone.version,
        '2022-01-18',
      );
      const urge = await issueNotice(at(db(), '2022-01-20T02:00:00.000Z'), office, {
        taskId: task.id,
        unitId: reporter.unitId ?? '',
        level: 'urge',
        dueOn: '2022-01-25',
        body: '请尽快报送第四季度进展',
      });
      expect((await status('2022-01-20T03:00:00.000Z')).status).toBe('at-risk');
      const supervise = await escalateNotice(at(db(), '2022-01-26T02:00:00.000Z'), office, urge.id, urge.version, {
        dueOn: '2022-02-10',
      });
      const offTrack = await status('2022-01-26T03:00:00.000Z');
      expect(offTrack).toMatchObject({
        status: 'off-track',
        label: '严重滞后',
        reasons: [{ code: 'notice-escalated', noticeId: supervise.id, level: 'supervise' }],
      });

      // Close-out approved: closed, nothing else counts.
      const request = await requestCloseOut(at(db(), '2022-02-01T02:00:00.000Z'), reporter, task.id, {
        evidence: '任务已完成，附验收报告',
      });
      await approveCloseOut(at(db(), '2022-02-02T02:00:00.000Z'), office, request.id, request.version);
      const closed = await status('2022-02-03T02:00:00.000Z');
      expect(closed).toMatchObject({
        status: 'closed',
        label: '已销号',
        reasons: [{ code: 'closed-out', approvedAt: '2022-02-02T02:00:00.000Z' }],
        otherReasons: [],
      });
    });

    it('is read by those who may read the task, and not found elsewhere', async () => {
      const example = await importExamplePlan(db());
      const ctx = at(db(), '2021-06-10T02:00:00.000Z');
      const admin = unitActor(example.workspaceId, null, ['audit-admin']);
      expect((await failure(taskStatus(ctx, admin, example.task.id))).code).toBe('not-found');
      expect((await failure(taskStatus(ctx, example.office, 'tsk_missing'))).code).toBe('not-found');
      const other = await importExamplePlan(db());
      expect((await failure(taskStatus(ctx, other.office, example.task.id))).code).toBe('not-found');
    });
  });

  describe('refreshPlanStatuses', () => {
    it('caches every current task’s status without moving its version, audited once with the counts', async () => {
      const example = await importExamplePlan(db());
      const { office, reporter, task } = example;
      const versionOf = async () =>
        await db()
          .selectFrom('tasks')
          .select(['version', 'status', 'status_at'])
          .where('id', '=', task.id)
          .executeTakeFirstOrThrow();
      const before = await versionOf();
      const when = '2022-01-20T02:00:00.000Z';

      const refused = await failure(refreshPlanStatuses(at(db(), when), reporter, example.planId));
      expect(refused.code).toBe('forbidden');

      const refreshed = await refreshPlanStatuses(at(db(), when), office, example.planId);
      const total = Object.values(refreshed.counts).reduce((sum, n) => sum + n, 0);
      expect(refreshed).toMatchObject({ planId: example.planId, asOf: when, total: 48 });
      expect(total).toBe(48);
      expect(refreshed.counts['at-risk']).toBeGreaterThan(0);

      const after = await versionOf();
      expect(after).toMatchObject({ version: before.version, status: 'at-risk', status_at: when });
      const events = (await auditEvents(db(), example.workspaceId)).filter((e) => e.action === 'plan.refresh-status');
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]?.detail ?? '{}')).toMatchObject({ total: 48, counts: refreshed.counts });
    });
  });
});
