/**
 * Comments on a task, or on a report or notice of a task: the discussion between the office, leaders, supervisors
 * and the task's units. Who may comment, and read the comments, is decided by the task the subject belongs to
 * (`canCommentOnTask`). Comments are not edited here; each one is audited when added.
 */
import { newId } from '../db/ids.ts';
import {
  findComment,
  findComments,
  type CommentWithNamesRow,
  findTaskIdOfSubject,
  insertComment,
  type CommentSubjectType,
} from '../db/queries/comment.queries.ts';
import type { Db } from '../db/database.ts';
import { canCommentOnTask } from '../policies/project.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, forbidden, notFound } from './errors.ts';
import { loadDeliveryTask, requiredText, type DeliveryTask } from './project.service.ts';
import { inTransaction } from './transaction.ts';

export type { CommentSubjectType } from '../db/queries/comment.queries.ts';

export const COMMENT_SUBJECT_TYPES = ['task', 'report', 'notice'] as const satisfies readonly CommentSubjectType[];

export interface CommentSubject {
  type: CommentSubjectType;
  id: string;
}

export interface Comment {
  id: string;
  version: number;
  subjectType: CommentSubjectType;
  subjectId: string;
  /** The task the subject belongs to. */
  taskId: string;
  body: string;
  authorId: string | null;
  /** The display name of `authorId`; null when it names nobody. */
  authorName: string | null;
  createdAt: string;
  updatedAt: string;
}

const BODY_MAX = 10_000;

const SUBJECT_LABELS: Readonly<Record<CommentSubjectType, string>> = {
  task: '任务',
  report: '进展报告',
  notice: '督办单',
};

function checkSubject(subject: CommentSubject): CommentSubject {
  if (!(COMMENT_SUBJECT_TYPES as readonly string[]).includes(subject.type)) {
    throw new ServiceError('invalid-input', `评论对象应为 ${COMMENT_SUBJECT_TYPES.join('、')} 之一（subject type）`, {
      field: 'subjectType',
    });
  }
  return subject;
}

/** The subject's task with its units, or `not-found`; then whether the actor may take part. */
async function taskOfSubject(db: Db, actor: Actor, subject: CommentSubject): Promise<DeliveryTask> {
  const taskId = await findTaskIdOfSubject(db, actor.workspaceId, subject.type, subject.id);
  if (taskId === undefined) throw notFound(SUBJECT_LABELS[subject.type], subject.id);
  const task = await loadDeliveryTask(db, actor, taskId);
  if (!canCommentOnTask(actor, task)) {
    throw forbidden(
      '只有领导、方案办公室、督查人员和任务的责任单位可以参与讨论（not allowed to comment on this task）',
    );
  }
  return task;
}

function toComment(row: CommentWithNamesRow, taskId: string): Comment {
  return {
    id: row.id,
    version: row.version,
    subjectType: row.subject_type as CommentSubjectType,
    subjectId: row.subject_id,
    taskId,
    body: row.body,
    authorId: row.author_id,
    authorName: row.author_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Adds a comment to a task, report or notice. */
export async function addComment(
  ctx: ServiceContext,
  actor: Actor,
  subject: CommentSubject,
  body: string,
): Promise<Comment> {
  checkSubject(subject);
  const text = requiredText(body, '评论内容', 'body', BODY_MAX);
  const at = ctx.clock();
  const now = at.toISOString();
  const id = newId('comment');
  return inTransaction(ctx.db, async (trx) => {
    const task = await taskOfSubject(trx, actor, subject);
    await insertComment(trx, {
      id,
      workspace_id: actor.workspaceId,
      created_at: now,
      updated_at: now,
      subject_type: subject.type,
      subject_id: subject.id,
      body: text,
      author_id: actor.userId,
    });
    await recordAudit(trx, actor, at, {
      action: 'comment.add',
      subjectType: 'comment',
      subjectId: id,
      detail: { on: subject.type, onId: subject.id, taskId: task.id },
    });
    const row = await findComment(trx, actor.workspaceId, id);
    if (row === undefined) throw notFound('评论', id);
    return toComment(row, task.id);
  });
}

/** The comments on a task, report or notice, oldest first. */
export async function listComments(ctx: ServiceContext, actor: Actor, subject: CommentSubject): Promise<Comment[]> {
  checkSubject(subject);
  const task = await taskOfSubject(ctx.db, actor, subject);
  const rows = await findComments(ctx.db, actor.workspaceId, subject.type, subject.id);
  return rows.map((row) => toComment(row, task.id));
}
