// The task page in Chromium: from the example plan's tree to task （11）'s page (title, the plan's own paragraph,
// the activity of a report and a notice filed through the services), the page opened directly at 1366×768 and
// 390×844 with the page checks (test/helpers/browser.ts, `checkPage`), and another unit's reader, who sees what the
// API lets it see and never the first unit's report or notice.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addComment } from '../../src/services/comment.service.ts';
import { issueNotice } from '../../src/services/notice.service.ts';
import { createMilestone, createProject } from '../../src/services/project.service.ts';
import { saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import { buildActor, buildUnit } from '../factories.ts';
import { signIn } from '../helpers/auth.ts';
import {
  checkPage,
  DESKTOP,
  PHONE,
  seedExamplePlan,
  signInThroughPage,
  startWebApp,
  type WebApp,
} from '../helpers/browser.ts';
import { describeWithChromium } from '../helpers/chromium.ts';
import { at, unitActor } from '../report-factories.ts';

interface SeededTask {
  id: string;
  number: string;
  title: string;
  units: { lead: { id: string; name: string }[] };
}

describeWithChromium('the task page in Chromium', () => {
  let web: WebApp;
  let plan: { planId: string; title: string };
  let task: SeededTask;
  const NOTICE_BODY = '请于本月底前报送产业集群项目进展';
  let reporterName: string;

  beforeAll(async () => {
    web = await startWebApp();
    plan = await seedExamplePlan(web);
    const db = web.database.db;
    const officeUser = await web.user(['office']);
    const session = await signIn(web.app, officeUser);
    const listed = await session.request({ method: 'GET', url: `/api/plans/${plan.planId}/tasks?limit=200` });
    const found = (listed.json() as { items: SeededTask[] }).items.find((t) => t.number === '（11）');
    const lead = found?.units.lead[0];
    if (found === undefined || lead === undefined) throw new Error('the example plan has no task （11） with a lead');
    task = found;

    // A report submitted by the lead unit's reporter and a 催办 from the office, through the services.
    const reporterUser = await web.user(['unit-reporter'], { unitId: lead.id });
    reporterName = `测试用户 ${reporterUser.username}`;
    const reporter = unitActor(web.workspaceId, lead.id, ['unit-reporter'], reporterUser.id);
    const office = buildActor(web.workspaceId, { userId: officeUser.id });
    const ctx = at(db, new Date().toISOString());
    const draft = await saveReportDraft(ctx, reporter, {
      taskId: task.id,
      period: '2025-Q4',
      narrative: '首批项目已开工',
      percentDone: 30,
      confidence: 'amber',
      problems: '',
      nextSteps: '推进二期',
      readings: [],
    });
    await submitReport(ctx, reporter, draft.id, draft.version, { idempotencyKey: `${draft.id}-k` });
    await issueNotice(ctx, office, {
      taskId: task.id,
      unitId: lead.id,
      level: 'urge',
      dueOn: '2026-12-31',
      body: NOTICE_BODY,
    });
    // A project with a milestone and a comment, so every section of the page has something to show.
    const project = await createProject(ctx, office, {
      taskId: task.id,
      ownerUnitId: lead.id,
      name: '精细化工产业链延伸项目',
    });
    await createMilestone(ctx, office, { projectId: project.id, name: '首批项目开工', dueOn: '2025-06-30' });
    await addComment(ctx, office, { type: 'task', id: task.id }, '请牵头单位关注进度');
  });

  afterAll(async () => {
    await web?.close();
  });

  async function signedIn(
    roles: Parameters<WebApp['user']>[0],
    size: { width: number; height: number } = DESKTOP,
    unitId?: string,
  ): Promise<Page> {
    const page = await web.newPage(size);
    await signInThroughPage(page, web.base, await web.user(roles, { unitId: unitId ?? null }));
    await page.waitForURL((url) => url.pathname !== '/login');
    return page;
  }

  it('opens a task from the plan’s tree: its title, the plan’s paragraph and its activity', async () => {
    const page = await signedIn(['office']);
    await page.goto(`${web.base}/plans/${plan.planId}`);
    // The tree is virtualised: narrow it to the task, so its row stays put while it is clicked.
    await page.getByLabel('搜索任务').fill('千亿级');
    await page.getByText('显示 1 项，共 48 项任务').waitFor();
    await page.getByRole('link', { name: `${task.number} ${task.title}` }).click();
    await page.waitForURL(`${web.base}/tasks/${task.id}`);
    await page.getByRole('heading', { level: 1, name: `${task.number} ${task.title}` }).waitFor();
    // The plan's own paragraph, with its units in brackets as the document writes them.
    await expect.poll(() => page.locator('.source-text').textContent()).toMatch(/^（11）.*（牵头协调单位：/su);
    const activity = page.locator('.task-activity');
    await activity.getByText('报送了报告').waitFor();
    await activity.getByText('签发了督办单').waitFor();
    expect(await activity.getByText(reporterName).count()).toBeGreaterThan(0);
    // The breadcrumb leads back to the plan.
    expect(await page.getByRole('link', { name: plan.title }).getAttribute('href')).toBe(`/plans/${plan.planId}`);
    // The report and the notice, in Chinese words; the report names no link (its page is not built yet).
    const reports = page.locator('.reports');
    await reports.getByText('已报送').waitFor();
    await reports.getByText(/2025年第四季度/).waitFor();
    expect(await reports.getByRole('link').count()).toBe(0);
    await page.getByText(NOTICE_BODY).waitFor();
    await page.getByText('催办', { exact: true }).waitFor();
    await page.getByText('待回复', { exact: true }).waitFor();
    await page.getByText('精细化工产业链延伸项目').waitFor();
    await page
      .locator('.milestones')
      .getByText(/首批项目开工/)
      .waitFor();
    await page.getByText('请牵头单位关注进度').waitFor();
  });

  it('passes the page checks opened directly, on a desktop and on a phone, in Chinese and in English', async () => {
    const desktop = await signedIn(['office']);
    await desktop.goto(`${web.base}/tasks/${task.id}`);
    await desktop.getByRole('heading', { level: 1, name: `${task.number} ${task.title}` }).waitFor();
    await checkPage(desktop, 'task-1366');

    const phone = await signedIn(['office'], PHONE);
    await phone.goto(`${web.base}/tasks/${task.id}`);
    await phone.getByRole('heading', { level: 1, name: `${task.number} ${task.title}` }).waitFor();
    await checkPage(phone, 'task-390');

    await desktop.getByText('English', { exact: true }).click();
    await desktop.getByRole('heading', { name: 'Activity' }).waitFor();
    await desktop.getByText('submitted a report').waitFor();
    await checkPage(desktop, 'task-1366-en');
  });

  it('shows another unit’s reader what the API allows, never the first unit’s report or notice', async () => {
    const other = await buildUnit(web.database.db, { workspaceId: web.workspaceId, name: '区档案局' });
    const page = await signedIn(['unit-reporter'], DESKTOP, other.id);
    await page.goto(`${web.base}/tasks/${task.id}`);
    await page.getByRole('heading', { level: 1, name: `${task.number} ${task.title}` }).waitFor();
    await page.getByText('暂无可查看的报告').waitFor();
    // The period may appear in the task's state reasons (missing reports); the report itself never does.
    expect(await page.locator('.reports').count()).toBe(0);
    expect(await page.getByText(reporterName).count()).toBe(0);
    expect(await page.getByText(NOTICE_BODY).count()).toBe(0);
    expect(await page.getByText('报送了报告').count()).toBe(0);
    await checkPage(page, 'task-other-unit');
  });

  it('shows 无权访问, never the task, where the API answers 403 (the public, on a published plan)', async () => {
    // The public may read a published plan but not its delivery record; an unpublished one is not found at all.
    const session = await signIn(web.app, await web.user(['office']));
    const { version } = (await session.request({ method: 'GET', url: `/api/plans/${plan.planId}` })).json() as {
      version: number;
    };
    const published = await session.request({
      method: 'POST',
      url: `/api/plans/${plan.planId}/publish`,
      payload: { version },
    });
    expect(published.statusCode).toBe(200);
    const page = await signedIn(['public']);
    await page.goto(`${web.base}/tasks/${task.id}`);
    await page.getByRole('heading', { name: '无权访问' }).waitFor();
    expect(await page.getByText(task.title).count()).toBe(0);
  });

  it('answers a task that does not exist with the not-found page', async () => {
    const page = await signedIn(['office']);
    await page.goto(`${web.base}/tasks/tsk_00000000000000000000000000`);
    await page.getByRole('heading', { name: '页面不存在' }).waitFor();
  });
});
