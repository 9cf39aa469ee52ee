// The reporting start (报送起始日) through the API on both databases: the example plan (2021–2025) loaded years
// later expects no past report by default; the office sets the start back to the plan's issue and every gap since
// is one reason with its count ("19 期未报" per lead unit); null goes back to the default.
import { expect, it, onTestFinished } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import type { Actor } from '../../src/services/context.ts';
import { buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { importExamplePlan } from '../report-factories.ts';

interface Reason {
  code: string;
  count?: number;
  label?: string;
  units?: { unitName: string; count: number; firstPeriod: string; lastPeriod: string }[];
}
interface StatusBody {
  reasons: Reason[];
  otherReasons: Reason[];
}

describeEachDatabase('the reporting start through the API', (database) => {
  it('expects no report before it, and counts the gaps after it as one reason', async () => {
    const db = database().db;
    const example = await importExamplePlan(db, { confirmedAt: '2026-12-07T02:00:00.000Z' });
    const { task, reporter } = example;
    const now = new Date('2026-12-08T02:00:00.000Z');
    const actors: Record<string, Actor> = { office: example.office, reporter };
    const app: LuoshiApp = await buildTestApp({
      database: database(),
      clock: () => now,
      actor: (request) => actors[String(request.headers['x-test-as'])] ?? null,
    });
    onTestFinished(() => app.close());
    const as = (who: string) => ({ 'x-test-as': who });
    const reasons = async (): Promise<Reason[]> => {
      const response = await app.inject({ method: 'GET', url: `/api/tasks/${task.id}/status`, headers: as('office') });
      expect(response.statusCode).toBe(200);
      const body = response.json() as StatusBody;
      return [...body.reasons, ...body.otherReasons];
    };
    const plan = async () =>
      (await app.inject({ method: 'GET', url: `/api/plans/${example.planId}`, headers: as('office') })).json() as {
        version: number;
        reportingStartsOn: string | null;
      };
    const setStart = (version: number, reportingStartsOn: string | null, who = 'office') =>
      app.inject({
        method: 'PATCH',
        url: `/api/plans/${example.planId}/settings`,
        headers: as(who),
        payload: { version, reportingStartsOn },
      });

    // By default reporting starts at the confirmation (December 2026), after the plan's last period: no gap.
    expect((await plan()).reportingStartsOn).toBeNull();
    expect((await reasons()).map((r) => r.code)).not.toContain('reports-missing');

    // The office sets the start to the plan's issue: 2021-Q2 to 2025-Q4 are expected, 19 periods per lead unit.
    const before = await plan();
    expect((await setStart(before.version, '2021-06-02', 'reporter')).statusCode).toBe(403);
    expect((await setStart(before.version, '2021-02-30')).statusCode).toBe(400);
    const set = await setStart(before.version, '2021-06-02');
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ reportingStartsOn: '2021-06-02', version: before.version + 1 });
    const [primary, second] = task.units.lead;
    const missing = (await reasons()).filter((r) => r.code === 'reports-missing');
    expect(missing).toEqual([
      expect.objectContaining({
        count: 38,
        label: `38 期未报：${primary?.name} 19 期、${second?.name} 19 期（38 reports missing）`,
        units: [
          expect.objectContaining({
            unitName: primary?.name,
            count: 19,
            firstPeriod: '2021-Q2',
            lastPeriod: '2025-Q4',
          }),
          expect.objectContaining({ unitName: second?.name, count: 19, firstPeriod: '2021-Q2', lastPeriod: '2025-Q4' }),
        ],
      }),
    ]);

    // A start within the horizon: 2024-Q1 to 2025-Q4, 8 periods each.
    expect((await setStart(before.version + 1, '2024-01-01')).statusCode).toBe(200);
    expect((await reasons()).find((r) => r.code === 'reports-missing')).toMatchObject({ count: 16 });

    // null goes back to the default.
    const reset = await setStart(before.version + 2, null);
    expect(reset.json()).toMatchObject({ reportingStartsOn: null });
    expect((await reasons()).map((r) => r.code)).not.toContain('reports-missing');
  });
});
