// The audit administrator's API on both databases: the filtered list with cursors, the CSV and JSON-lines export
// with its trailer, the chain verification — and everyone else refused, their attempts audited too.
import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AuditEventRow } from '../../src/db/schema.ts';
import { ChainWalker } from '../../src/domain/audit-chain.ts';
import type { LuoshiApp } from '../../src/http/app.ts';
import { auditEventId, recordAudit } from '../../src/services/audit.ts';
import type { Actor, Role } from '../../src/services/context.ts';
import { inTransaction } from '../../src/services/transaction.ts';
import { buildActor, buildWorkspace } from '../factories.ts';
import { auditTrailOf, changeAuditEvent } from '../helpers/audit-tamper.ts';
import { buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/db.ts';

interface EventBody {
  id: string;
  seq: number;
  at: string;
  actorId: string | null;
  actorRoles: string[];
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  detail: unknown;
  outcome: string;
  hash: string;
}

const NOW = new Date('2021-10-01T02:00:00.000Z');

describeEachDatabase('audit trail API', (database, dialect) => {
  /**
   * A workspace with five events by the office and a unit, one a day from 1 July 2021, and an app whose actor is
   * chosen per request by the `x-test-as` header (a role of this workspace, or `other` for another workspace's
   * audit administrator).
   */
  async function setUp() {
    const { db } = database();
    const workspace = await buildWorkspace(db);
    const other = await buildWorkspace(db, { name: '奉贤区' });
    const office = buildActor(workspace.id, { userId: 'usr_office' });
    const reporter = buildActor(workspace.id, { userId: 'usr_reporter', roles: ['unit-reporter'], unitId: 'unt_1' });
    const steps: [Actor, string, string, string, Record<string, unknown>, 'success' | 'failure'][] = [
      [office, 'plan.confirm', 'plan', 'pln_1', { title: '实施方案' }, 'success'],
      [reporter, 'report.submit', 'report', 'rpt_1', { period: '2021-Q3' }, 'success'],
      [office, 'report.return', 'report', 'rpt_1', { reason: '数据不全' }, 'success'],
      [reporter, 'auth.sign-in', 'user', 'usr_reporter', {}, 'failure'],
      [
        reporter,
        'report.submit',
        'report',
        'rpt_1',
        { period: '2021-Q3', note: '=HYPERLINK("http://evil")' },
        'success',
      ],
    ];
    for (const [i, [actor, action, subjectType, subjectId, detail, outcome]] of steps.entries()) {
      await inTransaction(db, (trx) =>
        recordAudit(trx, actor, new Date(Date.UTC(2021, 6, 1 + i, 2)), {
          action,
          subjectType,
          subjectId,
          detail,
          outcome,
        }),
      );
    }
    await inTransaction(db, (trx) =>
      recordAudit(trx, buildActor(other.id), NOW, { action: 'plan.confirm', subjectType: null, subjectId: null }),
    );
    const as = (roles: readonly Role[], workspaceId = workspace.id): Actor =>
      buildActor(workspaceId, { userId: `usr_${roles.join('_')}`, roles });
    const actors: Record<string, Actor> = {
      'audit-admin': as(['audit-admin']),
      other: as(['audit-admin'], other.id),
      ...Object.fromEntries(
        (['office', 'leader', 'supervisor', 'unit-reporter', 'public', 'system-admin', 'security-admin'] as const).map(
          (role) => [role, as([role])],
        ),
      ),
    };
    const app: LuoshiApp = await buildTestApp({
      database: database(),
      clock: () => NOW,
      actor: (request) => actors[String(request.headers['x-test-as'])] ?? null,
    });
    onTestFinished(() => app.close());
    const get = (url: string, who = 'audit-admin') => app.inject({ method: 'GET', url, headers: { 'x-test-as': who } });
    return { db, app, workspace, other, get };
  }

  const actionsOf = (body: { items: EventBody[] }) => body.items.map((item) => item.action);

  it('lists the workspace’s events newest first, page by page, and audits each read', async () => {
    const { db, workspace, get } = await setUp();
    const first = await get('/api/audit-events?limit=2');
    expect(first.statusCode).toBe(200);
    const page1 = first.json<{ items: EventBody[]; nextCursor: string | null }>();
    expect(page1.items.map((item) => item.seq)).toEqual([5, 4]);
    expect(page1.items[1]).toMatchObject({
      id: auditEventId(4),
      at: '2021-07-04T02:00:00.000Z',
      actorId: 'usr_reporter',
      actorRoles: ['unit-reporter'],
      action: 'auth.sign-in',
      subjectType: 'user',
      subjectId: 'usr_reporter',
      detail: {},
      outcome: 'failure',
    });
    expect(page1.nextCursor).toEqual(expect.any(String));
    // The read was audited as event 6: a newer event, so the next page still continues below seq 4.
    const page2 = (await get(`/api/audit-events?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.items.map((item: EventBody) => item.seq)).toEqual([3, 2]);
    const page3 = (await get(`/api/audit-events?limit=2&cursor=${page2.nextCursor}`)).json();
    expect(page3).toMatchObject({ items: [{ seq: 1, action: 'plan.confirm' }], nextCursor: null });

    const reads = (await auditTrailOf(db, workspace.id)).filter((event) => event.action === 'audit.read');
    expect(reads.map((event) => [event.actor_id, event.outcome, JSON.parse(event.detail).count])).toEqual([
      ['usr_audit-admin', 'success', 2],
      ['usr_audit-admin', 'success', 2],
      ['usr_audit-admin', 'success', 1],
    ]);
  });

  it('filters by time, actor, action, subject and outcome', async () => {
    const { get } = await setUp();
    const list = async (query: string) => {
      const response = await get(`/api/audit-events?${query}`);
      expect(response.statusCode, query).toBe(200);
      return actionsOf(response.json());
    };
    expect(await list('action=report.submit')).toEqual(['report.submit', 'report.submit']);
    expect(await list('actor=usr_office')).toEqual(['report.return', 'plan.confirm']);
    expect(await list('subjectType=report&subjectId=rpt_1')).toEqual([
      'report.submit',
      'report.return',
      'report.submit',
    ]);
    expect(await list('outcome=failure')).toEqual(['auth.sign-in']);
    // from is inclusive, to exclusive; offsets are honoured (10:00 in Beijing is 02:00 UTC).
    expect(
      await list(
        `from=${encodeURIComponent('2021-07-02T10:00:00+08:00')}&to=${encodeURIComponent('2021-07-04T02:00:00Z')}`,
      ),
    ).toEqual(['report.return', 'report.submit']);
    // Text that looks like SQL is a value to compare, nothing more.
    expect(await list(`action=${encodeURIComponent("x' or '1'='1")}`)).toEqual([]);
  });

  it('answers 400 to a bad time, outcome, format or cursor', async () => {
    const { get } = await setUp();
    for (const url of [
      '/api/audit-events?from=yesterday',
      '/api/audit-events?to=2021-07-01',
      '/api/audit-events?outcome=maybe',
      '/api/audit-events?cursor=not-a-cursor',
      '/api/audit-events?limit=0',
      '/api/audit-events/export?format=xlsx',
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.code, url).toBe('validation-failed');
    }
  });

  it('shows only the actor’s own workspace', async () => {
    const { other, get } = await setUp();
    const body = (await get('/api/audit-events', 'other')).json();
    expect(body.items.map((item: EventBody) => [item.action, item.seq])).toEqual([['plan.confirm', 1]]);
    const verdict = (await get('/api/audit/verify', 'other')).json();
    // Its chain: its own event and the read just audited.
    expect(verdict).toMatchObject({ workspaceId: other.id, ok: true, events: 2 });
  });

  it('refuses every other role (403) and the signed-out (401), and audits the refused attempts', async () => {
    const { db, app, workspace, get } = await setUp();
    const urls = ['/api/audit-events', '/api/audit-events/export?format=jsonl', '/api/audit/verify'];
    const roles = ['office', 'leader', 'supervisor', 'unit-reporter', 'public', 'system-admin', 'security-admin'];
    for (const url of urls) {
      for (const role of roles) {
        const response = await get(url, role);
        expect(response.statusCode, `${role} ${url}`).toBe(403);
        expect(response.json().error.code).toBe('forbidden');
      }
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
    // Each refusal is in the trail once (the app records every 403 as access.denied), naming the route.
    const denied = (await auditTrailOf(db, workspace.id)).filter((event) => event.outcome === 'denied');
    expect(denied).toHaveLength(urls.length * roles.length);
    expect(new Set(denied.map((event) => `${event.action} ${JSON.parse(event.detail).route}`))).toEqual(
      new Set(['/api/audit-events', '/api/audit-events/export', '/api/audit/verify'].map((r) => `access.denied ${r}`)),
    );
  });

  it('exports CSV for Excel: a BOM, quoted cells, formulas disarmed, and a trailer with the count and head', async () => {
    const { db, workspace, get } = await setUp();
    const response = await get('/api/audit-events/export?format=csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="audit-ws_\w+-20211001T020000\.csv"$/,
    );
    const trail = await auditTrailOf(db, workspace.id);
    // The export was audited first (event 6), and the head the file ends with covers it.
    const exported = trail.at(-1) as AuditEventRow;
    expect([exported.seq, exported.action, exported.detail]).toEqual([
      6,
      'audit.export',
      '{"filter":{},"format":"csv"}',
    ]);
    expect(response.headers['x-audit-head-seq']).toBe('6');
    expect(response.headers['x-audit-head-hash']).toBe(exported.hash);

    const text = response.body;
    expect(text.startsWith('\uFEFF序号（seq）,"时间（at, UTC）",操作人（actor）,角色（roles）')).toBe(true);
    const lines = text.slice(1).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(1 + 6 + 1 + 1);
    expect(lines[1]).toBe(
      `1,2021-07-01T02:00:00.000Z,usr_office,"[""office""]",plan.confirm,plan,pln_1,"{""title"":""实施方案""}",127.0.0.1,success,${auditEventId(1)},,${trail[0]?.hash}`,
    );
    // A cell that would start a formula in Excel starts with an apostrophe; this one sits inside JSON, so stays.
    expect(lines[5]).toContain('""note"":""=HYPERLINK(');
    expect(lines[7]).toBe(
      `导出结束（end of export）,条数（count）6,链头序号（head seq）6,链头哈希（head hash）${exported.hash},导出时间（exported at）2021-10-01T02:00:00.000Z`,
    );
  });

  it('disarms cells that Excel would run as formulas', async () => {
    const { db, workspace, get } = await setUp();
    const office = buildActor(workspace.id, { userId: '=cmd|"/c calc"!A1' });
    for (const subjectId of ['=1+1', '+SUM(A1)', '-2+3', '@A1', '\tx']) {
      await inTransaction(db, (trx) =>
        recordAudit(trx, office, NOW, { action: 'comment.add', subjectType: 'comment', subjectId }),
      );
    }
    const lines = (await get('/api/audit-events/export?format=csv&action=comment.add')).body.split('\r\n');
    expect(lines.slice(1, 6).map((line) => line.split(',').slice(2, 7))).toEqual(
      ["'=1+1", "'+SUM(A1)", "'-2+3", "'@A1", "'\tx"].map((cell) => [
        `"'=cmd|""/c calc""!A1"`,
        '"[""office""]"',
        'comment.add',
        'comment',
        cell,
      ]),
    );
  });

  it('exports JSON lines exactly as stored, so the chain can be checked again from the file', async () => {
    const { db, workspace, get } = await setUp();
    const response = await get('/api/audit-events/export?format=jsonl');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = response.body.trimEnd().split('\n');
    const rows = lines.slice(0, -1).map((line) => JSON.parse(line) as AuditEventRow);
    const trailer = JSON.parse(lines.at(-1) ?? '{}');
    expect(rows).toEqual(await auditTrailOf(db, workspace.id));
    expect(trailer).toEqual({
      trailer: true,
      workspaceId: workspace.id,
      exportedAt: NOW.toISOString(),
      filter: {},
      count: 6,
      head: { seq: 6, hash: rows.at(-1)?.hash },
    });
    const walker = new ChainWalker<AuditEventRow>({ idOf: auditEventId });
    for (const row of rows) expect(walker.push(row)).toBeNull();
    expect(walker.finish(trailer.head)).toBeNull();

    const filtered = (await get('/api/audit-events/export?format=jsonl&outcome=failure')).body.trimEnd().split('\n');
    expect(filtered.map((line) => JSON.parse(line).action ?? JSON.parse(line).count)).toEqual(['auth.sign-in', 1]);
  });

  it('verifies the chain for the audit administrator, and names the event changed in the database', async () => {
    const { db, workspace, get } = await setUp();
    const whole = await get('/api/audit/verify');
    expect(whole.statusCode).toBe(200);
    expect(whole.json()).toMatchObject({
      workspaceId: workspace.id,
      ok: true,
      events: 5,
      head: { seq: 5 },
      fault: null,
    });

    await changeAuditEvent(db, dialect, workspace.id, 2, { detail: '{"period":"2021-Q4"}' });
    const broken = (await get('/api/audit/verify')).json();
    expect(broken).toMatchObject({
      ok: false,
      events: 1,
      fault: {
        kind: 'changed',
        cause: 'hash-mismatch',
        seq: 2,
        eventId: auditEventId(2),
        event: { id: auditEventId(2), seq: 2, at: '2021-07-02T02:00:00.000Z', action: 'report.submit' },
      },
    });
    expect(broken.fault.message).toMatch(/^第 2 条事件被改动/);
    const verifies = (await auditTrailOf(db, workspace.id)).filter((event) => event.action === 'audit.verify');
    expect(verifies.map((event) => JSON.parse(event.detail))).toEqual([
      { ok: true, events: 5, anchor: 'unanchored' },
      { ok: false, events: 1, anchor: 'unanchored', brokenAt: 2, cause: 'hash-mismatch' },
    ]);
  });
  describe('finding 4: sign-in failures for unknown user names go to the system chain, which audit administrators read', () => {
    /** A sign-in with a name nobody has: 401, recorded in the reserved `system` chain. Returns the name. */
    async function unknownSignIn(app: LuoshiApp): Promise<string> {
      const username = `nobody-${randomUUID().slice(0, 8)}`;
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { username, password: 'Wrong#2026-guess' },
      });
      expect(response.statusCode).toBe(401);
      return username;
    }
    const byName = (body: { items: EventBody[] }, username: string) =>
      body.items.filter((item) => (item.detail as { username?: string }).username === username);

    it('lets the audit administrator search, export and verify them with scope=system, audited in their own chain', async () => {
      const { db, app, workspace, get } = await setUp();
      const username = await unknownSignIn(app);

      const found = await get('/api/audit-events?scope=system&action=auth.sign-in&outcome=failure');
      expect(found.statusCode).toBe(200);
      expect(byName(found.json(), username)).toMatchObject([
        {
          action: 'auth.sign-in',
          actorId: 'anonymous',
          subjectId: null,
          outcome: 'failure',
          detail: { username, reason: 'unknown-user' },
        },
      ]);
      // Not in the workspace's own chain, which is what the API showed before.
      expect(byName((await get('/api/audit-events?action=auth.sign-in')).json(), username)).toEqual([]);

      const exported = await get('/api/audit-events/export?scope=system&format=jsonl');
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-disposition']).toMatch(
        /^attachment; filename="audit-system-\d{8}T\d{6}\.jsonl"$/,
      );
      const lines = exported.body
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.filter((row) => JSON.parse(row.detail ?? '{}').username === username)).toHaveLength(1);
      expect(lines.at(-1)).toMatchObject({ trailer: true, workspaceId: 'system' });

      const verdict = await get('/api/audit/verify?scope=system');
      expect(verdict.statusCode).toBe(200);
      expect(verdict.json()).toMatchObject({ workspaceId: 'system', ok: true, anchor: 'unanchored', fault: null });

      const audited = (await auditTrailOf(db, workspace.id)).filter((event) => event.subject_id === 'system');
      expect(audited.map((event) => [event.action, event.actor_id, JSON.parse(event.detail).scope])).toEqual([
        ['audit.read', 'usr_audit-admin', 'system'],
        ['audit.export', 'usr_audit-admin', 'system'],
        ['audit.verify', 'usr_audit-admin', 'system'],
      ]);
    });

    it('keeps workspaces apart: another workspace’s administrator reads the same system chain, never this workspace’s events', async () => {
      const { app, workspace, get } = await setUp();
      const username = await unknownSignIn(app);
      const theirs = (await get('/api/audit-events?scope=system&limit=100', 'other')).json();
      expect(byName(theirs, username)).toHaveLength(1);
      // The system chain holds nothing of either workspace.
      const system = (await get('/api/audit-events?scope=system&limit=100')).json();
      expect(system.items.map((item: EventBody) => item.actorId)).not.toContain('usr_office');
      expect(system.items.map((item: EventBody) => item.actorId)).not.toContain('usr_audit-admin');
      // Their own chain is still theirs alone: this workspace's events stay out of it.
      const own = (await get('/api/audit-events?limit=100', 'other')).json();
      expect(own.items.map((item: EventBody) => item.action)).not.toContain('report.submit');
      // A scope names a chain kind, never a workspace.
      for (const scope of [workspace.id, 'all', 'SYSTEM']) {
        for (const url of ['/api/audit-events', '/api/audit-events/export', '/api/audit/verify']) {
          const response = await get(`${url}?scope=${scope}`, 'other');
          expect(response.statusCode, `${url} ${scope}`).toBe(400);
          expect(response.json().error.code).toBe('validation-failed');
        }
      }
    });

    it('refuses the system chain to every other role (403), audited', async () => {
      const { db, workspace, get } = await setUp();
      const urls = [
        '/api/audit-events?scope=system',
        '/api/audit-events/export?scope=system',
        '/api/audit/verify?scope=system',
      ];
      for (const url of urls) {
        for (const role of [
          'office',
          'leader',
          'supervisor',
          'unit-reporter',
          'public',
          'system-admin',
          'security-admin',
        ]) {
          const response = await get(url, role);
          expect(response.statusCode, `${role} ${url}`).toBe(403);
          expect(response.json().error.code).toBe('forbidden');
        }
      }
      const denied = (await auditTrailOf(db, workspace.id)).filter((event) => event.outcome === 'denied');
      expect(denied).toHaveLength(urls.length * 7);
    });
  });
});
