/**
 * Rate-limit counters in the database (issue 9, finding 6), so that several app processes serving one database
 * share one count per key: sign-in per client address, uploads per user, and the general API limit per session and
 * per address (src/services/rate-limit.service.ts).
 *
 * - One row per key and fixed one-minute window; `id` is `<scope>|<window start>|<key>`. A request counts with one
 *   `insert … on conflict do update set hits = hits + 1 … returning hits` (atomic on both dialects: no read and
 *   rewrite, so parallel requests cannot both see the same count).
 * - `expires_at` is the window's end; the app deletes ended windows about once a minute, through the index below,
 *   so the table holds at most the keys of the current and the previous window.
 * - The rows belong to no workspace: they live in the reserved `system` workspace (migration 0004), which the code
 *   names as a constant.
 * - On PostgreSQL the table is UNLOGGED: a counter is not worth a WAL write and flush on every request, and losing
 *   the counts of one minute in a crash (or on a promoted standby, which does not have them) costs nothing.
 * - No foreign key to `workspaces`, unlike every other table: its check locks the `system` workspace row, a WAL
 *   record in a logged table, so every new key (each address's first request in a minute) would wait for a WAL
 *   flush — measured with pgbench on the test server: 9.3 ms per insert with the key, 0.64 ms without.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { sql, type ColumnDefinitionBuilder } from 'kysely';
import { dialectOf } from '../dialect.ts';
import { transactional } from './support.ts';

const required = (c: ColumnDefinitionBuilder) => c.notNull();

export const up = transactional(async (db) => {
  const create = db.schema.createTable('rate_limits');
  await (dialectOf(db) === 'postgres' ? create.modifyFront(sql`unlogged`) : create)
    .addColumn('id', 'text', (c) => c.notNull().check(sql`length(id) between 1 and 300`))
    .addColumn('workspace_id', 'text', required)
    .addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version >= 1`),
    )
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addColumn('expires_at', 'text', required)
    .addColumn('hits', 'integer', (c) => c.notNull().check(sql`hits >= 1`))
    .addPrimaryKeyConstraint('rate_limits_pkey', ['workspace_id', 'id'])
    .execute();
  await db.schema
    .createIndex('rate_limits_expires_at_idx')
    .on('rate_limits')
    .columns(['workspace_id', 'expires_at'])
    .execute();
});

export const down = transactional(async (db) => {
  await db.schema.dropTable('rate_limits').execute();
});
