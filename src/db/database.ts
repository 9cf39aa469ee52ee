/**
 * Opening the database and bringing its schema up to date. SQLite (better-sqlite3, one file, WAL) by default;
 * PostgreSQL (a `pg` pool) when DATABASE_URL says postgres://. The same Kysely<Database> either way.
 */
import type { KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type SqliteDatabase as KyselySqlite } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { withAuditKey } from './audit-key.ts';
import { dialectOf, type DialectName } from './dialect.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { preparingPool } from './prepared-statements.ts';
import type { Database } from './schema.ts';

export { dialectOf, type DialectName } from './dialect.ts';

/** A handle for queries: the database or a transaction (`Transaction<Database>` is a `Kysely<Database>`). */
export type Db = Kysely<Database>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly dialect: DialectName;
  /** Closes the file or ends the pool; the handle is unusable after. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL pool size (default 10). */
  readonly poolSize?: number;
  /** How long SQLite waits for another writer's lock, and PostgreSQL for a connection, in ms (default 5000). */
  readonly timeoutMs?: number;
}

/** The database could not be opened or reached. One line, Chinese first; the password never appears. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
  constructor(where: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`无法打开数据库 ${where}：${reason}（Cannot open the database ${where}）`, options);
  }
}

/** A migration failed; the schema stays at the last migration that succeeded (each runs in its own transaction). */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migration: string | null,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    const which = migration ?? '(migrator)';
    super(`数据库迁移失败：${which}：${reason}（Database migration ${which} failed）`, options);
  }
}

/**
 * Opens the configured database. It does not migrate: call `migrateToLatest` once at start. With an `auditKey` (the
 * whole `Config` carries AUDIT_KEY's), the handle carries it (src/db/audit-key.ts), so every audit event written
 * through it anchors its chain head.
 */
export async function openDatabase(
  config: { readonly database: DatabaseConfig; readonly auditKey?: KeyObject | null },
  options: OpenOptions = {},
): Promise<DatabaseHandle> {
  const handle =
    config.database.dialect === 'sqlite'
      ? openSqlite(config.database.filename, options)
      : await openPostgres(config.database, options);
  return { ...handle, db: withAuditKey(handle.db, config.auditKey ?? null) };
}

function openSqlite(filename: string, options: OpenOptions): DatabaseHandle {
  const timeoutMs = options.timeoutMs ?? 5000;
  let sqlite: SqliteDatabase.Database | undefined;
  try {
    if (filename !== ':memory:') mkdirSync(dirname(resolve(filename)), { recursive: true });
    sqlite = new SqliteDatabase(filename, { timeout: timeoutMs });
    // WAL: readers never wait for the writer, and a commit is one append (the API's write rate depends on it).
    // An in-memory database answers "memory" and stays so.
    sqlite.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; a power cut may lose the last commits, not the file.
    sqlite.pragma('synchronous = NORMAL');
    // SQLite ignores REFERENCES unless asked, per connection.
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${Math.trunc(timeoutMs)}`);
  } catch (error) {
    sqlite?.close();
    throw new DatabaseOpenError(`sqlite:${filename}`, { cause: error });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: keepingStatements(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** How many prepared statements a SQLite connection keeps (distinct SQL texts, least recently used out first). */
const STATEMENTS_KEPT = 500;

/**
 * The connection as Kysely's driver sees it, with its prepared statements kept: the driver prepares every query
 * anew, and preparing costs about as much as running a small query (a dashboard's 13 statements spent 1 ms of its
 * 20 on it). A statement is handed out again only when idle — not in the middle of an iteration.
 */
function keepingStatements(sqlite: SqliteDatabase.Database): KyselySqlite {
  const kept = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text) {
      const statement = kept.get(text);
      if (statement !== undefined && !statement.busy) {
        // Most recently used last: the map's order is the eviction order.
        kept.delete(text);
        kept.set(text, statement);
        return statement;
      }
      const fresh = sqlite.prepare(text);
      if (statement === undefined) {
        if (kept.size >= STATEMENTS_KEPT) kept.delete(kept.keys().next().value as string);
        kept.set(text, fresh);
      }
      return fresh;
    },
  };
}

/** postgres://user:secret@host/db → postgres://user@host/db, for messages. */
function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = '';
    return url.toString();
  } catch {
    return 'postgres://…';
  }
}

async function openPostgres(
  { connectionString, schema, prepare }: Extract<DatabaseConfig, { dialect: 'postgres' }>,
  options: OpenOptions,
): Promise<DatabaseHandle> {
  // pg returns int8 (count(*), sum of integers) and numeric (avg) as strings, to be safe beyond 2^53. Luoshi's
  // counts and sums stay far below that, and SQLite returns numbers, so both dialects answer with numbers.
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, Number);
  types.setTypeParser(pg.types.builtins.NUMERIC, Number);
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.timeoutMs ?? 5000,
    types,
    // The schema is a lower-case identifier (config.ts checks it), so it needs no quoting here.
    ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: prepare ? preparingPool(pool) : pool }) });
  try {
    if (schema !== null) await ensureSchema(db, schema);
    else await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new DatabaseOpenError(redact(connectionString) + (schema === null ? '' : ` (schema ${schema})`), {
      cause: error,
    });
  }
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

async function ensureSchema(db: Db, schema: string): Promise<void> {
  const exists = async () =>
    (await sql`select 1 from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db)).rows.length > 0;
  if (await exists()) return;
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two processes creating it at once: IF NOT EXISTS does not stop the loser's unique violation.
    if (!(await exists())) throw error;
  }
}

/**
 * Applies every migration not yet applied, in order, and returns their names (none when up to date). Concurrent
 * callers are serialised (PostgreSQL: an advisory lock; SQLite: one connection). Throws `MigrationError`.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    // Kysely looks for its bookkeeping table in every schema unless told which; with several Luoshi schemas in one
    // PostgreSQL database (tests, or tenants) it must be this connection's own.
    ...(dialectOf(db) === 'postgres' ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationError(failed?.migrationName ?? null, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

async function currentSchema(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === null || schema === undefined) {
    throw new MigrationError(null, { cause: new Error('no schema on the search_path exists') });
  }
  return schema;
}
