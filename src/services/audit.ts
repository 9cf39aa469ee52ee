/**
 * The audit trail: every change writes one event in the same transaction as the change, chained by hash per
 * workspace (see domain/audit-chain.ts). Appending locks the workspace row first, so two transactions cannot
 * both take the same sequence number; the unique (workspace_id, seq) index stops it even if they try. The chain's
 * head (audit_heads) moves on with each event; audit-verify.service.ts checks both. Nothing in the application
 * deletes an event: retention is unlimited (等保 asks for at least 180 days), and the database refuses deletes.
 */
import { sql, type Transaction } from 'kysely';
import { dialectOf } from '../db/dialect.ts';
import { advanceAuditHead, insertAuditHead } from '../db/queries/audit.queries.ts';
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

/** Appends one event to the workspace's chain; call it inside the transaction of the change it records. */
export async function recordAudit(
  trx: Transaction<Database>,
  actor: Pick<Actor, 'userId' | 'roles' | 'ip'> & { workspaceId: string },
  at: Date,
  entry: AuditEntry,
): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    await sql`select 1 from workspaces where id = ${actor.workspaceId} for update`.execute(trx);
  }
  const last = await trx
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
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
  await trx
    .insertInto('audit_events')
    .values({ ...fields, id: auditEventId(fields.seq), hash })
    .execute();
  // The chain head, kept apart from the events, moves on in the same transaction: verification compares the two
  // to find a chain cut at the end. A head out of step means the trail was tampered with: refuse (fail closed)
  // rather than chain new events onto it.
  const head = { seq: fields.seq, hash };
  if (last === undefined) {
    await insertAuditHead(trx, actor.workspaceId, head, fields.at);
  } else if (!(await advanceAuditHead(trx, actor.workspaceId, last.seq, head, fields.at))) {
    throw new Error(
      `审计链头与审计事件不一致，拒绝记录（the audit chain head of ${actor.workspaceId} is out of step with its events; run luoshi audit verify）`,
    );
  }
}
