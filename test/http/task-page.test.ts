// GET /api/tasks/:id on both databases: everything task （11）'s page shows in one answer — the task with its path
// and the plan's own paragraph, status, targets, projects with milestones in force, reports, notices, close-out,
// comments and the activity from the records, each person and unit named — and what another unit sees of it.
import { expect, it, onTestFinished } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import { requestCloseOut } from '../../src/services/close-out.service.ts';
import { addComment } from '../../src/services/comment.service.ts';
import type { Actor } from '../../src/services/context.ts';
import { escalateNotice, issueNotice } from '../../src/services/notice.service.ts';
import { createMilestone, createProject, removeMilestone } from '../../src/services/project.service.ts';
import { returnReport, saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import type { TaskPage } from '../../src/services/task-page.service.ts';
import { buildActor, buildUnit } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { buildUser } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { at, importExamplePlan, unitActor } from '../report-factories.ts';

describeEachDatabase('the task page', (database) => {
  it('answers everything the page shows in one request, each person and unit by name', async () => {
    const db = database().db;
    const example = await importExamplePlan(db);
    const { workspaceId: ws, task } = example;
    const primary = task.units.lead[0];
    if (primary === undefined) throw new Error('task （11） has no lead unit');
    const officeUser = await buildUser(db, { workspaceId: ws, roles: ['office'], username: 'office-li' });
    const reporterUser = await buildUser(db, {
      workspaceId: ws,
      roles: ['unit-reporter'],
      unitId: primary.id,
      username: 'reporter-wang',
    });
    const stranger = await buildUnit(db, { workspaceId: ws, name: '区档案局' });
    const office = buildActor(ws, { userId: officeUser.id });
    const reporter = unitActor(ws, primary.id, ['unit-reporter'], reporterUser.id);
    const outsider = unitActor(ws, stranger.id);

    // A report filed and returned; a project with one milestone kept and one removed; a 催办 escalated to 督办; a
    // comment; a close-out request.
    const draft = await saveReportDraft(at(db, '2021-10-08T02:00:00.000Z'), reporter, {
      taskId: task.id,
      period: '2021-Q3',
      narrative: '按计划推进',
      percentDone: 20,
      confidence: 'green',
      problems: '',
      nextSteps: '继续推进',
      readings: [],
    });
    const submitted = await submitReport(at(db, '2021-10-08T02:00:00.000Z'), reporter, draft.id, draft.version, {
      idempotencyKey: `${draft.id}-k`,
    });
    await returnReport(at(db, '2021-10-10T02:00:00.000Z'), office, submitted.id, submitted.version, {
      reason: '请补充产值数据',
    });
    const project = await createProject(at(db, '2021-10-11T02:00:00.000Z'), office, {
      taskId: task.id,
      ownerUnitId: primary.id,
      name: '精细化工产业链延伸项目',
    });
    await createMilestone(at(db, '2021-10-11T02:00:00.000Z'), office, {
      projectId: project.id,
      name: '首批项目开工',
      dueOn: '2022-06-30',
    });
    const dropped = await createMilestone(at(db, '2021-10-11T02:00:00.000Z'), office, {
      projectId: project.id,
      name: '误建节点',
      dueOn: '2022-03-31',
    });
    await removeMilestone(at(db, '2021-10-11T03:00:00.000Z'), office, dropped.id, dropped.version, '重复录入');
    const urge = await issueNotice(at(db, '2021-10-12T02:00:00.000Z'), office, {
      taskId: task.id,
      unitId: primary.id,
      level: 'urge',
      dueOn: '2021-10-15',
      body: '请尽快补报',
    });
    await escalateNotice(at(db, '2021-10-18T02:00:00.000Z'), office, urge.id, urge.version, { dueOn: '2021-10-25' });
    await addComment(at(db, '2021-10-19T02:00:00.000Z'), office, { type: 'task', id: task.id }, '请牵头单位关注进度');
    await requestCloseOut(at(db, '2021-10-19T03:00:00.000Z'), reporter, task.id, { evidence: '已完成首批项目' });

    const now = new Date('2021-10-20T02:00:00.000Z');
    const actors: Record<string, Actor> = { office, reporter, outsider };
    const app: LuoshiApp = await buildTestApp({
      database: database(),
      clock: () => now,
      actor: (request) => actors[String(request.headers['x-test-as'])] ?? null,
    });
    onTestFinished(() => app.close());
    const page = (who: string, id = task.id) =>
      app.inject({ method: 'GET', url: `/api/tasks/${id}`, headers: { 'x-test-as': who } });

    const response = await page('office');
    expect(response.statusCode).toBe(200);
    const body = response.json() as TaskPage;
    expect(body.task).toMatchObject({
      id: task.id,
      number: '（11）',
      title: task.title,
      planId: example.planId,
      units: task.units,
    });
    expect(body.task.strand).toMatch(/^（二）/u);
    expect(body.task.area).toMatch(/^\d+\./u);
    expect(body.task.path.at(-1)).toBe(body.task.area);
    expect(body.task.sourceText).toMatch(/^（11）.*（牵头协调单位：区经委、区投资促进办）$/su);
    expect(body.reporting).toEqual({ startsOn: '2021-06-10', isDefault: true, firstExpectedPeriod: '2021-Q2' });
    expect(body.status).toMatchObject({ taskId: task.id, status: 'off-track' });
    expect(body.targets).toEqual([
      expect.objectContaining({ target: expect.objectContaining({ id: example.target.id }) }),
    ]);
    expect(body.projects).toEqual([
      expect.objectContaining({
        id: project.id,
        ownerUnit: { id: primary.id, name: primary.name },
        milestones: [expect.objectContaining({ name: '首批项目开工', dueOn: '2022-06-30', doneOn: null })],
      }),
    ]);
    expect(body.reports).toEqual([
      expect.objectContaining({
        id: submitted.id,
        unitName: primary.name,
        period: '2021-Q3',
        periodLabel: '2021年第三季度',
        state: 'returned',
        createdBy: reporterUser.id,
        createdByName: '测试用户 reporter-wang',
        decidedBy: officeUser.id,
        decidedByName: '测试用户 office-li',
        returnReason: '请补充产值数据',
      }),
    ]);
    expect(body.notices.map((n) => [n.level, n.state, n.unitName, n.issuedByName])).toEqual([
      ['supervise', 'open', primary.name, '测试用户 office-li'],
      ['urge', 'escalated', primary.name, '测试用户 office-li'],
    ]);
    expect(body.closeOut.current).toMatchObject({
      state: 'requested',
      evidence: '已完成首批项目',
      requestedByName: '测试用户 reporter-wang',
    });
    expect(body.comments).toEqual([
      expect.objectContaining({ body: '请牵头单位关注进度', authorName: '测试用户 office-li' }),
    ]);
    expect(body.attachments).toEqual([]);
    expect(body.activity.map((a) => [a.action, a.actorName, a.at])).toEqual([
      ['close-out.requested', '测试用户 reporter-wang', '2021-10-19T03:00:00.000Z'],
      ['comment.added', '测试用户 office-li', '2021-10-19T02:00:00.000Z'],
      ['notice.escalated', '测试用户 office-li', '2021-10-18T02:00:00.000Z'],
      ['notice.issued', '测试用户 office-li', '2021-10-12T02:00:00.000Z'],
      ['report.returned', '测试用户 office-li', '2021-10-10T02:00:00.000Z'],
      ['report.submitted', '测试用户 reporter-wang', '2021-10-08T02:00:00.000Z'],
    ]);
    expect(body.activity.find((a) => a.action === 'report.returned')?.summary).toBe(
      `${primary.name}2021年第三季度进展报告：请补充产值数据`,
    );

    // The notice and report lists name their people too.
    const notices = await app.inject({
      method: 'GET',
      url: `/api/notices?task=${task.id}`,
      headers: { 'x-test-as': 'office' },
    });
    expect(notices.json().items).toContainEqual(
      expect.objectContaining({ level: 'supervise', issuedBy: officeUser.id, issuedByName: '测试用户 office-li' }),
    );
    // The page speaks the notices API's words for levels and states (remind/flagged, responded), not the stored codes.
    const listed = new Map<string, { level: string; state: string }>(
      notices.json().items.map((n: { id: string; level: string; state: string }) => [n.id, n]),
    );
    for (const n of body.notices) {
      expect([n.level, n.state]).toEqual([listed.get(n.id)?.level, listed.get(n.id)?.state]);
    }
    const reports = await app.inject({
      method: 'GET',
      url: `/api/reports?task=${task.id}`,
      headers: { 'x-test-as': 'office' },
    });
    expect(reports.json().items).toEqual([
      expect.objectContaining({
        taskNumber: '（11）',
        taskTitle: task.title,
        unitName: primary.name,
        createdByName: '测试用户 reporter-wang',
        decidedByName: '测试用户 office-li',
      }),
    ]);

    // A unit that is not on the task reads the task, but neither the lead unit's report nor its notices.
    const foreign = (await page('outsider')).json() as TaskPage;
    expect(foreign.task.id).toBe(task.id);
    expect(foreign.reports).toEqual([]);
    expect(foreign.notices).toEqual([]);
    expect(foreign.activity.map((a) => a.action)).toEqual(['close-out.requested', 'comment.added']);
    expect((await page('reporter')).json()).toMatchObject({ reports: [{ id: submitted.id }] });

    expect((await page('office', 'tsk_nope')).statusCode).toBe(404);
    expect((await page('nobody')).statusCode).toBe(401);
  });
});
