// The in-process runner (SQLite, one process): jobs run soon after the start and then on their interval, one run of
// a job at a time; a failed run is logged and the next one goes ahead; `trigger` runs a job now; `stop` waits for
// the run in progress. And the real status worker, driven through it on a real database.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markTaskStatusStale } from '../../src/db/queries/status-queue.queries.ts';
import { InProcessRunner } from '../../src/jobs/in-process.ts';
import { createJobRunner, type JobDefinition, type JobLog } from '../../src/jobs/index.ts';
import { recordAudit } from '../../src/services/audit.ts';
import { inTransaction } from '../../src/services/transaction.ts';
import { buildActor, buildWorkspace, fixedClock } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { auditHeadOf } from '../helpers/audit-tamper.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildReportPlan } from '../report-factories.ts';

interface Line {
  level: 'debug' | 'info' | 'error';
  facts: Record<string, unknown>;
  message: string;
}

/** A log that keeps its lines, to read what the runner reported. */
function collectingLog(): JobLog & { lines: Line[] } {
  const lines: Line[] = [];
  const write = (level: Line['level']) => (facts: object, message: string) =>
    lines.push({ level, facts: facts as Record<string, unknown>, message });
  return { lines, debug: write('debug'), info: write('info'), error: write('error') };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await sleep(10);
  }
}

describe('InProcessRunner', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await database.dispose();
  });
  const context = () => ({ db: database.db, clock: fixedClock() });

  it('runs each job soon after the start and then on its interval, never two runs of a job at once', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const slow: JobDefinition = {
      name: 'slow',
      everySeconds: 0.01,
      async run() {
        running += 1;
        most = Math.max(most, running);
        await sleep(30);
        running -= 1;
        runs += 1;
        return { summary: `第 ${runs} 次（run ${runs}）`, facts: { runs } };
      },
    };
    const log = collectingLog();
    const runner = new InProcessRunner([slow], context(), log, { firstRunAfterMs: 5 });
    await runner.start();
    await until(() => runs >= 3);
    // A trigger while the timer's runs go on waits its turn.
    await runner.trigger('slow');
    await runner.stop();
    const after = runs;
    await sleep(60);
    expect(runs).toBe(after);
    expect(most).toBe(1);
    expect(log.lines[0]).toMatchObject({
      level: 'info',
      message: '后台任务已启动（jobs started）',
      facts: { jobs: ['slow'] },
    });
    expect(log.lines.filter((l) => l.facts['job'] === 'slow').map((l) => l.facts['runs'])).toEqual(
      Array.from({ length: after }, (_, i) => i + 1),
    );
    expect(log.lines.at(-1)?.message).toBe('后台任务已停止（jobs stopped）');
  });

  it('logs a failed run and items that failed, logs idle runs at debug only, and keeps going', async () => {
    let calls = 0;
    const flaky: JobDefinition = {
      name: 'flaky',
      everySeconds: 3600,
      async run() {
        calls += 1;
        if (calls === 1) throw new Error('数据库暂时不可用');
        if (calls === 2) return { summary: '无事可做', idle: true };
        return { summary: '处理完毕', failures: [{ subjectId: 'pln_1', error: new Error('bad plan') }] };
      },
    };
    const log = collectingLog();
    const runner = new InProcessRunner([flaky], context(), log, { firstRunAfterMs: 60_000 });
    await runner.start();
    await runner.trigger('flaky');
    await runner.trigger('flaky');
    await runner.trigger('flaky');
    await runner.stop();
    const lines = log.lines.filter((l) => l.facts['job'] === 'flaky');
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['error', '后台任务 flaky 运行失败（job failed）'],
      ['debug', '无事可做'],
      ['info', '处理完毕'],
      ['error', '后台任务 flaky 处理 pln_1 失败（job item failed）'],
    ]);
    await expect(runner.trigger('missing')).rejects.toThrow(/unknown job/);
  });

  it('drives the status worker on SQLite', async () => {
    const plan = await buildReportPlan(database.db);
    await markTaskStatusStale(database.db, plan.workspaceId, plan.taskId, '2021-07-20T02:00:00.000Z');
    const runner = createJobRunner({
      database,
      config: testConfig(),
      clock: fixedClock('2021-07-20T02:00:00.000Z'),
      log: collectingLog(),
      only: ['status-refresh'],
    });
    expect(runner.kind).toBe('in-process');
    await runner.start();
    await runner.trigger('status-refresh');
    await runner.stop();
    const task = await database.db
      .selectFrom('tasks')
      .select(['status', 'status_at'])
      .where('id', '=', plan.taskId)
      .executeTakeFirstOrThrow();
    // 2021-Q2's report was due by 15 July and is missing.
    expect(task).toEqual({ status: 'at-risk', status_at: '2021-07-20T02:00:00.000Z' });
  });

  it('runs the sweep, the reminders and the escalation for every workspace with plans', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const plans = [await buildReportPlan(database.db), await buildReportPlan(database.db)];
      let now = '2021-07-13T02:00:00.000Z';
      const log = collectingLog();
      const runner = createJobRunner({
        database,
        config: testConfig({ REMINDER_DAYS_BEFORE: '3', NOTICE_RESPONSE_DAYS: '5' }),
        clock: () => new Date(now),
        log,
      });
      const summary = (job: string) => log.lines.filter((l) => l.facts['job'] === job).at(-1)?.message;
      await runner.start();
      await runner.trigger('status-sweep');
      expect(summary('status-sweep')).toBe('定时复核任务状态：2 个工作区、2 项任务待更新（status sweep）');
      await runner.trigger('report-reminders');
      expect(summary('report-reminders')).toBe('报告提醒：发出 2 份，办结 0 份（report reminders）');
      await runner.trigger('status-refresh');
      expect(summary('status-refresh')).toBe('任务状态已更新：2 项，其中 2 项有变化（statuses refreshed）');
      now = '2021-07-16T02:00:00.000Z';
      await runner.trigger('notice-escalation');
      expect(summary('notice-escalation')).toBe('督办单逾期升级：2 份，办结 0 份（notices escalated）');
      await runner.stop();
      for (const plan of plans) {
        const levels = await database.db
          .selectFrom('notices')
          .select(['level', 'state'])
          .where('task_id', '=', plan.taskId)
          .orderBy('created_at')
          .execute();
        expect(levels).toEqual([
          { level: 'reminder', state: 'escalated' },
          { level: 'urge', state: 'open' },
        ]);
      }
      expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      await database.dispose();
    }
  });
  it('finding 4: writes the audit chain heads outside the database, to a file and the log, once a local day', async () => {
    const database = await createTestDatabase('sqlite');
    const dir = mkdtempSync(join(tmpdir(), 'luoshi-job-heads-'));
    try {
      const workspace = await buildWorkspace(database.db);
      await inTransaction(database.db, (trx) =>
        recordAudit(trx, buildActor(workspace.id), new Date('2021-10-16T08:00:00.000Z'), {
          action: 'plan.confirm',
          subjectType: null,
          subjectId: null,
        }),
      );
      const now = '2021-10-16T16:05:00.000Z'; // 00:05 on 17 October in Shanghai
      const log = collectingLog();
      const runner = createJobRunner({
        database,
        config: testConfig({ DATA_DIR: dir }),
        clock: () => new Date(now),
        log,
        only: ['audit-heads'],
      });
      await runner.start();
      await runner.trigger('audit-heads');
      await runner.trigger('audit-heads');
      await runner.stop();
      const head = { workspaceId: workspace.id, ...(await auditHeadOf(database.db, workspace.id)), at: now };
      const file = join(dir, 'audit-heads', '2021-10-17.json');
      const lines = log.lines.filter((line) => line.facts['job'] === 'audit-heads');
      // Written once; every later run of the day finds the head in the file and has nothing to do.
      expect(lines.filter((line) => line.level !== 'debug')).toEqual([
        {
          level: 'info',
          message: '审计链头已写出：1 个工作区（audit chain heads written outside the database）',
          facts: expect.objectContaining({ files: [file], heads: [head] }),
        },
      ]);
      expect(lines.filter((line) => line.level === 'debug').length).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ format: 'luoshi-audit-heads/1', heads: [head] });
    } finally {
      await database.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
