/**
 * Everything one task's page shows, in one answer (`GET /api/tasks/:id`): the task with its heading path, units and
 * the plan's own paragraph; its derived status with the reasons; its targets' progress (baseline, planned path,
 * readings, assessment); projects with their milestones in force; recent reports; notices; close-out; comments;
 * files; and the task's activity — who submitted, approved, returned, accepted, issued, escalated, answered,
 * requested and decided what, and when — read from the records themselves, not from the security audit trail
 * (which stays the audit administrator's).
 *
 * Cost: the status reads its record in eight statements (src/services/task-status.service.ts) and assesses the
 * targets on the way, which the page reuses; the rest is one statement per section with the names of units and
 * people joined in (src/db/queries/task-page.queries.ts) — a fixed number of statements whatever the task holds.
 *
 * Access: as the task's status — whoever may see the plan and its delivery record; another workspace's task, or
 * one of a plan the actor may not see, is `not-found`. Within the page each section keeps its own rule: a unit's
 * actor sees the reports its unit may read (`canViewReport`) and its own unit's notices (`canViewNotice`); target
 * progress needs `canViewTargetProgress`; the activity lists only what the actor sees.
 */
import { findAncestorsOfNodes, findTaskUnitsOfTasks } from '../db/queries/task.queries.ts';
import {
  findAttachmentsOfTask,
  findCloseOutsOfTask,
  findCommentsOnTask,
  findMilestonesOfTask,
  findNoticesOfTask,
  findProjectsOfTask,
  findReportsOfTask,
  findTaskRow,
  type TaskCloseOutRow,
  type TaskNoticeRow,
  type TaskReportRow,
} from '../db/queries/task-page.queries.ts';
import { workspaceTimeZone } from '../db/queries/workspace.queries.ts';
import type { CloseOutState, ConfidenceCode, IsoDate } from '../db/schema.ts';
import { periodLabel } from '../domain/periods.ts';
import { NOTICE_LEVEL_NAMES, type NoticeLevel } from '../domain/workflow.ts';
import { canViewNotice } from '../policies/notice.policy.ts';
import { canViewDelivery } from '../policies/project.policy.ts';
import { canViewReport, canViewTargetProgress } from '../policies/report.policy.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, notFound } from './errors.ts';
import { headingText, isHeadingKind, type UnitRef } from './plan-state.ts';
import { readablePlan } from './plan.service.ts';
import { LEVELS_BY_CODE, STATES_BY_CODE, type NoticeStatus } from './notice.service.ts';
import { firstExpectedPeriod, reportingStartOf } from './report-periods.ts';
import { reportStateOf, type ReportState } from './report-state.ts';
import type { TargetProgress } from './report-targets.service.ts';
import { deriveStatuses, toStatusView, type TaskStatusView } from './task-status.service.ts';

/** The page lists this many reports, newest period first; older ones are in the report list. */
export const TASK_PAGE_REPORTS = 40;

export interface TaskPageReport {
  id: string;
  version: number;
  unitId: string;
  unitName: string;
  period: string;
  periodLabel: string;
  state: ReportState;
  percentDone: number | null;
  confidence: ConfidenceCode | null;
  isLate: boolean;
  createdBy: string | null;
  createdByName: string | null;
  approvedAt: string | null;
  approvedBy: string | null;
  approvedByName: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  decidedByName: string | null;
  returnReason: string | null;
  updatedAt: string;
}

export interface TaskPageNotice {
  id: string;
  version: number;
  unitId: string;
  unitName: string;
  level: NoticeLevel;
  state: NoticeStatus;
  dueOn: IsoDate;
  body: string;
  response: string | null;
  respondedAt: string | null;
  respondedBy: string | null;
  respondedByName: string | null;
  escalatedFromId: string | null;
  issuedBy: string | null;
  issuedByName: string | null;
  createdAt: string;
}

export interface TaskPageCloseOut {
  id: string;
  version: number;
  state: CloseOutState;
  evidence: string;
  reason: string | null;
  requestedBy: string | null;
  requestedByName: string | null;
  requestedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  decidedByName: string | null;
}

export type TaskActivityAction =
  | 'report.submitted'
  | 'report.approved'
  | 'report.accepted'
  | 'report.returned'
  | 'notice.issued'
  | 'notice.escalated'
  | 'notice.responded'
  | 'close-out.requested'
  | 'close-out.approved'
  | 'close-out.rejected'
  | 'comment.added';

export interface TaskActivity {
  at: string;
  action: TaskActivityAction;
  /** Who did it; null when the record does not say (a person since deleted, a job). */
  actorId: string | null;
  actorName: string | null;
  subjectType: 'report' | 'notice' | 'close-out' | 'comment';
  subjectId: string;
  /** What it was about, for people: 区经委 2021年第三季度进展报告. */
  summary: string;
}

export interface TaskPage {
  task: {
    id: string;
    version: number;
    planId: string;
    planTitle: string;
    number: string;
    title: string;
    /** The headings above the task, from the root down. */
    path: string[];
    /** The strand (（一）…) and area (1.…) it sits under, as written; null when the plan has none. */
    strand: string | null;
    area: string | null;
    dueOn: IsoDate | null;
    closedAt: string | null;
    isRemoved: boolean;
    /** The plan's own paragraph for the task; null when none was read. */
    sourceText: string | null;
    units: { lead: UnitRef[]; support: UnitRef[] };
  };
  /** The plan's reporting start and the first period a report is expected for. */
  reporting: { startsOn: IsoDate; isDefault: boolean; firstExpectedPeriod: string };
  status: TaskStatusView;
  /** Each target's progress; empty for an actor who may not read target progress. */
  targets: TargetProgress[];
  projects: {
    id: string;
    version: number;
    name: string;
    description: string;
    ownerUnit: UnitRef | null;
    plannedStart: IsoDate | null;
    plannedEnd: IsoDate | null;
    actualStart: IsoDate | null;
    actualEnd: IsoDate | null;
    milestones: {
      id: string;
      version: number;
      name: string;
      dueOn: IsoDate;
      doneOn: IsoDate | null;
      isFrozen: boolean;
    }[];
  }[];
  reports: TaskPageReport[];
  notices: TaskPageNotice[];
  closeOut: { current: TaskPageCloseOut | null; history: TaskPageCloseOut[] };
  comments: {
    id: string;
    version: number;
    body: string;
    authorId: string | null;
    authorName: string | null;
    createdAt: string;
    updatedAt: string;
  }[];
  attachments: {
    id: string;
    fileId: string;
    name: string;
    mediaType: string;
    size: number;
    createdAt: string;
    createdBy: string | null;
    createdByName: string | null;
  }[];
  /** Newest first. */
  activity: TaskActivity[];
  asOf: string;
}

const REFUSE_READ = '无权查看任务的推进情况（not allowed to read the task’s delivery record）';

function toReport(row: TaskReportRow): TaskPageReport {
  return {
    id: row.id,
    version: row.version,
    unitId: row.unit_id,
    unitName: row.unit_name,
    period: row.period,
    periodLabel: periodLabel(row.period),
    state: reportStateOf(row),
    percentDone: row.percent_done,
    confidence: row.confidence,
    isLate: row.is_late === 1,
    createdBy: row.created_by,
    createdByName: row.created_by_name,
    approvedAt: row.approved_at,
    approvedBy: row.approved_by,
    approvedByName: row.approved_by_name,
    submittedAt: row.submitted_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decidedByName: row.decided_by_name,
    returnReason: row.return_reason,
    updatedAt: row.updated_at,
  };
}

function toNotice(row: TaskNoticeRow): TaskPageNotice {
  return {
    id: row.id,
    version: row.version,
    unitId: row.unit_id,
    unitName: row.unit_name,
    level: LEVELS_BY_CODE[row.level],
    state: STATES_BY_CODE[row.state],
    dueOn: row.due_on,
    body: row.body,
    response: row.response,
    respondedAt: row.responded_at,
    respondedBy: row.responded_by,
    respondedByName: row.responded_by_name,
    escalatedFromId: row.escalated_from_id,
    issuedBy: row.issued_by,
    issuedByName: row.issued_by_name,
    createdAt: row.created_at,
  };
}

function toCloseOut(row: TaskCloseOutRow): TaskPageCloseOut {
  return {
    id: row.id,
    version: row.version,
    state: row.state,
    evidence: row.evidence,
    reason: row.reason,
    requestedBy: row.requested_by,
    requestedByName: row.requested_by_name,
    requestedAt: row.created_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decidedByName: row.decided_by_name,
  };
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The task's activity from its records, newest first. */
function activityOf(
  reports: readonly TaskPageReport[],
  notices: readonly TaskPageNotice[],
  closeOuts: readonly TaskPageCloseOut[],
  comments: TaskPage['comments'],
): TaskActivity[] {
  const events: TaskActivity[] = [];
  const add = (
    at: string | null,
    action: TaskActivityAction,
    actorId: string | null,
    actorName: string | null,
    subjectType: TaskActivity['subjectType'],
    subjectId: string,
    summary: string,
  ) => {
    if (at !== null) events.push({ at, action, actorId, actorName, subjectType, subjectId, summary });
  };
  for (const r of reports) {
    const what = `${r.unitName}${r.periodLabel}进展报告`;
    // The record keeps the report's author, not a separate submitter: a unit's submit is its author's act.
    add(r.submittedAt, 'report.submitted', r.createdBy, r.createdByName, 'report', r.id, what);
    add(r.approvedAt, 'report.approved', r.approvedBy, r.approvedByName, 'report', r.id, what);
    if (r.decidedAt !== null) {
      const returned = r.state !== 'accepted' && r.returnReason !== null;
      const action = r.state === 'accepted' ? 'report.accepted' : returned ? 'report.returned' : null;
      const summary = returned ? `${what}：${r.returnReason}` : what;
      if (action !== null) add(r.decidedAt, action, r.decidedBy, r.decidedByName, 'report', r.id, summary);
    }
  }
  for (const n of notices) {
    const what = `${n.unitName}${NOTICE_LEVEL_NAMES[n.level].zh}单`;
    const action = n.escalatedFromId === null ? 'notice.issued' : 'notice.escalated';
    add(n.createdAt, action, n.issuedBy, n.issuedByName, 'notice', n.id, what);
    add(n.respondedAt, 'notice.responded', n.respondedBy, n.respondedByName, 'notice', n.id, what);
  }
  for (const c of closeOuts) {
    add(c.requestedAt, 'close-out.requested', c.requestedBy, c.requestedByName, 'close-out', c.id, '销号申请');
    if (c.state === 'approved' || c.state === 'reopened') {
      add(c.decidedAt, 'close-out.approved', c.decidedBy, c.decidedByName, 'close-out', c.id, '销号申请');
    }
    if (c.state === 'rejected') {
      const summary = c.reason === null ? '销号申请' : `销号申请：${c.reason}`;
      add(c.decidedAt, 'close-out.rejected', c.decidedBy, c.decidedByName, 'close-out', c.id, summary);
    }
  }
  for (const c of comments) add(c.createdAt, 'comment.added', c.authorId, c.authorName, 'comment', c.id, '评论');
  return events.sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? 1 : -1));
}

/**
 * One task's page as of `now` (the clock by default); see the module comment for what it holds and who may read it.
 */
export async function getTaskPage(
  ctx: ServiceContext,
  actor: Actor,
  taskId: string,
  now: Date = ctx.clock(),
): Promise<TaskPage> {
  const ws = actor.workspaceId;
  const task = await findTaskRow(ctx.db, ws, taskId);
  if (task === undefined) throw notFound('任务', taskId);
  const plan = await readablePlan(ctx, actor, task.plan_id);
  if (!canViewDelivery(actor)) throw new ServiceError('forbidden', REFUSE_READ);
  const timeZone = await workspaceTimeZone(ctx.db, ws);
  const progress = new Map<string, TargetProgress>();
  const [statuses, ancestors, unitRows, projects, milestones, reportRows, noticeRows, closeOutRows, comments, files] =
    await Promise.all([
      deriveStatuses(ctx.db, ws, plan, [task], timeZone, now, progress),
      findAncestorsOfNodes(ctx.db, ws, [task.node_id]),
      findTaskUnitsOfTasks(ctx.db, ws, [task.id]),
      findProjectsOfTask(ctx.db, ws, task.id),
      findMilestonesOfTask(ctx.db, ws, task.id),
      findReportsOfTask(ctx.db, ws, task.id),
      findNoticesOfTask(ctx.db, ws, task.id),
      findCloseOutsOfTask(ctx.db, ws, task.id),
      findCommentsOnTask(ctx.db, ws, task.id),
      findAttachmentsOfTask(ctx.db, ws, task.id),
    ]);
  const status = statuses.get(task.id);
  if (status === undefined) throw notFound('任务', taskId);

  const units = { lead: [] as UnitRef[], support: [] as UnitRef[] };
  for (const row of unitRows) units[row.role].push({ id: row.unit_id, name: row.unit_name });
  const unitIds = { lead: units.lead.map((u) => u.id), support: units.support.map((u) => u.id) };
  const headings = ancestors.filter((row) => isHeadingKind(row.kind)).sort((a, b) => b.depth - a.depth);
  const nearest = (kind: 'strand' | 'area') => {
    const row = headings.find((heading) => heading.kind === kind);
    return row === undefined ? null : headingText(row);
  };

  const reports = [...reportRows]
    .sort((a, b) => byText(b.period, a.period) || byText(a.unit_name, b.unit_name) || byText(a.id, b.id))
    .filter((row) => canViewReport(actor, { unitId: row.unit_id }, unitIds))
    .slice(0, TASK_PAGE_REPORTS)
    .map(toReport);
  const notices = noticeRows.filter((row) => canViewNotice(actor, { unitId: row.unit_id })).map(toNotice);
  const closeOuts = closeOutRows.map(toCloseOut);
  const current = closeOuts.find((c) => c.state !== 'withdrawn') ?? null;
  const commentViews = comments.map((row) => ({
    id: row.id,
    version: row.version,
    body: row.body,
    authorId: row.author_id,
    authorName: row.author_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
  const milestonesOf = new Map<string, TaskPage['projects'][number]['milestones']>();
  for (const row of milestones) {
    const list = milestonesOf.get(row.project_id) ?? [];
    list.push({
      id: row.id,
      version: row.version,
      name: row.name,
      dueOn: row.due_on,
      doneOn: row.done_on,
      isFrozen: row.frozen === 1,
    });
    milestonesOf.set(row.project_id, list);
  }
  const start = reportingStartOf(plan, timeZone);

  return {
    task: {
      id: task.id,
      version: task.version,
      planId: plan.id,
      planTitle: plan.title,
      number: task.number,
      title: task.title,
      path: headings.map(headingText),
      strand: nearest('strand'),
      area: nearest('area'),
      dueOn: task.due_on,
      closedAt: task.closed_at,
      isRemoved: task.removed_in_version !== null,
      sourceText: task.source_text,
      units,
    },
    reporting: {
      startsOn: start.date,
      isDefault: start.isDefault,
      firstExpectedPeriod: firstExpectedPeriod(plan, timeZone),
    },
    status: toStatusView(task.id, status, now),
    targets: canViewTargetProgress(actor) ? [...progress.values()] : [],
    projects: projects.map((row) => ({
      id: row.id,
      version: row.version,
      name: row.name,
      description: row.description,
      ownerUnit:
        row.owner_unit_id === null ? null : { id: row.owner_unit_id, name: row.owner_unit_name ?? row.owner_unit_id },
      plannedStart: row.planned_start,
      plannedEnd: row.planned_end,
      actualStart: row.actual_start,
      actualEnd: row.actual_end,
      milestones: milestonesOf.get(row.id) ?? [],
    })),
    reports,
    notices,
    closeOut: { current, history: closeOuts },
    comments: commentViews,
    attachments: files.map((row) => ({
      id: row.id,
      fileId: row.file_id,
      name: row.name,
      mediaType: row.media_type,
      size: row.size,
      createdAt: row.created_at,
      createdBy: row.created_by,
      createdByName: row.created_by_name,
    })),
    activity: activityOf(reports, notices, closeOuts, commentViews),
    asOf: now.toISOString(),
  };
}
