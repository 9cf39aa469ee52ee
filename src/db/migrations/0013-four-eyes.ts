/**
 * Four-eyes on unit approval (单位审核, issue 9 finding 6): a unit approver may not approve a report they wrote.
 *
 * - `reports.written_by`: who wrote the report, a JSON array of user ids in the order they first saved it (created
 *   it or saved a revision of it). Existing reports get their creator and everyone the audit trail shows creating
 *   or saving them (`report.create`, `report.update`), so a report awaiting approval at the upgrade is judged by
 *   its whole history, not by its last hand.
 * - `plans.allow_self_approval`: the plan office's setting that lets the only approver of a unit approve a report
 *   it wrote itself (one-person units); off by default.
 *
 * The same code on SQLite and PostgreSQL. Like every released migration, this file does not change once released.
 */
import { sql } from 'kysely';
import { transactional } from './support.ts';

interface ReportAuthorRow {
  workspace_id: string;
  id: string;
  actor_id: string;
}

export const up = transactional(async (db) => {
  await db.schema
    .alterTable('reports')
    .addColumn('written_by', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('plans')
    .addColumn('allow_self_approval', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`allow_self_approval in (0, 1)`),
    )
    .execute();

  // The creator first, then the trail's writers in the order of their first event.
  const { rows } = await sql<ReportAuthorRow>`
    select workspace_id, id, created_by as actor_id, 0 as seq from reports where created_by is not null
    union all
    select e.workspace_id, e.subject_id as id, e.actor_id, e.seq from audit_events e
      join reports r on r.workspace_id = e.workspace_id and r.id = e.subject_id
      where e.subject_type = 'report' and e.action in ('report.create', 'report.update') and e.actor_id is not null
    order by workspace_id, id, seq`.execute(db);
  const writers = new Map<string, { workspaceId: string; id: string; users: string[] }>();
  for (const row of rows) {
    const key = `${row.workspace_id}\u0000${row.id}`;
    const entry = writers.get(key) ?? { workspaceId: row.workspace_id, id: row.id, users: [] };
    if (!entry.users.includes(row.actor_id)) entry.users.push(row.actor_id);
    writers.set(key, entry);
  }
  for (const { workspaceId, id, users } of writers.values()) {
    await sql`update reports set written_by = ${JSON.stringify(users)} where workspace_id = ${workspaceId} and id = ${id}`.execute(
      db,
    );
  }
});

export const down = transactional(async (db) => {
  await db.schema.alterTable('plans').dropColumn('allow_self_approval').execute();
  await db.schema.alterTable('reports').dropColumn('written_by').execute();
});
