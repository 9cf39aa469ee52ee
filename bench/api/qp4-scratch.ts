import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { listPlanTaskPage, listTasks } from '../../src/services/task-list.service.ts';
const file = process.argv[2]!;
const sqlite = new SqliteDatabase(file, { readonly: true });
const seen: { sql: string; params: readonly unknown[]; ms: number }[] = [];
const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log: (e) => { if (e.level === 'query') seen.push({ sql: e.query.sql, params: e.query.parameters, ms: e.queryDurationMillis }); } });
const ws = (await db.selectFrom('workspaces as w').select('w.id').where((eb) => eb.exists(eb.selectFrom('plans as p').select('p.id').whereRef('p.workspace_id', '=', 'w.id'))).orderBy('w.id').executeTakeFirstOrThrow()).id;
const plans = (await db.selectFrom('plans').select('id').where('workspace_id', '=', ws).execute()).map((p) => p.id);
const unit = (await db.selectFrom('task_units').select('unit_id').where('workspace_id', '=', ws).where('role', '=', 'lead').limit(1).executeTakeFirstOrThrow()).unit_id;
const actor = { userId: 'u', workspaceId: ws, roles: ['office' as const], unitId: null };
const ctx = { db, clock: () => new Date('2024-04-20T02:00:00.000Z') };
const cases: [string, (i: number) => Promise<unknown>][] = [
  ['plan first page', (i) => listPlanTaskPage(ctx, actor, plans[i % plans.length]!, { limit: 50 })],
  ['ws unit lead due', () => listTasks(ctx, actor, { unitId: unit, role: 'lead', dueBefore: '2025-01-01', limit: 50 })],
  ['ws q', () => listTasks(ctx, actor, { q: '产业集群', limit: 50 })],
  ['ws status', () => listTasks(ctx, actor, { status: 'off-track', limit: 50 })],
];
for (const [name, f] of cases) {
  for (let i = 0; i < 50; i++) await f(i);
  seen.length = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < 50; i++) await f(i);
  const c = process.cpuUsage(c0);
  console.log(`${name}: ${((c.user + c.system) / 50000).toFixed(2)} ms cpu`);
  const per = seen.length / 50;
  for (const q of seen.slice(0, per)) {
    const avg = seen.filter((x) => x.sql === q.sql).reduce((a, x) => a + x.ms, 0) / 50;
    const plan = sqlite.prepare('explain query plan ' + q.sql).all(...(q.params as unknown[])) as { detail: string }[];
    console.log(`  ${avg.toFixed(2)}ms ${q.sql.replace(/\s+/g, ' ').slice(0, 70)}`);
    if (process.argv[3]) for (const p of plan) console.log('      ' + p.detail);
  }
}
