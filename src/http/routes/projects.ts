/**
 * A task's break-down into projects (项目) and their milestones (节点).
 *
 *   POST  /api/tasks/:taskId/projects      → Project
 *   PATCH /api/projects/:id                → Project
 *   GET   /api/projects  ?task | ?plan | ?unit (exactly one) → { items }
 *   POST  /api/projects/:id/milestones     → Milestone
 *   GET   /api/projects/:id/milestones     → { items }
 *   PATCH /api/milestones/:id              → Milestone
 *   POST  /api/milestones/:id/done         → Milestone
 *   POST  /api/milestones/:id/remove       → 204 (marked removed, with a reason)
 *
 * The services decide who may do what; a milestone of a closed-out task refuses changes (409).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../services/context.ts';
import {
  createMilestone,
  createProject,
  listMilestones,
  listProjects,
  markMilestoneDone,
  removeMilestone,
  updateMilestone,
  updateProject,
  type ProjectListScope,
} from '../../services/project.service.ts';
import { requireActor } from '../actor.ts';
import { HttpError } from '../errors.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';
import {
  createMilestoneBodySchema,
  createProjectBodySchema,
  milestoneDoneBodySchema,
  milestoneListSchema,
  milestoneSchema,
  projectIdParamsSchema,
  projectListQuerySchema,
  projectListSchema,
  projectSchema,
  projectTaskParamsSchema,
  removeMilestoneBodySchema,
  updateMilestoneBodySchema,
  updateProjectBodySchema,
} from '../schemas/projects.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 422);

/** Drops the keys whose value is undefined (the services read a missing key as "leave it as it is"). */
function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

export const projectRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  app.post(
    '/tasks/:taskId/projects',
    {
      schema: {
        tags: ['projects'],
        summary: '新建项目（add a project to a task）',
        params: projectTaskParamsSchema,
        body: createProjectBodySchema,
        response: { 201: projectSchema, ...errors },
      },
    },
    async (request, reply) => {
      const project = await createProject(ctx(), requireActor(request), {
        ...defined(request.body),
        ownerUnitId: request.body.ownerUnitId,
        taskId: request.params.taskId,
      });
      return reply.code(201).send(project);
    },
  );

  app.patch(
    '/projects/:id',
    {
      schema: {
        tags: ['projects'],
        summary: '修改项目（change a project）',
        params: projectIdParamsSchema,
        body: updateProjectBodySchema,
        response: { 200: projectSchema, ...errors },
      },
    },
    async (request) => {
      const { version, ...change } = request.body;
      return updateProject(ctx(), requireActor(request), request.params.id, version, defined(change));
    },
  );

  app.get(
    '/projects',
    {
      schema: {
        tags: ['projects'],
        summary: '项目列表（projects of a task, a plan or a unit）',
        description: 'task、plan、unit 三者须且只能给一个。',
        querystring: projectListQuerySchema,
        response: { 200: projectListSchema, ...errors },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { task, plan, unit } = request.query;
      const given = [task, plan, unit].filter((value) => value !== undefined);
      if (given.length !== 1) {
        throw new HttpError(
          'validation-failed',
          '查询参数 task、plan、unit 须且只能给一个（exactly one of task, plan and unit）',
        );
      }
      const scope: ProjectListScope =
        task !== undefined ? { taskId: task } : plan !== undefined ? { planId: plan } : { unitId: unit ?? '' };
      return { items: await listProjects(ctx(), actor, scope) };
    },
  );

  app.post(
    '/projects/:id/milestones',
    {
      schema: {
        tags: ['projects'],
        summary: '新增节点（add a milestone）',
        params: projectIdParamsSchema,
        body: createMilestoneBodySchema,
        response: { 201: milestoneSchema, ...errors },
      },
    },
    async (request, reply) => {
      const milestone = await createMilestone(ctx(), requireActor(request), {
        ...defined(request.body),
        projectId: request.params.id,
      });
      return reply.code(201).send(milestone);
    },
  );

  app.get(
    '/projects/:id/milestones',
    {
      schema: {
        tags: ['projects'],
        summary: '项目的节点（a project’s milestones）',
        params: projectIdParamsSchema,
        response: { 200: milestoneListSchema, ...errors },
      },
    },
    async (request) => ({
      items: await listMilestones(ctx(), requireActor(request), { projectId: request.params.id }),
    }),
  );

  app.patch(
    '/milestones/:id',
    {
      schema: {
        tags: ['projects'],
        summary: '修改节点（change a milestone）',
        params: projectIdParamsSchema,
        body: updateMilestoneBodySchema,
        response: { 200: milestoneSchema, ...errors },
      },
    },
    async (request) => {
      const { version, ...change } = request.body;
      return updateMilestone(ctx(), requireActor(request), request.params.id, version, defined(change));
    },
  );

  app.post(
    '/milestones/:id/remove',
    {
      schema: {
        tags: ['projects'],
        summary: '删除节点（remove a milestone）',
        description: '节点不会被物理删除：记录删除人、时间和原因，列表、状态和作战图不再计入，审计可查。',
        params: projectIdParamsSchema,
        body: removeMilestoneBodySchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { version, reason } = request.body;
      await removeMilestone(ctx(), requireActor(request), request.params.id, version, reason);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/milestones/:id/done',
    {
      schema: {
        tags: ['projects'],
        summary: '节点完成（mark a milestone done）',
        description: 'doneOn 省略时为今天（工作区时区）。',
        params: projectIdParamsSchema,
        body: milestoneDoneBodySchema,
        response: { 200: milestoneSchema, ...errors },
      },
    },
    async (request) => {
      const { version, doneOn } = request.body;
      return markMilestoneDone(ctx(), requireActor(request), request.params.id, version, doneOn);
    },
  );
};
