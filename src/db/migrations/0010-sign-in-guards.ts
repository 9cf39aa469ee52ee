/**
 * Sign-in guards (issue 9, findings 2, 3, 6a and 6c; 等保 2.0 level 3, 身份鉴别):
 *
 * - `users.last_failed_at`: when the latest failure that counted toward the lock-out happened. Failures count while
 *   each comes within the lock-out window (15 minutes) of the one before; the count, the lock and this column are
 *   written by one atomic statement (src/db/queries/sign-in-failure.queries.ts), never read and written back.
 * - `unknown_name_failures`: the same counter for sign-in names no account has, so that after five failures an
 *   unknown name answers 423 as an account does, and the answer does not tell which names exist. In the reserved
 *   `system` workspace (migration 0004); `id` is the SHA-256 (hex) of the normalised name, so the table keeps no
 *   typed text. A row lives only until `expires_at` — the end of its window or of its lock, after which it means
 *   the same as no row — and is swept then: the table holds at most the names tried in the last window.
 * - `password_history`: the scrypt hashes of the passwords each account has had before its current one (never the
 *   passwords), so a new password can be refused when it is one of the last five. Rows are inserted and pruned,
 *   never updated.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { sql, type ColumnDefinitionBuilder } from 'kysely';
import { transactional } from './support.ts';

const required = (c: ColumnDefinitionBuilder) => c.notNull();

export const up = transactional(async (db) => {
  await db.schema.alterTable('users').addColumn('last_failed_at', 'text').execute();

  await db.schema
    .createTable('unknown_name_failures')
    .addColumn('id', 'text', (c) => c.notNull().check(sql`length(id) = 64`))
    .addColumn('workspace_id', 'text', required)
    .addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version >= 1`),
    )
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().check(sql`failed_attempts >= 1`))
    .addColumn('last_failed_at', 'text', required)
    .addColumn('locked_until', 'text')
    .addColumn('expires_at', 'text', required)
    .addPrimaryKeyConstraint('unknown_name_failures_pkey', ['workspace_id', 'id'])
    .addForeignKeyConstraint('unknown_name_failures_workspace_id_fkey', ['workspace_id'], 'workspaces', ['id'])
    .execute();
  // The sweep of rows past their window or lock.
  await db.schema
    .createIndex('unknown_name_failures_expires_at_idx')
    .on('unknown_name_failures')
    .columns(['workspace_id', 'expires_at'])
    .execute();

  await db.schema
    .createTable('password_history')
    .addColumn('id', 'text', required)
    .addColumn('workspace_id', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('user_id', 'text', required)
    .addColumn('password_hash', 'text', required)
    .addPrimaryKeyConstraint('password_history_pkey', ['workspace_id', 'id'])
    .addForeignKeyConstraint('password_history_workspace_id_fkey', ['workspace_id'], 'workspaces', ['id'])
    .addForeignKeyConstraint('password_history_user_id_fkey', ['workspace_id', 'user_id'], 'users', [
      'workspace_id',
      'id',
    ])
    .execute();
  // An account's latest first.
  await db.schema
    .createIndex('password_history_user_id_idx')
    .on('password_history')
    .columns(['workspace_id', 'user_id', 'created_at'])
    .execute();
});

export const down = transactional(async (db) => {
  await db.schema.dropTable('password_history').execute();
  await db.schema.dropTable('unknown_name_failures').execute();
  await db.schema.alterTable('users').dropColumn('last_failed_at').execute();
});
