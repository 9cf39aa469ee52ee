/**
 * A confirmed plan's settings, changed by the plan office (src/services/plan-settings.service.ts).
 *
 *   PATCH /api/plans/:id/settings   {version, allowSelfApproval} → Plan
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { changePlanSettings } from '../../services/plan-settings.service.ts';
import { requireActor } from '../actor.ts';
import { errorResponses } from '../schemas/error.ts';
import { idParamsSchema, planSchema, planSettingsChangeSchema } from '../schemas/plans.ts';
import { serviceContext } from '../service-context.ts';

export const planSettingsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.patch(
    '/plans/:id/settings',
    {
      schema: {
        tags: ['plans'],
        summary: '修改方案设置（change the plan’s settings）',
        description:
          '方案办公室在方案确认后修改：allowSelfApproval 允许单位唯一的审核人审核自己填写的报告（一人单位）；默认不允许（四眼原则）。每次修改记入审计日志。',
        params: idParamsSchema,
        body: planSettingsChangeSchema,
        response: { 200: planSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => changePlanSettings(serviceContext(app), requireActor(request), request.params.id, request.body),
  );
};
