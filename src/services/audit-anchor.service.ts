/**
 * Anchoring the audit chains (issue 9, finding 4), beside what the writer does in src/services/audit.ts:
 *
 * - At the start of a server that holds AUDIT_KEY, every chain whose head has no HMAC yet is anchored as it
 *   stands (`anchorUnanchoredAuditChains`: an `audit.anchor` event in each), so that a quiet workspace — the reserved
 *   `system` one, say — does not wait for its next event to get its HMAC; and every head whose HMAC fails the key
 *   is reported (`findAuditHeadsFailingKey`), since the writer will refuse to record there.
 * - The heads are written outside the database (`exportDueAuditHeads`, run by a job at each workspace's local change
 *   of day; `snapshotAuditHeads` + `writeAuditHeadFile` on demand, `luoshi audit export-head`). A key alone does not
 *   catch a truncation: whoever can write the database can delete the latest events and put back an earlier head
 *   with its genuine HMAC. A head kept elsewhere can: `luoshi audit verify --expect-head FILE` refuses a chain that no
 *   longer holds it. The file names every workspace's seq, hash and HMAC and when it was taken; the deployment ships
 *   DATA_DIR/audit-heads elsewhere (a log collector also gets each head as a log line).
 *
 * Head file (JSON, UTF-8), `DATA_DIR/audit-heads/<local date>.json` for the daily heads:
 *   { "format": "luoshi-audit-heads/1",
 *     "heads": [ { "workspaceId": "ws_…", "seq": 42, "hash": "…", "hmac": "…" | null, "at": "2021-10-16T16:00:04Z" } ] }
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { auditKeyOf } from '../db/audit-key.ts';
import type { Db } from '../db/database.ts';
import {
  findAuditHeads,
  findWorkspacesWithUnanchoredAuditHeads,
  type AuditHeadOfWorkspace,
} from '../db/queries/audit.queries.ts';
import { isAuditHeadHmacValid } from '../domain/audit-chain.ts';
import { localDateOf } from '../domain/periods.ts';
import { anchorAuditChain, type AnchorOutcome } from './audit.ts';
import type { ExpectedHead } from './audit-verify.service.ts';
import type { ServiceContext } from './context.ts';
import { inTransaction } from './transaction.ts';

/** The folder under DATA_DIR where head files are written. */
export const AUDIT_HEADS_FOLDER = 'audit-heads';

export const AUDIT_HEAD_FILE_FORMAT = 'luoshi-audit-heads/1';

/** One workspace's head as written outside the database. */
export interface ExportedAuditHead {
  workspaceId: string;
  seq: number;
  hash: string;
  /** The head's HMAC under AUDIT_KEY; null for a head written without the key. */
  hmac: string | null;
  /** When the head was taken. */
  at: string;
}

export interface AuditHeadFile {
  format: typeof AUDIT_HEAD_FILE_FORMAT;
  heads: ExportedAuditHead[];
}

// ---- Anchoring at start ----

/** A chain anchored at start: its workspace and what happened. */
export interface AnchoredChain {
  workspaceId: string;
  outcome: AnchorOutcome;
}

/**
 * Anchors every chain whose head has no HMAC yet, under the key the database handle carries (nothing without one). Each in its own transaction, with its head locked: processes starting together anchor a chain once.
 */
export async function anchorUnanchoredAuditChains(ctx: ServiceContext): Promise<AnchoredChain[]> {
  if (auditKeyOf(ctx.db) === null) return [];
  const anchored: AnchoredChain[] = [];
  for (const workspaceId of await findWorkspacesWithUnanchoredAuditHeads(ctx.db)) {
    const outcome = await inTransaction(ctx.db, (trx) => anchorAuditChain(trx, workspaceId, ctx.clock()));
    anchored.push({ workspaceId, outcome });
  }
  return anchored;
}

/** Every stored head, a page at a time, in workspace id order. */
async function* allAuditHeads(db: Db): AsyncGenerator<AuditHeadOfWorkspace> {
  let after: string | null = null;
  for (;;) {
    const page = await findAuditHeads(db, after, 500);
    yield* page;
    const last = page.at(-1);
    if (last === undefined || page.length < 500) return;
    after = last.workspaceId;
  }
}

/** The workspaces whose head carries an HMAC that fails `key` (the writer refuses to record there). */
export async function findAuditHeadsFailingKey(db: Db, key: KeyObject): Promise<AuditHeadOfWorkspace[]> {
  const failing: AuditHeadOfWorkspace[] = [];
  for await (const head of allAuditHeads(db)) {
    if (head.hmac !== null && !isAuditHeadHmacValid(key, head.workspaceId, head, head.hmac)) failing.push(head);
  }
  return failing;
}

// ---- Heads outside the database ----

/** Whether a head may be written out: without a key, any; with one, a head whose HMAC (if any) holds. */
function passesKey(head: AuditHeadOfWorkspace, key: KeyObject | null): boolean {
  return key === null || head.hmac === null || isAuditHeadHmacValid(key, head.workspaceId, head, head.hmac);
}

/** Heads taken for writing out, and the workspaces whose head fails the key (never written: it may be forged). */
export interface AuditHeadSnapshot {
  heads: ExportedAuditHead[];
  failing: string[];
}

/**
 * Every workspace's head as it stands now, taken at `at`. With `key`, a head whose HMAC fails it is left out and
 * named in `failing`: a forged head must not become the head a later verification expects.
 */
export async function snapshotAuditHeads(db: Db, at: Date, key: KeyObject | null): Promise<AuditHeadSnapshot> {
  const snapshot: AuditHeadSnapshot = { heads: [], failing: [] };
  for await (const head of allAuditHeads(db)) {
    if (passesKey(head, key)) snapshot.heads.push(exported(head, at));
    else snapshot.failing.push(head.workspaceId);
  }
  return snapshot;
}

function exported(head: AuditHeadOfWorkspace, at: Date): ExportedAuditHead {
  return { workspaceId: head.workspaceId, seq: head.seq, hash: head.hash, hmac: head.hmac, at: at.toISOString() };
}

/** The file's text: the format tag, then one head a line (easy to read, and to compare with `diff`). */
export function formatAuditHeadFile(heads: readonly ExportedAuditHead[]): string {
  const lines = heads.map((head) => `    ${JSON.stringify(head)}`);
  return `{\n  "format": "${AUDIT_HEAD_FILE_FORMAT}",\n  "heads": [\n${lines.join(',\n')}${lines.length > 0 ? '\n' : ''}  ]\n}\n`;
}

/** Writes a head file whole or not at all (a temporary file renamed over it), and flushes it to disk. */
export async function writeAuditHeadFile(file: string, heads: readonly ExportedAuditHead[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.part`;
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(formatAuditHeadFile(heads), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A head file that cannot be used: one line, Chinese first. */
export class AuditHeadFileError extends Error {
  override readonly name = 'AuditHeadFileError';
}

const headSchema = z.strictObject({
  workspaceId: z.string().min(1).max(200),
  seq: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  hmac: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  at: z.iso.datetime({ offset: true }),
});

const fileSchema = z.strictObject({
  format: z.literal(AUDIT_HEAD_FILE_FORMAT),
  heads: z.array(headSchema),
});

/** Reads a head file's text; throws `AuditHeadFileError` when it is not one (or names a workspace twice). */
export function parseAuditHeadFile(text: string): AuditHeadFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AuditHeadFileError('链头文件不是 JSON（the head file is not JSON）');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new AuditHeadFileError(
      `链头文件格式不符 ${AUDIT_HEAD_FILE_FORMAT}（the head file is not in the ${AUDIT_HEAD_FILE_FORMAT} format）`,
    );
  }
  const seen = new Set<string>();
  for (const head of parsed.data.heads) {
    if (seen.has(head.workspaceId)) {
      throw new AuditHeadFileError(
        `链头文件中工作区 ${head.workspaceId} 出现两次（the head file names ${head.workspaceId} twice）`,
      );
    }
    seen.add(head.workspaceId);
  }
  return parsed.data;
}

/**
 * The expected heads of a head file, by workspace. With a key, a head that carries an HMAC must carry the right one:
 * a file whose heads were edited (to hide a cut, say) is refused as a whole (`AuditHeadFileError`).
 */
export function expectedHeadsOf(file: AuditHeadFile, key: KeyObject | null): Map<string, ExpectedHead> {
  const expected = new Map<string, ExpectedHead>();
  for (const head of file.heads) {
    if (key !== null && head.hmac !== null && !isAuditHeadHmacValid(key, head.workspaceId, head, head.hmac)) {
      throw new AuditHeadFileError(
        `链头文件中工作区 ${head.workspaceId} 的 HMAC 与 AUDIT_KEY 不符：文件被改动，或密钥不同` +
          `（the head file's HMAC for ${head.workspaceId} fails AUDIT_KEY: the file was edited, or another key）`,
      );
    }
    expected.set(head.workspaceId, { seq: head.seq, hash: head.hash });
  }
  return expected;
}

/** Reads and checks a head file (see `parseAuditHeadFile`, `expectedHeadsOf`). */
export async function readExpectedAuditHeads(file: string, key: KeyObject | null): Promise<Map<string, ExpectedHead>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new AuditHeadFileError(`无法读取链头文件：${file}（cannot read the head file）`);
  }
  return expectedHeadsOf(parseAuditHeadFile(text), key);
}

/** The daily head file of a local date. */
export function dailyAuditHeadFile(dataDir: string, date: string): string {
  return join(resolve(dataDir), AUDIT_HEADS_FOLDER, `${date}.json`);
}

/** The file an on-demand export writes to when given none: the instant, to the second, in UTC. */
export function onDemandAuditHeadFile(dataDir: string, at: Date): string {
  const stamp = at.toISOString().replaceAll(/[-:]/g, '').slice(0, 15);
  return join(resolve(dataDir), AUDIT_HEADS_FOLDER, `${stamp}Z.json`);
}

async function readHeadFileIfAny(file: string): Promise<AuditHeadFile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseAuditHeadFile(text);
}

/** What a daily export wrote: each file and the heads added to it. */
export interface AuditHeadExport {
  file: string;
  heads: ExportedAuditHead[];
}

export interface DueAuditHeadExport {
  exports: AuditHeadExport[];
  /** Workspaces whose head fails the key the database handle carries: not written. */
  failing: string[];
}

/**
 * Writes the head of every workspace whose local date has no head yet, to that date's file: run every quarter of an
 * hour, it writes each workspace's head once a day, at the first run after its local midnight (in its own time zone,
 * like the status sweep), adding it to the file of that date beside the other workspaces'. A workspace with no
 * events has no head to write, and one whose head fails the key is named instead (and tried again next run). The
 * file is the state: a run that finds the workspace in today's file does nothing for it.
 */
export async function exportDueAuditHeads(ctx: ServiceContext, dataDir: string): Promise<DueAuditHeadExport> {
  const now = ctx.clock();
  const key = auditKeyOf(ctx.db);
  const due = new Map<string, AuditHeadOfWorkspace[]>();
  const files = new Map<string, AuditHeadFile | null>();
  const failing: string[] = [];
  for await (const head of allAuditHeads(ctx.db)) {
    const file = dailyAuditHeadFile(dataDir, localDateOf(now, head.timeZone));
    if (!files.has(file)) files.set(file, await readHeadFileIfAny(file));
    if (files.get(file)?.heads.some((written) => written.workspaceId === head.workspaceId) === true) continue;
    if (!passesKey(head, key)) {
      failing.push(head.workspaceId);
      continue;
    }
    const heads = due.get(file) ?? [];
    heads.push(head);
    due.set(file, heads);
  }
  const exports: AuditHeadExport[] = [];
  for (const [file, heads] of due) {
    const added = heads.map((head) => exported(head, now));
    const all = [...(files.get(file)?.heads ?? []), ...added].sort((a, b) => (a.workspaceId < b.workspaceId ? -1 : 1));
    await writeAuditHeadFile(file, all);
    exports.push({ file, heads: added });
  }
  return { exports, failing };
}
