// The task status API on both databases: GET /api/tasks/:id/status with its reasons, and the office's
// POST /api/plans/:id/refresh-status, after which the task list filters by the cached status.
import { expect, it, onTestFinished } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import type { Actor } from '../../src/services/context.ts';
import { saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import { buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { at, importExamplePlan } from '../report-factories.ts';

interface StatusBody {
  taskId: string;
  status: string;
  label: string;
  reasons: { code: string; status: string; message: string; period?: string; unitName?: string }[];
  otherReasons: unknown[];
  asOf: string;
}

describeEachDatabase('task status through the API', (database) => {
  it('gives a task’s status with reasons, and refreshes the cache the task list filters on', async () => {
    const db = database().db;
    const example = await importExamplePlan(db);
    const { task, reporter, secondLead } = example;
    let now = new Date('2021-06-10T02:00:00.000Z');
    const actors: Record<string, Actor> = { office: example.office, reporter };
    const app: LuoshiApp = await buildTestApp({
      database: database(),
      clock: () => now,
      actor: (request) => actors[String(request.headers['x-test-as'])] ?? null,
    });
    onTestFinished(() => app.close());
    const as = (who: string) => ({ 'x-test-as': who });

    const fresh = await app.inject({ method: 'GET', url: `/api/tasks/${task.id}/status`, headers: as('reporter') });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json()).toMatchObject({
      taskId: task.id,
      status: 'not-started',
      label: '未启动',
      reasons: [{ code: 'no-progress', status: 'not-started' }],
      otherReasons: [],
      asOf: '2021-06-10T02:00:00.000Z',
    });

    // Both lead units file 2021-Q2 and 2021-Q3 on time; 2021-Q4 is missing after 15 January 2022.
    for (const [period, when] of [
      ['2021-Q2', '2021-07-10T02:00:00.000Z'],
      ['2021-Q3', '2021-10-08T02:00:00.000Z'],
    ] as const) {
      for (const lead of [reporter, secondLead]) {
        const draft = await saveReportDraft(at(db, when), lead, {
          taskId: task.id,
          period,
          narrative: '按计划推进',
          percentDone: 10,
          confidence: 'green',
          problems: '',
          nextSteps: '继续推进',
          readings: [],
        });
        await submitReport(at(db, when), lead, draft.id, draft.version, { idempotencyKey: `${draft.id}-k` });
      }
    }
    now = new Date('2022-01-20T02:00:00.000Z');
    const atRisk = await app.inject({ method: 'GET', url: `/api/tasks/${task.id}/status`, headers: as('office') });
    expect(atRisk.statusCode).toBe(200);
    const body = atRisk.json() as StatusBody;
    expect(body.status).toBe('at-risk');
    expect(body.reasons).toContainEqual(
      expect.objectContaining({
        code: 'reports-missing',
        count: 2,
        label: '2 期未报：' + task.units.lead.map((u) => `${u.name} 1 期`).join('、') + '（2 reports missing）',
        missing: expect.arrayContaining([
          {
            unitId: task.units.lead[0]?.id,
            unitName: task.units.lead[0]?.name,
            period: '2021-Q4',
            dueAt: '2022-01-15T16:00:00.000Z',
          },
        ]),
      }),
    );

    // Before a refresh the cache is empty: the filter finds nothing.
    const listUrl = `/api/plans/${example.planId}/tasks?status=at-risk&limit=100`;
    const before = await app.inject({ method: 'GET', url: listUrl, headers: as('office') });
    expect(before.statusCode).toBe(200);
    expect((before.json() as { items: { id: string }[] }).items.map((t) => t.id)).not.toContain(task.id);

    const refusedRefresh = await app.inject({
      method: 'POST',
      url: `/api/plans/${example.planId}/refresh-status`,
      headers: as('reporter'),
    });
    expect(refusedRefresh.statusCode).toBe(403);
    const refreshed = await app.inject({
      method: 'POST',
      url: `/api/plans/${example.planId}/refresh-status`,
      headers: as('office'),
    });
    expect(refreshed.statusCode).toBe(200);
    const counts = refreshed.json() as { planId: string; total: number; counts: Record<string, number> };
    expect(counts).toMatchObject({ planId: example.planId, total: 48, asOf: '2022-01-20T02:00:00.000Z' });
    expect(Object.values(counts.counts).reduce((sum, n) => sum + n, 0)).toBe(48);

    const after = await app.inject({ method: 'GET', url: listUrl, headers: as('office') });
    const items = (after.json() as { items: { id: string; status: string }[] }).items;
    expect(items.find((t) => t.id === task.id)).toMatchObject({ status: 'at-risk' });
    expect(items.every((t) => t.status === 'at-risk')).toBe(true);

    const missing = await app.inject({ method: 'GET', url: '/api/tasks/tsk_missing/status', headers: as('office') });
    expect(missing.statusCode).toBe(404);
    const anonymous = await app.inject({ method: 'GET', url: `/api/tasks/${task.id}/status` });
    expect(anonymous.statusCode).toBe(401);
  });
});
