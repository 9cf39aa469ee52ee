// Finding 5 of issue 9 (decompression bomb) through the real app, signed in as the plan office: a bomb upload is
// refused with one clear line, and the server keeps answering while one is being read. Ordering, not timing: the
// health check is sent once the reader thread has started on the bomb, and must answer while it is still reading.
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import { buildWorkspace } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';
import { buildUser, signIn, type TestSession } from '../helpers/auth.ts';
import { docxBomb, pdfFlateBomb } from '../helpers/bombs.ts';
import { describeEachDatabase, type TestDatabase } from '../helpers/db.ts';

/** The upload as a browser's FormData sends it. */
async function uploadPlan(session: TestSession, name: string, bytes: Uint8Array, type: string) {
  const data = new FormData();
  data.append('file', new Blob([bytes], { type }), name);
  const request = new Request('http://localhost/', { method: 'POST', body: data });
  return session.request({
    method: 'POST',
    url: '/api/plan-drafts',
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
    payload: Buffer.from(await request.arrayBuffer()),
  });
}

async function setUp(database: TestDatabase): Promise<{ app: LuoshiApp; session: TestSession; workspaceId: string }> {
  // A reader with a small memory limit, so that the PDF bomb is stopped after 128 MB rather than 512.
  const app = await buildTestApp({ database, env: { IMPORT_MEMORY_MB: '128' } });
  onTestFinished(() => app.close());
  const workspace = await buildWorkspace(database.db);
  const office = await buildUser(database.db, { workspaceId: workspace.id, roles: ['office'] });
  return { app, session: await signIn(app, office), workspaceId: workspace.id };
}

describe('finding 5: decompression bomb over HTTP', () => {
  describeEachDatabase('an upload', (database) => {
    it('of a .docx whose 2 KB part inflates to 1 GiB is refused with one clear line, and nothing is stored', async () => {
      const { session, workspaceId } = await setUp(database());
      const response = await uploadPlan(
        session,
        '实施方案.docx',
        docxBomb(),
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      );
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({
        error: {
          code: 'invalid-input',
          message:
            'Word 文档中有部件的压缩比超过 100 倍，疑为压缩炸弹，已拒绝（a part of the .docx inflates more than 100-fold: a decompression bomb? refused）',
        },
      });
      const { db } = database();
      expect(await db.selectFrom('plan_drafts').select('id').where('workspace_id', '=', workspaceId).execute()).toEqual(
        [],
      );
      expect(await db.selectFrom('files').select('id').where('workspace_id', '=', workspaceId).execute()).toEqual([]);
    });

    it('of a FlateDecode-bomb PDF leaves /api/health answering while it is read, then is refused', async () => {
      const { app, session } = await setUp(database());
      const reader = app.luoshi.documentReader;
      const order: string[] = [];

      const started = once(reader, 'start');
      const uploading = uploadPlan(session, '实施方案.pdf', pdfFlateBomb(), 'application/pdf').then((response) => {
        order.push('upload');
        return response;
      });
      await started;
      const health = await app.inject({ method: 'GET', url: '/api/health' });
      order.push('health');
      // Answered while the reader thread is still inflating the bomb.
      expect(reader.isReading).toBe(true);
      expect(health.statusCode).toBe(200);

      const response = await uploading;
      expect(order).toEqual(['health', 'upload']);
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({
        error: {
          code: 'invalid-input',
          message:
            '读取该文件所需内存超过 128 MB 的上限，已停止；文件可能含有压缩炸弹（reading the file needed more than 128 MB of memory: stopped）',
        },
      });
    });
  });
});
