/**
 * Attachments (附件): files attached to a subject (a task, report, reading, close-out, notice or comment), with the
 * file's metadata. A removed attachment keeps its row, marked `removed_at`/`removed_by` (migration 0007); reads
 * leave such rows out.
 */
import { sql } from 'kysely';
import { dialectOf } from '../dialect.ts';
import type { Db } from '../database.ts';
import type { IsoInstant, NewAttachment } from '../schema.ts';

/** An attachment in force with its file's metadata (never the content). */
export interface AttachmentWithFileRow {
  id: string;
  subject_type: string;
  subject_id: string;
  file_id: string;
  created_by: string | null;
  /** The uploader's display name; null when it names nobody. */
  created_by_name: string | null;
  created_at: IsoInstant;
  name: string;
  media_type: string;
  size: number;
  sha256: string;
}

export async function insertAttachment(db: Db, row: NewAttachment): Promise<void> {
  await db.insertInto('attachments').values(row).execute();
}

function selectAttachments(db: Db, workspaceId: string) {
  return db
    .selectFrom('attachments as a')
    .innerJoin('files as f', (join) =>
      join.onRef('f.workspace_id', '=', 'a.workspace_id').onRef('f.id', '=', 'a.file_id'),
    )
    .leftJoin('users as cu', (join) =>
      join.onRef('cu.workspace_id', '=', 'a.workspace_id').onRef('cu.id', '=', 'a.created_by'),
    )
    .select([
      'a.id',
      'a.subject_type',
      'a.subject_id',
      'a.file_id',
      'a.created_by',
      'cu.display_name as created_by_name',
      'a.created_at',
      'f.name',
      'f.media_type',
      'f.size',
      'f.sha256',
    ])
    .where('a.workspace_id', '=', workspaceId)
    .where('a.removed_at', 'is', null);
}

/** An attachment of the workspace that has not been removed. */
export function findAttachment(db: Db, workspaceId: string, id: string): Promise<AttachmentWithFileRow | undefined> {
  return selectAttachments(db, workspaceId).where('a.id', '=', id).executeTakeFirst();
}

/** A subject's attachments in force, oldest first (the (subject_type, subject_id) index). */
export function findAttachmentsOfSubject(
  db: Db,
  workspaceId: string,
  subjectType: string,
  subjectId: string,
): Promise<AttachmentWithFileRow[]> {
  return selectAttachments(db, workspaceId)
    .where('a.subject_type', '=', subjectType)
    .where('a.subject_id', '=', subjectId)
    .orderBy('a.created_at')
    .orderBy('a.id')
    .execute();
}

/**
 * Marks an attachment removed, once: false when it is not there or was removed already (by a concurrent request).
 * The row stays, with who removed it and when, for the record.
 */
export async function markAttachmentRemoved(
  db: Db,
  workspaceId: string,
  id: string,
  removedAt: IsoInstant,
  removedBy: string,
): Promise<boolean> {
  const result = await db
    .updateTable('attachments')
    .set({ removed_at: removedAt, removed_by: removedBy })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A reading with the task of its target (null for a goal's target) and the report it came with (or null). */
export interface ReadingSubjectRow {
  id: string;
  report_id: string | null;
  task_id: string | null;
}

export function findReadingSubject(db: Db, workspaceId: string, id: string): Promise<ReadingSubjectRow | undefined> {
  return db
    .selectFrom('readings as r')
    .innerJoin('targets as g', (join) =>
      join.onRef('g.workspace_id', '=', 'r.workspace_id').onRef('g.id', '=', 'r.target_id'),
    )
    .select(['r.id', 'r.report_id', 'g.task_id'])
    .where('r.workspace_id', '=', workspaceId)
    .where('r.id', '=', id)
    .executeTakeFirst();
}

/** The tables whose rows hold the state that decides whether files may still be added to a subject. */
export type SubjectStateTable = 'reports' | 'close_outs' | 'notices';

/**
 * Locks a subject's row until the transaction ends (PostgreSQL), so that adding or removing a file and a change of
 * the subject's state (a report submitted, a request decided, a notice answered) happen one after the other. SQLite
 * needs no lock: one connection per process serialises its transactions.
 */
export async function lockSubjectRow(db: Db, workspaceId: string, table: SubjectStateTable, id: string): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await sql`select 1 from ${sql.table(table)} where workspace_id = ${workspaceId} and id = ${id} for update`.execute(
    db,
  );
}
