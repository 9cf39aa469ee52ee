/**
 * Background jobs behind one interface, with two implementations: `InProcessRunner` (timers in this process, for
 * SQLite, where one process owns the file) and `PgBossRunner` (pg-boss queues on PostgreSQL, where several app
 * processes share the work and each run happens in one of them). What jobs exist and how often they run is
 * `src/jobs/index.ts`; what they do is in the services.
 *
 * Every job is safe to run twice at once (the services hold their own guards: queue versions, unique keys, version
 * checks), so a runner only has to keep runs from piling up, not to make them exclusive.
 */
import type { Db } from '../db/database.ts';
import type { Clock } from '../services/context.ts';

/** What a job runs against. */
export interface JobContext {
  readonly db: Db;
  readonly clock: Clock;
}

/** What a run did, for the log. */
export interface JobReport {
  /** One line, Chinese first. */
  readonly summary: string;
  readonly facts?: Readonly<Record<string, unknown>>;
  /** Nothing to do: logged at debug level only (the status worker runs every few seconds). */
  readonly idle?: boolean;
  /** Items the run could not do (the rest went on); each is logged as an error. */
  readonly failures?: readonly { readonly subjectId: string; readonly error: unknown }[];
}

export interface JobDefinition {
  /** Letters, digits and hyphens (a pg-boss queue name). */
  readonly name: string;
  /** How often it runs. */
  readonly everySeconds: number;
  run(context: JobContext): Promise<JobReport>;
}

/** Where runners write: a Fastify/pino logger fits. */
export interface JobLog {
  debug(facts: object, message: string): void;
  info(facts: object, message: string): void;
  error(facts: object, message: string): void;
}

export interface JobRunner {
  readonly kind: 'in-process' | 'pg-boss';
  /** Schedules every job; each also runs once soon after the start (a process that was down catches up). */
  start(): Promise<void>;
  /**
   * Asks for a run of `name` now. In-process it resolves once that run has finished; with pg-boss once the run is
   * queued (a worker of some process takes it within its polling interval).
   */
  trigger(name: string): Promise<void>;
  /** Stops scheduling and waits for the runs in progress. */
  stop(): Promise<void>;
}

/** Runs a job once and logs what it did; never throws (a failed run is logged, and the next one tries again). */
export async function runAndLog(job: JobDefinition, context: JobContext, log: JobLog): Promise<void> {
  const started = performance.now();
  try {
    const report = await job.run(context);
    const facts = { job: job.name, ms: Math.round(performance.now() - started), ...report.facts };
    if (report.idle === true) log.debug(facts, report.summary);
    else log.info(facts, report.summary);
    for (const failure of report.failures ?? []) {
      log.error(
        { job: job.name, subjectId: failure.subjectId, err: failure.error },
        `后台任务 ${job.name} 处理 ${failure.subjectId} 失败（job item failed）`,
      );
    }
  } catch (error) {
    log.error({ job: job.name, err: error }, `后台任务 ${job.name} 运行失败（job failed）`);
  }
}

export function findJob(jobs: readonly JobDefinition[], name: string): JobDefinition {
  const job = jobs.find((candidate) => candidate.name === name);
  if (job === undefined) throw new Error(`unknown job "${name}"`);
  return job;
}
