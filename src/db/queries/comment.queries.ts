/** Comments on tasks, reports and notices. */
import type { Db } from '../database.ts';
import type { CommentRow, NewComment } from '../schema.ts';

/** The things a comment may be on; `subject_type` stores these names. */
export type CommentSubjectType = 'task' | 'report' | 'notice';

/** A comment with its author's display name (null when it names nobody). */
export interface CommentWithNamesRow extends CommentRow {
  author_name: string | null;
}

/** Comments with their authors' names, joined in the same statement. */
function selectComments(db: Db, workspaceId: string) {
  return db
    .selectFrom('comments as c')
    .leftJoin('users as au', (join) =>
      join.onRef('au.workspace_id', '=', 'c.workspace_id').onRef('au.id', '=', 'c.author_id'),
    )
    .selectAll('c')
    .select('au.display_name as author_name')
    .where('c.workspace_id', '=', workspaceId);
}

export async function insertComment(db: Db, row: NewComment): Promise<void> {
  await db.insertInto('comments').values(row).execute();
}

export function findComment(db: Db, workspaceId: string, id: string): Promise<CommentWithNamesRow | undefined> {
  return selectComments(db, workspaceId).where('c.id', '=', id).executeTakeFirst();
}

/** The comments on one subject, oldest first (the (subject_type, subject_id, created_at) index). */
export function findComments(
  db: Db,
  workspaceId: string,
  subjectType: CommentSubjectType,
  subjectId: string,
): Promise<CommentWithNamesRow[]> {
  return selectComments(db, workspaceId)
    .where('c.subject_type', '=', subjectType)
    .where('c.subject_id', '=', subjectId)
    .orderBy('c.created_at')
    .orderBy('c.id')
    .execute();
}

/** The task a subject of the workspace belongs to (a task is its own), or undefined when there is no such subject. */
export async function findTaskIdOfSubject(
  db: Db,
  workspaceId: string,
  subjectType: CommentSubjectType,
  subjectId: string,
): Promise<string | undefined> {
  const table = subjectType === 'task' ? 'tasks' : subjectType === 'report' ? 'reports' : 'notices';
  if (table === 'tasks') {
    const row = await db
      .selectFrom('tasks')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', subjectId)
      .executeTakeFirst();
    return row?.id;
  }
  const row = await db
    .selectFrom(table)
    .select('task_id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', subjectId)
    .executeTakeFirst();
  return row?.task_id;
}
