// Attachments on both databases: who may add, see and remove files on each kind of subject; types, sizes and names
// checked before anything is written; storage in the database and on disk (content-addressed, atomic); the audit
// trail; objects of another workspace answer not-found.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import {
  getAttachment,
  listAttachments,
  readAttachmentContent,
  removeAttachment,
  uploadAttachment,
  type Attachment,
} from '../../src/services/attachment.service.ts';
import { approveCloseOut, requestCloseOut } from '../../src/services/close-out.service.ts';
import { addComment } from '../../src/services/comment.service.ts';
import type { Actor } from '../../src/services/context.ts';
import { StoredFileError, createFileStorage, type FileStorage } from '../../src/services/file-storage.ts';
import { issueNotice, respondToNotice } from '../../src/services/notice.service.ts';
import { compoundFileBytes, pdfBytes, pngBytes } from '../attachment-files.ts';
import { auditEventsOf, failure, roleActor, verifyAuditChain } from '../delivery-factories.ts';
import { buildOffice, buildReading, buildReport, buildUnit, testContext } from '../factories.ts';
import { describeEachDatabase } from '../helpers/db.ts';
import { buildReportPlan, buildTarget, unitActor } from '../report-factories.ts';

const MIB = 1024 * 1024;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function dbStorage(maxBytes = MIB): FileStorage {
  return createFileStorage({ mode: 'db', dataDir: join(tmpdir(), 'luoshi-unused'), maxBytes });
}

function diskStorage(): { storage: FileStorage; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'luoshi-files-'));
  onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  return { storage: createFileStorage({ mode: 'disk', dataDir, maxBytes: MIB }), dataDir };
}

async function bytesOf(body: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function counts(db: Db, workspaceId: string) {
  const count = async (table: 'files' | 'attachments' | 'audit_events') =>
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirstOrThrow()
    ).n;
  return { files: await count('files'), attachments: await count('attachments'), audit: await count('audit_events') };
}

/** A task with two lead units and a support unit, a bystander unit, and the primary lead's draft report. */
async function setUp(db: Db) {
  const plan = await buildReportPlan(db, { leads: 2, supports: 1 });
  const [primary, secondLead] = plan.leadReporters;
  const [support] = plan.supportReporters;
  const [primaryUnit] = plan.leads;
  if (primary === undefined || secondLead === undefined || support === undefined || primaryUnit === undefined) {
    throw new Error('two lead units and a support unit expected');
  }
  const bystanderUnit = await buildUnit(db, { workspaceId: plan.workspaceId });
  const report = await buildReport(db, {
    workspaceId: plan.workspaceId,
    taskId: plan.taskId,
    unitId: primaryUnit,
    state: 'draft',
  });
  return {
    ...plan,
    primary,
    secondLead,
    support,
    /** Another reporter of the primary lead unit. */
    colleague: unitActor(plan.workspaceId, primaryUnit, ['unit-reporter'], 'usr_colleague'),
    bystander: unitActor(plan.workspaceId, bystanderUnit.id),
    leader: roleActor(plan.workspaceId, 'leader'),
    supervisor: roleActor(plan.workspaceId, 'supervisor'),
    reportId: report.id,
  };
}

describeEachDatabase('attachments', (database) => {
  const ctx = () => testContext(database().db);
  const upload = (
    actor: Actor,
    subjectType: string,
    subjectId: string,
    file: { name?: string; bytes?: Uint8Array } = {},
    storage = dbStorage(),
  ) =>
    uploadAttachment(
      ctx(),
      actor,
      { subjectType, subjectId, fileName: file.name ?? '验收报告.pdf', bytes: file.bytes ?? pdfBytes() },
      storage,
    );

  describe('reports', () => {
    it('a unit attaches evidence to its draft report, under a safe name; the task’s units and leaders see it', async () => {
      const s = await setUp(database().db);
      const bytes = pdfBytes('第三季度佐证');
      const attachment = await upload(s.primary, 'report', s.reportId, {
        name: '../../第三季度\u202E\u0000佐证.pdf',
        bytes,
      });
      expect(attachment).toEqual({
        id: expect.stringMatching(/^att_/),
        subjectType: 'report',
        subjectId: s.reportId,
        taskId: s.taskId,
        fileId: expect.stringMatching(/^fil_/),
        name: '第三季度 佐证.pdf',
        mediaType: 'application/pdf',
        size: bytes.byteLength,
        sha256: sha256(bytes),
        createdBy: s.primary.userId,
        createdByName: null, // the factory's actor has no user row
        createdAt: '2021-07-01T02:00:00.000Z',
      } satisfies Attachment);

      const file = await database()
        .db.selectFrom('files')
        .selectAll()
        .where('workspace_id', '=', s.workspaceId)
        .where('id', '=', attachment.fileId)
        .executeTakeFirstOrThrow();
      expect(file).toMatchObject({ path: null, name: '第三季度 佐证.pdf', created_by: s.primary.userId });
      expect(Buffer.from(file.data ?? [])).toEqual(bytes);

      for (const viewer of [s.office, s.primary, s.colleague, s.secondLead, s.support, s.leader, s.supervisor]) {
        expect(await listAttachments(ctx(), viewer, { type: 'report', id: s.reportId })).toEqual([attachment]);
      }
      expect(await getAttachment(ctx(), s.secondLead, attachment.id)).toEqual(attachment);
      const content = await readAttachmentContent(ctx(), s.leader, attachment.id, dbStorage());
      expect(await bytesOf(content.body)).toEqual(bytes);

      // A unit that has nothing to do with the task sees neither the list nor the file.
      for (const call of [
        () => listAttachments(ctx(), s.bystander, { type: 'report', id: s.reportId }),
        () => getAttachment(ctx(), s.bystander, attachment.id),
        () => readAttachmentContent(ctx(), s.bystander, attachment.id, dbStorage()),
      ]) {
        expect(await failure(call())).toMatchObject({ code: 'forbidden' });
      }

      const events = await auditEventsOf(database().db, s.workspaceId);
      expect(events.at(-1)).toMatchObject({
        action: 'attachment.add',
        subject_type: 'attachment',
        subject_id: attachment.id,
        actor_id: s.primary.userId,
      });
      expect(JSON.parse(events.at(-1)?.detail ?? '{}')).toEqual({
        on: 'report',
        onId: s.reportId,
        taskId: s.taskId,
        fileId: attachment.fileId,
        name: '第三季度 佐证.pdf',
        mediaType: 'application/pdf',
        size: bytes.byteLength,
        sha256: sha256(bytes),
        storage: 'db',
        nameAsSent: '../../第三季度\u202E\u0000佐证.pdf',
      });
      expect((await verifyAuditChain(database().db, s.workspaceId)).ok).toBe(true);
    });

    it('refuses other units; a unit once its report has gone to the office or the task is closed; the office may always', async () => {
      const s = await setUp(database().db);
      for (const actor of [s.secondLead, s.support, s.bystander, s.leader, s.supervisor]) {
        const refused = await failure(upload(actor, 'report', s.reportId));
        expect(refused).toMatchObject({ code: 'forbidden' });
      }
      expect((await failure(upload(s.secondLead, 'report', s.reportId))).message).toContain('只有报告所属单位');

      for (const state of ['awaiting-approval', 'submitted', 'accepted'] as const) {
        const report = await buildReport(database().db, {
          workspaceId: s.workspaceId,
          taskId: s.taskId,
          unitId: s.primary.unitId ?? '',
          period: `2020-Q${['awaiting-approval', 'submitted', 'accepted'].indexOf(state) + 1}`,
          state,
        });
        const refused = await failure(upload(s.primary, 'report', report.id));
        expect(refused).toMatchObject({ code: 'conflict', details: { reason: 'subject-not-open' } });
        expect(refused.message).toContain('报告已送审、已提交或已采纳');
        expect((await upload(s.office, 'report', report.id)).createdBy).toBe(s.office.userId);
      }
      const returned = await buildReport(database().db, {
        workspaceId: s.workspaceId,
        taskId: s.taskId,
        unitId: s.primary.unitId ?? '',
        period: '2020-Q4',
        state: 'returned',
      });
      expect((await upload(s.primary, 'report', returned.id)).subjectId).toBe(returned.id);

      await database()
        .db.updateTable('tasks')
        .set({ closed_at: '2021-06-30T02:00:00.000Z' })
        .where('workspace_id', '=', s.workspaceId)
        .where('id', '=', s.taskId)
        .execute();
      const closed = await failure(upload(s.primary, 'report', s.reportId));
      expect(closed).toMatchObject({ code: 'conflict' });
      expect(closed.message).toContain('任务已销号');
      expect((await upload(s.office, 'report', s.reportId)).subjectId).toBe(s.reportId);
    });

    it('is removed by its uploader while the report is open, by the office always, by nobody else; the row stays', async () => {
      const s = await setUp(database().db);
      const first = await upload(s.primary, 'report', s.reportId, { name: '初稿.pdf' });

      expect(await failure(removeAttachment(ctx(), s.colleague, first.id))).toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining('只能删除自己上传的附件'),
      });
      expect((await failure(removeAttachment(ctx(), s.leader, first.id))).code).toBe('forbidden');
      await removeAttachment(ctx(), s.primary, first.id);
      expect(await listAttachments(ctx(), s.office, { type: 'report', id: s.reportId })).toEqual([]);
      expect((await failure(getAttachment(ctx(), s.office, first.id))).code).toBe('not-found');
      expect((await failure(removeAttachment(ctx(), s.primary, first.id))).code).toBe('not-found');
      const row = await database()
        .db.selectFrom('attachments')
        .selectAll()
        .where('workspace_id', '=', s.workspaceId)
        .where('id', '=', first.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ removed_at: '2021-07-01T02:00:00.000Z', removed_by: s.primary.userId });
      const removal = (await auditEventsOf(database().db, s.workspaceId)).at(-1);
      expect(removal).toMatchObject({ action: 'attachment.remove', subject_id: first.id, actor_id: s.primary.userId });
      expect(JSON.parse(removal?.detail ?? '{}')).toMatchObject({
        on: 'report',
        name: '初稿.pdf',
        uploadedBy: s.primary.userId,
      });

      const second = await upload(s.primary, 'report', s.reportId, { name: '终稿.pdf' });
      await database()
        .db.updateTable('reports')
        .set({ state: 'submitted' })
        .where('workspace_id', '=', s.workspaceId)
        .where('id', '=', s.reportId)
        .execute();
      expect((await failure(removeAttachment(ctx(), s.primary, second.id))).code).toBe('conflict');
      await removeAttachment(ctx(), s.office, second.id);
      expect(await listAttachments(ctx(), s.primary, { type: 'report', id: s.reportId })).toEqual([]);
      expect((await verifyAuditChain(database().db, s.workspaceId)).ok).toBe(true);
    });
  });

  it('refuses wrong types, empty and over-size files and unknown subjects, writing nothing', async () => {
    const s = await setUp(database().db);
    const before = await counts(database().db, s.workspaceId);
    const mz = Buffer.from('MZ\x90\x00 this program cannot be run in DOS mode', 'latin1');
    const cases: [() => Promise<unknown>, string, string][] = [
      [
        () => upload(s.primary, 'report', s.reportId, { name: '报告.pdf', bytes: mz }),
        'unsupported-media-type',
        '与扩展名 .pdf 不符',
      ],
      [
        () => upload(s.primary, 'report', s.reportId, { name: 'setup.exe', bytes: mz }),
        'unsupported-media-type',
        '不支持 .exe 文件',
      ],
      [
        () => upload(s.primary, 'report', s.reportId, { name: '照片.png', bytes: pdfBytes() }),
        'unsupported-media-type',
        '文件内容是PDF 文档',
      ],
      [
        () =>
          upload(s.primary, 'report', s.reportId, {
            name: '报告.doc',
            bytes: compoundFileBytes(['WordDocument', 'Macros']),
          }),
        'unsupported-media-type',
        '文件含有宏',
      ],
      [() => upload(s.primary, 'report', s.reportId, { bytes: new Uint8Array(0) }), 'invalid-input', '文件为空'],
      [() => upload(s.primary, 'report', s.reportId, {}, dbStorage(10)), 'too-large', '文件超过 1 KB 的上限'],
      [() => upload(s.primary, 'plan', s.planId), 'invalid-input', '附件对象应为'],
      [() => upload(s.primary, 'report', ' '), 'invalid-input', '附件对象的编号无效'],
      [() => upload(s.primary, 'report', 'rpt_missing'), 'not-found', '未找到进展报告'],
      [() => upload(s.primary, 'reading', 'rdg_missing'), 'not-found', '未找到指标数据'],
    ];
    for (const [call, code, message] of cases) {
      const error = await failure(call());
      expect(error.code, message).toBe(code);
      expect(error.message).toContain(message);
    }
    expect(await counts(database().db, s.workspaceId)).toEqual(before);
  });

  it('answers not-found for subjects and attachments of another workspace', async () => {
    const s = await setUp(database().db);
    const attachment = await upload(s.primary, 'report', s.reportId);
    const { actor: stranger } = await buildOffice(database().db);
    expect((await failure(upload(stranger, 'report', s.reportId))).code).toBe('not-found');
    expect((await failure(upload(stranger, 'task', s.taskId))).code).toBe('not-found');
    expect((await failure(listAttachments(ctx(), stranger, { type: 'report', id: s.reportId }))).code).toBe(
      'not-found',
    );
    for (const call of [
      () => getAttachment(ctx(), stranger, attachment.id),
      () => readAttachmentContent(ctx(), stranger, attachment.id, dbStorage()),
      () => removeAttachment(ctx(), stranger, attachment.id),
    ]) {
      expect(await failure(call())).toMatchObject({
        code: 'not-found',
        message: expect.stringContaining('未找到附件'),
      });
    }
    expect(await listAttachments(ctx(), s.office, { type: 'report', id: s.reportId })).toEqual([attachment]);
  });

  it('close-out evidence: the requesting unit until the decision, the office always', async () => {
    const s = await setUp(database().db);
    const request = await requestCloseOut(ctx(), s.primary, s.taskId, { evidence: '已完成，附验收材料' });
    const evidence = await upload(s.primary, 'close-out', request.id, { name: '验收意见.pdf' });
    expect(evidence).toMatchObject({ subjectType: 'close-out', subjectId: request.id, taskId: s.taskId });
    expect((await failure(upload(s.secondLead, 'close-out', request.id))).code).toBe('forbidden');
    expect((await failure(upload(s.supervisor, 'close-out', request.id))).code).toBe('forbidden');
    expect(await listAttachments(ctx(), s.bystander, { type: 'close-out', id: request.id })).toEqual([evidence]);

    await approveCloseOut(ctx(), s.office, request.id, request.version);
    const decided = await failure(upload(s.primary, 'close-out', request.id));
    expect(decided).toMatchObject({ code: 'conflict' });
    expect(decided.message).toMatch(/销号申请已有审批结果|任务已销号/);
    expect((await failure(removeAttachment(ctx(), s.primary, evidence.id))).code).toBe('conflict');
    expect((await upload(s.office, 'close-out', request.id)).createdBy).toBe(s.office.userId);
  });

  it('notices: the addressed unit until it responds, the office and supervisors always; other units see nothing', async () => {
    const s = await setUp(database().db);
    const notice = await issueNotice(ctx(), s.supervisor, {
      taskId: s.taskId,
      unitId: s.secondLead.unitId ?? '',
      level: 'urge',
      dueOn: '2021-07-15',
      body: '请于7月15日前报送整改情况',
    });
    const fromSupervisor = await upload(s.supervisor, 'notice', notice.id, { name: '督办通知.pdf' });
    const response = await upload(s.secondLead, 'notice', notice.id, { name: '整改照片.png', bytes: pngBytes() });
    expect(response).toMatchObject({ mediaType: 'image/png', name: '整改照片.png' });
    expect((await failure(upload(s.primary, 'notice', notice.id))).code).toBe('forbidden');
    expect((await failure(listAttachments(ctx(), s.primary, { type: 'notice', id: notice.id }))).code).toBe(
      'forbidden',
    );
    expect(await listAttachments(ctx(), s.leader, { type: 'notice', id: notice.id })).toEqual([
      fromSupervisor,
      response,
    ]);

    await respondToNotice(ctx(), s.secondLead, notice.id, notice.version, '已整改完毕');
    expect((await failure(upload(s.secondLead, 'notice', notice.id))).message).toContain('督办单已回复');
    expect((await failure(removeAttachment(ctx(), s.secondLead, response.id))).code).toBe('conflict');
    await removeAttachment(ctx(), s.supervisor, fromSupervisor.id);
    expect(await listAttachments(ctx(), s.secondLead, { type: 'notice', id: notice.id })).toEqual([response]);
  });

  it('tasks: the office attaches; everyone who works on the plan sees; units may not attach', async () => {
    const s = await setUp(database().db);
    const file = await upload(s.office, 'task', s.taskId, {
      name: '任务分解表.xls',
      bytes: compoundFileBytes(['Workbook']),
    });
    expect(file).toMatchObject({ subjectType: 'task', taskId: s.taskId, mediaType: 'application/vnd.ms-excel' });
    for (const actor of [s.primary, s.leader, s.supervisor]) {
      expect((await failure(upload(actor, 'task', s.taskId))).message).toContain('只有方案办公室可以为任务上传附件');
    }
    expect(await listAttachments(ctx(), s.bystander, { type: 'task', id: s.taskId })).toEqual([file]);
    const admin = roleActor(s.workspaceId, 'audit-admin');
    expect((await failure(listAttachments(ctx(), admin, { type: 'task', id: s.taskId }))).code).toBe('forbidden');
    expect((await failure(upload(s.office, 'task', 'tsk_missing'))).code).toBe('not-found');
  });

  it('comments: only the author attaches; the office may remove', async () => {
    const s = await setUp(database().db);
    const comment = await addComment(ctx(), s.leader, { type: 'report', id: s.reportId }, '请补充用地审批材料');
    const file = await upload(s.leader, 'comment', comment.id, { name: '用地批复.pdf' });
    expect(file).toMatchObject({ subjectType: 'comment', taskId: s.taskId });
    for (const actor of [s.office, s.primary, s.supervisor]) {
      expect((await failure(upload(actor, 'comment', comment.id))).message).toContain('只有评论的作者');
    }
    expect(await listAttachments(ctx(), s.support, { type: 'comment', id: comment.id })).toEqual([file]);
    expect((await failure(listAttachments(ctx(), s.bystander, { type: 'comment', id: comment.id }))).code).toBe(
      'forbidden',
    );
    await removeAttachment(ctx(), s.office, file.id);
    expect(await listAttachments(ctx(), s.leader, { type: 'comment', id: comment.id })).toEqual([]);
  });

  it('readings: evidence of a report’s reading as for the report; of an office reading, the office’s', async () => {
    const s = await setUp(database().db);
    const target = await buildTarget(database().db, { workspaceId: s.workspaceId, planId: s.planId, taskId: s.taskId });
    const reported = await buildReading(database().db, {
      workspaceId: s.workspaceId,
      targetId: target.id,
      reportId: s.reportId,
    });
    const entered = await buildReading(database().db, {
      workspaceId: s.workspaceId,
      targetId: target.id,
      reportId: null,
    });
    const evidence = await upload(s.primary, 'reading', reported.id, { name: '统计报表.pdf' });
    expect(evidence).toMatchObject({ subjectType: 'reading', taskId: s.taskId });
    expect((await failure(upload(s.secondLead, 'reading', reported.id))).code).toBe('forbidden');
    expect((await failure(upload(s.primary, 'reading', entered.id))).code).toBe('forbidden');
    expect((await upload(s.office, 'reading', entered.id)).subjectId).toBe(entered.id);
    expect(await listAttachments(ctx(), s.support, { type: 'reading', id: reported.id })).toEqual([evidence]);
    expect((await failure(listAttachments(ctx(), s.bystander, { type: 'reading', id: reported.id }))).code).toBe(
      'forbidden',
    );
  });

  it('stores on disk at the content’s address, once for identical content, atomically, and checks it on reading', async () => {
    const s = await setUp(database().db);
    const { storage, dataDir } = diskStorage();
    const bytes = pdfBytes('磁盘存储');
    const digest = sha256(bytes);
    const first = await upload(s.primary, 'report', s.reportId, { name: '../../../etc/passwd.pdf', bytes }, storage);
    const second = await upload(s.office, 'task', s.taskId, { name: 'C:\\报告.pdf', bytes }, storage);
    expect([first.name, second.name]).toEqual(['passwd.pdf', '报告.pdf']);

    const expectedPath = `files/${s.workspaceId}/${digest.slice(0, 2)}/${digest}`;
    const rows = await database()
      .db.selectFrom('files')
      .select(['id', 'path', 'data'])
      .where('workspace_id', '=', s.workspaceId)
      .where('id', 'in', [first.fileId, second.fileId])
      .execute();
    expect(rows.map((row) => [row.path, row.data])).toEqual([
      [expectedPath, null],
      [expectedPath, null],
    ]);
    expect(readdirSync(join(dataDir, 'files', s.workspaceId, digest.slice(0, 2)))).toEqual([digest]);
    expect(readFileSync(join(dataDir, expectedPath))).toEqual(bytes);
    expect(readdirSync(join(dataDir, 'files', '.tmp'))).toEqual([]);
    expect(readdirSync(join(dataDir, 'files')).sort()).toEqual(['.tmp', s.workspaceId].sort());

    const content = await readAttachmentContent(ctx(), s.primary, first.id, storage);
    expect(content.body).toBeInstanceOf(Readable);
    expect(await bytesOf(content.body)).toEqual(bytes);

    // A refused request writes nothing to disk.
    await failure(upload(s.bystander, 'report', s.reportId, { bytes: pdfBytes('另一份') }, storage));
    await failure(upload(s.primary, 'report', s.reportId, { name: 'x.png', bytes: pdfBytes('另一份') }, storage));
    expect(readdirSync(join(dataDir, 'files', s.workspaceId))).toEqual([digest.slice(0, 2)]);

    // Content that is not what its row recorded is the server's fault, never served.
    truncateSync(join(dataDir, expectedPath), 10);
    const damaged = await failure(readAttachmentContent(ctx(), s.primary, first.id, storage));
    expect(damaged).toBeInstanceOf(StoredFileError);
    // The next upload of the same content repairs it (a rename over the damaged file).
    await upload(s.primary, 'report', s.reportId, { name: '重传.pdf', bytes }, storage);
    expect(readFileSync(join(dataDir, expectedPath))).toEqual(bytes);
    expect(await bytesOf((await readAttachmentContent(ctx(), s.primary, first.id, storage)).body)).toEqual(bytes);
  });
});
