/**
 * The audit trail: events (append-only, hash-chained per workspace) and each workspace's chain head. Events are read
 * in pages by keyset, so a walk over millions of them holds one page at a time.
 */
import type { ExpressionBuilder } from 'kysely';
import type { Db } from '../database.ts';
import { dialectOf } from '../dialect.ts';
import type { AuditEventRow, AuditOutcome, Database } from '../schema.ts';

/** The id of every workspace's one head row. */
export const AUDIT_HEAD_ID = 'head';

/**
 * The columns of an event as written by the audit writer: the row id, the fields its hash covers, and the hash.
 * Named one by one, so a column added later is not read into (or hashed with) events written before it.
 */
const EVENT_COLUMNS = [
  'id',
  'workspace_id',
  'seq',
  'at',
  'actor_id',
  'actor_roles',
  'action',
  'subject_type',
  'subject_id',
  'detail',
  'ip',
  'outcome',
  'prev_hash',
  'hash',
] as const satisfies readonly (keyof AuditEventRow)[];

export type AuditEventRecord = Pick<AuditEventRow, (typeof EVENT_COLUMNS)[number]>;

/** A chain's latest event: its seq and hash. */
export interface AuditChainEnd {
  seq: number;
  hash: string;
}

/** The head as stored: the chain's end and its HMAC under AUDIT_KEY (null until anchored). */
export interface AuditHeadRecord extends AuditChainEnd {
  hmac: string | null;
}

/**
 * The workspace's chain head. With `lock` (the audit writer, before it appends), on PostgreSQL the row stays locked
 * until the transaction ends, so writers of one workspace take their turns; SQLite has one writer at a time.
 */
export function findAuditHead(
  db: Db,
  workspaceId: string,
  options: { lock?: boolean } = {},
): Promise<AuditHeadRecord | undefined> {
  const query = db
    .selectFrom('audit_heads')
    .select(['seq', 'hash', 'hmac'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', AUDIT_HEAD_ID);
  return (options.lock === true && dialectOf(db) === 'postgres' ? query.forNoKeyUpdate() : query).executeTakeFirst();
}

/**
 * Locks the workspace row (PostgreSQL; a no-op on SQLite) for a workspace's first event, which has no head to lock
 * yet: two first events wait for each other.
 */
export async function lockWorkspaceForFirstAuditEvent(db: Db, workspaceId: string): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).forUpdate().execute();
}

/** The workspace's latest event by seq (a trail that has no head yet). */
export function findLatestAuditEvent(db: Db, workspaceId: string): Promise<AuditChainEnd | undefined> {
  return db
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The head of a workspace's first event (or of a trail whose head was lost). */
export async function insertAuditHead(db: Db, workspaceId: string, head: AuditHeadRecord, at: string): Promise<void> {
  await db
    .insertInto('audit_heads')
    .values({ id: AUDIT_HEAD_ID, workspace_id: workspaceId, created_at: at, updated_at: at, ...head })
    .execute();
}

/**
 * Moves the head from `from` onto the new latest event; false when the head was not at `from`, or `from` names no
 * stored event (the trail was cut at its end). The statement reads the events afresh, after the head was locked.
 */
export async function advanceAuditHead(
  db: Db,
  workspaceId: string,
  from: AuditChainEnd,
  head: AuditHeadRecord,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('audit_heads')
    .set((eb) => ({
      seq: head.seq,
      hash: head.hash,
      hmac: head.hmac,
      version: eb('version', '+', 1),
      updated_at: at,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', AUDIT_HEAD_ID)
    .where('seq', '=', from.seq)
    .where('hash', '=', from.hash)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('audit_events as e')
          .select('e.seq')
          .where('e.workspace_id', '=', workspaceId)
          .where('e.seq', '=', from.seq)
          .where('e.hash', '=', from.hash),
      ),
    )
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * A page of a workspace's events in chain order, `(seq, id)`, after `after` (a second row under one seq — which
 * only tampering makes — is not skipped), up to `maxSeq` when given. Reads the unique (workspace_id, seq) index.
 */
export function findAuditEventsInChainOrder(
  db: Db,
  workspaceId: string,
  options: { after?: { seq: number; id: string } | null; maxSeq?: number; limit: number },
): Promise<AuditEventRecord[]> {
  const { after, maxSeq } = options;
  let query = db.selectFrom('audit_events').select(EVENT_COLUMNS).where('workspace_id', '=', workspaceId);
  if (after != null) {
    query = query
      .where('seq', '>=', after.seq)
      .where((eb) => eb.or([eb('seq', '>', after.seq), eb('id', '>', after.id)]));
  }
  if (maxSeq !== undefined) query = query.where('seq', '<=', maxSeq);
  return query.orderBy('seq').orderBy('id').limit(options.limit).execute();
}

/** The stored event at a seq (the first by id, should tampering have put two there). */
export function findAuditEventAt(db: Db, workspaceId: string, seq: number): Promise<AuditEventRecord | undefined> {
  return db
    .selectFrom('audit_events')
    .select(EVENT_COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('seq', '=', seq)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

export interface AuditEventFilter {
  /** `at >= from` (ISO instant). */
  from?: string;
  /** `at < to` (ISO instant). */
  to?: string;
  actorId?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  outcome?: AuditOutcome;
}

/** The conditions of a workspace's events matching `filter`. */
function matchingEvents(
  eb: ExpressionBuilder<Database, 'audit_events'>,
  workspaceId: string,
  filter: AuditEventFilter,
) {
  const conditions = [eb('audit_events.workspace_id', '=', workspaceId)];
  if (filter.from !== undefined) conditions.push(eb('audit_events.at', '>=', filter.from));
  if (filter.to !== undefined) conditions.push(eb('audit_events.at', '<', filter.to));
  if (filter.actorId !== undefined) conditions.push(eb('audit_events.actor_id', '=', filter.actorId));
  if (filter.action !== undefined) conditions.push(eb('audit_events.action', '=', filter.action));
  if (filter.subjectType !== undefined) conditions.push(eb('audit_events.subject_type', '=', filter.subjectType));
  if (filter.subjectId !== undefined) conditions.push(eb('audit_events.subject_id', '=', filter.subjectId));
  if (filter.outcome !== undefined) conditions.push(eb('audit_events.outcome', '=', filter.outcome));
  return eb.and(conditions);
}

/**
 * A page of a workspace's events matching `filter`, oldest first after `afterSeq` up to `maxSeq` (an export,
 * consistent with the head it ends with). The stored columns only: an export is the record as written.
 */
export function findAuditEventPage(
  db: Db,
  workspaceId: string,
  filter: AuditEventFilter,
  page: { afterSeq?: number; maxSeq: number; limit: number },
): Promise<AuditEventRecord[]> {
  let query = db
    .selectFrom('audit_events')
    .select(EVENT_COLUMNS)
    .where((eb) => matchingEvents(eb, workspaceId, filter));
  if (page.afterSeq !== undefined) query = query.where('seq', '>', page.afterSeq);
  return query.where('seq', '<=', page.maxSeq).orderBy('seq').orderBy('id').limit(page.limit).execute();
}

/** An event with its actor's display name: null for an id that names no user of the event's workspace. */
export interface AuditEventWithActorRow extends AuditEventRecord {
  actor_name: string | null;
}

/**
 * A page of a workspace's events matching `filter`, newest first after the cursor `beforeSeq` (the administrator's
 * list), each with its actor's name from the users of the same workspace — so the `system` chain names nobody of
 * any workspace — in the same statement.
 */
export function findAuditEventListPage(
  db: Db,
  workspaceId: string,
  filter: AuditEventFilter,
  page: { beforeSeq?: number; limit: number },
): Promise<AuditEventWithActorRow[]> {
  let query = db
    .selectFrom('audit_events')
    .leftJoin('users as au', (join) =>
      join.onRef('au.workspace_id', '=', 'audit_events.workspace_id').onRef('au.id', '=', 'audit_events.actor_id'),
    )
    .select(EVENT_COLUMNS.map((column) => `audit_events.${column}` as const))
    .select('au.display_name as actor_name')
    .where((eb) => matchingEvents(eb, workspaceId, filter));
  if (page.beforeSeq !== undefined) query = query.where('audit_events.seq', '<', page.beforeSeq);
  return query.orderBy('audit_events.seq', 'desc').orderBy('audit_events.id', 'desc').limit(page.limit).execute();
}

/** A stored head with its workspace's time zone (for exporting heads at each local change of day). */
export interface AuditHeadOfWorkspace extends AuditHeadRecord {
  workspaceId: string;
  timeZone: string;
  /** When the head last moved (its latest event was written). */
  updatedAt: string;
}

/** A page of the stored heads, in workspace id order, after `afterWorkspaceId`. */
export async function findAuditHeads(
  db: Db,
  afterWorkspaceId: string | null,
  limit: number,
): Promise<AuditHeadOfWorkspace[]> {
  let query = db
    .selectFrom('audit_heads as h')
    .innerJoin('workspaces as w', 'w.id', 'h.workspace_id')
    .select(['h.workspace_id', 'h.seq', 'h.hash', 'h.hmac', 'h.updated_at', 'w.time_zone'])
    .where('h.id', '=', AUDIT_HEAD_ID);
  if (afterWorkspaceId !== null) query = query.where('h.workspace_id', '>', afterWorkspaceId);
  const rows = await query.orderBy('h.workspace_id').limit(limit).execute();
  return rows.map((row) => ({
    workspaceId: row.workspace_id,
    seq: row.seq,
    hash: row.hash,
    hmac: row.hmac,
    updatedAt: row.updated_at,
    timeZone: row.time_zone,
  }));
}

/** Workspaces whose head carries no HMAC, in id order: what a process holding AUDIT_KEY anchors at start. */
export async function findWorkspacesWithUnanchoredAuditHeads(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('audit_heads')
    .select('workspace_id')
    .where('id', '=', AUDIT_HEAD_ID)
    .where('hmac', 'is', null)
    .orderBy('workspace_id')
    .execute();
  return rows.map((row) => row.workspace_id);
}

/** A page of workspace ids, in id order, after `afterId`. */
export async function findWorkspaceIds(db: Db, afterId: string | null, limit: number): Promise<string[]> {
  let query = db.selectFrom('workspaces').select('id');
  if (afterId !== null) query = query.where('id', '>', afterId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map((row) => row.id);
}

export async function workspaceExists(db: Db, workspaceId: string): Promise<boolean> {
  const row = await db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst();
  return row !== undefined;
}
