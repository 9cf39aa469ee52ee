/**
 * What one task's page shows beside its status (src/services/task-page.service.ts): its projects and milestones,
 * reports, notices, close-outs, comments and files — each one query for the task, with the names of the units and
 * people they mention joined in, so the page is a fixed handful of statements whatever the task holds.
 */
import type { Db } from '../database.ts';
import type {
  CloseOutState,
  ConfidenceCode,
  IsoDate,
  IsoInstant,
  NoticeLevel,
  NoticeState,
  ReportState,
  TaskRow,
} from '../schema.ts';

/** A task of the workspace, all its columns. */
export function findTaskRow(db: Db, workspaceId: string, taskId: string): Promise<TaskRow | undefined> {
  return db
    .selectFrom('tasks')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', taskId)
    .executeTakeFirst();
}

export interface TaskProjectRow {
  id: string;
  version: number;
  name: string;
  description: string;
  owner_unit_id: string | null;
  owner_unit_name: string | null;
  planned_start: IsoDate | null;
  planned_end: IsoDate | null;
  actual_start: IsoDate | null;
  actual_end: IsoDate | null;
}

/** The task's projects with their owner units' names, oldest first. */
export function findProjectsOfTask(db: Db, workspaceId: string, taskId: string): Promise<TaskProjectRow[]> {
  return db
    .selectFrom('projects as p')
    .leftJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'p.workspace_id').onRef('u.id', '=', 'p.owner_unit_id'),
    )
    .select([
      'p.id',
      'p.version',
      'p.name',
      'p.description',
      'p.owner_unit_id',
      'u.name as owner_unit_name',
      'p.planned_start',
      'p.planned_end',
      'p.actual_start',
      'p.actual_end',
    ])
    .where('p.workspace_id', '=', workspaceId)
    .where('p.task_id', '=', taskId)
    .orderBy('p.created_at')
    .orderBy('p.id')
    .execute();
}

export interface TaskMilestoneRow {
  id: string;
  version: number;
  project_id: string;
  name: string;
  due_on: IsoDate;
  done_on: IsoDate | null;
  frozen: 0 | 1;
  updated_at: IsoInstant;
}

/** The task's milestones in force (removed ones left out), by project and position. */
export function findMilestonesOfTask(db: Db, workspaceId: string, taskId: string): Promise<TaskMilestoneRow[]> {
  return db
    .selectFrom('milestones')
    .select(['id', 'version', 'project_id', 'name', 'due_on', 'done_on', 'frozen', 'updated_at'])
    .where('workspace_id', '=', workspaceId)
    .where('task_id', '=', taskId)
    .where('removed_at', 'is', null)
    .orderBy('project_id')
    .orderBy('position')
    .orderBy('due_on')
    .orderBy('id')
    .execute();
}

export interface TaskReportRow {
  id: string;
  version: number;
  unit_id: string;
  unit_name: string;
  period: string;
  state: ReportState;
  percent_done: number | null;
  confidence: ConfidenceCode | null;
  is_late: 0 | 1;
  created_at: IsoInstant;
  updated_at: IsoInstant;
  created_by: string | null;
  created_by_name: string | null;
  approved_at: IsoInstant | null;
  approved_by: string | null;
  approved_by_name: string | null;
  submitted_at: IsoInstant | null;
  decided_at: IsoInstant | null;
  decided_by: string | null;
  decided_by_name: string | null;
  return_reason: string | null;
}

/**
 * Every report of the task (a few per period and lead unit) with the unit's and the people's names, in no order.
 * Neither ORDER BY nor LIMIT: with either, SQLite walks the workspace's reports in period order
 * (reports_period_state_idx) to spare sorting a dozen rows — 15 ms at S = 0.1 instead of 0.3; the caller sorts.
 */
export function findReportsOfTask(db: Db, workspaceId: string, taskId: string): Promise<TaskReportRow[]> {
  return db
    .selectFrom('reports as r')
    .innerJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'r.workspace_id').onRef('u.id', '=', 'r.unit_id'),
    )
    .leftJoin('users as cu', (join) =>
      join.onRef('cu.workspace_id', '=', 'r.workspace_id').onRef('cu.id', '=', 'r.created_by'),
    )
    .leftJoin('users as au', (join) =>
      join.onRef('au.workspace_id', '=', 'r.workspace_id').onRef('au.id', '=', 'r.approved_by'),
    )
    .leftJoin('users as du', (join) =>
      join.onRef('du.workspace_id', '=', 'r.workspace_id').onRef('du.id', '=', 'r.decided_by'),
    )
    .select([
      'r.id',
      'r.version',
      'r.unit_id',
      'u.name as unit_name',
      'r.period',
      'r.state',
      'r.percent_done',
      'r.confidence',
      'r.is_late',
      'r.created_at',
      'r.updated_at',
      'r.created_by',
      'cu.display_name as created_by_name',
      'r.approved_at',
      'r.approved_by',
      'au.display_name as approved_by_name',
      'r.submitted_at',
      'r.decided_at',
      'r.decided_by',
      'du.display_name as decided_by_name',
      'r.return_reason',
    ])
    .where('r.workspace_id', '=', workspaceId)
    .where('r.task_id', '=', taskId)
    .execute();
}

export interface TaskNoticeRow {
  id: string;
  version: number;
  unit_id: string;
  unit_name: string;
  level: NoticeLevel;
  state: NoticeState;
  due_on: IsoDate;
  body: string;
  response: string | null;
  responded_at: IsoInstant | null;
  responded_by: string | null;
  responded_by_name: string | null;
  escalated_from_id: string | null;
  issued_by: string | null;
  issued_by_name: string | null;
  created_at: IsoInstant;
  updated_at: IsoInstant;
}

/** The task's notices, newest first, with the unit's and the people's names. */
export function findNoticesOfTask(db: Db, workspaceId: string, taskId: string): Promise<TaskNoticeRow[]> {
  return db
    .selectFrom('notices as n')
    .innerJoin('units as u', (join) =>
      join.onRef('u.workspace_id', '=', 'n.workspace_id').onRef('u.id', '=', 'n.unit_id'),
    )
    .leftJoin('users as iu', (join) =>
      join.onRef('iu.workspace_id', '=', 'n.workspace_id').onRef('iu.id', '=', 'n.issued_by'),
    )
    .leftJoin('users as ru', (join) =>
      join.onRef('ru.workspace_id', '=', 'n.workspace_id').onRef('ru.id', '=', 'n.responded_by'),
    )
    .select([
      'n.id',
      'n.version',
      'n.unit_id',
      'u.name as unit_name',
      'n.level',
      'n.state',
      'n.due_on',
      'n.body',
      'n.response',
      'n.responded_at',
      'n.responded_by',
      'ru.display_name as responded_by_name',
      'n.escalated_from_id',
      'n.issued_by',
      'iu.display_name as issued_by_name',
      'n.created_at',
      'n.updated_at',
    ])
    .where('n.workspace_id', '=', workspaceId)
    .where('n.task_id', '=', taskId)
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .execute();
}

export interface TaskCloseOutRow {
  id: string;
  version: number;
  state: CloseOutState;
  evidence: string;
  reason: string | null;
  requested_by: string | null;
  requested_by_name: string | null;
  decided_at: IsoInstant | null;
  decided_by: string | null;
  decided_by_name: string | null;
  created_at: IsoInstant;
  updated_at: IsoInstant;
}

/** The task's close-out requests, newest first (the first is the one in force), with the people's names. */
export function findCloseOutsOfTask(db: Db, workspaceId: string, taskId: string): Promise<TaskCloseOutRow[]> {
  return db
    .selectFrom('close_outs as c')
    .leftJoin('users as qu', (join) =>
      join.onRef('qu.workspace_id', '=', 'c.workspace_id').onRef('qu.id', '=', 'c.requested_by'),
    )
    .leftJoin('users as du', (join) =>
      join.onRef('du.workspace_id', '=', 'c.workspace_id').onRef('du.id', '=', 'c.decided_by'),
    )
    .select([
      'c.id',
      'c.version',
      'c.state',
      'c.evidence',
      'c.reason',
      'c.requested_by',
      'qu.display_name as requested_by_name',
      'c.decided_at',
      'c.decided_by',
      'du.display_name as decided_by_name',
      'c.created_at',
      'c.updated_at',
    ])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.task_id', '=', taskId)
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .execute();
}

export interface TaskCommentRow {
  id: string;
  version: number;
  body: string;
  author_id: string | null;
  author_name: string | null;
  created_at: IsoInstant;
  updated_at: IsoInstant;
}

/** The comments on the task itself, oldest first, with their authors' names. */
export function findCommentsOnTask(db: Db, workspaceId: string, taskId: string): Promise<TaskCommentRow[]> {
  return db
    .selectFrom('comments as c')
    .leftJoin('users as au', (join) =>
      join.onRef('au.workspace_id', '=', 'c.workspace_id').onRef('au.id', '=', 'c.author_id'),
    )
    .select([
      'c.id',
      'c.version',
      'c.body',
      'c.author_id',
      'au.display_name as author_name',
      'c.created_at',
      'c.updated_at',
    ])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.subject_type', '=', 'task')
    .where('c.subject_id', '=', taskId)
    .orderBy('c.created_at')
    .orderBy('c.id')
    .execute();
}

export interface TaskAttachmentRow {
  id: string;
  file_id: string;
  name: string;
  media_type: string;
  size: number;
  created_at: IsoInstant;
  created_by: string | null;
  created_by_name: string | null;
}

/** The files attached to the task itself and not removed (metadata only, never the content), oldest first. */
export function findAttachmentsOfTask(db: Db, workspaceId: string, taskId: string): Promise<TaskAttachmentRow[]> {
  return db
    .selectFrom('attachments as a')
    .innerJoin('files as f', (join) =>
      join.onRef('f.workspace_id', '=', 'a.workspace_id').onRef('f.id', '=', 'a.file_id'),
    )
    .leftJoin('users as cu', (join) =>
      join.onRef('cu.workspace_id', '=', 'a.workspace_id').onRef('cu.id', '=', 'a.created_by'),
    )
    .select([
      'a.id',
      'a.file_id',
      'f.name',
      'f.media_type',
      'f.size',
      'a.created_at',
      'a.created_by',
      'cu.display_name as created_by_name',
    ])
    .where('a.workspace_id', '=', workspaceId)
    .where('a.subject_type', '=', 'task')
    .where('a.subject_id', '=', taskId)
    .where('a.removed_at', 'is', null)
    .orderBy('a.created_at')
    .orderBy('a.id')
    .execute();
}
