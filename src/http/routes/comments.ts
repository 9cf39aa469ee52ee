/**
 * Comments (评论) on a task, a report or a notice.
 *
 *   POST /api/comments ?type ?id → Comment
 *   GET  /api/comments ?type ?id → { items }
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { addComment, listComments } from '../../services/comment.service.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requireActor } from '../actor.ts';
import {
  addCommentBodySchema,
  commentListSchema,
  commentSchema,
  commentSubjectQuerySchema,
} from '../schemas/comments.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';

const errors = errorResponses(400, 401, 403, 404, 422);

export const commentRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  app.post(
    '/comments',
    {
      schema: {
        tags: ['comments'],
        summary: '发表评论（comment on a task, report or notice）',
        querystring: commentSubjectQuerySchema,
        body: addCommentBodySchema,
        response: { 201: commentSchema, ...errors },
      },
    },
    async (request, reply) => {
      const comment = await addComment(ctx(), requireActor(request), request.query, request.body.body);
      return reply.code(201).send(comment);
    },
  );

  app.get(
    '/comments',
    {
      schema: {
        tags: ['comments'],
        summary: '评论（the comments on a task, report or notice）',
        querystring: commentSubjectQuerySchema,
        response: { 200: commentListSchema, ...errors },
      },
    },
    async (request) => ({ items: await listComments(ctx(), requireActor(request), request.query) }),
  );
};
