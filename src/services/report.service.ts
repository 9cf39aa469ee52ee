/**
 * Progress reports (进展报告): one per task, lead unit and reporting period. A unit drafts it (with its readings
 * and, on the primary lead's report, the support units' contributions), asks its own approver when the plan
 * requires 单位审核, submits it to the plan office — idempotently, marked late when it comes at or after the
 * period's due instant — and the office accepts it or returns it with a reason; a returned report is revised
 * (saving the draft again) and resubmitted. The rules are the domain's (`domain/workflow.ts`); this module holds
 * the transactions.
 *
 * Every change is version-checked (`stale`) and writes its audit event in its transaction. Objects of another
 * workspace are `not-found`; objects of the same workspace the actor may not touch (another unit's report) are
 * `forbidden` (issue 4: existence is no secret inside a workspace). Who may do what: `policies/report.policy.ts`.
 *
 * Readings. A report's readings are stored as reading rows with its `report_id` from the first draft save (the
 * schema has nowhere else to keep them) and are the report's data while it is a draft: they count as the target's
 * readings (`listReadings`, `targetProgress`) only while the report is submitted or accepted — not while it is a
 * draft, awaiting approval, or returned for rework. Each report gives at most one reading per target of its task,
 * for its own period; saving the draft replaces the set.
 */
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import { findPlan } from '../db/queries/plan.queries.ts';
import {
  deleteReadings,
  findReadingsOfReports,
  insertReadings,
  updateReadingValue,
} from '../db/queries/reading.queries.ts';
import {
  deleteContributions,
  findContributionsOfReports,
  findReportByIdempotencyKey,
  findReportOfUnit,
  findReportPage,
  findReportsOfTaskPeriod,
  findUnitNames,
  insertContributions,
  insertReport,
  updateContributionText,
  updateReport,
  type ReportFieldsUpdate,
  type ReportWithPlanRow,
} from '../db/queries/report.queries.ts';
import { findTargetsOfTask } from '../db/queries/trajectory.queries.ts';
import { countUnitUsersWithRole } from '../db/queries/user.queries.ts';
import type { Database, ReportRow } from '../db/schema.ts';
import { markTaskStatusStale } from '../db/queries/status-queue.queries.ts';
import { isDomainError } from '../domain/errors.ts';
import { periodLabel, reportDueAt } from '../domain/periods.ts';
import { allowsNegative } from '../domain/quantities.ts';
import { transitionReport, type ReportAction, type ReportFlow } from '../domain/workflow.ts';
import { canViewPlan } from '../policies/plan.policy.ts';
import {
  canApproveReport,
  canContributeToReport,
  canListReports,
  canReadAllReports,
  canReviewReport,
  canSubmitReport,
  canViewReport,
  canViewTaskReports,
  canWriteReport,
  isFourEyesApproval,
  type ReportOwner,
  type TaskUnitIds,
} from '../policies/report.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, conflict, forbidden, negativeRefused, notFound, stale } from './errors.ts';
import { mapPlan, type UnitRef } from './plan-state.ts';
import {
  contributionSchema,
  parseInput,
  periodSchema,
  reasonSchema,
  reportDraftSchema,
  reportListSchema,
  submitSchema,
  type ContributionInput,
  type ReasonInput,
  type ReportCursor,
  type ReportDraftInput,
  type ReportListInput,
  type SubmitInput,
} from './report-input.ts';
import { idSchema, versionSchema } from '../domain/vocabulary.ts';
import { workspaceTimeZone } from '../db/queries/workspace.queries.ts';
import { reportingPeriods, type ReportingPeriod } from './report-periods.ts';
import {
  flowOf,
  loadReportInContext,
  loadReportTask,
  storedStateFilter,
  storedStateOf,
  toReport,
  toReports,
  type Report,
  type ReportContribution,
  type ReportTaskContext,
  withWriter,
  writersOf,
} from './report-state.ts';
import { inTransaction } from './transaction.ts';

export { reportingPeriods, type ReportingPeriod, type ReportingPlan } from './report-periods.ts';
export type { Report, ReportContribution, ReportReading, ReportState } from './report-state.ts';
export type {
  ContributionInput,
  ReasonInput,
  ReportCursor,
  ReportDraftInput,
  ReportListInput,
  SubmitInput,
} from './report-input.ts';

type Trx = Transaction<Database>;

export interface ReportPage {
  items: Report[];
  /** Pass it back as `cursor` for the next page; null on the last page. */
  nextCursor: ReportCursor | null;
}

export interface UnitReport {
  unit: UnitRef;
  report: Report | null;
}

export interface UnitContribution {
  unit: UnitRef;
  /** Its part of the primary lead's report, or null when it has given none. */
  contribution: ReportContribution | null;
}

/** A task's reports for a period, consolidated: the primary lead's report first (汇总), then the rest. */
export interface TaskReportSummary {
  taskId: string;
  planId: string;
  taskNumber: string;
  taskTitle: string;
  period: string;
  /** When the period's reports are due. */
  dueAt: string;
  /** The primary lead unit (牵头单位, the first written) and its report; null when the task has no lead unit. */
  primary: UnitReport | null;
  /** The other lead units, in written order, each with its own report. */
  otherLeads: UnitReport[];
  /** The support units (协同单位), in written order, each with its contribution to the primary lead's report. */
  support: UnitContribution[];
  /** Reports of units no longer on the task (their record stays). */
  formerUnits: UnitReport[];
}

const WHAT = '报告';

/** A task closed out (销号) or dropped by a new plan version takes no more reports. */
function assertTaskOpen(context: ReportTaskContext): void {
  if (context.task.closed_at !== null) {
    throw conflict('任务已销号，不再报送进展（the task is closed out）', { taskId: context.task.id });
  }
  if (context.task.removed_in_version !== null) {
    throw conflict('任务已从方案新版本中删除，不再报送进展（the task was removed from the plan）', {
      taskId: context.task.id,
    });
  }
}

/** The report and its task, once the actor is found to be allowed; `forbidden` otherwise. */
async function loadAllowed(
  db: Db,
  actor: Actor,
  reportId: string,
  may: (actor: Actor, report: ReportOwner, units: TaskUnitIds) => boolean,
  refusal: string,
): Promise<{ row: ReportWithPlanRow; context: ReportTaskContext }> {
  const { row, context } = await loadReportInContext(db, actor.workspaceId, reportId);
  if (!may(actor, { unitId: row.unit_id }, context.unitIds)) throw forbidden(refusal);
  return { row, context };
}

/** A report as stored after a change (the row an insert or update returned), with its readings and contributions. */
function changed(trx: Trx, actor: Actor, stored: ReportRow, task: { plan_id: string }): Promise<Report> {
  return toReport(trx, actor.workspaceId, { ...stored, plan_id: task.plan_id });
}

/** The stored fields the workflow state decides. */
function flowFields(flow: ReportFlow): ReportFieldsUpdate {
  return {
    state: storedStateOf(flow.state),
    submitted_at: flow.submittedAt?.toISOString() ?? null,
    is_late: flow.late ? 1 : 0,
    return_reason: flow.reason,
  };
}

function transitionOrThrow(row: ReportWithPlanRow, action: ReportAction, context: ReportTaskContext): ReportFlow {
  const next = transitionReport(flowOf(row), action, { requiresUnitApproval: context.plan.requiresUnitApproval });
  if (isDomainError(next)) throw next;
  return next;
}

function checkVersion(expectedVersion: unknown): number {
  return parseInput(versionSchema, expectedVersion, '版本号');
}

const REFUSE_WRITE = '只能填报本单位作为牵头单位的任务的报告（only your own unit’s reports on tasks it leads）';
const REFUSE_APPROVE = '只有本单位的审核人可以审核本单位的报告（only your unit’s approver）';
const REFUSE_OWN_REPORT =
  '不能审核自己填写的报告：单位审核须由另一位审核人进行（四眼原则）；本单位只有一位审核人时，可由方案办公室在方案设置中允许自审' +
  '（you cannot approve a report you wrote; a unit with one approver needs the plan office to allow self-approval）';
const REFUSE_REVIEW = '只有方案办公室（工作专班）可以采纳或退回报告（only the plan office reviews reports）';
const REFUSE_READ = '无权查看该报告（not allowed to read this report）';
const REFUSE_CONTRIBUTE =
  '只有任务的协同单位可以向牵头单位的报告报送协同情况（only a support unit of the task contributes）';

// ---- Reporting periods ----

/** The plan's reporting periods from its start to now (the clock), with their due instants. */
export async function listReportingPeriods(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
): Promise<ReportingPeriod[]> {
  const row = await findPlan(ctx.db, actor.workspaceId, planId);
  if (row === undefined) throw notFound('方案', planId);
  const plan = mapPlan(row);
  if (!canViewPlan(actor, plan)) throw notFound('方案', planId);
  const timeZone = await workspaceTimeZone(ctx.db, actor.workspaceId);
  return reportingPeriods(plan, ctx.clock(), timeZone);
}

// ---- Reading reports ----

export async function getReport(ctx: ServiceContext, actor: Actor, reportId: string): Promise<Report> {
  const { row } = await loadAllowed(ctx.db, actor, reportId, canViewReport, REFUSE_READ);
  return toReport(ctx.db, actor.workspaceId, row);
}

/**
 * Reports newest first (by when they reached the office, else when they were started), filtered by plan, unit,
 * task, period and state; `limit` (1–200, default 50) a page, `cursor` the previous page's `nextCursor`. The office,
 * leaders and supervisors see every report; a unit sees its own and those of the tasks it leads or supports.
 */
export async function listReports(ctx: ServiceContext, actor: Actor, input: ReportListInput = {}): Promise<ReportPage> {
  if (!canListReports(actor)) throw forbidden(REFUSE_READ);
  const filter = parseInput(reportListSchema, input, '报告查询');
  const rows = await findReportPage(ctx.db, actor.workspaceId, {
    ...(filter.planId === undefined ? {} : { planId: filter.planId }),
    ...(filter.unitId === undefined ? {} : { unitId: filter.unitId }),
    ...(filter.taskId === undefined ? {} : { taskId: filter.taskId }),
    ...(filter.period === undefined ? {} : { period: filter.period }),
    ...(filter.state === undefined ? {} : { state: storedStateFilter(filter.state) }),
    ...(canReadAllReports(actor) ? {} : { visibleToUnitId: actor.unitId ?? '' }),
    ...(filter.cursor == null ? {} : { after: filter.cursor }),
    limit: filter.limit + 1,
  });
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: await toReports(ctx.db, actor.workspaceId, page),
    nextCursor:
      rows.length > filter.limit && last !== undefined ? [last.submitted_at ?? last.created_at, last.id] : null,
  };
}

/**
 * A task's reports for a period: the primary lead's (which consolidates), the other leads' and the support units'
 * contributions to the primary lead's report. Readers of the workspace and the task's own units may see it.
 */
export async function taskReportSummary(
  ctx: ServiceContext,
  actor: Actor,
  taskId: string,
  period: string,
): Promise<TaskReportSummary> {
  const key = parseInput(periodSchema, period, '报告期');
  const context = await loadReportTask(ctx.db, actor.workspaceId, parseInput(idSchema, taskId, '任务'));
  if (!canViewTaskReports(actor, context.unitIds)) throw forbidden(REFUSE_READ);
  const rows = await findReportsOfTaskPeriod(ctx.db, actor.workspaceId, context.task.id, key);
  const reports = await toReports(ctx.db, actor.workspaceId, rows);
  const reportOf = new Map(reports.map((report) => [report.unitId, report]));
  const [primaryUnit, ...otherLeadUnits] = context.units.lead;
  const primary =
    primaryUnit === undefined ? null : { unit: primaryUnit, report: reportOf.get(primaryUnit.id) ?? null };
  const contributions = new Map(primary?.report?.contributions.map((c) => [c.unitId, c]) ?? []);
  const onTask = new Set([...context.unitIds.lead, ...context.unitIds.support]);
  const former = reports.filter((report) => !onTask.has(report.unitId));
  const names = await findUnitNames(
    ctx.db,
    actor.workspaceId,
    former.map((report) => report.unitId),
  );
  return {
    taskId: context.task.id,
    planId: context.task.plan_id,
    taskNumber: context.task.number,
    taskTitle: context.task.title,
    period: key,
    dueAt: reportDueAt(key, context.plan.cycle, context.timeZone).toISOString(),
    primary,
    otherLeads: otherLeadUnits.map((unit) => ({ unit, report: reportOf.get(unit.id) ?? null })),
    support: context.units.support.map((unit) => ({ unit, contribution: contributions.get(unit.id) ?? null })),
    formerUnits: former.map((report) => ({
      unit: { id: report.unitId, name: names.get(report.unitId) ?? report.unitId },
      report,
    })),
  };
}

// ---- Drafting ----

/**
 * Creates the actor's unit's report on a task for a period, or updates it (`expectedVersion` required then). The
 * readings replace the report's set; `contributions`, on the primary lead's report only, replace the support
 * units' contributions (left out, they stay). Saving an approved or returned report revises it: it becomes a draft
 * again and needs approval again where the plan asks for it. A report awaiting approval, submitted or accepted
 * cannot be edited (`invalid-transition`). A new report's period must be one of the plan's reporting periods up to
 * now.
 */
export async function saveReportDraft(ctx: ServiceContext, actor: Actor, input: ReportDraftInput): Promise<Report> {
  const draft = parseInput(reportDraftSchema, input, '报告');
  const unitId = actor.unitId;
  const at = ctx.clock();
  const now = at.toISOString();
  const ws = actor.workspaceId;
  try {
    return await inTransaction(ctx.db, async (trx) => {
      const context = await loadReportTask(trx, ws, draft.taskId);
      if (unitId === null || !canWriteReport(actor, { unitId }, context.unitIds)) throw forbidden(REFUSE_WRITE);
      assertTaskOpen(context);
      await checkReadings(trx, ws, context, draft.readings);
      const isPrimary = context.unitIds.lead[0] === unitId;
      if (draft.contributions !== undefined) checkContributions(context, isPrimary, draft.contributions);
      const fields = {
        narrative: draft.narrative,
        percent_done: draft.percentDone,
        confidence: draft.confidence,
        problems: draft.problems,
        next_steps: draft.nextSteps,
      };
      const existing = await findReportOfUnit(trx, ws, { taskId: context.task.id, unitId, period: draft.period });
      let stored: ReportRow;
      let revisedFrom: string | null = null;
      if (existing === undefined) {
        if (draft.expectedVersion !== undefined)
          throw stale(WHAT, `${draft.taskId}/${draft.period}`, draft.expectedVersion);
        checkNewPeriod(context, draft.period, at);
        stored = await insertReport(trx, {
          id: newId('report'),
          workspace_id: ws,
          created_at: now,
          updated_at: now,
          task_id: context.task.id,
          unit_id: unitId,
          period: draft.period,
          state: 'draft',
          ...fields,
          created_by: actor.userId,
          written_by: JSON.stringify([actor.userId]),
        });
      } else {
        if (draft.expectedVersion !== existing.version) {
          throw stale(WHAT, existing.id, draft.expectedVersion ?? 0);
        }
        const flow = flowOf(existing);
        const next = flow.state === 'draft' ? flow : transitionOrThrow(existing, { type: 'revise' }, context);
        if (next !== flow) revisedFrom = flow.state;
        const updated = await updateReport(
          trx,
          ws,
          existing.id,
          existing.version,
          {
            ...fields,
            ...flowFields(next),
            approved_at: null,
            approved_by: null,
            written_by: withWriter(existing, actor.userId),
          },
          now,
        );
        if (updated === undefined) throw stale(WHAT, existing.id, existing.version);
        stored = updated;
      }
      const reportId = stored.id;
      await replaceReadings(trx, actor, reportId, draft.period, draft.readings, now);
      if (draft.contributions !== undefined) await replaceContributions(trx, actor, reportId, draft.contributions, now);
      await markTaskStatusStale(trx, ws, context.task.id, now);
      await recordAudit(trx, actor, at, {
        action: existing === undefined ? 'report.create' : 'report.update',
        subjectType: 'report',
        subjectId: reportId,
        detail: {
          taskId: context.task.id,
          unitId,
          period: draft.period,
          version: existing === undefined ? 1 : existing.version + 1,
          ...(revisedFrom === null ? {} : { revisedFrom }),
          percentDone: draft.percentDone,
          confidence: draft.confidence,
          readings: draft.readings.map((r) => ({ targetId: r.targetId, value: r.value, source: r.source })),
          ...(draft.contributions === undefined ? {} : { contributions: draft.contributions.map((c) => c.unitId) }),
        },
      });
      return changed(trx, actor, stored, context.task);
    });
  } catch (error) {
    // Two first saves of one (task, unit, period) at once: the second finds the report made meanwhile.
    if (isUniqueViolation(error)) throw stale(WHAT, `${draft.taskId}/${draft.period}`, draft.expectedVersion ?? 0);
    throw error;
  }
}

function checkNewPeriod(context: ReportTaskContext, period: string, at: Date): void {
  const periods = reportingPeriods(context.plan, at, context.timeZone);
  if (periods.some((p) => p.period === period)) return;
  const span =
    periods.length === 0 ? '方案尚未开始报送' : `应为 ${periods[0]?.period} 至 ${periods.at(-1)?.period} 之间的报告期`;
  throw new ServiceError(
    'invalid-input',
    `报告期“${period}”（${periodLabel(period)}）不是本方案的报送期：${span}（not a reporting period of the plan）`,
    { field: 'period', period },
  );
}

async function checkReadings(
  trx: Trx,
  workspaceId: string,
  context: ReportTaskContext,
  readings: readonly { targetId: string; value: number }[],
): Promise<void> {
  const targets = new Map(
    (await findTargetsOfTask(trx, workspaceId, context.task.id)).map((target) => [target.id, target]),
  );
  const seen = new Set<string>();
  for (const [index, reading] of readings.entries()) {
    const target = targets.get(reading.targetId);
    if (target === undefined) {
      throw new ServiceError(
        'invalid-input',
        `第 ${index + 1} 项填报数据的指标不属于该任务（target ${reading.targetId} is not a target of the task）`,
        { field: `readings.${index}.targetId` },
      );
    }
    if (reading.value < 0 && !allowsNegative(target)) throw negativeRefused(target.unit, `readings.${index}.value`);
    if (seen.has(reading.targetId)) {
      throw new ServiceError(
        'invalid-input',
        `第 ${index + 1} 项填报数据重复：每个指标每期只填一个值（one reading per target）`,
        { field: `readings.${index}.targetId` },
      );
    }
    seen.add(reading.targetId);
  }
}

function checkContributions(
  context: ReportTaskContext,
  isPrimary: boolean,
  contributions: readonly { unitId: string }[],
): void {
  if (!isPrimary && contributions.length > 0) {
    throw new ServiceError(
      'invalid-input',
      '协同单位的情况汇总在第一牵头单位的报告中（contributions belong to the primary lead’s report）',
      { field: 'contributions' },
    );
  }
  const seen = new Set<string>();
  for (const [index, contribution] of contributions.entries()) {
    if (!context.unitIds.support.includes(contribution.unitId) || seen.has(contribution.unitId)) {
      throw new ServiceError(
        'invalid-input',
        `第 ${index + 1} 项协同情况的单位不是该任务的协同单位，或重复（not a support unit of the task, or repeated）`,
        { field: `contributions.${index}.unitId` },
      );
    }
    seen.add(contribution.unitId);
  }
}

/** Makes the report's readings the given set, in place: changed ones updated, new ones added, the rest removed. */
async function replaceReadings(
  trx: Trx,
  actor: Actor,
  reportId: string,
  period: string,
  readings: readonly { targetId: string; value: number; source: string }[],
  now: string,
): Promise<void> {
  const ws = actor.workspaceId;
  const current = await findReadingsOfReports(trx, ws, [reportId]);
  const byTarget = new Map<string, (typeof current)[number]>();
  const extra: string[] = [];
  for (const row of current) {
    if (byTarget.has(row.target_id)) extra.push(row.id);
    else byTarget.set(row.target_id, row);
  }
  const added = [];
  for (const reading of readings) {
    const row = byTarget.get(reading.targetId);
    byTarget.delete(reading.targetId);
    if (row === undefined) {
      added.push({
        id: newId('reading'),
        workspace_id: ws,
        created_at: now,
        updated_at: now,
        target_id: reading.targetId,
        report_id: reportId,
        period,
        value: reading.value,
        source: reading.source,
        created_by: actor.userId,
      });
    } else if (row.value !== reading.value || row.source !== reading.source) {
      await updateReadingValue(trx, ws, row.id, { value: reading.value, source: reading.source }, now);
    }
  }
  await deleteReadings(trx, ws, [...extra, ...[...byTarget.values()].map((row) => row.id)]);
  await insertReadings(trx, added);
}

/** Makes the report's contributions the given set, in place. */
async function replaceContributions(
  trx: Trx,
  actor: Actor,
  reportId: string,
  contributions: readonly { unitId: string; text: string }[],
  now: string,
): Promise<void> {
  const ws = actor.workspaceId;
  const current = new Map(
    (await findContributionsOfReports(trx, ws, [reportId])).map((row) => [row.unit_id, row] as const),
  );
  const added = [];
  for (const contribution of contributions) {
    const row = current.get(contribution.unitId);
    current.delete(contribution.unitId);
    if (row === undefined) {
      added.push({
        id: newId('reportContribution'),
        workspace_id: ws,
        created_at: now,
        updated_at: now,
        report_id: reportId,
        unit_id: contribution.unitId,
        text: contribution.text,
        created_by: actor.userId,
      });
    } else if (row.text !== contribution.text) {
      await updateContributionText(trx, ws, row.id, contribution.text, now);
    }
  }
  await deleteContributions(
    trx,
    ws,
    [...current.values()].map((row) => row.id),
  );
  await insertContributions(trx, added);
}

/**
 * A support unit writes (or rewrites) its contribution to the primary lead's report at `expectedVersion`. It
 * changes the report, so the report's version moves on, and an approved or returned report is revised as by
 * `saveReportDraft`.
 */
export async function saveReportContribution(
  ctx: ServiceContext,
  actor: Actor,
  reportId: string,
  expectedVersion: number,
  input: ContributionInput,
): Promise<Report> {
  const { text } = parseInput(contributionSchema, input, '协同情况');
  checkVersion(expectedVersion);
  const at = ctx.clock();
  const now = at.toISOString();
  return inTransaction(ctx.db, async (trx) => {
    const { row, context } = await loadAllowed(trx, actor, reportId, canContributeToReport, REFUSE_CONTRIBUTE);
    assertTaskOpen(context);
    if (row.version !== expectedVersion) throw stale(WHAT, reportId, expectedVersion);
    const flow = flowOf(row);
    const next = flow.state === 'draft' ? flow : transitionOrThrow(row, { type: 'revise' }, context);
    const updated = await updateReport(
      trx,
      actor.workspaceId,
      reportId,
      expectedVersion,
      { ...flowFields(next), approved_at: null, approved_by: null },
      now,
    );
    if (updated === undefined) throw stale(WHAT, reportId, expectedVersion);
    const unitId = actor.unitId ?? '';
    const current = await findContributionsOfReports(trx, actor.workspaceId, [reportId]);
    const others = current.filter((c) => c.unit_id !== unitId).map((c) => ({ unitId: c.unit_id, text: c.text }));
    await replaceContributions(trx, actor, reportId, [...others, { unitId, text }], now);
    await markTaskStatusStale(trx, actor.workspaceId, context.task.id, now);
    await recordAudit(trx, actor, at, {
      action: 'report.contribute',
      subjectType: 'report',
      subjectId: reportId,
      detail: {
        unitId,
        version: expectedVersion + 1,
        ...(next === flow ? {} : { revisedFrom: flow.state }),
      },
    });
    return changed(trx, actor, updated, row);
  });
}

// ---- The workflow ----

interface Step {
  may: (actor: Actor, report: ReportOwner, units: TaskUnitIds) => boolean;
  refusal: string;
  audit: string;
  action: (at: Date) => ReportAction;
  /** Fields this step sets besides the workflow's own. */
  fields: (now: string, actor: Actor) => ReportFieldsUpdate;
  detail?: Record<string, unknown>;
  /** A further check on the report, in the step's transaction, once `may` allowed the actor. */
  check?: (trx: Trx, actor: Actor, row: ReportWithPlanRow, context: ReportTaskContext) => Promise<void>;
}

async function moveReport(
  ctx: ServiceContext,
  actor: Actor,
  reportId: string,
  expectedVersion: number,
  step: Step,
): Promise<Report> {
  checkVersion(expectedVersion);
  const at = ctx.clock();
  const now = at.toISOString();
  return inTransaction(ctx.db, async (trx) => {
    const { row, context } = await loadAllowed(trx, actor, reportId, step.may, step.refusal);
    await step.check?.(trx, actor, row, context);
    if (row.version !== expectedVersion) throw stale(WHAT, reportId, expectedVersion);
    const from = flowOf(row).state;
    const next = transitionOrThrow(row, step.action(at), context);
    const change = { ...flowFields(next), ...step.fields(now, actor) };
    const updated = await updateReport(trx, actor.workspaceId, reportId, expectedVersion, change, now);
    if (updated === undefined) throw stale(WHAT, reportId, expectedVersion);
    await markTaskStatusStale(trx, actor.workspaceId, context.task.id, now);
    await recordAudit(trx, actor, at, {
      action: step.audit,
      subjectType: 'report',
      subjectId: reportId,
      detail: { from, to: next.state, version: expectedVersion + 1, ...step.detail },
    });
    return changed(trx, actor, updated, row);
  });
}

const clearApproval = (): ReportFieldsUpdate => ({ approved_at: null, approved_by: null });

/** The author asks the unit's approver to approve (单位审核), when the plan requires it. */
export async function requestReportApproval(
  ctx: ServiceContext,
  actor: Actor,
  reportId: string,
  expectedVersion: number,
): Promise<Report> {
  return moveReport(ctx, actor, reportId, expectedVersion, {
    may: canWriteReport,
    refusal: REFUSE_WRITE,
    audit: 'report.request-approval',
    action: () => ({ type: 'request-approval' }),
    fields: clearApproval,
  });
}

/**
 * Four-eyes: an approver who wrote the report may not approve it, unless the plan allows self-approval and the
 * unit has no other approver (`isFourEyesApproval`). The unit's other approvers are counted only for a writer.
 */
async function checkFourEyes(trx: Trx, actor: Actor, row: ReportWithPlanRow, context: ReportTaskContext) {
  const writtenBy = writersOf(row);
  const otherApprovers = writtenBy.includes(actor.userId)
    ? await countUnitUsersWithRole(trx, actor.workspaceId, row.unit_id, 'unit-approver', actor.userId)
    : 0;
  if (!isFourEyesApproval(actor, { writtenBy, allowSelfApproval: context.plan.allowSelfApproval, otherApprovers })) {
    throw forbidden(REFUSE_OWN_REPORT);
  }
}

/**
 * The unit's approver approves the report; it may then be submitted. Not a report the approver wrote
 * (`checkFourEyes`).
 */
export async function approveReport(
  ctx: ServiceContext,
  actor: Actor,
  reportId: string,
  expectedVersion: number,
): Promise<Report> {
  return moveReport(ctx, actor, reportId, expectedVersion, {
    may: canApproveReport,
    refusal: REFUSE_APPROVE,
    audit: 'report.approve',
    action: () => ({ type: 'approve' }),
    fields: (now, by) => ({ approved_at: now, approved_by: by.userId }),
    check: checkFourEyes,
  });
}

/** The unit's approver sends the report back to its author, with a reason. */
export async function sendBackReport(
  ctx: ServiceContext,
  actor: Actor,
  reportId: string,
  expectedVersion: number,
  input: ReasonInput,
): Promise<Report> {
  const { reason } = parseInput(reasonSchema, input, '审核退回');
  return moveReport(ctx, actor, reportId, expectedVersion, {
    may: canApproveReport,
    refusal: REFUSE_APPROVE,
    audit: 'report.send-back',
    action: () => ({ type: 'send-back', reason }),
    fields: clearApproval,
    detail: { reason: reason.trim() },
  });
}

/** The plan office accepts a submitted report (采纳). */
export async function acceptReport(
  ctx: ServiceContext,
  actor: Actor,
  reportId: string,
  expectedVersion: number,
): Promise<Report> {
  return moveReport(ctx, actor, reportId, expectedVersion, {
    may: canReviewReport,
    refusal: REFUSE_REVIEW,
    audit: 'report.accept',
    action: () => ({ type: 'accept' }),
    fields: (now, by) => ({ decided_at: now, decided_by: by.userId }),
  });
}

/** The plan office returns a submitted report for rework (退回修改), with a reason (`reason-required`). */
export async function returnReport(
  ctx: ServiceContext,
  actor: Actor,
  reportId: string,
  expectedVersion: number,
  input: ReasonInput,
): Promise<Report> {
  const { reason } = parseInput(reasonSchema, input, '退回');
  return moveReport(ctx, actor, reportId, expectedVersion, {
    may: canReviewReport,
    refusal: REFUSE_REVIEW,
    audit: 'report.return',
    action: () => ({ type: 'return', reason }),
    fields: (now, by) => ({ decided_at: now, decided_by: by.userId }),
    detail: { reason: reason.trim() },
  });
}

/**
 * Submits the report to the plan office (报送). Idempotent: the report keeps the key of its last submission
 * (unique in the workspace), and a retry with the same key — after a lost answer, or racing the first — returns the
 * report as it is and writes nothing, whatever version it carries; a key already used for another report is
 * `conflict`. Lateness is judged on the first submission against the period's due instant (`reportDueAt`, the
 * plan's cycle in the workspace's time zone); a resubmission after a return keeps it. Where the plan requires
 * 单位审核, a draft not yet approved is refused (`approval-required`).
 */
export async function submitReport(
  ctx: ServiceContext,
  actor: Actor,
  reportId: string,
  expectedVersion: number,
  input: SubmitInput,
): Promise<Report> {
  const { idempotencyKey } = parseInput(submitSchema, input, '报送');
  checkVersion(expectedVersion);
  const at = ctx.clock();
  const now = at.toISOString();
  const ws = actor.workspaceId;
  try {
    return await inTransaction(ctx.db, async (trx) => {
      const { row, context } = await loadAllowed(trx, actor, reportId, canSubmitReport, REFUSE_WRITE);
      // A retry of the submission that set this key: its answer again. (A key another report holds is found by
      // the unique index when the update below sets it.)
      if (row.idempotency_key === idempotencyKey) return toReport(trx, ws, row);
      if (row.version !== expectedVersion) throw stale(WHAT, reportId, expectedVersion);
      assertTaskOpen(context);
      const dueAt = reportDueAt(row.period, context.plan.cycle, context.timeZone);
      const from = flowOf(row).state;
      const next = transitionOrThrow(row, { type: 'submit', at, dueAt }, context);
      const change = { ...flowFields(next), idempotency_key: idempotencyKey, decided_at: null, decided_by: null };
      const updated = await updateReport(trx, ws, reportId, expectedVersion, change, now);
      if (updated === undefined) {
        // Lost a race: to a retry of this very submission (its answer is ours), or to another change (stale).
        const again = await replayOf(trx, actor, reportId, idempotencyKey);
        if (again !== null) return again;
        throw stale(WHAT, reportId, expectedVersion);
      }
      await markTaskStatusStale(trx, ws, context.task.id, now);
      await recordAudit(trx, actor, at, {
        action: 'report.submit',
        subjectType: 'report',
        subjectId: reportId,
        detail: {
          from,
          to: next.state,
          version: expectedVersion + 1,
          period: row.period,
          dueAt: dueAt.toISOString(),
          isLate: next.late,
          idempotencyKey,
        },
      });
      return changed(trx, actor, updated, row);
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // The key was taken while this transaction ran: by a retry of this submission, or by another report.
    const holder = await findReportByIdempotencyKey(ctx.db, ws, idempotencyKey);
    if (holder?.id === reportId) return toReport(ctx.db, ws, holder);
    throw keyInUse(idempotencyKey);
  }
}

function keyInUse(idempotencyKey: string): ServiceError {
  return conflict('该幂等键已用于另一份报告的报送，请换一个（idempotency key already used for another report）', {
    idempotencyKey,
  });
}

/** The report's result when `idempotencyKey` already submitted it; null when the key is new. */
async function replayOf(trx: Trx, actor: Actor, reportId: string, idempotencyKey: string): Promise<Report | null> {
  const holder = await findReportByIdempotencyKey(trx, actor.workspaceId, idempotencyKey);
  if (holder === undefined) return null;
  if (holder.id !== reportId) throw keyInUse(idempotencyKey);
  return toReport(trx, actor.workspaceId, holder);
}
