/**
 * The plan's own text for each task (its paragraph in the document the importer read), kept on the task when a
 * draft is confirmed and refreshed by a re-import, so the task page shows what the plan says without the file.
 * Null for tasks confirmed before this migration and for tasks the office wrote in the review.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { transactional } from './support.ts';

export const up = transactional(async (db) => {
  await db.schema.alterTable('tasks').addColumn('source_text', 'text').execute();
});

export const down = transactional(async (db) => {
  await db.schema.alterTable('tasks').dropColumn('source_text').execute();
});
