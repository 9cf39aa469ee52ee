// Every answer that names a person or unit carries the name too (issue 10), on both databases: close-outs, comments,
// attachments, a target's readings and progress, and the audit trail — each name joined in the answer's query.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { expect, it, onTestFinished } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import { uploadAttachment } from '../../src/services/attachment.service.ts';
import { requestCloseOut } from '../../src/services/close-out.service.ts';
import { addComment } from '../../src/services/comment.service.ts';
import { adminCommandActor } from '../../src/services/admin-command-actor.ts';
import { recordAudit } from '../../src/services/audit.ts';
import type { Actor } from '../../src/services/context.ts';
import { jobActor } from '../../src/services/job-actor.ts';
import { inTransaction } from '../../src/services/transaction.ts';
import { createFileStorage } from '../../src/services/file-storage.ts';
import { saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import { pdfBytes } from '../attachment-files.ts';
import { buildActor } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { buildUser } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { at, importExamplePlan, unitActor } from '../report-factories.ts';

describeEachDatabase('display names in answers', (database) => {
  async function setUp(suffix: string) {
    const db = database().db;
    const example = await importExamplePlan(db);
    const { workspaceId: ws, task } = example;
    const primary = task.units.lead[0];
    if (primary === undefined) throw new Error('task （11） has no lead unit');
    const officeUser = await buildUser(db, { workspaceId: ws, roles: ['office'], username: `office-li-${suffix}` });
    const reporterUser = await buildUser(db, {
      workspaceId: ws,
      roles: ['unit-reporter'],
      unitId: primary.id,
      username: `reporter-wang-${suffix}`,
    });
    const office = buildActor(ws, { userId: officeUser.id });
    const reporter = unitActor(ws, primary.id, ['unit-reporter'], reporterUser.id);
    const now = new Date('2021-11-01T02:00:00.000Z');
    const auditor = buildActor(ws, { userId: `usr_auditor-${suffix}`, roles: ['audit-admin'] });
    const visitor = buildActor(ws, { userId: `usr_public-${suffix}`, roles: ['public'] });
    const actors: Record<string, Actor> = { office, reporter, auditor, visitor };
    const app: LuoshiApp = await buildTestApp({
      database: database(),
      clock: () => now,
      actor: (request) => actors[String(request.headers['x-test-as'])] ?? null,
    });
    onTestFinished(() => app.close());
    const get = (url: string, who = 'office') => app.inject({ method: 'GET', url, headers: { 'x-test-as': who } });
    return { app, db, example, task, primary, office, reporter, officeUser, reporterUser, get };
  }

  it('close-outs, comments and attachments name who requested, decided, wrote and uploaded them', async () => {
    const { app, db, task, office, reporter, officeUser, reporterUser, get } = await setUp('c');
    const suffix = 'c';
    await addComment(at(db, '2021-10-19T02:00:00.000Z'), office, { type: 'task', id: task.id }, '请牵头单位关注进度');
    const current = await requestCloseOut(at(db, '2021-10-19T03:00:00.000Z'), reporter, task.id, {
      evidence: '已完成首批项目',
    });
    const storage = createFileStorage({ mode: 'db', dataDir: join(tmpdir(), 'luoshi-unused'), maxBytes: 1 << 20 });
    await uploadAttachment(
      at(db, '2021-10-19T04:00:00.000Z'),
      reporter,
      { subjectType: 'close-out', subjectId: current.id, fileName: '验收报告.pdf', bytes: pdfBytes('验收') },
      storage,
    );

    const closeOutAnswer = await get(`/api/tasks/${task.id}/close-out`);
    expect(closeOutAnswer.statusCode).toBe(200);
    expect(closeOutAnswer.json().current).toMatchObject({
      requestedBy: reporterUser.id,
      requestedByName: `测试用户 reporter-wang-${suffix}`,
      decidedBy: null,
      decidedByName: null,
    });

    // The office rejects through the API, whose answer names both people.
    const rejected = await app.inject({
      method: 'POST',
      url: `/api/close-outs/${current.id}/reject`,
      headers: { 'x-test-as': 'office' },
      payload: { version: current.version, reason: '佐证不足' },
    });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({
      state: 'rejected',
      requestedByName: `测试用户 reporter-wang-${suffix}`,
      decidedBy: officeUser.id,
      decidedByName: `测试用户 office-li-${suffix}`,
    });
    const comments = await get(`/api/comments?type=task&id=${task.id}`, 'reporter');
    expect(comments.statusCode).toBe(200);
    expect(comments.json().items).toEqual([
      expect.objectContaining({ authorId: officeUser.id, authorName: `测试用户 office-li-${suffix}` }),
    ]);

    const attachments = await get(`/api/attachments?subjectType=close-out&subjectId=${current.id}`);
    expect(attachments.statusCode).toBe(200);
    expect(attachments.json().items).toEqual([
      expect.objectContaining({ createdBy: reporterUser.id, createdByName: `测试用户 reporter-wang-${suffix}` }),
    ]);
  });

  it('a target’s readings and progress name the reporting unit and who recorded each reading', async () => {
    const { db, example, task, primary, reporter, reporterUser, get } = await setUp('r');
    const suffix = 'r';
    const ctx = at(db, '2021-10-10T02:00:00.000Z');
    const draft = await saveReportDraft(ctx, reporter, {
      taskId: task.id,
      period: '2021-Q3',
      narrative: '推进情况',
      readings: [{ targetId: example.target.id, value: 620 }],
    });
    await submitReport(ctx, reporter, draft.id, draft.version, { idempotencyKey: `${draft.id}-submit` });

    const named = expect.objectContaining({
      value: 620,
      unitId: primary.id,
      unitName: primary.name,
      createdBy: reporterUser.id,
      createdByName: `测试用户 reporter-wang-${suffix}`,
    });
    const readings = await get(`/api/targets/${example.target.id}/readings`);
    expect(readings.statusCode).toBe(200);
    expect(readings.json().items).toEqual([named]);
    const progress = await get(`/api/targets/${example.target.id}/progress`);
    expect(progress.statusCode).toBe(200);
    expect(progress.json().readings).toEqual([named]);
  });

  it('the audit trail names each actor: a user by name, the scheduled jobs and the server command by a label', async () => {
    const { db, task, office, officeUser, get } = await setUp('a');
    const suffix = 'a';
    await addComment(at(db, '2021-10-19T02:00:00.000Z'), office, { type: 'task', id: task.id }, '请关注进度');
    const ws = office.workspaceId;
    await inTransaction(db, async (trx) => {
      await recordAudit(trx, jobActor(ws), new Date('2021-10-20T02:00:00.000Z'), {
        action: 'task.status',
        subjectType: 'task',
        subjectId: task.id,
      });
      await recordAudit(trx, adminCommandActor(ws), new Date('2021-10-21T02:00:00.000Z'), {
        action: 'user.unlock',
        subjectType: 'user',
        subjectId: officeUser.id,
      });
    });

    const trail = await get(`/api/audit-events?subjectId=${task.id}`, 'auditor');
    expect(trail.statusCode).toBe(200);
    const names = (trail.json().items as { action: string; actorId: string; actorName: string | null }[]).map(
      (event) => [event.action, event.actorId, event.actorName],
    );
    expect(names).toContainEqual(['task.status', 'system:jobs', '定时任务（scheduled jobs）']);
    const all = await get('/api/audit-events?limit=100', 'auditor');
    const items = all.json().items as { action: string; actorId: string; actorName: string | null }[];
    expect(items.find((event) => event.action === 'comment.add')).toMatchObject({
      actorId: officeUser.id,
      actorName: `测试用户 office-li-${suffix}`,
    });
    expect(items.find((event) => event.action === 'user.unlock')).toMatchObject({
      actorId: 'system:cli',
      actorName: '服务器命令（server command）',
    });
  });

  it('a plan and its draft name who made them, the plan alone and in the list', async () => {
    const { db, example, officeUser, get } = await setUp('p');
    // The example plan was confirmed by a factory actor without an account; make it the named office user's.
    await db.updateTable('plans').set({ created_by: officeUser.id }).where('id', '=', example.planId).execute();

    const plan = await get(`/api/plans/${example.planId}`);
    expect(plan.statusCode).toBe(200);
    expect(plan.json()).toMatchObject({ createdBy: officeUser.id, createdByName: '测试用户 office-li-p' });
    const list = await get('/api/plans');
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toContainEqual(
      expect.objectContaining({ id: example.planId, createdByName: '测试用户 office-li-p' }),
    );

    // The public reads a published plan without the name (or id) of the staff member who made it.
    await db.updateTable('plans').set({ published: 1 }).where('id', '=', example.planId).execute();
    for (const answer of [
      (await get(`/api/plans/${example.planId}`, 'visitor')).json(),
      (await get('/api/plans', 'visitor')).json().items[0],
    ]) {
      expect(answer).toMatchObject({ id: example.planId, createdBy: null, createdByName: null });
    }

    // So does the draft it was confirmed from.
    await db
      .updateTable('plan_drafts')
      .set({ created_by: officeUser.id })
      .where('plan_id', '=', example.planId)
      .execute();
    const draftRow = await db
      .selectFrom('plan_drafts')
      .select('id')
      .where('plan_id', '=', example.planId)
      .executeTakeFirstOrThrow();
    const draft = await get(`/api/plan-drafts/${draftRow.id}`);
    expect(draft.statusCode).toBe(200);
    expect(draft.json()).toMatchObject({ createdBy: officeUser.id, createdByName: '测试用户 office-li-p' });
  });
});
