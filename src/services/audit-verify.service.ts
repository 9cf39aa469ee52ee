/**
 * Verifying the audit trail: each workspace's hash chain walked in `(seq, id)` order, a page at a time (memory does
 * not grow with the trail), every hash recomputed, seq continuity and `prev_hash` links checked, and the end
 * compared with the head kept in `audit_heads`. The first break is named: its seq, event id, time and action, and
 * what the break means (a row changed, deleted or inserted).
 *
 * The walk only reads, and it runs beside the writer: the head is read after the events, and since the writer moves
 * the head in the transaction of each event, every event seen before it is one the head covers. Events committed
 * after the head was read are left for the next run.
 *
 * With AUDIT_KEY (issue 9, finding 4), the head's HMAC is checked too: a chain rewritten in the database with its
 * hashes and head recomputed walks whole, but its head's HMAC fails. Without the key the verdict says the chain is
 * unanchored. A cut back to an earlier head, restored with its genuine HMAC, passes both; the heads written outside
 * the database (src/services/audit-anchor.service.ts) catch it: given an expected head, the chain must still hold
 * the event at the expected seq, with the expected hash.
 *
 * `verifyAuditChains` serves `luoshi audit verify` (whoever holds the database may run it: no actor, no audit
 * event, nothing written); `verifyAuditTrail` serves the audit administrator over HTTP and is itself audited.
 */
import type { KeyObject } from 'node:crypto';
import { auditKeyOf } from '../db/audit-key.ts';
import type { Db } from '../db/database.ts';
import {
  findAuditEventAt,
  findAuditEventsInChainOrder,
  findAuditHead,
  findWorkspaceIds,
  workspaceExists,
  type AuditEventRecord,
  type AuditHeadRecord,
} from '../db/queries/audit.queries.ts';
import {
  ChainWalker,
  isAuditHeadHmacValid,
  type ChainFault,
  type ChainFaultCause,
  type ChainFaultKind,
} from '../domain/audit-chain.ts';
import { canVerifyAuditTrail, canVerifySystemAuditTrail } from '../policies/audit.policy.ts';
import { AUDIT_ANCHOR_ACTION, auditEventId, recordAudit } from './audit.ts';
import { auditChainOf, type AuditScope } from './audit-scope.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';
import { inTransaction } from './transaction.ts';

/** Events read per query. */
export const VERIFY_PAGE_SIZE = 2000;

export interface AuditChainHead {
  seq: number;
  hash: string;
}

/** An event named in a verdict. */
export interface AuditEventRef {
  id: string;
  seq: number;
  at: string;
  action: string;
}

/**
 * Breaks the hash chain cannot show, found against the key and the heads kept outside the database:
 * - `hmac-missing` — a key is given but the head carries no HMAC (a process without the key wrote it, or the HMAC
 *   was cleared in the database);
 * - `hmac-mismatch` — the head's HMAC does not match the key: events and head were rewritten in the database, or
 *   the key is not the one that anchored the chain;
 * - `behind-expected-head` — the chain ends before the expected head's seq (its end was cut, and an earlier head
 *   restored);
 * - `expected-head-mismatch` — the event at the expected head's seq has another hash (the chain was rewritten from
 *   there back, or cut and written again);
 * - `workspace-missing` — the expected head's workspace is gone.
 */
export type AnchorFaultCause =
  'hmac-missing' | 'hmac-mismatch' | 'behind-expected-head' | 'expected-head-mismatch' | 'workspace-missing';

/**
 * The head's HMAC: `anchored` — it holds under the key; `unanchored` — no key was given, so it was not checked;
 * `broken` — missing or not holding (the fault says which); `empty` — no events, nothing to anchor.
 */
export type AnchorState = 'anchored' | 'unanchored' | 'broken' | 'empty';

/** A workspace's head as written outside the database (a head file), which its chain must still hold. */
export interface ExpectedHead {
  seq: number;
  hash: string;
}

export interface ChainFaultReport {
  kind: ChainFaultKind;
  cause: ChainFaultCause | AnchorFaultCause;
  /** The seq of the changed or inserted event, or the first missing one. */
  seq: number;
  /** The last missing seq of a run of missing events; `seq` otherwise. */
  lastSeq: number;
  /** The id the event at `seq` has (or, when it is missing, had): ids follow seqs. */
  eventId: string;
  /** The changed or inserted event as stored; null when missing. */
  event: AuditEventRef | null;
  /** The last intact event before the break. */
  previous: AuditEventRef | null;
  /** The first event after missing ones. */
  next: AuditEventRef | null;
  /** What is wrong, in one line, Chinese first. */
  message: string;
}

export interface ChainVerification {
  workspaceId: string;
  ok: boolean;
  /** Intact events walked: all of the chain when it is whole, those before the break otherwise. */
  events: number;
  /** The head kept in audit_heads; null when there is none. */
  head: AuditChainHead | null;
  /** The head's HMAC under the key. */
  anchor: AnchorState;
  /** The seqs of the `audit.anchor` events walked: where the key (re)anchored the chain, oldest first. */
  anchoredAt: number[];
  /** The expected head it was checked against (`--expect-head`), if any. */
  expected: ExpectedHead | null;
  fault: ChainFaultReport | null;
}

export interface VerifyOptions {
  /** Events read per query (default 2000). */
  pageSize?: number;
  /** AUDIT_KEY, to check the heads' HMACs; by default the key the database handle carries (null: unanchored). */
  key?: KeyObject | null;
}

function refOf(event: AuditEventRecord | null): AuditEventRef | null {
  return event === null ? null : { id: event.id, seq: event.seq, at: event.at, action: event.action };
}

function seqRange(from: number, to: number): string {
  return from === to ? `第 ${from} 条` : `第 ${from}–${to} 条`;
}

/** One line for a break, Chinese first; the CLI prints it and the API answers it. */
function describeFault(fault: ChainFault<AuditEventRecord>, head: AuditChainHead | null, count: number): string {
  const at = seqRange(fault.seq, fault.lastSeq);
  switch (fault.cause) {
    case 'hash-mismatch':
      return `${at}事件被改动：内容与哈希不符（row changed: hash mismatch）`;
    case 'rehashed':
      return `${at}事件被改动后重算了哈希：下一条事件的前一哈希与之不符（row changed and re-hashed: the next event's prev_hash does not match）`;
    case 'link-mismatch':
      return `${at}事件被改动：前一哈希与上一条事件不符，哈希也不符（row changed: prev_hash and hash do not match）`;
    case 'id-mismatch':
      return `${at}事件的编号被改动，应为 ${auditEventId(fault.seq)}（row id changed）`;
    case 'head-mismatch':
      return `${at}事件与链头记录的哈希不符：最后一条事件被改动或替换（the last row differs from the chain head: changed or replaced）`;
    case 'seq-gap':
      return `${at}事件缺失：已被删除（row deleted: seq gap）`;
    case 'renumbered-down':
      return `${at}事件缺失：已被删除，其后事件的序号被前移（row deleted, later rows renumbered）`;
    case 'swapped':
      return `第 ${fault.seq} 条与第 ${fault.seq + 1} 条事件的序号被对调（rows reordered: seqs swapped）`;
    case 'truncated':
      return `${at}事件缺失：链尾被删除，链头记录到第 ${head?.seq ?? fault.lastSeq} 条（rows deleted at the end: the head records seq ${head?.seq ?? fault.lastSeq}）`;
    case 'duplicate-seq':
      return `${at}事件是插入的：序号重复（row inserted: duplicate seq）`;
    case 'renumbered-up':
      return `${at}事件是插入的：其后事件的序号被后移（row inserted, later rows renumbered）`;
    case 'beyond-head':
      return `${at}事件是插入的：位于链头记录的第 ${head?.seq ?? 0} 条之后（row inserted after the chain head）`;
    case 'head-missing':
      return `链头记录缺失：有 ${count} 条事件却没有链头（the chain head is missing）`;
  }
}

/** One line for a fault found against the key or an expected head, Chinese first. */
function describeAnchorFault(cause: AnchorFaultCause, expected: ExpectedHead | null, lastSeq: number): string {
  switch (cause) {
    case 'hmac-missing':
      return '链头没有 HMAC：写入它的进程没有 AUDIT_KEY，或 HMAC 在数据库中被清除（the head has no HMAC: written without AUDIT_KEY, or cleared in the database）';
    case 'hmac-mismatch':
      return '链头的 HMAC 与 AUDIT_KEY 不符：事件与链头在数据库中被改写（哈希已重算），或密钥不是锚定它的那一把（the head fails its HMAC: events and head rewritten with recomputed hashes, or another key）';
    case 'behind-expected-head':
      return `链尾早于预期链头：预期到第 ${expected?.seq ?? 0} 条，现只到第 ${lastSeq} 条；链尾被删除后恢复了较早的链头（the chain ends before the expected head: cut back to an earlier head）`;
    case 'expected-head-mismatch':
      return `第 ${expected?.seq ?? 0} 条事件与预期链头的哈希不符：链被改写或截断后重写（the event at the expected head has another hash: rewritten）`;
    case 'workspace-missing':
      return `预期链头所属的工作区已不存在：预期到第 ${expected?.seq ?? 0} 条（the expected head's workspace is gone）`;
  }
}

/** A verdict on a workspace named by an expected head but no longer in the database. */
export function missingWorkspaceVerdict(workspaceId: string, expected: ExpectedHead): ChainVerification {
  return {
    workspaceId,
    ok: false,
    events: 0,
    head: null,
    anchor: 'empty',
    anchoredAt: [],
    expected,
    fault: {
      kind: 'missing',
      cause: 'workspace-missing',
      seq: 1,
      lastSeq: expected.seq,
      eventId: auditEventId(1),
      event: null,
      previous: null,
      next: null,
      message: describeAnchorFault('workspace-missing', expected, 0),
    },
  };
}

/**
 * Verifies one workspace's chain, its head's HMAC when there is a key, and that it still holds `expected` when one
 * is given. The workspace is taken as given: callers check that it exists.
 */
export async function verifyWorkspaceChain(
  db: Db,
  workspaceId: string,
  options: VerifyOptions & { expected?: ExpectedHead | null } = {},
): Promise<ChainVerification> {
  const limit = options.pageSize ?? VERIFY_PAGE_SIZE;
  const key = options.key === undefined ? auditKeyOf(db) : options.key;
  const expected = options.expected ?? null;
  // The anchoring events met on the walk (those past a break are dropped below).
  const anchors: number[] = [];
  // The event at the expected head's seq, as walked (set in a closure below, hence the holder).
  const found: { atExpected: AuditEventRecord | null } = { atExpected: null };
  const walker = new ChainWalker<AuditEventRecord>({ idOf: auditEventId });
  // Where the walk stands: the last event read (a closure below moves it, hence the holder).
  const position: { after: { seq: number; id: string } | null } = { after: null };

  /** Feeds pages until one comes back short or the chain breaks; returns false on a break. */
  const walk = async (maxSeq?: number): Promise<boolean> => {
    for (;;) {
      const page = await findAuditEventsInChainOrder(db, workspaceId, {
        after: position.after,
        limit,
        ...(maxSeq === undefined ? {} : { maxSeq }),
      });
      for (const event of page) {
        if (event.action === AUDIT_ANCHOR_ACTION) anchors.push(event.seq);
        if (expected !== null && event.seq === expected.seq) found.atExpected ??= event;
        if (walker.push(event) !== null) return false;
      }
      const last = page.at(-1);
      if (last !== undefined) position.after = { seq: last.seq, id: last.id };
      if (page.length < limit) return true;
    }
  };

  let head: AuditHeadRecord | null = null;
  if (await walk()) {
    head = (await findAuditHead(db, workspaceId)) ?? null;
    // Events committed between the walk and reading the head: the head covers them, so read them too.
    if (head !== null && (position.after?.seq ?? 0) < head.seq) await walk(head.seq);
  } else {
    head = (await findAuditHead(db, workspaceId)) ?? null;
  }
  const lastSeq = position.after?.seq ?? 0;
  const around =
    walker.fault === null && head !== null && lastSeq > head.seq
      ? {
          atHead: await findAuditEventAt(db, workspaceId, head.seq),
          afterHead: await findAuditEventAt(db, workspaceId, head.seq + 1),
        }
      : {};
  const fault = walker.finish(head, around);
  const intactSeq = walker.last?.seq ?? 0;
  // Without a head (an empty chain, or one whose head was deleted: a chain fault) there is no HMAC to check.
  const anchorFault: AnchorFaultCause | null =
    key === null || head === null
      ? null
      : head.hmac === null
        ? 'hmac-missing'
        : isAuditHeadHmacValid(key, workspaceId, head, head.hmac)
          ? null
          : 'hmac-mismatch';
  const anchor: AnchorState =
    head === null ? 'empty' : key === null ? 'unanchored' : anchorFault === null ? 'anchored' : 'broken';
  // A whole chain ends at its head, so the event at the expected seq was walked when the chain reaches it.
  const expectedFault: AnchorFaultCause | null =
    expected === null
      ? null
      : intactSeq < expected.seq
        ? 'behind-expected-head'
        : found.atExpected?.hash !== expected.hash
          ? 'expected-head-mismatch'
          : null;
  const laterFault = anchorFault ?? expectedFault;
  return {
    workspaceId,
    ok: fault === null && laterFault === null,
    events: walker.count,
    head: head === null ? null : { seq: head.seq, hash: head.hash },
    anchor,
    anchoredAt: anchors.filter((seq) => seq <= intactSeq),
    expected,
    fault:
      fault === null
        ? laterFault === null
          ? null
          : anchorFaultReport(laterFault, head, expected, intactSeq, walker.last, found.atExpected)
        : {
            kind: fault.kind,
            cause: fault.cause,
            seq: fault.seq,
            lastSeq: fault.lastSeq,
            eventId: fault.event?.id ?? auditEventId(fault.seq),
            event: refOf(fault.event),
            previous: refOf(fault.previous),
            next: refOf(fault.next),
            message: describeFault(fault, head, walker.count),
          },
  };
}

function anchorFaultReport(
  cause: AnchorFaultCause,
  head: AuditChainHead | null,
  expected: ExpectedHead | null,
  lastSeq: number,
  last: AuditEventRecord | null,
  atExpected: AuditEventRecord | null,
): ChainFaultReport {
  const message = describeAnchorFault(cause, expected, lastSeq);
  if (cause === 'behind-expected-head') {
    const seq = lastSeq + 1;
    const upTo = expected?.seq ?? seq;
    return {
      kind: 'missing',
      cause,
      seq,
      lastSeq: upTo,
      eventId: auditEventId(seq),
      event: null,
      previous: refOf(last),
      next: null,
      message,
    };
  }
  const seq = cause === 'expected-head-mismatch' ? (expected?.seq ?? 0) : (head?.seq ?? 0);
  const event = cause === 'expected-head-mismatch' ? atExpected : null;
  return {
    kind: 'changed',
    cause,
    seq,
    lastSeq: seq,
    eventId: auditEventId(seq),
    event: refOf(event),
    previous: null,
    next: null,
    message,
  };
}

/**
 * Verifies the chain of one workspace, or of every workspace in id order, yielding each verdict as it is reached.
 * An unknown workspace is `not-found`. With `expectedHeads` (workspace id → head, from a head file), each chain must
 * still hold its expected head, and a workspace of the file that no longer exists gets a broken verdict of its own
 * (after the others; when one workspace is asked for, only its own expected head counts).
 */
export async function* verifyAuditChains(
  db: Db,
  options: VerifyOptions & { workspaceId?: string; expectedHeads?: ReadonlyMap<string, ExpectedHead> } = {},
): AsyncGenerator<ChainVerification> {
  const { expectedHeads = new Map<string, ExpectedHead>(), workspaceId, ...rest } = options;
  if (workspaceId !== undefined) {
    if (!(await workspaceExists(db, workspaceId))) {
      throw new ServiceError('not-found', `未找到工作区 ${workspaceId}（no such workspace）`, {
        id: workspaceId,
      });
    }
    yield await verifyWorkspaceChain(db, workspaceId, { ...rest, expected: expectedHeads.get(workspaceId) ?? null });
    return;
  }
  const seen = new Set<string>();
  let afterId: string | null = null;
  for (;;) {
    const ids = await findWorkspaceIds(db, afterId, 100);
    for (const id of ids) {
      seen.add(id);
      yield await verifyWorkspaceChain(db, id, { ...rest, expected: expectedHeads.get(id) ?? null });
    }
    const last = ids.at(-1);
    if (last === undefined || ids.length < 100) break;
    afterId = last;
  }
  for (const [id, expected] of expectedHeads) {
    if (!seen.has(id)) yield missingWorkspaceVerdict(id, expected);
  }
}

/**
 * The audit administrator verifies the chain of their own workspace, or (`scope: 'system'`) the reserved `system`
 * chain, which records what belongs to no workspace (sign-in attempts with names nobody has). The check is itself
 * audited (`audit.verify`, with its verdict) in the administrator's own chain, after the walk, so the event it
 * writes is not part of what it checked.
 */
export async function verifyAuditTrail(
  ctx: ServiceContext,
  actor: Actor,
  options: { scope?: AuditScope } = {},
): Promise<ChainVerification> {
  const scope = options.scope ?? 'workspace';
  if (!(scope === 'system' ? canVerifySystemAuditTrail(actor) : canVerifyAuditTrail(actor))) {
    throw new ServiceError(
      'forbidden',
      '只有审计管理员可以校验审计日志（only the audit administrator may verify the audit trail）',
    );
  }
  const chain = auditChainOf(actor, scope);
  const result = await verifyWorkspaceChain(ctx.db, chain);
  await inTransaction(ctx.db, (trx) =>
    recordAudit(trx, actor, ctx.clock(), {
      action: 'audit.verify',
      subjectType: 'audit-trail',
      subjectId: chain,
      detail: {
        ...(scope === 'system' ? { scope } : {}),
        ok: result.ok,
        events: result.events,
        anchor: result.anchor,
        ...(result.fault === null ? {} : { brokenAt: result.fault.seq, cause: result.fault.cause }),
      },
    }),
  );
  return result;
}
