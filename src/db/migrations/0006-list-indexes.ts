/**
 * Indexes the task lists, the plan dashboard and the report submit path need at city scale (issue 3's benchmark,
 * `npm run bench:api`). SQLite plans without statistics (nothing runs ANALYZE): where two indexes both start with
 * `workspace_id`, it may pick the one that spares a sort and then read the whole workspace's rows. Each index here
 * leads with the columns those queries fix, followed by the order they read in, so that the right plan is also the
 * obvious one; PostgreSQL, which has statistics, uses them the same way.
 *
 * - `task_units (workspace_id, task_id, role, position, unit_id)`: a task's units by role in written order, from the
 *   index alone — what a page of tasks shows and what the dashboard joins for every task of a plan (its lead units;
 *   the primary lead at position 0). With only the unique (workspace_id, task_id, unit_id) key, SQLite scanned the
 *   workspace's (workspace_id, unit_id, role, task_id) index once per task.
 * - `readings (workspace_id, report_id, id)` replaces `(workspace_id, report_id)`: a report's readings in id order.
 *   Asked for `report_id in (…) order by report_id, id`, SQLite walked the primary key (workspace_id, id) through
 *   every reading of the workspace to spare the sort — on every report save and submit.
 * - `report_contributions (workspace_id, report_id, id)`: the same for a report's contributions.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import type { Kysely } from 'kysely';
import { transactional } from './support.ts';

async function createIndex(db: Kysely<unknown>, table: string, columns: readonly string[]): Promise<void> {
  await db.schema
    .createIndex(`${table}_${columns.slice(1).join('_')}_idx`)
    .on(table)
    .columns([...columns])
    .execute();
}

export const up = transactional(async (db) => {
  await createIndex(db, 'task_units', ['workspace_id', 'task_id', 'role', 'position', 'unit_id']);
  await createIndex(db, 'readings', ['workspace_id', 'report_id', 'id']);
  await db.schema.dropIndex('readings_report_id_idx').execute();
  await createIndex(db, 'report_contributions', ['workspace_id', 'report_id', 'id']);
});

export const down = transactional(async (db) => {
  await db.schema.dropIndex('report_contributions_report_id_id_idx').execute();
  await createIndex(db, 'readings', ['workspace_id', 'report_id']);
  await db.schema.dropIndex('readings_report_id_id_idx').execute();
  await db.schema.dropIndex('task_units_task_id_role_position_unit_id_idx').execute();
});
