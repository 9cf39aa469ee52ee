// The cached task status kept fresh on both databases: every change that can alter a status queues its task in the
// change's transaction; the worker derives the queued tasks (a plan's together) and caches them, leaving a task
// changed meanwhile queued; the sweep queues open tasks again after local midnight or an hour; and deriving a whole
// plan at once gives each task the status it gets alone.
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { markTaskStatusStale } from '../../src/db/queries/status-queue.queries.ts';
import { findQueuedTasks } from '../../src/db/queries/status-queue.queries.ts';
import { findCurrentTasksOfPlan } from '../../src/db/queries/task-status.queries.ts';
import { findPlan } from '../../src/db/queries/plan.queries.ts';
import { approveCloseOut, requestCloseOut } from '../../src/services/close-out.service.ts';
import type { Actor } from '../../src/services/context.ts';
import { JOB_USER_ID, jobActor } from '../../src/services/job-actor.ts';
import { issueNotice } from '../../src/services/notice.service.ts';
import { mapPlan } from '../../src/services/plan-state.ts';
import { createMilestone, createProject, markMilestoneDone } from '../../src/services/project.service.ts';
import { setTargetBaseline, setTrajectoryPoint } from '../../src/services/report-targets.service.ts';
import { acceptReport, saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import { refreshQueuedStatuses, sweepStatuses } from '../../src/services/status-refresh.service.ts';
import { listPlanTaskPage } from '../../src/services/task-list.service.ts';
import { deriveStatuses, storeStatuses, taskStatus } from '../../src/services/task-status.service.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { at, auditEvents, buildReportPlan, failure, importExamplePlan, type ExamplePlan } from '../report-factories.ts';

/** The workspace's queued tasks: task id → queue version. */
async function queued(db: Db, workspaceId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('status_queue')
    .select(['task_id', 'version'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  return new Map(rows.map((row) => [row.task_id, row.version]));
}

async function cached(db: Db, taskId: string) {
  return db
    .selectFrom('tasks')
    .select(['status', 'status_at', 'version'])
    .where('id', '=', taskId)
    .executeTakeFirstOrThrow();
}

async function draftReport(db: Db, reporter: Actor, taskId: string, period: string, when: string) {
  return saveReportDraft(at(db, when), reporter, {
    taskId,
    period,
    narrative: '按计划推进',
    percentDone: 10,
    confidence: 'green',
    problems: '',
    nextSteps: '继续推进',
    readings: [],
  });
}

/** The example plan with every task derived once, as of its import, and the queue empty. */
async function derivedExample(db: Db): Promise<ExamplePlan> {
  const example = await importExamplePlan(db);
  expect((await queued(db, example.workspaceId)).size).toBe(48);
  await refreshQueuedStatuses(at(db, '2021-06-10T03:00:00.000Z'), jobActor(example.workspaceId));
  expect((await queued(db, example.workspaceId)).size).toBe(0);
  return example;
}

describeEachDatabase('status refresh', (database) => {
  const db = () => database().db;

  it('queues a task on submit; the worker derives it, audited by the jobs; the list filter then finds it', async () => {
    const example = await derivedExample(db());
    const { office, reporter, task } = example;
    const list = async (status: 'not-started' | 'on-track') =>
      (await listPlanTaskPage(at(db(), '2021-07-10T03:00:00.000Z'), office, example.planId, { status })).items.map(
        (t) => t.number,
      );
    expect(await list('not-started')).toHaveLength(48);
    expect(await cached(db(), task.id)).toMatchObject({ status: 'not-started', status_at: '2021-06-10T03:00:00.000Z' });

    const when = '2021-07-10T02:00:00.000Z';
    const draft = await draftReport(db(), reporter, task.id, '2021-Q2', when);
    const before = await cached(db(), task.id);
    await submitReport(at(db(), when), reporter, draft.id, draft.version, { idempotencyKey: `${draft.id}-1` });
    // Queued in the submit's transaction; not derived inline: the cache still says not started.
    expect([...(await queued(db(), example.workspaceId)).keys()]).toEqual([task.id]);
    expect((await cached(db(), task.id)).status).toBe('not-started');

    const run = await refreshQueuedStatuses(at(db(), '2021-07-10T02:00:02.000Z'), jobActor(example.workspaceId));
    expect(run.changes).toContainEqual({ taskId: task.id, from: 'not-started', to: 'on-track' });
    expect(await cached(db(), task.id)).toEqual({
      status: 'on-track',
      status_at: '2021-07-10T02:00:02.000Z',
      version: before.version,
    });
    expect((await queued(db(), example.workspaceId)).size).toBe(0);
    expect(await list('on-track')).toEqual(['（11）']);
    expect(await list('not-started')).toHaveLength(47);

    const events = (await auditEvents(db(), example.workspaceId)).filter((e) => e.action === 'plan.status-change');
    expect(events.at(-1)).toMatchObject({ actor_id: JOB_USER_ID, subject_type: 'plan', subject_id: example.planId });
    expect(JSON.parse(events.at(-1)?.detail ?? '{}')).toEqual({
      asOf: '2021-07-10T02:00:02.000Z',
      changes: [{ taskId: task.id, from: 'not-started', to: 'on-track' }],
    });
    // Nothing left to do: a second run writes nothing and audits nothing.
    const again = await refreshQueuedStatuses(at(db(), '2021-07-10T02:00:04.000Z'), jobActor(example.workspaceId));
    expect(again).toEqual({ taken: 0, written: 0, changes: [], failures: [] });
  });

  it('queues the task on every change that can alter its status', async () => {
    const example = await derivedExample(db());
    const { office, reporter, task, target } = example;
    const ws = example.workspaceId;
    const when = '2021-07-10T02:00:00.000Z';
    const ctx = at(db(), when);
    const expectQueued = async (what: string) => {
      expect([...(await queued(db(), ws)).keys()], what).toEqual([task.id]);
      await refreshQueuedStatuses(ctx, jobActor(ws));
      expect((await queued(db(), ws)).size, what).toBe(0);
    };

    const draft = await draftReport(db(), reporter, task.id, '2021-Q2', when);
    await expectQueued('report draft with readings');
    const submitted = await submitReport(ctx, reporter, draft.id, draft.version, { idempotencyKey: `${draft.id}-s` });
    await expectQueued('report submitted');
    await acceptReport(ctx, office, submitted.id, submitted.version);
    await expectQueued('report accepted');
    await setTargetBaseline(ctx, office, target.id, target.version, { value: 600, period: '2020' });
    await expectQueued('target baseline');
    await setTrajectoryPoint(ctx, office, target.id, { period: '2021-Q4', planned: 700 });
    await expectQueued('planned value');
    const project = await createProject(ctx, office, { taskId: task.id, ownerUnitId: null, name: '产业链延伸项目' });
    expect((await queued(db(), ws)).size, 'a project alone changes no status').toBe(0);
    const milestone = await createMilestone(ctx, office, { projectId: project.id, name: '开工', dueOn: '2021-09-30' });
    await expectQueued('milestone created');
    await markMilestoneDone(ctx, office, milestone.id, milestone.version, '2021-07-09');
    await expectQueued('milestone done');
    await issueNotice(ctx, office, {
      taskId: task.id,
      unitId: reporter.unitId ?? '',
      level: 'remind',
      dueOn: '2021-07-20',
      body: '请报送',
    });
    await expectQueued('notice issued');
    const request = await requestCloseOut(ctx, reporter, task.id, { evidence: '已完成' });
    await expectQueued('close-out requested');
    await approveCloseOut(ctx, office, request.id, request.version);
    await expectQueued('close-out approved');
    expect((await cached(db(), task.id)).status).toBe('closed');
  });

  it('leaves a task changed while it was derived queued, and derives it again', async () => {
    const example = await derivedExample(db());
    const { office, reporter, task } = example;
    const ws = example.workspaceId;
    const when = '2021-07-10T02:00:00.000Z';
    await markTaskStatusStale(db(), ws, task.id, when);
    const entries = await findQueuedTasks(db(), ws, 10);
    const plan = mapPlan((await findPlan(db(), ws, example.planId)) ?? expect.fail('no plan'));
    const tasks = (await findCurrentTasksOfPlan(db(), ws, example.planId)).filter((t) => t.id === task.id);
    const derived = await deriveStatuses(db(), ws, plan, tasks, 'Asia/Shanghai', new Date(when));
    expect(derived.get(task.id)?.status).toBe('not-started');

    // Meanwhile the office issues a notice: the task is queued again (its row's version moves on).
    await issueNotice(at(db(), when), office, {
      taskId: task.id,
      unitId: reporter.unitId ?? '',
      level: 'urge',
      dueOn: '2021-07-20',
      body: '请加快推进',
    });
    expect((await queued(db(), ws)).get(task.id)).toBe((entries[0]?.version ?? 0) + 1);

    // The derivation from before the notice is not stored.
    const statuses = new Map([[task.id, derived.get(task.id)?.status ?? 'not-started']]);
    expect(await storeStatuses(db(), ws, entries, statuses, when)).toEqual([]);
    expect((await queued(db(), ws)).has(task.id)).toBe(true);

    await refreshQueuedStatuses(at(db(), '2021-07-10T02:00:05.000Z'), jobActor(ws));
    expect((await cached(db(), task.id)).status).toBe('at-risk');
    expect((await queued(db(), ws)).size).toBe(0);
  });

  it('stores each status once when two workers race', async () => {
    const example = await derivedExample(db());
    const when = '2021-07-10T02:00:00.000Z';
    const draft = await draftReport(db(), example.reporter, example.task.id, '2021-Q2', when);
    await submitReport(at(db(), when), example.reporter, draft.id, draft.version, { idempotencyKey: `${draft.id}-r` });
    const [first, second] = await Promise.all([
      refreshQueuedStatuses(at(db(), when), jobActor(example.workspaceId)),
      refreshQueuedStatuses(at(db(), when), jobActor(example.workspaceId)),
    ]);
    expect([...first.changes, ...second.changes]).toEqual([
      { taskId: example.task.id, from: 'not-started', to: 'on-track' },
    ]);
    expect([...first.failures, ...second.failures]).toEqual([]);
    const events = (await auditEvents(db(), example.workspaceId)).filter((e) => e.action === 'plan.status-change');
    expect(events).toHaveLength(2); // the import's first derivation, and this one
    expect((await cached(db(), example.task.id)).status).toBe('on-track');
  });

  it('is the jobs’ work: the office may neither derive the queue nor sweep', async () => {
    const plan = await buildReportPlan(db());
    await markTaskStatusStale(db(), plan.workspaceId, plan.taskId, '2021-07-10T02:00:00.000Z');
    const ctx = at(db(), '2021-07-10T02:00:00.000Z');
    expect((await failure(refreshQueuedStatuses(ctx, plan.office))).code).toBe('forbidden');
    expect((await failure(sweepStatuses(ctx, plan.office))).code).toBe('forbidden');
    expect((await queued(db(), plan.workspaceId)).size).toBe(1);
  });

  it('clears a removed task from the queue without deriving it', async () => {
    const plan = await buildReportPlan(db());
    await db().updateTable('tasks').set({ removed_in_version: 2 }).where('id', '=', plan.taskId).execute();
    await markTaskStatusStale(db(), plan.workspaceId, plan.taskId, '2021-07-10T02:00:00.000Z');
    await refreshQueuedStatuses(at(db(), '2021-07-10T02:00:00.000Z'), jobActor(plan.workspaceId));
    expect((await queued(db(), plan.workspaceId)).size).toBe(0);
    expect((await cached(db(), plan.taskId)).status).toBeNull();
  });

  it('sweeps a workspace’s open tasks again after local midnight, or after an hour', async () => {
    const plan = await buildReportPlan(db());
    const closed = await buildReportPlan(db(), { workspaceId: plan.workspaceId });
    await db()
      .updateTable('tasks')
      .set({ closed_at: '2021-07-01T02:00:00.000Z' })
      .where('id', '=', closed.taskId)
      .execute();
    const ws = plan.workspaceId;
    const sweep = async (instant: string) => {
      await sweepStatuses(at(db(), instant), jobActor(ws));
      const tasks = [...(await queued(db(), ws)).keys()];
      await refreshQueuedStatuses(at(db(), instant), jobActor(ws));
      return tasks;
    };
    // 10:00 in Shanghai: never swept, so swept (the closed-out task's status no longer changes: not queued).
    expect(await sweep('2021-07-20T02:00:00.000Z')).toEqual([plan.taskId]);
    expect((await cached(db(), plan.taskId)).status).toBe('at-risk');
    // 10:30: nothing due.
    expect(await sweep('2021-07-20T02:30:00.000Z')).toEqual([]);
    // 23:30: more than an hour since.
    expect(await sweep('2021-07-20T15:30:00.000Z')).toEqual([plan.taskId]);
    // 00:00:30 the next day, half an hour later: a local midnight passed.
    expect(await sweep('2021-07-20T16:00:30.000Z')).toEqual([plan.taskId]);
    expect(await sweep('2021-07-20T16:10:00.000Z')).toEqual([]);
    const run = await db()
      .selectFrom('workspace_jobs')
      .select(['job', 'last_run_at'])
      .where('workspace_id', '=', ws)
      .execute();
    expect(run).toEqual([{ job: 'status-sweep', last_run_at: '2021-07-20T16:00:30.000Z' }]);
  });

  describe('deriving a whole plan', () => {
    it('gives each task the status and reasons it gets alone', async () => {
      const example = await importExamplePlan(db());
      const { office, reporter, secondLead, task } = example;
      for (const lead of [reporter, secondLead]) {
        const draft = await draftReport(db(), lead, task.id, '2021-Q2', '2021-07-10T02:00:00.000Z');
        await submitReport(at(db(), '2021-07-10T02:00:00.000Z'), lead, draft.id, draft.version, {
          idempotencyKey: `${draft.id}-w`,
        });
      }
      const project = await createProject(at(db(), '2021-07-10T02:00:00.000Z'), office, {
        taskId: task.id,
        ownerUnitId: null,
        name: '项目',
      });
      await createMilestone(at(db(), '2021-07-10T02:00:00.000Z'), office, {
        projectId: project.id,
        name: '节点',
        dueOn: '2021-09-30',
      });
      const now = new Date('2021-11-01T02:00:00.000Z');
      const ws = example.workspaceId;
      const plan = mapPlan((await findPlan(db(), ws, example.planId)) ?? expect.fail('no plan'));
      const tasks = await findCurrentTasksOfPlan(db(), ws, example.planId);
      const together = await deriveStatuses(db(), ws, plan, tasks, 'Asia/Shanghai', now);
      expect(together.size).toBe(48);
      expect(together.get(task.id)?.status).toBe('overdue');
      for (const t of tasks) {
        const alone = await taskStatus(at(db(), now.toISOString()), office, t.id, now);
        const result = together.get(t.id);
        expect({ status: result?.status, reasons: result?.reasons.map((r) => r.message) }, t.id).toEqual({
          status: alone.status,
          reasons: alone.reasons.map((r) => r.message),
        });
      }
    });
  });
});
