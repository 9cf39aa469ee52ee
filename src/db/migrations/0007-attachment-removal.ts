/**
 * Removing an attachment. Attachments are append-only evidence: removing one (its uploader while the subject is
 * still open to them, or the plan office) does not delete the row nor the file, it marks the row once with when
 * and by whom (`removed_at`, `removed_by`, both null while it is in force); lists leave marked rows out, and the
 * audit trail records the removal. No version column: the mark is set once, by an update guarded by
 * `removed_at is null`, so a second removal finds nothing to mark.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { transactional } from './support.ts';

export const up = transactional(async (db) => {
  await db.schema.alterTable('attachments').addColumn('removed_at', 'text').execute();
  await db.schema.alterTable('attachments').addColumn('removed_by', 'text').execute();
});

export const down = transactional(async (db) => {
  await db.schema.alterTable('attachments').dropColumn('removed_by').execute();
  await db.schema.alterTable('attachments').dropColumn('removed_at').execute();
});
