/**
 * The PostgreSQL runner: pg-boss 10 queues, one per job, in pg-boss's own schema (`pgboss`, or `<app schema>_pgboss`
 * when DATABASE_URL names one, so that two deployments in one database never run each other's jobs). Every app
 * process starts one; each run is taken by one of them.
 *
 * - Queues use pg-boss's `stately` policy: at most one run of a job waiting and one running across all processes,
 *   so a slow run never piles up work behind it.
 * - A job that runs every N minutes (N dividing an hour) is a pg-boss cron schedule (`*\/N * * * *`), which pg-boss
 *   sends once per slot whatever the number of processes; a faster one (the status worker) is sent by a timer in
 *   each process, the queue's policy dropping the extra sends.
 * - Each job is also sent once at start, so a cluster that was down catches up.
 */
import PgBoss from 'pg-boss';
import type { DatabaseConfig } from '../config.ts';
import { findJob, runAndLog, type JobContext, type JobDefinition, type JobLog, type JobRunner } from './runner.ts';

export interface PgBossOptions {
  readonly connectionString: string;
  /** pg-boss's schema (created on start when missing). */
  readonly schema: string;
  /** How often each process asks pg-boss for work (default 2 s). */
  readonly pollingIntervalSeconds?: number;
  /** Connections of pg-boss's own pool (default 2). */
  readonly poolSize?: number;
  /** How its connections name themselves in pg_stat_activity (default `luoshi-jobs`). */
  readonly applicationName?: string;
}

const MAX_SCHEMA_LENGTH = 63;

/** The pg-boss schema of a deployment: `pgboss`, or `<app schema>_pgboss`. */
export function pgBossSchemaFor(database: Extract<DatabaseConfig, { dialect: 'postgres' }>): string {
  if (database.schema === null) return 'pgboss';
  const suffix = '_pgboss';
  return `${database.schema.slice(0, MAX_SCHEMA_LENGTH - suffix.length)}${suffix}`;
}

/**
 * A cron line for "every N seconds", when N is a whole number of minutes that divides an hour, or an hour; else null.
 *
 * @example
 * cronFor(900); // '*\/15 * * * *'
 */
export function cronFor(everySeconds: number): string | null {
  const minutes = everySeconds / 60;
  if (minutes === 60) return '0 * * * *';
  if (!Number.isInteger(minutes) || minutes < 1 || 60 % minutes !== 0) return null;
  return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
}

export class PgBossRunner implements JobRunner {
  readonly kind = 'pg-boss';
  readonly #jobs: readonly JobDefinition[];
  readonly #context: JobContext;
  readonly #log: JobLog;
  readonly #options: PgBossOptions;
  readonly #timers: NodeJS.Timeout[] = [];
  #boss: PgBoss | null = null;

  constructor(jobs: readonly JobDefinition[], context: JobContext, log: JobLog, options: PgBossOptions) {
    this.#jobs = jobs;
    this.#context = context;
    this.#log = log;
    this.#options = options;
  }

  async start(): Promise<void> {
    if (this.#boss !== null) return;
    const boss = new PgBoss({
      connectionString: this.#options.connectionString,
      schema: this.#options.schema,
      max: this.#options.poolSize ?? 2,
      application_name: this.#options.applicationName ?? 'luoshi-jobs',
    });
    boss.on('error', (error) => this.#log.error({ err: error }, 'pg-boss 出错（pg-boss error）'));
    await boss.start();
    this.#boss = boss;
    const polling = this.#options.pollingIntervalSeconds ?? 2;
    for (const job of this.#jobs) {
      // A run that outlives this is failed by pg-boss and may start again; the jobs are safe to overlap.
      const expireInSeconds = Math.min(Math.max(job.everySeconds * 4, 15 * 60), 23 * 60 * 60);
      await boss.createQueue(job.name, { name: job.name, policy: 'stately', retryLimit: 0, expireInSeconds });
      await boss.work(job.name, { pollingIntervalSeconds: polling, batchSize: 1 }, async () => {
        await runAndLog(job, this.#context, this.#log);
      });
      const cron = cronFor(job.everySeconds);
      if (cron !== null) {
        await boss.schedule(job.name, cron);
      } else {
        const timer = setInterval(() => void this.#send(job.name), job.everySeconds * 1000);
        timer.unref();
        this.#timers.push(timer);
      }
      await this.#send(job.name);
    }
    this.#log.info(
      { runner: this.kind, schema: this.#options.schema, jobs: this.#jobs.map((job) => job.name) },
      '后台任务已启动（jobs started）',
    );
  }

  async trigger(name: string): Promise<void> {
    findJob(this.#jobs, name);
    await this.#send(name);
  }

  async stop(): Promise<void> {
    const boss = this.#boss;
    if (boss === null) return;
    this.#boss = null;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.length = 0;
    // Graceful: the runs in progress finish (up to the timeout) before pg-boss closes its pool.
    await boss.stop({ graceful: true, wait: true, close: true, timeout: 10_000 });
    this.#log.info({ runner: this.kind }, '后台任务已停止（jobs stopped）');
  }

  async #send(name: string): Promise<void> {
    const boss = this.#boss;
    if (boss === null) return;
    try {
      // null when the queue already holds a waiting run (stately): nothing more is needed.
      await boss.send(name, {});
    } catch (error) {
      this.#log.error({ job: name, err: error }, `无法提交后台任务 ${name}（cannot queue the job）`);
    }
  }
}
