/**
 * The audit trail: every change writes one event in the same transaction as the change, chained by hash per
 * workspace (see domain/audit-chain.ts). Appending locks the workspace's chain head (audit_heads) first, so two
 * transactions cannot both take the same sequence number; the unique (workspace_id, seq) index stops it even if
 * they try. The head moves on with each event; audit-verify.service.ts checks both. Nothing in the application
 * deletes an event: retention is unlimited (等保 asks for at least 180 days), and the database refuses deletes.
 */
import { sql, type Transaction } from 'kysely';
import { dialectOf } from '../db/dialect.ts';
import { constraintViolationKind, isRefusedByGuard } from '../db/errors.ts';
import { advanceAuditHead, insertAuditHead, lockAuditHead, type AuditHeadRecord } from '../db/queries/audit.queries.ts';
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
 * Where the next event goes: after the head, which stays locked (PostgreSQL) until the transaction ends. A
 * workspace without a head — before its first event — locks its workspace row instead, so two first events wait
 * for each other, and starts after its latest event, if any (`head` null).
 */
async function chainEnd(
  trx: Transaction<Database>,
  workspaceId: string,
): Promise<{ head: AuditHeadRecord; last: AuditHeadRecord } | { head: null; last: AuditHeadRecord | undefined }> {
  const head = await lockAuditHead(trx, workspaceId);
  if (head !== undefined) return { head, last: head };
  if (dialectOf(trx) === 'postgres') {
    await sql`select 1 from workspaces where id = ${workspaceId} for update`.execute(trx);
    // Another first event was recorded while this transaction waited: go on from its head.
    const made = await lockAuditHead(trx, workspaceId);
    if (made !== undefined) return { head: made, last: made };
  }
  const last = await trx
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { head: null, last };
}

/** Appends one event to the workspace's chain; call it inside the transaction of the change it records. */
export async function recordAudit(
  trx: Transaction<Database>,
  actor: Pick<Actor, 'userId' | 'roles' | 'ip'> & { workspaceId: string },
  at: Date,
  entry: AuditEntry,
): Promise<void> {
  const end = await chainEnd(trx, actor.workspaceId);
  const { last } = end;
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
  const head = { seq: fields.seq, hash };
  if (end.head === null) {
    await insertAuditHead(trx, actor.workspaceId, head, fields.at);
  } else if (!(await advanceAuditHead(trx, actor.workspaceId, end.head, head, fields.at))) {
    throw outOfStep(actor.workspaceId);
  }
}
