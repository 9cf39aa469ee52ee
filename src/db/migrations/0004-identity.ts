/**
 * Identity: users (a workspace's people, with their roles and, for unit roles, their unit), server-side sessions,
 * and the reserved `system` workspace whose audit chain records what belongs to no workspace (a sign-in attempt
 * with a user name nobody has).
 *
 * Passwords are stored only as memory-hard hashes (scrypt, `src/services/password-hash.ts`); sessions only as the
 * SHA-256 of their token, so a copy of the database signs nobody in.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { sql, type ColumnDefinitionBuilder } from 'kysely';
import { transactional } from './support.ts';

/** The workspace of events that belong to none; never listed as a user's workspace. */
const SYSTEM_WORKSPACE_ID = 'system';

function flag(column: string) {
  return (c: ColumnDefinitionBuilder) =>
    c
      .notNull()
      .defaultTo(0)
      .check(sql`${sql.ref(column)} in (0, 1)`);
}

export const up = transactional(async (db) => {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version >= 1`),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    // Sign-in names are unique across workspaces: the sign-in form asks for no workspace.
    .addColumn('username', 'text', (c) => c.notNull().check(sql`length(username) between 1 and 64`))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'text')
    .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('password_hash', 'text')
    .addColumn('password_changed_at', 'text')
    .addColumn('must_change_password', 'integer', flag('must_change_password'))
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'text')
    .addColumn('disabled', 'integer', flag('disabled'))
    .addColumn('oidc_subject', 'text')
    .addColumn('last_sign_in_at', 'text')
    .addColumn('created_by', 'text')
    .addPrimaryKeyConstraint('users_pkey', ['workspace_id', 'id'])
    .addForeignKeyConstraint('users_workspace_id_fkey', ['workspace_id'], 'workspaces', ['id'])
    .addForeignKeyConstraint('users_unit_id_fkey', ['workspace_id', 'unit_id'], 'units', ['workspace_id', 'id'])
    .execute();
  await db.schema.createIndex('users_username_key').on('users').column('username').unique().execute();
  await db.schema.createIndex('users_oidc_subject_key').on('users').column('oidc_subject').unique().execute();
  await db.schema.createIndex('users_unit_id_idx').on('users').columns(['workspace_id', 'unit_id']).execute();

  await db.schema
    .createTable('sessions')
    // The SHA-256 (hex) of the token in the cookie; the token itself is never stored.
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version >= 1`),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    // The last request seen (written at most once a minute): the idle timeout counts from here.
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('via', 'text', (c) => c.notNull().check(sql`via in ('password', 'oidc')`))
    .addColumn('revoked_at', 'text')
    .addPrimaryKeyConstraint('sessions_pkey', ['id'])
    .addForeignKeyConstraint('sessions_user_id_fkey', ['workspace_id', 'user_id'], 'users', ['workspace_id', 'id'])
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').columns(['workspace_id', 'user_id']).execute();

  const at = '1970-01-01T00:00:00.000Z';
  await sql`insert into workspaces (id, name, time_zone, created_at, updated_at)
    values (${SYSTEM_WORKSPACE_ID}, ${'系统（system）'}, ${'Asia/Shanghai'}, ${at}, ${at})`.execute(db);
});

export const down = transactional(async (db) => {
  await db.schema.dropTable('sessions').execute();
  await db.schema.dropTable('users').execute();
  await sql`delete from audit_events where workspace_id = ${SYSTEM_WORKSPACE_ID}`.execute(db);
  await sql`delete from workspaces where id = ${SYSTEM_WORKSPACE_ID}`.execute(db);
});
