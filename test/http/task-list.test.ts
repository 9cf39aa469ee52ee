// Task lists filtered and paginated in SQL, on both databases, through app.inject: GET /api/tasks across the
// workspace's plans (plan, unit and role, status, strand, due before / after, Chinese text, removed tasks), walked page
// by page; GET /api/plans for a plan picker; who sees which plans' tasks.
import { readFileSync } from 'node:fs';
import { expect, it, onTestFinished } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { LuoshiApp } from '../../src/http/app.ts';
import type { Actor, ServiceContext } from '../../src/services/context.ts';
import { confirmPlanDraft, createPlanDraft } from '../../src/services/plan-import.service.ts';
import { listUnits } from '../../src/services/unit.service.ts';
import { importExamplePlan } from '../delivery-factories.ts';
import { buildWorkspace, testContext } from '../factories.ts';
import { buildActor, buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';

type Who = 'office' | 'leader' | 'public' | 'admin' | 'stranger';

interface TaskItem {
  id: string;
  planId: string;
  number: string;
  title: string;
  path: string[];
  strandNodeId: string | null;
  status: string | null;
  dueOn: string | null;
  isRemoved: boolean;
  units: { lead: { id: string; name: string }[]; support: { id: string; name: string }[] };
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface Setup {
  app: LuoshiApp;
  db: Db;
  office: Actor;
  /** Plan A (made first) and plan B, both the example plan (48 tasks each), in one workspace. */
  planA: string;
  planB: string;
  get(who: Who, url: string): Promise<{ statusCode: number; json: () => unknown }>;
  /** Every page of a list, walked with `limit`. */
  walk(who: Who, url: string, limit?: number): Promise<TaskItem[]>;
}

async function setUp(database: TestDatabase): Promise<Setup> {
  const ctx = testContext(database.db);
  const a = await importExamplePlan(ctx);
  const second = await importExamplePlanInto(ctx, a.office);
  const other = await buildWorkspace(database.db, { name: '奉贤区' });
  const ws = a.workspaceId;
  const actors: Record<Who, Actor> = {
    office: buildActor({ userId: 'usr_office', workspaceId: ws }),
    leader: buildActor({ userId: 'usr_leader', workspaceId: ws, roles: ['leader'] }),
    public: buildActor({ userId: 'usr_public', workspaceId: ws, roles: ['public'] }),
    admin: buildActor({ userId: 'usr_admin', workspaceId: ws, roles: ['audit-admin'] }),
    stranger: buildActor({ userId: 'usr_stranger', workspaceId: other.id }),
  };
  const app = await buildTestApp({
    database,
    actor: (request) => actors[request.headers['x-test-as'] as Who] ?? null,
  });
  onTestFinished(() => app.close());
  const get = (who: Who, url: string) => app.inject({ method: 'GET', url, headers: { 'x-test-as': who } });
  const walk = async (who: Who, url: string, limit = 17) => {
    const items: TaskItem[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const separator = url.includes('?') ? '&' : '?';
      const response = await get(who, `${url}${separator}limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(response.statusCode).toBe(200);
      const page = response.json() as Page<TaskItem>;
      expect(page.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.items);
      cursor = page.nextCursor;
      if (cursor === null) return items;
    }
    throw new Error(`${url} did not end within 100 pages`);
  };
  return { app, db: database.db, office: actors.office, planA: a.planId, planB: second, get, walk };
}

const EXAMPLE = readFileSync(new URL('../../examples/jinshan-hongqiao-2021.md', import.meta.url));

/** Imports the example plan again, as a second plan of the office's workspace. */
async function importExamplePlanInto(ctx: ServiceContext, office: Actor): Promise<string> {
  const draft = await createPlanDraft(ctx, office, { fileName: 'jinshan-hongqiao-2021.md', bytes: EXAMPLE });
  return confirmPlanDraft(ctx, office, draft.id, draft.version);
}

const unitIds = (task: TaskItem) => [...task.units.lead, ...task.units.support].map((unit) => unit.id);

describeEachDatabase('task lists API', (database) => {
  it('walks every task of every plan once, plan by plan in document order, and filters by plan', async () => {
    const setup = await setUp(database());
    const listA = await setup.walk('office', `/api/plans/${setup.planA}/tasks`, 200);
    const listB = await setup.walk('office', `/api/plans/${setup.planB}/tasks`, 200);
    expect(listA).toHaveLength(48);
    expect(listB).toHaveLength(48);

    const all = await setup.walk('office', '/api/tasks');
    expect(all.map((task) => task.id)).toEqual([...listA, ...listB].map((task) => task.id));
    expect(all[0]).toMatchObject({ number: '（1）', planId: setup.planA, path: listA[0]?.path });
    expect(all[0]?.path.length).toBeGreaterThan(0);
    expect(all[0]?.units).toEqual(listA[0]?.units);

    const onlyB = await setup.walk('office', `/api/tasks?plan=${setup.planB}`, 10);
    expect(onlyB.map((task) => task.id)).toEqual(listB.map((task) => task.id));
  });

  it('filters by unit and role, status, strand, due dates and Chinese text across plans', async () => {
    const setup = await setUp(database());
    const all = await setup.walk('office', '/api/tasks', 200);
    const ids = (tasks: TaskItem[]) => tasks.map((task) => task.id);

    const units = await listUnits(testContext(setup.db), setup.office);
    const bureau = units.find((unit) => unit.name === '区文旅局');
    expect(bureau).toBeDefined();
    const bureauId = bureau?.id ?? '';
    const ofBureau = await setup.walk('office', `/api/tasks?unit=${bureauId}`, 7);
    expect(ids(ofBureau)).toEqual(ids(all.filter((task) => unitIds(task).includes(bureauId))));
    expect(new Set(ofBureau.map((task) => task.planId))).toEqual(new Set([setup.planA, setup.planB]));
    const led = await setup.walk('office', `/api/tasks?unit=${bureauId}&role=lead`, 7);
    expect(ids(led)).toEqual(ids(all.filter((task) => task.units.lead.some((unit) => unit.id === bureauId))));
    const supported = await setup.walk('office', `/api/tasks?unit=${bureauId}&role=support`, 7);
    expect(ids(supported)).toEqual(ids(all.filter((task) => task.units.support.some((unit) => unit.id === bureauId))));
    expect(led.length + supported.length).toBe(ofBureau.length);
    expect(led.length).toBeGreaterThan(0);

    // Statuses and due dates set on a few tasks of both plans.
    const [first, second, third] = [all[2], all[30], all[50]];
    await setStatus(setup.db, first?.id, 'closed', '2021-12-31');
    await setStatus(setup.db, second?.id, 'at-risk', '2022-06-30');
    await setStatus(setup.db, third?.id, 'closed', '2023-12-31');
    const closed = await setup.walk('office', '/api/tasks?status=closed');
    expect(ids(closed)).toEqual([first?.id, third?.id]);

    const fresh = await setup.walk('office', '/api/tasks', 200);
    const due = (test: (dueOn: string) => boolean) =>
      ids(fresh.filter((task) => task.dueOn !== null && test(task.dueOn)));
    const before = await setup.walk('office', '/api/tasks?dueBefore=2022-06-30', 5);
    expect(ids(before)).toEqual(due((dueOn) => dueOn < '2022-06-30'));
    expect(ids(before)).toContain(first?.id);
    const after = await setup.walk('office', '/api/tasks?dueAfter=2022-06-30', 5);
    expect(ids(after)).toEqual(due((dueOn) => dueOn > '2022-06-30'));
    expect(ids(after)).toContain(third?.id);
    const between = await setup.walk('office', '/api/tasks?dueAfter=2021-12-31&dueBefore=2023-12-31', 5);
    expect(ids(between)).toEqual(due((dueOn) => dueOn > '2021-12-31' && dueOn < '2023-12-31'));
    expect(ids(between)).toContain(second?.id);

    const strand = all[0]?.strandNodeId ?? '';
    const ofStrand = await setup.walk('office', `/api/tasks?strand=${strand}`, 4);
    expect(ids(ofStrand)).toEqual(ids(all.filter((task) => task.strandNodeId === strand)));
    expect(ofStrand.length).toBeGreaterThan(0);

    const expo = await setup.walk('office', `/api/tasks?q=${encodeURIComponent('会展')}`, 3);
    expect(expo.map((task) => task.number)).toContain('（1）');
    expect(new Set(expo.map((task) => task.planId))).toEqual(new Set([setup.planA, setup.planB]));
    for (const task of expo) {
      expect([task.title, ...task.path, ...task.units.lead.map((u) => u.name)].join(' ')).toContain('会展');
    }
    const combined = await setup.walk(
      'office',
      `/api/tasks?plan=${setup.planB}&unit=${bureauId}&q=${encodeURIComponent('会展')}`,
    );
    expect(ids(combined)).toEqual(
      ids(expo.filter((task) => task.planId === setup.planB && unitIds(task).includes(bureauId))),
    );
  });

  it('lists removed tasks only when asked, after their plan’s tasks in force', async () => {
    const setup = await setUp(database());
    const all = await setup.walk('office', '/api/tasks', 200);
    const removed = all[1];
    await setup.db
      .updateTable('tasks')
      .set({ removed_in_version: 2 })
      .where('id', '=', removed?.id ?? '')
      .execute();
    const inForce = await setup.walk('office', '/api/tasks');
    expect(inForce.map((task) => task.id)).not.toContain(removed?.id);
    expect(inForce).toHaveLength(95);
    const withRemoved = await setup.walk('office', '/api/tasks?includeRemoved=true', 6);
    expect(withRemoved).toHaveLength(96);
    // Plan A's 47 in force, then its removed task, then plan B's.
    expect(withRemoved[47]).toMatchObject({ id: removed?.id, isRemoved: true, planId: setup.planA });
    expect(withRemoved.slice(0, 47).every((task) => !task.isRemoved && task.planId === setup.planA)).toBe(true);
    const planList = await setup.walk('office', `/api/plans/${setup.planA}/tasks?includeRemoved=true`, 6);
    expect(planList.map((task) => task.id)).toEqual(withRemoved.slice(0, 48).map((task) => task.id));
  });

  it('shows the public the published plans only, refuses the administrators and checks its query', async () => {
    const setup = await setUp(database());
    await setup.db.updateTable('plans').set({ published: 1 }).where('id', '=', setup.planB).execute();

    const publicTasks = await setup.walk('public', '/api/tasks', 50);
    expect(publicTasks).toHaveLength(48);
    expect(publicTasks.every((task) => task.planId === setup.planB)).toBe(true);
    expect((await setup.get('public', `/api/tasks?plan=${setup.planA}`)).statusCode).toBe(404);
    expect(((await setup.get('public', '/api/plans')).json() as Page<{ id: string }>).items.map((p) => p.id)).toEqual([
      setup.planB,
    ]);

    for (const url of ['/api/tasks', '/api/plans']) {
      const refused = await setup.get('admin', url);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
    expect((await setup.get('stranger', `/api/tasks?plan=${setup.planA}`)).statusCode).toBe(404);
    expect(((await setup.get('stranger', '/api/tasks')).json() as Page<TaskItem>).items).toEqual([]);

    const roleAlone = await setup.get('office', '/api/tasks?role=lead');
    expect(roleAlone.statusCode).toBe(400);
    expect(roleAlone.json()).toMatchObject({
      error: { code: 'validation-failed', message: expect.stringMatching(/role/) },
    });
    const badDate = await setup.get('office', '/api/tasks?dueBefore=2021-13-01');
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json()).toMatchObject({ error: { message: expect.stringMatching(/^查询参数 dueBefore/) } });

    // A cursor of the cross-plan list, in plan B's own list, is refused.
    const firstPage = (await setup.get('office', '/api/tasks?limit=5')).json() as Page<TaskItem>;
    const mixed = await setup.get('office', `/api/plans/${setup.planB}/tasks?cursor=${firstPage.nextCursor}`);
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json()).toMatchObject({ error: { message: expect.stringMatching(/^查询参数 cursor：分页游标无效/) } });
  });

  it('lists the workspace’s plans newest first, a page at a time', async () => {
    const setup = await setUp(database());
    const first = await setup.get('leader', '/api/plans?limit=1');
    expect(first.statusCode).toBe(200);
    const page1 = first.json() as Page<{ id: string; title: string; currentVersion: number }>;
    expect(page1.items.map((plan) => plan.id)).toEqual([setup.planB]);
    expect(page1.items[0]).toMatchObject({ title: expect.stringContaining('虹桥'), currentVersion: 1 });
    const second = (await setup.get('leader', `/api/plans?limit=1&cursor=${page1.nextCursor}`)).json() as Page<{
      id: string;
    }>;
    expect(second).toEqual({ items: [expect.objectContaining({ id: setup.planA })], nextCursor: null });
    expect(((await setup.get('stranger', '/api/plans')).json() as Page<{ id: string }>).items).toEqual([]);
  });
});

async function setStatus(db: Db, taskId: string | undefined, status: 'closed' | 'at-risk', dueOn: string) {
  await db
    .updateTable('tasks')
    .set({ status, status_at: '2021-07-01T02:00:00.000Z', due_on: dueOn })
    .where('id', '=', taskId ?? '')
    .execute();
}
