// npm run bench:status — deriving and caching the status of every task of the example plan (48 tasks, each lead
// unit's reports for two quarters with readings, a project with milestones on every fourth task, a notice on every
// sixth), on SQLite and on PostgreSQL: one task at a time (as before the plan's record was read in one go), the whole
// plan at once, the office's refresh, the queue and worker; and a report submit beside the queue write it now makes.
//
//   npm run bench:status                      # both databases (PostgreSQL at LUOSHI_BENCH_POSTGRES_URL or
//                                             # postgres://postgres@127.0.0.1:5432/test, in a throw-away schema)
//   npm run bench:status -- --sqlite-only
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openDatabase, type DatabaseHandle, type Db } from '../src/db/database.ts';
import { newId } from '../src/db/ids.ts';
import type { Actor, ServiceContext } from '../src/services/context.ts';
import { issueNotice } from '../src/services/notice.service.ts';
import { confirmPlanDraft, createPlanDraft } from '../src/services/plan-import.service.ts';
import { listPlanTargets, listPlanTasks } from '../src/services/plan.service.ts';
import { createMilestone, createProject } from '../src/services/project.service.ts';
import { saveReportDraft, submitReport } from '../src/services/report.service.ts';
import { findPlan } from '../src/db/queries/plan.queries.ts';
import { markPlanStatusStale, markTaskStatusStale } from '../src/db/queries/status-queue.queries.ts';
import { findCurrentTasksOfPlan } from '../src/db/queries/task-status.queries.ts';
import { jobActor } from '../src/services/job-actor.ts';
import { mapPlan } from '../src/services/plan-state.ts';
import { refreshQueuedStatuses } from '../src/services/status-refresh.service.ts';
import { deriveStatuses, refreshPlanStatuses } from '../src/services/task-status.service.ts';
import { inTransaction } from '../src/services/transaction.ts';

const POSTGRES_URL = process.env['LUOSHI_BENCH_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const EXAMPLE = readFileSync(join(import.meta.dirname, '../examples/jinshan-hongqiao-2021.md'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function at(db: Db, instant: string): ServiceContext {
  return { db, clock: () => new Date(instant) };
}

interface Built {
  office: Actor;
  planId: string;
  /** Reports still to submit, for the submit timing: [reporter, report id, version]. */
  pending: [Actor, string, number][];
}

/** The example plan with a realistic record: two quarters of reports, milestones, notices. */
async function build(db: Db): Promise<Built> {
  const workspaceId = newId('workspace');
  const now = '2021-06-10T02:00:00.000Z';
  await db
    .insertInto('workspaces')
    .values({ id: workspaceId, name: '金山区', time_zone: 'Asia/Shanghai', created_at: now, updated_at: now })
    .execute();
  const office: Actor = { userId: 'usr_office', workspaceId, roles: ['office'], unitId: null };
  const draft = await createPlanDraft(at(db, now), office, { fileName: 'example.md', bytes: EXAMPLE });
  const planId = await confirmPlanDraft(at(db, now), office, draft.id, draft.version);
  const tasks = await listPlanTasks(at(db, now), office, planId);
  const targets = await listPlanTargets(at(db, now), office, planId);
  const pending: [Actor, string, number][] = [];
  for (const [index, task] of tasks.entries()) {
    const taskTargets = targets.filter((t) => t.taskId === task.id);
    for (const [period, when] of [
      ['2021-Q2', '2021-07-10T02:00:00.000Z'],
      ['2021-Q3', '2021-10-10T02:00:00.000Z'],
      ['2021-Q4', '2022-01-10T02:00:00.000Z'],
    ] as const) {
      for (const lead of task.units.lead) {
        const reporter: Actor = { userId: `usr_${lead.id}`, workspaceId, roles: ['unit-reporter'], unitId: lead.id };
        const saved = await saveReportDraft(at(db, when), reporter, {
          taskId: task.id,
          period,
          narrative: '按计划推进',
          percentDone: 20,
          confidence: index % 5 === 0 ? 'amber' : 'green',
          problems: '',
          nextSteps: '继续推进',
          readings: taskTargets.map((t, i) => ({ targetId: t.id, value: 10 + i, source: 'report' })),
        });
        if (period === '2021-Q4') pending.push([reporter, saved.id, saved.version]);
        else await submitReport(at(db, when), reporter, saved.id, saved.version, { idempotencyKey: saved.id });
      }
    }
    if (index % 4 === 0) {
      const project = await createProject(at(db, now), office, {
        taskId: task.id,
        ownerUnitId: null,
        name: `项目${index}`,
      });
      for (const dueOn of ['2021-09-30', '2021-12-31', '2022-06-30']) {
        await createMilestone(at(db, now), office, { projectId: project.id, name: `节点${dueOn}`, dueOn });
      }
    }
    const first = task.units.lead[0];
    if (index % 6 === 0 && first !== undefined) {
      await issueNotice(at(db, '2021-11-01T02:00:00.000Z'), office, {
        taskId: task.id,
        unitId: first.id,
        level: 'urge',
        dueOn: '2021-11-20',
        body: '请加快推进',
      });
    }
  }
  return { office, planId, pending };
}

interface Sample {
  wall: number;
  cpu: number;
}

/** Wall and CPU (this process) milliseconds of each run, after `warmup` runs. */
async function sample(runs: number, warmup: number, fn: () => Promise<unknown>): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (i >= warmup) out.push({ wall, cpu: (cpu.user + cpu.system) / 1000 });
  }
  return out;
}

function cells(samples: Sample[]): string[] {
  return [median(samples.map((s) => s.wall)).toFixed(1), median(samples.map((s) => s.cpu)).toFixed(1)];
}

async function measure(name: string, handle: DatabaseHandle, rows: string[][]): Promise<void> {
  const db = handle.db;
  await migrateToLatest(db);
  const built = await build(db);
  const when = '2022-01-12T02:00:00.000Z';
  const ws = built.office.workspaceId;
  const plan = mapPlan((await findPlan(db, ws, built.planId)) ?? raise('no plan'));
  const tasks = await findCurrentTasksOfPlan(db, ws, built.planId);
  const now = new Date(when);
  const ctx = at(db, when);

  const byTask = await sample(5, 1, async () => {
    for (const task of tasks) await deriveStatuses(db, ws, plan, [task], 'Asia/Shanghai', now);
  });
  const together = await sample(9, 2, () => deriveStatuses(db, ws, plan, tasks, 'Asia/Shanghai', now));
  const refresh = await sample(9, 2, () => refreshPlanStatuses(ctx, built.office, built.planId));
  const worker = await sample(9, 2, async () => {
    await inTransaction(db, (trx) => markPlanStatusStale(trx, ws, built.planId, when));
    await refreshQueuedStatuses(ctx, jobActor(ws));
  });
  const taskId = tasks[0]?.id ?? raise('no task');
  const mark = await sample(51, 5, () => inTransaction(db, (trx) => markTaskStatusStale(trx, ws, taskId, when)));
  const submits: Sample[] = [];
  for (const [reporter, reportId, version] of built.pending) {
    submits.push(
      ...(await sample(1, 0, () =>
        submitReport(ctx, reporter, reportId, version, { idempotencyKey: `${reportId}-bench` }),
      )),
    );
  }
  rows.push([
    name,
    String(tasks.length),
    ...cells(byTask),
    ...cells(together),
    ...cells(refresh),
    ...cells(worker),
    ...cells(submits),
    cells(mark)[0] ?? '',
  ]);
}

function raise(message: string): never {
  throw new Error(message);
}

function print(rows: string[][]): void {
  const head = [
    'database',
    'tasks',
    'task by task ms',
    'cpu',
    'whole plan ms',
    'cpu',
    'office refresh ms',
    'cpu',
    'queue + worker ms',
    'cpu',
    'submit ms',
    'cpu',
    'mark ms',
  ];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  for (const r of all) console.log(r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  console.log('(medians; cpu = this process’s CPU ms; task by task = the plan derived one task at a time)');
}

const rows: string[][] = [];
const dir = mkdtempSync(join(tmpdir(), 'luoshi-bench-status-'));
const sqlite = await openDatabase({ database: { dialect: 'sqlite', filename: join(dir, 'bench.db') } });
try {
  await measure('sqlite', sqlite, rows);
} finally {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
}

if (!process.argv.includes('--sqlite-only')) {
  const schema = `luoshi_bench_${randomBytes(4).toString('hex')}`;
  const postgres = await openDatabase({
    database: { dialect: 'postgres', connectionString: POSTGRES_URL, schema, prepare: true },
  });
  try {
    await measure('postgres', postgres, rows);
  } finally {
    await postgres.close();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}
print(rows);
