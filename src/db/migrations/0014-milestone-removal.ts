/**
 * Removing a milestone (节点). A milestone is part of the record a task is judged on, so removing one does not delete
 * the row: it marks it once with when, by whom and why (`removed_at`, `removed_by`, `removed_reason`, null while it
 * is in force); lists, derived statuses and the war board leave marked rows out, and the audit trail records it.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { transactional } from './support.ts';

export const up = transactional(async (db) => {
  await db.schema.alterTable('milestones').addColumn('removed_at', 'text').execute();
  await db.schema.alterTable('milestones').addColumn('removed_by', 'text').execute();
  await db.schema.alterTable('milestones').addColumn('removed_reason', 'text').execute();
});

export const down = transactional(async (db) => {
  await db.schema.alterTable('milestones').dropColumn('removed_reason').execute();
  await db.schema.alterTable('milestones').dropColumn('removed_by').execute();
  await db.schema.alterTable('milestones').dropColumn('removed_at').execute();
});
