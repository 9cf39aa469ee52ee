/**
 * The draft review of issue 10:
 * - `units.is_group` (0/1): a unit of the directory that stands for a group of bodies the plan names by a
 *   placeholder (各区、县级市, 各有关单位, 各街道、镇), kept as a group by the office in the draft review. A flag beside
 *   `kind` rather than a new kind: a group of towns is still about towns, and `kind`'s CHECK is written inline in
 *   0001 (widening it on SQLite means rebuilding `units`, which other tables reference).
 * - `plan_drafts (workspace_id, created_at, id)`: the list of drafts, newest first, a page at a time.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { sql } from 'kysely';
import { transactional } from './support.ts';

export const up = transactional(async (db) => {
  await db.schema
    .alterTable('units')
    .addColumn('is_group', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`is_group in (0, 1)`),
    )
    .execute();
  await db.schema
    .createIndex('plan_drafts_created_at_id_idx')
    .on('plan_drafts')
    .columns(['workspace_id', 'created_at', 'id'])
    .execute();
});

export const down = transactional(async (db) => {
  await db.schema.dropIndex('plan_drafts_created_at_id_idx').execute();
  await db.schema.alterTable('units').dropColumn('is_group').execute();
});
