// A plan's war board (挂图作战) on both databases: a small plan built row by row, with every figure of the dashboard
// worked out by hand below; the targets' assessments checked against `targetProgress` one by one; a plan whose first
// period has not ended; who may read it.
import { expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { newId } from '../../src/db/ids.ts';
import type {
  CloseOutState,
  ComparatorCode,
  NodeKind,
  NoticeLevel,
  NoticeState,
  ReportState,
  TaskStatus,
  TaskUnitRole,
} from '../../src/db/schema.ts';
import type { Actor } from '../../src/services/context.ts';
import { planDashboard } from '../../src/services/dashboard.service.ts';
import { targetProgress } from '../../src/services/report-targets.service.ts';
import { buildActor, buildUnit, buildWorkspace } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { at, failure } from '../report-factories.ts';

const MADE = '2021-06-02T02:00:00.000Z';
/** 2021-10-20 10:00 in Shanghai: 2021-Q3 has ended (its reports were due by 2021-10-15), 2021-Q2 before it. */
const NOW = '2021-10-20T02:00:00.000Z';

/** Inserts rows of the small plan; each call fills in the columns every row has. */
function rows(db: Db, workspaceId: string) {
  const base = (id: string) => ({ id, workspace_id: workspaceId, created_at: MADE, updated_at: MADE });
  return {
    async node(planId: string, kind: NodeKind, number: string, title: string, parentId: string | null, position = 0) {
      const id = newId('node');
      await db
        .insertInto('nodes')
        .values({ ...base(id), plan_id: planId, parent_id: parentId, kind, number, title, position })
        .execute();
      return id;
    },
    async task(
      planId: string,
      strandId: string | null,
      parentId: string,
      number: string,
      position: number,
      extra: { status?: TaskStatus; statusAt?: string; closedAt?: string; removedIn?: number; dueOn?: string } = {},
    ) {
      const nodeId = await this.node(planId, 'task', number, `任务${number}`, parentId, position);
      const id = newId('task');
      await db
        .insertInto('tasks')
        .values({
          ...base(id),
          plan_id: planId,
          node_id: nodeId,
          strand_node_id: strandId,
          key: number,
          number,
          title: `任务${number}`,
          position,
          status: extra.status ?? null,
          status_at: extra.statusAt ?? null,
          closed_at: extra.closedAt ?? null,
          removed_in_version: extra.removedIn ?? null,
          due_on: extra.dueOn ?? null,
        })
        .execute();
      return id;
    },
    async taskUnit(taskId: string, unitId: string, role: TaskUnitRole, position: number) {
      await db
        .insertInto('task_units')
        .values({ ...base(newId('taskUnit')), task_id: taskId, unit_id: unitId, role, position })
        .execute();
    },
    async report(
      taskId: string,
      unitId: string,
      period: string,
      state: ReportState,
      extra: { submittedAt?: string; late?: boolean; approvedAt?: string } = {},
    ) {
      const id = newId('report');
      await db
        .insertInto('reports')
        .values({
          ...base(id),
          task_id: taskId,
          unit_id: unitId,
          period,
          state,
          submitted_at: extra.submittedAt ?? null,
          is_late: extra.late === true ? 1 : 0,
          approved_at: extra.approvedAt ?? null,
        })
        .execute();
      return id;
    },
    async notice(taskId: string, unitId: string, level: NoticeLevel, state: NoticeState, dueOn: string) {
      await db
        .insertInto('notices')
        .values({
          ...base(newId('notice')),
          task_id: taskId,
          unit_id: unitId,
          level,
          state,
          due_on: dueOn,
          body: '请推进',
        })
        .execute();
    },
    async closeOut(taskId: string, state: CloseOutState) {
      await db
        .insertInto('close_outs')
        .values({ ...base(newId('closeOut')), task_id: taskId, state, evidence: '验收材料' })
        .execute();
    },
    async milestone(taskId: string, dueOn: string, doneOn: string | null = null) {
      const projectId = newId('project');
      await db
        .insertInto('projects')
        .values({ ...base(projectId), task_id: taskId, name: '项目' })
        .execute();
      await db
        .insertInto('milestones')
        .values({
          ...base(newId('milestone')),
          project_id: projectId,
          task_id: taskId,
          name: '节点',
          due_on: dueOn,
          done_on: doneOn,
        })
        .execute();
    },
    async target(
      planId: string,
      owner: { taskId: string } | { goalNodeId: string },
      spec: {
        comparator?: ComparatorCode;
        value: number;
        deadline: string | null;
        cumulative?: boolean;
        baseline?: { value: number; period: string };
        removedIn?: number;
      },
    ) {
      const id = newId('target');
      await db
        .insertInto('targets')
        .values({
          ...base(id),
          plan_id: planId,
          task_id: 'taskId' in owner ? owner.taskId : null,
          goal_node_id: 'goalNodeId' in owner ? owner.goalNodeId : null,
          text: '指标',
          comparator: spec.comparator ?? '>=',
          value_low: spec.value,
          value_high: null,
          unit: '亿元',
          deadline: spec.deadline,
          period: null,
          cumulative: spec.cumulative === true ? 1 : 0,
          baseline_value: spec.baseline?.value ?? null,
          baseline_period: spec.baseline?.period ?? null,
          removed_in_version: spec.removedIn ?? null,
        })
        .execute();
      return id;
    },
    async reading(targetId: string, period: string, value: number, reportId: string | null = null, made = MADE) {
      await db
        .insertInto('readings')
        .values({
          ...base(newId('reading')),
          created_at: made,
          target_id: targetId,
          report_id: reportId,
          period,
          value,
          source: reportId === null ? '区统计局' : 'report',
        })
        .execute();
    },
    async point(targetId: string, period: string, planned: number) {
      await db
        .insertInto('trajectory_points')
        .values({ ...base(newId('trajectoryPoint')), target_id: targetId, period, planned })
        .execute();
    },
  };
}

interface SmallPlan {
  workspaceId: string;
  planId: string;
  office: Actor;
  units: Record<'u1' | 'u2' | 'u3' | 'u4', string>;
  strands: Record<'s1' | 's2', string>;
  targets: string[];
}

/**
 * 2021–2025, issued 2021-06-02, quarterly, due 15 days after the quarter: the first reporting period is 2021-Q2.
 * Under part 一、: strand （一） with tasks （1） （2） and a removed （5）, strand （二） with （3） and （4） (closed out
 * on 2021-09-01); task （6） under no strand. Units: 单位甲 leads （1）（2）（4）; 单位乙 leads （1） (second) and （3）;
 * 单位丙 supports （1） and leads （6）; 单位丁 leads nothing but has a notice.
 */
async function buildSmallPlan(db: Db, options: { published?: boolean } = {}): Promise<SmallPlan> {
  const workspace = await buildWorkspace(db);
  const ws = workspace.id;
  const add = rows(db, ws);
  const planId = newId('plan');
  await db
    .insertInto('plans')
    .values({
      id: planId,
      workspace_id: ws,
      created_at: MADE,
      updated_at: MADE,
      title: '测试方案',
      issued_on: '2021-06-02',
      start_year: 2021,
      end_year: 2025,
      cycle_frequency: 'quarterly',
      cycle_due_days: 15,
      published: options.published === true ? 1 : 0,
    })
    .execute();
  const unit = async (name: string) => (await buildUnit(db, { workspaceId: ws, name })).id;
  const units = {
    u1: await unit('单位甲'),
    u2: await unit('单位乙'),
    u3: await unit('单位丙'),
    u4: await unit('单位丁'),
  };
  const part = await add.node(planId, 'part', '一、', '重点任务', null);
  const s1 = await add.node(planId, 'strand', '（一）', '方向一', part, 0);
  const s2 = await add.node(planId, 'strand', '（二）', '方向二', part, 1);
  const goal = await add.node(planId, 'goal', '', '发展目标', null, 1);

  const t1 = await add.task(planId, s1, s1, '（1）', 0, { status: 'on-track', statusAt: '2021-10-19T01:00:00.000Z' });
  const t2 = await add.task(planId, s1, s1, '（2）', 1, { status: 'at-risk', statusAt: '2021-10-18T01:00:00.000Z' });
  const t3 = await add.task(planId, s2, s2, '（3）', 2);
  const t4 = await add.task(planId, s2, s2, '（4）', 3, {
    status: 'closed',
    statusAt: '2021-09-01T00:00:00.000Z',
    closedAt: '2021-09-01T00:00:00.000Z',
  });
  const t5 = await add.task(planId, s1, s1, '（5）', 4, {
    status: 'on-track',
    statusAt: '2021-01-01T00:00:00.000Z',
    removedIn: 2,
  });
  const t6 = await add.task(planId, null, part, '（6）', 5, {
    status: 'on-track',
    statusAt: '2021-10-19T01:00:00.000Z',
  });

  await add.taskUnit(t1, units.u1, 'lead', 0);
  await add.taskUnit(t1, units.u2, 'lead', 1);
  await add.taskUnit(t1, units.u3, 'support', 0);
  await add.taskUnit(t2, units.u1, 'lead', 0);
  await add.taskUnit(t3, units.u2, 'lead', 0);
  await add.taskUnit(t4, units.u1, 'lead', 0);
  await add.taskUnit(t5, units.u2, 'lead', 0);
  await add.taskUnit(t6, units.u3, 'lead', 0);

  // 2021-Q3 (due 2021-10-15T16:00Z).
  const t1u1 = await add.report(t1, units.u1, '2021-Q3', 'accepted', { submittedAt: '2021-10-08T02:00:00.000Z' });
  const t1u2 = await add.report(t1, units.u2, '2021-Q3', 'submitted', {
    submittedAt: '2021-10-17T02:00:00.000Z',
    late: true,
  });
  const t2u1 = await add.report(t2, units.u1, '2021-Q3', 'returned', { submittedAt: '2021-10-09T02:00:00.000Z' });
  const t3u2 = await add.report(t3, units.u2, '2021-Q3', 'draft');
  await add.report(t4, units.u1, '2021-Q3', 'awaiting-approval');
  await add.report(t5, units.u2, '2021-Q3', 'submitted', { submittedAt: '2021-10-08T02:00:00.000Z' });
  // 2021-Q2 (due 2021-07-15T16:00Z).
  await add.report(t1, units.u1, '2021-Q2', 'accepted', { submittedAt: '2021-07-08T02:00:00.000Z' });
  await add.report(t4, units.u1, '2021-Q2', 'accepted', { submittedAt: '2021-07-20T02:00:00.000Z', late: true });
  await add.report(t2, units.u1, '2021-Q2', 'draft', { approvedAt: '2021-07-10T02:00:00.000Z' });

  await add.notice(t1, units.u1, 'reminder', 'open', '2021-10-10');
  await add.notice(t2, units.u1, 'supervise', 'answered', '2021-10-01');
  await add.notice(t3, units.u2, 'urge', 'open', '2021-10-25');
  await add.notice(t1, units.u3, 'listed', 'open', '2021-10-19');
  await add.notice(t2, units.u1, 'reminder', 'closed', '2021-09-01');
  await add.notice(t2, units.u1, 'reminder', 'escalated', '2021-09-01');
  await add.notice(t5, units.u2, 'urge', 'open', '2021-09-01');
  await add.notice(t6, units.u4, 'urge', 'open', '2021-10-30');

  await add.closeOut(t4, 'approved');
  await add.closeOut(t2, 'requested');
  await add.closeOut(t1, 'rejected');
  await add.closeOut(t3, 'withdrawn');
  await add.closeOut(t5, 'requested');

  await add.milestone(t1, '2021-10-19');
  await add.milestone(t1, '2021-10-20');
  await add.milestone(t2, '2021-11-19');
  await add.milestone(t2, '2021-11-20');
  await add.milestone(t3, '2021-09-01', '2021-09-05');
  await add.milestone(t4, '2021-09-30');
  await add.milestone(t5, '2021-10-01');

  const baseline = { value: 20, period: '2020' };
  // On track: the primary lead's 40 counts, not the second lead's later 10 (which would be off track).
  const g1 = await add.target(planId, { taskId: t1 }, { value: 100, deadline: '2025', baseline });
  await add.reading(g1, '2021-Q3', 40, t1u1);
  await add.reading(g1, '2021-Q3', 10, t1u2, '2021-10-17T02:00:00.000Z');
  // Behind: the office's 27 against 32 planned (gap 5 > 5 % of 80); the returned report's 90 does not count.
  const g2 = await add.target(planId, { taskId: t2 }, { value: 100, deadline: '2025', baseline });
  await add.reading(g2, '2021-Q3', 27);
  await add.reading(g2, '2021-Q3', 90, t2u1, '2021-10-09T02:00:00.000Z');
  // Off track: a cap of 10 by 2021 from the first reading, 12 in Q2 (planned 11 in Q3); the draft's 5 does not count.
  const g3 = await add.target(planId, { taskId: t3 }, { comparator: '<=', value: 10, deadline: '2021' });
  await add.reading(g3, '2021-Q2', 12);
  await add.reading(g3, '2021-Q3', 5, t3u2);
  // Met: a goal's cumulative 50, 30 + 25 reached.
  const g4 = await add.target(planId, { goalNodeId: goal }, { value: 50, deadline: '2025', cumulative: true });
  await add.reading(g4, '2021-Q2', 30);
  await add.reading(g4, '2021-Q3', 25);
  // Unassessed: a baseline after the deadline.
  const g5 = await add.target(
    planId,
    { taskId: t6 },
    { value: 10, deadline: '2025', baseline: { value: 5, period: '2026' } },
  );
  // Off track by the office's planned value for 2021-Q3 (60), though on the straight line (32).
  const g6 = await add.target(planId, { taskId: t1 }, { value: 100, deadline: '2025', baseline });
  await add.reading(g6, '2021-Q3', 33);
  await add.point(g6, '2021-Q3', 60);
  // No data yet.
  const g9 = await add.target(planId, { taskId: t4 }, { value: 100, deadline: '2025', baseline });
  // Left out: a removed target, and one of the removed task.
  await add.target(planId, { taskId: t1 }, { value: 1, deadline: '2025', removedIn: 2 });
  await add.target(planId, { taskId: t5 }, { value: 1, deadline: '2025' });

  return {
    workspaceId: ws,
    planId,
    office: buildActor(ws),
    units,
    strands: { s1, s2 },
    targets: [g1, g2, g3, g4, g5, g6, g9],
  };
}

const statuses = (counts: Partial<Record<TaskStatus, number>>) => ({
  'not-started': 0,
  'on-track': 0,
  'at-risk': 0,
  'off-track': 0,
  overdue: 0,
  closed: 0,
  ...counts,
});
const levels = (counts: Partial<Record<'remind' | 'urge' | 'supervise' | 'flagged', number>>) => ({
  remind: 0,
  urge: 0,
  supervise: 0,
  flagged: 0,
  ...counts,
});
const slots = (counts: {
  expected: number;
  submitted: number;
  accepted: number;
  returned: number;
  awaitingReview: number;
  late: number;
  missing: number;
}) => counts;

describeEachDatabase('plan dashboard', (database) => {
  const db = () => database().db;

  it('counts every figure of a small plan as worked out by hand', async () => {
    const plan = await buildSmallPlan(db());
    const board = await planDashboard(at(db(), NOW), plan.office, plan.planId);

    expect(board).toMatchObject({
      planId: plan.planId,
      title: '测试方案',
      asOf: NOW,
      timeZone: 'Asia/Shanghai',
      today: '2021-10-20',
    });
    expect(board.periods.current).toMatchObject({
      period: '2021-Q3',
      label: '2021年第三季度',
      dueAt: '2021-10-15T16:00:00.000Z',
      isPastDue: true,
    });
    expect(board.periods.previous).toMatchObject({ period: '2021-Q2', dueAt: '2021-07-15T16:00:00.000Z' });

    // Tasks in force: （1）（2）（3）（4）（6）; （5） was removed.
    expect(board.tasks).toEqual({
      total: 5,
      byStatus: statuses({ 'on-track': 2, 'at-risk': 1, closed: 1 }),
      noStatus: 1,
      statusComputedAt: { oldest: '2021-09-01T00:00:00.000Z', newest: '2021-10-19T01:00:00.000Z' },
    });
    expect(board.strands).toEqual([
      {
        nodeId: plan.strands.s1,
        number: '（一）',
        title: '方向一',
        total: 2,
        byStatus: statuses({ 'on-track': 1, 'at-risk': 1 }),
        noStatus: 0,
      },
      {
        nodeId: plan.strands.s2,
        number: '（二）',
        title: '方向二',
        total: 2,
        byStatus: statuses({ closed: 1 }),
        noStatus: 1,
      },
      { nodeId: null, number: '', title: '', total: 1, byStatus: statuses({ 'on-track': 1 }), noStatus: 0 },
    ]);

    // By name (pinyin: 丙 丁 甲 乙). 2021-Q3 slots: （4） was closed before the reports fell due, so it owes none.
    expect(board.units).toEqual([
      {
        unitId: plan.units.u3,
        name: '单位丙',
        tasksLed: 1,
        total: 1,
        byStatus: statuses({ 'on-track': 1 }),
        noStatus: 0,
        reports: slots({ expected: 1, submitted: 0, accepted: 0, returned: 0, awaitingReview: 0, late: 0, missing: 1 }),
        notices: { open: levels({ flagged: 1 }), overdue: 1 },
      },
      {
        unitId: plan.units.u4,
        name: '单位丁',
        tasksLed: 0,
        total: 0,
        byStatus: statuses({}),
        noStatus: 0,
        reports: slots({ expected: 0, submitted: 0, accepted: 0, returned: 0, awaitingReview: 0, late: 0, missing: 0 }),
        notices: { open: levels({ urge: 1 }), overdue: 0 },
      },
      {
        unitId: plan.units.u1,
        name: '单位甲',
        tasksLed: 3,
        total: 3,
        byStatus: statuses({ 'on-track': 1, 'at-risk': 1, closed: 1 }),
        noStatus: 0,
        reports: slots({ expected: 2, submitted: 2, accepted: 1, returned: 1, awaitingReview: 0, late: 0, missing: 0 }),
        notices: { open: levels({ remind: 1, supervise: 1 }), overdue: 1 },
      },
      {
        unitId: plan.units.u2,
        name: '单位乙',
        tasksLed: 2,
        total: 2,
        byStatus: statuses({ 'on-track': 1 }),
        noStatus: 1,
        reports: slots({ expected: 2, submitted: 1, accepted: 0, returned: 0, awaitingReview: 1, late: 1, missing: 1 }),
        notices: { open: levels({ urge: 1 }), overdue: 0 },
      },
    ]);

    expect(board.reports.current).toMatchObject({
      period: { period: '2021-Q3' },
      slots: { expected: 5, submitted: 3, accepted: 1, returned: 1, awaitingReview: 1, late: 1, missing: 2 },
      // Every report of a task in force, （4）'s included; （5）'s left out.
      byState: { draft: 1, 'pending-approval': 1, approved: 0, submitted: 1, accepted: 1, returned: 1 },
      late: 1,
    });
    // 2021-Q2: （4） was closed after the reports fell due, so its slot counts.
    expect(board.reports.previous).toMatchObject({
      period: { period: '2021-Q2' },
      slots: { expected: 6, submitted: 2, accepted: 2, returned: 0, awaitingReview: 0, late: 1, missing: 4 },
      byState: { draft: 0, 'pending-approval': 0, approved: 1, submitted: 0, accepted: 2, returned: 0 },
      late: 1,
    });

    expect(board.notices).toEqual({
      open: levels({ remind: 1, urge: 2, supervise: 1, flagged: 1 }),
      awaitingResponse: 4,
      overdue: 2,
    });
    expect(board.closeOuts).toEqual({ requested: 1, approved: 1, rejected: 1, withdrawn: 1, reopened: 0 });
    expect(board.milestones).toEqual({ total: 6, done: 1, overdue: 1, dueSoon: 2, dueSoonUntil: '2021-11-19' });
    expect(board.targets).toEqual({
      total: 7,
      withReading: 5,
      unassessed: 1,
      byStatus: { met: 1, 'on-track': 1, behind: 1, 'off-track': 2, 'no-data': 1 },
    });
  });

  it('assesses each target as its own progress page does', async () => {
    const plan = await buildSmallPlan(db());
    const ctx = at(db(), NOW);
    const counts: Record<string, number> = {};
    let unassessed = 0;
    for (const targetId of plan.targets) {
      try {
        const progress = await targetProgress(ctx, plan.office, targetId);
        const status = progress.assessment?.status;
        if (status === undefined) unassessed += 1;
        else counts[status] = (counts[status] ?? 0) + 1;
      } catch (error) {
        expect((error as { code?: string }).code).toBe('invalid-target');
        unassessed += 1;
      }
    }
    const board = await planDashboard(ctx, plan.office, plan.planId);
    expect({ ...board.targets.byStatus }).toEqual({
      met: 0,
      'on-track': 0,
      behind: 0,
      'off-track': 0,
      'no-data': 0,
      ...counts,
    });
    expect(board.targets.unassessed).toBe(unassessed);
  });

  it('has no current period before the first one has ended', async () => {
    const plan = await buildSmallPlan(db());
    const board = await planDashboard(at(db(), '2021-06-20T02:00:00.000Z'), plan.office, plan.planId);
    expect(board.periods).toEqual({ current: null, previous: null });
    expect(board.reports).toEqual({ current: null, previous: null });
    expect(board.units.map((unit) => unit.reports)).toEqual([null, null, null, null]);
    expect(board.tasks.total).toBe(5);
    // Targets are assessed at the plan's first period (2021-Q2) until it ends: only the 2021-Q2 readings count —
    // the cap's 12 (its stand-in baseline, so on its path) and the goal's 30 (ahead of 2.6 planned).
    expect(board.targets).toEqual({
      total: 7,
      withReading: 5,
      unassessed: 1,
      byStatus: { met: 0, 'on-track': 2, behind: 0, 'off-track': 0, 'no-data': 4 },
    });
  });

  it('answers whoever may see the plan but the public, and 404 to anyone else', async () => {
    const hidden = await buildSmallPlan(db());
    const published = await buildSmallPlan(db(), { published: true });
    const ctx = at(db(), NOW);
    const as = (workspaceId: string, role: Actor['roles'][number]) =>
      buildActor(workspaceId, { roles: [role], userId: `usr_${role}` });

    const leader = await planDashboard(ctx, as(hidden.workspaceId, 'leader'), hidden.planId);
    expect(leader.tasks.total).toBe(5);
    const reporter = buildActor(hidden.workspaceId, { roles: ['unit-reporter'], unitId: hidden.units.u1 });
    expect((await planDashboard(ctx, reporter, hidden.planId)).tasks.total).toBe(5);

    expect((await failure(planDashboard(ctx, as(hidden.workspaceId, 'public'), hidden.planId))).code).toBe('not-found');
    // A published plan's dashboard is still the delivery record, which the public does not read.
    expect((await failure(planDashboard(ctx, as(published.workspaceId, 'public'), published.planId))).code).toBe(
      'forbidden',
    );
    expect((await failure(planDashboard(ctx, as(hidden.workspaceId, 'audit-admin'), hidden.planId))).code).toBe(
      'not-found',
    );
    // Another workspace's office does not learn that the plan exists.
    expect((await failure(planDashboard(ctx, published.office, hidden.planId))).code).toBe('not-found');
  });
});
