/**
 * Luoshi's background jobs and their schedules. They act as the system (`jobActor`: user `system:jobs`, role
 * supervisor; see src/services/job-actor.ts), so the audit trail names them as the actor of what they change.
 *
 * | job | every | does |
 * | --- | --- | --- |
 * | `status-refresh` | 2 s | derives the queued tasks' statuses and caches them (`refreshQueuedStatuses`) |
 * | `status-sweep` | 15 min | queues every open task of a workspace once its local date has changed since its last sweep, or an hour went by (`sweepStatuses`) |
 * | `report-reminders` | 15 min | 提醒 to lead units whose report is due in REMINDER_DAYS_BEFORE days or became overdue yesterday, once per report (`sendReportReminders`) |
 * | `notice-escalation` | 15 min | open notices past their due day go up one level, up to 督办 (`escalateOverdueNotices`) |
 * | `audit-heads` | 15 min | writes each workspace's audit chain head (seq, hash, HMAC) to DATA_DIR/audit-heads/<local date>.json and to the log, once a day after its local midnight (`exportDueAuditHeads`) |
 *
 * The sweep runs every quarter of an hour so that it follows local midnight closely in any time zone; it does work
 * only for the workspaces that are due. The reminder and escalation jobs are idempotent and cheap when there is
 * nothing to do, so they may run as often.
 */
import type { Config } from '../config.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { exportDueAuditHeads } from '../services/audit-anchor.service.ts';
import type { Clock } from '../services/context.ts';
import { escalateOverdueNotices, sendReportReminders, type ReminderPolicy } from '../services/reminder.service.ts';
import { jobActor, listJobWorkspaces } from '../services/job-actor.ts';
import {
  listWorkspacesWithQueuedStatuses,
  refreshQueuedStatuses,
  sweepStatuses,
} from '../services/status-refresh.service.ts';
import { InProcessRunner } from './in-process.ts';
import { PgBossRunner, pgBossSchemaFor } from './pg-boss.ts';
import type { JobContext, JobDefinition, JobLog, JobRunner } from './runner.ts';

export type { JobContext, JobDefinition, JobLog, JobReport, JobRunner } from './runner.ts';

export const JOB_NAMES = [
  'status-refresh',
  'status-sweep',
  'report-reminders',
  'notice-escalation',
  'audit-heads',
] as const;
export type LuoshiJobName = (typeof JOB_NAMES)[number];

export const JOB_EVERY_SECONDS: Readonly<Record<LuoshiJobName, number>> = {
  'status-refresh': 2,
  'status-sweep': 15 * 60,
  'report-reminders': 15 * 60,
  'notice-escalation': 15 * 60,
  'audit-heads': 15 * 60,
};

interface Failure {
  subjectId: string;
  error: unknown;
}

/**
 * Runs `work` in each workspace as the jobs' actor; a workspace that fails is reported (by id) and the others go
 * on. Returns each workspace's result.
 */
async function eachWorkspace<T>(
  workspaceIds: readonly string[],
  failures: Failure[],
  work: (actor: ReturnType<typeof jobActor>) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  for (const id of workspaceIds) {
    try {
      results.push(await work(jobActor(id)));
    } catch (error) {
      failures.push({ subjectId: id, error });
    }
  }
  return results;
}

async function jobWorkspaceIds(context: JobContext): Promise<string[]> {
  return (await listJobWorkspaces(context)).map((workspace) => workspace.id);
}

/** The jobs, with the reminder policy and the data folder from the configuration. */
export function luoshiJobs(policy: ReminderPolicy, options: { dataDir: string }): JobDefinition[] {
  return [
    {
      name: 'status-refresh',
      everySeconds: JOB_EVERY_SECONDS['status-refresh'],
      async run(context) {
        const failures: Failure[] = [];
        const ids = await listWorkspacesWithQueuedStatuses(context);
        const runs = await eachWorkspace(ids, failures, (actor) => refreshQueuedStatuses(context, actor));
        for (const run of runs) failures.push(...run.failures.map((f) => ({ subjectId: f.planId, error: f.error })));
        const written = runs.reduce((n, run) => n + run.written, 0);
        const changed = runs.reduce((n, run) => n + run.changes.length, 0);
        return {
          summary: `任务状态已更新：${written} 项，其中 ${changed} 项有变化（statuses refreshed）`,
          facts: { workspaces: ids.length, written, changed },
          idle: ids.length === 0 && failures.length === 0,
          failures,
        };
      },
    },
    {
      name: 'status-sweep',
      everySeconds: JOB_EVERY_SECONDS['status-sweep'],
      async run(context) {
        const failures: Failure[] = [];
        const runs = await eachWorkspace(await jobWorkspaceIds(context), failures, (actor) =>
          sweepStatuses(context, actor),
        );
        const swept = runs.filter((tasks) => tasks !== null);
        const tasks = swept.reduce((n: number, count) => n + (count ?? 0), 0);
        return {
          summary: `定时复核任务状态：${swept.length} 个工作区、${tasks} 项任务待更新（status sweep）`,
          facts: { workspaces: swept.length, tasks },
          idle: swept.length === 0 && failures.length === 0,
          failures,
        };
      },
    },
    {
      name: 'report-reminders',
      everySeconds: JOB_EVERY_SECONDS['report-reminders'],
      async run(context) {
        const failures: Failure[] = [];
        const runs = await eachWorkspace(await jobWorkspaceIds(context), failures, (actor) =>
          sendReportReminders(context, actor, policy),
        );
        for (const run of runs) failures.push(...run.failures);
        const sent = runs.reduce((n, run) => n + run.sent.length, 0);
        const closed = runs.reduce((n, run) => n + run.closed.length, 0);
        return {
          summary: `报告提醒：发出 ${sent} 份，办结 ${closed} 份（report reminders）`,
          facts: { sent, closed },
          idle: sent === 0 && closed === 0 && failures.length === 0,
          failures,
        };
      },
    },
    {
      name: 'notice-escalation',
      everySeconds: JOB_EVERY_SECONDS['notice-escalation'],
      async run(context) {
        const failures: Failure[] = [];
        const runs = await eachWorkspace(await jobWorkspaceIds(context), failures, (actor) =>
          escalateOverdueNotices(context, actor, policy),
        );
        for (const run of runs) failures.push(...run.failures);
        const escalated = runs.reduce((n, run) => n + run.escalated.length, 0);
        const closed = runs.reduce((n, run) => n + run.closed.length, 0);
        return {
          summary: `督办单逾期升级：${escalated} 份，办结 ${closed} 份（notices escalated）`,
          facts: { escalated, closed },
          idle: escalated === 0 && closed === 0 && failures.length === 0,
          failures,
        };
      },
    },
    {
      // The heads leave the database, so a cut back to an earlier head shows (src/services/audit-anchor.service.ts).
      // The log line carries them too, for a deployment that collects logs rather than files.
      name: 'audit-heads',
      everySeconds: JOB_EVERY_SECONDS['audit-heads'],
      async run(context) {
        const { exports, failing } = await exportDueAuditHeads(context, options.dataDir);
        const heads = exports.flatMap((written) => written.heads);
        return {
          summary: `审计链头已写出：${heads.length} 个工作区（audit chain heads written outside the database）`,
          facts: { files: exports.map((written) => written.file), heads },
          idle: heads.length === 0 && failing.length === 0,
          failures: failing.map((workspaceId) => ({
            subjectId: workspaceId,
            error: new Error(
              `审计链头的 HMAC 与 AUDIT_KEY 不符，未写出（the head fails AUDIT_KEY: not written; run luoshi audit verify）`,
            ),
          })),
        };
      },
    },
  ];
}

export interface JobRunnerOptions {
  readonly database: Pick<DatabaseHandle, 'db' | 'dialect'>;
  readonly config: Pick<Config, 'database' | 'jobs' | 'dataDir'>;
  readonly clock: Clock;
  readonly log: JobLog;
  /** Only these jobs (tests); all by default. */
  readonly only?: readonly LuoshiJobName[];
  /** pg-boss's schema, when not the deployment's (tests give it their own). */
  readonly pgBossSchema?: string;
}

/**
 * The runner for the configured database: pg-boss on PostgreSQL, timers in this process on SQLite. It is not
 * started; `start()` it after the migrations, `stop()` it before closing the database.
 */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { config, database, clock, log } = options;
  const policy = {
    daysBefore: config.jobs.reminderDaysBefore,
    responseDays: config.jobs.noticeResponseDays,
  };
  const jobs = luoshiJobs(policy, { dataDir: config.dataDir }).filter(
    (job) => options.only === undefined || (options.only as readonly string[]).includes(job.name),
  );
  const context = { db: database.db, clock };
  if (database.dialect === 'postgres' && config.database.dialect === 'postgres') {
    return new PgBossRunner(jobs, context, log, {
      connectionString: config.database.connectionString,
      schema: options.pgBossSchema ?? pgBossSchemaFor(config.database),
    });
  }
  return new InProcessRunner(jobs, context, log);
}
