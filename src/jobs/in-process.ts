/**
 * The in-process runner: a timer per job in this process. For SQLite, where one process owns the database file, so
 * there is nobody to share the work with. A job's next run is timed from the end of the last, so runs of one job
 * never overlap; timers are unreferenced, so they never keep a process alive on their own.
 */
import { findJob, runAndLog, type JobContext, type JobDefinition, type JobLog, type JobRunner } from './runner.ts';

export interface InProcessOptions {
  /** How long after `start` each job first runs (default 1 s: the server is listening by then). */
  readonly firstRunAfterMs?: number;
}

export class InProcessRunner implements JobRunner {
  readonly kind = 'in-process';
  readonly #jobs: readonly JobDefinition[];
  readonly #context: JobContext;
  readonly #log: JobLog;
  readonly #firstRunAfterMs: number;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** The run in progress (or the last one) of each job. */
  readonly #running = new Map<string, Promise<void>>();
  #started = false;
  #stopped = false;

  constructor(jobs: readonly JobDefinition[], context: JobContext, log: JobLog, options: InProcessOptions = {}) {
    this.#jobs = jobs;
    this.#context = context;
    this.#log = log;
    this.#firstRunAfterMs = options.firstRunAfterMs ?? 1000;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const job of this.#jobs) this.#schedule(job, this.#firstRunAfterMs);
    this.#log.info({ runner: this.kind, jobs: this.#jobs.map((job) => job.name) }, '后台任务已启动（jobs started）');
  }

  async trigger(name: string): Promise<void> {
    await this.#runOnce(findJob(this.#jobs, name));
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(this.#running.values());
    this.#log.info({ runner: this.kind }, '后台任务已停止（jobs stopped）');
  }

  #schedule(job: JobDefinition, delayMs: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      void this.#runOnce(job).then(() => this.#schedule(job, job.everySeconds * 1000));
    }, delayMs);
    timer.unref();
    this.#timers.set(job.name, timer);
  }

  /** Runs the job after the run in progress, if any: one run of a job at a time. */
  #runOnce(job: JobDefinition): Promise<void> {
    const previous = this.#running.get(job.name) ?? Promise.resolve();
    const next = previous.then(() => (this.#stopped ? undefined : runAndLog(job, this.#context, this.#log)));
    this.#running.set(job.name, next);
    return next;
  }
}
