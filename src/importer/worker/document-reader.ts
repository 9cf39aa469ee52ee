/**
 * Reads documents in a worker thread, within a memory and a time budget, so that no document can stall the
 * calling thread (the server's event loop) or take the process's memory. 等保 2.0 level 3, 资源控制 and 入侵防范:
 * a decompression bomb, a PDF whose streams pdf.js inflates to gigabytes, or a document that is merely slow to
 * read is stopped and answered with one clear line, while every other request goes on being served.
 *
 * Three limits, each answered with `resource-limit`:
 * - time: the thread is terminated when a job runs past `timeLimitMs` (counted from the moment the thread starts
 *   on it, not while it waits in the queue);
 * - the JavaScript heap: the thread's `resourceLimits` (old generation = `memoryMb`); V8 ends the thread there;
 * - memory outside the heap: pdf.js inflates streams into ArrayBuffers, which `resourceLimits` does not count, so
 *   the calling thread watches the process's resident memory while a job runs and terminates the thread when it has
 *   grown by more than `memoryMb`. (pdf.js grows a buffer by doubling it, so the peak may pass the limit by up to
 *   the size of the last step before the next look.)
 *
 * One thread reads one document at a time; jobs queue. The thread is kept between jobs (starting one costs far
 * more than most documents take to read: see bench/parse.bench.ts), ends after a spell of idleness, is replaced
 * after a number of jobs and after any failure, and never keeps the process alive on its own. A process normally
 * has one reader ({@link sharedDocumentReader}).
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { ImportError } from '../errors.ts';
import type { JobMessage, JobOf, ReaderJob, ReaderJobKind, ReaderResults, ThreadData, ThreadMessage } from './jobs.ts';

const MIB = 1024 * 1024;

/** What one job may take. */
export interface ReaderBudget {
  /** Wall-clock milliseconds one job may run in the reader thread. */
  readonly timeLimitMs: number;
  /** The reader thread's JavaScript heap, and how far the process may grow while a job runs, in MiB. */
  readonly memoryMb: number;
}

/** The budget of the `IMPORT_TIME_LIMIT_SECONDS` and `IMPORT_MEMORY_MB` defaults (src/config.ts). */
export const DEFAULT_READER_BUDGET: ReaderBudget = Object.freeze({ timeLimitMs: 30_000, memoryMb: 512 });

export interface DocumentReaderOptions {
  /** An idle thread ends after this many milliseconds; the next job starts another (default one minute). */
  readonly idleMs?: number;
  /** A thread is replaced after this many jobs, so that nothing a document left behind piles up (default 100). */
  readonly jobsPerThread?: number;
  /** How often the process's memory is looked at while a job runs, in milliseconds (default 20). */
  readonly memoryCheckMs?: number;
  /**
   * Starts the timer of a job's time budget and returns a function that cancels it. The default is setTimeout;
   * a test passes its own to end a job when it chooses, without depending on how fast the machine is.
   */
  readonly startTimer?: (ms: number, onTimeUp: () => void) => () => void;
  /**
   * Whether a new thread loads pdf.js before it takes its first job (default true: a long-lived reader, as the
   * server's, pays once; a command that reads one file passes false and loads pdf.js only for a PDF).
   */
  readonly preloadPdf?: boolean;
}

/** Events a caller (or a test) may follow: a job taken up by the thread, and a job answered. */
export interface DocumentReaderEvents {
  start: [kind: ReaderJobKind];
  end: [kind: ReaderJobKind];
}

interface PendingJob {
  readonly id: number;
  readonly job: ReaderJob;
  readonly resolve: (value: ReaderResults[ReaderJobKind]) => void;
  readonly reject: (error: unknown) => void;
}

interface Thread {
  readonly worker: Worker;
  ready: boolean;
  jobs: number;
}

/**
 * A thread that has not said it is ready after this long never will: the jobs waiting for it fail rather than wait
 * for ever. (Starting takes about a second, several on a machine under heavy load.)
 */
const STARTUP_LIMIT_MS = 120_000;

/** The reader threads' failures that are not the document's fault: startup, a crash. Not an ImportError. */
export class ReaderThreadError extends Error {
  override readonly name = 'ReaderThreadError';
}

export class DocumentReader extends EventEmitter<DocumentReaderEvents> {
  private readonly idleMs: number;
  private readonly jobsPerThread: number;
  private readonly memoryCheckMs: number;
  private readonly startTimer: (ms: number, onTimeUp: () => void) => () => void;
  private readonly preloadPdf: boolean;
  private thread: Thread | null = null;
  private readonly queue: PendingJob[] = [];
  private running: { job: PendingJob; stop: () => void } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private nextId = 0;
  private closed = false;

  constructor(
    readonly budget: ReaderBudget = DEFAULT_READER_BUDGET,
    options: DocumentReaderOptions = {},
  ) {
    super();
    this.idleMs = options.idleMs ?? 60_000;
    this.jobsPerThread = options.jobsPerThread ?? 100;
    this.memoryCheckMs = options.memoryCheckMs ?? 20;
    this.preloadPdf = options.preloadPdf ?? true;
    this.startTimer =
      options.startTimer ??
      ((ms, onTimeUp) => {
        const timer = setTimeout(onTimeUp, ms);
        return () => clearTimeout(timer);
      });
  }

  /** True while the thread is working on a job. */
  get isReading(): boolean {
    return this.running !== null;
  }

  /**
   * Runs a job in the reader thread.
   *
   * @example
   * const { source, draft } = await reader.run({ kind: 'import-document', bytes, fileName, maxBytes });
   * @throws {ImportError} whatever the job throws, and `resource-limit` past the budget; {@link ReaderThreadError}
   *   when the thread cannot start or dies for a reason other than the budget.
   */
  run<K extends ReaderJobKind>(job: JobOf<K>): Promise<ReaderResults[K]> {
    if (this.closed) return Promise.reject(new ReaderThreadError('the document reader is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        job,
        resolve: resolve as (value: ReaderResults[ReaderJobKind]) => void,
        reject,
      });
      this.pump();
    });
  }

  /** Ends the thread; jobs still queued or running fail. */
  async close(): Promise<void> {
    this.closed = true;
    const failure = new ReaderThreadError('the document reader was closed');
    for (const pending of this.queue.splice(0)) pending.reject(failure);
    if (this.running !== null) this.finish(this.running.job, failure);
    await this.endThread();
  }

  /** Starts the next job when the thread is free, starting a thread first if there is none. */
  private pump(): void {
    if (this.running !== null || this.queue.length === 0 || this.closed) return;
    if (this.idleTimer !== null) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    const thread = this.thread ?? this.startThread();
    thread.worker.ref();
    if (!thread.ready) return; // 'ready' pumps again
    const pending = this.queue.shift();
    if (pending === undefined) return;

    thread.jobs++;
    const baseline = process.memoryUsage.rss();
    const memoryLimit = this.budget.memoryMb * MIB;
    const watch = setInterval(() => {
      if (process.memoryUsage.rss() - baseline > memoryLimit) this.fail(pending, outOfMemory(this.budget));
    }, this.memoryCheckMs);
    const cancelTimer = this.startTimer(this.budget.timeLimitMs, () => this.fail(pending, outOfTime(this.budget)));
    this.running = {
      job: pending,
      stop: () => {
        clearInterval(watch);
        cancelTimer();
      },
    };
    this.emit('start', pending.job.kind);
    const message: JobMessage = { id: pending.id, job: copyForTransfer(pending.job) };
    thread.worker.postMessage(message, transferList(message.job));
  }

  private startThread(): Thread {
    const entry = threadEntry();
    const options = {
      resourceLimits: { maxOldGenerationSizeMb: this.budget.memoryMb },
      workerData: { preloadPdf: this.preloadPdf } satisfies ThreadData,
    };
    const worker =
      typeof entry === 'string' ? new Worker(entry, { ...options, eval: true }) : new Worker(entry, options);
    const thread: Thread = { worker, ready: false, jobs: 0 };
    this.thread = thread;
    const startup = setTimeout(() => {
      if (this.thread !== thread || thread.ready) return;
      void this.endThread();
      this.failThread(new ReaderThreadError(`reader thread not ready after ${STARTUP_LIMIT_MS} ms`));
    }, STARTUP_LIMIT_MS);
    startup.unref();
    worker.once('message', () => clearTimeout(startup));
    worker.on('message', (message: ThreadMessage) => this.onMessage(thread, message));
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.thread !== thread) return;
      this.thread = null;
      const failure =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? outOfMemory(this.budget)
          : new ReaderThreadError(`reader thread failed: ${error.message}`);
      this.failThread(failure);
    });
    worker.on('exit', (code) => {
      if (this.thread !== thread) return;
      this.thread = null;
      this.failThread(new ReaderThreadError(`reader thread exited with code ${code}`));
    });
    return thread;
  }

  private onMessage(thread: Thread, message: ThreadMessage): void {
    if (this.thread !== thread) return;
    if (message.kind === 'ready') {
      thread.ready = true;
      this.pump();
      return;
    }
    const running = this.running;
    if (running === null || running.job.id !== message.id) return;
    if (message.kind === 'done') {
      this.finish(running.job, null, message.value);
    } else {
      this.finish(
        running.job,
        message.importError === null
          ? new ReaderThreadError(`reading failed: ${message.message}`)
          : new ImportError(message.importError.code, message.importError.message),
      );
    }
    if (thread.jobs >= this.jobsPerThread) void this.endThread();
    this.afterJob();
  }

  /** The thread failed (it died, or could not start): the running job fails, and so do queued ones if it never started. */
  private failThread(failure: Error): void {
    const running = this.running;
    if (running !== null) {
      this.finish(running.job, failure);
    } else {
      // The thread died before it was ready: every waiting job would meet the same fate.
      for (const pending of this.queue.splice(0)) pending.reject(failure);
    }
    this.afterJob();
  }

  /** The budget ran out: the thread is terminated (whatever it is doing) and the job fails. */
  private fail(pending: PendingJob, failure: ImportError): void {
    if (this.running?.job !== pending) return;
    this.finish(pending, failure);
    void this.endThread();
    this.afterJob();
  }

  private finish(pending: PendingJob, failure: unknown, value?: ReaderResults[ReaderJobKind]): void {
    if (this.running?.job !== pending) return;
    this.running.stop();
    this.running = null;
    this.emit('end', pending.job.kind);
    if (failure === null) pending.resolve(value as ReaderResults[ReaderJobKind]);
    else pending.reject(failure);
  }

  private afterJob(): void {
    if (this.queue.length > 0) {
      this.pump();
      return;
    }
    const thread = this.thread;
    if (thread === null) return;
    // Idle: the thread must not keep the process alive (a command that has its answer exits), and ends in a while.
    thread.worker.unref();
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.thread === thread && this.running === null) void this.endThread();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private async endThread(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    if (this.idleTimer !== null) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    if (thread !== null) await thread.worker.terminate();
  }
}

const sharedReaders = new Map<string, DocumentReader>();

/**
 * The process's reader for a budget, made on first use and shared by every caller with that budget (the server's
 * app, the first-start seed, tests that build many apps): one thread to start, not one per app. It needs no
 * closing: its idle thread keeps nothing alive and ends by itself.
 *
 * @example
 * const reader = sharedDocumentReader(config.documentReader);
 */
export function sharedDocumentReader(budget: ReaderBudget = DEFAULT_READER_BUDGET): DocumentReader {
  const key = `${budget.timeLimitMs}:${budget.memoryMb}`;
  let reader = sharedReaders.get(key);
  if (reader === undefined) {
    reader = new DocumentReader({ timeLimitMs: budget.timeLimitMs, memoryMb: budget.memoryMb });
    sharedReaders.set(key, reader);
  }
  return reader;
}

/**
 * How to start the thread. Built JavaScript starts reader-thread.js directly; from the TypeScript sources (tsx,
 * vitest) a two-line bootstrap registers tsx in the new thread first: Node 20 does not pass module hooks (tsx's
 * `--import`) on to worker threads.
 */
function threadEntry(): URL | string {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./reader-thread.js', here);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./reader-thread.ts', here).href;
  return `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
}

/**
 * The job with its bytes in a fresh buffer of their own, handed over (transferred) rather than copied again: a
 * Uint8Array may view a larger buffer (a pooled Buffer), and posting it would clone all of that.
 */
function copyForTransfer(job: ReaderJob): ReaderJob {
  return { ...job, bytes: new Uint8Array(job.bytes) };
}

function transferList(job: ReaderJob): ArrayBuffer[] {
  return job.bytes.buffer instanceof ArrayBuffer ? [job.bytes.buffer] : [];
}

function outOfMemory(budget: ReaderBudget): ImportError {
  return new ImportError(
    'resource-limit',
    `读取该文件所需内存超过 ${budget.memoryMb} MB 的上限，已停止；文件可能含有压缩炸弹（reading the file needed more than ${budget.memoryMb} MB of memory: stopped）`,
  );
}

function outOfTime(budget: ReaderBudget): ImportError {
  const seconds = Math.round((budget.timeLimitMs / 1000) * 10) / 10;
  return new ImportError(
    'resource-limit',
    `读取该文件超过 ${seconds} 秒的时限，已停止（reading the file took longer than ${seconds} s: stopped）`,
  );
}
