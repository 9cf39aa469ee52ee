// The end-to-end API test, on both databases, through app.inject only: the office imports the example plan,
// breaks task （11） into projects, 区经委 reports two quarters (one on time, one late), the office returns one and
// accepts the other, supervises 区经委 with a notice it escalates, and closes the task out on 区经委's request.
import { readFileSync } from 'node:fs';
import { expect, it, onTestFinished } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import type { Actor } from '../../src/services/context.ts';
import { buildWorkspace } from '../factories.ts';
import { buildActor, buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/db.ts';

const EXAMPLE_NAME = 'jinshan-hongqiao-2021.md';
const EXAMPLE = readFileSync(new URL(`../../examples/${EXAMPLE_NAME}`, import.meta.url));

const Q3_DUE = '2021-10-15T16:00:00.000Z'; // the end of 15 October 2021 in Shanghai
const Q4_DUE = '2022-01-15T16:00:00.000Z';

interface TaskItem {
  id: string;
  number: string;
  title: string;
  status: string;
  closedAt: string | null;
  units: { lead: { id: string; name: string }[]; support: { id: string; name: string }[] };
}

interface Versioned {
  id: string;
  version: number;
}

async function multipart(fileName: string, bytes: Uint8Array) {
  const data = new FormData();
  data.append('file', new Blob([bytes], { type: 'text/markdown' }), fileName);
  const request = new Request('http://localhost/', { method: 'POST', body: data });
  return {
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
    payload: Buffer.from(await request.arrayBuffer()),
  };
}

describeEachDatabase('the example plan, end to end through the API', (database) => {
  it('imports, breaks down, reports, decides, supervises and closes out task （11）', async () => {
    const workspace = await buildWorkspace(database().db);
    let now = new Date('2021-06-10T02:00:00.000Z');
    const actors: Record<string, Actor> = {
      office: buildActor({ userId: 'usr_office', workspaceId: workspace.id }),
    };
    // The test's own header, read only by this resolver: which of the test's actors sends the request.
    const app: LuoshiApp = await buildTestApp({
      database: database(),
      clock: () => now,
      actor: (request) => actors[String(request.headers['x-test-as'])] ?? null,
    });
    onTestFinished(() => app.close());
    const as = (who: string) => ({ 'x-test-as': who });

    // The office uploads the plan: a draft of 48 tasks, then confirms it.
    const { headers, payload } = await multipart(EXAMPLE_NAME, EXAMPLE);
    const uploaded = await app.inject({
      method: 'POST',
      url: '/api/plan-drafts',
      headers: { ...headers, ...as('office') },
      payload,
    });
    expect(uploaded.statusCode).toBe(201);
    const draft = uploaded.json() as Versioned & { tasks: unknown[] };
    expect(draft.tasks).toHaveLength(48);
    const confirmed = await app.inject({
      method: 'POST',
      url: `/api/plan-drafts/${draft.id}/confirm`,
      headers: as('office'),
      payload: { version: draft.version },
    });
    expect(confirmed.statusCode).toBe(201);
    const { planId } = confirmed.json() as { planId: string };

    // Task （11） is found by a word of its title.
    const found = await app.inject({
      method: 'GET',
      url: `/api/plans/${planId}/tasks?q=${encodeURIComponent('千亿级')}`,
      headers: as('office'),
    });
    expect(found.statusCode).toBe(200);
    const [task, ...others] = (found.json() as { items: TaskItem[] }).items;
    expect(others).toEqual([]);
    expect(task).toMatchObject({ number: '（11）', title: '打造千亿级高端绿色化工产业集群', closedAt: null });
    if (task === undefined) throw new Error('task （11） not found');
    expect(task.units.lead.map((unit) => unit.name)).toEqual(['区经委', '区投资促进办']);
    const jingweiId = task.units.lead[0]?.id ?? '';
    actors['jingwei'] = buildActor({
      userId: 'usr_jingwei',
      workspaceId: workspace.id,
      roles: ['unit-reporter'],
      unitId: jingweiId,
    });

    const targets = await app.inject({ method: 'GET', url: `/api/plans/${planId}/targets`, headers: as('office') });
    const target = (targets.json() as { items: (Versioned & { taskId: string | null })[] }).items.find(
      (t) => t.taskId === task.id,
    );
    if (target === undefined) throw new Error('task （11） has no target');

    // The office splits the task into two projects, each with a milestone.
    now = new Date('2021-06-15T02:00:00.000Z');
    const milestones: Versioned[] = [];
    for (const [name, milestone, dueOn] of [
      ['精细化工产业链延伸项目', '首批项目开工', '2021-09-30'],
      ['化工品交易服务平台引进', '平台签约落地', '2021-12-31'],
    ] as const) {
      const created = await app.inject({
        method: 'POST',
        url: `/api/tasks/${task.id}/projects`,
        headers: as('office'),
        payload: { ownerUnitId: jingweiId, name },
      });
      expect(created.statusCode).toBe(201);
      const project = created.json() as Versioned;
      expect(project).toMatchObject({ name, taskId: task.id, ownerUnit: { id: jingweiId, name: '区经委' } });
      const step = await app.inject({
        method: 'POST',
        url: `/api/projects/${project.id}/milestones`,
        headers: as('office'),
        payload: { name: milestone, dueOn },
      });
      expect(step.statusCode).toBe(201);
      expect(step.json()).toMatchObject({ name: milestone, dueOn, doneOn: null, isFrozen: false });
      milestones.push(step.json() as Versioned);
    }
    const projects = await app.inject({ method: 'GET', url: `/api/projects?task=${task.id}`, headers: as('office') });
    expect((projects.json() as { items: { name: string }[] }).items.map((p) => p.name)).toEqual([
      '精细化工产业链延伸项目',
      '化工品交易服务平台引进',
    ]);

    // 区经委 reports 2021-Q3 before its due date and 2021-Q4 five days after.
    const reportIds: Record<string, string> = {};
    for (const [period, submitAt, value] of [
      ['2021-Q3', '2021-10-10T02:00:00.000Z', 620],
      ['2021-Q4', '2022-01-20T02:00:00.000Z', 655],
    ] as const) {
      now = new Date(submitAt);
      const saved = await app.inject({
        method: 'PUT',
        url: `/api/tasks/${task.id}/reports/${period}`,
        headers: as('jingwei'),
        payload: {
          narrative: `${period} 化工新材料项目推进`,
          percentDone: 40,
          readings: [{ targetId: target.id, value, source: '区统计局' }],
        },
      });
      expect(saved.statusCode).toBe(200);
      const draftReport = saved.json() as Versioned;
      expect(draftReport).toMatchObject({ state: 'draft', unitId: jingweiId, period, version: 1 });
      const submitted = await app.inject({
        method: 'POST',
        url: `/api/reports/${draftReport.id}/submit`,
        headers: { ...as('jingwei'), 'idempotency-key': `submit-${period}-0001` },
        payload: { version: draftReport.version },
      });
      expect(submitted.statusCode).toBe(200);
      expect(submitted.json()).toMatchObject({
        state: 'submitted',
        submittedAt: submitAt,
        isLate: period === '2021-Q4',
        readings: [{ targetId: target.id, period, value }],
      });
      reportIds[period] = draftReport.id;
    }
    const periods = await app.inject({ method: 'GET', url: `/api/plans/${planId}/periods`, headers: as('office') });
    const dueAt = (periods.json() as { items: { period: string; dueAt: string }[] }).items;
    expect(dueAt.filter((p) => p.period === '2021-Q3' || p.period === '2021-Q4').map((p) => p.dueAt)).toEqual([
      Q3_DUE,
      Q4_DUE,
    ]);

    // The office returns the late one with a reason and accepts the other.
    now = new Date('2022-01-21T02:00:00.000Z');
    const q4 = (
      await app.inject({ method: 'GET', url: `/api/reports/${reportIds['2021-Q4']}`, headers: as('office') })
    ).json() as Versioned;
    const returned = await app.inject({
      method: 'POST',
      url: `/api/reports/${q4.id}/return`,
      headers: as('office'),
      payload: { version: q4.version, reason: '请补充项目投资完成情况' },
    });
    expect(returned.statusCode).toBe(200);
    expect(returned.json()).toMatchObject({ state: 'returned', returnReason: '请补充项目投资完成情况' });
    const q3 = (
      await app.inject({ method: 'GET', url: `/api/reports/${reportIds['2021-Q3']}`, headers: as('jingwei') })
    ).json() as Versioned;
    const accepted = await app.inject({
      method: 'POST',
      url: `/api/reports/${q3.id}/accept`,
      headers: as('office'),
      payload: { version: q3.version },
    });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ state: 'accepted', isLate: false, decidedBy: 'usr_office' });
    const listed = await app.inject({ method: 'GET', url: `/api/reports?task=${task.id}`, headers: as('office') });
    expect(
      (listed.json() as { items: { period: string; state: string; isLate: boolean }[] }).items.map((r) => [
        r.period,
        r.state,
        r.isLate,
      ]),
    ).toEqual([
      ['2021-Q4', 'returned', true],
      ['2021-Q3', 'accepted', false],
    ]);

    const firstPage = await app.inject({
      method: 'GET',
      url: `/api/reports?task=${task.id}&limit=1`,
      headers: as('office'),
    });
    const page1 = firstPage.json() as { items: { period: string }[]; nextCursor: string | null };
    expect(page1.items.map((r) => r.period)).toEqual(['2021-Q4']);
    expect(page1.nextCursor).not.toBeNull();
    const secondPage = await app.inject({
      method: 'GET',
      url: `/api/reports?task=${task.id}&limit=1&cursor=${page1.nextCursor ?? ''}`,
      headers: as('office'),
    });
    expect(secondPage.json()).toMatchObject({ items: [{ period: '2021-Q3' }], nextCursor: null });

    // Only the accepted report's reading counts; the office sets the baseline and reads the progress.
    const readings = await app.inject({
      method: 'GET',
      url: `/api/targets/${target.id}/readings`,
      headers: as('office'),
    });
    expect(readings.statusCode).toBe(200);
    expect(
      (readings.json() as { items: { period: string; value: number }[] }).items.map((r) => [r.period, r.value]),
    ).toEqual([['2021-Q3', 620]]);
    const baseline = await app.inject({
      method: 'PUT',
      url: `/api/targets/${target.id}/baseline`,
      headers: as('office'),
      payload: { version: target.version, value: 500, period: '2020' },
    });
    expect(baseline.statusCode).toBe(200);
    expect(baseline.json()).toMatchObject({ id: target.id, version: target.version + 1 });
    const point = await app.inject({
      method: 'PUT',
      url: `/api/targets/${target.id}/trajectory/2021-Q4`,
      headers: as('office'),
      payload: { planned: 700 },
    });
    expect(point.statusCode).toBe(200);
    expect(point.json()).toMatchObject({ targetId: target.id, period: '2021-Q4', planned: 700, version: 1 });
    const progress = await app.inject({
      method: 'GET',
      url: `/api/targets/${target.id}/progress`,
      headers: as('office'),
    });
    expect(progress.statusCode).toBe(200);
    expect(progress.json()).toMatchObject({
      target: { id: target.id },
      baseline: { value: 500, period: '2020', source: 'entered' },
      readings: [{ period: '2021-Q3', value: 620 }],
    });
    const comment = await app.inject({
      method: 'POST',
      url: `/api/comments?type=report&id=${q4.id}`,
      headers: as('jingwei'),
      payload: { body: '已补充投资完成情况，请审阅' },
    });
    expect(comment.statusCode).toBe(201);
    const comments = await app.inject({
      method: 'GET',
      url: `/api/comments?type=report&id=${q4.id}`,
      headers: as('office'),
    });
    expect(comments.json()).toMatchObject({ items: [{ body: '已补充投资完成情况，请审阅', taskId: task.id }] });

    // A notice to 区经委, escalated one level.
    const issued = await app.inject({
      method: 'POST',
      url: '/api/notices',
      headers: as('office'),
      payload: {
        taskId: task.id,
        unitId: jingweiId,
        level: 'remind',
        dueOn: '2022-01-31',
        body: '请尽快补报四季度进展',
      },
    });
    expect(issued.statusCode).toBe(201);
    const reminder = issued.json() as Versioned;
    expect(reminder).toMatchObject({ level: 'remind', state: 'open', unit: { id: jingweiId, name: '区经委' } });
    const escalated = await app.inject({
      method: 'POST',
      url: `/api/notices/${reminder.id}/escalate`,
      headers: as('office'),
      payload: { version: reminder.version, dueOn: '2022-02-15' },
    });
    expect(escalated.statusCode).toBe(200);
    expect(escalated.json()).toMatchObject({
      level: 'urge',
      state: 'open',
      dueOn: '2022-02-15',
      escalatedFromId: reminder.id,
    });
    const old = await app.inject({ method: 'GET', url: `/api/notices/${reminder.id}`, headers: as('jingwei') });
    expect(old.json()).toMatchObject({ state: 'escalated' });
    const mine = await app.inject({ method: 'GET', url: `/api/notices?unit=${jingweiId}`, headers: as('jingwei') });
    expect((mine.json() as { items: { level: string; state: string }[] }).items).toHaveLength(2);

    // 区经委 asks for close-out with evidence; the office approves: the task is closed.
    now = new Date('2022-03-01T02:00:00.000Z');
    const requested = await app.inject({
      method: 'POST',
      url: `/api/tasks/${task.id}/close-out`,
      headers: as('jingwei'),
      payload: { evidence: '千亿级化工产业集群规划目标已完成，附验收报告' },
    });
    expect(requested.statusCode).toBe(201);
    const request = requested.json() as Versioned;
    expect(request).toMatchObject({ state: 'requested', requestedBy: 'usr_jingwei' });
    const approved = await app.inject({
      method: 'POST',
      url: `/api/close-outs/${request.id}/approve`,
      headers: as('office'),
      payload: { version: request.version },
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ state: 'approved', decidedBy: 'usr_office' });

    const after = await app.inject({
      method: 'GET',
      url: `/api/plans/${planId}/tasks?q=${encodeURIComponent('千亿级')}`,
      headers: as('office'),
    });
    expect((after.json() as { items: TaskItem[] }).items[0]).toMatchObject({
      status: 'closed',
      closedAt: '2022-03-01T02:00:00.000Z',
    });
    const closeOut = await app.inject({ method: 'GET', url: `/api/tasks/${task.id}/close-out`, headers: as('office') });
    expect(closeOut.statusCode).toBe(200);
    expect(closeOut.json()).toMatchObject({ state: 'approved', closedAt: '2022-03-01T02:00:00.000Z' });

    // Its milestones are frozen: a change is refused with 409.
    const project = (projects.json() as { items: Versioned[] }).items[0];
    const frozen = await app.inject({
      method: 'GET',
      url: `/api/projects/${project?.id ?? ''}/milestones`,
      headers: as('office'),
    });
    const [milestone] = (frozen.json() as { items: (Versioned & { isFrozen: boolean })[] }).items;
    expect(milestone).toMatchObject({ id: milestones[0]?.id, isFrozen: true });
    const refused = await app.inject({
      method: 'PATCH',
      url: `/api/milestones/${milestone?.id ?? ''}`,
      headers: as('office'),
      payload: { version: milestone?.version ?? 0, name: '改名' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: { code: 'conflict' } });
  });
});
