/** Comments (评论) on a task, a report or a notice. Shared with the web client: imports nothing but zod. */
import { z } from 'zod';
import { idSchema } from '../../domain/vocabulary.ts';

export const COMMENT_SUBJECT_TYPES = ['task', 'report', 'notice'] as const;

export const commentSubjectQuerySchema = z.object({
  type: z.enum(COMMENT_SUBJECT_TYPES),
  id: idSchema,
});

export const addCommentBodySchema = z.strictObject({ body: z.string().trim().min(1).max(10_000) });

export const commentSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    subjectType: z.enum(COMMENT_SUBJECT_TYPES),
    subjectId: z.string(),
    taskId: z.string(),
    body: z.string(),
    authorId: z.string().nullable(),
    authorName: z.string().nullable().describe('作者姓名（the author’s name）'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Comment', description: '评论（a comment）' });

export const commentListSchema = z.object({ items: z.array(commentSchema) });
