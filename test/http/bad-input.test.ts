// Hostile text through every text field the API writes, on both databases: SQL and script payloads are stored as
// text and come back unchanged, with markup escaped in the JSON; a NUL is refused before anything is written;
// oversized and wrongly typed bodies are refused.
import { expect, it, onTestFinished } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { LuoshiApp } from '../../src/http/app.ts';
import type { Actor } from '../../src/services/context.ts';
import { importExamplePlan, unitActor } from '../delivery-factories.ts';
import { buildActor, testContext } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/db.ts';

const PAYLOADS = [
  "'; DROP TABLE tasks; --",
  '" OR "1"="1',
  "1' UNION SELECT password_hash FROM users --",
  '<script>alert("x")</script>',
  '<img src=x onerror=alert(1)>',
  '${7*7} {{7*7}} %s %n',
  'Robert\u2028\u2029 & <b>',
];

describeEachDatabase('hostile text', (database) => {
  async function setup() {
    const { db } = database();
    const now = new Date('2021-10-10T02:00:00.000Z');
    const example = await importExamplePlan(testContext(db, () => now));
    const task = example.task('（11）');
    const jingwei = example.unitId('区经委');
    const actors: Record<string, Actor> = {
      office: example.office,
      reporter: unitActor(example.workspaceId, jingwei),
      sysadmin: buildActor(example.workspaceId, { userId: 'usr_sys', roles: ['system-admin'] }),
    };
    const app: LuoshiApp = await buildTestApp({
      database: database(),
      clock: () => now,
      actor: (request) => actors[String(request.headers['x-test-as'])] ?? null,
    });
    onTestFinished(() => app.close());
    const send = (who: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) =>
      app.inject({
        method,
        url,
        headers: { 'x-test-as': who },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
    return { db, app, send, task, jingwei, example };
  }

  /** The answer is the JSON the client gets: markup escaped on the wire, the text unchanged once parsed. */
  function expectSafe(response: LightMyRequestResponse, text: string) {
    expect(response.statusCode, response.body).toBeLessThan(300);
    expect(response.body).not.toMatch(/[<>]/);
    if (/[<>&]/.test(text)) expect(response.body).toMatch(/\\u003c|\\u003e|\\u0026/);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  }

  it('stores SQL and script payloads as text in every text field and answers them back unchanged, escaped', async () => {
    const { db, send, task, jingwei } = await setup();
    const tasksBefore = await db.selectFrom('tasks').select('id').execute();

    for (const [index, text] of PAYLOADS.entries()) {
      // 评论
      const comment = await send('office', 'POST', `/api/comments?type=task&id=${task.id}`, { body: text });
      expectSafe(comment, text);
      expect(comment.json().body).toBe(text);

      // 督办单 and the unit's response
      const notice = await send('office', 'POST', '/api/notices', {
        taskId: task.id,
        unitId: jingwei,
        level: 'remind',
        dueOn: '2021-10-30',
        body: text,
      });
      expectSafe(notice, text);
      expect(notice.json().body).toBe(text);
      const responded = await send('reporter', 'POST', `/api/notices/${notice.json().id}/respond`, {
        version: notice.json().version,
        response: text,
      });
      expectSafe(responded, text);
      expect(responded.json().response).toBe(text);

      // 项目 and 节点
      const project = await send('office', 'POST', `/api/tasks/${task.id}/projects`, {
        name: `${text} ${index}`,
        description: text,
      });
      expectSafe(project, text);
      expect(project.json()).toMatchObject({ name: `${text} ${index}`, description: text });
      const milestone = await send('office', 'POST', `/api/projects/${project.json().id}/milestones`, {
        name: text,
        dueOn: '2021-12-31',
      });
      expectSafe(milestone, text);
      expect(milestone.json().name).toBe(text);

      // 单位 (the system administrator's directory)
      const unit = await send('sysadmin', 'POST', '/api/units', {
        name: `${text}${index}`,
        fullName: text,
        kind: 'other',
        aliases: [`别名${text}${index}`],
      });
      expectSafe(unit, text);
      expect(unit.json()).toMatchObject({ fullName: text.trim() });
    }

    // 进展报告: narrative, problems, next steps, one payload each time over one draft.
    let version: number | undefined;
    for (const text of PAYLOADS) {
      const saved = await send('reporter', 'PUT', `/api/tasks/${task.id}/reports/2021-Q3`, {
        ...(version === undefined ? {} : { version }),
        narrative: text,
        problems: text,
        nextSteps: text,
      });
      expectSafe(saved, text);
      expect(saved.json()).toMatchObject({ narrative: text, problems: text, nextSteps: text });
      version = saved.json().version;
    }

    // 销号 evidence
    const closeOut = await send('reporter', 'POST', `/api/tasks/${task.id}/close-out`, { evidence: PAYLOADS[3] });
    expectSafe(closeOut, PAYLOADS[3] ?? '');
    expect(closeOut.json().evidence).toBe(PAYLOADS[3]);

    // Nothing was dropped or rewritten by the SQL payloads.
    expect(await db.selectFrom('tasks').select('id').execute()).toHaveLength(tasksBefore.length);
    const stored = await db.selectFrom('comments').select('body').orderBy('created_at').execute();
    expect(stored.map((row) => row.body)).toEqual(PAYLOADS);
  });

  it('refuses a NUL anywhere in a body, query or path with 400, writing nothing', async () => {
    const { db, send, task } = await setup();
    const before = await db.selectFrom('audit_events').select('id').execute();
    for (const [method, url, payload] of [
      ['POST', `/api/comments?type=task&id=${task.id}`, { body: 'a\u0000b' }],
      ['POST', `/api/comments?type=task&id=${task.id}%00`, { body: 'ok' }],
      ['PUT', `/api/tasks/${task.id}/reports/2021-Q3`, { narrative: '\u0000' }],
      ['POST', '/api/units', { name: '区\u0000局', kind: 'other' }],
    ] as const) {
      const response = await send(
        method === 'POST' && url === '/api/units' ? 'sysadmin' : 'office',
        method,
        url,
        payload,
      );
      expect(response.statusCode, `${method} ${url}`).toBe(400);
      expect(response.json().error.code).toMatch(/^(bad-request|validation-failed)$/);
    }
    expect(await db.selectFrom('audit_events').select('id').execute()).toHaveLength(before.length);
  });

  it('refuses oversized bodies with 413 and wrong content types with 415', async () => {
    const { send, app, task } = await setup();
    const huge = await send('office', 'POST', `/api/comments?type=task&id=${task.id}`, { body: 'x'.repeat(1_100_000) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('too-large');
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await app.inject({
        method: 'POST',
        url: `/api/comments?type=task&id=${task.id}`,
        headers: { 'x-test-as': 'office', 'content-type': type },
        payload: 'body=hello',
      });
      expect(response.statusCode, type).toBe(415);
      expect(response.json().error.code).toBe('unsupported-media-type');
    }
  });
});
