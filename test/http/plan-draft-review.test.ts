// The draft review's API on both databases: GET /api/plan-drafts (the office's list of drafts, newest first, paged,
// with the uploader's display name and, for a re-import, the plan it would update; other roles refused), and the
// new edits (add, split, merge tasks; decide a unit group) through PATCH, with the confirm waiting for the groups.
import { onTestFinished } from 'vitest';
import { expect, it } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import type { Actor } from '../../src/services/context.ts';
import { createPlanDraft, confirmPlanDraft } from '../../src/services/plan-import.service.ts';
import { buildWorkspace, testContext } from '../factories.ts';
import { buildActor, buildTestApp } from '../helpers/app.ts';
import { buildUser } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { EXAMPLE, EXAMPLE_NAME, GROUP_PLAN, GROUP_PLAN_NAME } from '../services/plan-helpers.ts';

interface ListBody {
  items: {
    id: string;
    state: string;
    fileName: string | null;
    title: string;
    taskCount: number;
    isReimport: boolean;
    plan: { id: string; title: string } | null;
    createdAt: string;
    createdBy: { id: string; displayName: string | null } | null;
  }[];
  nextCursor: string | null;
}

const TINY = (title: string) =>
  Buffer.from(
    `# ${title}\n\n一、重点任务\n\n（一）建设一号工程。（区发改委牵头）\n\n（二）建设二号工程。（区财政局牵头）\n`,
    'utf8',
  );

describeEachDatabase('GET /api/plan-drafts', (database) => {
  async function setUp(): Promise<{ app: LuoshiApp; office: Actor; as: (who: string) => Record<string, string> }> {
    const db = database().db;
    const workspace = await buildWorkspace(db);
    const user = await buildUser(db, { workspaceId: workspace.id, roles: ['office'] });
    const actors: Record<string, Actor> = {
      office: buildActor({ userId: user.id, workspaceId: workspace.id }),
      leader: buildActor({ userId: 'usr_leader', workspaceId: workspace.id, roles: ['leader'] }),
      reporter: buildActor({
        userId: 'usr_reporter',
        workspaceId: workspace.id,
        roles: ['unit-reporter'],
        unitId: 'unt_x',
      }),
    };
    const other = await buildWorkspace(db, { name: '奉贤区' });
    actors.stranger = buildActor({ userId: 'usr_stranger', workspaceId: other.id });
    const app = await buildTestApp({
      database: database(),
      actor: (request) => actors[request.headers['x-test-as'] as string] ?? null,
    });
    onTestFinished(() => app.close());
    return { app, office: actors.office as Actor, as: (who) => ({ 'x-test-as': who }) };
  }

  it('lists the drafts newest first, page by page, with file, title, uploader, state, tasks and the plan', async () => {
    const { app, office, as } = await setUp();
    // Each draft a second apart, so that "newest first" is decided by the clock, not by the ids.
    const at = (second: number) => testContext(database().db, () => new Date(Date.UTC(2026, 0, 5, 8, 0, second)));
    const first = await createPlanDraft(at(1), office, { fileName: EXAMPLE_NAME, bytes: EXAMPLE });
    const planId = await confirmPlanDraft(at(2), office, first.id, first.version);
    const reimport = await createPlanDraft(at(3), office, { fileName: 'v2.md', bytes: EXAMPLE, planId });
    const tiny = await createPlanDraft(at(4), office, { fileName: 'tiny.md', bytes: TINY('某区试点工作方案') });

    const page1 = await app.inject({ method: 'GET', url: '/api/plan-drafts?limit=2', headers: as('office') });
    expect(page1.statusCode).toBe(200);
    const body1 = page1.json() as ListBody;
    expect(body1.items.map((d) => d.id)).toEqual([tiny.id, reimport.id]);
    expect(body1.items[0]).toMatchObject({
      state: 'open',
      fileName: 'tiny.md',
      title: '某区试点工作方案',
      taskCount: 2,
      isReimport: false,
      plan: null,
      createdBy: { id: office.userId, displayName: expect.stringContaining('测试用户') },
    });
    expect(body1.items[1]).toMatchObject({ fileName: 'v2.md', isReimport: true, taskCount: 48 });
    expect(body1.items[1]?.plan).toEqual({ id: planId, title: expect.stringContaining('金山') });
    expect(body1.nextCursor).not.toBeNull();

    const page2 = await app.inject({
      method: 'GET',
      url: `/api/plan-drafts?limit=2&cursor=${body1.nextCursor}`,
      headers: as('office'),
    });
    const body2 = page2.json() as ListBody;
    expect(body2.items.map((d) => [d.id, d.state])).toEqual([[first.id, 'confirmed']]);
    expect(body2.items[0]?.plan?.id).toBe(planId);
    expect(body2.nextCursor).toBeNull();

    const open = await app.inject({ method: 'GET', url: '/api/plan-drafts?state=open', headers: as('office') });
    expect((open.json() as ListBody).items.map((d) => d.id)).toEqual([tiny.id, reimport.id]);
  });

  it('shows no other workspace’s drafts, and refuses every role but the office', async () => {
    const { app, office, as } = await setUp();
    await createPlanDraft(testContext(database().db), office, { fileName: 'tiny.md', bytes: TINY('某区方案') });
    const stranger = await app.inject({ method: 'GET', url: '/api/plan-drafts', headers: as('stranger') });
    expect(stranger.statusCode).toBe(200);
    expect((stranger.json() as ListBody).items).toEqual([]);
    for (const who of ['leader', 'reporter']) {
      const refused = await app.inject({ method: 'GET', url: '/api/plan-drafts', headers: as(who) });
      expect(refused.statusCode).toBe(403);
      expect((refused.json() as { error: { code: string; message: string } }).error.code).toBe('forbidden');
    }
    const bad = await app.inject({ method: 'GET', url: '/api/plan-drafts?cursor=zzz', headers: as('office') });
    expect(bad.statusCode).toBe(400);
  });

  it('applies add, split, merge and group decisions through PATCH; confirm waits for the groups', async () => {
    const { app, office, as } = await setUp();
    const draft = await createPlanDraft(testContext(database().db), office, {
      fileName: GROUP_PLAN_NAME,
      bytes: GROUP_PLAN,
    });
    const [t1, t2, t3] = draft.tasks;
    const patch = (version: number, edits: unknown[]) =>
      app.inject({
        method: 'PATCH',
        url: `/api/plan-drafts/${draft.id}`,
        headers: as('office'),
        payload: { version, edits },
      });
    const confirm = (version: number) =>
      app.inject({
        method: 'POST',
        url: `/api/plan-drafts/${draft.id}/confirm`,
        headers: as('office'),
        payload: { version },
      });

    const listed = await app.inject({ method: 'GET', url: '/api/plan-drafts', headers: as('office') });
    expect((listed.json() as { items: { id: string; undecidedGroups: number }[] }).items).toEqual([
      expect.objectContaining({ id: draft.id, undecidedGroups: 3 }),
    ]);
    const blocked = await confirm(draft.version);
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json()).toEqual({
      error: { code: 'conflict', message: expect.stringMatching(/^请先决定以下单位组.*（decide each unit group/) },
    });

    const refused = await patch(draft.version, [{ type: 'merge-tasks', taskIds: [t1?.id, t3?.id] }]);
    expect(refused.statusCode).toBe(422);
    expect((refused.json() as { error: { message: string } }).error.message).toMatch(
      /^第 1 项修改（合并任务）：只能合并相邻的任务/,
    );
    const unknownField = await patch(draft.version, [{ type: 'add-task', title: '新任务', owner: 'x' }]);
    expect(unknownField.statusCode).toBe(400);

    const edited = await patch(draft.version, [
      { type: 'add-task', number: '（四）', title: '建立四号台账', path: t1?.path, lead: ['区统计局'] },
      {
        type: 'split-task',
        taskId: t3?.id,
        parts: [{ title: '完善三号机制' }, { title: '健全三号考核', lead: ['区财政局'] }],
      },
      { type: 'merge-tasks', taskIds: [t1?.id, t2?.id], title: '建设一号工程并推进二号工程' },
      { type: 'decide-group', name: '各有关单位', decision: 'map', units: ['区科委'] },
      { type: 'decide-group', name: '各区、县级市', decision: 'keep' },
      { type: 'decide-group', name: '各街道、镇', decision: 'drop' },
    ]);
    expect(edited.statusCode).toBe(200);
    const body = edited.json() as {
      version: number;
      tasks: { number: string; title: string; units: { lead: string[]; support: string[] } }[];
      groups: { name: string; decision: string; units: string[] }[];
    };
    expect(body.tasks.map((t) => [t.number, t.title])).toEqual([
      ['（一）', '建设一号工程并推进二号工程'],
      ['（三）', '完善三号机制'],
      ['（三）', '健全三号考核'],
      ['（四）', '建立四号台账'],
    ]);
    expect(body.tasks[0]?.units).toEqual({ lead: ['区发改委', '各区、县级市'], support: ['各有关单位'] });
    expect(body.groups).toEqual([
      { name: '各有关单位', decision: 'map', units: ['区科委'] },
      { name: '各区、县级市', decision: 'keep', units: [] },
      { name: '各街道、镇', decision: 'drop', units: [] },
    ]);

    const confirmed = await confirm(body.version);
    expect(confirmed.statusCode).toBe(201);
    const { planId } = confirmed.json() as { planId: string };
    const tasks = await app.inject({ method: 'GET', url: `/api/plans/${planId}/tasks`, headers: as('office') });
    const items = (
      tasks.json() as { items: { title: string; units: { lead: { name: string }[]; support: { name: string }[] } }[] }
    ).items;
    expect(items.map((t) => [t.title, t.units.lead.map((u) => u.name), t.units.support.map((u) => u.name)])).toEqual([
      ['建设一号工程并推进二号工程', ['区发改委', '各区、县级市'], ['区科委']],
      ['完善三号机制', ['区财政局'], ['区发改委']],
      ['健全三号考核', ['区财政局'], []],
      ['建立四号台账', ['区统计局'], []],
    ]);
    const units = await app.inject({ method: 'GET', url: '/api/units', headers: as('office') });
    const group = (units.json() as { items: { name: string; isGroup: boolean }[] }).items.find(
      (u) => u.name === '各区、县级市',
    );
    expect(group?.isGroup).toBe(true);
  });
});
