/** `GET /api/units`: the workspace's unit directory (单位目录), by name, each unit with its aliases. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { canViewUnitDirectory } from '../../policies/plan.policy.ts';
import { ServiceError } from '../../services/errors.ts';
import { listUnits } from '../../services/unit.service.ts';
import { requireActor } from '../actor.ts';
import { errorEnvelopeSchema } from '../schemas/error.ts';
import { unitListSchema } from '../schemas/units.ts';

export const unitRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/units',
    {
      schema: {
        tags: ['units'],
        summary: '单位目录（the unit directory）',
        description: '本工作区的单位，按名称排列，含各单位在文件中的其他写法（别名）。一个区的单位数以百计，不分页。',
        response: { 200: unitListSchema, 401: errorEnvelopeSchema, 403: errorEnvelopeSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      if (!canViewUnitDirectory(actor)) {
        throw new ServiceError('forbidden', '无权查看单位目录（not allowed to read the unit directory）');
      }
      return { items: await listUnits({ db: app.luoshi.db, clock: app.luoshi.clock }, actor) };
    },
  );
};
