// The plan page with 2,000 tasks: every task counted and searchable, only the rows on screen in the page (the table
// is virtualised), and the page usable within seconds on this machine (the timing itself is bench:web's, later).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkPage, seedLargePlan, signInThroughPage, startWebApp, type WebApp } from '../helpers/browser.ts';
import { describeWithChromium } from '../helpers/chromium.ts';

describeWithChromium('a plan of 2,000 tasks in Chromium', () => {
  let web: WebApp;
  let plan: { planId: string; title: string };

  beforeAll(async () => {
    web = await startWebApp();
    plan = await seedLargePlan(web, { strands: 4, areas: 25, tasks: 20 });
  });

  afterAll(async () => {
    await web?.close();
  });

  it('shows all 2,000, renders only what is on screen, and finds one by a Chinese word', async () => {
    const page = await web.newPage();
    await signInThroughPage(page, web.base, await web.user(['leader']));
    await page.getByRole('link', { name: plan.title }).waitFor();
    await page.goto(`${web.base}/plans/${plan.planId}`);
    const count = page.getByText(/^共 \d+ 项任务$/);
    await count.waitFor({ timeout: 60_000 });
    expect(await count.textContent()).toBe('共 2000 项任务');
    const rows = await page.locator('.row-task').count();
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(100);
    await checkPage(page, 'plan-2000');

    await page.getByLabel('搜索任务').fill('第1999项');
    await page.getByText('显示 1 项，共 2000 项任务').waitFor();
    await page.getByText('（19） 推进第1999项重点工作').waitFor();
  });
});
