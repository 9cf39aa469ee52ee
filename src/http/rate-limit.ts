/**
 * Rate limits on the wire (等保 2.0 level 3, 资源控制), counted in the database (src/services/rate-limit.service.ts),
 * so several processes serving one database share each count:
 *
 * | limit | key | setting |
 * | --- | --- | --- |
 * | every API request (but `/api/health`) | the client address | API_RATE_PER_ADDRESS_PER_MINUTE |
 * | every API request of a signed-in session | the session | API_RATE_PER_MINUTE |
 * | sign-in, OIDC start, OIDC callback | the client address | SIGN_IN_RATE_PER_MINUTE |
 * | uploads (multipart requests) | the user, or the address before sign-in | UPLOAD_RATE_PER_MINUTE |
 *
 * Over a limit the request answers 429 `rate-limited` with Retry-After (the seconds left in the window), and the
 * first refusal of each window and key is recorded in the audit trail. `/api/health` answers from memory and is
 * what a load balancer polls: it is not limited. Behind a reverse proxy the client address is the proxy's unless
 * TRUST_PROXY is set: then every client shares one count per address.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { anonymousActor, recordRateLimited } from '../services/access-audit.service.ts';
import { createRateLimitCounter, type RateLimitRule } from '../services/rate-limit.service.ts';
import { HttpError } from './errors.ts';

/** The error a limited request gets; the HTTP error handler answers 429 with a Retry-After header. */
export class RateLimitedError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'rate-limited',
      `请求过于频繁，请 ${retryAfterSeconds} 秒后再试（too many requests; retry in ${retryAfterSeconds} s）`,
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}

/** Routes outside the general limit (they do not touch the database). */
export const UNLIMITED_ROUTES: ReadonlySet<string> = new Set(['/api/health']);

/**
 * The key of a client address: an IPv4 address as it is (an IPv4-mapped IPv6 address as its IPv4 form), an IPv6
 * address by its /64 prefix — one subscriber line or host usually holds a whole /64 and could otherwise take a new
 * address, and a new count, for every request.
 *
 * @example
 * addressKey('::ffff:203.0.113.9') // '203.0.113.9'
 * addressKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1] !== undefined && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = ip.includes('::') && tail !== '' ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  const prefix = groups.slice(0, 4).map((group) => (Number.parseInt(group, 16) || 0).toString(16));
  return `${prefix.join(':')}::/64`;
}

export interface RateLimiter {
  /**
   * Counts the request against `rules` and throws the 429 `rate-limited` error when one refuses it; the first refusal
   * of a window and key is recorded in the audit trail (by the request's actor, or anonymously in the `system`
   * workspace).
   */
  enforce(request: FastifyRequest, rules: readonly RateLimitRule[]): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    rateLimiter: RateLimiter;
  }
}

function createRateLimiter(app: FastifyInstance): RateLimiter {
  const counter = createRateLimitCounter({ db: app.luoshi.db, clock: app.luoshi.clock });
  return {
    async enforce(request, rules) {
      const verdict = await counter.take(rules);
      if (verdict.newlyLimited.length > 0) {
        const actor = request.actor === null ? anonymousActor(request.ip) : { ...request.actor, ip: request.ip };
        try {
          await recordRateLimited({ db: app.luoshi.db, clock: app.luoshi.clock }, actor, {
            method: request.method,
            route: request.routeOptions.url ?? '(no route)',
            rules: verdict.newlyLimited,
            windowStart: verdict.windowStart,
          });
        } catch (auditError) {
          request.log.error(
            { err: auditError },
            '无法记录超出频率限制的审计事件（could not audit a rate-limit refusal）',
          );
        }
      }
      if (verdict.retryAfterSeconds !== null) throw new RateLimitedError(verdict.retryAfterSeconds);
    },
  };
}

/**
 * Decorates the app with its `rateLimiter` and holds every request to the general limit: per client address, and per
 * session when one is signed in. Register it after the session is resolved and before the checks that refuse (and
 * audit) requests, so a flood is cut off before it writes anything else.
 */
const rateLimitPlugin: FastifyPluginAsync = async (app) => {
  app.decorate('rateLimiter', createRateLimiter(app));
  const { perSessionPerMinute, perAddressPerMinute } = app.luoshi.config.rateLimits;
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url !== undefined && UNLIMITED_ROUTES.has(request.routeOptions.url)) return;
    const rules: RateLimitRule[] = [
      { scope: 'api-address', key: addressKey(request.ip), perMinute: perAddressPerMinute },
    ];
    if (request.session !== null) {
      rules.push({ scope: 'api-session', key: request.session.id, perMinute: perSessionPerMinute });
    }
    await app.rateLimiter.enforce(request, rules);
  });

  // Uploads are the costliest requests: a limit per user (or per address before sign-in), once the actor is known.
  const perUpload = app.luoshi.config.auth.uploadRatePerMinute;
  app.addHook('preHandler', async (request) => {
    if (request.headers['content-type']?.toLowerCase().startsWith('multipart/') !== true) return;
    const key = request.actor === null ? `address:${addressKey(request.ip)}` : `user:${request.actor.userId}`;
    await app.rateLimiter.enforce(request, [{ scope: 'upload', key, perMinute: perUpload }]);
  });
};

export default fp(rateLimitPlugin, { name: 'luoshi-rate-limit', dependencies: ['luoshi-session'] });
