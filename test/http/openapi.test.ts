import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import { DOCS_CSP } from '../../src/http/openapi.ts';
import { API_CSP } from '../../src/http/security-headers.ts';
import { buildTestApp } from '../helpers/app.ts';
import { CHROMIUM_ARGS, CHROMIUM_MISSING_LINE, CHROMIUM_PATH, skipWithoutChromium } from '../helpers/chromium.ts';

describe('OpenAPI', () => {
  let app: LuoshiApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves a document generated from the zod schemas at /api/docs/json', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/me']));
    expect(document.paths['/api/health'].get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Health',
    });
    expect(document.components.schemas.Health).toMatchObject({
      properties: { status: { const: 'ok' }, database: { enum: ['sqlite', 'postgres'] } },
    });
    expect(document.components.schemas.CurrentActor.required).toEqual(['userId', 'workspaceId', 'roles', 'unitId']);
    expect(document.paths['/api/me'].get.responses['401']).toBeDefined();
    // The docs' own routes are not part of the API.
    expect(Object.keys(document.paths).some((path) => path.startsWith('/api/docs'))).toBe(false);
  });

  it('serves Swagger UI at /api/docs from the package, loading nothing from elsewhere', async () => {
    const page = await app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(source).not.toMatch(/^(?:https?:)?\/\//);
    const bundle = await app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
  });
});

// Issue 9, finding 6: Swagger UI broke the server's own Content-Security-Policy in the browser (its inline styles
// were refused, and the console said so). The docs' routes now carry a policy the UI satisfies, every other answer
// keeps the strict one, and API_DOCS=off takes the docs away.
describe('issue 9, finding 6: /api/docs under a CSP it satisfies, and API_DOCS', () => {
  let app: LuoshiApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('sends the docs policy on the docs’ routes only, and the strict policy everywhere else', async () => {
    for (const url of ['/api/docs', '/api/docs/', '/api/docs/static/swagger-ui-bundle.js', '/api/docs/json']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-security-policy'], url).toBe(DOCS_CSP);
    }
    expect(DOCS_CSP).not.toMatch(/unsafe-(?:inline|eval)|https:|\*/);
    for (const url of ['/api/health', '/api/me', '/api/docsx', '/api/no-such-route']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.headers['content-security-policy'], url).toBe(API_CSP);
    }
  });

  it('documents the 429 of the general rate limit on every limited route (issue 9, finding 6)', async () => {
    const document = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (path === '/api/health') expect(operation.responses['429'], `${method} ${path}`).toBeUndefined();
        else expect(operation.responses['429'], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it('answers 404 in the envelope for everything under /api/docs when API_DOCS=off', async () => {
    const off = await buildTestApp({ env: { API_DOCS: 'off' } });
    try {
      for (const url of ['/api/docs', '/api/docs/', '/api/docs/json', '/api/docs/static/swagger-ui-bundle.js']) {
        const response = await off.inject({ method: 'GET', url });
        expect(response.statusCode, url).toBe(404);
        expect(response.json()).toEqual({ error: { code: 'not-found', message: '未找到该接口（no such route）' } });
        expect(response.headers['content-security-policy'], url).toBe(API_CSP);
        expect(response.headers['cache-control'], url).toBe('no-store');
      }
      expect((await off.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    } finally {
      await off.close();
    }
  });

  if (skipWithoutChromium) console.warn(CHROMIUM_MISSING_LINE);

  it.skipIf(skipWithoutChromium)(
    'loads in Chromium with no CSP violation in the console, and "Try it out" reaches the API',
    async () => {
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const profile = await mkdtemp(join(tmpdir(), 'luoshi-chromium-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [...CHROMIUM_ARGS],
      });
      try {
        const page = await context.newPage();
        // Swagger UI renders every operation of the document; on a busy machine that takes a while.
        page.setDefaultTimeout(120_000);
        const console: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') console.push(message.text());
        });
        page.on('pageerror', (error) => console.push(error.message));
        // The browser's own report of each refusal, whatever the console says. (A string: the tests are compiled
        // without the DOM's types.)
        await page.addInitScript({
          content: `window.cspViolations = [];
            document.addEventListener('securitypolicyviolation', (event) => {
              window.cspViolations.push(event.effectiveDirective + ' ' + event.blockedURI + ' ' + event.sourceFile);
            });`,
        });

        await page.goto(`${base}/api/docs`, { waitUntil: 'load' });
        await page.locator('.info .title').filter({ hasText: '落实 Luoshi API' }).waitFor();
        // Expand GET /api/health, try it out: the UI fetches from this server under `connect-src 'self'`.
        await page.locator('.opblock-summary-path[data-path="/api/health"]').click();
        await page.locator('.try-out__btn').click();
        await page.locator('.execute').click();
        await page.locator('.live-responses-table .response-col_status').filter({ hasText: '200' }).waitFor();

        const violations: unknown = await page.evaluate('window.cspViolations');
        expect(violations).toEqual([]);
        expect(console).toEqual([]);
      } finally {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
