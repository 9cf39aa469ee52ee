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

/** Where a file's content is: `data` in the row, or `path` under DATA_DIR; with what it must measure and hash to. */
export type FileContentRow = Pick<FileRow, 'id' | 'size' | 'sha256' | 'path' | 'data'>;

/** A file's content (or where it is on disk), for sending it back. */
export function findFileContent(db: Db, workspaceId: string, id: string): Promise<FileContentRow | undefined> {
  return db
    .selectFrom('files')
    .select(['id', 'size', 'sha256', 'path', 'data'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}
