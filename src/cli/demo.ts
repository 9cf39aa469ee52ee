/**
 * `luoshi demo [--until YYYY-MM-DD] [--seed N]`: the demo workspace (src/services/demo/demo.service.ts) in the
 * server's database, beside the real workspace and apart from it. Prints the workspace, the demo accounts (never
 * their passwords: those go to DATA_DIR/demo-accounts.txt, 0600) and what was made. Exit codes: 0 done, 1 failure,
 * 2 usage or a database or demo workspace it cannot work on (one line on stderr).
 */
import { ConfigError, getConfig, type Config } from '../config.ts';
import { DatabaseOpenError, type DatabaseHandle } from '../db/database.ts';
import { localDateOf } from '../domain/periods.ts';
import { DocumentReader } from '../importer/index.ts';
import { systemClock, type Clock } from '../services/context.ts';
import { summarizeDemoWorkspace, type DemoSummary } from '../services/demo/demo-summary.ts';
import {
  DEMO_WORKSPACE_NAME,
  DemoError,
  createDemoWorkspace,
  type DemoWorkspace,
} from '../services/demo/demo.service.ts';
import { isServiceError } from '../services/errors.ts';
import { DatabaseNotReady, openExistingDatabase } from './open-database.ts';

export const DEMO_USAGE = `  luoshi demo [--until YYYY-MM-DD] [--seed N]
                                            建立演示工作区（示例方案及模拟的报送、督办、销号等），默认模拟到今天、种子 1
                                            (a separate demo workspace with simulated activity; once per database)`;

export interface DemoIo {
  readonly out?: { write(text: string): unknown };
  readonly err?: { write(text: string): unknown };
  readonly config?: Config;
  /** Today's date comes from it (the default --until). */
  readonly clock?: Clock;
}

class BadInput extends Error {}

interface DemoArgs {
  until: string | null;
  seed: number;
}

function parseArgs(args: readonly string[]): DemoArgs {
  const parsed: DemoArgs = { until: null, seed: 1 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    if (flag !== '--until' && flag !== '--seed') {
      throw new BadInput(`未知参数 ${arg}（unknown argument）\n用法 usage:\n${DEMO_USAGE}`);
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') throw new BadInput(`${flag} 需要一个值（${flag} needs a value）`);
    if (flag === '--until') {
      const day = Date.parse(`${value}T00:00:00Z`);
      // Date.parse rolls 2021-02-30 over to March: a date is one that comes back as written.
      if (
        !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
        Number.isNaN(day) ||
        new Date(day).toISOString().slice(0, 10) !== value
      ) {
        throw new BadInput(`--until 应为 YYYY-MM-DD 格式的日期，实际为 ${value}（--until: a date YYYY-MM-DD）`);
      }
      parsed.until = value;
    } else {
      if (!/^\d{1,9}$/.test(value))
        throw new BadInput(`--seed 应为非负整数，实际为 ${value}（--seed: an integer ≥ 0）`);
      parsed.seed = Number(value);
    }
  }
  return parsed;
}

function formatSummary(summary: DemoSummary): string[] {
  const pairs = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .map(([key, n]) => `${key} ${n}`)
      .join('，');
  return [
    `任务 tasks：${summary.tasks}（已销号 closed ${summary.closedTasks}）`,
    `报告 reports：${pairs(summary.reports)}；逾期 late ${summary.lateReports}，退回后采纳 returned then accepted ${summary.returnedThenAccepted}，单位审核退回 sent back ${summary.sentBack}`,
    `指标数据 readings：${summary.readings}`,
    `项目 projects：${summary.projects}；节点 milestones ${summary.milestones.total}（完成 done ${summary.milestones.done}，逾期完成 late ${summary.milestones.doneLate}）`,
    `督办 notices：${pairs(summary.notices)}；${pairs(summary.noticeStates)}；升级 escalations ${summary.escalations}`,
    `销号 close-outs：${pairs(summary.closeOuts)}`,
    `评论 comments：${summary.comments}；审计事件 audit events：${summary.auditEvents}`,
    `摘要 digest：${summary.digest}`,
  ];
}

function formatResult(
  demo: DemoWorkspace,
  summary: DemoSummary,
  args: { until: string; seed: number; seconds: number },
): string {
  const width = Math.max(...demo.accounts.map((account) => account.username.length));
  const lines = [
    `已建立${DEMO_WORKSPACE_NAME}：${demo.workspaceId}（demo workspace created）`,
    `模拟至 until ${args.until}，种子 seed ${args.seed}，用时 ${args.seconds.toFixed(1)} 秒`,
    '',
    '演示账号（demo accounts）：',
    ...demo.accounts.map(
      (account) =>
        `  ${account.username.padEnd(width)}  ${account.role.padEnd(13)}  ${account.unitName ?? '—'}  ${account.displayName}`,
    ),
    demo.accountsFile === null
      ? ''
      : `一次性密码写在 ${demo.accountsFile}（仅本用户可读 0600；取走后请删除）` +
        `\n(one-time passwords in that file, readable by you only; delete it once taken)`,
    '',
    ...formatSummary(summary),
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs `luoshi demo …` and returns the exit code. */
export async function demoCommand(args: readonly string[], io: DemoIo = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  const err = io.err ?? process.stderr;
  let handle: DatabaseHandle | undefined;
  let reader: DocumentReader | undefined;
  try {
    if (args[0] === 'help' || args[0] === '--help' || args[0] === '-h') {
      out.write(`用法 usage:\n${DEMO_USAGE}\n`);
      return 0;
    }
    const parsed = parseArgs(args);
    const config = io.config ?? getConfig();
    const until = parsed.until ?? localDateOf((io.clock ?? systemClock)(), config.timeZone);
    handle = await openExistingDatabase(config.database, config.auditKey);
    reader = new DocumentReader(config.documentReader, { preloadPdf: false });
    const started = performance.now();
    const demo = await createDemoWorkspace({
      db: handle.db,
      auth: config.auth,
      timeZone: config.timeZone,
      until,
      seed: parsed.seed,
      dataDir: config.dataDir,
      reader,
    });
    const summary = await summarizeDemoWorkspace(handle.db, demo.workspaceId);
    const seconds = (performance.now() - started) / 1000;
    out.write(formatResult(demo, summary, { until, seed: parsed.seed, seconds }));
    return 0;
  } catch (error) {
    if (
      error instanceof BadInput ||
      error instanceof DemoError ||
      error instanceof ConfigError ||
      error instanceof DatabaseOpenError ||
      error instanceof DatabaseNotReady
    ) {
      err.write(`luoshi demo: ${error.message}\n`);
      return 2;
    }
    const reason = isServiceError(error) || error instanceof Error ? error.message : String(error);
    err.write(`luoshi demo: 未能完成（failed）：${reason}\n`);
    return 1;
  } finally {
    await reader?.close();
    await handle?.close();
  }
}
