/** The unit directory (单位) and its aliases. */
import type { Db } from '../database.ts';
import type { NewUnit, NewUnitAlias, UnitAliasRow, UnitRow, UnitUpdate } from '../schema.ts';
import { chunks } from './support.ts';

export function findUnits(db: Db, workspaceId: string): Promise<UnitRow[]> {
  return db.selectFrom('units').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').execute();
}

export function findUnitAliases(db: Db, workspaceId: string): Promise<UnitAliasRow[]> {
  return db.selectFrom('unit_aliases').selectAll().where('workspace_id', '=', workspaceId).orderBy('alias').execute();
}

export async function insertUnits(db: Db, rows: readonly NewUnit[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('units').values(slice).execute();
}

export async function insertUnitAliases(db: Db, rows: readonly NewUnitAlias[]): Promise<void> {
  for (const slice of chunks(rows)) await db.insertInto('unit_aliases').values(slice).execute();
}

export function findUnit(db: Db, workspaceId: string, id: string): Promise<UnitRow | undefined> {
  return db
    .selectFrom('units')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Updates the unit if it is still at `expectedVersion`; false when it moved on (or is gone). */
export async function updateUnit(
  db: Db,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  change: Pick<UnitUpdate, 'name' | 'full_name' | 'kind'>,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('units')
    .set((eb) => ({ ...change, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Marks units as groups (各有关单位 kept as a group in a draft review); returns the ids it changed. */
export async function markUnitsAsGroups(
  db: Db,
  workspaceId: string,
  ids: readonly string[],
  at: string,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('units')
    .set((eb) => ({ is_group: 1 as const, version: eb('version', '+', 1), updated_at: at }))
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [...ids])
    .where('is_group', '=', 0)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

export async function deleteUnitAliases(db: Db, workspaceId: string, unitId: string): Promise<void> {
  await db.deleteFrom('unit_aliases').where('workspace_id', '=', workspaceId).where('unit_id', '=', unitId).execute();
}
