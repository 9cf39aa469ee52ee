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
 * `verifyAuditChains` serves `luoshi audit verify` (whoever holds the database may run it: no actor, no audit
 * event, nothing written); `verifyAuditTrail` serves the audit administrator over HTTP and is itself audited.
 */
import type { Db } from '../db/database.ts';
import {
  findAuditEventAt,
  findAuditEventsInChainOrder,
  findAuditHead,
  findWorkspaceIds,
  workspaceExists,
  type AuditEventRecord,
} from '../db/queries/audit.queries.ts';
import { ChainWalker, type ChainFault, type ChainFaultCause, type ChainFaultKind } from '../domain/audit-chain.ts';
import { canVerifyAuditTrail } from '../policies/audit.policy.ts';
import { auditEventId, recordAudit } from './audit.ts';
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

export interface ChainFaultReport {
  kind: ChainFaultKind;
  cause: ChainFaultCause;
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
  fault: ChainFaultReport | null;
}

export interface VerifyOptions {
  /** Events read per query (default 2000). */
  pageSize?: number;
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

/** Verifies one workspace's chain. The workspace is taken as given: callers check that it exists. */
export async function verifyWorkspaceChain(
  db: Db,
  workspaceId: string,
  options: VerifyOptions = {},
): Promise<ChainVerification> {
  const limit = options.pageSize ?? VERIFY_PAGE_SIZE;
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
        if (walker.push(event) !== null) return false;
      }
      const last = page.at(-1);
      if (last !== undefined) position.after = { seq: last.seq, id: last.id };
      if (page.length < limit) return true;
    }
  };

  let head: AuditChainHead | null = null;
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
  return {
    workspaceId,
    ok: fault === null,
    events: walker.count,
    head: head === null ? null : { seq: head.seq, hash: head.hash },
    fault:
      fault === null
        ? null
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

/**
 * Verifies the chain of one workspace, or of every workspace in id order, yielding each verdict as it is reached.
 * An unknown workspace is `not-found`.
 */
export async function* verifyAuditChains(
  db: Db,
  options: VerifyOptions & { workspaceId?: string } = {},
): AsyncGenerator<ChainVerification> {
  if (options.workspaceId !== undefined) {
    if (!(await workspaceExists(db, options.workspaceId))) {
      throw new ServiceError('not-found', `未找到工作区 ${options.workspaceId}（no such workspace）`, {
        id: options.workspaceId,
      });
    }
    yield await verifyWorkspaceChain(db, options.workspaceId, options);
    return;
  }
  let afterId: string | null = null;
  for (;;) {
    const ids = await findWorkspaceIds(db, afterId, 100);
    for (const id of ids) yield await verifyWorkspaceChain(db, id, options);
    const last = ids.at(-1);
    if (last === undefined || ids.length < 100) return;
    afterId = last;
  }
}

/**
 * The audit administrator verifies the chain of their own workspace. The check is itself audited (`audit.verify`,
 * with its verdict), after the walk, so the event it writes is not part of what it checked.
 */
export async function verifyAuditTrail(ctx: ServiceContext, actor: Actor): Promise<ChainVerification> {
  if (!canVerifyAuditTrail(actor)) {
    throw new ServiceError(
      'forbidden',
      '只有审计管理员可以校验审计日志（only the audit administrator may verify the audit trail）',
    );
  }
  const result = await verifyWorkspaceChain(ctx.db, actor.workspaceId);
  await inTransaction(ctx.db, (trx) =>
    recordAudit(trx, actor, ctx.clock(), {
      action: 'audit.verify',
      subjectType: 'audit-trail',
      subjectId: actor.workspaceId,
      detail: {
        ok: result.ok,
        events: result.events,
        ...(result.fault === null ? {} : { brokenAt: result.fault.seq, cause: result.fault.cause }),
      },
    }),
  );
  return result;
}
