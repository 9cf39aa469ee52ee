/** The unit directory (单位) and its aliases. */
import type { Db } from '../database.ts';
import type { NewUnit, NewUnitAlias, UnitAliasRow, UnitRow } from '../schema.ts';
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
