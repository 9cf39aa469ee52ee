/**
 * A target's readings and progress, and the office's baseline and planned path.
 *
 *   GET /api/targets/:id/progress            → TargetProgress
 *   GET /api/targets/:id/readings            → { items }
 *   PUT /api/targets/:id/baseline            → PlanTarget
 *   PUT /api/targets/:id/trajectory/:period  → TrajectoryPoint | null (null once the override is removed)
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../services/context.ts';
import {
  listReadings,
  setTargetBaseline,
  setTrajectoryPoint,
  targetProgress,
} from '../../services/report-targets.service.ts';
import { requireActor } from '../actor.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';
import { planTargetSchema } from '../schemas/plans.ts';
import {
  setBaselineBodySchema,
  setTrajectoryPointBodySchema,
  targetIdParamsSchema,
  targetPeriodParamsSchema,
  targetProgressSchema,
  targetReadingListSchema,
  trajectoryPointSchema,
} from '../schemas/reports.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 422);

export const targetRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  app.get(
    '/targets/:id/progress',
    {
      schema: {
        tags: ['targets'],
        summary: '指标进展（a target’s progress）',
        params: targetIdParamsSchema,
        response: { 200: targetProgressSchema, ...errors },
      },
    },
    async (request) => targetProgress(ctx(), requireActor(request), request.params.id),
  );

  app.get(
    '/targets/:id/readings',
    {
      schema: {
        tags: ['targets'],
        summary: '指标读数（a target’s readings）',
        description: '已报送或已采纳报告中的读数，每期一条，按期排列。',
        params: targetIdParamsSchema,
        response: { 200: targetReadingListSchema, ...errors },
      },
    },
    async (request) => ({ items: await listReadings(ctx(), requireActor(request), request.params.id) }),
  );

  app.put(
    '/targets/:id/baseline',
    {
      schema: {
        tags: ['targets'],
        summary: '设置基期（set a target’s baseline）',
        params: targetIdParamsSchema,
        body: setBaselineBodySchema,
        response: { 200: planTargetSchema, ...errors },
      },
    },
    async (request) => {
      const { version, value, period } = request.body;
      return setTargetBaseline(ctx(), requireActor(request), request.params.id, version, { value, period });
    },
  );

  app.put(
    '/targets/:id/trajectory/:period',
    {
      schema: {
        tags: ['targets'],
        summary: '设置某期计划值（set a period’s planned value）',
        params: targetPeriodParamsSchema,
        body: setTrajectoryPointBodySchema,
        response: { 200: trajectoryPointSchema, ...errors },
      },
    },
    async (request) => {
      const { version, planned } = request.body;
      return setTrajectoryPoint(ctx(), requireActor(request), request.params.id, {
        period: request.params.period,
        planned,
        ...(version === undefined ? {} : { expectedVersion: version }),
      });
    },
  );
};
