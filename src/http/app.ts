/**
 * The Fastify app: validation and serialization by zod, the error envelope, the actor, the OpenAPI document and the
 * routes under `/api`. `luoshiApp` is the app as a plugin; `buildApp` makes a Fastify instance around it, for
 * `listen` (src/server.ts) or for `inject` (tests, with no port).
 *
 * @example
 * const app = await buildApp({ database, config });
 * const response = await app.inject({ method: 'GET', url: '/api/health' });
 */
import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import fp from 'fastify-plugin';
import {
  serializerCompiler,
  validatorCompiler,
  type FastifyPluginAsyncZod,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Config } from '../config.ts';
import type { DatabaseHandle, Db, DialectName } from '../db/database.ts';
import { systemClock, type Clock } from '../services/context.ts';
import actorPlugin, { type ActorResolver } from './actor.ts';
import { handleError, notFoundResponse } from './errors.ts';
import openApiPlugin from './openapi.ts';
import { closeOutRoutes } from './routes/close-outs.ts';
import { commentRoutes } from './routes/comments.ts';
import { healthRoutes } from './routes/health.ts';
import { meRoutes } from './routes/me.ts';
import { noticeRoutes } from './routes/notices.ts';
import { planDraftRoutes } from './routes/plan-drafts.ts';
import { planRoutes } from './routes/plans.ts';
import { projectRoutes } from './routes/projects.ts';
import { reportRoutes } from './routes/reports.ts';
import { targetRoutes } from './routes/targets.ts';
import { taskStatusRoutes } from './routes/task-status.ts';
import { unitRoutes } from './routes/units.ts';

/** What routes reach through `app.luoshi`: the database, its dialect, the clock and the configuration. */
export interface AppContext {
  readonly db: Db;
  readonly dialect: DialectName;
  readonly clock: Clock;
  readonly config: Config;
}

/** Whether the app takes requests: `/api/health` answers 503 while it does not (starting, or shutting down). */
export interface Readiness {
  readonly isReady: boolean;
  set(isReady: boolean): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    luoshi: AppContext;
    readiness: Readiness;
  }
}

export interface AppOptions {
  /** An open, migrated database. The app does not close it: whoever opened it does, after `app.close()`. */
  readonly database: Pick<DatabaseHandle, 'db' | 'dialect'>;
  readonly config: Config;
  readonly clock?: Clock | undefined;
  /**
   * How a request's actor is found. Only tests pass one (test/helpers/app.ts); the server passes none, so until
   * sign-in exists every route that needs an actor answers 401.
   */
  readonly resolveActor?: ActorResolver | undefined;
  /** Whether the app is ready from the start (default true). */
  readonly ready?: boolean | undefined;
  /** More route plugins, registered under `/api` beside the app's own (tests add routes that throw, for example). */
  readonly extraRoutes?: readonly FastifyPluginAsyncZod[] | undefined;
  /** Where log lines go (default: standard output). */
  readonly logStream?: LogStream | undefined;
}

/** A destination for pino's log lines (one JSON object per line). */
export interface LogStream {
  write(line: string): void;
}

export type LuoshiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** JSON bodies: a whole edited plan draft fits in far less; uploads go through multipart and its own limit. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

const MIB = 1024 * 1024;

function makeReadiness(isReady: boolean): Readiness {
  let ready = isReady;
  return {
    get isReady() {
      return ready;
    },
    set(value) {
      ready = value;
    },
  };
}

const appPlugin: FastifyPluginAsync<AppOptions> = async (app, options) => {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((_request, reply) => {
    const { statusCode, body } = notFoundResponse();
    return reply.code(statusCode).send(body);
  });

  app.decorate('luoshi', {
    db: options.database.db,
    dialect: options.database.dialect,
    clock: options.clock ?? systemClock,
    config: options.config,
  } satisfies AppContext);
  app.decorate('readiness', makeReadiness(options.ready ?? true));

  // The API takes JSON (and, for uploads, multipart). Fastify also parses text/plain by default; refusing it
  // answers 415, and it is one of the content types a browser sends across sites without asking (CSRF).
  app.removeContentTypeParser('text/plain');
  await app.register(multipart, {
    limits: {
      fileSize: options.config.maxUploadMb * MIB,
      files: 1,
      fields: 20,
      fieldSize: 64 * 1024,
      parts: 21,
      headerPairs: 100,
    },
  });

  // The request id ties the client's report of a failure to the log lines of that request.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(actorPlugin, { resolveActor: options.resolveActor });
  await app.register(openApiPlugin);
  await app.register(
    async (api) => {
      await api.register(healthRoutes);
      await api.register(meRoutes);
      await api.register(planDraftRoutes);
      await api.register(planRoutes);
      await api.register(unitRoutes);
      await api.register(reportRoutes);
      await api.register(targetRoutes);
      await api.register(projectRoutes);
      await api.register(noticeRoutes);
      await api.register(closeOutRoutes);
      await api.register(commentRoutes);
      await api.register(taskStatusRoutes);
      for (const routes of options.extraRoutes ?? []) await api.register(routes);
    },
    { prefix: '/api' },
  );
};

/** The app as a plugin (wrapped with fastify-plugin, so that its handlers and decorators apply to the whole server). */
export const luoshiApp = fp(appPlugin, { name: 'luoshi-app', fastify: '5.x' });

/**
 * Makes the Fastify instance and registers the app. Not yet ready: `listen`, `inject` and `ready` make it so (and
 * until then the caller may add hooks, as the test helper does).
 */
export async function buildApp(options: AppOptions): Promise<LuoshiApp> {
  const app = fastify({
    logger: {
      level: options.config.logLevel,
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
    },
    // Ids are made here, never taken from a request header: a client must not choose which log lines are its own.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    bodyLimit: JSON_BODY_LIMIT_BYTES,
  }).withTypeProvider<ZodTypeProvider>();
  try {
    await app.register(luoshiApp, options);
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
