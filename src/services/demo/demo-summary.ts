/**
 * What a demo run made, read back from the database: counts that a person checks at a glance, and a digest of the
 * rows that matter, so that two runs with the same seed and --until can be compared (tests, and whoever doubts).
 *
 * Ids are random (src/db/ids.ts) and password hashes salted, so the digest leaves out every password hash and
 * chain hash, and writes each id as its kind and its place in creation order (ids sort by creation within a run):
 * `tsk#12`. Everything else — dates from the simulated clock, states, texts, values, audit actions — goes in as
 * stored.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import { DEMO_TABLES, findWorkspaceRows, type DemoTable } from '../../db/queries/demo.queries.ts';

export interface DemoSummary {
  readonly tasks: number;
  readonly closedTasks: number;
  readonly reports: Readonly<Record<string, number>>;
  readonly lateReports: number;
  /** Reports the office returned at least once and has since accepted. */
  readonly returnedThenAccepted: number;
  /** Reports the unit's approver sent back at least once. */
  readonly sentBack: number;
  readonly readings: number;
  readonly projects: number;
  readonly milestones: { readonly total: number; readonly done: number; readonly doneLate: number };
  readonly notices: Readonly<Record<string, number>>;
  readonly noticeStates: Readonly<Record<string, number>>;
  readonly escalations: number;
  readonly closeOuts: Readonly<Record<string, number>>;
  readonly comments: number;
  readonly users: number;
  readonly auditEvents: number;
  /** SHA-256 over the rows that matter (see the module comment). */
  readonly digest: string;
}

/** Columns that differ between identical runs: salted hashes, and the chain's hashes over random ids. */
const LEFT_OUT = new Set(['password_hash', 'hash', 'prev_hash', 'workspace_id']);
const ID_PATTERN = /\b([a-z]{2,3})_[0-9A-HJKMNP-TV-Z]{26}\b/g;

function countBy(rows: readonly Record<string, unknown>[], column: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) {
    const key = String(row[column]);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** The summary and digest of one workspace's rows. */
export async function summarizeDemoWorkspace(db: Db, workspaceId: string): Promise<DemoSummary> {
  const tables = new Map<DemoTable, Record<string, unknown>[]>();
  for (const table of DEMO_TABLES) tables.set(table, await findWorkspaceRows(db, table, workspaceId));
  const rows = (table: DemoTable) => tables.get(table) ?? [];

  // Every id met, in creation order, named by its kind and place.
  const ids = new Set<string>();
  for (const list of tables.values()) {
    for (const row of list) {
      for (const value of Object.values(row)) {
        if (typeof value === 'string') for (const match of value.matchAll(ID_PATTERN)) ids.add(match[0]);
      }
    }
  }
  const places = new Map<string, string>();
  const perKind = new Map<string, number>();
  for (const id of [...ids].sort()) {
    const kind = id.slice(0, id.indexOf('_'));
    const place = (perKind.get(kind) ?? 0) + 1;
    perKind.set(kind, place);
    places.set(id, `${kind}#${place}`);
  }
  const hash = createHash('sha256');
  for (const [table, list] of tables) {
    hash.update(`\u0000${table}\u0000`);
    for (const row of list) {
      const kept = Object.entries(row)
        .filter(([column]) => !LEFT_OUT.has(column))
        .map(([column, value]) => [
          column,
          typeof value === 'string' ? value.replace(ID_PATTERN, (id) => places.get(id) ?? id) : value,
        ]);
      // Numbers as numbers on both databases (PostgreSQL's bigint counts come back as strings).
      hash.update(JSON.stringify(kept, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value)));
      hash.update('\n');
    }
  }

  const reports = rows('reports');
  const audit = rows('audit_events');
  const actionsOn = (action: string) =>
    new Set(audit.filter((event) => event.action === action).map((event) => String(event.subject_id)));
  const returned = actionsOn('report.return');
  const milestones = rows('milestones').filter((m) => m.removed_at === null);
  const done = milestones.filter((m) => m.done_on !== null);
  return {
    tasks: rows('tasks').length,
    closedTasks: rows('tasks').filter((task) => task.closed_at !== null).length,
    reports: countBy(reports, 'state'),
    lateReports: reports.filter((report) => Number(report.is_late) === 1).length,
    returnedThenAccepted: reports.filter((report) => report.state === 'accepted' && returned.has(String(report.id)))
      .length,
    sentBack: actionsOn('report.send-back').size,
    readings: rows('readings').length,
    projects: rows('projects').length,
    milestones: {
      total: milestones.length,
      done: done.length,
      doneLate: done.filter((m) => String(m.done_on) > String(m.due_on)).length,
    },
    notices: countBy(rows('notices'), 'level'),
    noticeStates: countBy(rows('notices'), 'state'),
    escalations: rows('notices').filter((notice) => notice.escalated_from_id !== null).length,
    closeOuts: countBy(rows('close_outs'), 'state'),
    comments: rows('comments').length,
    users: rows('users').length,
    auditEvents: audit.length,
    digest: hash.digest('hex'),
  };
}
