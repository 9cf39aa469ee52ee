/**
 * Pending OIDC sign-ins (src/services/oidc.service.ts): one row from the redirect to the provider until the browser
 * comes back to the callback, at most ten minutes. It holds what the callback must check and must not take from
 * the browser: the nonce the ID token has to carry, the PKCE code verifier, and where to go after sign-in.
 *
 * - `id` is the SHA-256 (hex) of the `state` parameter; the state itself travels only in the URL and in the
 *   browser's short-lived cookie, so a copy of this table completes nobody's sign-in.
 * - Single use: the callback deletes the row in the transaction that reads it, so a replayed callback finds none.
 * - The rows belong to no workspace yet (the user is not known until the callback): they live in the reserved
 *   `system` workspace (migration 0004), keyed like every other table.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { sql, type ColumnDefinitionBuilder } from 'kysely';
import { transactional } from './support.ts';

const required = (c: ColumnDefinitionBuilder) => c.notNull();

export const up = transactional(async (db) => {
  await db.schema
    .createTable('oidc_logins')
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
    .addColumn('expires_at', 'text', required)
    .addColumn('nonce', 'text', required)
    .addColumn('code_verifier', 'text', required)
    .addColumn('return_to', 'text', (c) => c.notNull().check(sql`return_to like '/%'`))
    .addPrimaryKeyConstraint('oidc_logins_pkey', ['workspace_id', 'id'])
    .addForeignKeyConstraint('oidc_logins_workspace_id_fkey', ['workspace_id'], 'workspaces', ['id'])
    .execute();
  // Expired rows are swept at each new sign-in.
  await db.schema
    .createIndex('oidc_logins_expires_at_idx')
    .on('oidc_logins')
    .columns(['workspace_id', 'expires_at'])
    .execute();
});

export const down = transactional(async (db) => {
  await db.schema.dropTable('oidc_logins').execute();
});
