// npm run bench:api -- [--scale S] [--db sqlite|pg|both] [--requests N] [--rebuild]
//
// The API at city scale, on SQLite and on PostgreSQL: builds (or reuses) the data set of bench/api/data.ts with bulk
// SQL, starts the real HTTP server (buildApp + listen on a free port; the actor comes from the test-style
// `resolveActor` hook: the office of one workspace, or a unit's reporter when a request names one), and measures
// with real HTTP requests: task lists with filters, one task's page (and its status alone), one plan's dashboard aggregate — beside the same aggregate as
// bare SQL (the same compiled statements run through the driver: no HTTP, no zod, no service code) — and report
// submits (drafts made through the service, then submitted over HTTP, and through the service in process). The
// client runs in a process of its own (bench/api/client.ts), so the server has its process to itself.
// Prints markdown tables with the aims (at S = 1: list p95 ≤ 20 ms, aggregate p95 ≤ 50 ms and within 2× of
// bare SQL, ≥ 300 submits/s). A benchmark never fails on a time: it exits non-zero only when it cannot run.
import { cpus, loadavg } from 'node:os';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, type DatabaseHandle, type Db, type DialectName } from '../../src/db/database.ts';
import { planDashboardQueries, type DashboardParams } from '../../src/db/queries/dashboard.queries.ts';
import { workspaceTimeZone } from '../../src/db/queries/workspace.queries.ts';
import { localDateOf } from '../../src/domain/periods.ts';
import { buildApp } from '../../src/http/app.ts';
import type { Actor, ServiceContext } from '../../src/services/context.ts';
import { findTaskPage } from '../../src/db/queries/task.queries.ts';
import { encodeCursor } from '../../src/http/pagination.ts';
import { mapPlan } from '../../src/services/plan-state.ts';
import { reportingPeriods } from '../../src/services/report-periods.ts';
import { saveReportDraft, submitReport } from '../../src/services/report.service.ts';
import { BenchClient, type BenchRequest } from './client.ts';
import { BENCH_NOW, OPEN_PERIOD, benchShape, type BenchShape } from './data.ts';
import { ensurePostgresStore, ensureSqliteStore, postgresReachable, scaleLabel, type StoreInfo } from './store.ts';

interface Options {
  scale: number;
  databases: DialectName[];
  requests: number;
  rebuild: boolean;
}

function usage(message: string): never {
  console.error(
    `${message}\n用法（usage）: npm run bench:api -- [--scale S] [--db sqlite|pg|both] [--requests N] [--rebuild]`,
  );
  process.exit(2);
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { scale: 0.1, databases: ['sqlite', 'postgres'], requests: 300, rebuild: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--rebuild') {
      options.rebuild = true;
      continue;
    }
    if (value === undefined) usage(`缺少 ${flag} 的值（${flag} needs a value）`);
    i++;
    if (flag === '--scale') {
      options.scale = Number(value);
      if (!Number.isFinite(options.scale) || options.scale <= 0 || options.scale > 100) {
        usage(`--scale 应为 (0, 100] 之间的数（--scale must be a number in (0, 100]），实际 “${value}”`);
      }
    } else if (flag === '--db') {
      const map: Record<string, DialectName[]> = { sqlite: ['sqlite'], pg: ['postgres'], both: ['sqlite', 'postgres'] };
      const databases = map[value];
      if (databases === undefined)
        usage(`--db 应为 sqlite、pg 或 both（--db must be sqlite, pg or both），实际 “${value}”`);
      options.databases = databases;
    } else if (flag === '--requests') {
      options.requests = Number(value);
      if (!Number.isInteger(options.requests) || options.requests < 10) usage('--requests 应为不小于 10 的整数');
    } else {
      usage(`未知参数 ${flag}（unknown flag）`);
    }
  }
  return options;
}

// ---- Figures ----

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

interface Timing {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  /**
   * This process's CPU time per request: the server's own work — routing, validation, services, the SQLite driver
   * or pg's parsing — apart from the client (a process of its own) and from PostgreSQL's processes. On a machine
   * shared with other work the wall-clock figures stretch; this one much less.
   */
  cpu: number;
}

function summarize(samples: readonly number[], cpuMs: number): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    n,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    cpu: n === 0 ? NaN : cpuMs / n,
  };
}

/** Runs `measure` and returns its result with this process's CPU milliseconds over it. */
async function cpuDuring<T>(measure: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const result = await measure();
  const used = process.cpuUsage(before);
  return { result, cpuMs: (used.user + used.system) / 1000 };
}

/** Times HTTP requests sent by the client process, after `warmup` of them. */
async function timeHttp(
  client: BenchClient,
  requests: readonly BenchRequest[],
  warmup: readonly BenchRequest[],
  concurrency = 1,
): Promise<Timing & { seconds: number }> {
  await client.run(warmup, concurrency);
  const { result, cpuMs } = await cpuDuring(() => client.run(requests, concurrency));
  return { ...summarize(result.samples, cpuMs), seconds: result.seconds };
}

/** Times in-process work, one call after the other, after `warmup` calls. */
async function timeCalls(runs: number, warmup: number, run: (i: number) => Promise<void>): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run(i);
  const samples: number[] = [];
  const { cpuMs } = await cpuDuring(async () => {
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await run(warmup + i);
      samples.push(performance.now() - started);
    }
  });
  return summarize(samples, cpuMs);
}

const ms = (value: number) => (Number.isNaN(value) ? '' : value.toFixed(value < 10 ? 2 : 1));
const thousands = (value: number) => value.toLocaleString('en-US').replaceAll(',', ' ');

// ---- The data set's landmarks ----

interface Landmarks {
  workspaceId: string;
  planIds: string[];
  /** Units of the workspace that lead tasks, most tasks first. */
  leadUnitIds: string[];
  /** Tasks in force of the workspace's first plans, for the task page. */
  taskIds: string[];
}

/** The first workspace with plans: its plans and its busiest lead units. */
async function landmarks(db: Db): Promise<Landmarks> {
  const workspace = await db
    .selectFrom('workspaces as w')
    .select('w.id')
    .where((eb) => eb.exists(eb.selectFrom('plans as p').select('p.id').whereRef('p.workspace_id', '=', 'w.id')))
    .orderBy('w.id')
    .executeTakeFirstOrThrow();
  const plans = await db
    .selectFrom('plans')
    .select('id')
    .where('workspace_id', '=', workspace.id)
    .orderBy('id')
    .execute();
  const units = await db
    .selectFrom('task_units')
    .select((eb) => ['unit_id', eb.fn.countAll<number>().as('tasks')])
    .where('workspace_id', '=', workspace.id)
    .where('role', '=', 'lead')
    .groupBy('unit_id')
    .orderBy('tasks', 'desc')
    .orderBy('unit_id')
    .limit(20)
    .execute();
  const tasks = await db
    .selectFrom('tasks')
    .select('id')
    .where('workspace_id', '=', workspace.id)
    .where(
      'plan_id',
      'in',
      plans.slice(0, 5).map((p) => p.id),
    )
    .where('removed_in_version', 'is', null)
    .orderBy('id')
    .limit(200)
    .execute();
  return {
    workspaceId: workspace.id,
    planIds: plans.map((p) => p.id),
    leadUnitIds: units.map((u) => u.unit_id),
    taskIds: tasks.map((t) => t.id),
  };
}

// ---- Bare SQL: the dashboard's compiled statements through the driver ----

interface BareRunner {
  /** Runs the statements (in parallel where the driver has the connections) and returns when all are read. */
  run(statements: readonly { sql: string; parameters: readonly unknown[] }[]): Promise<void>;
  close(): Promise<void>;
}

function sqliteRunner(filename: string): BareRunner {
  const sqlite = new SqliteDatabase(filename, { readonly: true });
  sqlite.pragma('busy_timeout = 5000');
  return {
    async run(statements) {
      // As Kysely's SQLite driver does: prepare and read each statement, one at a time on one connection.
      for (const statement of statements) sqlite.prepare(statement.sql).all(...(statement.parameters as unknown[]));
    },
    async close() {
      sqlite.close();
    },
  };
}

function postgresRunner(connectionString: string): BareRunner {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, Number);
  types.setTypeParser(pg.types.builtins.NUMERIC, Number);
  const pool = new pg.Pool({ connectionString, max: 10, types });
  // Prepared by name, as the server's connections prepare them (src/db/prepared-statements.ts): the peer is the best
  // the driver does with these statements.
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined) names.set(text, (name = `bare_${names.size + 1}`));
    return name;
  };
  return {
    async run(statements) {
      await Promise.all(
        statements.map((statement) =>
          pool.query({ name: nameOf(statement.sql), text: statement.sql, values: [...statement.parameters] }),
        ),
      );
    },
    close: () => pool.end(),
  };
}

/** The dashboard's statements for a plan, compiled as the service compiles them (plan and time zone look-ups too). */
async function dashboardStatements(db: Db, workspaceId: string, planId: string) {
  const planQuery = db.selectFrom('plans').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', planId);
  const zoneQuery = db.selectFrom('workspaces').select('time_zone').where('id', '=', workspaceId);
  const plan = mapPlan(await planQuery.executeTakeFirstOrThrow());
  const timeZone = await workspaceTimeZone(db, workspaceId);
  const now = new Date(BENCH_NOW);
  const ended = reportingPeriods(plan, now, timeZone).filter((period) => period.hasEnded);
  const today = localDateOf(now, timeZone);
  const period = (p: (typeof ended)[number] | undefined) =>
    p === undefined ? null : { period: p.period, dueAt: p.dueAt };
  const params: DashboardParams = {
    workspaceId,
    planId,
    today,
    soonUntil: new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10),
    current: period(ended.at(-1)),
    previous: period(ended.at(-2)),
  };
  return [planQuery.compile(), zoneQuery.compile(), ...Object.values(planDashboardQueries(db, params))];
}

// ---- One database ----

interface Row {
  what: string;
  timing: Timing;
  aim: string;
}

interface Rate {
  what: string;
  n: number;
  perSecond: number;
  aim: string;
}

interface Result {
  dialect: DialectName;
  store: StoreInfo;
  rows: Row[];
  rates: Rate[];
  ratio: { p50: number; p95: number; cpu: number | null };
  notes: string[];
}

async function measure(
  dialect: DialectName,
  store: StoreInfo,
  handle: DatabaseHandle,
  bare: BareRunner,
  options: Options,
  log: (line: string) => void,
): Promise<Result> {
  const marks = await landmarks(handle.db);
  const office: Actor = { userId: 'usr_bench_office', workspaceId: marks.workspaceId, roles: ['office'], unitId: null };
  const clock = () => new Date(BENCH_NOW);
  const config = loadConfig({
    // Only failures: a 500 during a run is worth seeing (it fails the run, too).
    LOG_LEVEL: 'error',
    DATABASE_URL: dialect === 'postgres' ? store.where : `sqlite:${store.where}`,
    // The API alone: the status-refresh and reminder jobs would run beside the requests being timed.
    JOBS: 'off',
    // One client at one address sends thousands of requests a minute: the limits would answer 429 to the timing.
    API_RATE_PER_MINUTE: '1000000',
    API_RATE_PER_ADDRESS_PER_MINUTE: '1000000',
  });
  const app = await buildApp({
    database: handle,
    config,
    clock,
    // Test-style (test/helpers/app.ts): the office of one workspace, or the reporter of the unit a request names.
    resolveActor: (request) => {
      const unitId = request.headers['x-bench-unit'];
      const workspaceId = request.headers['x-bench-workspace'];
      if (typeof unitId === 'string' && typeof workspaceId === 'string') return reporterOf(workspaceId, unitId);
      return office;
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const client = new BenchClient(`http://127.0.0.1:${port}/api`);
  const rows: Row[] = [];
  const rates: Rate[] = [];
  const notes: string[] = [];
  const n = options.requests;
  const warmup = Math.min(30, Math.ceil(n / 10));
  const plan = (i: number) => marks.planIds[i % marks.planIds.length] ?? '';
  const unit = (i: number) => marks.leadUnitIds[i % marks.leadUnitIds.length] ?? '';
  const needles = ['产业集群', '会展', '城市更新', '（12）', '区文旅局'];
  const gets = (path: (i: number) => string, from: number, count: number): BenchRequest[] =>
    Array.from({ length: count }, (_, i) => ({ path: path(from + i) }));

  try {
    // Cursors about half way through the workspace's list, for keyset pages deep in it.
    const deepCursors: string[] = [];
    const { total } = await handle.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .where('workspace_id', '=', marks.workspaceId)
      .where('removed_in_version', 'is', null)
      .executeTakeFirstOrThrow();
    for (const offset of [0.4, 0.5, 0.6]) {
      const page = await findTaskPage(handle.db, marks.workspaceId, {
        includeRemoved: false,
        limit: Math.max(1, Math.floor(Number(total) * offset)),
      });
      const last = page.at(-1);
      if (last !== undefined) deepCursors.push(encodeCursor([last.plan_id, last.is_removed, last.position, last.id]));
    }

    log(`  ${dialect}: task lists`);
    const lists: [string, (i: number) => string][] = [
      ['task list: a plan’s first page (50)', (i) => `/plans/${plan(i)}/tasks?limit=50`],
      ['task list: a plan, status = at-risk', (i) => `/plans/${plan(i)}/tasks?status=at-risk&limit=50`],
      [
        'task list: workspace, unit leads, due before 2025',
        (i) => `/tasks?unit=${unit(i)}&role=lead&dueBefore=2025-01-01&limit=50`,
      ],
      [
        'task list: workspace, text search',
        (i) => `/tasks?q=${encodeURIComponent(needles[i % needles.length] ?? '')}&limit=50`,
      ],
      ['task list: workspace, status = off-track', () => `/tasks?status=off-track&limit=50`],
      [
        'task list: workspace, a page half way (keyset)',
        (i) =>
          deepCursors.length === 0
            ? '/tasks?limit=50'
            : `/tasks?limit=50&cursor=${deepCursors[i % deepCursors.length]}`,
      ],
    ];
    for (const [what, path] of lists) {
      const timing = await timeHttp(client, gets(path, warmup, n), gets(path, 0, warmup));
      rows.push({ what, timing, aim: 'p95 ≤ 20 ms' });
    }

    log(`  ${dialect}: task page`);
    const taskPage = (i: number) => `/tasks/${marks.taskIds[i % marks.taskIds.length] ?? ''}`;
    rows.push({
      what: 'task page: GET /api/tasks/:id',
      timing: await timeHttp(client, gets(taskPage, warmup, n), gets(taskPage, 0, warmup)),
      aim: 'p95 ≤ 20 ms',
    });
    const taskStatus = (i: number) => `/tasks/${marks.taskIds[i % marks.taskIds.length] ?? ''}/status`;
    rows.push({
      what: 'task status: GET /api/tasks/:id/status',
      timing: await timeHttp(client, gets(taskStatus, warmup, n), gets(taskStatus, 0, warmup)),
      aim: '—',
    });

    log(`  ${dialect}: dashboard`);
    const dashboard = (i: number) => `/plans/${plan(i)}/dashboard`;
    const http = await timeHttp(client, gets(dashboard, warmup, n), gets(dashboard, 0, warmup));
    rows.push({ what: 'dashboard: one plan, HTTP', timing: http, aim: 'p95 ≤ 50 ms' });
    const statements = await Promise.all(
      marks.planIds.map((id) => dashboardStatements(handle.db, marks.workspaceId, id)),
    );
    const sql = await timeCalls(n, warmup, (i) => bare.run(statements[i % statements.length] ?? []));
    rows.push({
      what: `dashboard: the same ${statements[0]?.length ?? 0} statements, bare SQL`,
      timing: sql,
      aim: '—',
    });
    const ratio = {
      p50: http.p50 / sql.p50,
      p95: http.p95 / sql.p95,
      // PostgreSQL's bare statements do their work in PostgreSQL's processes, not this one: no CPU ratio there.
      cpu: dialect === 'sqlite' ? http.cpu / sql.cpu : null,
    };

    log(`  ${dialect}: report submits`);
    await measureSubmits(handle, client, clock, { rows, rates, notes }, n);
    return { dialect, store, rows, rates, ratio, notes };
  } finally {
    await client.close();
    await app.close();
  }
}

function reporterOf(workspaceId: string, unitId: string): Actor {
  return { userId: `usr_bench_${unitId.slice(-8)}`, workspaceId, roles: ['unit-reporter'], unitId };
}

/**
 * Free report slots of the open period — a lead unit of a task in force, not closed, with no report for it yet —
 * taken from every workspace in turn: a city's submits come from all its districts, and each workspace's audit
 * chain takes its writers one at a time.
 */
async function freeSlots(db: Db, limit: number) {
  const workspaces = await db
    .selectFrom('workspaces as w')
    .select('w.id')
    .where((eb) => eb.exists(eb.selectFrom('plans as p').select('p.id').whereRef('p.workspace_id', '=', 'w.id')))
    .orderBy('w.id')
    .execute();
  const each = Math.ceil(limit / Math.max(1, workspaces.length));
  const perWorkspace = await Promise.all(
    workspaces.map((workspace) =>
      db
        .selectFrom('tasks as t')
        .innerJoin('task_units as tu', (join) =>
          join
            .onRef('tu.workspace_id', '=', 't.workspace_id')
            .onRef('tu.task_id', '=', 't.id')
            .on('tu.role', '=', 'lead'),
        )
        .select(['t.workspace_id', 't.id as task_id', 'tu.unit_id'])
        .where('t.workspace_id', '=', workspace.id)
        .where('t.removed_in_version', 'is', null)
        .where('t.closed_at', 'is', null)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('reports as r')
                .select('r.id')
                .whereRef('r.workspace_id', '=', 'tu.workspace_id')
                .whereRef('r.task_id', '=', 'tu.task_id')
                .whereRef('r.unit_id', '=', 'tu.unit_id')
                .where('r.period', '=', OPEN_PERIOD),
            ),
          ),
        )
        .orderBy('t.id')
        .orderBy('tu.unit_id')
        .limit(each)
        .execute(),
    ),
  );
  const slots: (typeof perWorkspace)[number] = [];
  for (let i = 0; i < each; i++) {
    for (const list of perWorkspace) {
      const slot = list[i];
      if (slot !== undefined) slots.push(slot);
    }
  }
  return slots.slice(0, limit);
}

/**
 * Report submits: fresh drafts of the open period through the service (each with a reading per target of its
 * task), then submitted over HTTP one at a time and 8 at a time, and through the service in process one at a time
 * and 8 at a time (units of different workspaces submitting at once: each workspace's audit chain takes its writers
 * one at a time).
 */
async function measureSubmits(
  handle: DatabaseHandle,
  client: BenchClient,
  clock: () => Date,
  out: { rows: Row[]; rates: Rate[]; notes: string[] },
  n: number,
): Promise<void> {
  const sequential = Math.min(200, n);
  const slots = await freeSlots(handle.db, 4 * sequential);
  if (slots.length < 40) {
    out.notes.push(
      `报送测试跳过：${OPEN_PERIOD} 的空报告位不足（${slots.length}）；用 --rebuild 重建数据` +
        `（not enough free report slots: rebuild with --rebuild）`,
    );
    return;
  }
  const ctx: ServiceContext = { db: handle.db, clock };
  const targetsOf = new Map<string, string[]>();
  const taskIds = [...new Set(slots.map((slot) => slot.task_id))];
  for (const row of await handle.db
    .selectFrom('targets')
    .select(['task_id', 'id'])
    .where('task_id', 'in', taskIds)
    .where('removed_in_version', 'is', null)
    .execute()) {
    if (row.task_id !== null) targetsOf.set(row.task_id, [...(targetsOf.get(row.task_id) ?? []), row.id]);
  }
  const drafts: { workspaceId: string; unitId: string; id: string; version: number }[] = [];
  const saved = await timeCalls(slots.length, 0, async (i) => {
    const slot = slots[i];
    if (slot === undefined) return;
    const report = await saveReportDraft(ctx, reporterOf(slot.workspace_id, slot.unit_id), {
      taskId: slot.task_id,
      period: OPEN_PERIOD,
      narrative: '本季度按计划推进。',
      percentDone: 60,
      confidence: 'green',
      readings: (targetsOf.get(slot.task_id) ?? []).map((targetId) => ({ targetId, value: 100 })),
    });
    drafts.push({ workspaceId: slot.workspace_id, unitId: slot.unit_id, id: report.id, version: report.version });
  });
  out.rows.push({ what: 'report draft: through the service, in process', timing: saved, aim: '—' });

  const submitRequest = (draft: (typeof drafts)[number]): BenchRequest => ({
    path: `/reports/${draft.id}/submit`,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': `bench-${draft.id}`,
      'x-bench-unit': draft.unitId,
      'x-bench-workspace': draft.workspaceId,
    },
    body: JSON.stringify({ version: draft.version }),
  });
  const fifth = Math.floor(drafts.length / 5);
  const warm = drafts.slice(0, 10).map(submitRequest);
  const one = drafts.slice(10, fifth).map(submitRequest);
  const many = drafts.slice(fifth, 2 * fifth).map(submitRequest);
  const direct = drafts.slice(2 * fifth, 3 * fifth);
  const directMany = drafts.slice(3 * fifth);
  const concurrency = 8;

  const alone = await timeHttp(client, one, warm, 1);
  out.rows.push({ what: 'report submit: HTTP, one at a time', timing: alone, aim: '—' });
  out.rates.push({
    what: 'submits over HTTP, one at a time',
    n: one.length,
    perSecond: one.length / alone.seconds,
    aim: '≥ 300/s',
  });
  const together = await timeHttp(client, many, [], concurrency);
  out.rows.push({ what: `report submit: HTTP, ${concurrency} at a time`, timing: together, aim: '—' });
  out.rates.push({
    what: `submits over HTTP, ${concurrency} at a time`,
    n: many.length,
    perSecond: many.length / together.seconds,
    aim: '≥ 300/s',
  });
  const submit = (draft: (typeof drafts)[number]) =>
    submitReport(ctx, reporterOf(draft.workspaceId, draft.unitId), draft.id, draft.version, {
      idempotencyKey: `bench-${draft.id}`,
    }).then(() => undefined);
  for (const [runs, width] of [
    [direct, 1],
    [directMany, concurrency],
  ] as const) {
    const samples: number[] = [];
    let next = 0;
    const started = performance.now();
    const { cpuMs } = await cpuDuring(() =>
      Promise.all(
        Array.from({ length: width }, async () => {
          for (let draft = runs[next++]; draft !== undefined; draft = runs[next++]) {
            const begun = performance.now();
            await submit(draft);
            samples.push(performance.now() - begun);
          }
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const how = width === 1 ? 'one at a time' : `${width} at a time`;
    out.rows.push({
      what: `report submit: through the service, in process, ${how}`,
      timing: summarize(samples, cpuMs),
      aim: '—',
    });
    out.rates.push({
      what: `submits through the service, in process, ${how}`,
      n: runs.length,
      perSecond: runs.length / seconds,
      aim: '≥ 300/s',
    });
  }
  out.notes.push(
    `报送测试填写 ${OPEN_PERIOD} 的空报告位，测后保留，下次运行使用其余空位` +
      `（the submits fill ${slots.length} free ${OPEN_PERIOD} slots of all workspaces in turn, which stay filled; ` +
      `later runs take others）`,
  );
}

// ---- Output ----

function printResult(result: Result, shape: BenchShape): void {
  const { counts, buildSeconds, reused } = result.store;
  const name = result.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const plans = shape.plansPerWorkspace.reduce((a, b) => a + b, 0);
  console.log(
    `\n### ${name} — S = ${shape.scale}: ${shape.workspaces} workspaces × ${plans / shape.workspaces} plans × ` +
      `${shape.tasksPerPlan} tasks = ${thousands(counts.tasks)} tasks; ${thousands(counts.reports)} reports, ` +
      `${thousands(counts.readings)} readings, ${thousands(counts.milestones)} milestones, ${thousands(counts.notices)} ` +
      `notices (${reused ? 'cached build, made' : 'built'} in ${buildSeconds.toFixed(0)} s)\n`,
  );
  console.log('| measure | n | p50 ms | p95 ms | p99 ms | server CPU ms / request | aim at S = 1 |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const row of result.rows) {
    const { n, p50, p95, p99, cpu } = row.timing;
    console.log(`| ${row.what} | ${n} | ${ms(p50)} | ${ms(p95)} | ${ms(p99)} | ${ms(cpu)} | ${row.aim} |`);
  }
  const { p50, p95, cpu } = result.ratio;
  const cpuText = cpu === null ? '' : `${cpu.toFixed(2)}×`;
  console.log(`| dashboard: HTTP ÷ bare SQL | | ${p50.toFixed(2)}× | ${p95.toFixed(2)}× | | ${cpuText} | ≤ 2× |`);
  if (result.rates.length > 0) {
    console.log('\n| throughput | n | per second | aim at S = 1 |');
    console.log('| --- | ---: | ---: | --- |');
    for (const rate of result.rates) {
      console.log(`| ${rate.what} | ${rate.n} | ${rate.perSecond.toFixed(0)} | ${rate.aim} |`);
    }
  }
  for (const note of result.notes) console.log(`\n${note}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const shape = benchShape(options.scale);
  const log = (line: string) => console.error(line);
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(1))
      .join(' ');
  console.log(
    `## npm run bench:api — S = ${options.scale} (clock ${BENCH_NOW}, current period 2024-Q1; ` +
      `${cpus().length} CPUs, load average ${load()})`,
  );
  for (const dialect of options.databases) {
    if (dialect === 'postgres') {
      const unreachable = await postgresReachable();
      if (unreachable !== null) {
        console.log(`\nPostgreSQL 不可用，跳过（PostgreSQL unreachable, skipped: ${unreachable}）`);
        continue;
      }
    }
    log(`${dialect}: preparing S = ${options.scale} (luoshi_bench_${scaleLabel(options.scale)})`);
    const store =
      dialect === 'sqlite'
        ? await ensureSqliteStore(shape, log, undefined, options.rebuild)
        : await ensurePostgresStore(shape, log, options.rebuild);
    const handle =
      dialect === 'sqlite'
        ? await openDatabase({ database: { dialect: 'sqlite', filename: store.where } })
        : await openDatabase({
            database: { dialect: 'postgres', connectionString: store.where, schema: null, prepare: true },
          });
    const bare = dialect === 'sqlite' ? sqliteRunner(store.where) : postgresRunner(store.where);
    try {
      printResult(await measure(dialect, store, handle, bare, options, log), shape);
      console.log(`\nload average after: ${load()}`);
    } finally {
      await bare.close();
      await handle.close();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
