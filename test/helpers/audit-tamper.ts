/**
 * Tampering with the audit trail the way an attacker with database access would: the append-only triggers of
 * migration 0008 stand in the way of ordinary statements, so they are first dropped (SQLite) or disabled
 * (PostgreSQL), and put back afterwards so the rest of the suite runs against a guarded table again.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, DialectName } from '../../src/db/database.ts';
import type { AuditEventRow } from '../../src/db/schema.ts';
import { GENESIS_HASH, hashEvent } from '../../src/domain/audit-chain.ts';
import { auditEventId } from '../../src/services/audit.ts';

const GUARDED_TABLES = ['audit_events', 'audit_heads'] as const;

/** Runs `tamper` with the audit tables' guards off. */
export async function withoutAuditGuards<T>(db: Db, dialect: DialectName, tamper: () => Promise<T>): Promise<T> {
  if (dialect === 'postgres') {
    for (const table of GUARDED_TABLES) await sql`alter table ${sql.table(table)} disable trigger user`.execute(db);
    try {
      return await tamper();
    } finally {
      for (const table of GUARDED_TABLES) await sql`alter table ${sql.table(table)} enable trigger user`.execute(db);
    }
  }
  const { rows } = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
    where type = 'trigger' and tbl_name in ('audit_events', 'audit_heads')`.execute(db);
  for (const { name } of rows) await sql`drop trigger ${sql.id(name)}`.execute(db);
  try {
    return await tamper();
  } finally {
    for (const trigger of rows) await sql.raw(trigger.sql).execute(db);
  }
}

/** A workspace's events in chain order. */
export function auditTrailOf(db: Db, workspaceId: string): Promise<AuditEventRow[]> {
  return db
    .selectFrom('audit_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('seq')
    .orderBy('id')
    .execute();
}

/** Changes fields of the event at `seq`, leaving its hash as it was. */
export async function changeAuditEvent(
  db: Db,
  dialect: DialectName,
  workspaceId: string,
  seq: number,
  change: Partial<Pick<AuditEventRow, 'detail' | 'actor_id' | 'at' | 'outcome' | 'action' | 'hash'>>,
): Promise<void> {
  await withoutAuditGuards(db, dialect, async () => {
    for (const [column, value] of Object.entries(change)) {
      await sql`update audit_events set ${sql.ref(column)} = ${value}
        where workspace_id = ${workspaceId} and seq = ${seq}`.execute(db);
    }
  });
}

export async function deleteAuditEvent(db: Db, dialect: DialectName, workspaceId: string, seq: number): Promise<void> {
  await withoutAuditGuards(db, dialect, async () => {
    await sql`delete from audit_events where workspace_id = ${workspaceId} and seq = ${seq}`.execute(db);
  });
}

/**
 * Inserts a forged event at `seq`, chained correctly on the event before it, as a careful forger would: the events
 * from `seq` on are first moved one seq (and id) down the chain to make room. At the end of the chain nothing moves,
 * and the head is left as it was. Returns the forged event's id.
 */
export async function insertForgedAuditEvent(
  db: Db,
  dialect: DialectName,
  workspaceId: string,
  seq: number,
): Promise<string> {
  return withoutAuditGuards(db, dialect, async () => {
    const later = (await auditTrailOf(db, workspaceId)).filter((event) => event.seq >= seq).reverse();
    for (const event of later) {
      await sql`update audit_events set seq = ${event.seq + 1}, id = ${auditEventId(event.seq + 1)}
        where workspace_id = ${workspaceId} and id = ${event.id}`.execute(db);
    }
    const previous = (await auditTrailOf(db, workspaceId)).find((event) => event.seq === seq - 1);
    const fields = {
      workspace_id: workspaceId,
      seq,
      at: previous?.at ?? '2021-07-01T02:00:00.000Z',
      actor_id: 'usr_forger',
      actor_roles: '["office"]',
      action: 'report.delete',
      subject_type: 'report',
      subject_id: 'rpt_forged',
      detail: '{}',
      ip: null,
      outcome: 'success' as const,
      prev_hash: previous?.hash ?? null,
    };
    const id = auditEventId(seq);
    const hash = hashEvent(previous?.hash ?? GENESIS_HASH, fields);
    await db
      .insertInto('audit_events')
      .values({ ...fields, id, hash })
      .execute();
    return id;
  });
}

/** Deletes the workspace's chain head. */
export async function deleteAuditHead(db: Db, dialect: DialectName, workspaceId: string): Promise<void> {
  await withoutAuditGuards(db, dialect, async () => {
    await sql`delete from audit_heads where workspace_id = ${workspaceId}`.execute(db);
  });
}

/** An AUDIT_KEY for tests, as the environment would give it (hex), and the key it makes. */
export const TEST_AUDIT_KEY_HEX = '3c9e1f4a7b2d8e5f0a6c3b9d1e7f4a2c8b5d0e3f6a9c2b7d4e1f8a5c0b3d6e9f';
export const testAuditKey = (hex = TEST_AUDIT_KEY_HEX): KeyObject => createSecretKey(Buffer.from(hex, 'hex'));

/** A workspace's head row as stored. */
export function auditHeadOf(db: Db, workspaceId: string) {
  return db
    .selectFrom('audit_heads')
    .select(['seq', 'hash', 'hmac'])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
}

/**
 * The finding's attack: with database access and no key, change the event at `seq` and recompute the hash of it and
 * of every later event, and move the head onto the new last hash — a chain that walks whole. The head's HMAC, which
 * needs the key, is left as it was (or cleared, with `clearHmac`).
 */
export async function rewriteAuditChain(
  db: Db,
  dialect: DialectName,
  workspaceId: string,
  seq: number,
  change: Partial<Pick<AuditEventRow, 'detail' | 'actor_id' | 'action'>>,
  options: { clearHmac?: boolean } = {},
): Promise<void> {
  await withoutAuditGuards(db, dialect, async () => {
    let previous: string | null = null;
    for (const event of await auditTrailOf(db, workspaceId)) {
      if (event.seq < seq) {
        previous = event.hash;
        continue;
      }
      const { id: _id, hash: _hash, ...fields } = { ...event, ...(event.seq === seq ? change : {}) };
      const rewritten = { ...fields, prev_hash: previous };
      const hash = hashEvent(previous ?? GENESIS_HASH, rewritten);
      for (const [column, value] of Object.entries({
        ...(event.seq === seq ? change : {}),
        prev_hash: previous,
        hash,
      })) {
        await sql`update audit_events set ${sql.ref(column)} = ${value}
          where workspace_id = ${workspaceId} and id = ${event.id}`.execute(db);
      }
      previous = hash;
    }
    const last = (await auditTrailOf(db, workspaceId)).at(-1);
    await db
      .updateTable('audit_heads')
      .set({ seq: last?.seq ?? 0, hash: last?.hash ?? '', ...(options.clearHmac === true ? { hmac: null } : {}) })
      .where('workspace_id', '=', workspaceId)
      .execute();
  });
}

/**
 * The truncation: delete the events after `head.seq` and put back that earlier head as it was stored, HMAC and all
 * (an old backup, or a copy the attacker kept). The chain then walks whole, and the HMAC holds.
 */
export async function truncateAuditChain(
  db: Db,
  dialect: DialectName,
  workspaceId: string,
  head: { seq: number; hash: string; hmac: string | null },
): Promise<void> {
  await withoutAuditGuards(db, dialect, async () => {
    await sql`delete from audit_events where workspace_id = ${workspaceId} and seq > ${head.seq}`.execute(db);
    await db
      .updateTable('audit_heads')
      .set({ seq: head.seq, hash: head.hash, hmac: head.hmac })
      .where('workspace_id', '=', workspaceId)
      .execute();
  });
}
