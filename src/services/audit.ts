/**
 * The audit trail: every change writes one event in the same transaction as the change, chained by hash per
 * workspace (see domain/audit-chain.ts). Appending locks the workspace's chain head (audit_heads) first, so two
 * transactions cannot both take the same sequence number; the unique (workspace_id, seq) index stops it even if
 * they try. The head moves on with each event; audit-verify.service.ts checks both. Nothing in the application
 * deletes an event: retention is unlimited (等保 asks for at least 180 days), and the database refuses deletes.
 */
import type { Transaction } from 'kysely';
import { constraintViolationKind, isRefusedByGuard } from '../db/errors.ts';
import {
  advanceAuditHead,
  findAuditHead,
  findLatestAuditEvent,
  insertAuditHead,
  lockWorkspaceForFirstAuditEvent,
  type AuditHeadRecord,
} from '../db/queries/audit.queries.ts';
import type { AuditOutcome, Database } from '../db/schema.ts';
import { GENESIS_HASH, hashEvent } from '../domain/audit-chain.ts';
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

function outOfStep(workspaceId: string, cause?: unknown): Error {
  return new Error(
    `审计链头与审计事件不一致，拒绝记录（the audit chain head of ${workspaceId} is out of step with its events; run luoshi audit verify）`,
    cause === undefined ? undefined : { cause },
  );
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

/** Appends one event to the workspace's chain; call it inside the transaction of the change it records. */
export async function recordAudit(
  trx: Transaction<Database>,
  actor: Pick<Actor, 'userId' | 'roles' | 'ip'> & { workspaceId: string },
  at: Date,
  entry: AuditEntry,
): Promise<void> {
  const head = await lockedHead(trx, actor.workspaceId);
  // Without a head the chain starts after its latest event, if any.
  const last = head ?? (await findLatestAuditEvent(trx, actor.workspaceId));
  const fields: AuditedFields = {
    workspace_id: actor.workspaceId,
    seq: (last?.seq ?? 0) + 1,
    at: at.toISOString(),
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
    if (constraintViolationKind(error) !== null || isRefusedByGuard(error)) throw outOfStep(actor.workspaceId, error);
    throw error;
  }
  // The chain head, kept apart from the events, moves on in the same transaction: verification compares the two
  // to find a chain cut at the end. A head that names no stored event (the trail was cut at its end) is refused
  // here, and one behind the events above, by the (workspace_id, seq) key: fail closed rather than chain new
  // events onto a trail tampered with.
  const next = { seq: fields.seq, hash };
  if (head === null) {
    await insertAuditHead(trx, actor.workspaceId, next, fields.at);
  } else if (!(await advanceAuditHead(trx, actor.workspaceId, head, next, fields.at))) {
    throw outOfStep(actor.workspaceId);
  }
}
