/**
 * Close-out (销号): a lead unit asks with evidence; the office approves (the task is closed) or rejects with a reason;
 * the office may reopen a closed task.
 *
 *   POST /api/tasks/:taskId/close-out        → CloseOut (the request)
 *   POST /api/close-outs/:id/approve|reject  → CloseOut
 *   POST /api/tasks/:taskId/reopen           → TaskCloseOut
 *   GET  /api/tasks/:taskId/close-out        → TaskCloseOut
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  approveCloseOut,
  getTaskCloseOut,
  rejectCloseOut,
  reopenTask,
  requestCloseOut,
} from '../../services/close-out.service.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requireActor } from '../actor.ts';
import {
  approveCloseOutBodySchema,
  closeOutIdParamsSchema,
  closeOutSchema,
  rejectCloseOutBodySchema,
  reopenTaskBodySchema,
  requestCloseOutBodySchema,
  taskCloseOutSchema,
  taskIdParamsSchema,
} from '../schemas/close-outs.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 422);

export const closeOutRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  app.post(
    '/tasks/:taskId/close-out',
    {
      schema: {
        tags: ['close-outs'],
        summary: '申请销号（request close-out）',
        description: 'evidence 与 fileId 至少给一个。',
        params: taskIdParamsSchema,
        body: requestCloseOutBodySchema,
        response: { 201: closeOutSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { evidence, fileId } = request.body;
      const closeOut = await requestCloseOut(ctx(), requireActor(request), request.params.taskId, {
        ...(evidence === undefined ? {} : { evidence }),
        ...(fileId === undefined ? {} : { fileId }),
      });
      return reply.code(201).send(closeOut);
    },
  );

  app.post(
    '/close-outs/:id/approve',
    {
      schema: {
        tags: ['close-outs'],
        summary: '同意销号（approve: the task is closed）',
        params: closeOutIdParamsSchema,
        body: approveCloseOutBodySchema,
        response: { 200: closeOutSchema, ...errors },
      },
    },
    async (request) => approveCloseOut(ctx(), requireActor(request), request.params.id, request.body.version),
  );

  app.post(
    '/close-outs/:id/reject',
    {
      schema: {
        tags: ['close-outs'],
        summary: '不同意销号（reject, with a reason）',
        params: closeOutIdParamsSchema,
        body: rejectCloseOutBodySchema,
        response: { 200: closeOutSchema, ...errors },
      },
    },
    async (request) => {
      const { version, reason } = request.body;
      return rejectCloseOut(ctx(), requireActor(request), request.params.id, version, reason);
    },
  );

  app.post(
    '/tasks/:taskId/reopen',
    {
      schema: {
        tags: ['close-outs'],
        summary: '重新打开任务（reopen a closed task）',
        params: taskIdParamsSchema,
        body: reopenTaskBodySchema,
        response: { 200: taskCloseOutSchema, ...errors },
      },
    },
    async (request) => {
      const { version, reason } = request.body;
      return reopenTask(ctx(), requireActor(request), request.params.taskId, version, reason);
    },
  );

  app.get(
    '/tasks/:taskId/close-out',
    {
      schema: {
        tags: ['close-outs'],
        summary: '任务的销号情况（a task’s close-out）',
        params: taskIdParamsSchema,
        response: { 200: taskCloseOutSchema, ...errors },
      },
    },
    async (request) => getTaskCloseOut(ctx(), requireActor(request), request.params.taskId),
  );
};
