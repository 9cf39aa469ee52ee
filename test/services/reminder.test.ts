// The supervision jobs on both databases, with a set clock: report reminders (提醒) go to the lead units that have
// not filed, once per report, before it is due or on the day after; a filed report closes its reminder; notices
// nobody answered go up one level at a time, as far as 督办; every step is audited as the jobs' actor.
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { Actor } from '../../src/services/context.ts';
import { JOB_USER_ID, jobActor } from '../../src/services/job-actor.ts';
import { issueNotice, respondToNotice } from '../../src/services/notice.service.ts';
import { escalateOverdueNotices, sendReportReminders } from '../../src/services/reminder.service.ts';
import { saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import { refreshQueuedStatuses } from '../../src/services/status-refresh.service.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { at, auditEvents, buildReportPlan, failure, verifyAudit } from '../report-factories.ts';

const POLICY = { daysBefore: 3, responseDays: 5 };

/** The jobs' actor in a test plan's workspace. */
function jobs(plan: { workspaceId: string }): Actor {
  return jobActor(plan.workspaceId);
}

/** 10:00 in Shanghai on a July 2021 day. */
function july(day: number): string {
  return `2021-07-${String(day).padStart(2, '0')}T02:00:00.000Z`;
}

async function fileReport(db: Db, reporter: Actor, taskId: string, when: string): Promise<void> {
  const draft = await saveReportDraft(at(db, when), reporter, {
    taskId,
    period: '2021-Q2',
    narrative: '按计划推进',
    percentDone: 30,
    confidence: 'green',
    problems: '',
    nextSteps: '继续推进',
    readings: [],
  });
  await submitReport(at(db, when), reporter, draft.id, draft.version, { idempotencyKey: `${draft.id}-submit` });
}

function noticesOf(db: Db, taskId: string) {
  return db
    .selectFrom('notices')
    .select(['id', 'unit_id', 'level', 'state', 'due_on', 'body', 'issued_by', 'escalated_from_id'])
    .where('task_id', '=', taskId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

describeEachDatabase('supervision jobs', (database) => {
  const db = () => database().db;

  describe('report reminders', () => {
    it('remind each lead unit that has not filed, from three days before the report is due, once', async () => {
      // 2021-Q2 reports are due by the end of 15 July 2021 (Shanghai).
      const plan = await buildReportPlan(db(), { leads: 2 });
      const [first, second] = plan.leadReporters as [Actor, Actor];
      await fileReport(db(), first, plan.taskId, july(5));

      const early = await sendReportReminders(at(db(), july(11)), jobs(plan), POLICY);
      expect(early.sent).toEqual([]);

      const run = await sendReportReminders(at(db(), july(12)), jobs(plan), POLICY);
      const mine = run.sent;
      expect(mine).toEqual([
        {
          noticeId: expect.any(String),
          taskId: plan.taskId,
          unitId: plan.leads[1],
          period: '2021-Q2',
          kind: 'before-due',
          dueOn: '2021-07-15',
        },
      ]);
      expect(await noticesOf(db(), plan.taskId)).toEqual([
        {
          id: mine[0]?.noticeId,
          unit_id: plan.leads[1],
          level: 'reminder',
          state: 'open',
          due_on: '2021-07-15',
          body: '请于2021年7月15日前报送2021年第二季度进展报告。（系统自动提醒）',
          issued_by: JOB_USER_ID,
          escalated_from_id: null,
        },
      ]);
      const issued = (await auditEvents(db(), plan.workspaceId)).find((e) => e.action === 'notice.issue');
      expect(issued).toMatchObject({
        actor_id: JOB_USER_ID,
        actor_roles: '["supervisor"]',
        subject_id: mine[0]?.noticeId,
      });
      expect(JSON.parse(issued?.detail ?? '{}')).toMatchObject({
        level: 'remind',
        reminder: { period: '2021-Q2', kind: 'before-due' },
      });
      // The reminder is a change of the task's record: its status is queued.
      expect(
        await db().selectFrom('status_queue').select('task_id').where('task_id', '=', plan.taskId).execute(),
      ).toHaveLength(1);

      // Later runs, in the window and on the overdue day, send nothing more for the same report.
      for (const day of [13, 14, 16]) {
        const again = await sendReportReminders(at(db(), july(day)), jobs(plan), POLICY);
        expect(again.sent, `${day} July`).toEqual([]);
      }
      expect(await noticesOf(db(), plan.taskId)).toHaveLength(1);
      expect((await verifyAudit(db(), plan.workspaceId)).ok).toBe(true);

      // The second lead files: the next run closes its reminder (办结), as the jobs.
      await fileReport(db(), second, plan.taskId, '2021-07-16T03:00:00.000Z');
      const closing = await sendReportReminders(at(db(), '2021-07-16T04:00:00.000Z'), jobs(plan), POLICY);
      expect(closing.closed).toContain(mine[0]?.noticeId);
      expect((await noticesOf(db(), plan.taskId))[0]?.state).toBe('closed');
      const closed = (await auditEvents(db(), plan.workspaceId)).find((e) => e.action === 'notice.close');
      expect(closed).toMatchObject({ actor_id: JOB_USER_ID, subject_id: mine[0]?.noticeId });
    });

    it('remind on the day after a report became overdue when none went out before', async () => {
      const plan = await buildReportPlan(db());
      const run = await sendReportReminders(at(db(), july(16)), jobs(plan), POLICY);
      expect(run.sent).toEqual([
        expect.objectContaining({ unitId: plan.leads[0], period: '2021-Q2', kind: 'overdue', dueOn: '2021-07-21' }),
      ]);
      expect((await noticesOf(db(), plan.taskId))[0]?.body).toBe(
        '2021年第二季度进展报告应于2021年7月15日前报送，现已逾期，请于2021年7月21日前补报。（系统自动提醒）',
      );
      const later = await sendReportReminders(at(db(), july(17)), jobs(plan), POLICY);
      expect(later.sent).toEqual([]);
    });

    it('send nothing for a task closed out or removed from its plan', async () => {
      const closed = await buildReportPlan(db());
      await db()
        .updateTable('tasks')
        .set({ closed_at: july(1) })
        .where('id', '=', closed.taskId)
        .execute();
      const removed = await buildReportPlan(db(), { workspaceId: closed.workspaceId });
      await db().updateTable('tasks').set({ removed_in_version: 2 }).where('id', '=', removed.taskId).execute();
      const run = await sendReportReminders(at(db(), july(13)), jobs(closed), POLICY);
      expect(run).toEqual({ sent: [], closed: [], failures: [] });
    });

    it('are the jobs’ work: the office may not run them', async () => {
      const plan = await buildReportPlan(db());
      const refused = await failure(sendReportReminders(at(db(), july(13)), plan.office, POLICY));
      expect(refused.code).toBe('forbidden');
      expect((await failure(escalateOverdueNotices(at(db(), july(13)), plan.office, POLICY))).code).toBe('forbidden');
      expect(await noticesOf(db(), plan.taskId)).toEqual([]);
    });

    it('send one reminder when two runs race', async () => {
      const plan = await buildReportPlan(db(), { leads: 3 });
      const runs = await Promise.all([
        sendReportReminders(at(db(), july(13)), jobs(plan), POLICY),
        sendReportReminders(at(db(), july(13)), jobs(plan), POLICY),
      ]);
      const sent = runs.flatMap((run) => run.sent);
      expect(sent.map((s) => s.unitId).sort()).toEqual([...plan.leads].sort());
      expect(runs.flatMap((run) => run.failures)).toEqual([]);
      expect(await noticesOf(db(), plan.taskId)).toHaveLength(3);
      const recorded = await db()
        .selectFrom('report_reminders')
        .select(['unit_id', 'notice_id'])
        .where('task_id', '=', plan.taskId)
        .execute();
      expect(recorded).toHaveLength(3);
    });
  });

  describe('escalation', () => {
    it('takes an unanswered reminder up to 催办, then 督办, each once with a new due date, and stops there', async () => {
      const plan = await buildReportPlan(db());
      await sendReportReminders(at(db(), july(12)), jobs(plan), POLICY);
      const [reminder] = await noticesOf(db(), plan.taskId);

      // Not yet: the reminder is due by the end of 15 July.
      const onDueDay = await escalateOverdueNotices(at(db(), july(15)), jobs(plan), POLICY);
      expect(onDueDay.escalated.filter((e) => e.noticeId === reminder?.id)).toEqual([]);

      const first = await escalateOverdueNotices(at(db(), july(16)), jobs(plan), POLICY);
      const urge = first.escalated.find((e) => e.noticeId === reminder?.id);
      expect(urge).toEqual({
        noticeId: reminder?.id,
        newNoticeId: expect.any(String),
        from: 'remind',
        to: 'urge',
        dueOn: '2021-07-21',
      });
      const again = await escalateOverdueNotices(at(db(), july(16)), jobs(plan), POLICY);
      expect(again.escalated.filter((e) => e.noticeId === reminder?.id || e.noticeId === urge?.newNoticeId)).toEqual(
        [],
      );

      const second = await escalateOverdueNotices(at(db(), july(22)), jobs(plan), POLICY);
      const supervise = second.escalated.find((e) => e.noticeId === urge?.newNoticeId);
      expect(supervise).toMatchObject({ from: 'urge', to: 'supervise', dueOn: '2021-07-27' });
      // Past its due day too, but 挂牌督办 is for a person to decide.
      const third = await escalateOverdueNotices(at(db(), july(28)), jobs(plan), POLICY);
      expect(third.escalated.filter((e) => e.noticeId === supervise?.newNoticeId)).toEqual([]);

      const notices = await noticesOf(db(), plan.taskId);
      expect(notices.map((n) => [n.level, n.state, n.due_on])).toEqual([
        ['reminder', 'escalated', '2021-07-15'],
        ['urge', 'escalated', '2021-07-21'],
        ['supervise', 'open', '2021-07-27'],
      ]);
      expect(notices[1]?.body).toBe(
        '提醒单应于2021年7月15日前回复，逾期未回复，系统自动升级为催办。\n请于2021年7月15日前报送2021年第二季度进展报告。（系统自动提醒）',
      );
      const escalations = (await auditEvents(db(), plan.workspaceId)).filter((e) => e.action === 'notice.escalate');
      expect(escalations.map((e) => e.actor_id)).toEqual([JOB_USER_ID, JOB_USER_ID]);
      expect((await verifyAudit(db(), plan.workspaceId)).ok).toBe(true);

      // 督办 open: the worker now finds the task off track.
      await refreshQueuedStatuses(at(db(), july(28)), jobs(plan));
      const task = await db().selectFrom('tasks').select('status').where('id', '=', plan.taskId).executeTakeFirst();
      expect(task?.status).toBe('off-track');
    });

    it('leaves an answered notice to the office, and closes a reminder whose report came in', async () => {
      const plan = await buildReportPlan(db());
      const [reporter] = plan.leadReporters as [Actor];
      const urge = await issueNotice(at(db(), july(1)), plan.office, {
        taskId: plan.taskId,
        unitId: plan.leads[0] ?? '',
        level: 'urge',
        dueOn: '2021-07-10',
        body: '请说明进展',
      });
      await respondToNotice(at(db(), july(9)), reporter, urge.id, urge.version, '已安排专人推进');
      await sendReportReminders(at(db(), july(12)), jobs(plan), POLICY);
      const reminder = (await noticesOf(db(), plan.taskId)).find((n) => n.level === 'reminder');
      // The report comes a day late, before the escalation runs.
      await fileReport(db(), reporter, plan.taskId, '2021-07-16T01:00:00.000Z');

      const run = await escalateOverdueNotices(at(db(), july(16)), jobs(plan), POLICY);
      expect(run.escalated.filter((e) => e.noticeId === urge.id || e.noticeId === reminder?.id)).toEqual([]);
      expect(run.closed).toContain(reminder?.id);
      const states = new Map((await noticesOf(db(), plan.taskId)).map((n) => [n.id, n.state]));
      expect(states.get(urge.id)).toBe('answered');
      expect(states.get(reminder?.id ?? '')).toBe('closed');
    });
  });
});
