// The API benchmark's data builder (bench/api/), at a tiny scale on SQLite: it builds a consistent data set — every
// table the counts say, every foreign key whole, the rows shaped as the services expect — so the benchmark does not
// rot as the schema moves on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { BENCH_COLUMNS, benchShape, type BenchTable } from '../../bench/api/data.ts';
import { ensureSqliteStore } from '../../bench/api/store.ts';
import { migrateToLatest, openDatabase } from '../../src/db/database.ts';

describe('API benchmark data (S = 0.001, SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'luoshi-bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scales the city: 16 workspaces × 50 plans × 100 tasks at S = 1, one small plan at S = 0.001', () => {
    expect(benchShape(1)).toMatchObject({ workspaces: 16, tasksPerPlan: 100, unitsPerWorkspace: 60 });
    expect(benchShape(1).plansPerWorkspace).toEqual(Array.from({ length: 16 }, () => 50));
    expect(benchShape(0.1).plansPerWorkspace.reduce((a, b) => a + b, 0) * benchShape(0.1).tasksPerPlan).toBe(8000);
    expect(benchShape(0.001)).toMatchObject({ workspaces: 1, plansPerWorkspace: [1], tasksPerPlan: 80 });
    expect(() => benchShape(0)).toThrow(/--scale/);
  });

  it('builds a consistent data set, and reuses it the second time', async () => {
    const shape = benchShape(0.001);
    const built = await ensureSqliteStore(shape, () => {}, dir);
    expect(built.reused).toBe(false);
    // Migrations may seed rows of their own (the system workspace): the builder's rows come on top of those.
    const seeded = await migratedCounts(join(dir, 'empty.db'));
    const sqlite = new SqliteDatabase(built.filename, { readonly: true });
    try {
      for (const table of Object.keys(BENCH_COLUMNS) as BenchTable[]) {
        const { n } = sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number };
        expect([table, n]).toEqual([table, built.counts[table] + (seeded.get(table) ?? 0)]);
      }
      expect(built.counts).toMatchObject({ workspaces: 1, plans: 1, tasks: 80, nodes: 18 + 80, projects: 80 });
      // 0–4 targets per task in turn: 80 tasks hold 160.
      expect(built.counts.targets).toBe(160);
      expect(built.counts.reports).toBeGreaterThan(80 * 6);
      expect(built.counts.readings).toBeGreaterThan(built.counts.reports);

      expect(sqlite.pragma('foreign_key_check')).toEqual([]);
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const none = (sql: string) => expect(sqlite.prepare(sql).all()).toEqual([]);
      // Every task has a lead unit; every report is a lead unit's; a report's readings are its task's targets'.
      none(`select t.id from tasks t where not exists
              (select 1 from task_units tu where tu.task_id = t.id and tu.role = 'lead')`);
      none(`select r.id from reports r where not exists
              (select 1 from task_units tu where tu.task_id = r.task_id and tu.unit_id = r.unit_id and tu.role = 'lead')`);
      none(`select g.id from readings g join reports r on r.id = g.report_id join targets tg on tg.id = g.target_id
              where tg.task_id <> r.task_id or g.period <> r.period`);
      // Strands are strands of the task's own plan; closed tasks have an approved close-out and no later report.
      none(
        `select t.id from tasks t join nodes n on n.id = t.strand_node_id where n.kind <> 'strand' or n.plan_id <> t.plan_id`,
      );
      none(`select t.id from tasks t where t.closed_at is not null and not exists
              (select 1 from close_outs c where c.task_id = t.id and c.state = 'approved')`);
      none(`select t.id from tasks t where t.search_text = '' or t.search_text <> lower(t.search_text)`);
      // The submit benchmark's period is left open.
      none(`select id from reports where period = '2024-Q2'`);
      // One report per task, unit and period (the unique key holds).
      none(`select task_id from reports group by task_id, unit_id, period having count(*) > 1`);
    } finally {
      sqlite.close();
    }
    const again = await ensureSqliteStore(shape, () => {}, dir);
    expect(again).toMatchObject({ reused: true, filename: built.filename, counts: built.counts });
  });
});

/** Row counts of a database that has only been migrated. */
async function migratedCounts(filename: string): Promise<Map<string, number>> {
  const handle = await openDatabase({ database: { dialect: 'sqlite', filename } });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  const sqlite = new SqliteDatabase(filename, { readonly: true });
  try {
    return new Map(
      Object.keys(BENCH_COLUMNS).map((table) => [
        table,
        (sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n,
      ]),
    );
  } finally {
    sqlite.close();
  }
}
