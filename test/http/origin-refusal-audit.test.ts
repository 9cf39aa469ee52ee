// Issue 9, finding 4 (its HTTP part): a request refused because its Origin is another site is an audit event, by
// the signed-in actor who sent it, or anonymously in the `system` workspace's chain when nobody is signed in.
// (429 refusals: test/http/rate-limits.test.ts.)
import { expect, it, onTestFinished } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { SYSTEM_WORKSPACE_ID } from '../../src/services/auth.service.ts';
import { verifyWorkspaceChain } from '../../src/services/audit-verify.service.ts';
import { buildWorkspace } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { TEST_PASSWORD, buildUser, signIn } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';

async function deniedEvents(db: Db, workspaceId: string) {
  const rows = await db
    .selectFrom('audit_events')
    .select(['actor_id', 'ip', 'outcome', 'detail'])
    .where('workspace_id', '=', workspaceId)
    .where('action', '=', 'access.denied')
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));
}

describeEachDatabase('issue 9, finding 4: foreign-Origin refusals are audited', (database) => {
  async function setup() {
    const app = await buildTestApp({ database: database(), clock: () => new Date('2021-07-01T02:00:00.000Z') });
    onTestFinished(() => app.close());
    const { db } = database();
    const ws = await buildWorkspace(db);
    return { app, db, ws };
  }

  it('records a sign-in posted from another site anonymously in the system chain, with its Origin and address', async () => {
    const { app, db, ws } = await setup();
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const before = (await deniedEvents(db, SYSTEM_WORKSPACE_ID)).length;
    const refused = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-in',
      remoteAddress: '198.51.100.23',
      headers: { origin: 'https://evil.example' },
      payload: { username: user.username, password: TEST_PASSWORD },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('csrf-failed');
    expect((await deniedEvents(db, SYSTEM_WORKSPACE_ID)).slice(before)).toEqual([
      {
        actor_id: 'anonymous',
        ip: '198.51.100.23',
        outcome: 'denied',
        detail: {
          method: 'POST',
          route: '/api/auth/sign-in',
          params: {},
          code: 'csrf-failed',
          origin: 'https://evil.example',
        },
      },
    ]);
    // A sign-in from this site (or from a client that sends no Origin) is no refusal.
    for (const headers of [{ origin: 'http://localhost:80' }, {}]) {
      const done = await app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        headers,
        payload: { username: user.username, password: TEST_PASSWORD },
      });
      expect(done.statusCode).toBe(200);
    }
    expect(await deniedEvents(db, SYSTEM_WORKSPACE_ID)).toHaveLength(before + 1);
    expect((await verifyWorkspaceChain(db, SYSTEM_WORKSPACE_ID)).ok).toBe(true);
  });

  it('records a signed-in request from another site as its actor, in the actor’s workspace', async () => {
    const { app, db, ws } = await setup();
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const session = await signIn(app, user);
    const refused = await session.request({
      method: 'POST',
      url: '/api/auth/sign-out',
      headers: { origin: 'https://sibling.example.gov.cn' },
    });
    expect(refused.statusCode).toBe(403);
    expect(await deniedEvents(db, ws.id)).toEqual([
      {
        actor_id: user.id,
        ip: '127.0.0.1',
        outcome: 'denied',
        detail: {
          method: 'POST',
          route: '/api/auth/sign-out',
          params: {},
          code: 'csrf-failed',
          origin: 'https://sibling.example.gov.cn',
        },
      },
    ]);
    // The session was not ended by the refused request.
    expect((await session.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
  });
});
