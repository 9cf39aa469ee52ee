/**
 * Sign-in and the session (src/services/auth.service.ts, src/http/session.ts).
 *
 *   POST /api/auth/sign-in                {username, password} → Session, and the session cookie
 *   GET  /api/auth/session                → Session (the CSRF token again, after a page reload)
 *   POST /api/auth/password               {current, next} → 204
 *   POST /api/auth/sign-out               → 204, the cookie cleared
 *   POST /api/auth/sign-out-everywhere    → {ended}, every session of the user ended
 *
 * Sign-in is rate-limited per client address (SIGN_IN_RATE_PER_MINUTE), on top of the account lock-out.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changePassword, signIn, signOut, signOutEverywhere, type SessionState } from '../../services/auth.service.ts';
import { isServiceError } from '../../services/errors.ts';
import { requireActor } from '../actor.ts';
import { unauthenticated } from '../errors.ts';
import { addressKey } from '../rate-limit.ts';
import { changePasswordBodySchema, sessionSchema, signInBodySchema, signOutEverywhereSchema } from '../schemas/auth.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';
import { clearSessionCookie, setSessionCookie } from '../session.ts';

function sessionView(session: SessionState) {
  return {
    user: session.user,
    csrfToken: session.csrfToken,
    mustChangePassword: session.mustChangePassword,
    expiresAt: session.expiresAt,
    idleExpiresAt: session.idleExpiresAt,
  };
}

function requireSession(request: FastifyRequest): SessionState {
  if (request.session === null) throw unauthenticated();
  return request.session;
}

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config } = app.luoshi;

  app.post(
    '/auth/sign-in',
    {
      schema: {
        tags: ['identity'],
        summary: '登录（sign in）',
        description:
          '用户名和密码登录。连续失败 5 次（每次间隔不超过 15 分钟）锁定 15 分钟；同一地址每分钟尝试次数有限。' +
          '成功后设置 HttpOnly 会话 Cookie，' +
          '并返回 CSRF 令牌：之后每个修改请求须在 X-CSRF-Token 头中带回。',
        body: signInBodySchema,
        response: { 200: sessionSchema, ...errorResponses(400, 401, 403, 423, 429) },
      },
    },
    async (request, reply) => {
      await app.rateLimiter.enforce(request, [
        { scope: 'sign-in', key: addressKey(request.ip), perMinute: config.auth.signInRatePerMinute },
      ]);
      const { token, session } = await signIn(serviceContext(app), config.auth, request.body, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      setSessionCookie(request, reply, token, config.auth.sessionMaxHours * 3600);
      return sessionView(session);
    },
  );

  app.get(
    '/auth/session',
    {
      schema: {
        tags: ['identity'],
        summary: '当前会话（the current session）',
        response: { 200: sessionSchema, ...errorResponses(401) },
      },
    },
    async (request) => sessionView(requireSession(request)),
  );

  app.post(
    '/auth/password',
    {
      schema: {
        tags: ['identity'],
        summary: '修改密码（change the password）',
        description:
          '至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类，不得包含用户名，不得是常见密码（含大小写、' +
          '字母数字替换和前后加数字符号的变形）或键盘序列，不得与当前及最近 5 个密码相同。其他会话随之结束。' +
          '当前密码输错计入账户的登录失败次数：第 5 次锁定账户并结束其所有会话（423）。',
        body: changePasswordBodySchema,
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 409, 422, 423) },
      },
    },
    async (request, reply) => {
      const session = requireSession(request);
      try {
        await changePassword(serviceContext(app), config.auth, requireActor(request), session.id, request.body);
      } catch (error) {
        // Locked by wrong current passwords: every session of the account has ended, this one too.
        if (isServiceError(error) && error.code === 'account-locked') clearSessionCookie(request, reply);
        throw error;
      }
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/sign-out',
    {
      schema: {
        tags: ['identity'],
        summary: '退出登录（sign out）',
        response: { 204: z.null(), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const session = requireSession(request);
      await signOut(serviceContext(app), requireActor(request), session.id);
      clearSessionCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/sign-out-everywhere',
    {
      schema: {
        tags: ['identity'],
        summary: '在所有设备上退出（sign out everywhere）',
        response: { 200: signOutEverywhereSchema, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      requireSession(request);
      const ended = await signOutEverywhere(serviceContext(app), requireActor(request));
      clearSessionCookie(request, reply);
      return { ended };
    },
  );
};
