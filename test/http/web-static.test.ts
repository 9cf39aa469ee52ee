// The web app's files and the SPA fallback (src/http/web-static.ts), over a built app of the test's own making:
// hashed files cached for a year, index.html revalidated and with a fresh CSP nonce per answer, every GET path but
// /api/… and /public/… answered with the app, nothing outside the folder, no session looked up, and a clear page
// when the app has not been built.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import { buildApp } from '../../src/http/app.ts';
import { NONCE_PLACEHOLDER } from '../../src/http/web-static.ts';
import { buildWorkspace } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { buildUser, signIn } from '../helpers/auth.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const INDEX = `<!doctype html><html><head><meta property="csp-nonce" nonce="${NONCE_PLACEHOLDER}">
<script type="module" nonce="${NONCE_PLACEHOLDER}" src="/assets/index-abc123.js"></script></head><body></body></html>`;

describe('the web app’s files', () => {
  let database: TestDatabase;
  let root: string;
  let app: LuoshiApp;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    root = mkdtempSync(join(tmpdir(), 'luoshi-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log("落实");');
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(root, '.secret'), 'not served');
    app = await buildApp({ database, config: testConfig(), webRoot: root });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await database?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers deep links with index.html, revalidated, under a strict policy with a fresh nonce each time', async () => {
    const nonces = new Set<string>();
    for (const url of ['/', '/plans', '/plans/pln_1?tab=tree', '/tasks/tsk_1', '/no/such/page']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      const csp = String(response.headers['content-security-policy']);
      const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1] ?? '';
      expect(nonce).not.toBe('');
      expect(csp).toContain(`script-src 'self' 'nonce-${nonce}'`);
      expect(csp).toContain(`style-src 'self' 'nonce-${nonce}'`);
      expect(csp).not.toMatch(/unsafe-eval|unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.body).not.toContain(NONCE_PLACEHOLDER);
      expect(response.body.match(new RegExp(`nonce="${nonce.replace(/[+/=]/g, '\\$&')}"`, 'g'))).toHaveLength(2);
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(5);
  });

  it('serves hashed files for a year and other files revalidated; HEAD as GET', async () => {
    const script = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body).toBe('console.log("落实");');
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');
    const head = await app.inject({ method: 'HEAD', url: '/plans' });
    expect(head.statusCode).toBe(200);
  });

  it('leaves /api/… and /public/… to the API’s 404, and a missing hashed file is a 404 too', async () => {
    for (const url of ['/api/no-such-route', '/api', '/public/plans', '/assets/index-old999.js']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toEqual({ error: { code: 'not-found', message: '未找到该接口（no such route）' } });
    }
  });

  it('serves nothing outside its folder, and no dotfile', async () => {
    for (const url of ['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/.secret']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.body, url).not.toContain('"name": "luoshi"');
      expect(response.body, url).not.toContain('not served');
    }
  });

  it('is open to a session that must change its password (the app shows the form), and looks no session up', async () => {
    const workspace = await buildWorkspace(database.db);
    const user = await buildUser(database.db, {
      workspaceId: workspace.id,
      roles: ['office'],
      mustChangePassword: true,
    });
    const session = await signIn(app, user);
    const page = await session.request({ method: 'GET', url: '/plans' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const api = await session.request({ method: 'GET', url: '/api/plans' });
    expect(api.statusCode).toBe(403);
    expect(api.json()).toMatchObject({ error: { code: 'password-change-required' } });
    // A cookie that is no session at all changes nothing for the files.
    const stranger = await app.inject({ method: 'GET', url: '/plans', headers: { cookie: 'luoshi_session=nonsense' } });
    expect(stranger.statusCode).toBe(200);
  });

  it('refuses other methods on the app’s paths as the API does', async () => {
    const response = await app.inject({ method: 'POST', url: '/plans', payload: {} });
    expect(response.statusCode).toBe(404);
  });
});

describe('before the web app is built', () => {
  it('answers a Chinese-first page saying to run npm run build, and the API works', async () => {
    const database = await createTestDatabase('sqlite');
    const app = await buildApp({ database, config: testConfig(), webRoot: join(tmpdir(), 'luoshi-no-such-build') });
    try {
      const response = await app.inject({ method: 'GET', url: '/plans' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toMatch(/<h1>网页尚未构建<\/h1>[\s\S]*npm run build/);
      expect(response.body.indexOf('网页尚未构建')).toBeLessThan(response.body.indexOf('has not been built'));
      expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await database.dispose();
    }
  });
});
