/**
 * `luoshi audit verify [--workspace ID] [--database URL]`: checks the audit hash chain of every workspace (or one)
 * and prints one line per workspace; at a broken chain, the first broken event and what is wrong with it.
 *
 * The database is DATABASE_URL (read by src/config.ts, as the server does) or `--database`. It is only read: never
 * migrated, and refused when its schema is older than this code (verify with the version that wrote it, or start
 * the server once to migrate). Exit codes: 0 every chain is whole, 1 at least one is broken, 2 the verification
 * could not run (usage, configuration, an unreachable or unknown database, an unknown workspace).
 */
import { existsSync } from 'node:fs';
import { ConfigError, getConfig, parseDatabaseUrl, type DatabaseConfig } from '../config.ts';
import { DatabaseOpenError, openDatabase, type DatabaseHandle } from '../db/database.ts';
import { migrationStatus } from '../db/migration-status.ts';
import { verifyAuditChains, type AuditEventRef, type ChainVerification } from '../services/audit-verify.service.ts';
import { isServiceError } from '../services/errors.ts';

export const AUDIT_USAGE = `  luoshi audit verify [--workspace ID] [--database URL]
                                            校验审计日志的哈希链（verify the audit hash chains）；
                                            退出码 0 全部完整，1 有链损坏，2 无法校验`;

/** A problem that stops the verification before it gives a verdict: one line on stderr, exit code 2. */
class CannotVerify extends Error {}

interface Writer {
  write(text: string): unknown;
}

interface VerifyArgs {
  workspaceId?: string;
  databaseUrl?: string;
}

function parseArgs(args: readonly string[]): VerifyArgs {
  const [sub, ...rest] = args;
  if (sub !== 'verify') {
    throw new CannotVerify(
      `${sub === undefined ? '缺少子命令' : `未知子命令 ${sub}`}（usage）\n用法 usage:\n${AUDIT_USAGE}`,
    );
  }
  const parsed: VerifyArgs = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (flag !== '--workspace' && flag !== '--database') {
      throw new CannotVerify(`未知参数 ${arg}（unknown argument）\n用法 usage:\n${AUDIT_USAGE}`);
    }
    const value = inline ?? rest[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) {
      throw new CannotVerify(`${flag} 需要一个值（${flag} needs a value）`);
    }
    if (flag === '--workspace') parsed.workspaceId = value;
    else parsed.databaseUrl = value;
  }
  return parsed;
}

function databaseOf(args: VerifyArgs): DatabaseConfig {
  if (args.databaseUrl === undefined) return getConfig().database;
  const database = parseDatabaseUrl(args.databaseUrl);
  if (database === null) {
    throw new CannotVerify(
      '--database 应为 sqlite:<文件路径> 或 postgres://…（可带 ?schema=小写名称）（--database: sqlite:<path> or postgres://…）',
    );
  }
  return database;
}

async function open(database: DatabaseConfig): Promise<DatabaseHandle> {
  // Opening a SQLite file that is not there would create an empty one: a typo must not pass as an empty trail.
  if (database.dialect === 'sqlite' && database.filename !== ':memory:' && !existsSync(database.filename)) {
    throw new CannotVerify(`数据库文件不存在：${database.filename}（no such database file）`);
  }
  const handle = await openDatabase({ database }, { poolSize: 2 });
  try {
    const status = await migrationStatus(handle.db);
    if (status.isEmpty) throw new CannotVerify('数据库尚未初始化，没有审计日志（the database holds no Luoshi schema）');
    if (status.pending.length > 0) {
      throw new CannotVerify(
        `数据库结构版本较旧，缺少迁移 ${status.pending.join('、')}；校验只读不迁移，请先启动一次服务完成迁移` +
          `（the schema is older than this program: ${status.pending.join(', ')} not applied; verify does not migrate）`,
      );
    }
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function describeEvent(event: AuditEventRef): string {
  return `#${event.seq} ${event.id} ${event.at} ${event.action}`;
}

/** One line per workspace, and for a broken chain, the event(s) around the break. */
function formatVerdict(result: ChainVerification): string {
  if (result.ok) {
    const head = result.head === null ? '无链头（no head）' : `链头（head）#${result.head.seq} ${result.head.hash}`;
    return `${result.workspaceId}  完整（OK）  ${result.events} 条事件（events）  ${head}\n`;
  }
  const fault = result.fault;
  if (fault === null) return `${result.workspaceId}  已损坏（BROKEN）\n`;
  const lines = [`${result.workspaceId}  已损坏（BROKEN）  ${fault.message}`];
  if (fault.event !== null) {
    lines.push(`    事件（event）      ${describeEvent(fault.event)}`);
  } else if (fault.kind === 'missing') {
    const last = fault.lastSeq > fault.seq ? ` … #${fault.lastSeq}` : '';
    lines.push(`    缺失（missing）    #${fault.seq} ${fault.eventId}${last}`);
  }
  if (fault.previous !== null) lines.push(`    之前（before）     ${describeEvent(fault.previous)}`);
  if (fault.next !== null) lines.push(`    之后（after）      ${describeEvent(fault.next)}`);
  if (result.head !== null) lines.push(`    链头（head）       #${result.head.seq} ${result.head.hash}`);
  return `${lines.join('\n')}\n`;
}

/** Runs `luoshi audit …` and returns the exit code. */
export async function auditCommand(
  args: readonly string[],
  out: Writer = process.stdout,
  err: Writer = process.stderr,
): Promise<number> {
  let handle: DatabaseHandle | undefined;
  try {
    const parsed = parseArgs(args);
    handle = await open(databaseOf(parsed));
    let whole = 0;
    let broken = 0;
    for await (const result of verifyAuditChains(handle.db, { workspaceId: parsed.workspaceId })) {
      out.write(formatVerdict(result));
      if (result.ok) whole++;
      else broken++;
    }
    out.write(
      `共 ${whole + broken} 个工作区：${whole} 个完整，${broken} 个已损坏（${whole + broken} workspaces: ${whole} whole, ${broken} broken）\n`,
    );
    return broken > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof CannotVerify || error instanceof ConfigError || error instanceof DatabaseOpenError) {
      err.write(`luoshi audit: ${error.message}\n`);
    } else if (isServiceError(error)) {
      err.write(`luoshi audit: ${error.message}\n`);
    } else {
      // Not a verdict: the walk could not finish (the database went away, say). Exit 2, never 1, which means tampering.
      const reason = error instanceof Error ? error.message : String(error);
      err.write(`luoshi audit: 校验未能完成（verification could not finish）：${reason}\n`);
    }
    return 2;
  } finally {
    await handle?.close();
  }
}
