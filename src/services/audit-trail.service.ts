/**
 * The audit administrator's view of the trail (等保 三员: the audit administrator, and nobody else, reads and
 * exports it): a filtered, paginated list, newest first, and an export (CSV for Excel, or JSON lines exactly as
 * stored so the chain can be checked again outside) that ends with the chain head and the number of rows. Reading
 * the trail is itself audited: `audit.read` for each page, `audit.export` for each export (a refused attempt is
 * recorded by the HTTP layer, as every 403 is: `access.denied`). `scope: 'system'` reads the reserved `system`
 * chain instead of the administrator's own workspace's (src/services/audit-scope.ts); the read is audited in the
 * administrator's own chain all the same, naming the chain read.
 *
 * Retention: the application never deletes an audit event, and the database refuses deletes (migration 0008), so
 * the trail is kept without limit — beyond the 180 days 等保 level 3 asks for. There is no pruning: removing events
 * would break the chain, and archiving old ones is a deployment's backup, not a deletion.
 */
import {
  findAuditEventListPage,
  findAuditEventPage,
  findAuditHead,
  type AuditEventFilter,
  type AuditEventRecord,
  type AuditEventWithActorRow,
} from '../db/queries/audit.queries.ts';
import type { AuditOutcome } from '../db/schema.ts';
import {
  canExportAuditTrail,
  canExportSystemAuditTrail,
  canReadAuditTrail,
  canReadSystemAuditTrail,
} from '../policies/audit.policy.ts';
import { ADMIN_COMMAND_USER_ID } from './admin-command-actor.ts';
import { AUDIT_USER_ID, recordAudit } from './audit.ts';
import { DEMO_SYSTEM_USER_ID } from './demo/demo.service.ts';
import { JOB_USER_ID } from './job-actor.ts';
import { auditChainOf, type AuditScope } from './audit-scope.ts';
import type { AuditChainHead } from './audit-verify.service.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';
import { inTransaction } from './transaction.ts';

export interface AuditEvent {
  id: string;
  seq: number;
  at: string;
  actorId: string | null;
  /**
   * Who acted, as people read it: a user's display name, a label for the system's own actors (`system:jobs`,
   * `system:cli`, …); null when no one acted (a failed sign-in by an unknown name) or the user is not of the chain's
   * workspace.
   */
  actorName: string | null;
  actorRoles: string[];
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  /** The stored detail, parsed; the stored text itself if it is not JSON (which only tampering makes). */
  detail: unknown;
  ip: string | null;
  outcome: AuditOutcome;
  prevHash: string | null;
  hash: string;
}

export interface AuditEventQuery {
  /** Events at or after this instant (ISO 8601). */
  from?: string | undefined;
  /** Events before this instant (ISO 8601). */
  to?: string | undefined;
  /** The acting user's id. */
  actor?: string | undefined;
  action?: string | undefined;
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  outcome?: AuditOutcome | undefined;
  /** Which chain: the actor's own workspace's (default) or the reserved `system` chain. */
  scope?: AuditScope | undefined;
}

/** The seq of the last event of a page. */
export type AuditEventCursor = readonly [number];

export interface AuditEventPage {
  items: AuditEvent[];
  /** Pass it back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: AuditEventCursor | null;
}

export type AuditExportFormat = 'csv' | 'jsonl';

export interface AuditExport {
  format: AuditExportFormat;
  contentType: string;
  fileName: string;
  /** The chain head the export ends with: it covers every event exported. */
  head: AuditChainHead | null;
  /** The file, line by line, read from the database a page at a time as it is consumed. */
  lines: AsyncIterable<string>;
}

const EXPORT_PAGE_SIZE = 1000;

const REFUSE_READ = '只有审计管理员可以查看审计日志（only the audit administrator may read the audit trail）';
const REFUSE_EXPORT = '只有审计管理员可以导出审计日志（only the audit administrator may export the audit trail）';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The system's own actors, which are no user: what the trail calls them. */
const SYSTEM_ACTOR_NAMES: Readonly<Record<string, string>> = {
  [JOB_USER_ID]: '定时任务（scheduled jobs）',
  [ADMIN_COMMAND_USER_ID]: '服务器命令（server command）',
  [AUDIT_USER_ID]: '审计日志（the audit trail itself）',
  [DEMO_SYSTEM_USER_ID]: '演示数据（demo data）',
};

function actorNameOf(row: AuditEventWithActorRow): string | null {
  if (row.actor_name !== null) return row.actor_name;
  return row.actor_id === null ? null : (SYSTEM_ACTOR_NAMES[row.actor_id] ?? null);
}

function toAuditEvent(row: AuditEventWithActorRow): AuditEvent {
  const roles = parseJson(row.actor_roles);
  return {
    id: row.id,
    seq: row.seq,
    at: row.at,
    actorId: row.actor_id,
    actorName: actorNameOf(row),
    actorRoles: Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [],
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    detail: parseJson(row.detail),
    ip: row.ip,
    outcome: row.outcome,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** An instant as stored (`toISOString`, UTC), so that text comparison is time order; `invalid-input` otherwise. */
function storedInstant(value: string, field: 'from' | 'to'): string {
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(time)) {
    throw new ServiceError(
      'invalid-input',
      `${field} 应为 ISO 8601 时间，如 2021-07-01T00:00:00+08:00（${field}: an ISO 8601 instant）`,
      {
        field,
      },
    );
  }
  return new Date(time).toISOString();
}

function toFilter(query: AuditEventQuery): AuditEventFilter {
  const filter: AuditEventFilter = {};
  if (query.from !== undefined) filter.from = storedInstant(query.from, 'from');
  if (query.to !== undefined) filter.to = storedInstant(query.to, 'to');
  if (query.actor !== undefined) filter.actorId = query.actor;
  if (query.action !== undefined) filter.action = query.action;
  if (query.subjectType !== undefined) filter.subjectType = query.subjectType;
  if (query.subjectId !== undefined) filter.subjectId = query.subjectId;
  if (query.outcome !== undefined) filter.outcome = query.outcome;
  return filter;
}

/** The workspace's audit events matching `query`, newest first, `limit` at a time after `cursor`. */
export async function listAuditEvents(
  ctx: ServiceContext,
  actor: Actor,
  query: AuditEventQuery,
  page: { cursor?: AuditEventCursor | null | undefined; limit: number },
): Promise<AuditEventPage> {
  const scope = query.scope ?? 'workspace';
  if (!(scope === 'system' ? canReadSystemAuditTrail(actor) : canReadAuditTrail(actor))) {
    throw new ServiceError('forbidden', REFUSE_READ);
  }
  const chain = auditChainOf(actor, scope);
  const filter = toFilter(query);
  const beforeSeq = page.cursor?.[0];
  const rows = await findAuditEventListPage(ctx.db, chain, filter, {
    ...(beforeSeq === undefined ? {} : { beforeSeq }),
    limit: page.limit + 1,
  });
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  await inTransaction(ctx.db, (trx) =>
    recordAudit(trx, actor, ctx.clock(), {
      action: 'audit.read',
      subjectType: 'audit-trail',
      subjectId: chain,
      detail: {
        ...(scope === 'system' ? { scope } : {}),
        filter,
        ...(beforeSeq === undefined ? {} : { beforeSeq }),
        count: items.length,
      },
    }),
  );
  return {
    items: items.map(toAuditEvent),
    nextCursor: rows.length > page.limit && last !== undefined ? [last.seq] : null,
  };
}

// ---- Export ----

const CSV_COLUMNS: readonly [keyof AuditEventRecord, string][] = [
  ['seq', '序号（seq）'],
  ['at', '时间（at, UTC）'],
  ['actor_id', '操作人（actor）'],
  ['actor_roles', '角色（roles）'],
  ['action', '操作（action）'],
  ['subject_type', '对象类型（subject type）'],
  ['subject_id', '对象（subject）'],
  ['detail', '详情（detail）'],
  ['ip', '来源地址（ip）'],
  ['outcome', '结果（outcome）'],
  ['id', '事件编号（id）'],
  ['prev_hash', '前一哈希（prev hash）'],
  ['hash', '哈希（hash）'],
];

/**
 * One CSV cell. A cell that Excel would read as a formula (starting with = + - @, or a tab or carriage return that
 * hides one) gets a leading apostrophe: an actor's text must not run as a formula on the auditor's machine (CSV
 * injection). Cells with a comma, quote or line break are quoted.
 */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(cells: readonly (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

async function* exportLines(
  ctx: ServiceContext,
  workspaceId: string,
  filter: AuditEventFilter,
  format: AuditExportFormat,
  head: AuditChainHead | null,
  exportedAt: string,
): AsyncGenerator<string> {
  // Excel takes a CSV without a byte-order mark for the local code page (GBK on Chinese Windows): the BOM says UTF-8.
  if (format === 'csv') yield `\uFEFF${csvLine(CSV_COLUMNS.map(([, title]) => title))}`;
  let count = 0;
  let afterSeq: number | undefined;
  const maxSeq = head?.seq ?? 0;
  for (;;) {
    const rows = await findAuditEventPage(ctx.db, workspaceId, filter, {
      ...(afterSeq === undefined ? {} : { afterSeq }),
      maxSeq,
      limit: EXPORT_PAGE_SIZE,
    });
    for (const row of rows) {
      count++;
      // JSON lines: the row exactly as stored (detail and roles as their JSON text), so its hash can be recomputed.
      yield format === 'csv' ? csvLine(CSV_COLUMNS.map(([column]) => row[column])) : `${JSON.stringify(row)}\n`;
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < EXPORT_PAGE_SIZE) break;
    afterSeq = last.seq;
  }
  // The trailer: a file cut short (a dropped connection) has none, and the head lets a reader anchor the export.
  if (format === 'csv') {
    yield csvLine([
      '导出结束（end of export）',
      `条数（count）${count}`,
      `链头序号（head seq）${head?.seq ?? 0}`,
      `链头哈希（head hash）${head?.hash ?? ''}`,
      `导出时间（exported at）${exportedAt}`,
    ]);
  } else {
    yield `${JSON.stringify({ trailer: true, workspaceId, exportedAt, filter, count, head })}\n`;
  }
}

/**
 * Exports the workspace's audit events matching `query`, oldest first. The `audit.export` event is written first,
 * then the head is read: the export covers every event up to that head (its own event included, when the filter
 * lets it through), and ends with it, so the file can be checked against the chain later.
 */
export async function exportAuditEvents(
  ctx: ServiceContext,
  actor: Actor,
  query: AuditEventQuery,
  format: AuditExportFormat,
): Promise<AuditExport> {
  const scope = query.scope ?? 'workspace';
  if (!(scope === 'system' ? canExportSystemAuditTrail(actor) : canExportAuditTrail(actor))) {
    throw new ServiceError('forbidden', REFUSE_EXPORT);
  }
  const chain = auditChainOf(actor, scope);
  const filter = toFilter(query);
  const now = ctx.clock();
  await inTransaction(ctx.db, (trx) =>
    recordAudit(trx, actor, now, {
      action: 'audit.export',
      subjectType: 'audit-trail',
      subjectId: chain,
      detail: { ...(scope === 'system' ? { scope } : {}), filter, format },
    }),
  );
  const stored = await findAuditHead(ctx.db, chain);
  const head = stored === undefined ? null : { seq: stored.seq, hash: stored.hash };
  const stamp = now.toISOString().replaceAll(/[-:]/g, '').slice(0, 15);
  return {
    format,
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    fileName: `audit-${chain}-${stamp}.${format}`,
    head,
    lines: exportLines(ctx, chain, filter, format, head, now.toISOString()),
  };
}
