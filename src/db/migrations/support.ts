import type { Kysely } from 'kysely';

/**
 * Runs a migration's body in one transaction on both dialects. Kysely's migrator already wraps PostgreSQL
 * migrations in a transaction, but not SQLite's (its adapter reports no transactional DDL, though SQLite has it):
 * without this a failed migration would leave half a schema behind.
 */
export function transactional(up: (db: Kysely<unknown>) => Promise<void>): (db: Kysely<unknown>) => Promise<void> {
  return (db) => (db.isTransaction ? up(db) : db.transaction().execute(up));
}
