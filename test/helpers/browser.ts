/**
 * The web app in a real browser: the app on a real port over a fresh SQLite database (built files from dist/web,
 * built once per run by test/helpers/browser-setup.ts), and Debian's Chromium through playwright-core with a fresh
 * profile. Never downloads a browser. Use inside {@link describeWithChromium} (test/helpers/chromium.ts).
 *
 * Each page a test opens collects its console errors and failed page scripts; {@link checkPage} asserts what every
 * page must satisfy (no horizontal overflow, no console error, a CJK font in use, no serious axe finding) and saves
 * a screenshot under test-results/screenshots/.
 *
 * @example
 * const web = await startWebApp();
 * const page = await web.newPage();
 * await page.goto(`${web.base}/login`);
 * await checkPage(page, 'login');
 * await web.close();
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import type { Role } from '../../src/services/context.ts';
import { buildWorkspace } from '../factories.ts';
import { buildTestApp } from './app.ts';
import { buildUser, signIn, type BuiltUser } from './auth.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export const DESKTOP = { width: 1366, height: 768 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export interface WebApp {
  readonly base: string;
  readonly app: LuoshiApp;
  readonly database: TestDatabase;
  readonly workspaceId: string;
  /** A user of the workspace with the given roles (password {@link BuiltUser.password}). */
  user(roles: readonly Role[], options?: { mustChangePassword?: boolean; unitId?: string | null }): Promise<BuiltUser>;
  /** A fresh page in its own browser context (its own cookies and storage), collecting console errors. */
  newPage(size?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** What went wrong on a page: console errors, uncaught errors, refused requests for the app's own files. */
const pageProblems = new WeakMap<Page, string[]>();

export function problemsOf(page: Page): string[] {
  return pageProblems.get(page) ?? [];
}

export async function startWebApp(): Promise<WebApp> {
  const database = await createTestDatabase('sqlite');
  const app = await buildTestApp({ database });
  const workspace = await buildWorkspace(database.db);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const contexts: { context: BrowserContext; dir: string }[] = [];

  return {
    base,
    app,
    database,
    workspaceId: workspace.id,
    user: (roles, options = {}) => buildUser(database.db, { workspaceId: workspace.id, roles, ...options }),
    async newPage(size = DESKTOP) {
      const dir = await mkdtemp(join(tmpdir(), 'luoshi-chromium-'));
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS],
        viewport: size,
        locale: 'zh-CN',
      });
      contexts.push({ context, dir });
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      pageProblems.set(page, problems);
      page.on('console', (message) => {
        // A refused API call is the browser's console error for any 4xx; the page shows it, the test checks that.
        if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      return page;
    },
    async close() {
      for (const { context, dir } of contexts) {
        await context.close();
        await rm(dir, { recursive: true, force: true });
      }
      await app.close();
    },
  };
}

/** The example plan (金府发〔2021〕1号, 48 tasks) imported and confirmed through the API by an office user. */
export async function seedExamplePlan(web: WebApp): Promise<{ planId: string; title: string }> {
  const bytes = readFileSync(new URL('../../examples/jinshan-hongqiao-2021.md', import.meta.url));
  return seedPlan(web, 'jinshan-hongqiao-2021.md', bytes);
}

/**
 * A plan of `strands × areas × tasks` numbered tasks, each led by 区经委 (a city-sized plan for the virtualised
 * table), imported and confirmed through the API.
 */
export async function seedLargePlan(
  web: WebApp,
  size: { strands: number; areas: number; tasks: number },
): Promise<{ planId: string; title: string }> {
  const numerals = '一二三四五六七八九十';
  const lines = ['# 金山区大型测试实施方案', '', '金府发〔2026〕9号', '', '## 二、重点任务', ''];
  let area = 0;
  let task = 0;
  for (let s = 0; s < size.strands; s += 1) {
    lines.push(`### （${numerals[s] ?? s}）工作方向${s + 1}`, '');
    for (let a = 0; a < size.areas; a += 1) {
      area += 1;
      lines.push(`#### ${area}. 重点领域${area}`, '');
      for (let t = 0; t < size.tasks; t += 1) {
        task += 1;
        // Numbered within the area, as plans do; the title carries the task's place in the whole plan.
        lines.push(`（${t + 1}）推进第${task}项重点工作。按计划落实各项举措。（牵头协调单位：区经委）`, '');
      }
    }
  }
  lines.push('## 三、保障措施', '', '加强组织领导。', '');
  return seedPlan(web, 'large-plan.md', Buffer.from(lines.join('\n')));
}

async function seedPlan(web: WebApp, fileName: string, bytes: Uint8Array): Promise<{ planId: string; title: string }> {
  const office = await web.user(['office']);
  const session = await signIn(web.app, office);
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'text/markdown' }), fileName);
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  const uploaded = await session.request({
    method: 'POST',
    url: '/api/plan-drafts',
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
    payload: Buffer.from(await request.arrayBuffer()),
  });
  if (uploaded.statusCode !== 201) throw new Error(`upload answered ${uploaded.statusCode}: ${uploaded.body}`);
  const draft = uploaded.json() as { id: string; version: number };
  const confirmed = await session.request({
    method: 'POST',
    url: `/api/plan-drafts/${draft.id}/confirm`,
    payload: { version: draft.version },
  });
  if (confirmed.statusCode !== 201) throw new Error(`confirm answered ${confirmed.statusCode}: ${confirmed.body}`);
  const { planId } = confirmed.json() as { planId: string };
  // The derived states, as the status job would have them (JOBS=off in tests), so the page shows their colours.
  const refreshed = await session.request({ method: 'POST', url: `/api/plans/${planId}/refresh-status` });
  if (refreshed.statusCode !== 200) throw new Error(`refresh answered ${refreshed.statusCode}: ${refreshed.body}`);
  const plan = await session.request({ method: 'GET', url: `/api/plans/${planId}` });
  return { planId, title: (plan.json() as { title: string }).title };
}

/** Signs in through the login form, with the keyboard only. */
export async function signInThroughPage(page: Page, base: string, user: Pick<BuiltUser, 'username' | 'password'>) {
  await page.goto(`${base}/login`);
  await page.getByLabel(/用户名|User name/).fill(user.username);
  await page.getByLabel(/^(密码|Password)$/).fill(user.password);
  await page.keyboard.press('Enter');
}

/** The fonts Chromium actually drew an element's text with (DevTools protocol), e.g. ['Noto Sans CJK SC']. */
export async function renderedFonts(page: Page, selector: string): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const found: string[] = [];
    // The fonts of the element's own text nodes and its descendants'.
    const { node } = await cdp.send('DOM.describeNode', { nodeId, depth: -1 });
    const textNodeIds: number[] = [];
    const ids = await cdp.send('DOM.pushNodesByBackendIdsToFrontend', {
      backendNodeIds: collectBackendIds(node),
    });
    textNodeIds.push(...ids.nodeIds);
    for (const id of [nodeId, ...textNodeIds]) {
      try {
        const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId: id });
        for (const font of fonts) if (!found.includes(font.familyName)) found.push(font.familyName);
      } catch {
        // Text nodes and comments have no computed style of their own.
      }
    }
    return found;
  } finally {
    await cdp.detach();
  }
}

interface CdpNode {
  backendNodeId: number;
  nodeType: number;
  children?: CdpNode[];
}

function collectBackendIds(node: CdpNode): number[] {
  return [...(node.nodeType === 1 ? [node.backendNodeId] : []), ...(node.children ?? []).flatMap(collectBackendIds)];
}

/**
 * What every page must satisfy, checked on the page as it is now, and a screenshot saved as `name.png`: no
 * horizontal overflow, no console error, Chinese text drawn in a CJK face, no serious or critical axe finding.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  // An expression, not a function: the tests are compiled without the DOM's types.
  const { scrollWidth, innerWidth } = (await page.evaluate(
    '({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth })',
  )) as { scrollWidth: number; innerWidth: number };
  expect(scrollWidth, `${name}: horizontal overflow`).toBeLessThanOrEqual(innerWidth);
  expect(problemsOf(page), `${name}: console errors`).toEqual([]);
  const fonts = await renderedFonts(page, 'body');
  expect(
    fonts.some((font) => /CJK|Source Han|PingFang|YaHei/.test(font)),
    `${name}: fonts ${fonts.join(', ')}`,
  ).toBe(true);
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(' | ')}`);
  expect(serious, `${name}: axe`).toEqual([]);
}
