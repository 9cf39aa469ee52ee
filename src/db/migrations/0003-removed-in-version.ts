/**
 * Removed by a re-import: a task, target or tree node that a later version of its plan no longer has keeps its row
 * (the progress recorded against it stays) and records the number of the plan version that dropped it in
 * `removed_in_version`; null while the row is in force. A later version that has it again clears it.
 *
 * Before this column a removed row's position was negated (−1 − its position). Such rows are converted here: the
 * position comes back, and the version is the latest one confirmed when the row was last written (the confirm that
 * removed it writes the row and the version with one timestamp), else the plan's current version.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { sql } from 'kysely';
import { transactional } from './support.ts';

const TABLES = ['nodes', 'tasks', 'targets'] as const;

/** The plan version that removed a negative-position row of `table` (all three tables carry plan_id). */
function removingVersion(table: string) {
  const column = (name: string) => sql.ref(`${table}.${name}`);
  return sql<number>`coalesce(
    (select max(v.number) from plan_versions v
      where v.workspace_id = ${column('workspace_id')} and v.plan_id = ${column('plan_id')}
        and v.created_at <= ${column('updated_at')}),
    (select p.current_version from plans p where p.workspace_id = ${column('workspace_id')} and p.id = ${column('plan_id')})
  )`;
}

export const up = transactional(async (db) => {
  for (const table of TABLES) {
    await db.schema
      .alterTable(table)
      .addColumn('removed_in_version', 'integer', (c) => c.check(sql`removed_in_version >= 1`))
      .execute();
    await sql`update ${sql.table(table)}
      set removed_in_version = ${removingVersion(table)}, position = -1 - position
      where position < 0`.execute(db);
  }
  // The plan's task list: the tasks in force in document order (`removed_in_version is null order by position`),
  // straight from the index. It serves every look-up the (plan_id, position) index did, so it replaces it.
  await db.schema.dropIndex('tasks_plan_id_position_idx').execute();
  await db.schema
    .createIndex('tasks_plan_id_removed_in_version_position_idx')
    .on('tasks')
    .columns(['workspace_id', 'plan_id', 'removed_in_version', 'position'])
    .execute();
});

export const down = transactional(async (db) => {
  await db.schema.dropIndex('tasks_plan_id_removed_in_version_position_idx').execute();
  await db.schema
    .createIndex('tasks_plan_id_position_idx')
    .on('tasks')
    .columns(['workspace_id', 'plan_id', 'position'])
    .execute();
  for (const table of TABLES) {
    await sql`update ${sql.table(table)} set position = -1 - position
      where removed_in_version is not null and position >= 0`.execute(db);
    await db.schema.alterTable(table).dropColumn('removed_in_version').execute();
  }
});
