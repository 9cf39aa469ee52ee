/**
 * The first accounts (首次启动): 等保 forbids default accounts and default passwords, so none ships. When the
 * database has workspaces but no account at all — the first start, or the first start after an upgrade that
 * brought sign-in — the first workspace gets four accounts, each with its own one-time password that signs in only
 * to be changed: the three administrators (三员: system, security, audit) and one plan-office account, so that the
 * example plan can be worked at once. The database stores only their hashes. The passwords go to one place: the
 * file `first-accounts.txt` under DATA_DIR, created for this alone (it must not exist yet) and readable by the
 * server's user only (0600); never to standard output or the log, which service managers keep and ship.
 *
 * One transaction, the file written inside it: either all four exist and their passwords are in the file, or none
 * and no file is left, so a failed start never leaves an account whose password no one can read. On PostgreSQL an
 * advisory lock keeps two servers starting together from both creating them.
 */
import { mkdir, open, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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

/** The file, under DATA_DIR, that receives the first accounts' one-time passwords. */
export const FIRST_ACCOUNTS_FILE = 'first-accounts.txt';

/** The absolute path of DATA_DIR/first-accounts.txt. */
export function firstAccountsPath(dataDir: string): string {
  return resolve(join(dataDir, FIRST_ACCOUNTS_FILE));
}

/** The first accounts' file already exists: a start that would create accounts does not overwrite it. */
export class FirstAccountsFileError extends Error {
  override readonly name = 'FirstAccountsFileError';
  constructor(readonly path: string) {
    super(
      `首次启动的账号文件 ${path} 已存在：请取走其中的一次性密码并删除该文件后再启动` +
        `（${path} already exists: take the one-time passwords from it, delete it, then start again）`,
    );
  }
}

export interface InitialAccountsOptions {
  /** DATA_DIR: the accounts and their one-time passwords are written to `first-accounts.txt` in it. */
  readonly dataDir?: string | undefined;
}

/**
 * Creates the first accounts when no account exists; returns them with their one-time passwords, or an empty list
 * when there are accounts already (or no workspace to put them in). With `dataDir`, the accounts are written to its
 * `first-accounts.txt` (mode 0600, which must not exist yet) before the transaction commits, and the file is
 * removed again if the transaction does not.
 */
export async function createInitialAccounts(
  ctx: ServiceContext,
  config: AuthConfig,
  options: InitialAccountsOptions = {},
): Promise<InitialAccount[]> {
  // Every start but the first ends here, before hashing four passwords (tens of ms and 32 MiB each) for nothing.
  // The transaction below asks again, under the lock, in case another server got there meanwhile.
  if (await hasAnyUser(ctx.db)) return [];
  const passwords = INITIAL_ACCOUNTS.map(() => oneTimePassword());
  const hashes = await Promise.all(passwords.map((password) => hashPassword(password, scryptCost(config))));
  const now = ctx.clock();
  const at = now.toISOString();
  let written: string | null = null;
  const deliver = async (accounts: readonly InitialAccount[]) => {
    if (options.dataDir === undefined) return;
    if (written !== null) {
      // A retried transaction: the attempt that failed wrote the file.
      await rm(written, { force: true });
      written = null;
    }
    written = await writeFirstAccountsFile(options.dataDir, accounts);
  };
  try {
    return await inTransaction(ctx.db, async (trx) => {
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
      await deliver(created);
      return created;
    });
  } catch (error) {
    // No accounts were created: their passwords must not stay on disk.
    if (written !== null) await rm(written, { force: true });
    throw error;
  }
}

/** The file's lines: one account a line, as the first start used to print them — name, password, role. */
export function formatFirstAccountsFile(accounts: readonly InitialAccount[]): string {
  const width = Math.max(...accounts.map((account) => account.username.length));
  return accounts
    .map(
      (account) =>
        `${account.username.padEnd(width)}  ${account.oneTimePassword}  ${account.displayName}（${account.role}）\n`,
    )
    .join('');
}

/**
 * Writes the first accounts to DATA_DIR/first-accounts.txt, created exclusively (an existing file is never
 * overwritten: `FirstAccountsFileError`) and readable and writable by its owner only. Returns its absolute path.
 */
export async function writeFirstAccountsFile(dataDir: string, accounts: readonly InitialAccount[]): Promise<string> {
  const path = firstAccountsPath(dataDir);
  await mkdir(resolve(dataDir), { recursive: true, mode: 0o700 });
  let file;
  try {
    file = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new FirstAccountsFileError(path);
    throw error;
  }
  try {
    // The umask may only take permissions away; this makes sure no group or other bit is left either way.
    await file.chmod(0o600);
    await file.writeFile(formatFirstAccountsFile(accounts), 'utf8');
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(path, { force: true });
    throw error;
  }
  await file.close();
  return path;
}

/**
 * The lines that tell the person starting the server where the first accounts are and how to sign in. They name
 * the file, never a password: standard output ends up in the service's log.
 */
export function formatFirstAccountsNotice(path: string, url: string): string {
  const lines = [
    '',
    '================ 初始账号（first accounts）================',
    `已创建系统管理员、安全管理员、审计管理员和方案办公室账号，一次性密码写在：`,
    `(The first accounts and their one-time passwords are in:)`,
    `  ${path}`,
    '该文件仅本机运行账户可读（0600）。取走密码后请删除该文件；每个一次性密码首次登录后必须修改。',
    '(Readable by this user only. Delete it once the passwords are taken; each must be changed at first sign-in.)',
    `登录（sign in）：POST ${url}/api/auth/sign-in  {"username": "…", "password": "…"}`,
    `接口文档（API docs, try it there）：${url}/api/docs`,
    '三员分立：系统管理员建用户和单位，安全管理员授予角色，审计管理员查阅审计记录。',
    '============================================================',
    '',
  ];
  return lines.join('\n');
}
