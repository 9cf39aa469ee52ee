/** `GET /api/me`: the current actor, as the server sees it. The web client asks it first to know who is signed in. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireActor } from '../actor.ts';
import { currentActorSchema, type CurrentActor } from '../schemas/actor.ts';
import { errorEnvelopeSchema } from '../schemas/error.ts';

export const meRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/me',
    {
      schema: {
        tags: ['identity'],
        summary: '当前用户（the current actor）',
        description: '返回当前用户的标识、工作区、角色和所属单位；未登录时返回 401。',
        response: { 200: currentActorSchema, 401: errorEnvelopeSchema },
      },
    },
    async (request): Promise<CurrentActor> => {
      const actor = requireActor(request);
      return { userId: actor.userId, workspaceId: actor.workspaceId, roles: [...actor.roles], unitId: actor.unitId };
    },
  );
};
