/**
 * A plan's war board (挂图作战):
 *
 *   GET /api/plans/:id/dashboard → PlanDashboard
 *
 * Whoever may see the plan and its delivery record may see its dashboard (the public, even of a published plan, gets
 * 403); a plan of another workspace, or one the actor may not see, is 404.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { planDashboard } from '../../services/dashboard.service.ts';
import { requireActor } from '../actor.ts';
import { errorResponses } from '../schemas/error.ts';
import { dashboardParamsSchema, planDashboardSchema } from '../schemas/dashboard.ts';
import { serviceContext } from '../service-context.ts';

export const dashboardRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/plans/:id/dashboard',
    {
      schema: {
        tags: ['plans'],
        summary: '方案挂图作战汇总（a plan’s war board）',
        description:
          '一次返回挂图作战所需的全部数字：任务按状态、按工作方向、按牵头单位；本报告期各单位应报、已报、采纳、退回、' +
          '逾期和缺报；本期和上期报告按状态；未办结督办单按级别及逾期数；销号申请；逾期和 30 天内到期的节点；' +
          '指标的达标情况。本报告期为最近已结束的一期（各单位正在报送的一期）。',
        params: dashboardParamsSchema,
        response: { 200: planDashboardSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => planDashboard(serviceContext(app), requireActor(request), request.params.id),
  );
};
