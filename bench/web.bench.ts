// npm run bench:web -- [--runs N]
//
// The web app in Debian's Chromium (/usr/bin/chromium through playwright-core; never downloads a browser): builds
// dist/web if stale, starts the app on a port over a fresh SQLite database with the example plan and a plan of 2,000
// tasks (test/helpers/browser.ts), then for the first page (/login) and for the plan page of 2,000 tasks (signed in)
// opens the page N times (default 7), each in a fresh browser context (empty cache, no service worker), and measures
// - the gzipped JavaScript the page loaded: the built files under /assets/ it actually requested, gzipped here
//   (level 9), summed — what the wire carries when the server or a proxy compresses;
// - the time from navigation until the page's main content is visible (/login: the sign-in form's 用户名 field;
//   the plan: its task count and a task row), and until its first input accepts typing (a key pressed into it shows
//   in its value).
// Prints a markdown table with the aims beside the figures (≤ 250 KB gzipped JS for the first page, ≤ 1 s on
// localhost). A benchmark never fails on a time: it exits non-zero only when it cannot run.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildWeb } from '../scripts/build.ts';
import { seedExamplePlan, seedLargePlan, startWebApp } from '../test/helpers/browser.ts';
import { signIn } from '../test/helpers/auth.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/chromium.ts';

const ASSETS_DIR = fileURLToPath(new URL('../dist/web/assets/', import.meta.url));
const KB = 1024;
const JS_AIM_KB = 250;
const TIME_AIM_MS = 1000;

function parseRuns(argv: readonly string[]): number {
  const at = argv.indexOf('--runs');
  if (at === -1) return 7;
  const runs = Number(argv[at + 1]);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
    console.error(
      '--runs 应为 1 到 100 的整数（--runs must be an integer from 1 to 100）\n用法（usage）: npm run bench:web -- [--runs N]',
    );
    process.exit(2);
  }
  return runs;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const gzipCache = new Map<string, number>();

/** The gzipped size of a built file under /assets/, by the path the page requested. */
function gzippedSize(pathname: string): number {
  const name = basename(pathname);
  let size = gzipCache.get(name);
  if (size === undefined) {
    size = gzipSync(readFileSync(ASSETS_DIR + name), { level: 9 }).length;
    gzipCache.set(name, size);
  }
  return size;
}

interface Run {
  readonly jsFiles: readonly string[];
  readonly jsGzipBytes: number;
  readonly shownMs: number;
  readonly typingMs: number;
}

interface Scenario {
  readonly name: string;
  readonly path: string;
  /** Cookies for the context (a signed-in session), or none. */
  cookies(): Promise<{ name: string; value: string; url: string }[]>;
  /** Resolves when the page's main content is visible. */
  shown(page: Page): Promise<void>;
  /** The first input of the page's main content. */
  input(page: Page): ReturnType<Page['getByLabel']>;
}

async function measure(browser: Browser, base: string, scenario: Scenario): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  try {
    await context.addCookies(await scenario.cookies());
    const page = await context.newPage();
    const jsFiles: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/assets/') && url.pathname.endsWith('.js')) jsFiles.push(url.pathname);
    });
    const started = performance.now();
    await page.goto(`${base}${scenario.path}`, { waitUntil: 'commit' });
    await scenario.shown(page);
    const shownMs = performance.now() - started;
    const input = scenario.input(page);
    await input.press('1');
    await page.waitForFunction(
      (element) => (element as unknown as { value: string }).value.includes('1'),
      await input.elementHandle(),
    );
    const typingMs = performance.now() - started;
    const unique = [...new Set(jsFiles)];
    return {
      jsFiles: unique,
      jsGzipBytes: unique.reduce((sum, file) => sum + gzippedSize(file), 0),
      shownMs,
      typingMs,
    };
  } finally {
    await context.close();
  }
}

const runs = parseRuns(process.argv.slice(2));
const built = await buildWeb({ ifStale: true, quiet: true });
console.log(built ? '已构建 dist/web（built dist/web）' : 'dist/web 已是最新（dist/web is up to date）');

const web = await startWebApp();
let browser: Browser | undefined;
try {
  await seedExamplePlan(web);
  const large = await seedLargePlan(web, { strands: 4, areas: 25, tasks: 20 });
  const leader = await web.user(['leader']);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });

  const scenarios: Scenario[] = [
    {
      name: 'first page: /login',
      path: '/login',
      cookies: async () => [],
      shown: (page) => page.getByLabel('用户名').waitFor({ state: 'visible' }),
      input: (page) => page.getByLabel('用户名'),
    },
    {
      name: 'plan page: 2,000 tasks, signed in',
      path: `/plans/${large.planId}`,
      async cookies() {
        const session = await signIn(web.app, leader);
        const [name = '', value = ''] = session.cookie.split(/=(.*)/s);
        return [{ name, value, url: web.base }];
      },
      async shown(page) {
        await page.getByText('共 2000 项任务').waitFor({ state: 'visible', timeout: 60_000 });
        await page.locator('.row-task').first().waitFor({ state: 'visible' });
      },
      input: (page) => page.getByLabel('搜索任务'),
    },
  ];

  const rows: string[] = [];
  for (const scenario of scenarios) {
    // One run first to warm the server (its first answers compile statements); not counted.
    await measure(browser, web.base, scenario);
    const results: Run[] = [];
    for (let i = 0; i < runs; i++) results.push(await measure(browser, web.base, scenario));
    const shown = results.map((run) => run.shownMs).sort((a, b) => a - b);
    const typing = results.map((run) => run.typingMs).sort((a, b) => a - b);
    const js = Math.max(...results.map((run) => run.jsGzipBytes)) / KB;
    const files = results[0]?.jsFiles.length ?? 0;
    const jsAim = scenario.path === '/login' ? `≤ ${JS_AIM_KB} KB` : '—';
    const ms = (value: number) => value.toFixed(0);
    rows.push(
      `| ${scenario.name} | ${js.toFixed(1)} (${files} files) | ${jsAim} | ${ms(percentile(shown, 50))} / ${ms(percentile(shown, 95))} | ${ms(percentile(typing, 50))} / ${ms(percentile(typing, 95))} | ≤ ${TIME_AIM_MS} ms |`,
    );
  }

  console.log(
    `\n${runs} runs a page, each in a fresh browser context; Chromium ${browser.version()}; ${cpus().length} cores, load ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}\n`,
  );
  console.log('| page | gzipped JS, KB | aim | shown ms p50 / p95 | typing accepted ms p50 / p95 | aim |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
} catch (error) {
  console.error(`网页基准未能运行（bench:web could not run）: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  await web.close();
}
