/**
 * Real databases for tests: every suite written with `describeEachDatabase` runs once on SQLite (a fresh file in a
 * temporary folder) and once on PostgreSQL (a fresh schema `luoshi_test_<random>`, dropped afterwards).
 *
 * - PostgreSQL is LUOSHI_TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test (the database is created
 *   when missing). Outside CI, when it does not answer, its suites are skipped with one warning line; in CI (any
 *   non-empty CI, see ci.ts) they run and fail.
 * - LUOSHI_TEST_DB=sqlite or LUOSHI_TEST_DB=postgres runs one dialect only, for a quick local run (refused in CI).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { migrateToLatest, openDatabase, type DatabaseHandle, type DialectName } from '../../src/db/database.ts';
import { isCi } from './ci.ts';

export const TEST_POSTGRES_URL = process.env.LUOSHI_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

function selectedDialects(): DialectName[] {
  const only = process.env.LUOSHI_TEST_DB;
  if (only === undefined || only === '') return ['sqlite', 'postgres'];
  // CI runs every dialect: a narrowed run there would pass without the other database.
  if (isCi) throw new Error(`LUOSHI_TEST_DB="${only}" 在 CI 中不允许（CI runs every dialect; unset LUOSHI_TEST_DB）`);
  if (only === 'sqlite' || only === 'postgres') return [only];
  throw new Error(`LUOSHI_TEST_DB 只能是 sqlite 或 postgres，实际为 "${only}"`);
}

/** The dialects this run covers. */
export const TEST_DIALECTS: readonly DialectName[] = selectedDialects();

let postgresReady: Promise<void> | undefined;

/** Reaches the test server and creates the test database when it is missing. Once per test file. */
function ensurePostgres(): Promise<void> {
  postgresReady ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await dropStaleSchemas(client);
      return;
    } catch (error) {
      // 3D000 invalid_catalog_name: the server answers but the database does not exist yet.
      if ((error as { code?: unknown }).code !== '3D000') throw error;
    } finally {
      await client.end().catch(() => {});
    }
    const url = new URL(TEST_POSTGRES_URL);
    const name = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
    await admin.connect();
    try {
      await admin.query(`create database "${name.replaceAll('"', '""')}"`);
    } catch (error) {
      // 42P04 duplicate_database, 23505: another worker created it first.
      const code = (error as { code?: unknown }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    } finally {
      await admin.end();
    }
  })();
  return postgresReady;
}

const SCHEMA_PREFIX = 'luoshi_test_';
// A schema outlives its test run only when the run was killed; one this old belongs to no run still going.
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/** `luoshi_test_<creation time, base 36>_<random>`: unique, and old ones can be recognised and dropped. */
function newSchemaName(): string {
  return `${SCHEMA_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

async function dropStaleSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `select nspname as name from pg_catalog.pg_namespace where starts_with(nspname, $1)`,
    [SCHEMA_PREFIX],
  );
  for (const { name } of rows) {
    const created = parseInt(name.slice(SCHEMA_PREFIX.length).split('_')[0] ?? '', 36);
    if (Number.isFinite(created) && Date.now() - created > STALE_AFTER_MS) {
      await client.query(`drop schema if exists "${name.replaceAll('"', '""')}" cascade`).catch(() => {});
    }
  }
}

/** Warns once per test run (workers are processes of one parent), not once per file. */
function warnOnce(message: string): void {
  try {
    writeFileSync(join(tmpdir(), `luoshi-test-warned-${process.ppid}`), message, { flag: 'wx' });
  } catch {
    return;
  }
  console.warn(message);
}

async function probePostgres(): Promise<string | null> {
  try {
    await ensurePostgres();
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `PostgreSQL 不可用，跳过 PostgreSQL 测试（${TEST_POSTGRES_URL}: ${reason}; CI makes them required）`;
  }
}

const postgresSkipReason = TEST_DIALECTS.includes('postgres') && !isCi ? await probePostgres() : null;
if (postgresSkipReason !== null) warnOnce(postgresSkipReason);

export interface TestDatabase extends DatabaseHandle {
  /** Closes the handle and removes the file or drops the schema. */
  dispose(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Apply the migrations first (default true). */
  readonly migrate?: boolean;
  /** PostgreSQL: prepare statements (default true, as DATABASE_URL's default) and the pool's size (default 4). */
  readonly prepare?: boolean;
  readonly poolSize?: number;
}

/** A fresh, private database of the given dialect. */
export async function createTestDatabase(
  dialect: DialectName,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  let handle: DatabaseHandle;
  let cleanUp: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'luoshi-test-'));
    handle = await openDatabase({ database: { dialect: 'sqlite', filename: join(dir, 'luoshi.db') } });
    cleanUp = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    await ensurePostgres();
    const schema = newSchemaName();
    handle = await openDatabase(
      {
        database: {
          dialect: 'postgres',
          connectionString: TEST_POSTGRES_URL,
          schema,
          prepare: options.prepare ?? true,
        },
      },
      { poolSize: options.poolSize ?? 4 },
    );
    cleanUp = async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    };
  }
  if (options.migrate !== false) {
    try {
      await migrateToLatest(handle.db);
    } catch (error) {
      await handle.close();
      await cleanUp();
      throw error;
    }
  }
  return {
    ...handle,
    async dispose() {
      await handle.close();
      await cleanUp();
    },
  };
}

/**
 * Declares `name` once per dialect (`name [sqlite]`, `name [postgres]`), each with its own fresh database, made
 * before the suite's tests and removed after. `body` gets a function that returns the suite's database.
 *
 * @example
 * describeEachDatabase('reports', (database) => {
 *   it('stores one', async () => { const { db } = database(); … });
 * });
 */
export function describeEachDatabase(
  name: string,
  body: (database: () => TestDatabase, dialect: DialectName) => void,
  options: TestDatabaseOptions = {},
): void {
  for (const dialect of TEST_DIALECTS) {
    const skip = dialect === 'postgres' && postgresSkipReason !== null;
    (skip ? describe.skip : describe)(`${name} [${dialect}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await createTestDatabase(dialect, options);
      });
      afterAll(async () => {
        await database?.dispose();
      });
      body(() => {
        if (database === undefined) throw new Error(`the ${dialect} test database is not open (beforeAll failed?)`);
        return database;
      }, dialect);
    });
  }
}
