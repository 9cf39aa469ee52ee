// Verifying the audit trail on both databases: the append-only guards, the chain head, and each kind of tampering
// (a row changed, deleted or inserted, directly in the database with the guards off) found and named.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { AuditEventRow } from '../../src/db/schema.ts';
import { hashEvent } from '../../src/domain/audit-chain.ts';
import { recordAudit } from '../../src/services/audit.ts';
import {
  verifyAuditChains,
  verifyAuditTrail,
  verifyWorkspaceChain,
  type ChainVerification,
} from '../../src/services/audit-verify.service.ts';
import type { Actor } from '../../src/services/context.ts';
import { inTransaction } from '../../src/services/transaction.ts';
import { buildActor, buildWorkspace, fixedClock, testContext } from '../factories.ts';
import {
  auditTrailOf,
  changeAuditEvent,
  deleteAuditEvent,
  deleteAuditHead,
  insertForgedAuditEvent,
  withoutAuditGuards,
} from '../helpers/audit-tamper.ts';
import { describeEachDatabase } from '../helpers/db.ts';

const ACTIONS = ['plan.confirm', 'report.submit', 'report.accept', 'notice.issue', 'close-out.approve', 'comment.add'];

describeEachDatabase('audit verification', (database, dialect) => {
  /** A workspace whose trail holds `count` events, one a day from 2021-07-01. */
  async function trail(count = 6): Promise<{ workspaceId: string; actor: Actor; events: AuditEventRow[] }> {
    const { db } = database();
    const workspace = await buildWorkspace(db);
    const actor = buildActor(workspace.id);
    for (let i = 0; i < count; i++) {
      await inTransaction(db, (trx) =>
        recordAudit(trx, actor, new Date(Date.UTC(2021, 6, 1 + i, 2)), {
          action: ACTIONS[i % ACTIONS.length] ?? 'x',
          subjectType: 'report',
          subjectId: `rpt_${i}`,
          detail: { 期别: '2021-Q3', value: i },
        }),
      );
    }
    return { workspaceId: workspace.id, actor, events: await auditTrailOf(db, workspace.id) };
  }

  const verify = (workspaceId: string, pageSize?: number) =>
    verifyWorkspaceChain(database().db, workspaceId, pageSize === undefined ? {} : { pageSize });

  /** Runs the verification with pages of 2 and of 2000: a break at a page boundary is found the same way. */
  async function verifyBothWays(workspaceId: string): Promise<ChainVerification> {
    const small = await verify(workspaceId, 2);
    const large = await verify(workspaceId);
    expect(small).toEqual(large);
    return large;
  }

  function eventRef(event: AuditEventRow | undefined) {
    if (event === undefined) throw new Error('no such event');
    return { id: event.id, seq: event.seq, at: event.at, action: event.action };
  }

  describe('the database guards the trail', () => {
    /** The error of a statement that must fail, with its code. */
    async function refusal(statement: Promise<unknown>): Promise<string | undefined> {
      try {
        await statement;
      } catch (error) {
        return (error as { code?: string }).code;
      }
      throw new Error('the statement was not refused');
    }
    const refusedCode = dialect === 'postgres' ? '23001' : 'SQLITE_CONSTRAINT_TRIGGER';

    it('refuses to update or delete an event, or the head, and to insert one that does not extend the chain', async () => {
      const { db } = database();
      const { workspaceId, events } = await trail(3);
      const at = (seq: number) => events[seq - 1] as AuditEventRow;
      expect(
        await refusal(sql`update audit_events set detail = '{}' where workspace_id = ${workspaceId}`.execute(db)),
      ).toBe(refusedCode);
      expect(await refusal(sql`delete from audit_events where workspace_id = ${workspaceId}`.execute(db))).toBe(
        refusedCode,
      );
      expect(await refusal(sql`delete from audit_heads where workspace_id = ${workspaceId}`.execute(db))).toBe(
        refusedCode,
      );
      // The head moves only onto the latest event, one seq at a time.
      expect(
        await refusal(
          sql`update audit_heads set seq = 2, hash = ${at(2).hash} where workspace_id = ${workspaceId}`.execute(db),
        ),
      ).toBe(refusedCode);
      const forged = { ...at(3), id: 'aud_forged', seq: 2 };
      // A second event under seq 2: the chain guard refuses it before the unique (workspace_id, seq) index would.
      expect(await refusal(db.insertInto('audit_events').values(forged).execute())).toBe(refusedCode);
      const unlinked = { ...at(3), id: 'aud_000000000004', seq: 4, prev_hash: at(2).hash };
      expect(await refusal(db.insertInto('audit_events').values(unlinked).execute())).toBe(refusedCode);
      if (dialect === 'postgres') {
        expect(await refusal(sql`truncate audit_events`.execute(db))).toBe(refusedCode);
      }
      expect(await auditTrailOf(db, workspaceId)).toEqual(events);
      expect((await verify(workspaceId)).ok).toBe(true);
    });

    it('keeps the head on the latest event, and stops recording when the head is out of step', async () => {
      const { db } = database();
      const { workspaceId, actor, events } = await trail(3);
      const head = await db.selectFrom('audit_heads').selectAll().where('workspace_id', '=', workspaceId).execute();
      expect(head).toEqual([
        expect.objectContaining({ id: 'head', seq: 3, hash: events[2]?.hash, version: 3, updated_at: events[2]?.at }),
      ]);
      await withoutAuditGuards(db, dialect, () =>
        sql`update audit_heads set seq = 2 where workspace_id = ${workspaceId}`.execute(db),
      );
      await expect(
        inTransaction(db, (trx) =>
          recordAudit(trx, actor, new Date(), { action: 'x', subjectType: null, subjectId: null }),
        ),
      ).rejects.toThrow(/审计链头与审计事件不一致/);
      expect(await auditTrailOf(db, workspaceId)).toHaveLength(3);
    });

    it('stops recording on a trail cut at its end, or a head moved back, even with the guards off', async () => {
      const { db } = database();
      const record = (actor: Parameters<typeof recordAudit>[1]) =>
        inTransaction(db, (trx) =>
          recordAudit(trx, actor, new Date(), { action: 'x', subjectType: null, subjectId: null }),
        );
      // The last event gone, the head still on it: the head names no stored event.
      const cut = await trail(3);
      await withoutAuditGuards(db, dialect, async () => {
        await sql`delete from audit_events where workspace_id = ${cut.workspaceId} and seq = 3`.execute(db);
        await expect(record(cut.actor)).rejects.toThrow(/审计链头与审计事件不一致/);
      });
      expect(await auditTrailOf(db, cut.workspaceId)).toHaveLength(2);
      // The head moved back onto an earlier event (seq and hash): the next seq is taken.
      const moved = await trail(3);
      await withoutAuditGuards(db, dialect, async () => {
        await sql`update audit_heads set seq = 2, hash = ${moved.events[1]?.hash ?? ''}
          where workspace_id = ${moved.workspaceId}`.execute(db);
        await expect(record(moved.actor)).rejects.toThrow(/审计链头与审计事件不一致/);
      });
      expect(await auditTrailOf(db, moved.workspaceId)).toHaveLength(3);
    });
  });

  it('passes an untouched chain, with its count and head, and an empty workspace', async () => {
    const { workspaceId, events } = await trail(7);
    expect(await verifyBothWays(workspaceId)).toEqual({
      workspaceId,
      ok: true,
      events: 7,
      head: { seq: 7, hash: events[6]?.hash },
      anchor: 'unanchored',
      anchoredAt: [],
      expected: null,
      fault: null,
    });
    const empty = await buildWorkspace(database().db);
    expect(await verify(empty.id)).toEqual({
      workspaceId: empty.id,
      ok: true,
      events: 0,
      head: null,
      anchor: 'empty',
      anchoredAt: [],
      expected: null,
      fault: null,
    });
  });

  it('raises no false alarm while events are appended during the walk', async () => {
    const { db } = database();
    const { workspaceId, actor } = await trail(60);
    let appending = true;
    const appends = (async () => {
      for (let i = 0; i < 30 && appending; i++) {
        await inTransaction(db, (trx) =>
          recordAudit(trx, actor, new Date(), { action: 'report.submit', subjectType: null, subjectId: null }),
        );
      }
    })();
    try {
      // Small pages: many chances for an append to land between two pages, or between the walk and the head.
      for (let round = 0; round < 3; round++) {
        const result = await verify(workspaceId, 3);
        expect(result.fault).toBeNull();
        expect(result.events).toBeGreaterThanOrEqual(60);
        expect(result.head?.seq).toBe(result.events);
      }
    } finally {
      appending = false;
      await appends;
    }
    expect((await verify(workspaceId)).ok).toBe(true);
  });

  describe('names the event whose field was changed', () => {
    it.each<[string, Partial<Pick<AuditEventRow, 'detail' | 'actor_id' | 'at' | 'outcome'>>]>([
      ['detail', { detail: '{"期别":"2021-Q3","value":999}' }],
      ['actor', { actor_id: 'usr_someone_else' }],
      ['at', { at: '2021-06-30T02:00:00.000Z' }],
      ['outcome', { outcome: 'failure' }],
    ])('%s', async (_field, change) => {
      const { db } = database();
      const { workspaceId, events } = await trail();
      await changeAuditEvent(db, dialect, workspaceId, 3, change);
      const changed = (await auditTrailOf(db, workspaceId))[2];
      const result = await verifyBothWays(workspaceId);
      expect(result).toMatchObject({
        ok: false,
        events: 2,
        head: { seq: 6, hash: events[5]?.hash },
        fault: {
          kind: 'changed',
          cause: 'hash-mismatch',
          seq: 3,
          eventId: 'aud_000000000003',
          event: eventRef(changed),
          previous: eventRef(events[1]),
        },
      });
      expect(result.fault?.message).toContain('第 3 条事件被改动：内容与哈希不符');
    });

    it('and a changed event whose hash was recomputed, by the next event’s link', async () => {
      const { db } = database();
      const { workspaceId, events } = await trail();
      const original = events[1] as AuditEventRow;
      const { id: _id, hash: _hash, ...fields } = { ...original, actor_id: 'usr_forger' };
      await changeAuditEvent(db, dialect, workspaceId, 2, {
        actor_id: 'usr_forger',
        hash: hashEvent(events[0]?.hash ?? '', fields),
      });
      expect((await verifyBothWays(workspaceId)).fault).toMatchObject({ kind: 'changed', cause: 'rehashed', seq: 2 });
    });
  });

  it('names a row deleted in the middle and the rows around the gap', async () => {
    const { workspaceId, events } = await trail();
    await deleteAuditEvent(database().db, dialect, workspaceId, 4);
    expect((await verifyBothWays(workspaceId)).fault).toMatchObject({
      kind: 'missing',
      cause: 'seq-gap',
      seq: 4,
      lastSeq: 4,
      eventId: 'aud_000000000004',
      event: null,
      previous: eventRef(events[2]),
      next: eventRef(events[4]),
    });
  });

  it('names the last row deleted, against the head', async () => {
    const { workspaceId, events } = await trail();
    await deleteAuditEvent(database().db, dialect, workspaceId, 6);
    const result = await verifyBothWays(workspaceId);
    expect(result.fault).toMatchObject({
      kind: 'missing',
      cause: 'truncated',
      seq: 6,
      eventId: 'aud_000000000006',
      previous: eventRef(events[4]),
    });
    expect(result.fault?.message).toContain('链尾被删除，链头记录到第 6 条');
  });

  it('names a forged row inserted with a correct-looking seq in the middle', async () => {
    const { db } = database();
    const { workspaceId } = await trail();
    const forgedId = await insertForgedAuditEvent(db, dialect, workspaceId, 3);
    const forged = (await auditTrailOf(db, workspaceId)).find((event) => event.id === forgedId);
    expect(forged?.seq).toBe(3);
    const result = await verifyBothWays(workspaceId);
    expect(result.fault).toMatchObject({
      kind: 'inserted',
      cause: 'renumbered-up',
      seq: 3,
      eventId: forgedId,
      event: eventRef(forged),
    });
    expect(result.fault?.message).toContain('第 3 条事件是插入的');
  });

  it('names a forged row appended at the end without the head', async () => {
    const { db } = database();
    const { workspaceId, events } = await trail();
    const forgedId = await insertForgedAuditEvent(db, dialect, workspaceId, 7);
    const result = await verifyBothWays(workspaceId);
    expect(result.fault).toMatchObject({
      kind: 'inserted',
      cause: 'beyond-head',
      seq: 7,
      eventId: forgedId,
      event: { id: forgedId, seq: 7, action: 'report.delete' },
      previous: eventRef(events[5]),
    });
  });

  it('reports a chain whose head was deleted', async () => {
    const { workspaceId } = await trail(2);
    await deleteAuditHead(database().db, dialect, workspaceId);
    expect(await verify(workspaceId)).toMatchObject({
      ok: false,
      head: null,
      fault: { kind: 'head-missing', seq: 2 },
    });
  });

  it('checks several workspaces independently, and one alone when asked', async () => {
    const { db } = database();
    const whole = await trail(3);
    const broken = await trail(3);
    const alsoWhole = await trail(2);
    await deleteAuditEvent(db, dialect, broken.workspaceId, 2);
    const mine = new Set([whole.workspaceId, broken.workspaceId, alsoWhole.workspaceId]);
    const verdicts = new Map<string, ChainVerification>();
    for await (const result of verifyAuditChains(db, { pageSize: 2 })) {
      if (mine.has(result.workspaceId)) verdicts.set(result.workspaceId, result);
    }
    expect([...verdicts.values()].map((v) => [v.workspaceId, v.ok, v.events, v.fault?.seq ?? null])).toEqual(
      [
        [whole.workspaceId, true, 3, null],
        [broken.workspaceId, false, 1, 2],
        [alsoWhole.workspaceId, true, 2, null],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const alone = [];
    for await (const result of verifyAuditChains(db, { workspaceId: whole.workspaceId })) alone.push(result);
    expect(alone.map((v) => [v.workspaceId, v.ok])).toEqual([[whole.workspaceId, true]]);
    await expect(verifyAuditChains(db, { workspaceId: 'ws_nope' }).next()).rejects.toMatchObject({ code: 'not-found' });
  });

  it('lets the audit administrator verify their own workspace, audited, and refuses anyone else', async () => {
    const { db } = database();
    const { workspaceId } = await trail(2);
    const ctx = testContext(db, fixedClock('2021-08-01T00:00:00.000Z'));
    const auditAdmin = buildActor(workspaceId, { userId: 'usr_audit', roles: ['audit-admin'] });
    const result = await verifyAuditTrail(ctx, auditAdmin);
    expect(result).toMatchObject({ workspaceId, ok: true, events: 2 });
    for (const roles of [['office'], ['security-admin'], ['system-admin'], ['leader']] as const) {
      await expect(verifyAuditTrail(ctx, buildActor(workspaceId, { roles }))).rejects.toMatchObject({
        code: 'forbidden',
      });
    }
    const trailNow = await auditTrailOf(db, workspaceId);
    expect(trailNow.slice(2).map((e) => [e.action, e.actor_id, e.outcome, e.detail])).toEqual([
      ['audit.verify', 'usr_audit', 'success', '{"ok":true,"events":2,"anchor":"unanchored"}'],
    ]);
    expect((await verify(workspaceId)).ok).toBe(true);
  });
});
