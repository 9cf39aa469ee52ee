/**
 * Background jobs (`src/jobs/`): the queue of tasks whose cached status must be derived again, the record of the
 * report reminders the jobs have sent, and when each scheduled job last ran for a workspace.
 *
 * - `status_queue`: one row per task waiting for its status to be derived again. A change that can alter a task's
 *   status upserts its row in the change's own transaction (a new row, or `version + 1` on the row that is there);
 *   the status worker reads rows with their version, derives, and writes the status and deletes the row only where
 *   the row is still at the version it read — so a task changed again meanwhile stays queued.
 *   `created_at` is when the task first became stale, `updated_at` the latest change.
 * - `report_reminders`: append-only; one row per reminder notice (提醒) the reminder job issued, unique per task,
 *   unit and reporting period, which is what makes the job idempotent.
 * - `workspace_jobs`: bookkeeping, one row per workspace and job, with when the job last ran there (the status
 *   sweep runs a workspace again after an hour, or as soon as its local date has changed).
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';
import { transactional } from './support.ts';

const REMINDER_KINDS = ['before-due', 'overdue'];
const JOB_NAMES = ['status-sweep', 'report-reminders', 'notice-escalation'];

const required = (c: ColumnDefinitionBuilder) => c.notNull();

function inList(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/** `id`, `workspace_id`, then `version`/`created_at`/`updated_at` (mutable) or `created_at` (append-only). */
function keyed(db: Kysely<unknown>, name: string, mutable: boolean): CreateTableBuilder<string, string> {
  let t = db.schema.createTable(name).addColumn('id', 'text', required).addColumn('workspace_id', 'text', required);
  if (mutable) {
    t = t.addColumn('version', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`version >= 1`),
    );
  }
  t = t.addColumn('created_at', 'text', required);
  if (mutable) t = t.addColumn('updated_at', 'text', required);
  return t;
}

/** A reference within the workspace: `(workspace_id, column)` → `target (workspace_id, id)`. */
function ref(table: string, column: string, target: string, onDelete?: 'cascade') {
  return (t: CreateTableBuilder<string, string>) =>
    t.addForeignKeyConstraint(
      `${table}_${column}_fkey`,
      ['workspace_id', column],
      target,
      ['workspace_id', 'id'],
      onDelete === undefined ? undefined : (fk) => fk.onDelete(onDelete),
    );
}

function keys(table: string) {
  return (t: CreateTableBuilder<string, string>) =>
    t
      .addPrimaryKeyConstraint(`${table}_pkey`, ['workspace_id', 'id'])
      .addForeignKeyConstraint(`${table}_workspace_id_fkey`, ['workspace_id'], 'workspaces', ['id']);
}

export const up = transactional(async (db) => {
  await keyed(db, 'status_queue', true)
    .addColumn('task_id', 'text', required)
    .addColumn('plan_id', 'text', required)
    .$call(keys('status_queue'))
    .$call(ref('status_queue', 'task_id', 'tasks', 'cascade'))
    .$call(ref('status_queue', 'plan_id', 'plans'))
    // The upsert's conflict target: one row per task.
    .addUniqueConstraint('status_queue_task_id_key', ['workspace_id', 'task_id'])
    .execute();
  // The worker takes a workspace's oldest first.
  await db.schema
    .createIndex('status_queue_created_at_idx')
    .on('status_queue')
    .columns(['workspace_id', 'created_at'])
    .execute();

  await keyed(db, 'report_reminders', false)
    .addColumn('task_id', 'text', required)
    .addColumn('unit_id', 'text', required)
    .addColumn('period', 'text', required)
    .addColumn('kind', 'text', (c) => c.notNull().check(inList('kind', REMINDER_KINDS)))
    .addColumn('notice_id', 'text', required)
    .$call(keys('report_reminders'))
    .$call(ref('report_reminders', 'task_id', 'tasks'))
    .$call(ref('report_reminders', 'unit_id', 'units'))
    .$call(ref('report_reminders', 'notice_id', 'notices'))
    // Never two reminders for one report: two jobs racing collide here.
    .addUniqueConstraint('report_reminders_task_id_unit_id_period_key', [
      'workspace_id',
      'task_id',
      'unit_id',
      'period',
    ])
    .execute();
  await db.schema
    .createIndex('report_reminders_notice_id_idx')
    .on('report_reminders')
    .columns(['workspace_id', 'notice_id'])
    .execute();

  await keyed(db, 'workspace_jobs', true)
    .addColumn('job', 'text', (c) => c.notNull().check(inList('job', JOB_NAMES)))
    .addColumn('last_run_at', 'text', required)
    .$call(keys('workspace_jobs'))
    .addUniqueConstraint('workspace_jobs_job_key', ['workspace_id', 'job'])
    .execute();
});

export const down = transactional(async (db) => {
  for (const table of ['workspace_jobs', 'report_reminders', 'status_queue']) {
    await db.schema.dropTable(table).execute();
  }
});
