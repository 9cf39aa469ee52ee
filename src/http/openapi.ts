/**
 * The OpenAPI document, generated from the routes' zod schemas, at `/api/docs/json` (and `/api/docs/yaml`), and
 * Swagger UI at `/api/docs`. The UI's scripts and styles are served from the @fastify/swagger-ui package itself:
 * nothing is loaded from a CDN (government networks are often cut off from the internet).
 *
 * The docs' pages get a Content-Security-Policy of their own ({@link DOCS_CSP}), one Swagger UI runs under without a
 * single violation, and every other answer keeps the strict API policy (src/http/security-headers.ts). API_DOCS=off
 * serves none of it: `/api/docs…` answers 404 like any unknown route (the document is still built, for tools that
 * ask the app for it in-process).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import packageJson from '../../package.json' with { type: 'json' };
import type { ApiDocsMode } from '../config.ts';

export const DOCS_PREFIX = '/api/docs';

/**
 * The docs' policy: scripts, styles and the spec from this server only (no inline script or style, no `eval`);
 * images from here or `data:` (the stylesheet's icons); fetches only to this server ("Try it out"); no framing, no
 * `<base>`, no form posts. Swagger UI's own top bar is left out (`BaseLayout`): its logo is an SVG with an inline
 * `<style>`, the one thing the UI does that this policy refuses, and its "Explore" box would load a spec from
 * anywhere.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const openApiPlugin: FastifyPluginAsync<{ readonly apiDocs: ApiDocsMode }> = async (app, { apiDocs }) => {
  // Registered before the routes: @fastify/swagger collects them as they are added.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: '落实 Luoshi API',
        description: '实施方案任务的分解、报告、督办与销号（plans into tracked delivery programmes）',
        version: packageJson.version,
      },
      tags: [
        { name: 'system', description: '系统（system）' },
        { name: 'identity', description: '身份（identity）' },
      ],
      // How a client authenticates (src/http/session.ts): the session cookie that sign-in sets, and the session's
      // CSRF token in a header on every change. In Swagger UI: sign in with POST /api/auth/sign-in (the browser
      // keeps the cookie), then paste the answer's csrfToken under "Authorize".
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'luoshi_session',
            description: '登录后由服务器设置（set by sign-in）',
          },
          csrf: {
            type: 'apiKey',
            in: 'header',
            name: 'X-CSRF-Token',
            description: '登录返回的 csrfToken，每个修改请求都须带上（the csrfToken of sign-in, on every change）',
          },
        },
      },
      security: [{ session: [], csrf: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  if (apiDocs === 'off') return;
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // Set on every answer of the UI's routes (and only those: the plugin's hook is scoped to them).
    staticCSP: DOCS_CSP,
    uiConfig: { docExpansion: 'list', deepLinking: true, layout: 'BaseLayout' },
  });
};

export default fp(openApiPlugin, { name: 'luoshi-openapi' });
