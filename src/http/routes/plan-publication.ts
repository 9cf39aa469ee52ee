/**
 * Publishing a plan to the public (公开) and withdrawing it: the plan office.
 *
 *   POST /api/plans/:id/publish     {version} → Plan
 *   POST /api/plans/:id/unpublish   {version} → Plan
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { setPlanPublished } from '../../services/plan-publication.service.ts';
import { requireActor } from '../actor.ts';
import { versionBodySchema } from '../schemas/auth.ts';
import { errorResponses } from '../schemas/error.ts';
import { idParamsSchema, planSchema } from '../schemas/plans.ts';
import { serviceContext } from '../service-context.ts';

const errors = errorResponses(400, 401, 403, 404, 409);

export const planPublicationRoutes: FastifyPluginAsyncZod = async (app) => {
  for (const [action, published] of [
    ['publish', true],
    ['unpublish', false],
  ] as const) {
    app.post(
      `/plans/:id/${action}`,
      {
        schema: {
          tags: ['plans'],
          summary: published ? '公开方案（publish the plan to the public）' : '撤回公开（withdraw it from the public）',
          description: '公开后，公众角色可以查看方案及其任务、指标和目标；报告、督办等过程记录不公开。',
          params: idParamsSchema,
          body: versionBodySchema,
          response: { 200: planSchema, ...errors },
        },
      },
      async (request) =>
        setPlanPublished(serviceContext(app), requireActor(request), request.params.id, {
          version: request.body.version,
          published,
        }),
    );
  }
};
