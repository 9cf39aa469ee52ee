/**
 * The first start (首次启动): an empty database gets its first workspace and the example plan, imported the way the
 * office would import it (upload → draft → confirm), so that whoever starts the server finds a programme to look at.
 * `buildServer` calls it only when no workspace exists, which makes it idempotent by construction.
 *
 * No default account or password is created here: 等保 (GB/T 22239) forbids them. The first accounts come with
 * one-time passwords from src/services/bootstrap.service.ts, which the server runs after the seed.
 */
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { dialectOf } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { findFirstWorkspaceId } from '../db/queries/user.queries.ts';
import { importDocument } from '../importer/index.ts';
import { recordAudit } from './audit.ts';
import { SYSTEM_WORKSPACE_ID } from './auth.service.ts';
import type { Actor, Clock, ServiceContext } from './context.ts';
import { confirmPlanDraft, createPlanDraft } from './plan-import.service.ts';
import { inTransaction } from './transaction.ts';

export const EXAMPLE_PLAN_FILE = 'jinshan-hongqiao-2021.md';
const EXAMPLE_PLAN_URL = new URL(`../../examples/${EXAMPLE_PLAN_FILE}`, import.meta.url);

/** The workspace's name when the example's issuer names no district. */
export const FALLBACK_WORKSPACE_NAME = '示例区';

/** The user id the seed acts as: no person, and no account anyone can sign in with. */
export const SYSTEM_USER_ID = 'system';

// Held while the first workspace is created, so that PostgreSQL servers starting together seed once (any constant
// of our own; Kysely's migration lock uses another).
const SEED_LOCK_KEY = 0x4c756f73_6869;

/** Where the seed's lines go: one line per step, for the person starting the server. */
export interface SeedLog {
  info(message: string): void;
}

export interface SeedExampleOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: SeedLog;
  readonly config: Pick<Config, 'timeZone' | 'host' | 'port'>;
}

export interface SeededWorkspace {
  workspaceId: string;
  planId: string;
}

/** The seed's actor: the plan office of the new workspace, as the system. */
export function systemActor(workspaceId: string): Actor {
  return { userId: SYSTEM_USER_ID, workspaceId, roles: ['office'], unitId: null, ip: null };
}

/**
 * The district of an issuer, to name the workspace after.
 *
 * @example districtOf('上海市金山区人民政府') // '金山区'
 */
export function districtOf(issuer: string | null): string | null {
  if (issuer === null) return null;
  const match = /^(?:.*?[省市])?(\p{Script=Han}{1,8}?[区县])/u.exec(issuer);
  return match?.[1] ?? null;
}

/** Creates the first workspace and audits it; null when one exists already (another process seeded first). */
async function createFirstWorkspace(db: Db, at: Date, name: string, timeZone: string): Promise<string | null> {
  return inTransaction(db, async (trx) => {
    if (dialectOf(trx) === 'postgres') await sql`select pg_advisory_xact_lock(${SEED_LOCK_KEY})`.execute(trx);
    if ((await findFirstWorkspaceId(trx, SYSTEM_WORKSPACE_ID)) !== undefined) return null;
    const id = newId('workspace');
    const now = at.toISOString();
    await trx
      .insertInto('workspaces')
      .values({ id, name, time_zone: timeZone, created_at: now, updated_at: now })
      .execute();
    await recordAudit(trx, systemActor(id), at, {
      action: 'workspace.create',
      subjectType: 'workspace',
      subjectId: id,
      detail: { name, timeZone, reason: 'first-start seed' },
    });
    return id;
  });
}

function docsUrl({ host, port }: Pick<Config, 'host' | 'port'>): string {
  if (port === 0) return '<服务地址>/api/docs';
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/api/docs`;
}

/**
 * Seeds an empty database: the first workspace (named after the example's district, in the configured time zone),
 * then the example plan, uploaded and confirmed by the system as the plan office — every step audited. Returns
 * null when another process created the first workspace meanwhile.
 *
 * The steps are three transactions (the import services own theirs): the example is read and parsed before the
 * first write, so a broken example stops the start with nothing written.
 *
 * @example
 * await buildServer({ config, seed: async (context) => void (await seedExampleWorkspace(context)) });
 */
export async function seedExampleWorkspace(options: SeedExampleOptions): Promise<SeededWorkspace | null> {
  const { db, clock, log, config } = options;
  const ctx: ServiceContext = { db, clock };
  log.info('首次启动：数据库中还没有工作区，正在创建示例工作区（first start: seeding an example workspace）');

  const bytes = await readFile(EXAMPLE_PLAN_URL);
  const parsed = await importDocument(bytes, EXAMPLE_PLAN_FILE);
  const name = districtOf(parsed.draft.issuer) ?? FALLBACK_WORKSPACE_NAME;

  const workspaceId = await createFirstWorkspace(db, clock(), name, config.timeZone);
  if (workspaceId === null) {
    log.info('另一个进程已创建工作区，跳过示例数据（another process seeded the database）');
    return null;
  }
  log.info(`已创建工作区「${name}」（${workspaceId}），时区 ${config.timeZone}（workspace created）`);

  const actor = systemActor(workspaceId);
  const draft = await createPlanDraft(ctx, actor, { fileName: EXAMPLE_PLAN_FILE, bytes });
  log.info(
    `已上传示例方案 ${EXAMPLE_PLAN_FILE}，生成草稿：${draft.tasks.length} 项任务、${draft.goals.length} 个发展目标、` +
      `${draft.units.length} 个单位（example plan read into a draft）`,
  );

  const planId = await confirmPlanDraft(ctx, actor, draft.id, draft.version);
  log.info(`已确认方案「${draft.plan.title}」（${planId}）（plan confirmed）`);

  log.info(`接口文档：${docsUrl(config)}（API docs）`);
  return { workspaceId, planId };
}
