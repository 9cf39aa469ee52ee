/**
 * A report as the services hand it out (`Report`), mapped from its rows, and the facts about its task that every
 * report service needs (the plan and its cycle, the workspace's time zone, the task's units).
 *
 * States. The stored codes (`schema.ts`: draft, awaiting-approval, submitted, accepted, returned) and the domain's
 * state machine (`domain/workflow.ts`) differ in one place: the domain's `approved` — a draft the unit's approver
 * has approved (单位审核) and not yet submitted — is stored as `draft` with `approved_at` set. Any change to the
 * draft after that revises it back to an unapproved draft (`approved_at` cleared). `pending-approval` is stored as
 * `awaiting-approval`. Services and clients see the domain's states only.
 */
import type { Db } from '../db/database.ts';
import { findReadingsOfReports } from '../db/queries/reading.queries.ts';
import {
  findContributionsOfReports,
  findReportNames,
  findReportTaskFacts,
  findReportWithFacts,
  type ReportTaskFacts,
  type ReportStateFilter,
  type ReportTaskRow,
  type ReportWithPlanRow,
  type TaskUnitNameRow,
} from '../db/queries/report.queries.ts';
import type { ConfidenceCode, ReportState as StoredReportState } from '../db/schema.ts';
import type { ReportFlow, ReportState } from '../domain/workflow.ts';
import type { TaskUnitIds } from '../policies/report.policy.ts';
import { notFound } from './errors.ts';
import { mapPlan, type Plan, type UnitRef } from './plan-state.ts';

export type { ReportState } from '../domain/workflow.ts';

/** A value a report gives for one of its task's targets, for the report's period. */
export interface ReportReading {
  id: string;
  targetId: string;
  period: string;
  value: number;
  /** "report", or a named statistic source (区统计局年报). */
  source: string;
}

/** A support unit's part of the primary lead's report. */
export interface ReportContribution {
  id: string;
  unitId: string;
  unitName: string | null;
  text: string;
  createdBy: string | null;
  createdByName: string | null;
  updatedAt: string;
}

/** 进展报告: one per task, unit and period. */
export interface Report {
  id: string;
  /** Send it back with every change (`stale` when it moved on). */
  version: number;
  planId: string;
  taskId: string;
  /** The task's number and title and the unit's name, for lists that show them (display names, issue 10). */
  taskNumber: string;
  taskTitle: string;
  unitId: string;
  unitName: string;
  period: string;
  state: ReportState;
  narrative: string;
  percentDone: number | null;
  confidence: ConfidenceCode | null;
  problems: string;
  nextSteps: string;
  /** Pending while the report is a draft; they count as the target's readings once it is submitted. */
  readings: ReportReading[];
  contributions: ReportContribution[];
  /** 单位审核. */
  approvedAt: string | null;
  approvedBy: string | null;
  approvedByName: string | null;
  /** When the report first reached the plan office; lateness is judged on it. */
  submittedAt: string | null;
  isLate: boolean;
  /** When the office last accepted or returned it, and who. */
  decidedAt: string | null;
  decidedBy: string | null;
  decidedByName: string | null;
  /** Why it last came back — from the office (退回) or the unit's approver (审核退回); cleared on submission. */
  returnReason: string | null;
  createdAt: string;
  createdBy: string | null;
  /** The display names of the people named by id; null when the id names nobody (a job, a deleted account). */
  createdByName: string | null;
  updatedAt: string;
}

/** The domain state of a stored report. */
export function reportStateOf(row: Pick<ReportWithPlanRow, 'state' | 'approved_at'>): ReportState {
  switch (row.state) {
    case 'draft':
      return row.approved_at === null ? 'draft' : 'approved';
    case 'awaiting-approval':
      return 'pending-approval';
    default:
      return row.state;
  }
}

/** The stored code of a domain state. */
export function storedStateOf(state: ReportState): StoredReportState {
  switch (state) {
    case 'approved':
      return 'draft';
    case 'pending-approval':
      return 'awaiting-approval';
    default:
      return state;
  }
}

/** How to find the reports in a domain state among the stored ones. */
export function storedStateFilter(state: ReportState): ReportStateFilter {
  switch (state) {
    case 'draft':
      return { state: 'draft', approved: false };
    case 'approved':
      return { state: 'draft', approved: true };
    default:
      return { state: storedStateOf(state) };
  }
}

/**
 * Who wrote the report (created it or saved a revision of it), first writer first. A value that is not a list of
 * ids (only a hand in the database makes one) throws rather than read as "nobody": four-eyes fails closed.
 */
export function writersOf(row: Pick<ReportWithPlanRow, 'id' | 'written_by'>): string[] {
  const parsed: unknown = JSON.parse(row.written_by);
  if (!Array.isArray(parsed) || !parsed.every((id): id is string => typeof id === 'string')) {
    throw new Error(`reports.written_by of ${row.id} is not a JSON array of user ids`);
  }
  return parsed;
}

/** The writers of a report once `userId` has saved it. */
export function withWriter(row: Pick<ReportWithPlanRow, 'id' | 'written_by'>, userId: string): string {
  const writers = writersOf(row);
  return JSON.stringify(writers.includes(userId) ? writers : [...writers, userId]);
}

/** The report as the workflow rules see it. */
export function flowOf(row: ReportWithPlanRow): ReportFlow {
  return {
    state: reportStateOf(row),
    submittedAt: row.submitted_at === null ? null : new Date(row.submitted_at),
    late: row.is_late === 1,
    reason: row.return_reason,
  };
}

/**
 * Reports with their readings, contributions and the names they mention (task, unit, people), in the order given
 * (three queries for any number of reports).
 */
export async function toReports(db: Db, workspaceId: string, rows: readonly ReportWithPlanRow[]): Promise<Report[]> {
  const ids = rows.map((row) => row.id);
  const [readings, contributions, names] =
    ids.length === 0
      ? [[], [], []]
      : await Promise.all([
          findReadingsOfReports(db, workspaceId, ids),
          findContributionsOfReports(db, workspaceId, ids),
          findReportNames(db, workspaceId, ids),
        ]);
  const namesOf = new Map(names.map((row) => [row.id, row]));
  const readingsOf = groupBy(readings, (reading) => reading.report_id ?? '');
  const contributionsOf = groupBy(contributions, (contribution) => contribution.report_id);
  return rows.map((row) => ({
    id: row.id,
    version: row.version,
    planId: row.plan_id,
    taskId: row.task_id,
    taskNumber: namesOf.get(row.id)?.task_number ?? '',
    taskTitle: namesOf.get(row.id)?.task_title ?? '',
    unitId: row.unit_id,
    unitName: namesOf.get(row.id)?.unit_name ?? '',
    period: row.period,
    state: reportStateOf(row),
    narrative: row.narrative,
    percentDone: row.percent_done,
    confidence: row.confidence,
    problems: row.problems,
    nextSteps: row.next_steps,
    readings: (readingsOf.get(row.id) ?? []).map((reading) => ({
      id: reading.id,
      targetId: reading.target_id,
      period: reading.period,
      value: reading.value,
      source: reading.source,
    })),
    contributions: (contributionsOf.get(row.id) ?? []).map((contribution) => ({
      id: contribution.id,
      unitId: contribution.unit_id,
      unitName: contribution.unit_name,
      text: contribution.text,
      createdBy: contribution.created_by,
      createdByName: contribution.created_by_name,
      updatedAt: contribution.updated_at,
    })),
    approvedAt: row.approved_at,
    approvedBy: row.approved_by,
    approvedByName: namesOf.get(row.id)?.approved_by_name ?? null,
    submittedAt: row.submitted_at,
    isLate: row.is_late === 1,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decidedByName: namesOf.get(row.id)?.decided_by_name ?? null,
    returnReason: row.return_reason,
    createdAt: row.created_at,
    createdBy: row.created_by,
    createdByName: namesOf.get(row.id)?.created_by_name ?? null,
    updatedAt: row.updated_at,
  }));
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}

export async function toReport(db: Db, workspaceId: string, row: ReportWithPlanRow): Promise<Report> {
  const [report] = await toReports(db, workspaceId, [row]);
  if (report === undefined) throw notFound('报告', row.id);
  return report;
}

/** A task as the report services see it: its plan (cycle, horizon), the workspace's time zone and its units. */
export interface ReportTaskContext {
  task: ReportTaskRow;
  plan: Plan;
  timeZone: string;
  /** Leads in written order (the first is the primary lead), then supports. */
  units: { lead: UnitRef[]; support: UnitRef[] };
  unitIds: TaskUnitIds;
}

function unitsByRole(rows: readonly TaskUnitNameRow[]): ReportTaskContext['units'] {
  const units: ReportTaskContext['units'] = { lead: [], support: [] };
  for (const row of rows) units[row.role].push({ id: row.unit_id, name: row.unit_name });
  return units;
}

/** The context of a task from its facts. */
function contextOf(facts: ReportTaskFacts): ReportTaskContext {
  const units = unitsByRole(facts.units);
  return {
    task: facts.task,
    plan: mapPlan(facts.plan),
    timeZone: facts.timeZone,
    units,
    unitIds: { lead: units.lead.map((unit) => unit.id), support: units.support.map((unit) => unit.id) },
  };
}

/** Loads a task of the workspace with its plan and units; `not-found` when the workspace has no such task. */
export async function loadReportTask(db: Db, workspaceId: string, taskId: string): Promise<ReportTaskContext> {
  const facts = await findReportTaskFacts(db, workspaceId, taskId);
  if (facts === undefined) throw notFound('任务', taskId);
  return contextOf(facts);
}

/** Loads a report of the workspace with its task's context; `not-found` when the workspace has no such report. */
export async function loadReportInContext(
  db: Db,
  workspaceId: string,
  reportId: string,
): Promise<{ row: ReportWithPlanRow; context: ReportTaskContext }> {
  const found = await findReportWithFacts(db, workspaceId, reportId);
  if (found === undefined) throw notFound('报告', reportId);
  return { row: found.report, context: contextOf(found.facts) };
}
