/** What a route hands a service: the app's database and clock, as a ServiceContext. */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../services/context.ts';

export function serviceContext(app: FastifyInstance): ServiceContext {
  return { db: app.luoshi.db, clock: app.luoshi.clock };
}
