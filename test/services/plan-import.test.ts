// Importing a plan on both databases: upload → draft → confirm, the unit directory, and who may see what.
import { describe, expect, it } from 'vitest';
import { containsText } from '../../src/db/text-search.ts';
import type { AuditEventRow } from '../../src/db/schema.ts';
import { verifyChain } from '../../src/domain/audit-chain.ts';
import { importDocument } from '../../src/importer/index.ts';
import {
  confirmPlanDraft,
  createPlanDraft,
  editPlanDraft,
  getPlanDraft,
  planDraftDiff,
} from '../../src/services/plan-import.service.ts';
import { getPlan, listPlanGoals, listPlanTargets, listPlanTasks } from '../../src/services/plan.service.ts';
import { listUnits } from '../../src/services/unit.service.ts';
import { buildActor, buildOffice, buildUnit, testContext } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { EXAMPLE, EXAMPLE_NAME, failure } from './plan-helpers.ts';

const parsed = (await importDocument(EXAMPLE, EXAMPLE_NAME)).draft;

const chained = ({ id: _id, ...event }: AuditEventRow) => event;

describeEachDatabase('plan import', (database) => {
  const ctx = () => testContext(database().db);

  async function auditOf(workspaceId: string) {
    return database()
      .db.selectFrom('audit_events')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('seq')
      .execute();
  }

  describe('the example plan', () => {
    it('becomes a draft with the plan’s settings guessed and every unit new', async () => {
      const { actor } = await buildOffice(database().db);
      const draft = await createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });

      expect(draft).toMatchObject({ version: 1, state: 'open', planId: null, isReimport: false });
      expect(draft.plan).toEqual({
        title: '金山区加快推进虹桥国际开放枢纽建设实施方案',
        docNumber: '金府发〔2021〕1号',
        issuer: '上海市金山区人民政府',
        issuedOn: '2021-06-02',
        startYear: 2021,
        endYear: 2025,
        visionYear: 2035,
        cycleFrequency: 'quarterly',
        cycleDueDays: 15,
        requiresUnitApproval: false,
      });
      expect(draft.tasks).toHaveLength(48);
      expect(draft.goals).toHaveLength(4);
      expect(draft.file).toMatchObject({ name: EXAMPLE_NAME, mediaType: 'text/markdown', size: EXAMPLE.length });
      expect(draft.units.length).toBeGreaterThan(30);
      expect(draft.units.every((unit) => unit.match === 'new' && unit.unitId === null)).toBe(true);
      expect(draft.units.find((unit) => unit.name === '枫泾镇')?.kind).toBe('town');
      expect(draft.units.find((unit) => unit.name === '石化街道办事处')?.kind).toBe('subdistrict');
      expect(draft.units.find((unit) => unit.name === '金山城投集团')?.kind).toBe('soe');
      expect(draft.units.find((unit) => unit.name === '区经委')?.kind).toBe('bureau');

      const file = await database()
        .db.selectFrom('files')
        .selectAll()
        .where('id', '=', draft.file?.id ?? '')
        .executeTakeFirstOrThrow();
      expect(Buffer.from(file.data ?? []).equals(EXAMPLE)).toBe(true);
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(file.sha256).toBe(draft.file?.sha256);
    });

    it('confirms into 48 tasks, their units and targets, a unit directory and a verified audit trail', async () => {
      const { workspace, actor } = await buildOffice(database().db);
      const draft = await createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
      const planId = await confirmPlanDraft(ctx(), actor, draft.id, draft.version);

      const plan = await getPlan(ctx(), actor, planId);
      expect(plan).toMatchObject({
        title: '金山区加快推进虹桥国际开放枢纽建设实施方案',
        docNumber: '金府发〔2021〕1号',
        startYear: 2021,
        endYear: 2025,
        visionYear: 2035,
        cycle: { frequency: 'quarterly', dueDays: 15 },
        requiresUnitApproval: false,
        currentVersion: 1,
      });

      const tasks = await listPlanTasks(ctx(), actor, planId);
      expect(tasks.map((task) => task.number)).toEqual(parsed.tasks.map((task) => task.number));
      expect(tasks.map((task) => task.title)).toEqual(parsed.tasks.map((task) => task.title));
      expect(tasks.map((task) => task.units.lead.map((unit) => unit.name))).toEqual(
        parsed.tasks.map((task) => task.units.lead),
      );
      expect(tasks.map((task) => task.position)).toEqual([...Array(48).keys()]);
      expect(new Set(tasks.map((task) => task.key)).size).toBe(48);

      const task11 = tasks.find((task) => task.number === '（11）');
      expect(task11).toMatchObject({
        title: '打造千亿级高端绿色化工产业集群',
        key: '(11) 打造千亿级高端绿色化工产业集群',
        path: [
          '二、“十四五”期间重点任务',
          '（二）提升国际贸易产业支撑功能，建设杭州湾北岸高端产业集聚区',
          '4.建设杭州湾北岸高端产业集聚区（金山）',
        ],
        isRemoved: false,
      });
      expect(task11?.units.lead.map((unit) => unit.name)).toEqual(['区经委', '区投资促进办']);
      expect(task11?.units.support).toEqual([]);
      expect(task11?.strandNodeId).not.toBeNull();

      const targets = await listPlanTargets(ctx(), actor, planId);
      const taskTargets = targets.filter((target) => target.taskId !== null);
      const goalTargets = targets.filter((target) => target.goalNodeId !== null);
      // The parser reads 21 task targets and 6 goal targets from the example (the hand-checked gold counts two of the
      // task targets as optional: 19 + 6 = 25 required).
      expect(taskTargets).toHaveLength(parsed.tasks.flatMap((task) => task.targets).length);
      expect(taskTargets).toHaveLength(21);
      expect(goalTargets).toHaveLength(6);
      expect(targets.filter((target) => target.taskId === task11?.id)).toEqual([
        expect.objectContaining({
          text: '打造千亿级高端绿色化工产业集群',
          comparator: '>=',
          value: 1000,
          unit: '亿元',
          deadline: null,
          cumulative: false,
          baseline: null,
        }),
      ]);
      expect(goalTargets[0]).toMatchObject({
        text: '“十四五”期间累计接待游客总人数6000万人次以上',
        value: 6000,
        unit: '万人次',
        period: '2021-2025',
        cumulative: true,
      });
      const range = targets.find((target) => target.text.includes('2-3项'));
      expect(range).toMatchObject({ comparator: 'range', value: [2, 3], unit: '项' });
      expect((await listPlanGoals(ctx(), actor, planId)).map((goal) => goal.title)).toEqual(
        parsed.goals.map((goal) => goal.title),
      );

      const names = [...new Set(parsed.tasks.flatMap((task) => [...task.units.lead, ...task.units.support]))];
      const units = await listUnits(ctx(), actor);
      expect(units.map((unit) => unit.name).sort()).toEqual([...names].sort());

      // The tree: 1 part, 4 strands, 12 areas, 48 tasks, 4 goals.
      const kinds = await database()
        .db.selectFrom('nodes')
        .select(['kind', (eb) => eb.fn.countAll<number>().as('count')])
        .where('workspace_id', '=', workspace.id)
        .where('plan_id', '=', planId)
        .groupBy('kind')
        .orderBy('kind')
        .execute();
      expect(Object.fromEntries(kinds.map((row) => [row.kind, Number(row.count)]))).toEqual({
        area: 12,
        goal: 4,
        part: 1,
        strand: 4,
        task: 48,
      });

      // Chinese search finds the task by a word of its title, and by a unit's name.
      const found = await database()
        .db.selectFrom('tasks')
        .select('number')
        .where('workspace_id', '=', workspace.id)
        .where(containsText(database().dialect, 'tasks.search_text', '千亿级'))
        .execute();
      expect(found.map((row) => row.number)).toEqual(['（11）']);

      const versions = await database()
        .db.selectFrom('plan_versions')
        .selectAll()
        .where('workspace_id', '=', workspace.id)
        .execute();
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({ plan_id: planId, number: 1, file_id: draft.file?.id });
      expect(JSON.parse(versions[0]?.draft ?? '{}').tasks).toHaveLength(48);

      expect((await getPlanDraft(ctx(), actor, draft.id)).state).toBe('confirmed');

      const events = await auditOf(workspace.id);
      expect(events.map((event) => event.action)).toEqual([
        'plan-draft.create',
        ...names.map(() => 'unit.create'),
        'plan.confirm',
      ]);
      expect(events.at(-1)).toMatchObject({ subject_type: 'plan', subject_id: planId, actor_id: actor.userId });
      expect(JSON.parse(events.at(-1)?.detail ?? '{}')).toMatchObject({ version: 1, tasks: 48, tasksInserted: 48 });
      expect(verifyChain(events.map(chained))).toEqual({ ok: true });
    });
  });

  describe('the unit directory', () => {
    it('maps a name to the unit whose alias it is, and creates no duplicate', async () => {
      const { workspace, actor } = await buildOffice(database().db);
      const existing = await buildUnit(database().db, {
        workspaceId: workspace.id,
        name: '区经济委员会',
        aliases: ['区经委'],
      });
      const draft = await createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
      expect(draft.units.find((unit) => unit.name === '区经委')).toEqual({
        name: '区经委',
        match: 'alias',
        unitId: existing.id,
        unitName: '区经济委员会',
        kind: 'bureau',
      });

      const planId = await confirmPlanDraft(ctx(), actor, draft.id, draft.version);
      const units = await listUnits(ctx(), actor);
      expect(units.filter((unit) => unit.name === '区经济委员会')).toEqual([
        expect.objectContaining({ id: existing.id, aliases: ['区经委'] }),
      ]);
      expect(units.some((unit) => unit.name === '区经委')).toBe(false);
      const task11 = (await listPlanTasks(ctx(), actor, planId)).find((task) => task.number === '（11）');
      expect(task11?.units.lead).toEqual([
        { id: existing.id, name: '区经济委员会' },
        { id: expect.any(String), name: '区投资促进办' },
      ]);
    });

    it('matches a name exactly, and a second plan reuses the units the first created', async () => {
      const { workspace, actor } = await buildOffice(database().db);
      const wenlv = await buildUnit(database().db, { workspaceId: workspace.id, name: '区文旅局' });
      const first = await createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
      expect(first.units.find((unit) => unit.name === '区文旅局')).toMatchObject({ match: 'exact', unitId: wenlv.id });
      await confirmPlanDraft(ctx(), actor, first.id, first.version);
      const count = (await listUnits(ctx(), actor)).length;

      const second = await createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
      expect(second.units.every((unit) => unit.match === 'exact')).toBe(true);
      await confirmPlanDraft(ctx(), actor, second.id, second.version);
      expect(await listUnits(ctx(), actor)).toHaveLength(count);
    });

    it('remembers a merged name as an alias of the unit it was merged into', async () => {
      const { actor } = await buildOffice(database().db);
      const draft = await createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
      const edited = await editPlanDraft(ctx(), actor, draft.id, draft.version, [
        { type: 'merge-units', from: '区行政服务中心', into: '区政务服务办' },
      ]);
      expect(edited.unitMerges).toEqual([{ from: '区行政服务中心', into: '区政务服务办' }]);
      expect(edited.units.some((unit) => unit.name === '区行政服务中心')).toBe(false);
      const task39 = edited.tasks.find((task) => task.number === '（39）');
      expect(task39?.units.lead).toEqual(['区发改委', '区经委', '区科委', '区财政局', '区政务服务办', '区投资促进办']);

      const planId = await confirmPlanDraft(ctx(), actor, edited.id, edited.version);
      const units = await listUnits(ctx(), actor);
      expect(units.find((unit) => unit.name === '区政务服务办')?.aliases).toEqual(['区行政服务中心']);
      expect(units.some((unit) => unit.name === '区行政服务中心')).toBe(false);
      const task = (await listPlanTasks(ctx(), actor, planId)).find((t) => t.number === '（39）');
      expect(task?.units.lead.map((unit) => unit.name)).toEqual(task39?.units.lead);
    });
  });

  describe('upload', () => {
    it('refuses a file that is not a plan, with the importer’s code and message, and stores nothing', async () => {
      const { workspace, actor } = await buildOffice(database().db);
      const notAPlan = Buffer.from('会议纪要\n\n今天开了一个会。\n', 'utf8');
      const error = await failure(createPlanDraft(ctx(), actor, { fileName: '纪要.txt', bytes: notAPlan }));
      expect(error).toMatchObject({ code: 'invalid-input', details: { importCode: 'not-a-plan' } });
      expect(error.message).toContain('未找到编号的任务');

      const empty = await failure(createPlanDraft(ctx(), actor, { fileName: 'a.md', bytes: new Uint8Array() }));
      expect(empty).toMatchObject({ code: 'invalid-input', details: { importCode: 'empty' } });
      const large = await failure(
        createPlanDraft(ctx(), actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE, maxBytes: 1000 }),
      );
      expect(large).toMatchObject({ code: 'too-large', details: { importCode: 'too-large' } });

      const files = await database()
        .db.selectFrom('files')
        .select('id')
        .where('workspace_id', '=', workspace.id)
        .execute();
      expect(files).toEqual([]);
      expect(await auditOf(workspace.id)).toEqual([]);
    });

    it('is for the plan office only', async () => {
      const { workspace } = await buildOffice(database().db);
      const reporter = buildActor(workspace.id, { roles: ['unit-reporter'] });
      const error = await failure(createPlanDraft(ctx(), reporter, { fileName: EXAMPLE_NAME, bytes: EXAMPLE }));
      expect(error.code).toBe('forbidden');
    });
  });

  describe('workspaces', () => {
    it('does not let one workspace see or touch another’s draft or plan', async () => {
      const a = await buildOffice(database().db);
      const b = await buildOffice(database().db);
      const draft = await createPlanDraft(ctx(), a.actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });

      expect((await failure(getPlanDraft(ctx(), b.actor, draft.id))).code).toBe('not-found');
      expect((await failure(planDraftDiff(ctx(), b.actor, draft.id))).code).toBe('not-found');
      const rename = { type: 'rename-task', taskId: 't1', title: '改名' } as const;
      expect((await failure(editPlanDraft(ctx(), b.actor, draft.id, 1, [rename]))).code).toBe('not-found');
      expect((await failure(confirmPlanDraft(ctx(), b.actor, draft.id, 1))).code).toBe('not-found');

      const planId = await confirmPlanDraft(ctx(), a.actor, draft.id, draft.version);
      expect((await failure(getPlan(ctx(), b.actor, planId))).code).toBe('not-found');
      expect((await failure(listPlanTasks(ctx(), b.actor, planId))).code).toBe('not-found');
      const reimport = createPlanDraft(ctx(), b.actor, { fileName: EXAMPLE_NAME, bytes: EXAMPLE, planId });
      expect((await failure(reimport)).code).toBe('not-found');
      expect(await listUnits(ctx(), b.actor)).toEqual([]);
    });
  });
});
