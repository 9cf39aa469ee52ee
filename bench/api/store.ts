/**
 * Where the benchmark's data set lives, and how it is written: a SQLite file under data/bench/ and a PostgreSQL
 * database `luoshi_bench_<scale>` on the test server. Each is built once per scale and schema (the key names the
 * scale, the migrations and the builder's version) and reused while the key matches; a build that did not finish is
 * never reused (SQLite builds into a `.partial` file renamed at the end; PostgreSQL marks a finished database with a
 * comment).
 *
 * Bulk SQL, not the services: SQLite takes multi-row INSERTs in one transaction with the journal off; PostgreSQL
 * takes one `INSERT … SELECT FROM unnest($1::text[], …)` per table and plan (thousands of rows per statement) with
 * foreign-key triggers off for the load (`session_replication_role = replica`).
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../../src/db/database.ts';
import { MIGRATIONS } from '../../src/db/migrations/index.ts';
import {
  BENCH_COLUMNS,
  buildBenchData,
  type BenchCounts,
  type BenchRow,
  type BenchShape,
  type BenchTable,
  type RowSink,
} from './data.ts';

/** Bump when the data the builder makes changes, so cached builds are made again. */
const BUILDER_VERSION = 1;

/**
 * Bytes a build takes per unit of scale: measured at S = 0.1 (246 MB SQLite, 250 MB PostgreSQL, tables and
 * indexes), rounded up. The disk check asks for twice this (PostgreSQL's WAL, SQLite's file being renamed).
 */
const BYTES_PER_SCALE = { sqlite: 2.6e9, postgres: 2.8e9 } as const;

export const BENCH_POSTGRES_URL = process.env['LUOSHI_BENCH_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/';

export interface StoreInfo {
  /** Where it is: a file path or a database URL. */
  where: string;
  counts: BenchCounts;
  /** Seconds the build took (when it was built). */
  buildSeconds: number;
  reused: boolean;
}

/** The scale, the builder's version and the migrations — their names and code, so an edited migration counts too. */
export function cacheKey(scale: number): string {
  const folder = new URL('../../src/db/migrations/', import.meta.url);
  const migrations = Object.keys(MIGRATIONS).map((name) => {
    const file = new URL(`${name}.ts`, folder);
    return `${name}\n${existsSync(file) ? readFileSync(file, 'utf8') : ''}`;
  });
  const source = JSON.stringify({ scale, builder: BUILDER_VERSION, migrations });
  return createHash('sha256').update(source).digest('hex').slice(0, 10);
}

export function scaleLabel(scale: number): string {
  return String(scale).replace('.', '_');
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

/** Refuses (throws with a clear line) when the disk holding `dir` has less free space than the build needs. */
export function checkFreeDisk(dir: string, scale: number, dialect: keyof typeof BYTES_PER_SCALE): void {
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  const needed = 2 * BYTES_PER_SCALE[dialect] * scale;
  if (free < needed) {
    throw new Error(
      `磁盘空间不足：构建 S = ${scale} 的 ${dialect} 数据约需 ${gigabytes(needed)}，${dir} 所在磁盘仅剩 ${gigabytes(free)}` +
        `（not enough free disk: need about ${gigabytes(needed)}, ${gigabytes(free)} free）`,
    );
  }
}

// ---- SQLite ----

class SqliteSink implements RowSink {
  private readonly statements = new Map<string, SqliteDatabase.Statement>();
  constructor(private readonly sqlite: SqliteDatabase.Database) {}

  async insert(table: BenchTable, rows: readonly BenchRow[]): Promise<void> {
    const columns = Object.keys(BENCH_COLUMNS[table]);
    // SQLite allows 32 766 bound parameters per statement.
    const perStatement = Math.min(500, Math.floor(32_000 / columns.length));
    for (let start = 0; start < rows.length; start += perStatement) {
      const slice = rows.slice(start, start + perStatement);
      const values: (string | number | null)[] = [];
      for (const row of slice) for (const column of columns) values.push(row[column] ?? null);
      this.statement(table, columns, slice.length).run(values);
    }
  }

  private statement(table: string, columns: readonly string[], count: number): SqliteDatabase.Statement {
    const key = `${table}:${count}`;
    let statement = this.statements.get(key);
    if (statement === undefined) {
      const row = `(${columns.map(() => '?').join(', ')})`;
      const sqlText = `insert into ${table} (${columns.join(', ')}) values ${Array.from({ length: count }, () => row).join(', ')}`;
      statement = this.sqlite.prepare(sqlText);
      this.statements.set(key, statement);
    }
    return statement;
  }
}

/** The cached SQLite build of `shape` (made now if missing): its path and counts. */
export async function ensureSqliteStore(
  shape: BenchShape,
  log: (line: string) => void,
  dataDir = join(process.cwd(), 'data', 'bench'),
  rebuild = false,
): Promise<StoreInfo & { filename: string }> {
  mkdirSync(dataDir, { recursive: true });
  const prefix = `luoshi-bench-s${scaleLabel(shape.scale)}-`;
  const filename = join(dataDir, `${prefix}${cacheKey(shape.scale)}.db`);
  const metaFile = `${filename}.json`;
  if (!rebuild && existsSync(filename) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { counts: BenchCounts; buildSeconds: number };
    return { filename, where: filename, counts: meta.counts, buildSeconds: meta.buildSeconds, reused: true };
  }
  // Builds of this scale for another schema or builder are stale.
  for (const name of readdirSync(dataDir)) if (name.startsWith(prefix)) rmSync(join(dataDir, name), { force: true });
  checkFreeDisk(dataDir, shape.scale, 'sqlite');

  const partial = `${filename}.partial`;
  const started = performance.now();
  const handle = await openDatabase({ database: { dialect: 'sqlite', filename: partial } });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  const sqlite = new SqliteDatabase(partial);
  let counts: BenchCounts;
  try {
    // A build that fails is thrown away whole, so it needs neither a journal nor durable writes.
    sqlite.pragma('journal_mode = DELETE');
    sqlite.pragma('journal_mode = OFF');
    sqlite.pragma('synchronous = OFF');
    sqlite.pragma('foreign_keys = OFF');
    sqlite.pragma('cache_size = -262144');
    sqlite.exec('begin');
    ({ counts } = await buildBenchData(new SqliteSink(sqlite), shape, (done, total) =>
      log(`  sqlite: workspace ${done}/${total}`),
    ));
    sqlite.exec('commit');
    sqlite.pragma('journal_mode = WAL');
  } finally {
    sqlite.close();
  }
  renameSync(partial, filename);
  const buildSeconds = (performance.now() - started) / 1000;
  writeFileSync(metaFile, JSON.stringify({ key: cacheKey(shape.scale), shape, counts, buildSeconds }, null, 2));
  return { filename, where: filename, counts, buildSeconds, reused: false };
}

// ---- PostgreSQL ----

class PostgresSink implements RowSink {
  constructor(private readonly client: pg.Client) {}

  async insert(table: BenchTable, rows: readonly BenchRow[]): Promise<void> {
    const spec: Record<string, string> = BENCH_COLUMNS[table];
    const columns = Object.keys(spec);
    const arrays = columns.map((column) => rows.map((row) => row[column] ?? null));
    const casts = columns.map((column, i) => {
      const type = spec[column] === 'int' ? 'integer' : spec[column] === 'float' ? 'double precision' : 'text';
      return `$${i + 1}::${type}[]`;
    });
    await this.client.query(
      `insert into ${table} (${columns.join(', ')}) select * from unnest(${casts.join(', ')})`,
      arrays,
    );
  }
}

function databaseUrl(name: string): string {
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Answers null when the server does not answer (the caller skips PostgreSQL with one line). */
export async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres'), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The cached PostgreSQL build of `shape` (made now if missing or stale): its URL and counts. */
export async function ensurePostgresStore(
  shape: BenchShape,
  log: (line: string) => void,
  rebuild = false,
): Promise<StoreInfo & { connectionString: string }> {
  const name = `luoshi_bench_${scaleLabel(shape.scale)}`;
  const connectionString = databaseUrl(name);
  const marker = `luoshi-bench ${cacheKey(shape.scale)}`;
  const admin = new pg.Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ comment: string | null }>(
      `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
      [name],
    );
    const comment = rows[0]?.comment ?? null;
    if (!rebuild && comment !== null && comment.startsWith(`${marker} `)) {
      const meta = JSON.parse(comment.slice(marker.length + 1)) as { counts: BenchCounts; buildSeconds: number };
      return {
        connectionString,
        where: connectionString,
        counts: meta.counts,
        buildSeconds: meta.buildSeconds,
        reused: true,
      };
    }
    const dataDirectory = (
      await admin.query<{ dir: string }>('select setting as dir from pg_settings where name = $1', ['data_directory'])
    ).rows[0]?.dir;
    checkFreeDisk(
      dataDirectory !== undefined && existsSync(dataDirectory) ? dataDirectory : '/',
      shape.scale,
      'postgres',
    );
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }

  const started = performance.now();
  const handle = await openDatabase({
    database: { dialect: 'postgres', connectionString, schema: null, prepare: true },
  });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  const client = new pg.Client({ connectionString });
  await client.connect();
  let counts: BenchCounts;
  try {
    // The rows are made consistent by the builder (the SQLite build's test checks its foreign keys); checking each
    // reference row by row would triple the load time.
    await client.query('set session_replication_role = replica');
    await client.query('begin');
    ({ counts } = await buildBenchData(new PostgresSink(client), shape, (done, total) =>
      log(`  postgres: workspace ${done}/${total}`),
    ));
    await client.query('commit');
    await client.query('set session_replication_role = origin');
    // What autovacuum would do shortly after a load of this size.
    await client.query('analyze');
    const buildSeconds = (performance.now() - started) / 1000;
    const meta = JSON.stringify({ counts, buildSeconds });
    await client.query(`comment on database ${name} is '${marker} ${meta.replaceAll("'", "''")}'`);
    return { connectionString, where: connectionString, counts, buildSeconds, reused: false };
  } finally {
    await client.end();
  }
}
