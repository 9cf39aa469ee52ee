/**
 * `luoshi audit …`, for whoever holds the machine (the database and AUDIT_KEY), not for an application role:
 *
 * - `verify [--workspace ID] [--database URL] [--expect-head FILE] [--require-key]` checks the audit hash chain of
 *   every workspace (or one) and prints one line per workspace; at a broken chain, the first broken event and what is
 *   wrong with it. With AUDIT_KEY it checks each head's HMAC (a rewrite with recomputed hashes fails it); without, it
 *   says first that the chains are unanchored — a warning, not a failure, unless `--require-key`. With
 *   `--expect-head FILE` (a head file, src/services/audit-anchor.service.ts) each chain must still hold the head the
 *   file names (a cut back to an earlier head fails it). Only reads.
 * - `export-head [FILE] [--database URL]` writes every workspace's head (seq, hash, HMAC) to FILE, or by default to
 *   DATA_DIR/audit-heads/<UTC time>.json, for the operator to keep elsewhere; and prints them.
 * - `anchor [--workspace ID] [--database URL] [--expect-head FILE] [--rekey]` anchors under AUDIT_KEY every chain
 *   whose head has no HMAC yet (the server does it at start too), after checking its hash chain (and expected head);
 *   with `--rekey`, also chains anchored under another key (rotating the key, after `verify` with the old one) and
 *   chains whose head row is gone (once the operator knows why). Each anchoring is an `audit.anchor` event.
 *
 * The database is DATABASE_URL (read by src/config.ts, as the server does) or `--database`; AUDIT_KEY is read from
 * the environment. The database is never migrated, and refused when its schema is older than this code (use the
 * version that wrote it, or start the server once to migrate). Exit codes: 0 done, every chain whole; 1 at least one
 * chain broken (or, for `anchor`, left unanchored; for `export-head`, a head failing the key); 2 the command could
 * not run (usage, configuration, an unreachable or unknown database, an unknown workspace, an unusable head file,
 * no AUDIT_KEY where one is required).
 */
import { existsSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { ConfigError, getConfig, loadAuditKey, parseDatabaseUrl, type DatabaseConfig } from '../config.ts';
import { withAuditKey } from '../db/audit-key.ts';
import { DatabaseOpenError, openDatabase, type DatabaseHandle } from '../db/database.ts';
import { migrationStatus } from '../db/migration-status.ts';
import {
  AuditHeadFileError,
  onDemandAuditHeadFile,
  readExpectedAuditHeads,
  snapshotAuditHeads,
  writeAuditHeadFile,
} from '../services/audit-anchor.service.ts';
import {
  verifyAuditChains,
  type AuditEventRef,
  type ChainVerification,
  type ExpectedHead,
} from '../services/audit-verify.service.ts';
import { anchorAuditChain } from '../services/audit.ts';
import { isServiceError } from '../services/errors.ts';
import { inTransaction } from '../services/transaction.ts';

export const AUDIT_USAGE = `  luoshi audit verify [--workspace ID] [--database URL] [--expect-head FILE] [--require-key]
                                            校验审计日志的哈希链，有 AUDIT_KEY 时核对链头 HMAC，给出预期链头时核对链尾
                                            （verify the audit hash chains, their anchoring and the expected heads）；
                                            退出码 0 全部完整，1 有链损坏，2 无法校验
  luoshi audit export-head [FILE] [--database URL]
                                            把各工作区的链头（序号、哈希、HMAC）写到数据库之外，默认 DATA_DIR/audit-heads/
                                            （write every chain head outside the database）
  luoshi audit anchor [--workspace ID] [--database URL] [--expect-head FILE] [--rekey]
                                            用 AUDIT_KEY 锚定尚无 HMAC 的审计链；--rekey 换用新密钥重新锚定
                                            （anchor the chains under AUDIT_KEY; --rekey after rotating the key）`;

/** A problem that stops the command before it gives a verdict: one line on stderr, exit code 2. */
class CannotRun extends Error {}

interface Writer {
  write(text: string): unknown;
}

type Subcommand = 'verify' | 'export-head' | 'anchor';

interface AuditArgs {
  sub: Subcommand;
  workspaceId?: string;
  databaseUrl?: string;
  expectHead?: string;
  requireKey: boolean;
  rekey: boolean;
  file?: string;
}

/** The options each subcommand takes: those with a value, and the flags. */
const OPTIONS: Record<Subcommand, { valued: readonly string[]; flags: readonly string[]; file: boolean }> = {
  verify: { valued: ['--workspace', '--database', '--expect-head'], flags: ['--require-key'], file: false },
  'export-head': { valued: ['--database'], flags: [], file: true },
  anchor: { valued: ['--workspace', '--database', '--expect-head'], flags: ['--rekey'], file: false },
};

function usage(line: string): CannotRun {
  return new CannotRun(`${line}\n用法 usage:\n${AUDIT_USAGE}`);
}

function parseArgs(args: readonly string[]): AuditArgs {
  const [sub, ...rest] = args;
  if (sub !== 'verify' && sub !== 'export-head' && sub !== 'anchor') {
    throw usage(`${sub === undefined ? '缺少子命令' : `未知子命令 ${sub}`}（usage）`);
  }
  const allowed = OPTIONS[sub];
  const parsed: AuditArgs = { sub, requireKey: false, rekey: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (allowed.file && !arg.startsWith('--') && parsed.file === undefined) {
      parsed.file = arg;
      continue;
    }
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (allowed.flags.includes(flag) && inline === undefined) {
      if (flag === '--require-key') parsed.requireKey = true;
      else parsed.rekey = true;
      continue;
    }
    if (!allowed.valued.includes(flag)) throw usage(`未知参数 ${arg}（unknown argument）`);
    const value = inline ?? rest[++i];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) {
      throw new CannotRun(`${flag} 需要一个值（${flag} needs a value）`);
    }
    if (flag === '--workspace') parsed.workspaceId = value;
    else if (flag === '--database') parsed.databaseUrl = value;
    else parsed.expectHead = value;
  }
  return parsed;
}

function databaseOf(args: AuditArgs): DatabaseConfig {
  if (args.databaseUrl === undefined) return getConfig().database;
  const database = parseDatabaseUrl(args.databaseUrl);
  if (database === null) {
    throw new CannotRun(
      '--database 应为 sqlite:<文件路径> 或 postgres://…（可带 ?schema=小写名称）（--database: sqlite:<path> or postgres://…）',
    );
  }
  return database;
}

async function open(database: DatabaseConfig): Promise<DatabaseHandle> {
  // Opening a SQLite file that is not there would create an empty one: a typo must not pass as an empty trail.
  if (database.dialect === 'sqlite' && database.filename !== ':memory:' && !existsSync(database.filename)) {
    throw new CannotRun(`数据库文件不存在：${database.filename}（no such database file）`);
  }
  const handle = await openDatabase({ database }, { poolSize: 2 });
  try {
    const status = await migrationStatus(handle.db);
    if (status.isEmpty) throw new CannotRun('数据库尚未初始化，没有审计日志（the database holds no Luoshi schema）');
    if (status.pending.length > 0) {
      throw new CannotRun(
        `数据库结构版本较旧，缺少迁移 ${status.pending.join('、')}；本命令不迁移，请先启动一次服务完成迁移` +
          `（the schema is older than this program: ${status.pending.join(', ')} not applied; this command does not migrate）`,
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

/** The warning `verify` prints first when there is no key. */
export const UNANCHORED_LINE =
  '审计链未锚定（chain unanchored）：未设置 AUDIT_KEY，只校验了哈希链，有数据库权限者重算哈希后的改写无法发现' +
  '（AUDIT_KEY is not set: only the hash chains were checked; a rewrite with recomputed hashes would pass）\n';

/** One line per workspace, and for a broken chain, the event(s) around the break. */
function formatVerdict(result: ChainVerification): string {
  if (result.ok) {
    const head = result.head === null ? '无链头（no head）' : `链头（head）#${result.head.seq} ${result.head.hash}`;
    const anchored = result.anchor === 'anchored' ? '  已锚定（anchored）' : '';
    const expected = result.expected === null ? '' : `  含预期链头（holds the expected head）#${result.expected.seq}`;
    const lines = [
      `${result.workspaceId}  完整（OK）  ${result.events} 条事件（events）  ${head}${anchored}${expected}`,
    ];
    if (result.anchoredAt.length > 0) {
      lines.push(`    锚定事件（anchor events）  ${result.anchoredAt.map((seq) => `#${seq}`).join(' ')}`);
    }
    return `${lines.join('\n')}\n`;
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
  if (result.expected !== null) lines.push(`    预期（expected）   #${result.expected.seq} ${result.expected.hash}`);
  return `${lines.join('\n')}\n`;
}

async function expectedHeadsOf(args: AuditArgs, key: KeyObject | null): Promise<Map<string, ExpectedHead>> {
  if (args.expectHead === undefined) return new Map();
  try {
    return await readExpectedAuditHeads(args.expectHead, key);
  } catch (error) {
    if (error instanceof AuditHeadFileError) throw new CannotRun(`${error.message}：${args.expectHead}`);
    throw error;
  }
}

async function verify(args: AuditArgs, key: KeyObject | null, out: Writer): Promise<number> {
  if (key === null && args.requireKey) {
    throw new CannotRun('未设置 AUDIT_KEY，无法按 --require-key 核对锚定（--require-key: AUDIT_KEY is not set）');
  }
  const expectedHeads = await expectedHeadsOf(args, key);
  const handle = await open(databaseOf(args));
  try {
    let whole = 0;
    let broken = 0;
    const options = {
      key,
      expectedHeads,
      ...(args.workspaceId === undefined ? {} : { workspaceId: args.workspaceId }),
    };
    for await (const result of verifyAuditChains(handle.db, options)) {
      // Before the first verdict (an unknown workspace prints nothing on stdout).
      if (key === null && whole + broken === 0) out.write(UNANCHORED_LINE);
      out.write(formatVerdict(result));
      if (result.ok) whole++;
      else broken++;
    }
    out.write(
      `共 ${whole + broken} 个工作区：${whole} 个完整，${broken} 个已损坏（${whole + broken} workspaces: ${whole} whole, ${broken} broken）\n`,
    );
    return broken > 0 ? 1 : 0;
  } finally {
    await handle.close();
  }
}

async function exportHead(args: AuditArgs, key: KeyObject | null, out: Writer): Promise<number> {
  const file = args.file ?? onDemandAuditHeadFile(getConfig().dataDir, new Date());
  const handle = await open(databaseOf(args));
  try {
    const { heads, failing } = await snapshotAuditHeads(handle.db, new Date(), key);
    if (failing.length > 0) {
      for (const workspaceId of failing) {
        out.write(
          `${workspaceId}  链头的 HMAC 与 AUDIT_KEY 不符，未写出（the head fails AUDIT_KEY; run luoshi audit verify）\n`,
        );
      }
      out.write(`未写出链头文件（no head file written）\n`);
      return 1;
    }
    await writeAuditHeadFile(file, heads);
    for (const head of heads) {
      out.write(`${head.workspaceId}  #${head.seq} ${head.hash}  HMAC ${head.hmac ?? '无（none）'}\n`);
    }
    out.write(`已写出 ${heads.length} 个工作区的链头：${file}（heads of ${heads.length} workspaces written）\n`);
    return 0;
  } finally {
    await handle.close();
  }
}

async function anchor(args: AuditArgs, key: KeyObject | null, out: Writer): Promise<number> {
  if (key === null) throw new CannotRun('未设置 AUDIT_KEY，无法锚定（anchor: AUDIT_KEY is not set）');
  const expectedHeads = await expectedHeadsOf(args, key);
  const handle = await open(databaseOf(args));
  try {
    const keyed = withAuditKey(handle.db, key);
    let failed = 0;
    // The hash chain (and the expected head) first: a broken chain is never anchored.
    const options = {
      key: null,
      expectedHeads,
      ...(args.workspaceId === undefined ? {} : { workspaceId: args.workspaceId }),
    };
    for await (const result of verifyAuditChains(handle.db, options)) {
      // A chain whole but for its missing head may be re-anchored with --rekey; no other break ever is.
      if (!result.ok && !(args.rekey && result.fault?.cause === 'head-missing')) {
        failed++;
        out.write(formatVerdict(result).replace('\n', `  未锚定（not anchored）\n`));
        continue;
      }
      const outcome = await inTransaction(keyed, (trx) =>
        anchorAuditChain(trx, result.workspaceId, new Date(), { rekey: args.rekey }),
      );
      const ws = result.workspaceId;
      switch (outcome.status) {
        case 'empty':
          out.write(`${ws}  无事件（no events）\n`);
          break;
        case 'anchored':
          out.write(`${ws}  已锚定（anchored）  #${outcome.seq}\n`);
          break;
        case 'anchored-now':
          out.write(`${ws}  本次锚定（anchored now）  audit.anchor #${outcome.seq}（${outcome.reason}）\n`);
          break;
        case 'other-key':
          failed++;
          out.write(
            `${ws}  链头的 HMAC 与 AUDIT_KEY 不符，未改动；轮换密钥时先用旧密钥 verify，再加 --rekey` +
              `（the head fails AUDIT_KEY; left as it is: when rotating the key, verify with the old one, then --rekey）\n`,
          );
          break;
        case 'head-missing':
          failed++;
          out.write(
            `${ws}  有事件却没有链头，未改动；查明原因后可加 --rekey 重新锚定` +
              `（events but no head; left as it is: --rekey once you know why）\n`,
          );
          break;
      }
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await handle.close();
  }
}

/** Runs `luoshi audit …` and returns the exit code. */
export async function auditCommand(
  args: readonly string[],
  out: Writer = process.stdout,
  err: Writer = process.stderr,
): Promise<number> {
  try {
    const parsed = parseArgs(args);
    const key = loadAuditKey();
    if (parsed.sub === 'verify') return await verify(parsed, key, out);
    if (parsed.sub === 'export-head') return await exportHead(parsed, key, out);
    return await anchor(parsed, key, out);
  } catch (error) {
    if (error instanceof CannotRun || error instanceof ConfigError || error instanceof DatabaseOpenError) {
      err.write(`luoshi audit: ${error.message}\n`);
    } else if (isServiceError(error)) {
      err.write(`luoshi audit: ${error.message}\n`);
    } else {
      // Not a verdict: the walk could not finish (the database went away, say). Exit 2, never 1, which means tampering.
      const reason = error instanceof Error ? error.message : String(error);
      err.write(`luoshi audit: 未能完成（could not finish）：${reason}\n`);
    }
    return 2;
  }
}
