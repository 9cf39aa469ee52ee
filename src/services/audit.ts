/**
 * The audit trail: every change writes one event in the same transaction as the change, chained by hash per
 * workspace (see domain/audit-chain.ts). Appending locks the workspace's chain head (audit_heads) first, so two
 * transactions cannot both take the same sequence number; the unique (workspace_id, seq) index stops it even if
 * they try. The head moves on with each event; audit-verify.service.ts checks both. Nothing in the application
 * deletes an event: retention is unlimited (等保 asks for at least 180 days), and the database refuses deletes.
 *
 * Anchoring (issue 9, finding 4): when the database handle carries AUDIT_KEY (src/db/audit-key.ts), each head gets
 * the HMAC of its workspace, seq and hash under that key, in the same transaction. Before moving the head on, the
 * writer checks the HMAC it finds and refuses to record on a head that fails it, or on events left without their
 * head (migration 0008 gave every chain one, so only tampering removes it): chaining a new, correctly keyed head
 * onto events rewritten in the database would launder the rewrite. A head with no HMAC yet (a chain from
 * before the key, or one a process without the key moved on) is anchored as it stands — the first keyed head covers
 * everything before it — and the writer says so in the chain itself, with an `audit.anchor` event by
 * `system:audit` ahead of the event it was asked to record. A reader of the trail therefore sees every (re)anchoring:
 * one where the key was introduced is expected; any later one means a process ran without the key, or the HMAC was
 * cleared in the database, and `luoshi audit verify --expect-head` against the heads kept outside tells which.
 * Without a key the writer stores no HMAC (null), and the chain is unanchored.
 */
import type { KeyObject } from 'node:crypto';
import type { Transaction } from 'kysely';
import { auditKeyOf } from '../db/audit-key.ts';
import { constraintViolationKind, isRefusedByGuard } from '../db/errors.ts';
import {
  advanceAuditHead,
  findAuditHead,
  findLatestAuditEvent,
  insertAuditHead,
  lockWorkspaceForFirstAuditEvent,
  type AuditChainEnd,
  type AuditHeadRecord,
} from '../db/queries/audit.queries.ts';
import type { AuditOutcome, Database } from '../db/schema.ts';
import { GENESIS_HASH, auditHeadHmac, hashEvent, isAuditHeadHmacValid } from '../domain/audit-chain.ts';
import type { Actor } from './context.ts';

export interface AuditEntry {
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  detail?: Record<string, unknown>;
  outcome?: AuditOutcome;
}

/** The fields of a stored event that its hash covers, in the form verification rebuilds them. */
export interface AuditedFields {
  workspace_id: string;
  seq: number;
  at: string;
  actor_id: string | null;
  actor_roles: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  detail: string;
  ip: string | null;
  outcome: AuditOutcome;
  prev_hash: string | null;
}

/** The id of the event is derived from its place in the chain: one event per (workspace, seq). */
export function auditEventId(seq: number): string {
  return `aud_${String(seq).padStart(12, '0')}`;
}

/** The actor of the events the audit writer records of itself (anchoring a chain). */
export const AUDIT_USER_ID = 'system:audit';

/** The action of the event that records a chain's (re)anchoring under AUDIT_KEY. */
export const AUDIT_ANCHOR_ACTION = 'audit.anchor';

/**
 * Why a chain was anchored: `no-hmac` — its head carried no HMAC (the key is new, or a process without it wrote);
 * `rekey` — its HMAC was made under another key, or its head row was gone, and the operator re-anchored it under
 * this one after checking it (`luoshi audit anchor --rekey`); `no-head` is recorded for the latter case.
 */
export type AnchorReason = 'no-hmac' | 'no-head' | 'rekey';

function outOfStep(workspaceId: string, cause?: unknown): Error {
  return new Error(
    `审计链头与审计事件不一致，拒绝记录（the audit chain head of ${workspaceId} is out of step with its events; run luoshi audit verify）`,
    cause === undefined ? undefined : { cause },
  );
}

/** The writer's refusal of a head whose HMAC fails, or of events without their head: see the module comment. */
export class AuditAnchorError extends Error {
  override readonly name = 'AuditAnchorError';
  constructor(
    readonly workspaceId: string,
    readonly problem: 'hmac-mismatch' | 'head-missing',
  ) {
    super(
      problem === 'hmac-mismatch'
        ? `审计链头的 HMAC 与 AUDIT_KEY 不符，拒绝记录：事件与链头在数据库中被改写，或 AUDIT_KEY 不是锚定它的密钥` +
            `（the audit chain head of ${workspaceId} fails its HMAC check: rewritten in the database, or AUDIT_KEY ` +
            `is not the key that anchored it; run luoshi audit verify）`
        : `审计链头缺失，拒绝记录：有事件却没有链头，只有在数据库中删除才会如此` +
            `（the audit chain of ${workspaceId} has events but no head: removed in the database; run luoshi audit verify）`,
    );
  }
}

/**
 * The workspace's chain head, locked (PostgreSQL) until the transaction ends; null before the workspace's first
 * event, after locking its workspace row instead so two first events wait for each other (the second then finds
 * the head the first made).
 */
async function lockedHead(trx: Transaction<Database>, workspaceId: string): Promise<AuditHeadRecord | null> {
  const head = await findAuditHead(trx, workspaceId, { lock: true });
  if (head !== undefined) return head;
  await lockWorkspaceForFirstAuditEvent(trx, workspaceId);
  return (await findAuditHead(trx, workspaceId, { lock: true })) ?? null;
}

/** What the writer is asked to record, with who and when. */
interface EventToAppend {
  actor: Pick<Actor, 'userId' | 'roles' | 'ip'>;
  at: string;
  entry: AuditEntry;
}

/**
 * Appends one event after `last` and moves the head (`head`, or a new head row when there is none) onto it, with its
 * HMAC under `key`. Returns the new head.
 */
async function appendEvent(
  trx: Transaction<Database>,
  workspaceId: string,
  head: AuditHeadRecord | null,
  last: AuditChainEnd | null,
  { actor, at, entry }: EventToAppend,
  key: KeyObject | null,
): Promise<AuditHeadRecord> {
  const fields: AuditedFields = {
    workspace_id: workspaceId,
    seq: (last?.seq ?? 0) + 1,
    at,
    actor_id: actor.userId,
    actor_roles: JSON.stringify(actor.roles),
    action: entry.action,
    subject_type: entry.subjectType,
    subject_id: entry.subjectId,
    detail: JSON.stringify(entry.detail ?? {}),
    ip: actor.ip ?? null,
    outcome: entry.outcome ?? 'success',
    prev_hash: last?.hash ?? null,
  };
  const hash = hashEvent(last?.hash ?? GENESIS_HASH, fields);
  try {
    await trx
      .insertInto('audit_events')
      .values({ ...fields, id: auditEventId(fields.seq), hash })
      .execute();
  } catch (error) {
    // The seq is taken (the head is behind the events), or the chain guards refuse the link: out of step.
    if (constraintViolationKind(error) !== null || isRefusedByGuard(error)) throw outOfStep(workspaceId, error);
    throw error;
  }
  // The chain head, kept apart from the events, moves on in the same transaction: verification compares the two
  // to find a chain cut at the end. A head that names no stored event (the trail was cut at its end) is refused
  // here, and one behind the events above, by the (workspace_id, seq) key: fail closed rather than chain new
  // events onto a trail tampered with.
  const end = { seq: fields.seq, hash };
  const next: AuditHeadRecord = { ...end, hmac: key === null ? null : auditHeadHmac(key, workspaceId, end) };
  if (head === null) {
    await insertAuditHead(trx, workspaceId, next, at);
  } else if (!(await advanceAuditHead(trx, workspaceId, head, next, at))) {
    throw outOfStep(workspaceId);
  }
  return next;
}

/** The `audit.anchor` event: the chain up to `coveredSeq` is taken as it stands and anchored under the key. */
function anchorEvent(workspaceId: string, at: string, reason: AnchorReason, coveredSeq: number): EventToAppend {
  return {
    actor: { userId: AUDIT_USER_ID, roles: [], ip: null },
    at,
    entry: {
      action: AUDIT_ANCHOR_ACTION,
      subjectType: 'audit-trail',
      subjectId: workspaceId,
      detail: { reason, coveredSeq },
    },
  };
}

/** Appends one event to the workspace's chain; call it inside the transaction of the change it records. */
export async function recordAudit(
  trx: Transaction<Database>,
  actor: Pick<Actor, 'userId' | 'roles' | 'ip'> & { workspaceId: string },
  at: Date,
  entry: AuditEntry,
): Promise<void> {
  const workspaceId = actor.workspaceId;
  const key = auditKeyOf(trx);
  let head = await lockedHead(trx, workspaceId);
  // Without a head the chain starts after its latest event, if any.
  let last: AuditChainEnd | null = head ?? (await findLatestAuditEvent(trx, workspaceId)) ?? null;
  const when = at.toISOString();
  if (key !== null && last !== null) {
    if (head === null) throw new AuditAnchorError(workspaceId, 'head-missing');
    if (head.hmac === null) {
      head = await appendEvent(trx, workspaceId, head, last, anchorEvent(workspaceId, when, 'no-hmac', last.seq), key);
      last = head;
    } else if (!isAuditHeadHmacValid(key, workspaceId, head, head.hmac)) {
      throw new AuditAnchorError(workspaceId, 'hmac-mismatch');
    }
  }
  await appendEvent(trx, workspaceId, head, last, { actor, at: when, entry }, key);
}

export type AnchorOutcome =
  /** No events: nothing to anchor (the first event's head will carry its HMAC). */
  | { status: 'empty' }
  /** The head's HMAC already holds under the key. */
  | { status: 'anchored'; seq: number }
  /** The head was anchored now, with an `audit.anchor` event at `seq`. */
  | { status: 'anchored-now'; seq: number; reason: AnchorReason }
  /** The head's HMAC was made under another key (or forged); left as it is unless `rekey`. */
  | { status: 'other-key'; seq: number }
  /** Events but no head row (removed in the database); left as it is unless `rekey`. */
  | { status: 'head-missing'; seq: number };

/**
 * Anchors one workspace's chain under the key its handle carries, as it stands, unless its head's HMAC already
 * holds: the start of a keyed server does it for every unanchored chain, so a quiet workspace is not left without
 * an HMAC until its next event; `luoshi audit anchor` does it on demand. A head whose HMAC fails, and events left
 * without a head, are left alone unless `rekey` (the operator rotates the key, having verified the chain with the old
 * one, or has found out why the head went). Throws without a key.
 */
export async function anchorAuditChain(
  trx: Transaction<Database>,
  workspaceId: string,
  at: Date,
  options: { rekey?: boolean } = {},
): Promise<AnchorOutcome> {
  const key = auditKeyOf(trx);
  if (key === null) throw new Error('anchorAuditChain needs a database handle that carries AUDIT_KEY');
  const head = await lockedHead(trx, workspaceId);
  const last = head ?? (await findLatestAuditEvent(trx, workspaceId)) ?? null;
  if (last === null) return { status: 'empty' };
  let reason: AnchorReason;
  if (head === null) {
    if (options.rekey !== true) return { status: 'head-missing', seq: last.seq };
    reason = 'no-head';
  } else if (head.hmac === null) reason = 'no-hmac';
  else if (isAuditHeadHmacValid(key, workspaceId, head, head.hmac)) return { status: 'anchored', seq: head.seq };
  else if (options.rekey === true) reason = 'rekey';
  else return { status: 'other-key', seq: head.seq };
  const next = await appendEvent(
    trx,
    workspaceId,
    head,
    last,
    anchorEvent(workspaceId, at.toISOString(), reason, last.seq),
    key,
  );
  return { status: 'anchored-now', seq: next.seq, reason };
}
