/**
 * The boot file: read the configuration, open and migrate the database, seed it on the first start, anchor the audit
 * chains under AUDIT_KEY (or warn that they are unanchored), build the app, start the background jobs (unless
 * JOBS=off) and listen; stop cleanly on SIGINT and SIGTERM (the jobs, then the
 * app, so in-flight requests finish, then the database).
 *
 *   npm run serve            # http://127.0.0.1:3000, SQLite in ./data/luoshi.db
 *
 * A bad configuration value stops it with one line on stderr and exit code 2; a database that cannot be opened or
 * migrated, a first start that finds DATA_DIR/first-accounts.txt already there, or a port that cannot be bound,
 * with one line and exit code 1.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigError, loadConfig, type Config } from './config.ts';
import {
  DatabaseOpenError,
  MigrationError,
  migrateToLatest,
  openDatabase,
  type DatabaseHandle,
  type Db,
  type DialectName,
} from './db/database.ts';
import { buildApp, type LuoshiApp } from './http/app.ts';
import { createJobRunner, type JobRunner } from './jobs/index.ts';
import { findFirstWorkspaceId } from './db/queries/user.queries.ts';
import { anchorUnanchoredAuditChains, findAuditHeadsFailingKey } from './services/audit-anchor.service.ts';
import { SYSTEM_WORKSPACE_ID } from './services/auth.service.ts';
import {
  FirstAccountsFileError,
  createInitialAccounts,
  firstAccountsPath,
  formatFirstAccountsNotice,
  type InitialAccount,
} from './services/bootstrap.service.ts';
import { systemClock, type Clock } from './services/context.ts';
import { seedExampleWorkspace } from './services/seed.service.ts';

/** What a first-start seed gets. */
export interface SeedContext {
  readonly db: Db;
  readonly dialect: DialectName;
  readonly config: Config;
  readonly clock: Clock;
  /** For the lines a person starting the server should read (the workspace made, how to sign in). */
  readonly log: FastifyBaseLogger;
}

/**
 * Fills an empty database (no workspace yet): the first workspace and the example plan. It is called on every start
 * that finds no workspace, so it must leave either everything or nothing (one transaction); on PostgreSQL, where
 * several processes may start at once, it must also tolerate another process seeding at the same time.
 */
export type FirstStartSeed = (context: SeedContext) => Promise<void>;

export interface ServerOptions {
  readonly config: Config;
  readonly seed?: FirstStartSeed | undefined;
  readonly clock?: Clock | undefined;
}

export interface LuoshiServer {
  readonly app: LuoshiApp;
  readonly database: DatabaseHandle;
  /**
   * The accounts this start created, with their one-time passwords (the first start, or the first after an upgrade
   * to sign-in); empty on every later start. Their passwords are in `firstAccountsFile`, and nowhere else.
   */
  readonly initialAccounts: readonly InitialAccount[];
  /** DATA_DIR/first-accounts.txt when this start wrote it (mode 0600), else null. */
  readonly firstAccountsFile: string | null;
  /** The background jobs, started after the migrations and the seed; null with JOBS=off. */
  readonly jobs: JobRunner | null;
  /** Stops taking requests, waits for those in flight, then closes the database. */
  close(): Promise<void>;
}

async function hasWorkspace(db: Db): Promise<boolean> {
  return (await findFirstWorkspaceId(db, SYSTEM_WORKSPACE_ID)) !== undefined;
}

/**
 * With AUDIT_KEY: anchors every chain that has no anchored head yet (an `audit.anchor` event in each; the first start
 * with the key anchors every chain, as it stands), and names each workspace whose head fails the key — the app
 * refuses to record there until someone finds out why (`luoshi audit verify`). Without it: one warning line.
 */
async function anchorAuditChainsAtStart(db: Db, clock: Clock, config: Config, log: FastifyBaseLogger): Promise<void> {
  if (config.auditKey === null) {
    log.warn(
      '未设置 AUDIT_KEY：审计链未锚定，有数据库权限者重算哈希后改写审计日志将无法发现' +
        '（AUDIT_KEY is not set: the audit chains are unanchored; see docs/SECURITY.md）',
    );
    return;
  }
  for (const { workspaceId, outcome } of await anchorUnanchoredAuditChains({ db, clock })) {
    if (outcome.status !== 'anchored-now') continue;
    log.warn(
      { workspaceId, seq: outcome.seq, reason: outcome.reason },
      `审计链已用 AUDIT_KEY 锚定：${workspaceId} 第 ${outcome.seq} 条（audit chain anchored）`,
    );
  }
  for (const head of await findAuditHeadsFailingKey(db, config.auditKey)) {
    log.error(
      { workspaceId: head.workspaceId, seq: head.seq },
      `审计链头的 HMAC 与 AUDIT_KEY 不符，该工作区将拒绝记录：${head.workspaceId}` +
        `（the audit chain head fails AUDIT_KEY: run luoshi audit verify）`,
    );
  }
}

/** Opens and migrates the database, builds the app and seeds an empty database. Does not listen. */
export async function buildServer(options: ServerOptions): Promise<LuoshiServer> {
  const { config, seed } = options;
  const clock = options.clock ?? systemClock;
  const database = await openDatabase(config);
  let app: LuoshiApp | undefined;
  let initialAccounts: InitialAccount[];
  let jobs: JobRunner | null = null;
  try {
    await migrateToLatest(database.db);
    app = await buildApp({ database, config, clock });
    await app.ready();
    if (seed !== undefined && !(await hasWorkspace(database.db))) {
      await seed({ db: database.db, dialect: database.dialect, config, clock, log: app.log });
    }
    initialAccounts = await createInitialAccounts({ db: database.db, clock }, config.auth, {
      dataDir: config.dataDir,
    });
    await anchorAuditChainsAtStart(database.db, clock, config, app.log);
    if (config.jobs.enabled) {
      jobs = createJobRunner({ database, config, clock, log: app.log });
      await jobs.start();
    }
  } catch (error) {
    await jobs?.stop();
    await app?.close();
    await database.close();
    throw error;
  }
  const built = app;
  return {
    app: built,
    database,
    initialAccounts,
    firstAccountsFile: initialAccounts.length > 0 ? firstAccountsPath(config.dataDir) : null,
    jobs,
    async close() {
      built.readiness.set(false);
      try {
        await jobs?.stop();
      } finally {
        try {
          await built.close();
        } finally {
          await database.close();
        }
      }
    },
  };
}

/** How long a shutdown may take before the process gives up on in-flight requests. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Starts the server from the process's environment. Sets `process.exitCode` when it cannot start. */
export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
    return;
  }

  let server: LuoshiServer;
  try {
    server = await buildServer({
      config,
      seed: async (context) => {
        await seedExampleWorkspace(context);
      },
    });
  } catch (error) {
    if (!(
      error instanceof DatabaseOpenError ||
      error instanceof MigrationError ||
      error instanceof FirstAccountsFileError
    )) {
      throw error;
    }
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return;
  }

  const { app } = server;
  let url: string;
  try {
    url = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`无法监听 ${config.host}:${config.port}：${reason}（cannot listen）\n`);
    await server.close();
    process.exitCode = 1;
    return;
  }
  app.log.info({ url }, `落实 Luoshi 已启动：${url}（listening on ${url}）`);
  // Where the one-time passwords are, never the passwords: standard output ends up in the service's log.
  if (server.firstAccountsFile !== null) process.stdout.write(formatFirstAccountsNotice(server.firstAccountsFile, url));

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C: the person does not want to wait for in-flight requests.
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal }, `收到 ${signal}，正在停止（stopping）`);
    const timer = setTimeout(() => {
      app.log.error(`停止超时（${SHUTDOWN_TIMEOUT_MS} ms），强制退出（shutdown timed out）`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    try {
      await server.close();
      app.log.info('已停止（stopped）');
    } catch (error) {
      app.log.error({ err: error }, '停止时出错（error while stopping）');
      process.exitCode = 1;
    } finally {
      clearTimeout(timer);
    }
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main();
