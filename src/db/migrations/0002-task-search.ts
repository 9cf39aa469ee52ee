/**
 * Substring search over tasks.search_text that works for Chinese (no word boundaries to tokenise on).
 *
 * SQLite: nothing to build; `LIKE '%…%'` scans the workspace's tasks (thousands of rows, fast enough).
 * PostgreSQL: a trigram GIN index, which `ILIKE '%…%'` uses for needles of three or more characters, when the
 * pg_trgm extension is installed or may be installed here. When it may not (a managed server without the
 * extension, a role without the right), the migration does nothing and ILIKE scans as SQLite's LIKE does.
 */
import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';
import { transactional } from './support.ts';

async function trigramSchema(db: Kysely<unknown>): Promise<string | null> {
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema
    from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'pg_trgm'`.execute(db);
  return rows[0]?.schema ?? null;
}

/**
 * Installs pg_trgm into `public` if it is not there. `public`, not the schema the app works in: an extension lives
 * once per database, and one installed in a schema that is later dropped (a test's) would take every other
 * schema's trigram index with it.
 */
async function installTrigram(db: Kysely<unknown>): Promise<string | null> {
  // A failed statement aborts the whole migration transaction on PostgreSQL; the savepoint confines it.
  await sql`savepoint luoshi_pg_trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm with schema public`.execute(db);
    await sql`release savepoint luoshi_pg_trgm`.execute(db);
  } catch {
    await sql`rollback to savepoint luoshi_pg_trgm`.execute(db);
    await sql`release savepoint luoshi_pg_trgm`.execute(db);
  }
  return trigramSchema(db);
}

export const up = transactional(async (db) => {
  if (dialectOf(db) !== 'postgres') return;
  const schema = (await trigramSchema(db)) ?? (await installTrigram(db));
  if (schema === null) return;
  await sql`create index tasks_search_text_trgm_idx on tasks using gin (search_text ${sql.id(schema)}.gin_trgm_ops)`.execute(
    db,
  );
});

export const down = transactional(async (db) => {
  if (dialectOf(db) !== 'postgres') return;
  await sql`drop index if exists tasks_search_text_trgm_idx`.execute(db);
});
