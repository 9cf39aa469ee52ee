// Editing a plan draft before it is confirmed, on both databases: every kind of edit, all-or-nothing batches,
// stale versions and confirmed drafts.
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/services/context.ts';
import {
  confirmPlanDraft,
  createPlanDraft,
  editPlanDraft,
  getPlanDraft,
  type DraftEditInput,
  type DraftView,
} from '../../src/services/plan-import.service.ts';
import { getPlan, listPlanGoals, listPlanTargets, listPlanTasks } from '../../src/services/plan.service.ts';
import { buildOffice, testContext } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { EXAMPLE, EXAMPLE_NAME, failure } from './plan-helpers.ts';

describeEachDatabase('plan draft edits', (database) => {
  const ctx = () => testContext(database().db);

  async function draftOf(): Promise<{ actor: Actor; workspaceId: string; draft: DraftView }> {
    const { workspace, actor } = await buildOffice(database().db);
    const draft = await createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
    return { actor, workspaceId: workspace.id, draft };
  }

  const task = (draft: DraftView, number: string) => {
    const found = draft.tasks.find((t) => t.number === number);
    if (found === undefined) throw new Error(`no task ${number}`);
    return found;
  };

  async function eventCount(workspaceId: string): Promise<number> {
    const rows = await database()
      .db.selectFrom('audit_events')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .execute();
    return rows.length;
  }

  it('applies each kind of edit, and the confirmed plan shows them', async () => {
    const { actor, draft } = await draftOf();
    const t1 = task(draft, '（1）');
    const t2 = task(draft, '（2）');
    const t3 = task(draft, '（3）');
    const t11 = task(draft, '（11）');
    const t18 = task(draft, '(18)');
    const t47 = task(draft, '（47）');
    const t48 = task(draft, '（48）');
    const goal = draft.goals[2];
    const target11 = t11.targets[0];
    const target18 = t18.targets[2];
    if (goal === undefined || target11 === undefined || target18 === undefined) throw new Error('example changed');
    const newPath = ['二、“十四五”期间重点任务', '（五）发展低空经济', '13.建设通用航空示范区'];

    const edits: DraftEditInput[] = [
      { type: 'rename-task', taskId: t1.id, title: '建设滨海特色会展区（一期）' },
      { type: 'set-task-units', taskId: t2.id, lead: ['区交通委'], support: ['区规划资源局'] },
      { type: 'merge-units', from: '金山城投集团', into: '区国资委' },
      {
        type: 'fix-target',
        targetId: target11.id,
        value: 1200,
        deadline: '2025',
        baseline: { value: 800, year: 2020 },
      },
      {
        type: 'add-target',
        taskId: t1.id,
        target: { text: '会展面积达到10万平方米', value: 10, unit: '万平方米', comparator: '>=', deadline: '2025' },
      },
      {
        type: 'add-target',
        goalId: goal.id,
        target: { text: '青少年活动场所20个以上', value: 20, unit: '个', comparator: '>=' },
      },
      { type: 'remove-target', targetId: target18.id },
      { type: 'move-task', taskId: t48.id, path: newPath },
      { type: 'move-task', taskId: t3.id, before: t1.id },
      { type: 'remove-task', taskId: t47.id },
      {
        type: 'set-plan',
        title: '金山区虹桥国际开放枢纽建设实施方案（修订）',
        docNumber: '金府发〔2021〕2号',
        issuer: '金山区人民政府',
        issuedOn: '2021-06-10',
        startYear: 2021,
        endYear: 2025,
        visionYear: 2035,
        cycleFrequency: 'monthly',
        cycleDueDays: 10,
        requiresUnitApproval: true,
      },
    ];
    const edited = await editPlanDraft(ctx(), actor, draft.id, draft.version, edits);

    expect(edited.version).toBe(2);
    expect(edited.tasks).toHaveLength(47);
    expect(edited.tasks.slice(0, 3).map((t) => t.number)).toEqual(['（3）', '（1）', '（2）']);
    expect(task(edited, '（1）').title).toBe('建设滨海特色会展区（一期）');
    expect(task(edited, '（1）').targets.map((t) => t.text)).toEqual(['会展面积达到10万平方米']);
    expect(task(edited, '（2）').units).toEqual({ lead: ['区交通委'], support: ['区规划资源局'] });
    expect(task(edited, '（5）').units.lead).toEqual(['区发改委', '区国资委']);
    expect(task(edited, '（11）').targets[0]).toMatchObject({
      value: 1200,
      deadline: '2025',
      baseline: { value: 800, year: 2020 },
    });
    expect(task(edited, '(18)').targets).toHaveLength(2);
    expect(edited.tasks.at(-1)).toMatchObject({ number: '（48）', path: newPath });
    expect(edited.tasks.some((t) => t.number === '（47）')).toBe(false);
    expect(edited.goals[2]?.targets.map((t) => t.text)).toEqual(['青少年活动场所20个以上']);
    expect(edited.plan).toMatchObject({ cycleFrequency: 'monthly', cycleDueDays: 10, requiresUnitApproval: true });
    expect(edited.unitMerges).toEqual([{ from: '金山城投集团', into: '区国资委' }]);
    expect(await getPlanDraft(ctx(), actor, draft.id)).toEqual({ ...edited, units: edited.units });

    const planId = await confirmPlanDraft(ctx(), actor, edited.id, edited.version);
    expect(await getPlan(ctx(), actor, planId)).toMatchObject({
      title: '金山区虹桥国际开放枢纽建设实施方案（修订）',
      docNumber: '金府发〔2021〕2号',
      issuedOn: '2021-06-10',
      cycle: { frequency: 'monthly', dueDays: 10 },
      requiresUnitApproval: true,
    });
    const tasks = await listPlanTasks(ctx(), actor, planId);
    expect(tasks).toHaveLength(47);
    expect(tasks.slice(0, 3).map((t) => t.number)).toEqual(['（3）', '（1）', '（2）']);
    expect(tasks.at(-1)).toMatchObject({ number: '（48）', path: newPath });
    expect(tasks.find((t) => t.number === '（2）')?.units).toEqual({
      lead: [expect.objectContaining({ name: '区交通委' })],
      support: [expect.objectContaining({ name: '区规划资源局' })],
    });
    const targets = await listPlanTargets(ctx(), actor, planId);
    const byTask = (number: string) => targets.filter((t) => t.taskId === tasks.find((x) => x.number === number)?.id);
    expect(byTask('（11）')[0]).toMatchObject({
      value: 1200,
      deadline: '2025',
      baseline: { value: 800, period: '2020' },
    });
    expect(byTask('（1）').map((t) => t.text)).toEqual(['会展面积达到10万平方米']);
    expect(byTask('(18)')).toHaveLength(2);
    const goals = await listPlanGoals(ctx(), actor, planId);
    expect(targets.filter((t) => t.goalNodeId === goals[2]?.nodeId).map((t) => t.text)).toEqual([
      '青少年活动场所20个以上',
    ]);
    // The new headings of the moved task are a strand and an area of their own.
    const nodes = await database()
      .db.selectFrom('nodes')
      .select(['kind', 'number', 'title'])
      .where('plan_id', '=', planId)
      .where('title', 'in', ['发展低空经济', '建设通用航空示范区'])
      .orderBy('kind', 'desc')
      .execute();
    expect(nodes).toEqual([
      { kind: 'strand', number: '（五）', title: '发展低空经济' },
      { kind: 'area', number: '13.', title: '建设通用航空示范区' },
    ]);
    expect(tasks.at(-1)?.strandNodeId).not.toBe(tasks.find((t) => t.number === '（46）')?.strandNodeId);
  });

  it('refuses a stale version and writes nothing', async () => {
    const { actor, workspaceId, draft } = await draftOf();
    const rename = (title: string): DraftEditInput[] => [
      { type: 'rename-task', taskId: draft.tasks[0]?.id ?? '', title },
    ];
    const first = await editPlanDraft(ctx(), actor, draft.id, draft.version, rename('第一次改名'));
    const events = await eventCount(workspaceId);

    const error = await failure(editPlanDraft(ctx(), actor, draft.id, draft.version, rename('第二次改名')));
    expect(error.code).toBe('stale');
    expect(error.message).toContain('已被他人修改');
    const now = await getPlanDraft(ctx(), actor, draft.id);
    expect(now.version).toBe(first.version);
    expect(now.tasks[0]?.title).toBe('第一次改名');
    expect(await eventCount(workspaceId)).toBe(events);

    expect((await failure(confirmPlanDraft(ctx(), actor, draft.id, draft.version))).code).toBe('stale');
    expect(await eventCount(workspaceId)).toBe(events);
  });

  it('refuses a batch with a bad edit, names the edit, and applies none of it', async () => {
    const { actor, workspaceId, draft } = await draftOf();
    const t11 = task(draft, '（11）');
    const events = await eventCount(workspaceId);
    const bad = async (edit: unknown) => {
      const batch = [{ type: 'rename-task', taskId: t11.id, title: '不应生效' }, edit] as DraftEditInput[];
      const error = await failure(editPlanDraft(ctx(), actor, draft.id, draft.version, batch));
      expect(error.code).toBe('invalid-input');
      expect(error.message).toMatch(/^第 2 项修改/);
      return error.message;
    };

    expect(await bad({ type: 'fix-target', targetId: t11.targets[0]?.id, comparator: 'range' })).toBe(
      '第 2 项修改（修改指标）：指标“打造千亿级高端绿色化工产业集群”是区间指标，目标值应为 [下限, 上限]',
    );
    expect(
      await bad({ type: 'fix-target', targetId: t11.targets[0]?.id, value: [5, 3], comparator: 'range' }),
    ).toContain('下限大于上限');
    expect(await bad({ type: 'rename-task', taskId: 't9999', title: '无此任务' })).toBe(
      '第 2 项修改（重命名任务）：草稿中没有任务 t9999',
    );
    expect(await bad({ type: 'merge-units', from: '区不存在局', into: '区经委' })).toContain(
      '草稿中没有单位“区不存在局”',
    );
    expect(await bad({ type: 'set-plan', startYear: 2026, endYear: 2025 })).toContain(
      '起始年（2026）晚于截止年（2025）',
    );
    expect(await bad({ type: 'set-task-units', taskId: t11.id, lead: ['区经委', '区经委'] })).toContain('重复出现');
    expect(await bad({ type: 'set-task-units', taskId: t11.id, lead: [] })).toContain('字段“lead”无效');
    expect(await bad({ type: 'move-task', taskId: t11.id })).toContain('请给出新的标题路径');
    expect(
      await bad({ type: 'add-target', target: { text: '无主指标', value: 1, unit: '个', comparator: '>=' } }),
    ).toContain('二者选一');
    expect(await bad({ type: 'rename-task', taskId: t11.id, title: '' })).toContain('字段“title”无效');
    expect(await bad({ type: 'paint-it-red' })).toContain('第 2 项修改（未知修改）');

    const now = await getPlanDraft(ctx(), actor, draft.id);
    expect(now.version).toBe(draft.version);
    expect(task(now, '（11）').title).toBe('打造千亿级高端绿色化工产业集群');
    expect(await eventCount(workspaceId)).toBe(events);
  });

  it('refuses to edit or confirm a confirmed draft', async () => {
    const { actor, draft } = await draftOf();
    await confirmPlanDraft(ctx(), actor, draft.id, draft.version);
    const confirmed = await getPlanDraft(ctx(), actor, draft.id);

    const again = await failure(confirmPlanDraft(ctx(), actor, draft.id, confirmed.version));
    expect(again.code).toBe('conflict');
    expect(again.message).toContain('已确认');
    expect((await failure(confirmPlanDraft(ctx(), actor, draft.id, draft.version))).code).toBe('conflict');
    const edit: DraftEditInput[] = [{ type: 'remove-task', taskId: draft.tasks[0]?.id ?? '' }];
    expect((await failure(editPlanDraft(ctx(), actor, draft.id, confirmed.version, edit))).code).toBe('conflict');
    const plans = await database()
      .db.selectFrom('plans')
      .select('id')
      .where('workspace_id', '=', actor.workspaceId)
      .execute();
    expect(plans).toHaveLength(1);
  });

  it('lets only one of two concurrent confirms of a draft through', async () => {
    const { actor, draft } = await draftOf();
    const results = await Promise.allSettled([
      confirmPlanDraft(ctx(), actor, draft.id, draft.version),
      confirmPlanDraft(ctx(), actor, draft.id, draft.version),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected?.reason).toMatchObject({ code: 'conflict' });
    const plans = await database()
      .db.selectFrom('plans')
      .select('id')
      .where('workspace_id', '=', actor.workspaceId)
      .execute();
    expect(plans).toHaveLength(1);
    expect(await listPlanTasks(ctx(), actor, plans[0]?.id ?? '')).toHaveLength(48);
  });

  describe('a merge', () => {
    it('cannot turn a unit of the directory into an alias', async () => {
      const { actor, draft } = await draftOf();
      await confirmPlanDraft(ctx(), actor, draft.id, draft.version);
      const second = await createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
      const error = await failure(
        editPlanDraft(ctx(), actor, second.id, second.version, [
          { type: 'merge-units', from: '区经委', into: '区投资促进办' },
        ]),
      );
      expect(error).toMatchObject({ code: 'invalid-input' });
      expect(error.message).toContain('“区经委”是单位目录中已有的单位');
    });
  });
});
