// The delivery routes' errors on both databases: submit without or with a repeated Idempotency-Key, another unit's
// reporter, another workspace, a stale version; and the OpenAPI document lists the new paths.
import { expect, it, onTestFinished } from 'vitest';
import { describe } from 'vitest';
import type { Actor } from '../../src/services/context.ts';
import { buildWorkspace } from '../factories.ts';
import { buildActor, buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildReportPlan } from '../report-factories.ts';

type Who = 'office' | 'reporter' | 'otherReporter' | 'stranger';

/** A small plan (one task, two lead units) in a workspace of its own, an office of another one, and the app. */
async function setUp(database: TestDatabase) {
  const plan = await buildReportPlan(database.db, { leads: 2 });
  const other = await buildWorkspace(database.db, { name: '奉贤区' });
  const [reporter, otherReporter] = plan.leadReporters;
  if (reporter === undefined || otherReporter === undefined) throw new Error('two lead reporters expected');
  const actors: Record<Who, Actor> = {
    office: plan.office,
    reporter,
    otherReporter,
    stranger: buildActor({ userId: 'usr_stranger', workspaceId: other.id }),
  };
  const app = await buildTestApp({
    database,
    clock: () => new Date('2021-10-10T02:00:00.000Z'),
    actor: (request) => actors[request.headers['x-test-as'] as Who] ?? null,
  });
  onTestFinished(() => app.close());
  const as = (who: Who) => ({ 'x-test-as': who });
  const draft = await app.inject({
    method: 'PUT',
    url: `/api/tasks/${plan.taskId}/reports/2021-Q3`,
    headers: as('reporter'),
    payload: { narrative: '推进中', percentDone: 30 },
  });
  expect(draft.statusCode).toBe(200);
  return { app, as, plan, report: draft.json() as { id: string; version: number } };
}

describeEachDatabase('delivery API errors', (database) => {
  it('refuses a submit without an Idempotency-Key, and answers a retry with the same report', async () => {
    const { app, as, plan, report } = await setUp(database());
    const url = `/api/reports/${report.id}/submit`;

    const missing = await app.inject({ method: 'POST', url, headers: as('reporter'), payload: { version: 1 } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'validation-failed' } });
    expect(missing.json().error.message).toContain('请求头 idempotency-key 为必填项');
    const tooShort = await app.inject({
      method: 'POST',
      url,
      headers: { ...as('reporter'), 'idempotency-key': 'abc' },
      payload: { version: 1 },
    });
    expect(tooShort.statusCode).toBe(400);
    const unchanged = await app.inject({ method: 'GET', url: `/api/reports/${report.id}`, headers: as('reporter') });
    expect(unchanged.json()).toMatchObject({ state: 'draft', submittedAt: null });

    const headers = { ...as('reporter'), 'idempotency-key': 'q3-submit-0001' };
    const first = await app.inject({ method: 'POST', url, headers, payload: { version: report.version } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ state: 'submitted', version: report.version + 1 });
    const retried = await app.inject({ method: 'POST', url, headers, payload: { version: report.version } });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual(first.json());

    const listed = await app.inject({ method: 'GET', url: `/api/reports?task=${plan.taskId}`, headers: as('office') });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({ items: [{ id: report.id, state: 'submitted' }], nextCursor: null });
    // The list names the task and the unit (display names, issue 10), from the rows themselves.
    const task = await database()
      .db.selectFrom('tasks')
      .select(['number', 'title'])
      .where('id', '=', plan.taskId)
      .executeTakeFirstOrThrow();
    const unit = await database()
      .db.selectFrom('units')
      .select('name')
      .where('id', '=', plan.leads[0] ?? '')
      .executeTakeFirstOrThrow();
    expect(listed.json().items[0]).toMatchObject({
      taskNumber: task.number,
      taskTitle: task.title,
      unitName: unit.name,
      createdByName: null,
      decidedByName: null,
    });
  });

  it('answers 403 to another unit’s reporter, 404 to another workspace and 409 to a stale version', async () => {
    const { app, as, plan, report } = await setUp(database());

    const foreign = await app.inject({
      method: 'POST',
      url: `/api/reports/${report.id}/submit`,
      headers: { ...as('otherReporter'), 'idempotency-key': 'q3-submit-0002' },
      payload: { version: report.version },
    });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ error: { code: 'forbidden' } });

    const elsewhere = await app.inject({ method: 'GET', url: `/api/reports/${report.id}`, headers: as('stranger') });
    expect(elsewhere.statusCode).toBe(404);
    expect(elsewhere.json()).toMatchObject({ error: { code: 'not-found' } });

    const saved = await app.inject({
      method: 'PUT',
      url: `/api/tasks/${plan.taskId}/reports/2021-Q3`,
      headers: as('reporter'),
      payload: { version: report.version, narrative: '第二稿' },
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ version: report.version + 1, narrative: '第二稿' });
    const stale = await app.inject({
      method: 'POST',
      url: `/api/reports/${report.id}/submit`,
      headers: { ...as('reporter'), 'idempotency-key': 'q3-submit-0003' },
      payload: { version: report.version },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ error: { code: 'stale' } });
    const unchanged = await app.inject({ method: 'GET', url: `/api/reports/${report.id}`, headers: as('reporter') });
    expect(unchanged.json()).toMatchObject({ state: 'draft', narrative: '第二稿' });
  });
});

describe('OpenAPI', () => {
  it('lists the report, target, project, notice, close-out and comment routes', async () => {
    const app = await buildTestApp();
    onTestFinished(() => app.close());
    const document = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/plans/{id}/periods',
        '/api/tasks/{taskId}/reports/{period}',
        '/api/tasks/{taskId}/reports/{period}/summary',
        '/api/reports',
        '/api/reports/{id}',
        '/api/reports/{id}/submit',
        '/api/reports/{id}/accept',
        '/api/reports/{id}/return',
        '/api/reports/{id}/contribution',
        '/api/tasks/{taskId}/projects',
        '/api/projects',
        '/api/projects/{id}',
        '/api/projects/{id}/milestones',
        '/api/milestones/{id}',
        '/api/milestones/{id}/done',
        '/api/notices',
        '/api/notices/{id}',
        '/api/notices/{id}/escalate',
        '/api/tasks/{taskId}/close-out',
        '/api/close-outs/{id}/approve',
        '/api/close-outs/{id}/reject',
        '/api/tasks/{taskId}/reopen',
        '/api/comments',
        '/api/targets/{id}/progress',
        '/api/targets/{id}/readings',
        '/api/targets/{id}/baseline',
        '/api/targets/{id}/trajectory/{period}',
      ]),
    );
    expect(Object.keys(document.paths['/api/comments'])).toEqual(expect.arrayContaining(['get', 'post']));
    const submit = document.paths['/api/reports/{id}/submit'].post.parameters as { name: string; in: string }[];
    expect(submit).toContainEqual(expect.objectContaining({ in: 'header', name: 'idempotency-key', required: true }));
    expect(document.components.schemas).toHaveProperty('Report');
    expect(document.components.schemas).toHaveProperty('Notice');
    expect(document.components.schemas).toHaveProperty('TaskCloseOut');
  });
});
