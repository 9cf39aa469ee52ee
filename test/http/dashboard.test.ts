// GET /api/plans/:id/dashboard on both databases, through app.inject: the example plan's war board before and after
// the office refreshes the task statuses and a unit reports, who may read it, and its place in the OpenAPI document.
import { expect, it, onTestFinished } from 'vitest';
import type { Actor } from '../../src/services/context.ts';
import type { PlanDashboard } from '../../src/services/dashboard.service.ts';
import { saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import { importExamplePlan, unitActor } from '../delivery-factories.ts';
import { buildWorkspace, fixedClock, testContext } from '../factories.ts';
import { buildActor, buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';

type Who = 'office' | 'public' | 'stranger' | 'nobody';

/** 2021-10-20 10:00 in Shanghai: 2021-Q3 has ended and its reports were due by 2021-10-15. */
const NOW = '2021-10-20T02:00:00.000Z';

async function setUp(database: TestDatabase) {
  const plan = await importExamplePlan(testContext(database.db, fixedClock('2021-06-10T02:00:00.000Z')));
  const other = await buildWorkspace(database.db, { name: '奉贤区' });
  const actors: Record<Who, Actor | null> = {
    office: plan.office,
    public: buildActor({ userId: 'usr_public', workspaceId: plan.workspaceId, roles: ['public'] }),
    stranger: buildActor({ userId: 'usr_stranger', workspaceId: other.id }),
    nobody: null,
  };
  const app = await buildTestApp({
    database,
    clock: fixedClock(NOW),
    actor: (request) => actors[request.headers['x-test-as'] as Who] ?? null,
  });
  onTestFinished(() => app.close());
  const get = (who: Who, url: string) => app.inject({ method: 'GET', url, headers: { 'x-test-as': who } });
  return { app, plan, get };
}

describeEachDatabase('plan dashboard API', (database) => {
  it('shows the example plan’s war board, and follows a status refresh and a report', async () => {
    const { app, plan, get } = await setUp(database());
    const url = `/api/plans/${plan.planId}/dashboard`;
    const leadSlots = plan.tasks.reduce((sum, task) => sum + task.units.lead.length, 0);

    const first = await get('office', url);
    expect(first.statusCode).toBe(200);
    const board = first.json() as PlanDashboard;
    expect(board).toMatchObject({
      planId: plan.planId,
      asOf: NOW,
      today: '2021-10-20',
      periods: { current: { period: '2021-Q3', isPastDue: true }, previous: { period: '2021-Q2' } },
      tasks: { total: 48, noStatus: 48, statusComputedAt: { oldest: null, newest: null } },
      reports: {
        current: {
          slots: { expected: leadSlots, submitted: 0, missing: leadSlots },
          byState: { draft: 0, submitted: 0, accepted: 0 },
        },
      },
      notices: { awaitingResponse: 0, overdue: 0 },
      closeOuts: { requested: 0, approved: 0 },
      milestones: { total: 0, dueSoonUntil: '2021-11-19' },
    });
    // 4 strands (一 … 四) hold the 48 tasks between them.
    expect(board.strands).toHaveLength(4);
    expect(board.strands.reduce((sum, strand) => sum + strand.total, 0)).toBe(48);
    expect(board.strands.map((strand) => strand.number)).toEqual(['（一）', '（二）', '（三）', '（四）']);
    const ledByUnit = new Map<string, number>();
    for (const task of plan.tasks) for (const u of task.units.lead) ledByUnit.set(u.id, (ledByUnit.get(u.id) ?? 0) + 1);
    expect(Object.fromEntries(board.units.map((unit) => [unit.unitId, unit.tasksLed]))).toEqual(
      Object.fromEntries(ledByUnit),
    );
    expect(board.targets.total).toBeGreaterThan(0);
    expect(board.targets.withReading).toBe(0);

    // The office computes the statuses; 区经委 files its 2021-Q3 report on task （11） late (after 2021-10-15).
    const refresh = await app.inject({
      method: 'POST',
      url: `/api/plans/${plan.planId}/refresh-status`,
      headers: { 'x-test-as': 'office' },
    });
    expect(refresh.statusCode).toBe(200);
    const task11 = plan.task('（11）');
    const reporter = unitActor(plan.workspaceId, plan.unitId('区经委'));
    const ctx = testContext(database().db, fixedClock('2021-10-18T02:00:00.000Z'));
    const draft = await saveReportDraft(ctx, reporter, { taskId: task11.id, period: '2021-Q3', narrative: '推进中' });
    await submitReport(ctx, reporter, draft.id, draft.version, { idempotencyKey: `${draft.id}-submit` });

    const after = (await get('office', url)).json() as PlanDashboard;
    expect(after.tasks).toMatchObject({
      total: 48,
      noStatus: 0,
      statusComputedAt: { oldest: NOW, newest: NOW },
    });
    expect(Object.values(after.tasks.byStatus).reduce((a, b) => a + b, 0)).toBe(48);
    expect(after.reports.current).toMatchObject({
      slots: { expected: leadSlots, submitted: 1, late: 1, awaitingReview: 1, missing: leadSlots - 1 },
      byState: { submitted: 1 },
      late: 1,
    });
    const bureau = after.units.find((unit) => unit.name === '区经委');
    expect(bureau?.reports).toMatchObject({
      submitted: 1,
      late: 1,
      missing: (ledByUnit.get(bureau?.unitId ?? '') ?? 0) - 1,
    });
  });

  it('answers 404 to those who may not see the plan, and 401 without an actor', async () => {
    const { get, plan } = await setUp(database());
    const url = `/api/plans/${plan.planId}/dashboard`;
    for (const who of ['public', 'stranger'] as const) {
      const response = await get(who, url);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'not-found' } });
    }
    expect((await get('nobody', url)).statusCode).toBe(401);
    expect((await get('office', '/api/plans/pln_missing/dashboard')).statusCode).toBe(404);
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const { get } = await setUp(database());
    const document = (await get('nobody', '/api/docs/json')).json() as {
      paths: Record<string, Record<string, { tags: string[]; summary: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.paths['/api/plans/{id}/dashboard']?.get).toMatchObject({
      tags: ['plans'],
      summary: expect.stringContaining('挂图作战'),
    });
    expect(document.paths['/api/tasks']?.get?.tags).toEqual(['tasks']);
    expect(document.paths['/api/plans']?.get?.tags).toEqual(['plans']);
    expect(document.components.schemas).toHaveProperty('PlanDashboard');
  });
});
