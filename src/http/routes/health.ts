/** `GET /api/health`: 200 once the database is migrated and the app is ready; 503 while starting or stopping. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HttpError } from '../errors.ts';
import { errorEnvelopeSchema } from '../schemas/error.ts';
import { healthSchema } from '../schemas/health.ts';

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: '健康检查（health check）',
        description: '数据库已迁移、服务可接受请求时返回 200；启动或停止过程中返回 503。无需登录。',
        response: { 200: healthSchema, 503: errorEnvelopeSchema },
      },
    },
    async () => {
      if (!app.readiness.isReady) {
        throw new HttpError('unavailable', '服务正在启动或停止，请稍后再试（not ready: starting or stopping）');
      }
      return { status: 'ok' as const, database: app.luoshi.dialect };
    },
  );
};
