/**
 * The `luoshi` command. Exit codes: 0 done, 1 failure, 2 bad input or usage (one line on stderr, no stack).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { PlanDraft } from '../domain/plan-draft.ts';
import { ConfigError, getConfig } from '../config.ts';
import { DEFAULT_MAX_BYTES, DocumentReader, importDocumentInWorker, isImportError } from '../importer/index.ts';
import { ADMIN_USAGE, adminCommand } from './admin.ts';
import { AUDIT_USAGE, auditCommand } from './audit.ts';
import { DEMO_USAGE, demoCommand } from './demo.ts';
import { formatLedger } from './ledger.ts';

const USAGE = `用法 usage:
  luoshi parse FILE [--json] [--max-mb N]   解析方案文件（md、txt、docx、pdf），打印任务台账或 JSON
${AUDIT_USAGE}
${ADMIN_USAGE}
${DEMO_USAGE}`;

class UsageError extends Error {}

export async function main(args: string[]): Promise<number> {
  try {
    const [command, ...rest] = args;
    if (command === 'parse') return await parse(rest);
    if (command === 'audit') return await auditCommand(rest);
    if (command === 'admin') return await adminCommand(rest);
    if (command === 'demo') return await demoCommand(rest);
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`未知命令 ${command}（unknown command）\n${USAGE}`);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (isImportError(error) || error instanceof ConfigError) {
      process.stderr.write(`luoshi: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(
      `luoshi: 内部错误（internal error）: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

/**
 * The `parse --json` contract, exactly: the draft's extra task fields (a deadline written for the task, the
 * inherited-units flag) stay in the product's own PlanDraft; the warnings say the same to a reader of the JSON.
 */
function toContract(draft: PlanDraft): PlanDraft {
  return {
    ...draft,
    tasks: draft.tasks.map(({ number, path, title, units, targets, source }) => ({
      number,
      path,
      title,
      units,
      targets,
      source,
    })),
  };
}

async function parse(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const maxIndex = args.indexOf('--max-mb');
  const maxMb = maxIndex >= 0 ? Number(args[maxIndex + 1]) : DEFAULT_MAX_BYTES / 1024 / 1024;
  if (!Number.isFinite(maxMb) || maxMb <= 0)
    throw new UsageError('--max-mb 需要一个正数（--max-mb needs a positive number）');
  const files = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--max-mb');
  const file = files[0];
  if (files.length !== 1 || file === undefined) throw new UsageError(USAGE);
  const maxBytes = Math.floor(maxMb * 1024 * 1024);
  let bytes: Uint8Array;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`不是文件：${file}（not a file）`);
    if (info.size > maxBytes) {
      throw new UsageError(`文件超过 ${maxMb} MB 上限：${file}（file over the ${maxMb} MB limit）`);
    }
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`无法读取文件：${file}（cannot read the file）`);
  }
  // Read as the server reads uploads: in a reader thread, within the configured time and memory (issue 9, 5).
  // One file, so pdf.js is loaded only if it is a PDF.
  const reader = new DocumentReader(getConfig().documentReader, { preloadPdf: false });
  const { draft } = await importDocumentInWorker(bytes, basename(file), { maxBytes, reader }).finally(() =>
    reader.close(),
  );
  process.stdout.write(json ? `${JSON.stringify(toContract(draft), null, 2)}\n` : formatLedger(draft));
  return 0;
}
