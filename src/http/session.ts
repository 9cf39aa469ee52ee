/**
 * Sessions on the wire: the session cookie, the CSRF check and the must-change-password gate.
 *
 * - The cookie `luoshi_session` holds the session's random token: HttpOnly (scripts cannot read it), SameSite=Strict
 *   (no other site's page sends it), Path=/, Secure when the request came over https, and a Max-Age of the
 *   session's absolute lifetime. The server keeps the session (src/services/auth.service.ts).
 * - CSRF: every state-changing request (POST, PUT, PATCH, DELETE) made with a session must carry the session's
 *   token in `X-CSRF-Token` (the client gets it from the sign-in answer or `GET /api/auth/session`); and any
 *   request whose `Origin` names another site is refused, sign-in included, and recorded in the audit trail with
 *   its Origin (by the session's actor, or anonymously: src/http/app.ts). SameSite cookies and refusing
 *   `text/plain` bodies (src/http/app.ts) are further layers, not the defence.
 * - A session whose password must change (one-time or expired) may only read who it is, change the password and
 *   sign out.
 * - Routes marked `sessionless` (the web app's files) get no session: they answer everyone the same.
 *
 * Two plugins: `sessionPlugin` finds the session, `requestChecksPlugin` refuses; the app registers the rate limit
 * (src/http/rate-limit.ts) between them.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { resolveSession, type SessionState } from '../services/auth.service.ts';
import { HttpError } from './errors.ts';

export const SESSION_COOKIE = 'luoshi_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in session, or null (tests that pass an actor directly have none). */
    session: SessionState | null;
  }
  interface FastifyContextConfig {
    /**
     * The route answers the same to everyone and never with a user's data (the web app's files,
     * src/http/web-static.ts): no session is looked up for it, so neither the CSRF check nor the
     * must-change-password gate applies. The Origin check still does.
     */
    sessionless?: boolean;
  }
}

/** Whether the request's route is marked `sessionless`. */
function isSessionless(request: FastifyRequest): boolean {
  return request.routeOptions.config.sessionless === true;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes a session bound to change its password may still call. */
const OPEN_TO_MUST_CHANGE = new Set([
  '/api/auth/session',
  '/api/auth/password',
  '/api/auth/sign-out',
  '/api/auth/sign-out-everywhere',
  '/api/me',
  '/api/health',
]);

/** The value of one cookie of a `Cookie` header, or null. Only the first of several with the name counts. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() !== name) continue;
    const value = part.slice(index + 1).trim();
    return /^[A-Za-z0-9_-]{1,200}$/.test(value) ? value : null;
  }
  return null;
}

function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number) {
  const secure = isHttps(request) ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`,
  );
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply) {
  const secure = isHttps(request) ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`);
}

/** Whether an `Origin` header names this server (scheme, host and port as the request reached it). */
function isSameOrigin(request: FastifyRequest, origin: string): boolean {
  if (origin === 'null') return false;
  try {
    // Through URL on both sides, so a default port written out (`:80`, `:443`) compares equal to none.
    return new URL(origin).origin === new URL(`${request.protocol}://${request.host}`).origin;
  } catch {
    return false;
  }
}

function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function csrfFailed(): HttpError {
  return new HttpError(
    'csrf-failed',
    '请求缺少有效的防跨站令牌，请刷新页面后重试（missing or wrong CSRF token; reload and try again）',
  );
}

/** A state-changing request from another site's page: refused as a CSRF failure, and audited with its Origin. */
export class ForeignOriginError extends HttpError {
  constructor(readonly origin: string) {
    super('csrf-failed', csrfFailed().message);
  }
}

export interface SessionPluginOptions {
  /** Resolve the actor from the session cookie (the server); tests that pass their own actor turn it off. */
  readonly resolveFromCookie: boolean;
}

/**
 * Finds the request's session from its cookie. The refusals come after it, in {@link requestChecksPlugin}, so that a
 * refused request is recorded with the actor who sent it (and the rate limit, registered between the two, counts
 * it first).
 */
const sessionPlugin: FastifyPluginAsync<SessionPluginOptions> = async (app, { resolveFromCookie }) => {
  app.decorateRequest('session', null);
  if (!resolveFromCookie) return;

  app.addHook('onRequest', async (request) => {
    if (isSessionless(request)) return;
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (token === null) return;
    const { config, db, clock } = app.luoshi;
    const session = await resolveSession({ db, clock }, config.auth, token, {
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });
    if (session === null) return;
    request.session = session;
    request.actor = session.actor;
  });
};

/** The Origin and CSRF checks and the must-change-password gate, before the body is read. */
const requestChecks: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', async (request) => {
    const unsafe = !SAFE_METHODS.has(request.method);
    const origin = request.headers.origin;
    if (unsafe && origin !== undefined && !isSameOrigin(request, origin)) throw new ForeignOriginError(origin);
    const { session } = request;
    if (session === null) return;

    if (unsafe) {
      const given = request.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !tokensEqual(given, session.csrfToken)) throw csrfFailed();
    }
    const route = request.routeOptions.url;
    if (session.mustChangePassword && (route === undefined || !OPEN_TO_MUST_CHANGE.has(route))) {
      throw new HttpError(
        'password-change-required',
        '请先修改密码（一次性密码或密码已过期）（change your password first: it is one-time or expired）',
      );
    }
  });
};

export default fp(sessionPlugin, { name: 'luoshi-session', dependencies: ['luoshi-actor'] });

export const requestChecksPlugin = fp(requestChecks, {
  name: 'luoshi-request-checks',
  dependencies: ['luoshi-session'],
});
