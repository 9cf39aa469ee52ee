// tsx bench/rate-limit.bench.ts [N] — what the database-backed rate limit (migration 0012) costs a request: one
// upsert-and-increment statement per take, on a SQLite file and on PostgreSQL (a fresh schema of
// LUOSHI_TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test, dropped afterwards; skipped with one line
// when it does not answer). N takes per row (default 2000), one after another, and on PostgreSQL also 8 at once on
// one key (the hot row of an address). For scale, the last row of each database is a whole request through the
// app (`inject`, GET /api/auth/oidc: no session, so one take), and the first a bare `select 1`. Prints a table;
// fails on nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle, type DialectName } from '../src/db/database.ts';
import { buildApp } from '../src/http/app.ts';
import { createRateLimitCounter, type RateLimitRule } from '../src/services/rate-limit.service.ts';

const n = Number(process.argv[2] ?? '') || 2000;
const POSTGRES_URL = process.env['LUOSHI_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';

interface Row {
  database: DialectName;
  what: string;
  count: number;
  timesMs: number[];
  wallMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function timed(count: number, run: (i: number) => Promise<unknown>): Promise<{ times: number[]; wall: number }> {
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const at = performance.now();
    await run(i);
    times.push(performance.now() - at);
  }
  return { times, wall: performance.now() - started };
}

async function measure(dialect: DialectName, handle: DatabaseHandle): Promise<Row[]> {
  const rows: Row[] = [];
  const counter = createRateLimitCounter({ db: handle.db, clock: () => new Date() });
  const address: RateLimitRule = { scope: 'api-address', key: '203.0.113.7', perMinute: 1_000_000 };
  const session: RateLimitRule = { scope: 'api-session', key: randomBytes(32).toString('hex'), perMinute: 1_000_000 };
  const add = (what: string, result: { times: number[]; wall: number }) =>
    rows.push({ database: dialect, what, count: result.times.length, timesMs: result.times, wallMs: result.wall });

  // Warm up: the statement prepared, the first window's rows made.
  for (let i = 0; i < 50; i++) await counter.take([address, session]);

  // For scale: one round trip to the database that does nothing.
  add('select 1 (a round trip, for scale)', await timed(n, () => sql`select 1`.execute(handle.db)));

  add(
    'take, 1 key, new key each time (insert)',
    await timed(n, (i) => counter.take([{ scope: 'api-address', key: `198.51.${i >> 8}.${i & 255}`, perMinute: 10 }])),
  );
  add('take, 1 key, the same key (update)', await timed(n, () => counter.take([address])));
  add('take, 2 keys: address + session (signed in)', await timed(n, () => counter.take([address, session])));

  if (dialect === 'postgres') {
    const parallel = 8;
    const times: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        for (let i = 0; i < n / parallel; i++) {
          const at = performance.now();
          await counter.take([address]);
          times.push(performance.now() - at);
        }
      }),
    );
    add(`take, 1 hot key, ${parallel} at once`, { times, wall: performance.now() - started });
  }

  const app = await buildApp({
    database: handle,
    config: loadConfig({
      LOG_LEVEL: 'silent',
      JOBS: 'off',
      API_RATE_PER_MINUTE: '1000000',
      API_RATE_PER_ADDRESS_PER_MINUTE: '1000000',
    }),
  });
  await app.ready();
  for (let i = 0; i < 50; i++) await app.inject({ method: 'GET', url: '/api/auth/oidc' });
  add(
    'whole request: inject GET /api/auth/oidc',
    await timed(n, () => app.inject({ method: 'GET', url: '/api/auth/oidc' })),
  );
  await app.close();
  return rows;
}

const results: Row[] = [];

const dir = mkdtempSync(join(tmpdir(), 'luoshi-bench-rate-'));
const sqlite = await openDatabase({ database: { dialect: 'sqlite', filename: join(dir, 'luoshi.db') } });
try {
  await migrateToLatest(sqlite.db);
  results.push(...(await measure('sqlite', sqlite)));
} finally {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
}

const schema = `luoshi_bench_rate_${randomBytes(4).toString('hex')}`;
let postgres: DatabaseHandle | undefined;
try {
  postgres = await openDatabase({
    database: { dialect: 'postgres', connectionString: POSTGRES_URL, schema, prepare: true },
  });
  await migrateToLatest(postgres.db);
  results.push(...(await measure('postgres', postgres)));
} catch (error) {
  console.warn(`PostgreSQL 不可用，跳过（${POSTGRES_URL}: ${error instanceof Error ? error.message : String(error)}）`);
} finally {
  if (postgres !== undefined) {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(postgres.db).catch(() => {});
    await postgres.close();
  }
}

const header = ['database', 'what', 'n', 'mean µs', 'p50 µs', 'p95 µs', 'per s'];
const table = results.map((row) => {
  const sorted = [...row.timesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, t) => sum + t, 0) / sorted.length;
  const us = (ms: number) => (ms * 1000).toFixed(0);
  return [
    row.database,
    row.what,
    String(row.count),
    us(mean),
    us(percentile(sorted, 50)),
    us(percentile(sorted, 95)),
    ((row.count / row.wallMs) * 1000).toFixed(0),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) =>
  cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
