// The plan import and plan reading API on both databases, through app.inject: upload → draft → edit → confirm →
// read the tasks, and who may do what.
import { readFileSync } from 'node:fs';
import { onTestFinished } from 'vitest';
import { describe, expect, it } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import type { Actor } from '../../src/services/context.ts';
import { buildWorkspace } from '../factories.ts';
import { buildActor, buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';

const EXAMPLE_NAME = 'jinshan-hongqiao-2021.md';
const EXAMPLE = readFileSync(new URL(`../../examples/${EXAMPLE_NAME}`, import.meta.url));

interface FilePart {
  name: string;
  bytes: Uint8Array;
  type?: string;
}

/** A multipart/form-data request body, as a browser's FormData would send it. */
async function form(fields: Record<string, string | FilePart>) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') data.append(name, value);
    else data.append(name, new Blob([value.bytes], { type: value.type ?? 'text/markdown' }), value.name);
  }
  const request = new Request('http://localhost/', { method: 'POST', body: data });
  return {
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
    payload: Buffer.from(await request.arrayBuffer()),
  };
}

type Who = 'office' | 'reporter' | 'leader' | 'stranger' | 'admin';

interface Setup {
  app: LuoshiApp;
  actors: Record<Who, Actor>;
  as: (who: Who) => { 'x-test-as': Who };
}

interface TaskItem {
  id: string;
  number: string;
  title: string;
  path: string[];
  strandNodeId: string | null;
  isRemoved: boolean;
  removedInVersion: number | null;
  units: { lead: { id: string; name: string }[]; support: { id: string; name: string }[] };
}

interface DraftBody {
  id: string;
  version: number;
  state: string;
  tasks: { id: string; number: string; title: string }[];
}

/** A workspace of its own for the test, its office, a unit reporter and a leader; and an office of another one. */
async function setUp(database: TestDatabase, env: Record<string, string> = {}): Promise<Setup> {
  const workspace = await buildWorkspace(database.db);
  const other = await buildWorkspace(database.db, { name: '奉贤区' });
  const actors: Record<Who, Actor> = {
    office: buildActor({ userId: 'usr_office', workspaceId: workspace.id }),
    reporter: buildActor({
      userId: 'usr_reporter',
      workspaceId: workspace.id,
      roles: ['unit-reporter'],
      unitId: 'unt_reporter',
    }),
    leader: buildActor({ userId: 'usr_leader', workspaceId: workspace.id, roles: ['leader'] }),
    admin: buildActor({ userId: 'usr_admin', workspaceId: workspace.id, roles: ['security-admin'] }),
    stranger: buildActor({ userId: 'usr_stranger', workspaceId: other.id }),
  };
  const app = await buildTestApp({
    database,
    env,
    actor: (request) => actors[request.headers['x-test-as'] as Who] ?? null,
  });
  onTestFinished(() => app.close());
  return { app, actors, as: (who) => ({ 'x-test-as': who }) };
}

async function upload(
  { app, as }: Setup,
  who: Who,
  file: FilePart = { name: EXAMPLE_NAME, bytes: EXAMPLE },
  fields: Record<string, string> = {},
) {
  const { headers, payload } = await form({ ...fields, file });
  return app.inject({ method: 'POST', url: '/api/plan-drafts', headers: { ...headers, ...as(who) }, payload });
}

/** Uploads and confirms the example plan as the office; returns the plan id. */
async function importExample(setup: Setup): Promise<string> {
  const draft = (await upload(setup, 'office')).json() as DraftBody;
  const confirmed = await setup.app.inject({
    method: 'POST',
    url: `/api/plan-drafts/${draft.id}/confirm`,
    headers: setup.as('office'),
    payload: { version: draft.version },
  });
  expect(confirmed.statusCode).toBe(201);
  return (confirmed.json() as { planId: string }).planId;
}

async function allTasks(setup: Setup, planId: string, query = ''): Promise<TaskItem[]> {
  const response = await setup.app.inject({
    method: 'GET',
    url: `/api/plans/${planId}/tasks?limit=200${query}`,
    headers: setup.as('office'),
  });
  expect(response.statusCode).toBe(200);
  const body = response.json() as { items: TaskItem[]; nextCursor: string | null };
  expect(body.nextCursor).toBeNull();
  return body.items;
}

const unitIds = (task: TaskItem) => [...task.units.lead, ...task.units.support].map((unit) => unit.id);

describeEachDatabase('plans API', (database) => {
  it('walks upload → draft → edit → confirm → tasks as the office', async () => {
    const setup = await setUp(database());
    const { app, as } = setup;

    const created = await upload(setup, 'office');
    expect(created.statusCode).toBe(201);
    const draft = created.json() as DraftBody & { file: { name: string; size: number } };
    expect(draft).toMatchObject({ version: 1, state: 'open', planId: null, isReimport: false });
    expect(draft.file).toMatchObject({ name: EXAMPLE_NAME, size: EXAMPLE.length });
    expect(draft.tasks).toHaveLength(48);

    const read = await app.inject({ method: 'GET', url: `/api/plan-drafts/${draft.id}`, headers: as('office') });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: draft.id, version: 1 });

    const diff = await app.inject({ method: 'GET', url: `/api/plan-drafts/${draft.id}/diff`, headers: as('office') });
    expect(diff.statusCode).toBe(200);
    expect(diff.json()).toMatchObject({ draftId: draft.id, planId: null, currentVersion: null });
    expect(diff.json().summary).toEqual({ added: 48, removed: 0, changed: 0, unchanged: 0 });

    const second = draft.tasks[1];
    expect(second?.number).toBe('（2）');
    const edited = await app.inject({
      method: 'PATCH',
      url: `/api/plan-drafts/${draft.id}`,
      headers: as('office'),
      payload: { version: 1, edits: [{ type: 'rename-task', taskId: second?.id, title: '  建设滨海商务区  ' }] },
    });
    expect(edited.statusCode).toBe(200);
    const afterEdit = edited.json() as DraftBody;
    expect(afterEdit.version).toBe(2);
    expect(afterEdit.tasks[1]?.title).toBe('建设滨海商务区');

    const confirmed = await app.inject({
      method: 'POST',
      url: `/api/plan-drafts/${draft.id}/confirm`,
      headers: as('office'),
      payload: { version: 2 },
    });
    expect(confirmed.statusCode).toBe(201);
    const { planId } = confirmed.json() as { planId: string };
    expect(planId).toMatch(/^pln_/);

    const plan = await app.inject({ method: 'GET', url: `/api/plans/${planId}`, headers: as('office') });
    expect(plan.statusCode).toBe(200);
    expect(plan.json()).toMatchObject({
      id: planId,
      title: '金山区加快推进虹桥国际开放枢纽建设实施方案',
      docNumber: '金府发〔2021〕1号',
      cycle: { frequency: 'quarterly', dueDays: 15 },
      currentVersion: 1,
      published: false,
    });

    const tasks = await allTasks(setup, planId);
    expect(tasks).toHaveLength(48);
    expect(tasks.map((task) => task.number).slice(0, 3)).toEqual(['（1）', '（2）', '（3）']);
    expect(tasks[1]?.title).toBe('建设滨海商务区');

    const goals = await app.inject({ method: 'GET', url: `/api/plans/${planId}/goals`, headers: as('office') });
    expect(goals.json().items).toHaveLength(4);
    const targets = await app.inject({ method: 'GET', url: `/api/plans/${planId}/targets`, headers: as('office') });
    expect(targets.statusCode).toBe(200);
    expect(targets.json().items.length).toBeGreaterThan(0);
  });

  it('filters the task list by unit, strand, status and Chinese text', async () => {
    const setup = await setUp(database());
    const planId = await importExample(setup);
    const tasks = await allTasks(setup, planId);

    const units = await setup.app.inject({ method: 'GET', url: '/api/units', headers: setup.as('office') });
    expect(units.statusCode).toBe(200);
    const bureau = (units.json().items as { id: string; name: string }[]).find((unit) => unit.name === '区文旅局');
    expect(bureau).toBeDefined();
    const ofBureau = await allTasks(setup, planId, `&unit=${bureau?.id}`);
    expect(ofBureau.map((task) => task.id)).toEqual(
      tasks.filter((task) => unitIds(task).includes(bureau?.id ?? '')).map((task) => task.id),
    );
    expect(ofBureau.map((task) => task.number)).toContain('（1）');

    const strand = tasks[0]?.strandNodeId ?? '';
    expect(strand).not.toBe('');
    const ofStrand = await allTasks(setup, planId, `&strand=${strand}`);
    expect(ofStrand.length).toBeGreaterThan(0);
    expect(ofStrand.length).toBeLessThan(48);
    expect(ofStrand.every((task) => task.strandNodeId === strand)).toBe(true);

    // Statuses are derived later (the rules in domain/): a fresh plan has none yet.
    expect(await allTasks(setup, planId, '&status=closed')).toEqual([]);

    const found = await allTasks(setup, planId, `&q=${encodeURIComponent('会展')}`);
    expect(found.map((task) => task.number)).toContain('（1）');
    expect(found.length).toBeLessThan(48);
    for (const task of found) {
      const text = [task.title, ...task.path, ...task.units.lead.map((u) => u.name)].join(' ');
      expect(text).toContain('会展');
    }
    // Full-width and half-width brackets are one: "(1)" finds "（1）".
    const byNumber = await allTasks(setup, planId, `&q=${encodeURIComponent('(1) 建设滨海特色会展区')}`);
    expect(byNumber.map((task) => task.number)).toEqual(['（1）']);
    expect(await allTasks(setup, planId, `&q=${encodeURIComponent('不存在的内容')}`)).toEqual([]);

    const bad = await setup.app.inject({
      method: 'GET',
      url: `/api/plans/${planId}/tasks?status=finished`,
      headers: setup.as('office'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'validation-failed',
      message: expect.stringMatching(/^查询参数 status/),
    });
  });

  it('pages through all 48 tasks once, in order, filters and all', async () => {
    const setup = await setUp(database());
    const planId = await importExample(setup);
    const expected = (await allTasks(setup, planId)).map((task) => task.id);

    const walk = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/plans/${planId}/tasks?limit=10${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
        const response = await setup.app.inject({ method: 'GET', url, headers: setup.as('office') });
        expect(response.statusCode).toBe(200);
        const body = response.json() as { items: TaskItem[]; nextCursor: string | null };
        seen.push(...body.items.map((task) => task.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 20);
      return { seen, pages };
    };
    const all = await walk('');
    expect(all.pages).toBe(5);
    expect(all.seen).toEqual(expected);

    const found = await allTasks(setup, planId, `&q=${encodeURIComponent('产业')}`);
    expect(found.length).toBeGreaterThan(10);
    const filtered = await walk(`&q=${encodeURIComponent('产业')}`);
    expect(filtered.seen).toEqual(found.map((task) => task.id));

    // A cursor of another list (here: a task id this plan does not have) is refused, not silently restarted.
    const foreign = Buffer.from(JSON.stringify(['tsk_not_here'])).toString('base64url');
    const response = await setup.app.inject({
      method: 'GET',
      url: `/api/plans/${planId}/tasks?cursor=${foreign}`,
      headers: setup.as('office'),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/^查询参数 cursor：分页游标无效/);
  });

  it('re-imports a new version by planId; removed tasks show only with includeRemoved', async () => {
    const setup = await setUp(database());
    const { app, as } = setup;
    const planId = await importExample(setup);

    const created = await upload(setup, 'office', undefined, { planId });
    expect(created.statusCode).toBe(201);
    const draft = created.json() as DraftBody & { isReimport: boolean; planId: string };
    expect(draft).toMatchObject({ isReimport: true, planId });
    const last = draft.tasks.at(-1);
    const edited = await app.inject({
      method: 'PATCH',
      url: `/api/plan-drafts/${draft.id}`,
      headers: as('office'),
      payload: { version: draft.version, edits: [{ type: 'remove-task', taskId: last?.id }] },
    });
    expect(edited.statusCode).toBe(200);
    const diff = await app.inject({ method: 'GET', url: `/api/plan-drafts/${draft.id}/diff`, headers: as('office') });
    expect(diff.json()).toMatchObject({ currentVersion: 1, summary: { added: 0, removed: 1, changed: 0 } });

    const confirmed = await app.inject({
      method: 'POST',
      url: `/api/plan-drafts/${draft.id}/confirm`,
      headers: as('office'),
      payload: { version: draft.version + 1 },
    });
    expect(confirmed.json()).toEqual({ planId });

    const current = await allTasks(setup, planId);
    expect(current).toHaveLength(47);
    const withRemoved = await allTasks(setup, planId, '&includeRemoved=true');
    expect(withRemoved).toHaveLength(48);
    expect(withRemoved.at(-1)).toMatchObject({ number: last?.number, isRemoved: true, removedInVersion: 2 });
    expect(current.every((task) => task.removedInVersion === null)).toBe(true);

    const again = await app.inject({
      method: 'POST',
      url: `/api/plan-drafts/${draft.id}/confirm`,
      headers: as('office'),
      payload: { version: draft.version + 1 },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
  });

  it('answers a stale draft version with the 409 envelope and changes nothing', async () => {
    const setup = await setUp(database());
    const { app, as } = setup;
    const draft = (await upload(setup, 'office')).json() as DraftBody;
    const rename = (version: number, title: string) =>
      app.inject({
        method: 'PATCH',
        url: `/api/plan-drafts/${draft.id}`,
        headers: as('office'),
        payload: { version, edits: [{ type: 'rename-task', taskId: draft.tasks[0]?.id, title }] },
      });
    expect((await rename(1, '第一次修改')).statusCode).toBe(200);
    const stale = await rename(1, '过时的修改');
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toEqual({
      error: { code: 'stale', message: '方案草稿已被他人修改，请刷新后重试（changed since you read it）' },
    });
    const staleConfirm = await app.inject({
      method: 'POST',
      url: `/api/plan-drafts/${draft.id}/confirm`,
      headers: as('office'),
      payload: { version: 1 },
    });
    expect(staleConfirm.statusCode).toBe(409);
    expect(staleConfirm.json().error.code).toBe('stale');

    const read = await app.inject({ method: 'GET', url: `/api/plan-drafts/${draft.id}`, headers: as('office') });
    expect(read.json()).toMatchObject({ version: 2, state: 'open' });
    expect(read.json().tasks[0].title).toBe('第一次修改');

    const badEdit = await app.inject({
      method: 'PATCH',
      url: `/api/plan-drafts/${draft.id}`,
      headers: as('office'),
      payload: { version: 2, edits: [{ type: 'remove-task', taskId: 't9999' }] },
    });
    expect(badEdit.statusCode).toBe(422);
    expect(badEdit.json().error).toEqual({
      code: 'invalid-input',
      message: '第 1 项修改（删除任务）：草稿中没有任务 t9999',
    });
    const unknownEdit = await app.inject({
      method: 'PATCH',
      url: `/api/plan-drafts/${draft.id}`,
      headers: as('office'),
      payload: { version: 2, edits: [{ type: 'paint-it-red' }] },
    });
    expect(unknownEdit.statusCode).toBe(400);
    expect(unknownEdit.json().error.code).toBe('validation-failed');
  });

  it('lets a unit reporter and a leader read the plan but not import (403)', async () => {
    const setup = await setUp(database());
    const { app, as } = setup;
    const planId = await importExample(setup);
    const draft = (await upload(setup, 'office')).json() as DraftBody;

    for (const who of ['reporter', 'leader'] as const) {
      const refused = await upload(setup, who);
      expect(refused.statusCode, who).toBe(403);
      expect(refused.json()).toEqual({
        error: {
          code: 'forbidden',
          message: '只有方案办公室（工作专班）可以导入和确认方案（only the plan office may import plans）',
        },
      });
      for (const [method, url, payload] of [
        ['GET', `/api/plan-drafts/${draft.id}`, undefined],
        ['GET', `/api/plan-drafts/${draft.id}/diff`, undefined],
        ['PATCH', `/api/plan-drafts/${draft.id}`, { version: 1, edits: [{ type: 'remove-task', taskId: 't1' }] }],
        ['POST', `/api/plan-drafts/${draft.id}/confirm`, { version: 1 }],
      ] as const) {
        const response = await app.inject({ method, url, headers: as(who), ...(payload ? { payload } : {}) });
        expect(response.statusCode, `${who} ${method} ${url}`).toBe(403);
      }

      expect((await app.inject({ method: 'GET', url: `/api/plans/${planId}`, headers: as(who) })).statusCode).toBe(200);
      const tasks = await app.inject({ method: 'GET', url: `/api/plans/${planId}/tasks`, headers: as(who) });
      expect(tasks.statusCode).toBe(200);
      expect(tasks.json().items).toHaveLength(48);
      expect((await app.inject({ method: 'GET', url: '/api/units', headers: as(who) })).statusCode).toBe(200);
    }

    // 等保 三员: the security administrator sees no plan content, and learns nothing about the plan (404).
    const admin = await app.inject({ method: 'GET', url: `/api/plans/${planId}`, headers: as('admin') });
    expect(admin.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/units', headers: as('admin') })).statusCode).toBe(403);
    // The draft's state is untouched by the refused calls.
    const read = await app.inject({ method: 'GET', url: `/api/plan-drafts/${draft.id}`, headers: as('office') });
    expect(read.json()).toMatchObject({ version: 1, state: 'open' });
  });

  it('answers 404 to an actor of another workspace, for the plan and the draft', async () => {
    const setup = await setUp(database());
    const { app, as } = setup;
    const planId = await importExample(setup);
    const draft = (await upload(setup, 'office')).json() as DraftBody;

    for (const [method, url, payload] of [
      ['GET', `/api/plans/${planId}`, undefined],
      ['GET', `/api/plans/${planId}/tasks`, undefined],
      ['GET', `/api/plans/${planId}/targets`, undefined],
      ['GET', `/api/plans/${planId}/goals`, undefined],
      ['GET', `/api/plan-drafts/${draft.id}`, undefined],
      ['GET', `/api/plan-drafts/${draft.id}/diff`, undefined],
      ['PATCH', `/api/plan-drafts/${draft.id}`, { version: 1, edits: [{ type: 'remove-task', taskId: 't1' }] }],
      ['POST', `/api/plan-drafts/${draft.id}/confirm`, { version: 1 }],
    ] as const) {
      const response = await app.inject({ method, url, headers: as('stranger'), ...(payload ? { payload } : {}) });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().error.code).toBe('not-found');
    }
    // Nor can it re-import the plan into its own workspace.
    const reimport = await upload(setup, 'stranger', undefined, { planId });
    expect(reimport.statusCode).toBe(404);
    // Its own unit directory is empty: the other workspace's units do not leak.
    const units = await app.inject({ method: 'GET', url: '/api/units', headers: as('stranger') });
    expect(units.json()).toEqual({ items: [] });
  });

  it('refuses what is not a plan upload: 422 not a plan, 415 not multipart, 400 no file, 401 nobody', async () => {
    const setup = await setUp(database());
    const { app, as } = setup;

    const notPlan = await upload(setup, 'office', {
      name: 'notes.txt',
      bytes: Buffer.from('会议纪要\n\n今天讨论了绿化工作，大家发言踊跃。\n'),
      type: 'text/plain',
    });
    expect(notPlan.statusCode).toBe(422);
    expect(notPlan.json()).toEqual({
      error: {
        code: 'invalid-input',
        message: '未找到编号的任务，这不像一份实施方案（no numbered tasks found: not a plan?）',
      },
    });

    const json = await app.inject({
      method: 'POST',
      url: '/api/plan-drafts',
      headers: as('office'),
      payload: { file: EXAMPLE.toString('utf8') },
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().error).toEqual({
      code: 'unsupported-media-type',
      message: '请以 multipart/form-data 上传方案文件（upload the plan file as multipart/form-data）',
    });

    const { headers, payload } = await form({ document: { name: EXAMPLE_NAME, bytes: EXAMPLE } });
    const wrongField = await app.inject({
      method: 'POST',
      url: '/api/plan-drafts',
      headers: { ...headers, ...as('office') },
      payload,
    });
    expect(wrongField.statusCode).toBe(400);
    expect(wrongField.json().error).toMatchObject({
      code: 'validation-failed',
      message: expect.stringContaining('file'),
    });

    const unknownField = await upload(setup, 'office', undefined, { colour: 'red' });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json().error.message).toMatch(/^表单字段 colour 无效/);

    const nobody = await app.inject({ method: 'POST', url: '/api/plan-drafts', ...(await form({})) });
    expect(nobody.statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/units' })).statusCode).toBe(401);
  });

  it('answers an upload over MAX_UPLOAD_MB with 413', async () => {
    const setup = await setUp(database(), { MAX_UPLOAD_MB: '1' });
    const big = Buffer.concat([EXAMPLE, Buffer.alloc(1024 * 1024, 0x20)]);
    const response = await upload(setup, 'office', { name: EXAMPLE_NAME, bytes: big });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: { code: 'too-large', message: '文件超过 1 MB 的上限（the file is larger than 1 MB）' },
    });
    // Within the limit, the same app takes it.
    expect((await upload(setup, 'office')).statusCode).toBe(201);
  });
});

describe('OpenAPI', () => {
  it('lists the plan, draft and unit routes with their schemas', async () => {
    const app = await buildTestApp();
    onTestFinished(() => app.close());
    const document = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/plan-drafts',
        '/api/plan-drafts/{id}',
        '/api/plan-drafts/{id}/diff',
        '/api/plan-drafts/{id}/confirm',
        '/api/plans/{id}',
        '/api/plans/{id}/tasks',
        '/api/plans/{id}/targets',
        '/api/plans/{id}/goals',
        '/api/units',
      ]),
    );
    expect(Object.keys(document.paths['/api/plan-drafts/{id}'])).toEqual(expect.arrayContaining(['get', 'patch']));
    const upload = document.paths['/api/plan-drafts'].post;
    expect(Object.keys(upload.requestBody.content)).toEqual(['multipart/form-data']);
    expect(Object.keys(upload.responses)).toEqual(expect.arrayContaining(['201', '403', '413', '415', '422']));
    const parameters = document.paths['/api/plans/{id}/tasks'].get.parameters as { name: string; in: string }[];
    expect(parameters.map(({ name, in: where }) => `${where}:${name}`).sort()).toEqual([
      'path:id',
      'query:cursor',
      'query:includeRemoved',
      'query:limit',
      'query:q',
      'query:status',
      'query:strand',
      'query:unit',
    ]);
    expect(document.components.schemas).toHaveProperty('PlanTask');
    expect(document.components.schemas).toHaveProperty('PlanDraft');
  });
});
