// The PostgreSQL runner: pg-boss 10 in a schema of the test's own, which it creates on start; a job's queue gets its
// cron schedule, a job sent runs in a worker, and stop waits for the run in progress and closes pg-boss's
// connections. Then the real status worker through pg-boss on a real database. On SQLite the in-process runner is used.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { markTaskStatusStale } from '../../src/db/queries/status-queue.queries.ts';
import { createJobRunner, type JobDefinition, type JobLog } from '../../src/jobs/index.ts';
import { PgBossRunner, cronFor, pgBossSchemaFor } from '../../src/jobs/pg-boss.ts';
import { fixedClock } from '../factories.ts';
import { testConfig } from '../helpers/app.ts';
import { TEST_POSTGRES_URL, describeEachDatabase } from '../helpers/db.ts';
import { buildReportPlan } from '../report-factories.ts';

const quiet: JobLog = { debug: () => {}, info: () => {}, error: () => {} };

/** A schema of this test's own, named as the test helper names schemas (so a killed run's is dropped later). */
function bossSchema(): string {
  return `luoshi_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}_boss`;
}

const schemas: string[] = [];

afterAll(async () => {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
});

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await sleep(100);
  }
}

it('names its schema after the deployment’s and schedules whole minutes as cron', () => {
  expect(
    pgBossSchemaFor({ dialect: 'postgres', connectionString: 'postgres://db/luoshi', schema: null, prepare: true }),
  ).toBe('pgboss');
  expect(
    pgBossSchemaFor({
      dialect: 'postgres',
      connectionString: 'postgres://db/luoshi',
      schema: 'district_a',
      prepare: true,
    }),
  ).toBe('district_a_pgboss');
  expect(
    pgBossSchemaFor({ dialect: 'postgres', connectionString: 'x', schema: 'a'.repeat(63), prepare: true }),
  ).toHaveLength(63);
  expect([cronFor(900), cronFor(60), cronFor(3600), cronFor(2), cronFor(420)]).toEqual([
    '*/15 * * * *',
    '* * * * *',
    '0 * * * *',
    null,
    null,
  ]);
});

describeEachDatabase('job runner', (database, dialect) => {
  if (dialect === 'sqlite') {
    it('is the in-process one on SQLite', () => {
      const runner = createJobRunner({ database: database(), config: testConfig(), clock: fixedClock(), log: quiet });
      expect(runner.kind).toBe('in-process');
    });
    return;
  }

  it('starts pg-boss in its own schema, runs a job sent to it, and stops cleanly', async () => {
    const schema = bossSchema();
    schemas.push(schema);
    const applicationName = `luoshi-jobs-test-${randomBytes(3).toString('hex')}`;
    const runs: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const job: JobDefinition = {
      name: 'test-job',
      everySeconds: 900,
      async run(context) {
        runs.push(context.clock().toISOString());
        // The first run waits, so that stop() has a run in progress to wait for.
        if (runs.length === 2) await held;
        return { summary: '测试任务（test job）' };
      },
    };
    const runner = new PgBossRunner([job], { db: database().db, clock: fixedClock() }, quiet, {
      connectionString: TEST_POSTGRES_URL,
      schema,
      pollingIntervalSeconds: 0.5,
      applicationName,
    });
    await runner.start();
    // Sent once at start.
    await until(() => runs.length === 1);
    const schedules = await sql<{ name: string; cron: string }>(`select name, cron from ${schema}.schedule`);
    expect(schedules).toEqual([{ name: 'test-job', cron: '*/15 * * * *' }]);
    // pg-boss keeps an internal queue of its own (`__pgboss__…`) beside ours.
    const queues = await sql<{ name: string; policy: string }>(
      `select name, policy from ${schema}.queue where name not like '\\_\\_pgboss%'`,
    );
    expect(queues).toEqual([{ name: 'test-job', policy: 'stately' }]);

    await runner.trigger('test-job');
    await until(() => runs.length === 2);
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await sleep(300);
    expect(stopped).toBe(false);
    release();
    await stopping;
    const left = await sql<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where application_name = $1',
      [applicationName],
    );
    expect(left).toEqual([{ n: 0 }]);
    const states = await sql<{ state: string }>(
      `select state from ${schema}.job where name = 'test-job' order by created_on`,
    );
    expect(states.map((row) => row.state)).toEqual(['completed', 'completed']);
  });

  it('drives the status worker through pg-boss', async () => {
    const schema = bossSchema();
    schemas.push(schema);
    const db = database().db;
    const plan = await buildReportPlan(db);
    await markTaskStatusStale(db, plan.workspaceId, plan.taskId, '2021-07-20T02:00:00.000Z');
    const runner = createJobRunner({
      database: database(),
      config: testConfig({ DATABASE_URL: TEST_POSTGRES_URL }),
      clock: fixedClock('2021-07-20T02:00:00.000Z'),
      log: quiet,
      only: ['status-refresh'],
      pgBossSchema: schema,
    });
    expect(runner.kind).toBe('pg-boss');
    await runner.start();
    try {
      const status = async () =>
        (await db.selectFrom('tasks').select('status').where('id', '=', plan.taskId).executeTakeFirstOrThrow()).status;
      await until(async () => (await status()) !== null);
      expect(await status()).toBe('at-risk');
    } finally {
      await runner.stop();
    }
  });
});
