/**
 * The Fastify app: validation and serialization by zod, the error envelope, the actor, the OpenAPI document, the
 * routes under `/api` and the web app's files. `luoshiApp` is the app as a plugin; `buildApp` makes a Fastify instance around it, for
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
  type RouteOptions,
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
import { sharedDocumentReader, type DocumentReader } from '../importer/index.ts';
import { systemClock, type Clock } from '../services/context.ts';
import actorPlugin, { type ActorResolver } from './actor.ts';
import rateLimitPlugin, { UNLIMITED_ROUTES } from './rate-limit.ts';
import { anonymousActor, recordDeniedAttempt } from '../services/access-audit.service.ts';
import { isServiceError } from '../services/errors.ts';
import { HttpError, handleError, notFoundResponse } from './errors.ts';
import {
  containsNul,
  escapeJsonForHtml,
  hasMalformedQuery,
  malformedPathRefused,
  malformedQueryRefused,
  nulRefused,
} from './json-safety.ts';
import { errorEnvelopeSchema } from './schemas/error.ts';
import openApiPlugin from './openapi.ts';
import { attachmentRoutes } from './routes/attachments.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { closeOutRoutes } from './routes/close-outs.ts';
import { commentRoutes } from './routes/comments.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { healthRoutes } from './routes/health.ts';
import { meRoutes } from './routes/me.ts';
import { noticeRoutes } from './routes/notices.ts';
import { oidcRoutes } from './routes/oidc.ts';
import { planDraftRoutes } from './routes/plan-drafts.ts';
import { planPublicationRoutes } from './routes/plan-publication.ts';
import { planSettingsRoutes } from './routes/plan-settings.ts';
import { planRoutes } from './routes/plans.ts';
import { projectRoutes } from './routes/projects.ts';
import { reportRoutes } from './routes/reports.ts';
import { targetRoutes } from './routes/targets.ts';
import { taskPageRoutes } from './routes/task-page.ts';
import { taskStatusRoutes } from './routes/task-status.ts';
import { unitRoutes } from './routes/units.ts';
import { userRoutes } from './routes/users.ts';
import securityHeaders, { applySecurityHeaders } from './security-headers.ts';
import sessionPlugin, { ForeignOriginError, requestChecksPlugin } from './session.ts';
import webStatic from './web-static.ts';

/**
 * What routes reach through `app.luoshi`: the database, its dialect, the clock, the configuration, and the reader
 * thread uploaded documents are read in.
 */
export interface AppContext {
  readonly db: Db;
  readonly dialect: DialectName;
  readonly clock: Clock;
  readonly config: Config;
  /** Reads uploaded documents in a worker thread within the configured budget (the process's shared reader). */
  readonly documentReader: DocumentReader;
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
   * How a request's actor is found, instead of the session cookie. Only tests pass one (test/helpers/app.ts); the
   * server passes none, so the actor comes from a signed-in session (src/http/session.ts).
   */
  readonly resolveActor?: ActorResolver | undefined;
  /** Whether the app is ready from the start (default true). */
  readonly ready?: boolean | undefined;
  /** More route plugins, registered under `/api` beside the app's own (tests add routes that throw, for example). */
  readonly extraRoutes?: readonly FastifyPluginAsyncZod[] | undefined;
  /** Where log lines go (default: standard output). */
  readonly logStream?: LogStream | undefined;
  /** The built web app's folder (default dist/web; tests of a missing build pass another). */
  readonly webRoot?: string | undefined;
  /**
   * Called with each route as it is registered, before the app's own routes are added (tests list every route: the
   * authorization table, test/http/authorization-table.test.ts, must name each one).
   */
  readonly onRoute?: ((route: RouteOptions) => void) | undefined;
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
  // Every JSON answer leaves with markup characters escaped (src/http/json-safety.ts).
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof payload !== 'string' || typeof type !== 'string' || !type.includes('json')) return payload;
    return escapeJsonForHtml(payload);
  });
  app.addHook('preValidation', async (request) => {
    if (containsNul(request.body) || containsNul(request.query) || containsNul(request.params)) throw nulRefused();
  });
  app.setErrorHandler(handleError);
  // A signed-in actor refused by a policy or the CSRF check, and anyone refused for a foreign Origin (a page of
  // another site posting here): recorded in the audit trail (outcome `denied`). Refusals by the rate limit are
  // recorded where they happen (src/http/rate-limit.ts), once per window and key.
  app.addHook('onError', async (request, _reply, error) => {
    const code = isServiceError(error) ? error.code : error instanceof HttpError ? error.code : null;
    if (code !== 'forbidden' && code !== 'csrf-failed') return;
    const foreignOrigin = error instanceof ForeignOriginError ? error.origin : undefined;
    if (request.actor === null && foreignOrigin === undefined) return;
    const actor = request.actor ?? anonymousActor(request.ip);
    try {
      await recordDeniedAttempt({ db: options.database.db, clock: options.clock ?? systemClock }, actor, {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        params: request.params as Record<string, string>,
        code,
        origin: foreignOrigin,
      });
    } catch (auditError) {
      request.log.error({ err: auditError }, '无法记录拒绝访问的审计事件（could not audit a denied attempt）');
    }
  });
  app.setNotFoundHandler((_request, reply) => {
    const { statusCode, body } = notFoundResponse();
    return reply.code(statusCode).send(body);
  });

  app.decorate('luoshi', {
    db: options.database.db,
    dialect: options.database.dialect,
    clock: options.clock ?? systemClock,
    config: options.config,
    documentReader: sharedDocumentReader(options.config.documentReader),
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
    if (hasMalformedQuery(request.url)) throw malformedQueryRefused();
  });

  await app.register(securityHeaders);
  // In this order: who asks (the actor, the session), how often (the rate limits), whether the request may go on
  // (Origin, CSRF token, the must-change-password gate).
  await app.register(actorPlugin, { resolveActor: options.resolveActor });
  await app.register(sessionPlugin, { resolveFromCookie: options.resolveActor === undefined });
  await app.register(rateLimitPlugin);
  await app.register(requestChecksPlugin);

  // Every limited route may answer 429: the OpenAPI document says so.
  app.addHook('onRoute', (route) => {
    const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response;
    if (response !== undefined && !UNLIMITED_ROUTES.has(route.url) && !(429 in response)) {
      response[429] = errorEnvelopeSchema;
    }
  });
  await app.register(openApiPlugin, { apiDocs: options.config.apiDocs });
  await app.register(
    async (api) => {
      await api.register(healthRoutes);
      await api.register(meRoutes);
      await api.register(authRoutes);
      await api.register(oidcRoutes);
      await api.register(userRoutes);
      await api.register(planDraftRoutes);
      await api.register(planRoutes);
      await api.register(planPublicationRoutes);
      await api.register(planSettingsRoutes);
      await api.register(dashboardRoutes);
      await api.register(unitRoutes);
      await api.register(reportRoutes);
      await api.register(targetRoutes);
      await api.register(projectRoutes);
      await api.register(noticeRoutes);
      await api.register(closeOutRoutes);
      await api.register(commentRoutes);
      await api.register(attachmentRoutes);
      await api.register(taskStatusRoutes);
      await api.register(taskPageRoutes);
      await api.register(auditRoutes);
      for (const routes of options.extraRoutes ?? []) await api.register(routes);
    },
    { prefix: '/api' },
  );
  // The web app's files and its fallback: every other GET path (src/http/web-static.ts).
  await app.register(webStatic, { root: options.webRoot });
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
    // Behind a reverse proxy the client's address and https come from X-Forwarded-*, believed only from the
    // configured proxies' addresses (TRUST_PROXY); from anyone else the socket's address is the client's.
    trustProxy: options.config.auth.trustProxy.length === 0 ? false : [...options.config.auth.trustProxy],
    // Errors the router raises before any hook (a path that does not decode) get the envelope like every other.
    frameworkErrors: (error, request, reply) => {
      applySecurityHeaders(request, reply);
      reply.header('x-request-id', request.id);
      return handleError(error.code === 'FST_ERR_BAD_URL' ? malformedPathRefused() : error, request, reply);
    },
  }).withTypeProvider<ZodTypeProvider>();
  if (options.onRoute !== undefined) app.addHook('onRoute', options.onRoute);
  try {
    await app.register(luoshiApp, options);
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
