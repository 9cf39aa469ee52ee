// Issue 9, finding 4, on both databases: with database access, a rewrite of the events with recomputed hashes and
// head passed verification, and so did a cut back to an earlier head. The head's HMAC under AUDIT_KEY (a key the
// database never holds) catches the first; the heads written outside the database catch the second. The attacks
// are made as an attacker would, with the append-only guards dropped or disabled (test/helpers/audit-tamper.ts).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { withAuditKey } from '../../src/db/audit-key.ts';
import type { Db } from '../../src/db/database.ts';
import { auditHeadHmac } from '../../src/domain/audit-chain.ts';
import {
  anchorUnanchoredAuditChains,
  dailyAuditHeadFile,
  expectedHeadsOf,
  exportDueAuditHeads,
  findAuditHeadsFailingKey,
  parseAuditHeadFile,
  snapshotAuditHeads,
  writeAuditHeadFile,
} from '../../src/services/audit-anchor.service.ts';
import { verifyAuditChains, verifyWorkspaceChain } from '../../src/services/audit-verify.service.ts';
import { AuditAnchorError, anchorAuditChain, recordAudit } from '../../src/services/audit.ts';
import type { Actor } from '../../src/services/context.ts';
import { inTransaction } from '../../src/services/transaction.ts';
import { buildActor, buildWorkspace, fixedClock, testContext } from '../factories.ts';
import {
  auditHeadOf,
  auditTrailOf,
  deleteAuditHead,
  rewriteAuditChain,
  testAuditKey,
  truncateAuditChain,
  withoutAuditGuards,
} from '../helpers/audit-tamper.ts';
import { describeEachDatabase } from '../helpers/db.ts';

const KEY = testAuditKey();
const OTHER_KEY = testAuditKey('a1'.repeat(8) + 'b2'.repeat(8) + 'c3'.repeat(8) + 'd4'.repeat(8));

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'luoshi-heads-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeEachDatabase('finding 4: audit chain rewritable', (database, dialect) => {
  const keyed = (): Db => withAuditKey(database().db, KEY);

  /** Records one event through `db` (keyed or not), on 1 July 2021 plus `day` days. */
  const record = (db: Db, actor: Actor, day: number, action = 'report.submit') =>
    inTransaction(db, (trx) =>
      recordAudit(trx, actor, new Date(Date.UTC(2021, 6, 1 + day, 2)), {
        action,
        subjectType: 'report',
        subjectId: `rpt_${day}`,
        detail: { 期别: '2021-Q3', value: day },
      }),
    );

  /** A workspace whose trail holds `count` events, written through `db`. */
  async function trail(count: number, db: Db = keyed()): Promise<{ workspaceId: string; actor: Actor }> {
    const workspace = await buildWorkspace(database().db);
    const actor = buildActor(workspace.id);
    for (let day = 0; day < count; day++) await record(db, actor, day);
    return { workspaceId: workspace.id, actor };
  }

  const verify = (workspaceId: string, options: Parameters<typeof verifyWorkspaceChain>[2] = {}) =>
    verifyWorkspaceChain(database().db, workspaceId, { key: KEY, ...options });

  describe('the key catches a rewrite with recomputed hashes and head', () => {
    it('passes an untouched keyed chain, anchored, its head carrying the HMAC of its workspace, seq and hash', async () => {
      const { workspaceId } = await trail(4);
      const head = await auditHeadOf(database().db, workspaceId);
      expect(head.hmac).toBe(auditHeadHmac(KEY, workspaceId, head));
      expect(await verify(workspaceId)).toMatchObject({
        ok: true,
        events: 4,
        anchor: 'anchored',
        anchoredAt: [],
        fault: null,
      });
    });

    it('fails a rewrite that the hash chain alone passes, naming the workspace’s head, and with the HMAC cleared', async () => {
      const { db } = database();
      const { workspaceId } = await trail(6);
      await rewriteAuditChain(db, dialect, workspaceId, 3, { actor_id: 'usr_forger' });
      const events = await auditTrailOf(db, workspaceId);
      expect(events[2]?.actor_id).toBe('usr_forger');
      // The finding: without the key, the rewritten chain walks whole.
      expect(await verify(workspaceId, { key: null })).toMatchObject({ ok: true, events: 6, anchor: 'unanchored' });
      const result = await verify(workspaceId);
      expect(result).toMatchObject({
        workspaceId,
        ok: false,
        events: 6,
        anchor: 'broken',
        fault: { kind: 'changed', cause: 'hmac-mismatch', seq: 6, eventId: 'aud_000000000006' },
      });
      expect(result.fault?.message).toMatch(/^链头的 HMAC 与 AUDIT_KEY 不符：事件与链头在数据库中被改写/);
      // Clearing the HMAC does not help the forger either.
      await rewriteAuditChain(db, dialect, workspaceId, 3, { actor_id: 'usr_forger2' }, { clearHmac: true });
      expect((await verify(workspaceId)).fault).toMatchObject({ cause: 'hmac-missing', seq: 6 });
    });

    it('fails a head that moved to another workspace, or a key that is not the one that anchored it', async () => {
      const { db } = database();
      const a = await trail(2);
      const b = await trail(2);
      const headOfB = await auditHeadOf(db, b.workspaceId);
      await withoutAuditGuards(db, dialect, () =>
        sql`update audit_heads set hmac = ${headOfB.hmac} where workspace_id = ${a.workspaceId}`.execute(db),
      );
      expect((await verify(a.workspaceId)).fault?.cause).toBe('hmac-mismatch');
      expect((await verify(b.workspaceId, { key: OTHER_KEY })).fault?.cause).toBe('hmac-mismatch');
      expect((await verify(b.workspaceId)).ok).toBe(true);
    });

    it('stops the writer from chaining a new, keyed head onto a rewritten chain', async () => {
      const { db } = database();
      const { workspaceId, actor } = await trail(3);
      await rewriteAuditChain(db, dialect, workspaceId, 2, { detail: '{}' });
      await expect(record(keyed(), actor, 10)).rejects.toBeInstanceOf(AuditAnchorError);
      await expect(record(keyed(), actor, 10)).rejects.toThrow(/审计链头的 HMAC 与 AUDIT_KEY 不符，拒绝记录/);
      expect(await auditTrailOf(db, workspaceId)).toHaveLength(3);
      expect((await verify(workspaceId)).fault?.cause).toBe('hmac-mismatch');
    });

    it('stops the writer on events left without their head, until the operator re-anchors them', async () => {
      const { db } = database();
      const { workspaceId, actor } = await trail(2);
      await deleteAuditHead(db, dialect, workspaceId);
      await expect(record(keyed(), actor, 10)).rejects.toThrow(/审计链头缺失，拒绝记录/);
      const at = new Date('2021-08-01T00:00:00.000Z');
      expect(await inTransaction(keyed(), (trx) => anchorAuditChain(trx, workspaceId, at))).toEqual({
        status: 'head-missing',
        seq: 2,
      });
      // Nothing is anchored at start either: only heads without an HMAC are.
      const started = await anchorUnanchoredAuditChains(testContext(keyed()));
      expect(started.map((item) => item.workspaceId)).not.toContain(workspaceId);
      expect(await inTransaction(keyed(), (trx) => anchorAuditChain(trx, workspaceId, at, { rekey: true }))).toEqual({
        status: 'anchored-now',
        seq: 3,
        reason: 'no-head',
      });
      await record(keyed(), actor, 11);
      expect(await verify(workspaceId)).toMatchObject({ ok: true, events: 4, anchoredAt: [3] });
    });

    it('says the chain is unanchored when there is no key, without failing it', async () => {
      const { workspaceId } = await trail(2, database().db);
      expect((await auditHeadOf(database().db, workspaceId)).hmac).toBeNull();
      expect(await verify(workspaceId, { key: null })).toMatchObject({ ok: true, anchor: 'unanchored', fault: null });
    });
  });

  describe('the first keyed head covers everything before it, and says so in the chain', () => {
    it('anchors a chain written without the key at its next keyed event, with an audit.anchor event first', async () => {
      const { db } = database();
      const { workspaceId, actor } = await trail(3, db);
      // A keyed verification of a head without an HMAC fails: that is what a cleared HMAC looks like too.
      expect((await verify(workspaceId)).fault).toMatchObject({ cause: 'hmac-missing', seq: 3 });
      await record(keyed(), actor, 5, 'plan.confirm');
      const events = await auditTrailOf(db, workspaceId);
      expect(events.slice(3).map((e) => [e.seq, e.action, e.actor_id, e.detail])).toEqual([
        [4, 'audit.anchor', 'system:audit', '{"reason":"no-hmac","coveredSeq":3}'],
        [5, 'plan.confirm', actor.userId, '{"期别":"2021-Q3","value":5}'],
      ]);
      expect(await verify(workspaceId)).toMatchObject({ ok: true, events: 5, anchor: 'anchored', anchoredAt: [4] });
      // A process without the key moves the head on without an HMAC; the next keyed event anchors it again, visibly.
      await record(db, actor, 6);
      expect((await auditHeadOf(db, workspaceId)).hmac).toBeNull();
      expect((await verify(workspaceId)).fault?.cause).toBe('hmac-missing');
      await record(keyed(), actor, 7);
      expect(await verify(workspaceId)).toMatchObject({ ok: true, events: 8, anchoredAt: [4, 7] });
    });

    it('anchors every unanchored chain at start, once, and names heads that fail the key', async () => {
      const { db } = database();
      const unanchored = await trail(2, db);
      const anchored = await trail(2);
      const ctx = testContext(keyed(), fixedClock('2021-08-01T00:00:00.000Z'));
      const first = await anchorUnanchoredAuditChains(ctx);
      const mine = (list: { workspaceId: string }[]) =>
        list.filter((item) => [unanchored.workspaceId, anchored.workspaceId].includes(item.workspaceId));
      expect(mine(first)).toEqual([
        { workspaceId: unanchored.workspaceId, outcome: { status: 'anchored-now', seq: 3, reason: 'no-hmac' } },
      ]);
      expect(mine(await anchorUnanchoredAuditChains(ctx))).toEqual([]);
      expect((await verify(unanchored.workspaceId)).anchoredAt).toEqual([3]);
      // Without a key nothing is anchored.
      expect(await anchorUnanchoredAuditChains(testContext(db))).toEqual([]);
      await rewriteAuditChain(db, dialect, anchored.workspaceId, 1, { detail: '{}' });
      expect(mine(await findAuditHeadsFailingKey(db, KEY)).map((head) => head.workspaceId)).toEqual([
        anchored.workspaceId,
      ]);
    });

    it('re-anchors a head made under another key only when asked to (rotating the key)', async () => {
      const { workspaceId } = await trail(2, withAuditKey(database().db, OTHER_KEY));
      const at = new Date('2021-08-01T00:00:00.000Z');
      expect(await inTransaction(keyed(), (trx) => anchorAuditChain(trx, workspaceId, at))).toEqual({
        status: 'other-key',
        seq: 2,
      });
      expect(await inTransaction(keyed(), (trx) => anchorAuditChain(trx, workspaceId, at, { rekey: true }))).toEqual({
        status: 'anchored-now',
        seq: 3,
        reason: 'rekey',
      });
      expect(await verify(workspaceId)).toMatchObject({ ok: true, anchor: 'anchored', anchoredAt: [3] });
      expect(await inTransaction(keyed(), (trx) => anchorAuditChain(trx, workspaceId, at))).toEqual({
        status: 'anchored',
        seq: 3,
      });
    });
  });

  describe('the heads kept outside the database catch a truncation back to an earlier head', () => {
    it('passes with the key alone, and fails against the expected head, naming the workspace', async () => {
      const { db } = database();
      const { workspaceId, actor } = await trail(4);
      const earlier = await auditHeadOf(db, workspaceId);
      await record(keyed(), actor, 4);
      await record(keyed(), actor, 5);
      // The head written outside at the change of day: seq 6.
      const snapshot = await snapshotAuditHeads(db, new Date('2021-07-07T16:00:00.000Z'), KEY);
      const expected = expectedHeadsOf({ format: 'luoshi-audit-heads/1', heads: snapshot.heads }, KEY);
      expect(expected.get(workspaceId)).toEqual({ seq: 6, hash: (await auditHeadOf(db, workspaceId)).hash });
      expect((await verify(workspaceId, { expected: expected.get(workspaceId) ?? null })).ok).toBe(true);

      await truncateAuditChain(db, dialect, workspaceId, earlier);
      // The finding: the cut chain walks whole and its restored head's HMAC is genuine.
      expect(await verify(workspaceId)).toMatchObject({ ok: true, events: 4, anchor: 'anchored' });
      const result = await verify(workspaceId, { expected: expected.get(workspaceId) ?? null });
      expect(result).toMatchObject({
        workspaceId,
        ok: false,
        events: 4,
        anchor: 'anchored',
        expected: { seq: 6 },
        fault: { kind: 'missing', cause: 'behind-expected-head', seq: 5, lastSeq: 6, eventId: 'aud_000000000005' },
      });
      expect(result.fault?.message).toBe(
        '链尾早于预期链头：预期到第 6 条，现只到第 4 条；链尾被删除后恢复了较早的链头（the chain ends before the expected head: cut back to an earlier head）',
      );
    });

    it('fails a chain cut and written again to the same seq (without a key, by the hash)', async () => {
      const { db } = database();
      const { workspaceId, actor } = await trail(3, db);
      const expected = { seq: 3, hash: (await auditHeadOf(db, workspaceId)).hash };
      await truncateAuditChain(db, dialect, workspaceId, await auditHeadAt(db, workspaceId, 2));
      await record(db, actor, 9, 'report.delete');
      const result = await verify(workspaceId, { key: null, expected });
      expect(result).toMatchObject({
        ok: false,
        anchor: 'unanchored',
        fault: {
          kind: 'changed',
          cause: 'expected-head-mismatch',
          seq: 3,
          event: { seq: 3, action: 'report.delete' },
        },
      });
    });

    it('names a workspace of the head file that is gone, after the others', async () => {
      const { workspaceId } = await trail(1);
      const expectedHeads = new Map([
        [workspaceId, { seq: 1, hash: (await auditHeadOf(database().db, workspaceId)).hash }],
        ['ws_gone', { seq: 7, hash: 'f'.repeat(64) }],
      ]);
      const verdicts = [];
      for await (const v of verifyAuditChains(database().db, { key: KEY, expectedHeads })) verdicts.push(v);
      expect(verdicts.find((v) => v.workspaceId === workspaceId)).toMatchObject({ ok: true, expected: { seq: 1 } });
      expect(verdicts.at(-1)).toMatchObject({
        workspaceId: 'ws_gone',
        ok: false,
        fault: { cause: 'workspace-missing', message: expect.stringMatching(/^预期链头所属的工作区已不存在/) },
      });
    });

    it('refuses a head file whose HMAC was edited, or that is not one', () => {
      const head = { workspaceId: 'ws_x', seq: 2, hash: 'a'.repeat(64), at: '2021-07-07T16:00:00.000Z' };
      const genuine = { ...head, hmac: auditHeadHmac(KEY, 'ws_x', head) };
      const file = (heads: unknown[]) => ({ format: 'luoshi-audit-heads/1' as const, heads }) as never;
      expect(expectedHeadsOf(file([genuine]), KEY).get('ws_x')).toEqual({ seq: 2, hash: 'a'.repeat(64) });
      expect(() => expectedHeadsOf(file([{ ...genuine, seq: 1 }]), KEY)).toThrow(/HMAC 与 AUDIT_KEY 不符/);
      expect(() => parseAuditHeadFile('{"format":"other","heads":[]}')).toThrow(/格式不符/);
      expect(() => parseAuditHeadFile('not json')).toThrow(/不是 JSON/);
      expect(() =>
        parseAuditHeadFile(JSON.stringify({ format: 'luoshi-audit-heads/1', heads: [genuine, genuine] })),
      ).toThrow(/出现两次/);
    });
  });

  describe('the heads are written outside the database at each workspace’s local change of day', () => {
    it('writes each head once per local date, in the workspace’s own time zone, beside the others', async () => {
      const { db } = database();
      const dir = tempDir();
      const shanghai = await trail(2);
      const london = await buildWorkspace(db, { timeZone: 'Europe/London' });
      await record(keyed(), buildActor(london.id), 0);
      const mine = (heads: { workspaceId: string }[]) =>
        heads.filter((h) => [shanghai.workspaceId, london.id].includes(h.workspaceId)).map((h) => h.workspaceId);
      let now = '2021-10-16T16:05:00.000Z'; // 00:05 on 17 October in Shanghai, 17:05 on 16 October in London
      const ctx = testContext(keyed(), () => new Date(now));

      const first = await exportDueAuditHeads(ctx, dir);
      const files = first.exports.map((e) => e.file).sort();
      expect(files).toEqual([dailyAuditHeadFile(dir, '2021-10-16'), dailyAuditHeadFile(dir, '2021-10-17')]);
      const read = (date: string) => parseAuditHeadFile(readFileSync(dailyAuditHeadFile(dir, date), 'utf8'));
      const head = await auditHeadOf(db, shanghai.workspaceId);
      expect(read('2021-10-17').heads.find((h) => h.workspaceId === shanghai.workspaceId)).toEqual({
        workspaceId: shanghai.workspaceId,
        seq: 2,
        hash: head.hash,
        hmac: head.hmac,
        at: now,
      });
      expect(mine(read('2021-10-16').heads)).toEqual([london.id]);

      // A quarter of an hour later: nothing is due, nothing written.
      now = '2021-10-16T16:20:00.000Z';
      expect(mine((await exportDueAuditHeads(ctx, dir)).exports.flatMap((e) => e.heads))).toEqual([]);
      // London's midnight: its head joins the file of 17 October, which keeps Shanghai's.
      await record(keyed(), shanghai.actor, 3);
      now = '2021-10-16T23:10:00.000Z';
      expect(mine((await exportDueAuditHeads(ctx, dir)).exports.flatMap((e) => e.heads))).toEqual([london.id]);
      expect(mine(read('2021-10-17').heads).sort()).toEqual([shanghai.workspaceId, london.id].sort());
      expect(read('2021-10-17').heads.find((h) => h.workspaceId === shanghai.workspaceId)?.seq).toBe(2);
      expect(readdirSync(join(dir, 'audit-heads')).filter((name) => name.endsWith('.part'))).toEqual([]);
    });

    it('never writes out a head that fails the key', async () => {
      const { db } = database();
      const dir = tempDir();
      const { workspaceId } = await trail(2);
      await rewriteAuditChain(db, dialect, workspaceId, 1, { detail: '{}' });
      const ctx = testContext(keyed(), fixedClock('2021-10-16T16:05:00.000Z'));
      const { exports, failing } = await exportDueAuditHeads(ctx, dir);
      expect(failing).toContain(workspaceId);
      expect(exports.flatMap((e) => e.heads).map((h) => h.workspaceId)).not.toContain(workspaceId);
      const snapshot = await snapshotAuditHeads(db, new Date(), KEY);
      expect(snapshot.failing).toContain(workspaceId);
      // Without a key there is nothing to check the head against: it is written as it stands.
      expect((await snapshotAuditHeads(db, new Date(), null)).heads.map((h) => h.workspaceId)).toContain(workspaceId);
    });

    it('writes a file whole, one head a line, that reads back as it was written', async () => {
      const file = join(tempDir(), 'audit-heads', 'manual.json');
      const heads = [
        { workspaceId: 'ws_a', seq: 3, hash: 'a'.repeat(64), hmac: null, at: '2021-10-16T16:05:00.000Z' },
        { workspaceId: 'ws_b', seq: 9, hash: 'b'.repeat(64), hmac: 'c'.repeat(64), at: '2021-10-16T16:05:00.000Z' },
      ];
      await writeAuditHeadFile(file, heads);
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')).toHaveLength(8);
      expect(parseAuditHeadFile(text)).toEqual({ format: 'luoshi-audit-heads/1', heads });
    });
  });
});

/** The head a chain had at `seq`: its event's hash, and the HMAC it then carried (none: written without a key). */
async function auditHeadAt(db: Db, workspaceId: string, seq: number) {
  const event = (await auditTrailOf(db, workspaceId)).find((e) => e.seq === seq);
  if (event === undefined) throw new Error(`no event ${seq}`);
  return { seq, hash: event.hash, hmac: null };
}
