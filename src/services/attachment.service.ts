/**
 * Attachments (附件): evidence files on a task, a report, a reading, a close-out request, a notice or a comment.
 * Who may see, add and remove them is the subject's rule (`policies/attachment.policy.ts`).
 *
 * Adding a file: its name is made safe (`domain/file-names.ts`), its type is decided by its bytes and its extension
 * together (`domain/file-types.ts`: a mismatch or an unlisted type is `unsupported-media-type`, 415), its size is
 * bounded (`too-large`, 413); then the content is stored (`file-storage.ts`: in the database or content-addressed
 * on disk) and the `files` row, the `attachments` row and the audit event are written in one transaction. The
 * subject is checked twice: before the content is stored (a refused request writes nothing) and again in the
 * transaction, with the row whose state decides locked (PostgreSQL), so a report submitted meanwhile is seen.
 *
 * Removing one marks the row (`removed_at`, `removed_by`); nothing is deleted. A refused actor gets `forbidden`
 * (403), a subject no longer open to the actor's unit `conflict` (409), anything of another workspace — or a
 * removed attachment — `not-found` (404).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Db } from '../db/database.ts';
import { newId } from '../db/ids.ts';
import {
  findAttachment,
  findAttachmentsOfSubject,
  findReadingSubject,
  insertAttachment,
  lockSubjectRow,
  markAttachmentRemoved,
  type AttachmentWithFileRow,
  type SubjectStateTable,
} from '../db/queries/attachment.queries.ts';
import { findCloseOut } from '../db/queries/close-out.queries.ts';
import { findComment, findTaskIdOfSubject, type CommentSubjectType } from '../db/queries/comment.queries.ts';
import { findFileContent, insertFile } from '../db/queries/file.queries.ts';
import { findNotice } from '../db/queries/notice.queries.ts';
import { findReport } from '../db/queries/report.queries.ts';
import { safeFileName } from '../domain/file-names.ts';
import { checkFileType } from '../domain/file-types.ts';
import {
  ATTACHMENT_SUBJECT_TYPES,
  attachRight,
  canRemoveAttachment,
  canViewAttachments,
  isOpenToUnit,
  type AttachmentSubject,
  type AttachmentSubjectType,
  type SubjectReport,
  type SubjectTask,
} from '../policies/attachment.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, conflict, forbidden, notFound } from './errors.ts';
import { StoredFileError, type FileStorage } from './file-storage.ts';
import { loadDeliveryTask } from './project.service.ts';
import { reportStateOf } from './report-state.ts';
import { inTransaction } from './transaction.ts';

export { ATTACHMENT_SUBJECT_TYPES, type AttachmentSubjectType } from '../policies/attachment.policy.ts';

/** An attachment's metadata (its content comes through `readAttachmentContent`). */
export interface Attachment {
  id: string;
  subjectType: AttachmentSubjectType;
  subjectId: string;
  /** The task the subject belongs to; null for a reading of a goal's target. */
  taskId: string | null;
  fileId: string;
  /** The name made safe when it was uploaded. */
  name: string;
  /** Decided from the content, never taken from the client. */
  mediaType: string;
  size: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
  createdBy: string | null;
  /** The uploader's display name; null when it names nobody. */
  createdByName: string | null;
  createdAt: string;
}

export interface AttachmentSubjectRef {
  type: string;
  id: string;
}

export interface UploadAttachmentInput {
  subjectType: string;
  subjectId: string;
  /** As the client sent it; made safe here. */
  fileName: string;
  bytes: Uint8Array;
}

export interface AttachmentContent {
  attachment: Attachment;
  /** The bytes, or a stream of the file on disk. */
  body: Buffer | Readable;
}

const SUBJECT_LABELS: Readonly<Record<AttachmentSubjectType, string>> = {
  report: '进展报告',
  'close-out': '销号申请',
  notice: '督办单',
  task: '任务',
  comment: '评论',
  reading: '指标数据',
};

const REFUSE_VIEW = '无权查看该对象的附件（not allowed to see these attachments）';

/** Why an actor may never add files to a subject of this type. */
const REFUSE_ATTACH: Readonly<Record<AttachmentSubjectType, string>> = {
  task: '只有方案办公室可以为任务上传附件（only the plan office attaches files to a task）',
  report: '只有报告所属单位和方案办公室可以为报告上传佐证材料（only the report’s own unit or the plan office）',
  reading:
    '只有报告所属单位和方案办公室可以为指标数据上传佐证材料（only the reading’s reporting unit or the plan office）',
  'close-out': '只有申请销号的牵头单位和方案办公室可以上传销号佐证材料（only the requesting unit or the plan office）',
  notice:
    '只有被督办单位、方案办公室和督查人员可以为督办单上传附件（only the addressed unit, the office or supervisors）',
  comment: '只有评论的作者可以为评论上传附件（only the comment’s author）',
};

/** Why a unit may no longer add or remove its files: its part of the subject has gone to the office. */
const NOT_OPEN: Readonly<Record<AttachmentSubjectType, string>> = {
  task: '',
  comment: '',
  report: '报告已送审、已提交或已采纳，不能再增删附件；退回后可以修改（the report is no longer a draft）',
  reading: '指标数据所属报告已送审、已提交或已采纳，不能再增删附件（the reading’s report is no longer a draft）',
  'close-out': '销号申请已有审批结果，不能再增删佐证材料（the close-out request has been decided）',
  notice: '督办单已回复、已升级或已办结，不能再增删附件（the notice is no longer awaiting a response）',
};

const TASK_CLOSED = '任务已销号或已从方案中删除，不能再增删附件（the task is closed out or removed）';

const ID_MAX = 40;

function parseSubject(ref: AttachmentSubjectRef): { type: AttachmentSubjectType; id: string } {
  if (!(ATTACHMENT_SUBJECT_TYPES as readonly string[]).includes(ref.type)) {
    throw new ServiceError(
      'invalid-input',
      `附件对象应为 ${ATTACHMENT_SUBJECT_TYPES.join('、')} 之一（subject type）`,
      { field: 'subjectType' },
    );
  }
  const id = typeof ref.id === 'string' ? ref.id.trim() : '';
  if (id === '' || id.length > ID_MAX) {
    throw new ServiceError('invalid-input', '附件对象的编号无效（subject id）', { field: 'subjectId' });
  }
  return { type: ref.type as AttachmentSubjectType, id };
}

interface LoadedSubject {
  facts: AttachmentSubject;
  taskId: string | null;
}

async function subjectTask(db: Db, actor: Actor, taskId: string): Promise<SubjectTask> {
  const task = await loadDeliveryTask(db, actor, taskId);
  return {
    leadUnitIds: task.leadUnitIds,
    supportUnitIds: task.supportUnitIds,
    isOpen: task.closedAt === null && !task.isRemoved,
  };
}

async function subjectReport(db: Db, actor: Actor, reportId: string, lock: boolean) {
  if (lock) await lockSubjectRow(db, actor.workspaceId, 'reports', reportId);
  const row = await findReport(db, actor.workspaceId, reportId);
  if (row === undefined) throw notFound(SUBJECT_LABELS.report, reportId);
  const report: SubjectReport = { unitId: row.unit_id, state: reportStateOf(row) };
  return { report, taskId: row.task_id };
}

async function lockIf(db: Db, actor: Actor, lock: boolean, table: SubjectStateTable, id: string): Promise<void> {
  if (lock) await lockSubjectRow(db, actor.workspaceId, table, id);
}

/**
 * The subject of the actor's workspace as the policy sees it, or `not-found`. With `lock`, the row whose state
 * decides (the report, close-out or notice) stays locked until the transaction ends.
 */
async function loadSubject(
  db: Db,
  actor: Actor,
  subject: { type: AttachmentSubjectType; id: string },
  lock = false,
): Promise<LoadedSubject> {
  const ws = actor.workspaceId;
  switch (subject.type) {
    case 'task': {
      const task = await subjectTask(db, actor, subject.id);
      return { facts: { type: 'task', task }, taskId: subject.id };
    }
    case 'report': {
      const { report, taskId } = await subjectReport(db, actor, subject.id, lock);
      return { facts: { type: 'report', task: await subjectTask(db, actor, taskId), report }, taskId };
    }
    case 'reading': {
      const row = await findReadingSubject(db, ws, subject.id);
      if (row === undefined) throw notFound(SUBJECT_LABELS.reading, subject.id);
      const report = row.report_id === null ? null : (await subjectReport(db, actor, row.report_id, lock)).report;
      const task = row.task_id === null ? null : await subjectTask(db, actor, row.task_id);
      return { facts: { type: 'reading', task, report }, taskId: row.task_id };
    }
    case 'close-out': {
      await lockIf(db, actor, lock, 'close_outs', subject.id);
      const row = await findCloseOut(db, ws, subject.id);
      if (row === undefined) throw notFound(SUBJECT_LABELS['close-out'], subject.id);
      const task = await subjectTask(db, actor, row.task_id);
      return { facts: { type: 'close-out', task, closeOut: { state: row.state } }, taskId: row.task_id };
    }
    case 'notice': {
      await lockIf(db, actor, lock, 'notices', subject.id);
      const row = await findNotice(db, ws, subject.id);
      if (row === undefined) throw notFound(SUBJECT_LABELS.notice, subject.id);
      const task = await subjectTask(db, actor, row.task_id);
      const state = row.state === 'answered' ? 'responded' : row.state;
      return { facts: { type: 'notice', task, notice: { unitId: row.unit_id, state } }, taskId: row.task_id };
    }
    case 'comment': {
      const row = await findComment(db, ws, subject.id);
      if (row === undefined) throw notFound(SUBJECT_LABELS.comment, subject.id);
      const taskId = await findTaskIdOfSubject(db, ws, row.subject_type as CommentSubjectType, row.subject_id);
      if (taskId === undefined) throw notFound(SUBJECT_LABELS.comment, subject.id);
      const task = await subjectTask(db, actor, taskId);
      return { facts: { type: 'comment', task, comment: { authorId: row.author_id } }, taskId };
    }
  }
}

function requireViewer(actor: Actor, subject: LoadedSubject): void {
  if (!canViewAttachments(actor, subject.facts)) throw forbidden(REFUSE_VIEW);
}

/** `forbidden` for who may never add files here, `conflict` when the subject is no longer open to their unit. */
function requireAttacher(actor: Actor, subject: LoadedSubject): void {
  const { facts } = subject;
  const right = attachRight(actor, facts);
  if (right === 'never') throw forbidden(REFUSE_ATTACH[facts.type]);
  if (right === 'while-open' && !isOpenToUnit(facts)) {
    const taskClosed = facts.task !== null && !facts.task.isOpen;
    throw conflict(taskClosed ? TASK_CLOSED : NOT_OPEN[facts.type], { reason: 'subject-not-open' });
  }
}

function toAttachment(row: AttachmentWithFileRow, taskId: string | null): Attachment {
  return {
    id: row.id,
    subjectType: row.subject_type as AttachmentSubjectType,
    subjectId: row.subject_id,
    taskId,
    fileId: row.file_id,
    name: row.name,
    mediaType: row.media_type,
    size: row.size,
    sha256: row.sha256,
    createdBy: row.created_by,
    createdByName: row.created_by_name,
    createdAt: row.created_at,
  };
}

/** A size limit as people read it: `20 MB`, `1.5 MB`, `100 KB`. */
function formatSize(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes >= mib ? `${Number((bytes / mib).toFixed(1))} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/**
 * Attaches an uploaded file to a subject: checks the name, type and size, stores the content as configured, and
 * writes the file, the attachment and the audit event in one transaction.
 */
export async function uploadAttachment(
  ctx: ServiceContext,
  actor: Actor,
  input: UploadAttachmentInput,
  storage: FileStorage,
): Promise<Attachment> {
  const subject = parseSubject({ type: input.subjectType, id: input.subjectId });
  const { bytes } = input;
  if (bytes.byteLength > storage.maxBytes) {
    const limit = formatSize(storage.maxBytes);
    throw new ServiceError('too-large', `文件超过 ${limit} 的上限（the file is larger than ${limit}）`);
  }
  const name = safeFileName(input.fileName);
  const verdict = checkFileType(bytes, name);
  if (!verdict.ok) {
    throw new ServiceError(verdict.reason === 'empty' ? 'invalid-input' : 'unsupported-media-type', verdict.message, {
      field: 'file',
    });
  }
  // Checked before anything is stored: a refused request leaves nothing behind, on disk or in the database.
  const before = await loadSubject(ctx.db, actor, subject);
  requireViewer(actor, before);
  requireAttacher(actor, before);

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const content = await storage.save(actor.workspaceId, sha256, bytes);
  const at = ctx.clock();
  const now = at.toISOString();
  const fileId = newId('file');
  const id = newId('attachment');
  return inTransaction(ctx.db, async (trx) => {
    const loaded = await loadSubject(trx, actor, subject, true);
    requireViewer(actor, loaded);
    requireAttacher(actor, loaded);
    await insertFile(trx, {
      id: fileId,
      workspace_id: actor.workspaceId,
      created_at: now,
      name,
      media_type: verdict.mediaType,
      size: bytes.byteLength,
      sha256,
      path: content.path,
      created_by: actor.userId,
      data: content.data,
    });
    await insertAttachment(trx, {
      id,
      workspace_id: actor.workspaceId,
      created_at: now,
      subject_type: subject.type,
      subject_id: subject.id,
      file_id: fileId,
      created_by: actor.userId,
    });
    await recordAudit(trx, actor, at, {
      action: 'attachment.add',
      subjectType: 'attachment',
      subjectId: id,
      detail: {
        on: subject.type,
        onId: subject.id,
        taskId: loaded.taskId,
        fileId,
        name,
        mediaType: verdict.mediaType,
        size: bytes.byteLength,
        sha256,
        storage: content.path === null ? 'db' : 'disk',
        ...(name === input.fileName ? {} : { nameAsSent: input.fileName.slice(0, 300) }),
      },
    });
    const row = await findAttachment(trx, actor.workspaceId, id);
    if (row === undefined) throw notFound('附件', id);
    return toAttachment(row, loaded.taskId);
  });
}

/** A subject's attachments, oldest first: whoever may read the subject. */
export async function listAttachments(
  ctx: ServiceContext,
  actor: Actor,
  ref: AttachmentSubjectRef,
): Promise<Attachment[]> {
  const subject = parseSubject(ref);
  const loaded = await loadSubject(ctx.db, actor, subject);
  requireViewer(actor, loaded);
  const rows = await findAttachmentsOfSubject(ctx.db, actor.workspaceId, subject.type, subject.id);
  return rows.map((row) => toAttachment(row, loaded.taskId));
}

/** An attachment in force and its subject, once the actor is found to be allowed to see it. */
async function loadVisible(db: Db, actor: Actor, attachmentId: string) {
  const row = await findAttachment(db, actor.workspaceId, attachmentId);
  if (row === undefined) throw notFound('附件', attachmentId);
  const subject = parseSubject({ type: row.subject_type, id: row.subject_id });
  const loaded = await loadSubject(db, actor, subject);
  requireViewer(actor, loaded);
  return { row, loaded };
}

/** One attachment's metadata. */
export async function getAttachment(ctx: ServiceContext, actor: Actor, attachmentId: string): Promise<Attachment> {
  const { row, loaded } = await loadVisible(ctx.db, actor, attachmentId);
  return toAttachment(row, loaded.taskId);
}

/** One attachment's metadata and content. */
export async function readAttachmentContent(
  ctx: ServiceContext,
  actor: Actor,
  attachmentId: string,
  storage: FileStorage,
): Promise<AttachmentContent> {
  const { row, loaded } = await loadVisible(ctx.db, actor, attachmentId);
  const file = await findFileContent(ctx.db, actor.workspaceId, row.file_id);
  if (file === undefined) throw new StoredFileError(`attachment ${row.id} names a missing file ${row.file_id}`);
  return { attachment: toAttachment(row, loaded.taskId), body: await storage.read(file) };
}

/**
 * Removes an attachment: the plan office, or its uploader while they could still add it. The row and the file stay
 * (marked removed, audited); the attachment no longer appears anywhere.
 */
export async function removeAttachment(ctx: ServiceContext, actor: Actor, attachmentId: string): Promise<void> {
  const at = ctx.clock();
  const now = at.toISOString();
  await inTransaction(ctx.db, async (trx) => {
    const row = await findAttachment(trx, actor.workspaceId, attachmentId);
    if (row === undefined) throw notFound('附件', attachmentId);
    const subject = parseSubject({ type: row.subject_type, id: row.subject_id });
    const loaded = await loadSubject(trx, actor, subject, true);
    requireViewer(actor, loaded);
    const attachment = { createdBy: row.created_by };
    if (!canRemoveAttachment(actor, attachment, loaded.facts)) {
      if (row.created_by !== actor.userId) {
        throw forbidden('只能删除自己上传的附件（only the uploader or the plan office may remove a file）');
      }
      requireAttacher(actor, loaded);
      throw forbidden(REFUSE_ATTACH[subject.type]);
    }
    if (!(await markAttachmentRemoved(trx, actor.workspaceId, row.id, now, actor.userId))) {
      throw notFound('附件', attachmentId);
    }
    await recordAudit(trx, actor, at, {
      action: 'attachment.remove',
      subjectType: 'attachment',
      subjectId: row.id,
      detail: {
        on: subject.type,
        onId: subject.id,
        taskId: loaded.taskId,
        fileId: row.file_id,
        name: row.name,
        uploadedBy: row.created_by,
      },
    });
  });
}
