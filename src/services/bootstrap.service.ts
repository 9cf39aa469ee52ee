/**
 * The first accounts (首次启动): 等保 forbids default accounts and default passwords, so none ships. When the
 * database has workspaces but no account at all — the first start, or the first start after an upgrade that
 * brought sign-in — the first workspace gets four accounts, each with its own one-time password that signs in only
 * to be changed: the three administrators (三员: system, security, audit) and one plan-office account, so that the
 * example plan can be worked at once. The passwords are returned once, for the person starting the server to read;
 * only their hashes are stored.
 *
 * One transaction: either all four exist or none, so a failed start never leaves an account whose password no
 * one saw. On PostgreSQL an advisory lock keeps two servers starting together from both creating them.
 */
import { sql } from 'kysely';
import type { AuthConfig } from '../config.ts';
import { dialectOf } from '../db/dialect.ts';
import { newId } from '../db/ids.ts';
import { findFirstWorkspaceId, hasAnyUser, insertUser } from '../db/queries/user.queries.ts';
import { recordAudit } from './audit.ts';
import { SYSTEM_WORKSPACE_ID, scryptCost } from './auth.service.ts';
import type { Actor, Role, ServiceContext } from './context.ts';
import { hashPassword, oneTimePassword } from './password-hash.ts';
import { inTransaction } from './transaction.ts';

export interface InitialAccount {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  /** Shown once; must be changed at the first sign-in. */
  readonly oneTimePassword: string;
}

const INITIAL_ACCOUNTS: readonly { username: string; displayName: string; role: Role }[] = [
  { username: 'sysadmin', displayName: '系统管理员', role: 'system-admin' },
  { username: 'secadmin', displayName: '安全管理员', role: 'security-admin' },
  { username: 'auditadmin', displayName: '审计管理员', role: 'audit-admin' },
  { username: 'office', displayName: '方案办公室', role: 'office' },
];

// Any constant of our own (the seed and Kysely's migrator use others).
const BOOTSTRAP_LOCK_KEY = 0x4c756f73_6870;

/** The system's act of creating the first accounts: no person, no account anyone can sign in with. */
function bootstrapActor(workspaceId: string): Actor {
  return { userId: 'system', workspaceId, roles: [], unitId: null, ip: null };
}

/**
 * Creates the first accounts when no account exists; returns them with their one-time passwords, or an empty list
 * when there are accounts already (or no workspace to put them in).
 */
export async function createInitialAccounts(ctx: ServiceContext, config: AuthConfig): Promise<InitialAccount[]> {
  // Every start but the first ends here, before hashing four passwords (tens of ms and 32 MiB each) for nothing.
  // The transaction below asks again, under the lock, in case another server got there meanwhile.
  if (await hasAnyUser(ctx.db)) return [];
  const passwords = INITIAL_ACCOUNTS.map(() => oneTimePassword());
  const hashes = await Promise.all(passwords.map((password) => hashPassword(password, scryptCost(config))));
  const now = ctx.clock();
  const at = now.toISOString();
  return inTransaction(ctx.db, async (trx) => {
    if (dialectOf(trx) === 'postgres') await sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`.execute(trx);
    if (await hasAnyUser(trx)) return [];
    const workspaceId = await findFirstWorkspaceId(trx, SYSTEM_WORKSPACE_ID);
    if (workspaceId === undefined) return [];
    const created: InitialAccount[] = [];
    for (const [index, account] of INITIAL_ACCOUNTS.entries()) {
      const id = newId('user');
      await insertUser(trx, {
        id,
        workspace_id: workspaceId,
        created_at: at,
        updated_at: at,
        username: account.username,
        display_name: account.displayName,
        roles: JSON.stringify([account.role]),
        password_hash: hashes[index] ?? null,
        password_changed_at: at,
        must_change_password: 1,
        created_by: 'system',
      });
      await recordAudit(trx, bootstrapActor(workspaceId), now, {
        action: 'user.create',
        subjectType: 'user',
        subjectId: id,
        detail: { username: account.username, roles: [account.role], reason: 'first start: one-time password' },
      });
      created.push({ ...account, oneTimePassword: passwords[index] ?? '' });
    }
    return created;
  });
}

/** The lines that tell the person starting the server how to sign in. */
export function formatInitialAccounts(accounts: readonly InitialAccount[], url: string): string {
  const width = Math.max(...accounts.map((account) => account.username.length));
  const lines = [
    '',
    '================ 初始账号（first accounts）================',
    `登录（sign in）：POST ${url}/api/auth/sign-in  {"username": "…", "password": "…"}`,
    `接口文档（API docs, try it there）：${url}/api/docs`,
    '以下为一次性密码，仅显示这一次；首次登录后必须修改。',
    '(One-time passwords, shown only now; each must be changed at the first sign-in.)',
    '',
    ...accounts.map(
      (account) =>
        `  ${account.username.padEnd(width)}  ${account.oneTimePassword}  ${account.displayName}（${account.role}）`,
    ),
    '',
    '三员分立：系统管理员建用户和单位，安全管理员授予角色，审计管理员查阅审计记录。',
    '============================================================',
    '',
  ];
  return lines.join('\n');
}
