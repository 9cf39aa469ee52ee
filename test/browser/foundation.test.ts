// The web app's foundation in Chromium: sign in, the plans list, the example plan's tree of 48 tasks, the sign-in
// refusals (wrong password, lock-out), the forced password change, session expiry, the language switch, the 404
// and 403 pages; and on each page at 1366×768 (the login also at 390×844) no horizontal overflow, no console
// error, a CJK font in use and no serious axe finding (test/helpers/browser.ts, `checkPage`).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkPage, PHONE, seedExamplePlan, signInThroughPage, startWebApp, type WebApp } from '../helpers/browser.ts';
import { describeWithChromium } from '../helpers/chromium.ts';

describeWithChromium('the web app in Chromium', () => {
  let web: WebApp;
  let plan: { planId: string; title: string };

  beforeAll(async () => {
    web = await startWebApp();
    plan = await seedExamplePlan(web);
  });

  afterAll(async () => {
    await web?.close();
  });

  async function signedIn(roles: Parameters<WebApp['user']>[0] = ['office']): Promise<Page> {
    const page = await web.newPage();
    await signInThroughPage(page, web.base, await web.user(roles));
    return page;
  }

  it('shows the sign-in page, on a desktop and on a phone', async () => {
    const desktop = await web.newPage();
    await desktop.goto(`${web.base}/login`);
    await desktop.getByRole('heading', { name: '登录' }).waitFor();
    await checkPage(desktop, 'login-1366');

    const phone = await web.newPage(PHONE);
    await phone.goto(`${web.base}/login`);
    await phone.getByRole('heading', { name: '登录' }).waitFor();
    await checkPage(phone, 'login-390');
  });

  it('says a wrong password is wrong, and a locked account is locked, in the API’s words', async () => {
    const user = await web.user(['office']);
    const page = await web.newPage();
    await signInThroughPage(page, web.base, { username: user.username, password: 'not-the-password' });
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('用户名或密码错误');
    expect(page.url()).toContain('/login');
    // Four more wrong passwords lock the account (423).
    for (let attempt = 0; attempt < 4; attempt += 1) {
      await page.getByLabel('密码', { exact: true }).fill('still-not-it');
      const answered = page.waitForResponse((response) => response.url().endsWith('/api/auth/sign-in'));
      await page.keyboard.press('Enter');
      await answered;
    }
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^连续登录失败次数过多，账户已锁定/);
    await checkPage(page, 'login-locked');
  });

  it('signs in, lists the plans, and shows the example plan as a tree of its 48 tasks', async () => {
    const page = await signedIn();
    await page.waitForURL(`${web.base}/plans`);
    const link = page.getByRole('link', { name: plan.title });
    await link.waitFor();
    await expect.poll(() => page.getByRole('cell', { name: '金府发〔2021〕1号' }).count()).toBe(1);
    await checkPage(page, 'plans');

    await link.click();
    await page.waitForURL(`${web.base}/plans/${plan.planId}`);
    await page.getByText('共 48 项任务').waitFor();
    await page.getByText('（1） 建设滨海特色会展区').waitFor();
    await checkPage(page, 'plan');

    // Chinese search narrows the tree to the one task whose title holds the words.
    await page.getByLabel('搜索任务').fill('千亿级');
    await page.getByText('显示 1 项，共 48 项任务').waitFor();
    await page.getByText('（11） 打造千亿级高端绿色化工产业集群').waitFor();
    await checkPage(page, 'plan-searched');
  });

  it('lets a one-time password do nothing but change itself, with the policy’s messages from the API', async () => {
    const page = await web.newPage();
    const user = await web.user(['office'], { mustChangePassword: true });
    await signInThroughPage(page, web.base, user);
    await page.getByRole('heading', { name: '请修改密码' }).waitFor();
    expect(await page.getByRole('navigation').count()).toBe(0);
    await checkPage(page, 'change-password');

    await page.getByLabel('当前密码').fill(user.password);
    await page.getByLabel('新密码', { exact: true }).fill('password');
    await page.getByLabel('再次输入新密码').fill('password');
    await page.keyboard.press('Enter');
    // Every problem of the policy, in Chinese only: the API's `中文（English）` parts, joined by `；`.
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/至少三类；密码是常见密码/);
    expect(await page.getByRole('alert').textContent()).not.toMatch(/needs three|common password/);

    const next = 'Qingpu#Lake-2026';
    await page.getByLabel('新密码', { exact: true }).fill(next);
    await page.getByLabel('再次输入新密码').fill(next);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: plan.title }).waitFor();
  });

  it('sends an expired session to the sign-in page, saying so, and back where it was after signing in', async () => {
    const user = await web.user(['office']);
    const page = await web.newPage();
    await signInThroughPage(page, web.base, user);
    const link = page.getByRole('link', { name: plan.title });
    await link.waitFor();
    await page.context().clearCookies();
    await link.click();
    await page.getByText('会话已过期，请重新登录').waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/plans/${plan.planId}`);
    await page.getByLabel('用户名').fill(user.username);
    await page.getByLabel('密码', { exact: true }).fill(user.password);
    await page.keyboard.press('Enter');
    await page.getByText('共 48 项任务').waitFor();
  });

  it('switches the language, and remembers it across a reload', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: plan.title }).waitFor();
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Plans' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Plans' }).waitFor();
    expect(await page.getByRole('columnheader', { name: 'Document no.' }).count()).toBe(1);
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await checkPage(page, 'plans-en');
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('heading', { name: '实施方案' }).waitFor();
  });

  it('answers an unknown path with the 404 page', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: plan.title }).waitFor();
    await page.goto(`${web.base}/no/such/page`);
    await page.getByRole('heading', { name: '页面不存在' }).waitFor();
    await checkPage(page, 'not-found');
  });

  it('shows 无权访问, never the content, where the API answers 403', async () => {
    const page = await signedIn(['security-admin']);
    await page.waitForURL(`${web.base}/`);
    await page.goto(`${web.base}/plans`);
    await page.getByRole('heading', { name: '无权访问' }).waitFor();
    expect(await page.getByText(plan.title).count()).toBe(0);
    expect(await page.getByRole('table').count()).toBe(0);
    await checkPage(page, 'forbidden');
  });
});
