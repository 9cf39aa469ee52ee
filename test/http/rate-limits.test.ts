// Issue 9, finding 6: a general API rate limit per session and per address, and every limiter (sign-in per address,
// uploads per user, the general one) counted in the database, so that several app processes serving one database
// share each count. Issue 9, finding 4: a 429 is audited once per limited window and key, not once per request.
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { AuditEventRow } from '../../src/db/schema.ts';
import type { LuoshiApp } from '../../src/http/app.ts';
import { addressKey } from '../../src/http/rate-limit.ts';
import { SYSTEM_WORKSPACE_ID } from '../../src/services/auth.service.ts';
import { createRateLimitCounter, type RateLimitVerdict } from '../../src/services/rate-limit.service.ts';
import { buildActor, buildWorkspace } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { buildUser, sessionOf, signIn } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';

/** A clock the test moves by hand. */
function handClock(iso: string) {
  let now = new Date(iso).getTime();
  return {
    clock: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

async function rateLimitEvents(db: Db, workspaceId: string): Promise<AuditEventRow[]> {
  return db
    .selectFrom('audit_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('action', '=', 'rate-limit.exceeded')
    .orderBy('seq')
    .execute();
}

describeEachDatabase('issue 9, finding 6: rate limits counted in the database', (database, dialect) => {
  /** Apps over this suite's database, closed when the test ends. */
  async function apps(count: number, options: { env: Record<string, string>; clock: () => Date }) {
    const built: LuoshiApp[] = [];
    for (let i = 0; i < count; i++) {
      const app = await buildTestApp({ database: database(), env: options.env, clock: options.clock });
      onTestFinished(() => app.close());
      built.push(app);
    }
    return built;
  }

  it('two app instances on one database share one limit per client address; 429 with Retry-After in the envelope', async () => {
    const time = handClock('2021-07-01T02:00:15.000Z');
    const [one, two] = (await apps(2, { env: { API_RATE_PER_ADDRESS_PER_MINUTE: '10' }, clock: time.clock })) as [
      LuoshiApp,
      LuoshiApp,
    ];
    const address = '203.0.113.10';
    const ask = (app: LuoshiApp) => app.inject({ method: 'GET', url: '/api/auth/oidc', remoteAddress: address });

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await ask(one)).statusCode);
    for (let i = 0; i < 4; i++) statuses.push((await ask(two)).statusCode);
    expect(statuses).toEqual(Array(10).fill(200));

    const limited = await ask(two);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('45');
    expect(limited.json()).toEqual({
      error: { code: 'rate-limited', message: '请求过于频繁，请 45 秒后再试（too many requests; retry in 45 s）' },
    });
    expect((await ask(one)).statusCode).toBe(429);
    // Another address has its own count; the health check is never limited.
    expect((await one.inject({ method: 'GET', url: '/api/auth/oidc', remoteAddress: '203.0.113.11' })).statusCode).toBe(
      200,
    );
    expect((await one.inject({ method: 'GET', url: '/api/health', remoteAddress: address })).statusCode).toBe(200);
    // Unknown routes count too (a scanner's 404s are requests like any other).
    expect((await one.inject({ method: 'GET', url: '/api/no-such-route', remoteAddress: address })).statusCode).toBe(
      429,
    );

    // The next window starts afresh.
    time.advance(45_000);
    expect((await ask(one)).statusCode).toBe(200);
  });

  it('limits each signed-in session on its own, across app instances', async () => {
    const time = handClock('2021-07-01T03:00:00.000Z');
    const env = { API_RATE_PER_MINUTE: '10', API_RATE_PER_ADDRESS_PER_MINUTE: '1000' };
    const [one, two] = (await apps(2, { env, clock: time.clock })) as [LuoshiApp, LuoshiApp];
    const ws = await buildWorkspace(database().db);
    const user = await buildUser(database().db, { workspaceId: ws.id, roles: ['leader'] });
    const first = await signIn(one, user);
    const second = await signIn(one, user);
    const firstOnTwo = sessionOf(two, first.cookie, first.csrfToken);

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await first.request({ method: 'GET', url: '/api/me' })).statusCode);
    for (let i = 0; i < 5; i++) statuses.push((await firstOnTwo.request({ method: 'GET', url: '/api/me' })).statusCode);
    expect(statuses).toEqual(Array(10).fill(200));
    const limited = await firstOnTwo.request({ method: 'GET', url: '/api/me' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect((await first.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(429);
    // The other session of the same user, from the same address, is not held back by the first one's count.
    expect((await second.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
  });

  it('holds sign-in per address across app instances', async () => {
    const time = handClock('2021-07-01T04:00:30.000Z');
    const [one, two] = (await apps(2, { env: { SIGN_IN_RATE_PER_MINUTE: '3' }, clock: time.clock })) as [
      LuoshiApp,
      LuoshiApp,
    ];
    const ws = await buildWorkspace(database().db);
    const user = await buildUser(database().db, { workspaceId: ws.id, roles: ['office'] });
    const attempt = (app: LuoshiApp) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        remoteAddress: '198.51.100.7',
        payload: { username: user.username, password: 'Wrong#2026' },
      });
    const statuses = [
      (await attempt(one)).statusCode,
      (await attempt(two)).statusCode,
      (await attempt(one)).statusCode,
      (await attempt(two)).statusCode,
    ];
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limited = await attempt(one);
    expect(limited.json().error.code).toBe('rate-limited');
    expect(limited.headers['retry-after']).toBe('30');
  });

  it('holds uploads per user across app instances', async () => {
    const time = handClock('2021-07-01T05:00:00.000Z');
    const ws = await buildWorkspace(database().db);
    const actor = buildActor(ws.id, { roles: ['office'] });
    // Two users: the limit is the user's, not the address's.
    const other = buildActor(ws.id, { userId: 'usr_other', roles: ['office'] });
    const options = {
      database: database(),
      env: { UPLOAD_RATE_PER_MINUTE: '2' },
      clock: time.clock,
      actor: (request: FastifyRequest) => (request.headers['x-as'] === 'other' ? other : actor),
    };
    const one = await buildTestApp(options);
    onTestFinished(() => one.close());
    const two = await buildTestApp(options);
    onTestFinished(() => two.close());
    const boundary = 'luoshi-limit-boundary';
    const upload = (app: LuoshiApp, as = 'actor') =>
      app.inject({
        method: 'POST',
        url: '/api/plan-drafts',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-as': as },
        payload:
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="plan.md"\r\n` +
          `Content-Type: text/markdown\r\n\r\n不是方案\r\n--${boundary}--\r\n`,
      });
    const first = await upload(one);
    const second = await upload(two);
    expect([first.statusCode, second.statusCode]).not.toContain(429);
    const third = await upload(one);
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe('rate-limited');
    expect((await upload(two, 'other')).statusCode).not.toBe(429);
  });

  it('audits a 429 once per limited window and key, not once per refused request', async () => {
    const time = handClock('2021-07-01T06:00:10.000Z');
    const env = { API_RATE_PER_MINUTE: '10', API_RATE_PER_ADDRESS_PER_MINUTE: '30' };
    const [one, two] = (await apps(2, { env, clock: time.clock })) as [LuoshiApp, LuoshiApp];
    const { db } = database();
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['leader'] });

    // Nobody signed in: over the address limit, recorded in the `system` workspace's chain as anonymous.
    const anonymous = '192.0.2.44';
    const before = (await rateLimitEvents(db, SYSTEM_WORKSPACE_ID)).length;
    for (let i = 0; i < 45; i++) {
      await (i % 2 === 0 ? one : two).inject({ method: 'GET', url: '/api/auth/oidc', remoteAddress: anonymous });
    }
    const system = (await rateLimitEvents(db, SYSTEM_WORKSPACE_ID)).slice(before);
    expect(system.map((event) => [event.actor_id, event.ip, event.outcome, JSON.parse(event.detail)])).toEqual([
      [
        'anonymous',
        anonymous,
        'denied',
        {
          scope: 'api-address',
          limitPerMinute: 30,
          windowStart: '2021-07-01T06:00:00.000Z',
          method: 'GET',
          route: '/api/auth/oidc',
        },
      ],
    ]);

    // Signed in: over the session's limit, recorded in the user's workspace as the user. (The sign-in and the 25
    // requests stay under the limit of their address.)
    const session = await signIn(one, user);
    for (let i = 0; i < 25; i++) await session.request({ method: 'GET', url: '/api/me' });
    const events = await rateLimitEvents(db, ws.id);
    expect(events.map((event) => [event.actor_id, event.ip, JSON.parse(event.detail).scope])).toEqual([
      [user.id, '127.0.0.1', 'api-session'],
    ]);

    // The next window: a new count, and the first refusal in it is recorded again.
    time.advance(60_000);
    for (let i = 0; i < 12; i++) await session.request({ method: 'GET', url: '/api/me' });
    const later = await rateLimitEvents(db, ws.id);
    expect(later.map((event) => JSON.parse(event.detail).windowStart)).toEqual([
      '2021-07-01T06:00:00.000Z',
      '2021-07-01T06:01:00.000Z',
    ]);
  });

  it('counts parallel requests in one atomic statement: each count is seen once', async () => {
    const { db } = database();
    const now = new Date('2021-07-01T07:00:00.000Z');
    // Two counters stand for two processes (each keeps its own sweep time, nothing else).
    const counters = [
      createRateLimitCounter({ db, clock: () => now }),
      createRateLimitCounter({ db, clock: () => now }),
    ];
    const rule = { scope: 'api-address', key: '203.0.113.99', perMinute: 10 } as const;
    const verdicts: RateLimitVerdict[] = await Promise.all(
      Array.from({ length: 40 }, (_, i) => counters[i % 2]?.take([rule]) ?? Promise.reject(new Error('no counter'))),
    );
    expect(verdicts.filter((verdict) => verdict.retryAfterSeconds === null)).toHaveLength(10);
    expect(verdicts.filter((verdict) => verdict.newlyLimited.length > 0)).toHaveLength(1);
    const row = await db
      .selectFrom('rate_limits')
      .select(['hits', 'expires_at'])
      .where('workspace_id', '=', SYSTEM_WORKSPACE_ID)
      .where('id', '=', 'api-address|2021-07-01T07:00:00.000Z|203.0.113.99')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ hits: 40, expires_at: '2021-07-01T07:01:00.000Z' });
  });

  it('sweeps ended windows away: the table keeps only the keys of the current window', async () => {
    const { db } = database();
    await db.deleteFrom('rate_limits').execute();
    const time = handClock('2021-07-01T08:00:00.000Z');
    const counter = createRateLimitCounter({ db, clock: time.clock });
    for (const key of ['a', 'b', 'c']) await counter.take([{ scope: 'upload', key: `user:${key}`, perMinute: 5 }]);
    time.advance(30_000);
    await counter.take([{ scope: 'upload', key: 'user:d', perMinute: 5 }]);
    expect(await db.selectFrom('rate_limits').select('id').orderBy('id').execute()).toHaveLength(4);
    time.advance(60_000);
    await counter.take([{ scope: 'upload', key: 'user:e', perMinute: 5 }]);
    expect(await db.selectFrom('rate_limits').select('id').execute()).toEqual([
      { id: 'upload|2021-07-01T08:01:00.000Z|user:e' },
    ]);
  });

  if (dialect === 'postgres') {
    it('keeps the counters in an UNLOGGED table on PostgreSQL (no WAL write per request)', async () => {
      const { rows } = await sql<{ persistence: string }>`
        select relpersistence as persistence from pg_class
        where oid = to_regclass(current_schema() || '.rate_limits')`.execute(database().db);
      expect(rows).toEqual([{ persistence: 'u' }]);
    });
  }
});

describe('addressKey', () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s → %s', (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});
