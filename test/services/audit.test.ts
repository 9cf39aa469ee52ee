// The audit writer on both databases: events chain per workspace, in the transaction of the change.
import { expect, it } from 'vitest';
import { newId } from '../../src/db/ids.ts';
import type { AuditEventRow } from '../../src/db/schema.ts';
import { verifyChain } from '../../src/domain/audit-chain.ts';
import { recordAudit } from '../../src/services/audit.ts';
import type { Actor } from '../../src/services/context.ts';
import { inTransaction } from '../../src/services/transaction.ts';
import { withoutAuditGuards } from '../helpers/audit-tamper.ts';
import { describeEachDatabase } from '../helpers/db.ts';

/** A stored row as the chain sees it: every field but the row id, which the event's place in the chain fixes. */
const chained = ({ id: _id, ...event }: AuditEventRow) => event;

describeEachDatabase('audit trail', (database, dialect) => {
  async function workspace(): Promise<Actor> {
    const id = newId('workspace');
    const now = new Date().toISOString();
    await database()
      .db.insertInto('workspaces')
      .values({ id, name: '测试区', time_zone: 'Asia/Shanghai', created_at: now, updated_at: now })
      .execute();
    return { userId: 'usr_office', workspaceId: id, roles: ['office'], unitId: null, ip: '127.0.0.1' };
  }

  async function eventsOf(workspaceId: string) {
    return database()
      .db.selectFrom('audit_events')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('seq')
      .execute();
  }

  it('chains each workspace’s events from seq 1, and the chain verifies', async () => {
    const a = await workspace();
    const b = await workspace();
    const at = new Date('2021-07-01T02:00:00Z');
    for (const [actor, action] of [
      [a, 'plan.confirm'],
      [b, 'plan.confirm'],
      [a, 'report.submit'],
      [a, 'report.accept'],
    ] as const) {
      await inTransaction(database().db, (trx) =>
        recordAudit(trx, actor, at, { action, subjectType: 'plan', subjectId: 'pln_1', detail: { 标题: '方案' } }),
      );
    }
    const events = await eventsOf(a.workspaceId);
    expect(events.map((e) => [e.seq, e.action, e.outcome])).toEqual([
      [1, 'plan.confirm', 'success'],
      [2, 'report.submit', 'success'],
      [3, 'report.accept', 'success'],
    ]);
    expect(events[0]?.prev_hash).toBeNull();
    expect(events[1]?.prev_hash).toBe(events[0]?.hash);
    expect(verifyChain(events.map(chained))).toEqual({ ok: true });
    expect((await eventsOf(b.workspaceId)).map((e) => e.seq)).toEqual([1]);
  });

  it('takes writers of one workspace in turn, from its first event on: no seq twice, none lost', async () => {
    const actor = await workspace();
    // Twelve changes at once on a workspace with no event yet (no head to lock: its workspace row is locked), then
    // twelve more once the head exists; the pool runs them on several connections on PostgreSQL.
    for (const round of [0, 1]) {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          inTransaction(database().db, (trx) =>
            recordAudit(trx, actor, new Date(), { action: `x.${round}.${i}`, subjectType: null, subjectId: null }),
          ),
        ),
      );
    }
    const events = await eventsOf(actor.workspaceId);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.action)).size).toBe(24);
    expect(verifyChain(events.map(chained))).toEqual({ ok: true });
    const head = await database()
      .db.selectFrom('audit_heads')
      .select(['seq', 'hash'])
      .where('workspace_id', '=', actor.workspaceId)
      .execute();
    expect(head).toEqual([{ seq: 24, hash: events[23]?.hash }]);
  });

  it('notices an event changed in the database', async () => {
    const actor = await workspace();
    for (const action of ['a', 'b', 'c']) {
      await inTransaction(database().db, (trx) =>
        recordAudit(trx, actor, new Date(), { action, subjectType: null, subjectId: null }),
      );
    }
    await withoutAuditGuards(database().db, dialect, () =>
      database()
        .db.updateTable('audit_events')
        .set({ detail: '{"tampered":true}' } as never)
        .where('workspace_id', '=', actor.workspaceId)
        .where('seq', '=', 2)
        .execute(),
    );
    expect(verifyChain((await eventsOf(actor.workspaceId)).map(chained))).toEqual({
      ok: false,
      brokenAt: 2,
      reason: 'changed',
    });
  });

  it('writes nothing when the change it records rolls back', async () => {
    const actor = await workspace();
    await expect(
      inTransaction(database().db, async (trx) => {
        await recordAudit(trx, actor, new Date(), { action: 'x', subjectType: null, subjectId: null });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await eventsOf(actor.workspaceId)).toEqual([]);
  });
});
