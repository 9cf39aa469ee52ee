// The attachment routes on both databases: multipart upload, list, metadata, download with safe headers, removal;
// the error envelope for wrong types (415), sizes (413), forms (400), other units (403), other workspaces (404);
// names with path parts and control characters made safe; storage on disk.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import type { Actor } from '../../src/services/context.ts';
import { newId } from '../../src/db/ids.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/http/routes/attachments.ts';
import { gifBytes, pdfBytes, pngBytes, uploadForm } from '../attachment-files.ts';
import { buildReport, buildUnit, buildWorkspace } from '../factories.ts';
import { buildActor, buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';
import { buildReportPlan, unitActor } from '../report-factories.ts';

type Who = 'office' | 'reporter' | 'otherLead' | 'bystander' | 'stranger';

interface AttachmentBody {
  id: string;
  subjectType: string;
  subjectId: string;
  taskId: string | null;
  fileId: string;
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
  createdBy: string | null;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A task with two lead units, the primary lead's draft report, a bystander unit, another workspace's office. */
async function setUp(database: TestDatabase, env: Record<string, string> = {}) {
  const plan = await buildReportPlan(database.db, { leads: 2 });
  const [reporter, otherLead] = plan.leadReporters;
  if (reporter === undefined || otherLead === undefined) throw new Error('two lead reporters expected');
  const bystander = await buildUnit(database.db, { workspaceId: plan.workspaceId });
  const other = await buildWorkspace(database.db, { name: '奉贤区' });
  const report = await buildReport(database.db, {
    workspaceId: plan.workspaceId,
    taskId: plan.taskId,
    unitId: reporter.unitId ?? '',
    state: 'draft',
  });
  const actors: Record<Who, Actor> = {
    office: plan.office,
    reporter,
    otherLead,
    bystander: unitActor(plan.workspaceId, bystander.id),
    stranger: buildActor({ userId: 'usr_stranger', workspaceId: other.id }),
  };
  const app = await buildTestApp({
    database,
    env,
    clock: () => new Date('2021-07-01T02:00:00.000Z'),
    actor: (request) => actors[request.headers['x-test-as'] as Who] ?? null,
  });
  onTestFinished(() => app.close());
  const as = (who: Who) => ({ 'x-test-as': who });

  async function upload(
    who: Who,
    file: { name: string; bytes: Uint8Array; type?: string },
    fields: Record<string, string> = { subjectType: 'report', subjectId: report.id },
  ) {
    const form = await uploadForm(fields, file);
    return app.inject({
      method: 'POST',
      url: '/api/attachments',
      headers: { ...as(who), ...form.headers },
      payload: form.payload,
    });
  }
  return { app, as, plan, reportId: report.id, actors, upload };
}

describeEachDatabase('attachments API', (database) => {
  it('uploads evidence to a report, lists it, and sends it back with safe headers', async () => {
    const { app, as, plan, reportId, upload } = await setUp(database());
    const bytes = pdfBytes('第三季度');
    const created = await upload('reporter', { name: '第三季度进展佐证.pdf', bytes, type: 'text/html' });
    expect(created.statusCode).toBe(201);
    const attachment = created.json() as AttachmentBody;
    expect(attachment).toMatchObject({
      subjectType: 'report',
      subjectId: reportId,
      taskId: plan.taskId,
      name: '第三季度进展佐证.pdf',
      // Decided from the content: the client's `text/html` is ignored.
      mediaType: 'application/pdf',
      size: bytes.byteLength,
      sha256: sha256(bytes),
      createdBy: plan.leadReporters[0]?.userId,
    });

    const list = await app.inject({
      method: 'GET',
      url: `/api/attachments?subjectType=report&subjectId=${reportId}`,
      headers: as('otherLead'),
    });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ items: [attachment] });
    const one = await app.inject({ method: 'GET', url: `/api/attachments/${attachment.id}`, headers: as('office') });
    expect(one.json()).toEqual(attachment);

    const content = await app.inject({
      method: 'GET',
      url: `/api/attachments/${attachment.id}/content`,
      headers: as('office'),
    });
    expect(content.statusCode).toBe(200);
    expect(content.rawPayload).toEqual(bytes);
    expect(content.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-length': String(bytes.byteLength),
      'content-disposition':
        `attachment; filename="attachment.pdf"; ` + `filename*=UTF-8''${encodeURIComponent('第三季度进展佐证.pdf')}`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'private, no-store',
    });
    expect(CONTENT_SECURITY_POLICY).toContain('sandbox');
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
  });

  it('shows images and text inline (unless asked to download) and anything else stored as a download', async () => {
    const { app, as, plan, upload } = await setUp(database());
    const image = (await upload('reporter', { name: 'site photo.png', bytes: pngBytes() })).json() as AttachmentBody;
    const url = `/api/attachments/${image.id}/content`;
    const inline = await app.inject({ method: 'GET', url, headers: as('reporter') });
    expect(inline.headers['content-type']).toBe('image/png');
    expect(inline.headers['content-disposition']).toBe(
      `inline; filename="site photo.png"; filename*=UTF-8''site%20photo.png`,
    );
    const download = await app.inject({ method: 'GET', url: `${url}?download=true`, headers: as('reporter') });
    expect(download.headers['content-disposition']).toMatch(/^attachment; /);
    expect(download.rawPayload).toEqual(pngBytes());

    // Markup in a .txt file is stored and served as plain text: no browser renders or runs it.
    const markup = Buffer.from('<script>alert(document.cookie)</script><img src=x onerror=alert(1)>', 'utf8');
    const text = (await upload('reporter', { name: '说明.txt', bytes: markup })).json() as AttachmentBody;
    const served = await app.inject({
      method: 'GET',
      url: `/api/attachments/${text.id}/content`,
      headers: as('office'),
    });
    expect(served.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    });
    expect(served.body).toBe(markup.toString('utf8'));

    // A file stored with an active type (not through this route) goes out as bytes to save, never to render.
    const fileId = newId('file');
    const attachmentId = newId('attachment');
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    await database()
      .db.insertInto('files')
      .values({
        id: fileId,
        workspace_id: plan.workspaceId,
        created_at: '2021-07-01T02:00:00.000Z',
        name: 'page.html',
        media_type: 'text/html',
        size: html.byteLength,
        sha256: sha256(html),
        path: null,
        created_by: null,
        data: html,
      })
      .execute();
    await database()
      .db.insertInto('attachments')
      .values({
        id: attachmentId,
        workspace_id: plan.workspaceId,
        created_at: '2021-07-01T02:00:00.000Z',
        subject_type: 'task',
        subject_id: plan.taskId,
        file_id: fileId,
        created_by: null,
      })
      .execute();
    const active = await app.inject({
      method: 'GET',
      url: `/api/attachments/${attachmentId}/content`,
      headers: as('office'),
    });
    expect(active.headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="page.html"; filename*=UTF-8''page.html`,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    });
  });

  it('makes names with path parts, control and bidi characters safe', async () => {
    const { app, as, reportId } = await setUp(database());
    // Hand-written forms: the name as raw UTF-8 (as browsers send it) or as RFC 5987 `filename*`, with path parts,
    // a bidi override, a tab, NUL and a reserved Windows name.
    const boundary = 'luoshi-attachment-boundary';
    const send = async (disposition: string) => {
      const payload = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="subjectType"\r\n\r\nreport\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="subjectId"\r\n\r\n${reportId}\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\n` +
            'Content-Type: image/gif\r\n\r\n',
          'utf8',
        ),
        gifBytes(),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const response = await app.inject({
        method: 'POST',
        url: '/api/attachments',
        headers: { ...as('reporter'), 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
      return response.statusCode === 201 ? (response.json() as AttachmentBody).name : response.json();
    };
    expect(await send('filename="..\\..\\第三季度\u202E\tfdp.佐证.gif"')).toBe('第三季度 fdp.佐证.gif');
    expect(await send("filename*=UTF-8''%2E%2E%2F%2E%2E%2Fetc%2F%E7%85%A7%E7%89%87%00%E2%80%AE.gif")).toBe('照片 .gif');
    expect(await send('filename="CON.gif"')).toBe('_CON.gif');
    expect(await send('filename=" . . .照片.gif. . "')).toBe('照片.gif');
    // What is left of a name decides the type: without an extension there is none.
    expect(await send('filename=" . . .gif. . "')).toEqual({
      error: { code: 'unsupported-media-type', message: expect.stringMatching(/^文件名没有扩展名/) },
    });
  });

  it('answers with the error envelope: 415 for wrong types, 413 over the limit, 400 for a bad form, 422 for an empty file', async () => {
    const { app, as, reportId, upload } = await setUp(database(), { MAX_ATTACHMENT_MB: '1' });
    const mismatch = await upload('reporter', { name: '报告.docx', bytes: pdfBytes() });
    expect(mismatch.statusCode).toBe(415);
    expect(mismatch.json()).toEqual({
      error: {
        code: 'unsupported-media-type',
        message: expect.stringMatching(/^文件内容是PDF 文档，与扩展名 \.docx 不符/),
      },
    });
    const unlisted = await upload('reporter', { name: 'logo.svg', bytes: Buffer.from('<svg onload="alert(1)"/>') });
    expect(unlisted.statusCode).toBe(415);
    expect(unlisted.json().error.message).toMatch(/^不支持 \.svg 文件。可上传的类型：\.pdf /);

    const json = await app.inject({
      method: 'POST',
      url: '/api/attachments',
      headers: as('reporter'),
      payload: { subjectType: 'report', subjectId: reportId },
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('unsupported-media-type');

    const big = Buffer.concat([pdfBytes(), Buffer.alloc(1024 * 1024)]);
    const tooLarge = await upload('reporter', { name: '大文件.pdf', bytes: big });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json()).toEqual({
      error: { code: 'too-large', message: '文件超过 1 MB 的上限（the file is larger than 1 MB）' },
    });

    const empty = await upload('reporter', { name: '空.pdf', bytes: new Uint8Array(0) });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error).toEqual({ code: 'invalid-input', message: '文件为空（the file is empty）' });

    const noFile = await uploadForm({ subjectType: 'report', subjectId: reportId });
    const missing = await app.inject({
      method: 'POST',
      url: '/api/attachments',
      headers: { ...as('reporter'), ...noFile.headers },
      payload: noFile.payload,
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'validation-failed', message: expect.stringContaining('file') });

    const badType = await upload(
      'reporter',
      { name: '报告.pdf', bytes: pdfBytes() },
      { subjectType: 'plan', subjectId: 'x' },
    );
    expect(badType.statusCode).toBe(400);
    expect(badType.json().error.message).toContain('subjectType');
    const extra = await upload(
      'reporter',
      { name: '报告.pdf', bytes: pdfBytes() },
      { subjectType: 'report', subjectId: reportId, unitId: 'x' },
    );
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.message).toContain('unitId');

    const list = await app.inject({
      method: 'GET',
      url: `/api/attachments?subjectType=report&subjectId=${reportId}`,
      headers: as('office'),
    });
    expect(list.json()).toEqual({ items: [] });
  });

  it('answers 401 without an actor, 403 for another unit, 404 for another workspace, 409 once the report is submitted', async () => {
    const { app, as, reportId, upload, plan } = await setUp(database());
    const attachment = (await upload('reporter', { name: '佐证.pdf', bytes: pdfBytes() })).json() as AttachmentBody;

    const anonymous = await app.inject({ method: 'GET', url: `/api/attachments/${attachment.id}` });
    expect(anonymous.statusCode).toBe(401);
    expect((await upload('otherLead', { name: '佐证.pdf', bytes: pdfBytes() })).statusCode).toBe(403);
    const hidden = await app.inject({
      method: 'GET',
      url: `/api/attachments/${attachment.id}/content`,
      headers: as('bystander'),
    });
    expect(hidden.statusCode).toBe(403);
    expect(hidden.json().error.code).toBe('forbidden');

    for (const [method, url] of [
      ['GET', `/api/attachments/${attachment.id}`],
      ['GET', `/api/attachments/${attachment.id}/content`],
      ['DELETE', `/api/attachments/${attachment.id}`],
      ['GET', `/api/attachments?subjectType=report&subjectId=${reportId}`],
    ] as const) {
      const response = await app.inject({ method, url, headers: as('stranger') });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().error.code).toBe('not-found');
    }
    expect((await upload('stranger', { name: '佐证.pdf', bytes: pdfBytes() })).statusCode).toBe(404);

    await database()
      .db.updateTable('reports')
      .set({ state: 'submitted' })
      .where('workspace_id', '=', plan.workspaceId)
      .where('id', '=', reportId)
      .execute();
    const late = await upload('reporter', { name: '补充.pdf', bytes: pdfBytes() });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('conflict');
    const pull = await app.inject({
      method: 'DELETE',
      url: `/api/attachments/${attachment.id}`,
      headers: as('reporter'),
    });
    expect(pull.statusCode).toBe(409);

    const removed = await app.inject({
      method: 'DELETE',
      url: `/api/attachments/${attachment.id}`,
      headers: as('office'),
    });
    expect(removed.statusCode).toBe(204);
    expect(removed.body).toBe('');
    const gone = await app.inject({ method: 'GET', url: `/api/attachments/${attachment.id}`, headers: as('office') });
    expect(gone.statusCode).toBe(404);
  });

  it('stores on disk when FILE_STORAGE=disk, and streams the file back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'luoshi-http-files-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const { app, as, plan, upload } = await setUp(database(), { FILE_STORAGE: 'disk', DATA_DIR: dataDir });
    const bytes = Buffer.concat([pdfBytes('磁盘'), Buffer.alloc(200_000, 0x20)]);
    const attachment = (await upload('reporter', { name: '../../../../tmp/evil.pdf', bytes })).json() as AttachmentBody;
    expect(attachment.name).toBe('evil.pdf');
    const digest = sha256(bytes);
    // Compared by digest: vitest's deep equality walks a 200 kB buffer byte by byte.
    expect(sha256(readFileSync(join(dataDir, 'files', plan.workspaceId, digest.slice(0, 2), digest)))).toBe(digest);
    const content = await app.inject({
      method: 'GET',
      url: `/api/attachments/${attachment.id}/content`,
      headers: as('reporter'),
    });
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-length']).toBe(String(bytes.byteLength));
    expect(sha256(content.rawPayload)).toBe(digest);

    // A file changed on disk behind the application's back is not served: a plain 500, nothing of the file.
    truncateSync(join(dataDir, 'files', plan.workspaceId, digest.slice(0, 2), digest), 100);
    const damaged = await app.inject({
      method: 'GET',
      url: `/api/attachments/${attachment.id}/content`,
      headers: as('reporter'),
    });
    expect(damaged.statusCode).toBe(500);
    expect(damaged.json()).toEqual({ error: { code: 'internal', message: '服务器内部错误（internal error）' } });
  });

  it('is described in the OpenAPI document', async () => {
    const { app } = await setUp(database());
    const document = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/attachments', '/api/attachments/{id}', '/api/attachments/{id}/content']),
    );
    expect(document.paths['/api/attachments'].post.responses['415']).toBeDefined();
    expect(document.paths['/api/attachments/{id}'].delete.responses['204']).toBeDefined();
  });
});
