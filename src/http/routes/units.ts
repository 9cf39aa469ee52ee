/**
 * The unit directory (单位目录):
 *
 *   GET   /api/units        → {items}   everyone who works on plans, and the system administrator
 *   POST  /api/units        → Unit      the system administrator (三员: users and units)
 *   PATCH /api/units/:id    → Unit      the system administrator
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createUnit, listUnits, updateUnitEntry } from '../../services/unit.service.ts';
import { requireActor } from '../actor.ts';
import { errorResponses } from '../schemas/error.ts';
import {
  createUnitBodySchema,
  unitIdParamsSchema,
  unitListSchema,
  unitSchema,
  updateUnitBodySchema,
} from '../schemas/units.ts';
import { serviceContext } from '../service-context.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 422);

export const unitRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/units',
    {
      schema: {
        tags: ['units'],
        summary: '单位目录（the unit directory）',
        description: '本工作区的单位，按名称排列，含各单位在文件中的其他写法（别名）。一个区的单位数以百计，不分页。',
        response: { 200: unitListSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ items: await listUnits(serviceContext(app), requireActor(request)) }),
  );

  app.post(
    '/units',
    {
      schema: {
        tags: ['units'],
        summary: '新增单位（add a unit）',
        description: '系统管理员维护单位目录。名称和别名在工作区内唯一。',
        body: createUnitBodySchema,
        response: { 201: unitSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createUnit(serviceContext(app), requireActor(request), request.body)),
  );

  app.patch(
    '/units/:id',
    {
      schema: {
        tags: ['units'],
        summary: '修改单位（edit a unit）',
        params: unitIdParamsSchema,
        body: updateUnitBodySchema,
        response: { 200: unitSchema, ...errors },
      },
    },
    async (request) => updateUnitEntry(serviceContext(app), requireActor(request), request.params.id, request.body),
  );
};
