/**
 * Where a database's schema stands against this code's migrations, read without changing anything: for tools that
 * must not migrate (`luoshi audit verify` reads a database as it is, and refuses one whose schema is older).
 */
import { Migrator, sql } from 'kysely';
import { dialectOf, type Db } from './database.ts';
import { MIGRATIONS } from './migrations/index.ts';

export interface MigrationStatus {
  /** No migration has been applied: an empty database, or not one of Luoshi's. */
  isEmpty: boolean;
  /** Migrations of this code not applied yet, in order. */
  pending: string[];
}

export async function migrationStatus(db: Db): Promise<MigrationStatus> {
  let schema: string | undefined;
  if (dialectOf(db) === 'postgres') {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    schema = rows[0]?.schema ?? undefined;
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    // As in migrateToLatest: Kysely's bookkeeping table lives in the connection's own schema.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  // getMigrations only reads (it does not create the bookkeeping table when it is missing).
  const migrations = await migrator.getMigrations();
  return {
    isEmpty: migrations.every((migration) => migration.executedAt === undefined),
    pending: migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name),
  };
}
