/**
 * A task's derived status, and the office's refresh of a plan's cached statuses (the list filter `?status=` reads
 * the cache).
 *
 *   GET  /api/tasks/:id/status          → { taskId, status, label, reasons, otherReasons, asOf }
 *   POST /api/plans/:id/refresh-status  → { planId, counts, total, asOf }
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../services/context.ts';
import { refreshPlanStatuses, taskStatus } from '../../services/task-status.service.ts';
import { requireActor } from '../actor.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';
import {
  planStatusParamsSchema,
  planStatusRefreshSchema,
  taskStatusParamsSchema,
  taskStatusSchema,
} from '../schemas/task-status.ts';

const errors = errorResponses(400, 401, 403, 404, 409);

export const taskStatusRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  app.get(
    '/tasks/:id/status',
    {
      schema: {
        tags: ['tasks'],
        summary: '任务状态及理由（a task’s status and its reasons）',
        description:
          '按当前时间推导任务状态：未启动、正常推进、存在风险、严重滞后、已逾期、已销号，并列出理由。' +
          'reasons 为决定该状态的理由，otherReasons 为同时成立的较低级别理由。',
        params: taskStatusParamsSchema,
        response: { 200: taskStatusSchema, ...errors },
      },
    },
    async (request) => taskStatus(ctx(), requireActor(request), request.params.id),
  );

  app.post(
    '/plans/:id/refresh-status',
    {
      schema: {
        tags: ['plans'],
        summary: '刷新方案各任务的状态（refresh the plan’s task statuses）',
        description: '方案办公室重新推导方案现行各任务的状态并写入缓存（任务列表按状态筛选用），返回各状态的任务数。',
        params: planStatusParamsSchema,
        response: { 200: planStatusRefreshSchema, ...errors },
      },
    },
    async (request) => refreshPlanStatuses(ctx(), requireActor(request), request.params.id),
  );
};
