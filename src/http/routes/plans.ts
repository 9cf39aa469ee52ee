/**
 * Reading a plan in force: everyone who works on plans (and the public, once it is published).
 *
 *   GET /api/plans/:id            → Plan
 *   GET /api/plans/:id/tasks      ?unit ?status ?strand ?q ?includeRemoved ?cursor ?limit → { items, nextCursor }
 *   GET /api/plans/:id/targets    ?includeRemoved → { items }
 *   GET /api/plans/:id/goals      ?includeRemoved → { items }
 *
 * Who may see a plan depends on the plan (published or not), so the service asks `canViewPlan` once it has it; a
 * plan the actor may not see, or of another workspace, is 404. Targets and goals are not paginated: one plan has
 * tens of them.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { normalizeSearchText } from '../../db/text-search.ts';
import type { ServiceContext } from '../../services/context.ts';
import { getPlan, listPlanGoals, listPlanTargets, listPlanTasks, type PlanTask } from '../../services/plan.service.ts';
import { requireActor } from '../actor.ts';
import { HttpError } from '../errors.ts';
import { rowsToFetch, toPage, type Page } from '../pagination.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';
import {
  idParamsSchema,
  planGoalListSchema,
  planListQuerySchema,
  planSchema,
  planTargetListSchema,
  planTaskListQuerySchema,
  planTaskPageSchema,
  type PlanTaskResponse,
} from '../schemas/plans.ts';

type TaskListQuery = z.output<typeof planTaskListQuerySchema>;

/** The text a task is found by: the parts `tasks.search_text` holds (number, title, headings, unit names). */
function searchTextOf(task: PlanTask): string {
  const units = [...task.units.lead, ...task.units.support].map((unit) => unit.name);
  return normalizeSearchText([task.number, task.title, ...task.path, ...units].join(' '));
}

/**
 * The list filters, applied here because `listPlanTasks` returns the plan's whole list in document order (a plan
 * has tens to hundreds of tasks). `q` is a substring match in the normalised form of the database's search (NFKC,
 * lower case), so "（1）" finds "(1)" and Chinese needs no word splitting.
 */
function matchesFilters(query: TaskListQuery): (task: PlanTask) => boolean {
  const needle = query.q === undefined ? undefined : normalizeSearchText(query.q);
  return (task) =>
    (query.unit === undefined || [...task.units.lead, ...task.units.support].some((u) => u.id === query.unit)) &&
    (query.status === undefined || task.status === query.status) &&
    (query.strand === undefined || task.strandNodeId === query.strand) &&
    (needle === undefined || searchTextOf(task).includes(needle));
}

/** A page of the filtered list, after the task the cursor names (cursor = the last task id of the page before). */
function pageOfTasks(tasks: readonly PlanTask[], query: TaskListQuery): Page<PlanTaskResponse> {
  let start = 0;
  if (query.cursor !== undefined) {
    const [afterId] = query.cursor;
    const at = tasks.findIndex((task) => task.id === afterId);
    if (at < 0) {
      throw new HttpError(
        'validation-failed',
        '查询参数 cursor：分页游标无效，请从第一页重新开始（invalid cursor: start again from the first page）',
      );
    }
    start = at + 1;
  }
  const rows: PlanTask[] = [];
  const matches = matchesFilters(query);
  for (let i = start; i < tasks.length && rows.length < rowsToFetch(query.limit); i++) {
    const task = tasks[i];
    if (task !== undefined && matches(task)) rows.push(task);
  }
  return toPage(
    rows,
    query.limit,
    (task) => [task.id],
    (task): PlanTaskResponse => task,
  );
}

const errors = errorResponses(400, 401, 404);

export const planRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

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
        response: { 200: planTaskPageSchema, ...errors },
      },
    },
    async (request) => {
      const { includeRemoved } = request.query;
      const tasks = await listPlanTasks(ctx(), requireActor(request), request.params.id, { includeRemoved });
      return pageOfTasks(tasks, request.query);
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
