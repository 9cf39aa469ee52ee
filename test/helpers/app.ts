/**
 * The app for HTTP tests: built over a real test database and called with `app.inject()` (no port).
 *
 * The actor comes from the `actor` option: a fixed `Actor` for every request, or a function of the request. This is
 * the only place an actor is supplied without signing in; the production server supplies none.
 *
 * @example
 * describeEachDatabase('tasks API', (database) => {
 *   it('lists', async () => {
 *     const app = await buildTestApp({ database: database(), actor: buildActor({ roles: ['office'] }) });
 *     const response = await app.inject({ method: 'GET', url: '/api/me' });
 *     await app.close();
 *   });
 * });
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { loadConfig, type Config } from '../../src/config.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { buildApp, type LogStream, type LuoshiApp } from '../../src/http/app.ts';
import type { Actor, Clock } from '../../src/services/context.ts';
import { createTestDatabase } from './db.ts';

export interface TestAppOptions {
  /** The database to serve; default a fresh SQLite one, removed when the app closes. */
  readonly database?: Pick<DatabaseHandle, 'db' | 'dialect'>;
  /** Who acts: one actor for every request, or a function of the request; default nobody (401). */
  readonly actor?: Actor | ((request: FastifyRequest) => Actor | null);
  readonly clock?: Clock;
  /** Configuration variables over the test defaults (LOG_LEVEL=silent). */
  readonly env?: Readonly<Record<string, string>>;
  readonly ready?: boolean;
  readonly extraRoutes?: readonly FastifyPluginAsyncZod[];
  readonly logStream?: LogStream;
}

/** A test actor of the office of workspace `ws_test`; override what the test is about. */
export function buildActor(overrides: Partial<Actor> = {}): Actor {
  return { userId: 'usr_test', workspaceId: 'ws_test', roles: ['office'], unitId: null, ...overrides };
}

/**
 * DATA_DIR for tests that do not choose one: a folder of this test process under the system's temporary folder, so
 * that what the app and the jobs write there (the audit head files, say) never lands in the working copy's ./data.
 * It is not made here: only what writes into it creates it.
 */
const TEST_DATA_DIR = join(tmpdir(), `luoshi-data-${process.pid}`);
process.once('exit', () => rmSync(TEST_DATA_DIR, { recursive: true, force: true }));

export function testConfig(env: Readonly<Record<string, string>> = {}): Config {
  // The cheapest scrypt cost the configuration allows: tests hash many passwords; the cost is not what they test.
  // JOBS=off: a test that wants the background jobs asks for them (JOBS: 'on') or drives them itself.
  // Rate limits are counted in the database, per one-minute window: the tests of a file share a database, come from
  // one address (inject's 127.0.0.1) and often run under a fixed clock, so every window is the same one. The limits
  // are set out of the way here; a test of a limit sets its own.
  return loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'sqlite::memory:',
    PASSWORD_HASH_COST: '10',
    JOBS: 'off',
    SIGN_IN_RATE_PER_MINUTE: '1000',
    UPLOAD_RATE_PER_MINUTE: '1000',
    API_RATE_PER_MINUTE: '1000000',
    API_RATE_PER_ADDRESS_PER_MINUTE: '1000000',
    DATA_DIR: TEST_DATA_DIR,
    ...env,
  });
}

/** Builds the app, ready for `inject`. Close it with `app.close()`. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<LuoshiApp> {
  const { actor } = options;
  const owned = options.database === undefined ? await createTestDatabase('sqlite') : undefined;
  const database = options.database ?? owned;
  if (database === undefined) throw new Error('unreachable: a test database was made above');
  let app: LuoshiApp;
  try {
    app = await buildApp({
      database,
      config: testConfig(options.env),
      clock: options.clock,
      resolveActor: actor === undefined ? undefined : typeof actor === 'function' ? actor : () => actor,
      ready: options.ready,
      extraRoutes: options.extraRoutes,
      logStream: options.logStream,
    });
  } catch (error) {
    await owned?.dispose();
    throw error;
  }
  if (owned !== undefined) app.addHook('onClose', () => owned.dispose());
  await app.ready();
  return app;
}
