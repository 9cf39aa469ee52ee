// Issue 9, finding 2: X-Forwarded-For is believed only from the proxies TRUST_PROXY names. From any other address
// the socket's address is the client's — in the audit trail and for the sign-in limit — and https is what the socket
// says; behind a named proxy the header gives the client, and the Secure cookie follows X-Forwarded-Proto.
import type { InjectOptions } from 'fastify';
import { expect, it, onTestFinished } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import type { LuoshiApp } from '../../src/http/app.ts';
import { buildWorkspace } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { TEST_PASSWORD, buildUser } from '../helpers/auth.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';

async function setup(database: () => TestDatabase) {
  const { db } = database();
  const app: LuoshiApp = await buildTestApp({
    database: database(),
    env: { TRUST_PROXY: '10.0.0.1, fd00::/8', SIGN_IN_RATE_PER_MINUTE: '3' },
  });
  onTestFinished(() => app.close());
  const ws = await buildWorkspace(db);
  const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
  const attempt = (from: string, forwardedFor: string, password = 'Wrong#guess-1') =>
    app.inject({
      method: 'POST',
      url: '/api/auth/sign-in',
      remoteAddress: from,
      headers: { 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'https' },
      payload: { username: user.username, password },
    } satisfies InjectOptions);
  return { app, db, ws, user, attempt };
}

async function auditedAddresses(db: Db, workspaceId: string): Promise<(string | null)[]> {
  const events = await db
    .selectFrom('audit_events')
    .select('ip')
    .where('workspace_id', '=', workspaceId)
    .where('action', '=', 'auth.sign-in')
    .orderBy('seq')
    .execute();
  return events.map((event) => event.ip);
}

describeEachDatabase('finding 2: TRUST_PROXY — X-Forwarded-For believed only from the named proxies', (database) => {
  it('from an address that is no proxy, the header is ignored: the audit and the sign-in limit see the socket', async () => {
    const { db, ws, attempt } = await setup(database);
    // A client that sends a new X-Forwarded-For each time is still one address to the limit.
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await attempt('203.0.113.9', `198.51.100.${i}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect(await auditedAddresses(db, ws.id)).toEqual(['203.0.113.9', '203.0.113.9', '203.0.113.9']);
  });

  it('from an address that is no proxy, X-Forwarded-Proto does not make the cookie Secure', async () => {
    const { db, ws, attempt } = await setup(database);
    const response = await attempt('203.0.113.10', '198.51.100.20', TEST_PASSWORD);
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).not.toMatch(/Secure/);
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(await auditedAddresses(db, ws.id)).toEqual(['203.0.113.10']);
  });

  it('from a named proxy (IPv4 or IPv6 network), the header gives the client and https', async () => {
    const { db, ws, attempt } = await setup(database);
    // Each client behind the proxy has its own limit.
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await attempt('10.0.0.1', `198.51.100.${i}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401]);
    const signedIn = await attempt('fd00::5', '2001:db8::7', TEST_PASSWORD);
    expect(signedIn.statusCode).toBe(200);
    expect(String(signedIn.headers['set-cookie'])).toMatch(/; Secure$/);
    expect(signedIn.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(await auditedAddresses(db, ws.id)).toEqual([
      '198.51.100.1',
      '198.51.100.2',
      '198.51.100.3',
      '198.51.100.4',
      '2001:db8::7',
    ]);
  });

  it('takes the client as the nearest address no proxy vouches for: a forged first entry is not believed', async () => {
    const { db, ws, attempt } = await setup(database);
    // The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    await attempt('10.0.0.1', '1.2.3.4, 198.51.100.44');
    expect(await auditedAddresses(db, ws.id)).toEqual(['198.51.100.44']);
  });
});
