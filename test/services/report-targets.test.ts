// Targets fed by reports, on both databases: which readings count, the baseline, the office's planned path and
// where the 千亿级 target of task （11） stands.
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/services/context.ts';
import {
  listReadings,
  setTargetBaseline,
  setTrajectoryPoint,
  targetDeadline,
  targetProgress,
} from '../../src/services/report-targets.service.ts';
import { returnReport, saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import { buildActor } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import {
  at,
  auditEvents,
  buildReportPlan,
  buildTarget,
  countRows,
  failure,
  importExamplePlan,
  verifyAudit,
  type ExamplePlan,
} from '../report-factories.ts';

describe('a target’s deadline', () => {
  it('is its own year, else the end of the span it covers, else the plan’s end year', () => {
    expect(targetDeadline({ deadline: '2024', period: null }, { endYear: 2025 })).toBe('2024');
    expect(targetDeadline({ deadline: null, period: '2021-2025' }, { endYear: null })).toBe('2025');
    expect(targetDeadline({ deadline: null, period: null }, { endYear: 2025 })).toBe('2025');
    expect(targetDeadline({ deadline: null, period: null }, { endYear: null })).toBeNull();
  });
});

describeEachDatabase('target progress', (database) => {
  const db = () => database().db;

  /** 区经委 reports a value for the 千亿级 target for a quarter, submitted (on time) on the given day. */
  async function report(example: ExamplePlan, actor: Actor, period: string, value: number, day: string) {
    const ctx = at(db(), `${day}T02:00:00.000Z`);
    const draft = await saveReportDraft(ctx, actor, {
      taskId: example.task.id,
      period,
      narrative: `${period} 推进情况`,
      readings: [{ targetId: example.target.id, value }],
    });
    return submitReport(ctx, actor, draft.id, draft.version, { idempotencyKey: `${draft.id}-submit` });
  }

  it('plans the 千亿级 target of task （11） from its first reading, then from the entered baseline', async () => {
    const example = await importExamplePlan(db());
    const { office, reporter, target, workspaceId } = example;
    await report(example, reporter, '2021-Q3', 620, '2021-10-10');

    // No baseline yet: the first reading stands in; the path starts at it and runs to ≥1000 at the end of 2025.
    const first = await targetProgress(at(db(), '2021-11-01T02:00:00.000Z'), office, target.id);
    expect(first).toMatchObject({
      deadline: '2025',
      baseline: { value: 620, period: '2021-Q3', source: 'first-reading' },
      asOf: '2021-Q3',
      assessment: { status: 'on-track', period: '2021-Q3', expected: 620, actual: 620, gap: 0 },
      forecast: null,
    });
    expect(first.assessment?.reasons.map((r) => r.code)).toEqual(['on-path', 'baseline-from-first-reading']);
    expect(first.path.map((p) => p.period)).toEqual(
      ['2021-Q2', '2021-Q3', '2021-Q4'].concat(
        ['2022', '2023', '2024', '2025'].flatMap((y) => [1, 2, 3, 4].map((q) => `${y}-Q${q}`)),
      ),
    );
    expect(first.path.slice(0, 3)).toEqual([
      { period: '2021-Q2', planned: null, overridden: false, actual: null, point: null },
      { period: '2021-Q3', planned: 620, overridden: false, actual: 620, point: null },
      { period: '2021-Q4', planned: 620 + 380 / 17, overridden: false, actual: null, point: null },
    ]);
    expect(first.path.at(-1)).toMatchObject({ period: '2025-Q4', planned: 1000 });

    // The office enters the baseline: 600亿元 at the end of 2020.
    const stale = await failure(
      setTargetBaseline(at(db(), '2021-11-02T02:00:00.000Z'), office, target.id, 9, { value: 600, period: '2020' }),
    );
    expect(stale.code).toBe('stale');
    const entered = await setTargetBaseline(at(db(), '2021-11-02T02:00:00.000Z'), office, target.id, target.version, {
      value: 600,
      period: '2020',
    });
    expect(entered).toMatchObject({
      id: target.id,
      version: target.version + 1,
      baseline: { value: 600, period: '2020' },
    });
    const late = await failure(
      setTargetBaseline(at(db(), '2021-11-02T02:00:00.000Z'), office, target.id, entered.version, {
        value: 600,
        period: '2026',
      }),
    );
    expect(late.code).toBe('invalid-target');

    // 2021-Q4: 650 against a planned 600 + 400 × 4/20 = 680 — 30 short, more than 5 % of the 400 to go: behind.
    await report(example, reporter, '2021-Q4', 650, '2022-01-10');
    const second = await targetProgress(at(db(), '2022-02-01T02:00:00.000Z'), office, target.id);
    expect(second).toMatchObject({
      baseline: { value: 600, period: '2020', source: 'entered' },
      asOf: '2021-Q4',
      assessment: { status: 'behind', expected: 680, actual: 650, gap: 30, readingPeriod: '2021-Q4' },
    });
    expect(second.path.slice(1, 3).map((p) => [p.period, p.planned, p.actual])).toEqual([
      ['2021-Q3', 660, 620],
      ['2021-Q4', 680, 650],
    ]);
    // Two readings a quarter apart rising by 30: 120 a year, so 650 + 4 × 120 = 1130 by the end of 2025.
    expect(second.forecast).toMatchObject({ deadline: '2025', basedOn: 2, meets: true });
    expect(second.forecast?.value).toBeCloseTo(1130, 9);
    expect(second.forecast?.slopePerYear).toBeCloseTo(120, 9);
    expect(second.readings.map((r) => [r.period, r.value, r.unitId])).toEqual([
      ['2021-Q3', 620, reporter.unitId],
      ['2021-Q4', 650, reporter.unitId],
    ]);

    // The office overrides 2021-Q4's planned value; that period alone changes.
    const point = await setTrajectoryPoint(at(db(), '2022-02-02T02:00:00.000Z'), office, target.id, {
      period: '2021-Q4',
      planned: 655,
    });
    expect(point).toMatchObject({ version: 1, period: '2021-Q4', planned: 655 });
    const overridden = await targetProgress(at(db(), '2022-02-02T02:00:00.000Z'), office, target.id);
    expect(overridden.path[2]).toEqual({
      period: '2021-Q4',
      planned: 655,
      overridden: true,
      actual: 650,
      point: { id: point?.id, version: 1 },
    });
    expect(overridden.path[3]).toMatchObject({ period: '2022-Q1', planned: 700, overridden: false });
    expect(overridden.assessment).toMatchObject({ status: 'on-track', expected: 655, gap: 5 });

    // Changing a point takes its version; removing it restores the straight line.
    const clock = at(db(), '2022-02-03T02:00:00.000Z');
    expect(
      (await failure(setTrajectoryPoint(clock, office, target.id, { period: '2021-Q4', planned: 640 }))).code,
    ).toBe('stale');
    expect(
      await setTrajectoryPoint(clock, office, target.id, { period: '2021-Q4', planned: 640, expectedVersion: 1 }),
    ).toMatchObject({ version: 2, planned: 640 });
    expect(
      await setTrajectoryPoint(clock, office, target.id, { period: '2021-Q4', planned: null, expectedVersion: 2 }),
    ).toBeNull();
    expect((await targetProgress(clock, office, target.id)).path[2]).toMatchObject({ planned: 680, overridden: false });
    expect(await countRows(db(), 'trajectory_points', workspaceId)).toBe(0);
    expect(
      (await failure(setTrajectoryPoint(clock, office, target.id, { period: '2021-M12', planned: 600 }))).code,
    ).toBe('invalid-input');

    const actions = (await auditEvents(db(), workspaceId))
      .filter((e) => e.action.startsWith('target.'))
      .map((e) => e.action);
    expect(actions).toEqual([
      'target.set-baseline',
      'target.set-trajectory-point',
      'target.set-trajectory-point',
      'target.remove-trajectory-point',
    ]);
    expect(await verifyAudit(db(), workspaceId)).toEqual({ ok: true });
  });

  it('counts the readings of submitted and accepted reports only, one per period, the primary lead’s first', async () => {
    const example = await importExamplePlan(db());
    const { office, reporter, secondLead, target, task } = example;
    await report(example, secondLead, '2021-Q3', 700, '2021-10-09');
    // Only the second lead has reported 2021-Q3: its value counts, until the primary lead reports.
    expect((await listReadings(at(db(), '2021-10-09T03:00:00.000Z'), office, target.id)).map((r) => r.value)).toEqual([
      700,
    ]);
    await report(example, reporter, '2021-Q3', 620, '2021-10-10');
    await report(example, secondLead, '2021-Q4', 660, '2022-01-08');
    const returned = await report(example, reporter, '2021-Q4', 650, '2022-01-09');
    await returnReport(at(db(), '2022-01-10T02:00:00.000Z'), office, returned.id, returned.version, {
      reason: '数据有误',
    });
    // A draft for 2022-Q1 keeps its reading to itself.
    await saveReportDraft(at(db(), '2022-04-02T02:00:00.000Z'), reporter, {
      taskId: task.id,
      period: '2022-Q1',
      readings: [{ targetId: target.id, value: 690 }],
    });

    const readings = await listReadings(at(db(), '2022-04-02T02:00:00.000Z'), office, target.id);
    expect(readings.map((r) => [r.period, r.value, r.unitId])).toEqual([
      ['2021-Q3', 620, reporter.unitId],
      ['2021-Q4', 660, secondLead.unitId],
    ]);
    const leader = buildActor(example.workspaceId, { userId: 'usr_leader', roles: ['leader'] });
    expect(await listReadings(at(db(), '2022-04-02T02:00:00.000Z'), leader, target.id)).toEqual(readings);
  });

  it('lets only the office set baselines and paths; others in the workspace are forbidden, elsewhere not found', async () => {
    const example = await importExamplePlan(db());
    const { reporter, target } = example;
    const ctx = at(db(), '2021-11-01T02:00:00.000Z');
    expect(
      (await failure(setTargetBaseline(ctx, reporter, target.id, target.version, { value: 1, period: '2020' }))).code,
    ).toBe('forbidden');
    expect((await failure(setTrajectoryPoint(ctx, reporter, target.id, { period: '2021-Q4', planned: 1 }))).code).toBe(
      'forbidden',
    );
    const admin = buildActor(example.workspaceId, { userId: 'usr_audit', roles: ['audit-admin'] });
    expect((await failure(targetProgress(ctx, admin, target.id))).code).toBe('forbidden');
    expect((await targetProgress(ctx, reporter, target.id)).target.id).toBe(target.id);

    const elsewhere = await importExamplePlan(db());
    expect((await failure(targetProgress(ctx, elsewhere.office, target.id))).code).toBe('not-found');
    expect((await failure(listReadings(ctx, elsewhere.office, target.id))).code).toBe('not-found');
    expect(
      (await failure(setTargetBaseline(ctx, elsewhere.office, target.id, target.version, { value: 1, period: '2020' })))
        .code,
    ).toBe('not-found');
  });

  it('sums a cumulative target’s readings and judges a target met', async () => {
    const plan = await buildReportPlan(db());
    const [lead] = plan.leadReporters as [Actor];
    const target = await buildTarget(db(), {
      workspaceId: plan.workspaceId,
      planId: plan.planId,
      taskId: plan.taskId,
      value: 60,
      deadline: '2022',
      cumulative: true,
    });
    for (const [period, value, day] of [
      ['2021-Q3', 25, '2021-10-10'],
      ['2021-Q4', 40, '2022-01-10'],
    ] as const) {
      const ctx = at(db(), `${day}T02:00:00.000Z`);
      const draft = await saveReportDraft(ctx, lead, {
        taskId: plan.taskId,
        period,
        readings: [{ targetId: target.id, value }],
      });
      await submitReport(ctx, lead, draft.id, 1, { idempotencyKey: `${draft.id}-key` });
    }
    const progress = await targetProgress(at(db(), '2022-02-01T02:00:00.000Z'), plan.office, target.id);
    // A running sum starts from nothing before the plan's first period (2021-Q2): 60 over 7 quarters to 2022-Q4.
    expect(progress.baseline).toEqual({ value: 0, period: '2021-Q1', source: 'zero' });
    expect(progress.path.slice(0, 3).map((p) => [p.period, p.actual])).toEqual([
      ['2021-Q2', null],
      ['2021-Q3', 25],
      ['2021-Q4', 65],
    ]);
    expect(progress.assessment).toMatchObject({ status: 'met', actual: 65 });
  });
});

describeEachDatabase('negative values', (database) => {
  const db = () => database().db;

  it('are refused for counts and amounts and kept for rates of change, in readings, baselines and planned values', async () => {
    const example = await importExamplePlan(db());
    const { office, reporter, workspaceId, task } = example;
    const planId = example.planId;
    const talents = await buildTarget(db(), {
      workspaceId,
      planId,
      taskId: task.id,
      unit: '名',
      text: '引进高层次人才100名',
    });
    const growth = await buildTarget(db(), {
      workspaceId,
      planId,
      taskId: task.id,
      unit: '%',
      value: 6,
      text: '区级税收年均增长6%',
    });
    const ctx = at(db(), '2021-10-10T02:00:00.000Z');
    const draft = (value: number, targetId: string) =>
      saveReportDraft(ctx, reporter, {
        taskId: task.id,
        period: '2021-Q3',
        narrative: '推进情况',
        readings: [{ targetId, value }],
      });

    const refused = await failure(draft(-5, talents.id));
    expect(refused.code).toBe('invalid-input');
    expect(refused.message).toBe('该指标以“名”计，不能为负数（a count or amount in 名 cannot be negative）');
    expect(refused.details).toEqual({ field: 'readings.0.value' });
    expect(await countRows(db(), 'reports', workspaceId)).toBe(0);

    // A fall in tax revenue is a bad quarter, not a typing error.
    const saved = await draft(-2.5, growth.id);
    expect(saved.readings).toEqual([expect.objectContaining({ targetId: growth.id, value: -2.5 })]);

    const baseline = await failure(setTargetBaseline(ctx, office, talents.id, 1, { value: -1, period: '2020' }));
    expect(baseline.message).toBe('该指标以“名”计，不能为负数（a count or amount in 名 cannot be negative）');
    const planned = await failure(setTrajectoryPoint(ctx, office, talents.id, { period: '2022-Q1', planned: -3 }));
    expect(planned.details).toEqual({ field: 'planned' });
    await expect(setTargetBaseline(ctx, office, growth.id, 1, { value: -0.5, period: '2020' })).resolves.toMatchObject({
      baseline: { value: -0.5, period: '2020' },
    });
  });
});
