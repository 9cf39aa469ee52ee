import { DEFAULT_TIME_ZONE } from '../../domain/periods.ts';
import type { Db } from '../database.ts';

/**
 * The workspace's IANA time zone: periods, due dates and "today" are local to it. An unknown workspace (or one
 * made before the column had a value) gets the default, so every caller reads the same zone.
 */
export async function workspaceTimeZone(db: Db, workspaceId: string): Promise<string> {
  const row = await db.selectFrom('workspaces').select('time_zone').where('id', '=', workspaceId).executeTakeFirst();
  return row?.time_zone ?? DEFAULT_TIME_ZONE;
}
