// Re-importing a new version of a confirmed plan, on both databases: the diff, and a confirm that keeps every
// task's id and the progress recorded against it.
import { expect, it } from 'vitest';
import { verifyChain } from '../../src/domain/audit-chain.ts';
import {
  confirmPlanDraft,
  createPlanDraft,
  editPlanDraft,
  planDraftDiff,
} from '../../src/services/plan-import.service.ts';
import { getPlan, listPlanTargets, listPlanTasks } from '../../src/services/plan.service.ts';
import { buildOffice, buildReading, buildReport, testContext } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { EXAMPLE, EXAMPLE_NAME, failure } from './plan-helpers.ts';

const RENAMED_FROM = '**（10）扩大长三角路演中心的影响力。**';
const RENAMED_TO = '**（10）扩大长三角路演中心的品牌影响力。**';
const REMOVED =
  '**（48）强化河海空联运。**依托港口、水运等交通优势，推动内河航道改造升级，构建以内河水运为主导、多式联运的综合货运体系。完善金山水上机场设施布局和配置，打造特色交通旅游线路。（牵头协调单位：区交通委）';
const ADDED = '**（48）发展低空经济。**建设通用航空服务站，拓展低空旅游航线。（牵头协调单位：区交通委、区经委）';

/** The example as its next version: task （10） renamed, （48） replaced by a new task. */
function nextVersion(): Buffer {
  const text = EXAMPLE.toString('utf8');
  if (!text.includes(RENAMED_FROM) || !text.includes(REMOVED)) throw new Error('the example plan changed');
  return Buffer.from(text.replace(RENAMED_FROM, RENAMED_TO).replace(REMOVED, ADDED), 'utf8');
}

describeEachDatabase('plan re-import', (database) => {
  const ctx = () => testContext(database().db);

  async function confirmedExample() {
    const { workspace, actor } = await buildOffice(database().db);
    const draft = await createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
    const planId = await confirmPlanDraft(ctx(), actor, draft.id, draft.version);
    const tasks = await listPlanTasks(ctx(), actor, planId);
    const byNumber = (number: string) => {
      const task = tasks.find((t) => t.number === number);
      if (task === undefined) throw new Error(`no task ${number}`);
      return task;
    };
    return { workspaceId: workspace.id, actor, planId, tasks, byNumber };
  }

  it('shows what changed and keeps the progress recorded against the tasks', async () => {
    const { workspaceId, actor, planId, byNumber } = await confirmedExample();
    const task10 = byNumber('（10）');
    const task11 = byNumber('（11）');
    const task48 = byNumber('（48）');
    const [target11] = (await listPlanTargets(ctx(), actor, planId)).filter((t) => t.taskId === task11.id);
    if (target11 === undefined) throw new Error('task （11） has no target');
    const report = await buildReport(database().db, {
      workspaceId,
      taskId: task11.id,
      unitId: task11.units.lead[0]?.id ?? '',
      period: '2021-Q3',
    });
    const reading = await buildReading(database().db, {
      workspaceId,
      targetId: target11.id,
      reportId: report.id,
      value: 120,
    });
    await buildReport(database().db, { workspaceId, taskId: task48.id, unitId: task48.units.lead[0]?.id ?? '' });
    expect(task48).toMatchObject({ isRemoved: false, removedInVersion: null });
    const nodeOf48 = () =>
      database()
        .db.selectFrom('nodes')
        .select(['position', 'removed_in_version'])
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', task48.nodeId)
        .executeTakeFirstOrThrow();
    const node48 = await nodeOf48();

    const draft = await createPlanDraft(ctx(), actor, { fileName: '新版.md', bytes: nextVersion(), planId });
    expect(draft).toMatchObject({ planId, isReimport: true, state: 'open' });
    expect(draft.plan).toMatchObject({ cycleFrequency: 'quarterly', startYear: 2021, endYear: 2025 });

    const diff = await planDraftDiff(ctx(), actor, draft.id);
    expect(diff).toMatchObject({
      planId,
      currentVersion: 1,
      summary: { added: 1, removed: 1, changed: 1, unchanged: 46 },
    });
    expect(diff.added).toEqual([
      expect.objectContaining({ number: '（48）', title: '发展低空经济', lead: ['区交通委', '区经委'], support: [] }),
    ]);
    expect(diff.removed).toEqual([
      expect.objectContaining({ taskId: task48.id, number: '（48）', title: '强化河海空联运', hasProgress: true }),
    ]);
    expect(diff.changed).toEqual([
      expect.objectContaining({
        taskId: task10.id,
        matchedBy: 'similar-title',
        changes: [{ field: 'title', before: '扩大长三角路演中心的影响力', after: '扩大长三角路演中心的品牌影响力' }],
      }),
    ]);
    expect(diff.goals).toEqual({ added: [], removed: [], changed: [] });

    const planIdAgain = await confirmPlanDraft(ctx(), actor, draft.id, draft.version);
    expect(planIdAgain).toBe(planId);
    expect(await getPlan(ctx(), actor, planId)).toMatchObject({ currentVersion: 2 });

    const tasks = await listPlanTasks(ctx(), actor, planId);
    expect(tasks).toHaveLength(48);
    expect(tasks.find((t) => t.number === '（11）')).toMatchObject({ id: task11.id, title: task11.title });
    expect(tasks.find((t) => t.number === '（10）')).toMatchObject({
      id: task10.id,
      title: '扩大长三角路演中心的品牌影响力',
      key: '(10) 扩大长三角路演中心的品牌影响力',
    });
    const added = tasks.find((t) => t.number === '（48）');
    expect(added?.id).not.toBe(task48.id);
    expect(added?.title).toBe('发展低空经济');
    expect(added?.units.lead.map((u) => u.name)).toEqual(['区交通委', '区经委']);

    // The removed task keeps its row, its position and its report, marked removed by version 2; so does its node.
    expect(tasks.every((t) => !t.isRemoved && t.removedInVersion === null)).toBe(true);
    const all = await listPlanTasks(ctx(), actor, planId, { includeRemoved: true });
    expect(all).toHaveLength(49);
    expect(all.at(-1)).toMatchObject({
      id: task48.id,
      title: '强化河海空联运',
      position: task48.position,
      isRemoved: true,
      removedInVersion: 2,
    });
    expect(await nodeOf48()).toEqual({ position: node48.position, removed_in_version: 2 });
    const reports = await database()
      .db.selectFrom('reports')
      .select(['id', 'task_id'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('task_id')
      .execute();
    expect(reports.map((r) => r.task_id).sort()).toEqual([task11.id, task48.id].sort());

    // Task （11）'s target is the same row, with its reading.
    const targets11 = (await listPlanTargets(ctx(), actor, planId)).filter((t) => t.taskId === task11.id);
    expect(targets11.map((t) => t.id)).toEqual([target11.id]);
    const readings = await database()
      .db.selectFrom('readings')
      .select(['id', 'target_id'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(readings).toEqual([{ id: reading.id, target_id: target11.id }]);

    const versions = await database()
      .db.selectFrom('plan_versions')
      .select(['number', 'file_id'])
      .where('workspace_id', '=', workspaceId)
      .where('plan_id', '=', planId)
      .orderBy('number')
      .execute();
    expect(versions.map((v) => v.number)).toEqual([1, 2]);
    expect(versions[1]?.file_id).toBe(draft.file?.id);

    const events = await database()
      .db.selectFrom('audit_events')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('seq')
      .execute();
    const last = events.at(-1);
    expect(last?.action).toBe('plan.confirm');
    expect(JSON.parse(last?.detail ?? '{}')).toMatchObject({
      version: 2,
      summary: { added: 1, removed: 1, changed: 1, unchanged: 46 },
      removedTaskIds: [task48.id],
      tasksInserted: 1,
      tasksRemoved: 1,
    });
    expect(verifyChain(events.map(({ id: _id, ...event }) => event))).toEqual({ ok: true });

    // Importing the same version again changes nothing.
    const same = await createPlanDraft(ctx(), actor, { fileName: '新版.md', bytes: nextVersion(), planId });
    expect((await planDraftDiff(ctx(), actor, same.id)).summary).toEqual({
      added: 0,
      removed: 0,
      changed: 0,
      unchanged: 48,
    });
  });

  it('keeps each task’s own paragraph, and a re-import that rewrites one shows and stores the new text', async () => {
    const { actor, planId, byNumber } = await confirmedExample();
    const task1 = byNumber('（1）');
    const paragraph = /^（1）建设滨海特色会展区。.*$/mu.exec(EXAMPLE.toString('utf8'))?.[0] ?? '';
    expect(paragraph).toContain('（牵头协调单位：新城区发展公司、区文旅局）');
    expect(task1.sourceText).toBe(paragraph);

    const rewritten = paragraph.replace('为金山特色产业', '为金山特色产业和临港新片区');
    const bytes = Buffer.from(EXAMPLE.toString('utf8').replace(paragraph, rewritten), 'utf8');
    const draft = await createPlanDraft(ctx(), actor, { fileName: 'v2.md', bytes, planId });
    const diff = await planDraftDiff(ctx(), actor, draft.id);
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 1, unchanged: 47 });
    expect(diff.changed[0]).toMatchObject({
      taskId: task1.id,
      changes: [{ field: 'text', before: paragraph, after: rewritten }],
    });
    await confirmPlanDraft(ctx(), actor, draft.id, draft.version);
    const after = (await listPlanTasks(ctx(), actor, planId)).find((t) => t.id === task1.id);
    expect(after).toMatchObject({ sourceText: rewritten, version: task1.version + 1 });
  });

  it('shows changed units and targets, and updates them in place', async () => {
    const { workspaceId, actor, planId, byNumber } = await confirmedExample();
    const task12 = byNumber('（12）');
    const task13 = byNumber('（13）');
    const [target12] = (await listPlanTargets(ctx(), actor, planId)).filter((t) => t.taskId === task12.id);
    if (target12 === undefined) throw new Error('task （12） has no target');
    const reading = await buildReading(database().db, { workspaceId, targetId: target12.id, value: 320 });

    const draft = await createPlanDraft(ctx(), actor, { fileName: 'v2.md', bytes: EXAMPLE, planId });
    const draft12 = draft.tasks.find((t) => t.number === '（12）');
    const draft13 = draft.tasks.find((t) => t.number === '（13）');
    const edited = await editPlanDraft(ctx(), actor, draft.id, draft.version, [
      { type: 'set-task-units', taskId: draft12?.id ?? '', lead: ['区经委'], support: ['区科委'] },
      { type: 'fix-target', targetId: draft12?.targets[0]?.id ?? '', value: 600, deadline: '2025' },
      { type: 'remove-task', taskId: draft13?.id ?? '' },
    ]);
    const diff = await planDraftDiff(ctx(), actor, edited.id);
    expect(diff.summary).toEqual({ added: 0, removed: 1, changed: 1, unchanged: 46 });
    expect(diff.removed).toEqual([expect.objectContaining({ taskId: task13.id, hasProgress: false })]);
    expect(diff.changed[0]?.taskId).toBe(task12.id);
    expect(diff.changed[0]?.changes).toEqual([
      { field: 'lead', before: ['区经委', '区投资促进办'], after: ['区经委'] },
      { field: 'support', before: [], after: ['区科委'] },
      {
        field: 'targets',
        added: [],
        removed: [],
        changed: [
          {
            targetId: target12.id,
            before: expect.objectContaining({ value: 500, deadline: null }),
            after: expect.objectContaining({ value: 600, deadline: '2025' }),
          },
        ],
      },
    ]);

    await confirmPlanDraft(ctx(), actor, edited.id, edited.version);
    const tasks = await listPlanTasks(ctx(), actor, planId);
    expect(tasks.find((t) => t.id === task12.id)?.units).toEqual({
      lead: [expect.objectContaining({ name: '区经委' })],
      support: [expect.objectContaining({ name: '区科委' })],
    });
    expect(tasks.some((t) => t.id === task13.id)).toBe(false);
    const targets = await listPlanTargets(ctx(), actor, planId);
    expect(targets.filter((t) => t.taskId === task12.id)).toEqual([
      expect.objectContaining({ id: target12.id, value: 600, deadline: '2025', version: 2 }),
    ]);
    const readings = await database()
      .db.selectFrom('readings')
      .select(['id', 'target_id'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(readings).toEqual([{ id: reading.id, target_id: target12.id }]);

    // A reading counts as recorded progress: a draft that drops （12） says so.
    const v3 = await createPlanDraft(ctx(), actor, { fileName: 'v3.md', bytes: EXAMPLE, planId });
    const drop = v3.tasks.find((t) => t.number === '（12）')?.id ?? '';
    const v3edited = await editPlanDraft(ctx(), actor, v3.id, v3.version, [{ type: 'remove-task', taskId: drop }]);
    const removed = (await planDraftDiff(ctx(), actor, v3edited.id)).removed;
    expect(removed).toEqual([expect.objectContaining({ taskId: task12.id, hasProgress: true })]);
  });

  it('follows tasks renumbered by a removal above them, and restores a removed task by its key', async () => {
    const { workspaceId, actor, planId, byNumber } = await confirmedExample();
    const task1 = byNumber('（1）');
    const task2 = byNumber('（2）');

    // Version 2: the office removes （1） from the draft; every later task keeps its number here, so match by key.
    const v2 = await createPlanDraft(ctx(), actor, { fileName: 'v2.md', bytes: EXAMPLE, planId });
    const edited = await editPlanDraft(ctx(), actor, v2.id, v2.version, [
      { type: 'remove-task', taskId: v2.tasks[0]?.id ?? '' },
      { type: 'rename-task', taskId: v2.tasks[1]?.id ?? '', number: '（1）', title: task2.title },
    ]);
    const diff = await planDraftDiff(ctx(), actor, edited.id);
    expect(diff.summary).toEqual({ added: 0, removed: 1, changed: 1, unchanged: 46 });
    expect(diff.changed[0]).toMatchObject({
      taskId: task2.id,
      matchedBy: 'title',
      changes: [{ field: 'number', before: '（2）', after: '（1）' }],
    });
    await confirmPlanDraft(ctx(), actor, edited.id, edited.version);
    const afterV2 = await listPlanTasks(ctx(), actor, planId);
    expect(afterV2[0]).toMatchObject({ id: task2.id, number: '（1）', position: 0 });
    expect(afterV2.some((t) => t.id === task1.id)).toBe(false);
    // （1） is removed by version 2 and keeps its place, after the tasks in force.
    const allV2 = await listPlanTasks(ctx(), actor, planId, { includeRemoved: true });
    expect(allV2).toHaveLength(48);
    expect(allV2.at(-1)).toMatchObject({
      id: task1.id,
      number: '（1）',
      position: 0,
      isRemoved: true,
      removedInVersion: 2,
    });

    // Version 3: the original again — （1） comes back with its old id, （2） gets its number back.
    const v3 = await createPlanDraft(ctx(), actor, { fileName: 'v3.md', bytes: EXAMPLE, planId });
    const diff3 = await planDraftDiff(ctx(), actor, v3.id);
    expect(diff3.summary).toEqual({ added: 0, removed: 0, changed: 2, unchanged: 46 });
    expect(diff3.changed.find((c) => c.taskId === task1.id)?.changes).toEqual([{ field: 'restored' }]);
    await confirmPlanDraft(ctx(), actor, v3.id, v3.version);
    const afterV3 = await listPlanTasks(ctx(), actor, planId, { includeRemoved: true });
    expect(afterV3).toHaveLength(48);
    expect(afterV3.slice(0, 2).map((t) => [t.id, t.number, t.position, t.isRemoved, t.removedInVersion])).toEqual([
      [task1.id, '（1）', 0, false, null],
      [task2.id, '（2）', 1, false, null],
    ]);
    expect(afterV3.every((t) => t.removedInVersion === null)).toBe(true);
    const node1 = await database()
      .db.selectFrom('nodes')
      .select('removed_in_version')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', task1.nodeId)
      .executeTakeFirstOrThrow();
    expect(node1.removed_in_version).toBeNull();
    expect((await getPlan(ctx(), actor, planId)).currentVersion).toBe(3);
  });

  it('marks a dropped target removed by its version, hides the targets of a removed task, and restores both', async () => {
    const { workspaceId, actor, planId, byNumber } = await confirmedExample();
    const task11 = byNumber('（11）');
    const task12 = byNumber('（12）');
    const before = await listPlanTargets(ctx(), actor, planId);
    const [target11] = before.filter((t) => t.taskId === task11.id);
    const [target12] = before.filter((t) => t.taskId === task12.id);
    if (target11 === undefined || target12 === undefined) throw new Error('tasks （11） and （12） have targets');
    const reading = await buildReading(database().db, { workspaceId, targetId: target11.id, value: 120 });

    // Version 2 drops （11）'s target and the whole task （12）.
    const v2 = await createPlanDraft(ctx(), actor, { fileName: 'v2.md', bytes: EXAMPLE, planId });
    const draft11 = v2.tasks.find((t) => t.number === '（11）');
    const draft12 = v2.tasks.find((t) => t.number === '（12）');
    const edited = await editPlanDraft(ctx(), actor, v2.id, v2.version, [
      { type: 'remove-target', targetId: draft11?.targets[0]?.id ?? '' },
      { type: 'remove-task', taskId: draft12?.id ?? '' },
    ]);
    await confirmPlanDraft(ctx(), actor, edited.id, edited.version);
    const inForce = await listPlanTargets(ctx(), actor, planId);
    expect(inForce).toHaveLength(before.length - 2);
    expect(inForce.some((t) => t.id === target11.id || t.id === target12.id)).toBe(false);
    const all = await listPlanTargets(ctx(), actor, planId, { includeRemoved: true });
    expect(all).toHaveLength(before.length);
    expect(all.find((t) => t.id === target11.id)).toMatchObject({
      position: target11.position,
      isRemoved: true,
      removedInVersion: 2,
    });
    // The target itself was not dropped: its task was.
    expect(all.find((t) => t.id === target12.id)).toMatchObject({ isRemoved: false, removedInVersion: null });
    const readings = await database()
      .db.selectFrom('readings')
      .select(['id', 'target_id'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(readings).toEqual([{ id: reading.id, target_id: target11.id }]);

    // Version 3, the original again: both come back as they were.
    const v3 = await createPlanDraft(ctx(), actor, { fileName: 'v3.md', bytes: EXAMPLE, planId });
    await confirmPlanDraft(ctx(), actor, v3.id, v3.version);
    const restored = await listPlanTargets(ctx(), actor, planId);
    expect(restored.map((t) => t.id)).toEqual(before.map((t) => t.id));
    expect(restored.find((t) => t.id === target11.id)).toMatchObject({
      position: target11.position,
      isRemoved: false,
      removedInVersion: null,
    });
    expect(restored.every((t) => t.removedInVersion === null)).toBe(true);
  });

  it('diffs at confirm time, so a draft made against an older version still applies cleanly', async () => {
    const { actor, planId } = await confirmedExample();
    const a = await createPlanDraft(ctx(), actor, { fileName: 'a.md', bytes: nextVersion(), planId });
    const b = await createPlanDraft(ctx(), actor, { fileName: 'b.md', bytes: nextVersion(), planId });
    await confirmPlanDraft(ctx(), actor, a.id, a.version);
    // b was made against version 1; confirming it still works (the diff is taken at confirm time) and is a no-op.
    await confirmPlanDraft(ctx(), actor, b.id, b.version);
    expect((await getPlan(ctx(), actor, planId)).currentVersion).toBe(3);
    expect(await listPlanTasks(ctx(), actor, planId)).toHaveLength(48);
    expect((await failure(confirmPlanDraft(ctx(), actor, b.id, b.version))).code).toBe('conflict');
  });
});
