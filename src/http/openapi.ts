/**
 * The OpenAPI document, generated from the routes' zod schemas, at `/api/docs/json` (and `/api/docs/yaml`), and
 * Swagger UI at `/api/docs`. The UI's scripts and styles are served from the @fastify/swagger-ui package itself:
 * nothing is loaded from a CDN (government networks are often cut off from the internet).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import packageJson from '../../package.json' with { type: 'json' };

export const DOCS_PREFIX = '/api/docs';

const openApiPlugin: FastifyPluginAsync = async (app) => {
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
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // A content security policy on the UI's own pages: its scripts come from this server only.
    staticCSP: true,
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
};

export default fp(openApiPlugin, { name: 'luoshi-openapi' });
