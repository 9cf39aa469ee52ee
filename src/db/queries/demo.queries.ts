/**
 * The demo workspace (`luoshi demo`): finding it by its reserved name, creating its row, and reading its rows back
 * for the run's summary and digest. Reads only, apart from the workspace row itself (no service creates workspaces;
 * the first-start seed inserts its own the same way).
 */
import type { Db } from '../database.ts';
import type { Database } from '../schema.ts';

export function findWorkspaceByName(db: Db, name: string): Promise<{ id: string } | undefined> {
  return db.selectFrom('workspaces').select('id').where('name', '=', name).orderBy('id').executeTakeFirst();
}

/** Workspaces other than these (the reserved `system` one, the demo's): the real ones. */
export async function countOtherWorkspaces(db: Db, exclude: readonly string[]): Promise<number> {
  const row = await db
    .selectFrom('workspaces')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('id', 'not in', exclude.length === 0 ? [''] : [...exclude])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function insertWorkspace(
  db: Db,
  row: { id: string; name: string; time_zone: string; created_at: string; updated_at: string },
): Promise<void> {
  await db.insertInto('workspaces').values(row).execute();
}

/** The tables whose rows make the demo's summary and digest. */
export const DEMO_TABLES = [
  'users',
  'units',
  'plans',
  'tasks',
  'task_units',
  'targets',
  'projects',
  'milestones',
  'reports',
  'readings',
  'report_contributions',
  'notices',
  'close_outs',
  'comments',
  'audit_events',
] as const satisfies readonly (keyof Database)[];
export type DemoTable = (typeof DEMO_TABLES)[number];

/** Every row of one table in the workspace, oldest id first (ids sort by creation). */
export async function findWorkspaceRows(
  db: Db,
  table: DemoTable,
  workspaceId: string,
): Promise<Record<string, unknown>[]> {
  // One query shape for every table: each has `workspace_id` and `id`.
  const rows = await db
    .selectFrom(table as 'reports')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy(table === 'audit_events' ? ('seq' as 'id') : 'id')
    .execute();
  return rows as unknown as Record<string, unknown>[];
}
