/**
 * One task's page in one request (src/services/task-page.service.ts).
 *
 *   GET /api/tasks/:id   → TaskPage
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getTaskPage } from '../../services/task-page.service.ts';
import { requireActor } from '../actor.ts';
import { errorResponses } from '../schemas/error.ts';
import { taskPageParamsSchema, taskPageSchema } from '../schemas/task-page.ts';
import { serviceContext } from '../service-context.ts';

export const taskPageRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: '任务页（everything a task’s page shows）',
        description:
          '任务（编号、标题、所属方向与领域、期限、原文段落、牵头与配合单位）、推导状态及理由、指标进展、项目与节点、' +
          '最近的报告、督办单、销号、评论、附件（仅元数据）与任务动态。单位用户只看到其有权查看的报告与督办单。',
        params: taskPageParamsSchema,
        response: { 200: taskPageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => getTaskPage(serviceContext(app), requireActor(request), request.params.id),
  );
};
