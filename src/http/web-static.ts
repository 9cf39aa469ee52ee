/**
 * The web app's files, served by the same process as the API: the built files of `dist/web` (scripts/build.ts), and
 * for every other GET path but `/api/…` and `/public/…` the app's `index.html`, so that a deep link (`/plans/…` in
 * an e-mail) opens the right page and the app's router decides what it shows.
 *
 * - Hashed files under `/assets/` never change under their name: cached for a year. `index.html` names the current
 *   ones, so it is revalidated on every load (`no-cache`).
 * - Each `index.html` answer carries a fresh CSP nonce: Vite writes the placeholder {@link NONCE_PLACEHOLDER} into
 *   it (vite.config.ts, `html.cspNonce`), this plugin replaces it, and Ant Design's style tags take it from the
 *   `<meta property="csp-nonce">` (web/src/app/csp.ts). No script or style runs without it or from elsewhere.
 * - The routes are `sessionless` (src/http/session.ts): the files are the same for everyone, so no session is looked
 *   up for them and the must-change-password gate does not apply (the app itself shows only the password form).
 * - When `dist/web` is missing the fallback answers 503 with a page saying to run `npm run build`.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Where scripts/build.ts writes the web app. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** What Vite writes for the nonce (vite.config.ts); replaced on every answer. Letters only, so no escaping. */
export const NONCE_PLACEHOLDER = 'LUOSHINONCEPLACEHOLDER';

/** Paths the web app never answers: the API (its own 404 envelope) and the public pages of a later issue. */
const NOT_THE_APP = /^\/(api|public)(\/|$)/;

const LONG_CACHE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The app's policy. Scripts and styles only from this server or with this answer's nonce (Ant Design injects its
 * CSS-in-JS as `<style>` tags, which carry the nonce); no `eval`, no inline handlers, no plugins, no framing.
 */
export function webCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The page answered while the web app has not been built: plain HTML, no script, no style. */
export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>落实 Luoshi：网页尚未构建</title></head>
<body>
<h1>网页尚未构建</h1>
<p>请在服务器上运行 <code>npm run build</code>，然后刷新本页。接口（/api）不受影响。</p>
<p lang="en">The web app has not been built: run <code>npm run build</code> on the server, then reload this page.
The API (/api) works without it.</p>
</body>
</html>
`;

export interface WebStaticOptions {
  /** The folder of the built app (default {@link DEFAULT_WEB_ROOT}). */
  readonly root?: string | undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

const webStatic: FastifyPluginAsync<WebStaticOptions> = async (app, options) => {
  const root = resolve(options.root ?? DEFAULT_WEB_ROOT);

  /** The file a path names inside the root, or null (outside it, a dotfile, or not a file). */
  async function fileOf(pathname: string): Promise<string | null> {
    if (pathname.split('/').some((segment) => segment.startsWith('.'))) return null;
    const path = resolve(root, `.${pathname}`);
    if (!path.startsWith(root + sep)) return null;
    return (await isFile(path)) ? path : null;
  }

  async function sendIndex(reply: FastifyReply) {
    let html: string;
    try {
      html = await readFile(resolve(root, 'index.html'), 'utf8');
    } catch {
      return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
    }
    const nonce = randomBytes(16).toString('base64');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', webCsp(nonce))
      .send(html.replaceAll(NONCE_PLACEHOLDER, nonce));
  }

  async function serve(request: FastifyRequest, reply: FastifyReply) {
    const pathname = new URL(request.url, 'http://localhost').pathname;
    if (NOT_THE_APP.test(pathname)) return reply.callNotFound();
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return reply.callNotFound();
    }
    const file = decoded === '/' || decoded === '/index.html' ? null : await fileOf(decoded);
    if (file !== null) {
      const body = await readFile(file);
      return reply
        .type(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream')
        .header('cache-control', decoded.startsWith('/assets/') ? LONG_CACHE : 'no-cache')
        .send(body);
    }
    // A missing hashed file is a stale page asking for last build's chunk: 404, not the app's HTML in its place.
    if (decoded.startsWith('/assets/')) return reply.callNotFound();
    return sendIndex(reply);
  }

  app.get('/*', { config: { sessionless: true }, schema: { hide: true } }, serve);
};

export default fp(webStatic, { name: 'luoshi-web-static' });
