/** Uploaded documents (append-only). Reads leave `data` out unless they ask for it. */
import type { Db } from '../database.ts';
import type { FileRow, NewFile } from '../schema.ts';

export type FileMetaRow = Omit<FileRow, 'data'>;

const META_COLUMNS = [
  'id',
  'workspace_id',
  'created_at',
  'name',
  'media_type',
  'size',
  'sha256',
  'path',
  'created_by',
] as const;

export async function insertFile(db: Db, row: NewFile): Promise<void> {
  await db.insertInto('files').values(row).execute();
}

export function findFileMeta(db: Db, workspaceId: string, id: string): Promise<FileMetaRow | undefined> {
  return db
    .selectFrom('files')
    .select(META_COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}
