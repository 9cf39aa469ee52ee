/**
 * Sign-in through the government's OIDC provider (统一身份认证), when OIDC_ISSUER is configured
 * (src/services/oidc.service.ts).
 *
 *   GET /api/auth/oidc                          → {enabled}   for the sign-in page: show the button or not
 *   GET /api/auth/oidc/start?returnTo=/path     → 302 to the provider (404 when OIDC is not configured)
 *   GET /api/auth/oidc/callback?code&state      → 302 to returnTo with the session cookie set (404 when not configured)
 *
 * Both redirecting routes are browser navigations, so a refusal is a redirect too, never a JSON page:
 * `302 /?signInError=<code>`, the code one of OIDC_SIGN_IN_ERROR_CODES (src/http/schemas/oidc.ts holds the message
 * the sign-in page shows). What only a hand-made request can get wrong answers the JSON envelope: a `returnTo` that
 * is not a path of this site (400), too many attempts (429), OIDC not configured (404).
 *
 * The start gives the browser the `state` in a cookie of its own (`luoshi_oidc`: HttpOnly, ten minutes, only on the
 * callback's path); the callback requires the same state in the URL and the cookie, which binds the sign-in to the
 * browser that began it. That cookie is SameSite=Lax, not Strict: the provider's redirect back is a cross-site
 * navigation, on which a Strict cookie is not sent. The callback is a GET, so the Origin/CSRF check of
 * src/http/session.ts does not apply to it; the state does that work. The session cookie itself stays Strict: the
 * page the callback redirects to loads without it, and its first API call (same-site) carries it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServiceError } from '../../services/errors.ts';
import {
  OIDC_LOGIN_TTL_MS,
  OidcClient,
  beginOidcSignIn,
  completeOidcSignIn,
  isOidcError,
  type OidcError,
} from '../../services/oidc.service.ts';
import { addressKey } from '../rate-limit.ts';
import { errorResponses } from '../schemas/error.ts';
import {
  oidcCallbackQuerySchema,
  oidcStartQuerySchema,
  oidcStatusSchema,
  type OidcSignInErrorCode,
} from '../schemas/oidc.ts';
import { serviceContext } from '../service-context.ts';
import { readCookie, setSessionCookie } from '../session.ts';

export const OIDC_STATE_COOKIE = 'luoshi_oidc';

/** The code the browser gets: the service's failure, one of the codes the web client knows (test/http/oidc.test.ts). */
function signInErrorCode(error: OidcError): OidcSignInErrorCode {
  return error.code;
}

const redirectResponse = z.null().describe('重定向（302 redirect: see Location）');

export const oidcRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config } = app.luoshi;
  const client = config.oidc === null ? null : new OidcClient(config.oidc);
  // The redirect URI as registered is what the browser sees (a proxy may map it onto /api/auth/oidc/callback).
  const cookiePath = config.oidc === null ? '/' : new URL(config.oidc.redirectUri).pathname;
  // Each start writes a row and each callback an audit event: limited per address as password sign-in is.
  const limitPerAddress = (request: FastifyRequest, scope: 'oidc-start' | 'oidc-callback') =>
    app.rateLimiter.enforce(request, [
      { scope, key: addressKey(request.ip), perMinute: config.auth.signInRatePerMinute },
    ]);

  function requireClient(): OidcClient {
    if (client === null) {
      throw new ServiceError('not-found', '未启用统一身份认证登录（OIDC sign-in is not configured）');
    }
    return client;
  }

  function stateCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
    const secure = request.protocol === 'https' ? '; Secure' : '';
    return `${OIDC_STATE_COOKIE}=${value}; Path=${cookiePath}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
  }

  function refuse(request: FastifyRequest, reply: FastifyReply, error: OidcError) {
    request.log.warn({ code: error.code, reason: error.reason }, '统一身份认证登录失败（OIDC sign-in failed）');
    return reply.redirect(`/?signInError=${signInErrorCode(error)}`, 302);
  }

  app.get(
    '/auth/oidc',
    {
      schema: {
        tags: ['identity'],
        summary: '统一身份认证登录是否启用（whether OIDC sign-in is on）',
        response: { 200: oidcStatusSchema },
      },
    },
    async () => ({ enabled: client !== null }),
  );

  app.get(
    '/auth/oidc/start',
    {
      // A HEAD would start or spend a sign-in as a GET does: these are navigations only.
      exposeHeadRoute: false,
      schema: {
        tags: ['identity'],
        summary: '开始统一身份认证登录（start OIDC sign-in）',
        description:
          '重定向到统一身份认证服务（授权码模式，PKCE S256）。returnTo 须为本站路径。失败时重定向到 /?signInError=<代码>。',
        querystring: oidcStartQuerySchema,
        response: { 302: redirectResponse, ...errorResponses(400, 404, 429) },
      },
    },
    async (request, reply) => {
      const oidc = requireClient();
      await limitPerAddress(request, 'oidc-start');
      try {
        const start = await beginOidcSignIn(serviceContext(app), oidc, { returnTo: request.query.returnTo });
        reply.header('set-cookie', stateCookie(request, start.state, OIDC_LOGIN_TTL_MS / 1000));
        return reply.redirect(start.authorizationUrl, 302);
      } catch (error) {
        if (isOidcError(error)) return refuse(request, reply, error);
        throw error;
      }
    },
  );

  app.get(
    '/auth/oidc/callback',
    {
      // A HEAD would start or spend a sign-in as a GET does: these are navigations only.
      exposeHeadRoute: false,
      schema: {
        tags: ['identity'],
        summary: '统一身份认证回调（the OIDC callback）',
        description:
          '认证服务携授权码重定向回此地址。校验 state、换取并验证 ID 令牌，按已关联的账号登录，设置会话 Cookie 后重定向到 ' +
          'returnTo；失败时重定向到 /?signInError=<代码>。',
        querystring: oidcCallbackQuerySchema,
        response: { 302: redirectResponse, ...errorResponses(400, 404, 429) },
      },
    },
    async (request, reply) => {
      const oidc = requireClient();
      await limitPerAddress(request, 'oidc-callback');
      // The state cookie is spent whatever the outcome.
      reply.header('set-cookie', stateCookie(request, '', 0));
      try {
        const { token, returnTo } = await completeOidcSignIn(
          serviceContext(app),
          config.auth,
          oidc,
          {
            state: request.query.state,
            code: request.query.code,
            error: request.query.error,
            iss: request.query.iss,
            browserState: readCookie(request.headers.cookie, OIDC_STATE_COOKIE),
          },
          { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
        );
        setSessionCookie(request, reply, token, config.auth.sessionMaxHours * 3600);
        return reply.redirect(returnTo, 302);
      } catch (error) {
        if (isOidcError(error)) return refuse(request, reply, error);
        throw error;
      }
    },
  );
};
