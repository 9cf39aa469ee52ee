/**
 * Reading plans in force and their tasks: everyone who works on plans (and the public, published plans only).
 *
 *   GET /api/plans                ?cursor ?limit → { items, nextCursor }   (newest first, for a plan picker)
 *   GET /api/plans/:id            → Plan
 *   GET /api/plans/:id/tasks      ?unit ?status ?strand ?q ?includeRemoved ?cursor ?limit → { items, nextCursor }
 *   GET /api/plans/:id/targets    ?includeRemoved → { items }
 *   GET /api/plans/:id/goals      ?includeRemoved → { items }
 *   GET /api/tasks                ?plan ?unit ?role ?status ?strand ?dueBefore ?dueAfter ?q ?includeRemoved
 *                                 ?cursor ?limit → { items, nextCursor }   (every plan of the workspace)
 *
 * Who may see a plan depends on the plan (published or not), so the service asks `canViewPlan` once it has it; a
 * plan the actor may not see, or of another workspace, is 404. Task lists are filtered and paginated in SQL
 * (src/services/task-list.service.ts). Targets and goals are not paginated: one plan has tens of them.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../services/context.ts';
import { getPlan, listPlanGoals, listPlanTargets, listPlans } from '../../services/plan.service.ts';
import { listPlanTaskPage, listTasks, type TaskPage } from '../../services/task-list.service.ts';
import { requireActor } from '../actor.ts';
import { HttpError } from '../errors.ts';
import { encodeCursor, type Page } from '../pagination.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';
import {
  idParamsSchema,
  planGoalListSchema,
  planListQuerySchema,
  planPageQuerySchema,
  planPageSchema,
  planSchema,
  planTargetListSchema,
  planTaskListQuerySchema,
  planTaskPageSchema,
  taskListQuerySchema,
  type PlanTaskResponse,
} from '../schemas/plans.ts';

function toTaskPage(page: TaskPage): Page<PlanTaskResponse> {
  return { items: page.items, nextCursor: page.next === null ? null : encodeCursor(page.next) };
}

const errors = errorResponses(400, 401, 404);

export const planRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  app.get(
    '/plans',
    {
      schema: {
        tags: ['plans'],
        summary: '方案列表（the workspace’s plans）',
        description: '本工作区的方案，最新的在前，分页返回（用于选择方案）。公众只能看到已公开的方案。',
        querystring: planPageQuerySchema,
        response: { 200: planPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const page = await listPlans(ctx(), requireActor(request), { after: cursor ?? null, limit });
      return { items: page.items, nextCursor: page.next === null ? null : encodeCursor(page.next) };
    },
  );

  app.get(
    '/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: '各方案的任务（tasks across the workspace’s plans）',
        description:
          '本工作区各方案的任务：方案按创建先后，方案内按原文顺序，分页返回。可按方案、单位（牵头或配合，可限定角色）、' +
          '状态、工作方向、完成期限（早于 / 晚于某日）和文字筛选；被新版本删除的任务仅在 includeRemoved=true 时列出。' +
          '公众只能看到已公开方案的任务。',
        querystring: taskListQuerySchema,
        response: { 200: planTaskPageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { plan, unit, role, status, strand, dueBefore, dueAfter, q, includeRemoved, cursor, limit } = request.query;
      const page = await listTasks(ctx(), requireActor(request), {
        ...(plan === undefined ? {} : { planId: plan }),
        ...(unit === undefined ? {} : { unitId: unit }),
        ...(role === undefined ? {} : { role }),
        ...(status === undefined ? {} : { status }),
        ...(strand === undefined ? {} : { strandId: strand }),
        ...(dueBefore === undefined ? {} : { dueBefore }),
        ...(dueAfter === undefined ? {} : { dueAfter }),
        ...(q === undefined ? {} : { q }),
        includeRemoved,
        after: cursor ?? null,
        limit,
      });
      return toTaskPage(page);
    },
  );

  app.get(
    '/plans/:id',
    {
      schema: {
        tags: ['plans'],
        summary: '方案（a plan）',
        description: '方案的文号、发文机关、期限、报告周期和现行版本。无权查看或不存在时返回 404。',
        params: idParamsSchema,
        response: { 200: planSchema, ...errors },
      },
    },
    async (request) => getPlan(ctx(), requireActor(request), request.params.id),
  );

  app.get(
    '/plans/:id/tasks',
    {
      schema: {
        tags: ['plans'],
        summary: '方案的任务（a plan’s tasks）',
        description:
          '按原文顺序列出任务，可按单位（牵头或配合）、状态、工作方向和文字筛选，分页返回。' +
          '被新版本删除的任务仅在 includeRemoved=true 时列出，排在最后。',
        params: idParamsSchema,
        querystring: planTaskListQuerySchema,
        // 403: the status filter, for the public (a task's status comes from the delivery record).
        response: { 200: planTaskPageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { unit, status, strand, q, includeRemoved, cursor, limit } = request.query;
      // A cursor of another plan's list is refused, not silently applied to this one.
      if (cursor !== undefined && cursor[0] !== request.params.id) {
        throw new HttpError(
          'validation-failed',
          '查询参数 cursor：分页游标无效，请从第一页重新开始（invalid cursor: start again from the first page）',
        );
      }
      const page = await listPlanTaskPage(ctx(), requireActor(request), request.params.id, {
        ...(unit === undefined ? {} : { unitId: unit }),
        ...(status === undefined ? {} : { status }),
        ...(strand === undefined ? {} : { strandId: strand }),
        ...(q === undefined ? {} : { q }),
        includeRemoved,
        after: cursor ?? null,
        limit,
      });
      return toTaskPage(page);
    },
  );

  app.get(
    '/plans/:id/targets',
    {
      schema: {
        tags: ['plans'],
        summary: '方案的指标（a plan’s targets）',
        description: '各任务的指标按任务顺序，其后是发展目标的指标（taskId 为 null）。',
        params: idParamsSchema,
        querystring: planListQuerySchema,
        response: { 200: planTargetListSchema, ...errors },
      },
    },
    async (request) => {
      const { includeRemoved } = request.query;
      return { items: await listPlanTargets(ctx(), requireActor(request), request.params.id, { includeRemoved }) };
    },
  );

  app.get(
    '/plans/:id/goals',
    {
      schema: {
        tags: ['plans'],
        summary: '方案的发展目标（a plan’s goals）',
        params: idParamsSchema,
        querystring: planListQuerySchema,
        response: { 200: planGoalListSchema, ...errors },
      },
    },
    async (request) => {
      const { includeRemoved } = request.query;
      return { items: await listPlanGoals(ctx(), requireActor(request), request.params.id, { includeRemoved }) };
    },
  );
};
