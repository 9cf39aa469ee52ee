// The draft review's mends of issue 10, on both databases: adding a task the parser missed, splitting and merging
// tasks (validated, all or nothing, confirmed and diffed on re-import), and unit groups (各有关单位, 各区、县级市):
// marked by the parser, decided by the office, applied by confirm, an undecided one blocking it.
import { expect, it } from 'vitest';
import type { Actor } from '../../src/services/context.ts';
import {
  confirmPlanDraft,
  createPlanDraft,
  editPlanDraft,
  getPlanDraft,
  planDraftDiff,
  type DraftView,
} from '../../src/services/plan-import.service.ts';
import { listPlanTargets, listPlanTasks } from '../../src/services/plan.service.ts';
import { listUnits } from '../../src/services/unit.service.ts';
import { buildOffice, testContext } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { EXAMPLE, EXAMPLE_NAME, GROUP_PLAN, GROUP_PLAN_NAME, failure } from './plan-helpers.ts';

describeEachDatabase('plan draft review: add, split, merge, groups', (database) => {
  const ctx = () => testContext(database().db);

  async function draftOf(bytes = EXAMPLE, fileName = EXAMPLE_NAME): Promise<{ actor: Actor; draft: DraftView }> {
    const { actor } = await buildOffice(database().db);
    const draft = await createPlanDraft(ctx(), actor, { fileName, bytes });
    return { actor, draft };
  }

  const task = (draft: DraftView, number: string) => {
    const found = draft.tasks.find((t) => t.number === number);
    if (found === undefined) throw new Error(`no task ${number}`);
    return found;
  };

  it('adds a task the parser missed, where the office puts it, and confirm writes it', async () => {
    const { actor, draft } = await draftOf();
    const t1 = task(draft, '（1）');
    const t2 = task(draft, '（2）');
    const edited = await editPlanDraft(ctx(), actor, draft.id, draft.version, [
      {
        type: 'add-task',
        number: '（1-1）',
        title: '建设会展配套酒店',
        path: t1.path,
        before: t2.id,
        lead: ['区文旅局'],
        support: ['区商务委', '区文旅局 '],
        targets: [{ text: '新增客房2000间', value: 2000, unit: '间', comparator: '>=', deadline: '2025' }],
        due: '2023年底',
        source: { start: 10, end: 40 },
      },
    ]).catch((error: unknown) => error);
    // The same unit as lead and support is refused, naming the edit, and nothing is applied.
    expect(edited).toMatchObject({ code: 'invalid-input', details: { edit: 0, unit: '区文旅局' } });
    expect((edited as Error).message).toContain('第 1 项修改（新增任务）');
    expect((await getPlanDraft(ctx(), actor, draft.id)).version).toBe(draft.version);

    const added = await editPlanDraft(ctx(), actor, draft.id, draft.version, [
      {
        type: 'add-task',
        number: '（1-1）',
        title: '建设会展配套酒店',
        path: t1.path,
        before: t2.id,
        lead: ['区文旅局'],
        support: ['区商务委'],
        targets: [{ text: '新增客房2000间', value: 2000, unit: '间', comparator: '>=', deadline: '2025' }],
        due: '2023年底',
        source: { start: 10, end: 40 },
      },
    ]);
    expect(added.tasks).toHaveLength(49);
    const at = added.tasks.findIndex((t) => t.number === '（1-1）');
    expect(added.tasks[at - 1]?.id).toBe(t1.id);
    expect(added.tasks[at + 1]?.id).toBe(t2.id);
    expect(added.tasks[at]).toMatchObject({
      title: '建设会展配套酒店',
      units: { lead: ['区文旅局'], support: ['区商务委'] },
      due: '2023年底',
      unitsInherited: false,
      source: { start: 10, end: 40 },
      targets: [expect.objectContaining({ text: '新增客房2000间', value: 2000, baseline: null })],
    });

    const planId = await confirmPlanDraft(ctx(), actor, added.id, added.version);
    const tasks = await listPlanTasks(ctx(), actor, planId);
    expect(tasks).toHaveLength(49);
    const hotel = tasks.find((t) => t.number === '（1-1）');
    expect(hotel).toMatchObject({ title: '建设会展配套酒店', dueOn: '2023-12-31' });
    expect(hotel?.units.lead.map((u) => u.name)).toEqual(['区文旅局']);
    const targets = await listPlanTargets(ctx(), actor, planId);
    expect(targets.filter((t) => t.taskId === hotel?.id).map((t) => t.value)).toEqual([2000]);
  });

  it('refuses an added task with a bad place or span, and a bad split or merge, naming the edit', async () => {
    const { actor, draft } = await draftOf();
    const t1 = task(draft, '（1）');
    const t2 = task(draft, '（2）');
    const t4 = task(draft, '（4）');
    const t11 = task(draft, '（11）');
    if (t11.source === null) throw new Error('example changed');
    const bad = async (edit: Parameters<typeof editPlanDraft>[4][number], message: string) => {
      const error = await failure(
        editPlanDraft(ctx(), actor, draft.id, draft.version, [
          { type: 'rename-task', taskId: t1.id, title: '改' },
          edit,
        ]),
      );
      expect(error.code).toBe('invalid-input');
      expect(error.details).toMatchObject({ edit: 1 });
      expect(error.message).toContain(message);
    };
    await bad({ type: 'add-task', title: '新任务', before: 'nope' }, '草稿中没有任务 nope');
    await bad({ type: 'add-task', title: '新任务', source: { start: 50, end: 50 } }, '起点（50）应小于终点（50）');
    expect(draft.source.textLength).toBe(EXAMPLE.toString('utf8').replace(/^\uFEFF/, '').length);
    await bad(
      { type: 'add-task', title: '新任务', source: { start: 50, end: 10_000_000 } },
      '终点（10000000）超出了原文的长度',
    );
    await bad({ type: 'add-task', title: '   ' }, '字段“title”无效');
    await bad(
      { type: 'split-task', taskId: t11.id, parts: [{ title: '甲' }, { title: '乙', targetIds: ['x99999'] }] },
      '指标 x99999 不属于任务',
    );
    await bad(
      {
        type: 'split-task',
        taskId: t11.id,
        parts: [{ title: '甲' }, { title: '乙', sourceStart: t11.source.end + 5 }],
      },
      '第 2 部分的原文起点',
    );
    await bad(
      {
        type: 'split-task',
        taskId: t11.id,
        parts: [{ title: '甲' }, { title: '乙', sourceStart: t11.source.start + 3 }, { title: '丙' }],
      },
      '第 3 部分缺少原文起点',
    );
    await bad({ type: 'split-task', taskId: t11.id, parts: [{ title: '甲' }] }, '字段“parts”无效');
    await bad({ type: 'merge-tasks', taskIds: [t1.id, t4.id] }, '只能合并相邻的任务');
    await bad({ type: 'merge-tasks', taskIds: [t2.id, t1.id] }, '只能合并相邻的任务');
    await bad({ type: 'merge-tasks', taskIds: [t1.id, t1.id] }, '不止一次');
    await bad(
      {
        type: 'split-task',
        taskId: t11.id,
        parts: [
          { title: '甲', sourceStart: t11.source.start + 1 },
          { title: '乙', sourceStart: t11.source.start + 3 },
        ],
      },
      '第 1 部分应从任务原文的起点',
    );
    await bad(
      {
        type: 'split-task',
        taskId: t11.id,
        parts: [
          { title: '甲' },
          { title: '乙', sourceStart: t11.source.start + 4 },
          { title: '丙', sourceStart: t11.source.start + 4 },
        ],
      },
      '第 3 部分的原文起点',
    );
    const x = t11.targets[0]?.id ?? '';
    await bad(
      {
        type: 'split-task',
        taskId: t11.id,
        parts: [
          { title: '甲', targetIds: [x] },
          { title: '乙', targetIds: [x] },
        ],
      },
      `指标 ${x} 被分给了不止一个部分`,
    );
    await bad({ type: 'decide-group', name: '区发改委', decision: 'keep', units: ['区财政局'] }, '只有映射（map）时');
    // A task moved under another heading, though still next to its neighbour, is not merged with it.
    const apart = await failure(
      editPlanDraft(ctx(), actor, draft.id, draft.version, [
        { type: 'move-task', taskId: t2.id, path: ['三、其他任务'], before: task(draft, '（3）').id },
        { type: 'merge-tasks', taskIds: [t1.id, t2.id] },
      ]),
    );
    expect(apart.message).toContain(`第 2 项修改（合并任务）：任务 ${t2.id} 与 ${t1.id} 不在同一标题下`);
    const unchanged = await getPlanDraft(ctx(), actor, draft.id);
    expect(unchanged.version).toBe(draft.version);
    expect(unchanged.tasks).toEqual(draft.tasks);
  });

  it('splits a task at text boundaries, units and targets as the office says', async () => {
    const { actor, draft } = await draftOf();
    const t18 = task(draft, '(18)');
    const source = t18.source;
    if (source === null || t18.targets.length < 2) throw new Error('example changed');
    const [x1, x2] = t18.targets;
    const middle = source.start + Math.floor((source.end - source.start) / 2);
    const edited = await editPlanDraft(ctx(), actor, draft.id, draft.version, [
      {
        type: 'split-task',
        taskId: t18.id,
        parts: [
          { title: '推进文旅融合（一）' },
          {
            title: '推进文旅融合（二）',
            number: '(18-2)',
            sourceStart: middle,
            lead: ['区体育局'],
            support: ['区文旅局'],
            targetIds: [x2?.id ?? ''],
          },
        ],
      },
    ]);
    expect(edited.tasks).toHaveLength(49);
    const at = edited.tasks.findIndex((t) => t.id === t18.id);
    const [first, second] = edited.tasks.slice(at, at + 2);
    expect(first).toMatchObject({
      id: t18.id,
      number: '(18)',
      title: '推进文旅融合（一）',
      units: t18.units,
      source: { start: source.start, end: middle },
    });
    expect(first?.targets.map((t) => t.id)).toEqual(t18.targets.filter((t) => t.id !== x2?.id).map((t) => t.id));
    expect(first?.targets[0]?.id).toBe(x1?.id);
    expect(second).toMatchObject({
      number: '(18-2)',
      title: '推进文旅融合（二）',
      path: t18.path,
      units: { lead: ['区体育局'], support: ['区文旅局'] },
      source: { start: middle, end: source.end },
      targets: [expect.objectContaining({ id: x2?.id })],
    });

    const planId = await confirmPlanDraft(ctx(), actor, edited.id, edited.version);
    const tasks = await listPlanTasks(ctx(), actor, planId);
    expect(tasks.map((t) => t.title)).toEqual(expect.arrayContaining(['推进文旅融合（一）', '推进文旅融合（二）']));
    expect(tasks).toHaveLength(49);
  });

  it('merges adjacent tasks: titles joined, units and targets united without duplicates', async () => {
    const { actor, draft } = await draftOf();
    const [a, b] = draft.tasks;
    if (a === undefined || b === undefined) throw new Error('example changed');
    // Give both the same target and a shared unit first, so that the merge has duplicates to drop.
    const withShared = await editPlanDraft(ctx(), actor, draft.id, draft.version, [
      { type: 'set-task-units', taskId: a.id, lead: ['区发改委', '区文旅局'], support: ['区商务委'] },
      { type: 'set-task-units', taskId: b.id, lead: ['区文旅局'], support: ['区发改委', '区财政局'] },
      { type: 'add-target', taskId: a.id, target: { text: '建成3个平台', value: 3, unit: '个', comparator: '>=' } },
      { type: 'add-target', taskId: b.id, target: { text: '建成3个平台', value: 3, unit: '个', comparator: '>=' } },
    ]);
    const before = withShared.tasks.slice(0, 2);
    const merged = await editPlanDraft(ctx(), actor, draft.id, withShared.version, [
      { type: 'merge-tasks', taskIds: [a.id, b.id] },
    ]);
    expect(merged.tasks).toHaveLength(47);
    const one = merged.tasks[0];
    expect(one).toMatchObject({
      id: a.id,
      number: a.number,
      title: `${a.title.replace(/[。；]$/, '')}；${b.title.replace(/[。；]$/, '')}`,
      units: { lead: ['区发改委', '区文旅局'], support: ['区商务委', '区财政局'] },
    });
    const texts = one?.targets.map((t) => t.text) ?? [];
    expect(texts.filter((text) => text === '建成3个平台')).toHaveLength(1);
    const expected = [...(before[0]?.targets ?? []), ...(before[1]?.targets ?? [])].filter(
      (t, i, all) => all.findIndex((u) => u.text === t.text) === i,
    );
    expect(texts).toEqual(expected.map((t) => t.text));
    if (a.source !== null && b.source !== null) {
      expect(one?.source).toEqual({
        start: Math.min(a.source.start, b.source.start),
        end: Math.max(a.source.end, b.source.end),
      });
    }

    const planId = await confirmPlanDraft(ctx(), actor, merged.id, merged.version);
    const tasks = await listPlanTasks(ctx(), actor, planId);
    expect(tasks).toHaveLength(47);
    expect(tasks[0]?.units.lead.map((u) => u.name)).toEqual(['区发改委', '区文旅局']);
    expect(tasks[0]?.units.support.map((u) => u.name)).toEqual(['区商务委', '区财政局']);
  });

  it('a re-import with a split and a merge: the diff shows them, confirm keeps the ids that continue', async () => {
    const { actor, draft } = await draftOf();
    const planId = await confirmPlanDraft(ctx(), actor, draft.id, draft.version);
    const before = await listPlanTasks(ctx(), actor, planId);
    const reimport = await createPlanDraft(ctx(), actor, { fileName: 'v2.md', bytes: EXAMPLE, planId });
    const t1 = task(reimport, '（1）');
    const t47 = task(reimport, '（47）');
    const t48 = task(reimport, '（48）');
    const edited = await editPlanDraft(ctx(), actor, reimport.id, reimport.version, [
      {
        type: 'split-task',
        taskId: t1.id,
        parts: [{ title: t1.title }, { title: '建设会展配套设施', number: '（1-1）' }],
      },
      { type: 'merge-tasks', taskIds: [t47.id, t48.id], title: t47.title },
    ]);
    const diff = await planDraftDiff(ctx(), actor, edited.id);
    expect(diff.summary).toMatchObject({ added: 1, removed: 1 });
    expect(diff.added[0]).toMatchObject({ number: '（1-1）', title: '建设会展配套设施' });
    const old48 = before.find((t) => t.number === '（48）');
    const old47 = before.find((t) => t.number === '（47）');
    expect(diff.removed).toEqual([expect.objectContaining({ taskId: old48?.id, hasProgress: false })]);

    await confirmPlanDraft(ctx(), actor, edited.id, edited.version);
    const after = await listPlanTasks(ctx(), actor, planId);
    expect(after).toHaveLength(48);
    expect(after.find((t) => t.number === '（1）')?.id).toBe(before.find((t) => t.number === '（1）')?.id);
    expect(after.find((t) => t.number === '（47）')?.id).toBe(old47?.id);
    expect(after.some((t) => t.id === old48?.id)).toBe(false);
  });

  it('marks 各有关单位 and 各区、县级市 as groups; confirm waits for a decision, then applies it', async () => {
    const { actor, draft } = await draftOf(GROUP_PLAN, GROUP_PLAN_NAME);
    expect(draft.groups).toEqual([
      { name: '各有关单位', decision: 'undecided', units: [] },
      { name: '各区、县级市', decision: 'undecided', units: [] },
      { name: '各街道、镇', decision: 'undecided', units: [] },
    ]);
    const blocked = await failure(confirmPlanDraft(ctx(), actor, draft.id, draft.version));
    expect(blocked.code).toBe('conflict');
    expect(blocked.message).toContain('各有关单位，各区、县级市，各街道、镇');
    expect(blocked.details).toEqual({ groups: ['各有关单位', '各区、县级市', '各街道、镇'] });

    // Mapping a group to another group, or without units, is refused.
    const toGroup = await failure(
      editPlanDraft(ctx(), actor, draft.id, draft.version, [
        { type: 'decide-group', name: '各有关单位', decision: 'map', units: ['各区、县级市'] },
      ]),
    );
    expect(toGroup.message).toContain('“各区、县级市”也是单位组');
    const noUnits = await failure(
      editPlanDraft(ctx(), actor, draft.id, draft.version, [
        { type: 'decide-group', name: '各有关单位', decision: 'map' },
      ]),
    );
    expect(noUnits.message).toContain('请给出“各有关单位”所指的具体单位');
    const unknown = await failure(
      editPlanDraft(ctx(), actor, draft.id, draft.version, [
        { type: 'decide-group', name: '各委办局', decision: 'keep' },
      ]),
    );
    expect(unknown.message).toContain('草稿的任务中没有单位“各委办局”');

    const decided = await editPlanDraft(ctx(), actor, draft.id, draft.version, [
      { type: 'decide-group', name: '各有关单位', decision: 'map', units: ['区财政局', '区科委'] },
      { type: 'decide-group', name: '各区、县级市', decision: 'keep' },
      { type: 'decide-group', name: '各街道、镇', decision: 'drop' },
    ]);
    expect(decided.groups.map((g) => [g.name, g.decision])).toEqual([
      ['各有关单位', 'map'],
      ['各区、县级市', 'keep'],
      ['各街道、镇', 'drop'],
    ]);
    // The tasks keep the plan's wording until confirm; the diff shows what confirm writes.
    expect(decided.tasks[0]?.units.support).toEqual(['各有关单位']);
    // The units a group is mapped to are matched with the directory like the tasks' own.
    expect(decided.units.find((u) => u.name === '区科委')).toMatchObject({ match: 'new', unitId: null });
    const diff = await planDraftDiff(ctx(), actor, decided.id);
    expect(diff.added.map((t) => [t.lead, t.support])).toEqual([
      [['区发改委'], ['区财政局', '区科委']],
      [['各区、县级市'], []],
      [['区财政局'], ['区发改委']],
    ]);

    const planId = await confirmPlanDraft(ctx(), actor, decided.id, decided.version);
    const tasks = await listPlanTasks(ctx(), actor, planId);
    expect(tasks.map((t) => t.units.support.map((u) => u.name))).toEqual([['区财政局', '区科委'], [], ['区发改委']]);
    expect(tasks[1]?.units.lead.map((u) => u.name)).toEqual(['各区、县级市']);
    const units = await listUnits(ctx(), actor);
    expect(units.map((u) => [u.name, u.isGroup]).sort()).toEqual(
      [
        ['区发改委', false],
        ['区财政局', false],
        ['区科委', false],
        ['各区、县级市', true],
      ].sort(),
    );
  });

  it('keeping a group an earlier import made an ordinary unit marks that unit; office-typed groups join the list', async () => {
    const { actor, draft } = await draftOf(GROUP_PLAN, GROUP_PLAN_NAME);
    // A first import that (as before issue 10) turned 各有关单位 into an ordinary unit: mapped to itself is refused,
    // so it is merged away here and the second import keeps it.
    const first = await editPlanDraft(ctx(), actor, draft.id, draft.version, [
      { type: 'decide-group', name: '各区、县级市', decision: 'drop' },
      { type: 'decide-group', name: '各街道、镇', decision: 'drop' },
      { type: 'set-task-units', taskId: draft.tasks[0]?.id ?? '', lead: ['区发改委'], support: ['有关单位甲'] },
    ]);
    expect(first.groups.map((g) => g.name)).toEqual(['各区、县级市', '各街道、镇']);
    await confirmPlanDraft(ctx(), actor, first.id, first.version);
    await database()
      .db.insertInto('units')
      .values({
        id: 'unt_legacy_group',
        workspace_id: actor.workspaceId,
        created_at: '2021-01-01T00:00:00.000Z',
        updated_at: '2021-01-01T00:00:00.000Z',
        name: '各有关单位',
        full_name: null,
        kind: 'other',
      })
      .execute();

    const second = await createPlanDraft(ctx(), actor, { fileName: GROUP_PLAN_NAME, bytes: GROUP_PLAN });
    const typed = await editPlanDraft(ctx(), actor, second.id, second.version, [
      { type: 'set-task-units', taskId: second.tasks[2]?.id ?? '', lead: ['区财政局'], support: ['各委办局'] },
    ]);
    expect(typed.groups.map((g) => [g.name, g.decision])).toEqual([
      ['各有关单位', 'undecided'],
      ['各区、县级市', 'undecided'],
      ['各委办局', 'undecided'],
    ]);
    const decided = await editPlanDraft(ctx(), actor, second.id, typed.version, [
      { type: 'decide-group', name: '各有关单位', decision: 'keep' },
      { type: 'decide-group', name: '各区、县级市', decision: 'keep' },
      { type: 'decide-group', name: '各委办局', decision: 'keep' },
    ]);
    await confirmPlanDraft(ctx(), actor, decided.id, decided.version);
    const units = await listUnits(ctx(), actor);
    expect(units.find((u) => u.name === '各有关单位')).toMatchObject({ id: 'unt_legacy_group', isGroup: true });
    expect(units.find((u) => u.name === '各委办局')?.isGroup).toBe(true);
  });
});
