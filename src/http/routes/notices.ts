/**
 * Notices (督办单): the office issues one to a unit of a task; the unit responds; the office escalates it a level or
 * closes it.
 *
 *   POST /api/notices                                 → Notice
 *   POST /api/notices/:id/respond|escalate|close      → Notice (escalate answers the new, higher-level notice)
 *   GET  /api/notices/:id                             → Notice
 *   GET  /api/notices  ?plan ?task ?unit ?state ?level ?dueBefore ?cursor ?limit → { items, nextCursor }
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../services/context.ts';
import {
  closeNotice,
  escalateNotice,
  getNotice,
  issueNotice,
  listNotices,
  respondToNotice,
} from '../../services/notice.service.ts';
import { requireActor } from '../actor.ts';
import { encodeCursor } from '../pagination.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';
import {
  closeNoticeBodySchema,
  escalateNoticeBodySchema,
  issueNoticeBodySchema,
  noticeIdParamsSchema,
  noticeListQuerySchema,
  noticePageSchema,
  noticeSchema,
  respondNoticeBodySchema,
} from '../schemas/notices.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 422);

export const noticeRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  app.post(
    '/notices',
    {
      schema: {
        tags: ['notices'],
        summary: '发督办单（issue a notice）',
        body: issueNoticeBodySchema,
        response: { 201: noticeSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await issueNotice(ctx(), requireActor(request), request.body)),
  );

  app.post(
    '/notices/:id/respond',
    {
      schema: {
        tags: ['notices'],
        summary: '回复督办单（the unit responds）',
        params: noticeIdParamsSchema,
        body: respondNoticeBodySchema,
        response: { 200: noticeSchema, ...errors },
      },
    },
    async (request) => {
      const { version, response } = request.body;
      return respondToNotice(ctx(), requireActor(request), request.params.id, version, response);
    },
  );

  app.post(
    '/notices/:id/escalate',
    {
      schema: {
        tags: ['notices'],
        summary: '升级督办（escalate one level）',
        description: '原督办单变为“已升级”，返回新的上一级督办单。',
        params: noticeIdParamsSchema,
        body: escalateNoticeBodySchema,
        response: { 200: noticeSchema, ...errors },
      },
    },
    async (request) => {
      const { version, dueOn, body } = request.body;
      return escalateNotice(ctx(), requireActor(request), request.params.id, version, {
        dueOn,
        ...(body === undefined ? {} : { body }),
      });
    },
  );

  app.post(
    '/notices/:id/close',
    {
      schema: {
        tags: ['notices'],
        summary: '办结督办单（close a notice）',
        params: noticeIdParamsSchema,
        body: closeNoticeBodySchema,
        response: { 200: noticeSchema, ...errors },
      },
    },
    async (request) => closeNotice(ctx(), requireActor(request), request.params.id, request.body.version),
  );

  app.get(
    '/notices/:id',
    {
      schema: {
        tags: ['notices'],
        summary: '督办单（a notice）',
        params: noticeIdParamsSchema,
        response: { 200: noticeSchema, ...errors },
      },
    },
    async (request) => getNotice(ctx(), requireActor(request), request.params.id),
  );

  app.get(
    '/notices',
    {
      schema: {
        tags: ['notices'],
        summary: '督办单列表（notices）',
        description: '期限最近的在前，分页返回。',
        querystring: noticeListQuerySchema,
        response: { 200: noticePageSchema, ...errors },
      },
    },
    async (request) => {
      const { plan, task, unit, state, level, dueBefore, cursor, limit } = request.query;
      const page = await listNotices(ctx(), requireActor(request), {
        ...(plan === undefined ? {} : { planId: plan }),
        ...(task === undefined ? {} : { taskId: task }),
        ...(unit === undefined ? {} : { unitId: unit }),
        ...(state === undefined ? {} : { state }),
        ...(level === undefined ? {} : { level }),
        ...(dueBefore === undefined ? {} : { dueBefore }),
        after: cursor ?? null,
        limit,
      });
      return { items: page.items, nextCursor: page.next === null ? null : encodeCursor(page.next) };
    },
  );
};
