// Issue 9, finding 6: a multipart body that ends before its closing boundary (an upload cut short by a proxy, a
// client that died mid-stream, a hand-made request) answered 500; it is the client's malformed request: 400
// `bad-request` in the envelope. Sent through inject and over a real socket to the listening server.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import { buildActor } from '../factories.ts';
import { buildTestApp } from '../helpers/app.ts';

const BOUNDARY = 'luoshi-truncated-boundary';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const EXPECTED = {
  error: {
    code: 'bad-request',
    message: '上传的表单不完整或格式有误，请重新上传（the multipart body is truncated or malformed; upload again）',
  },
};

const filePart =
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="plan.md"\r\n` +
  'Content-Type: text/markdown\r\n\r\n# 关于推进的实施方案\n一、总体要求\n';

/** Bodies cut short: inside the file's content, inside a part's headers, after a text field. */
const TRUNCATED: Record<string, string> = {
  'in the file': filePart,
  'in a part header': `--${BOUNDARY}\r\nContent-Disposition: form-da`,
  'after a field': `--${BOUNDARY}\r\nContent-Disposition: form-data; name="subjectType"\r\n\r\nreport\r\n`,
};

const ROUTES = ['/api/plan-drafts', '/api/attachments'];

/** POSTs `body` over a socket to the listening server; `chunked` sends it without a Content-Length. */
function postOverSocket(base: string, path: string, body: string, chunked: boolean) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const bytes = Buffer.from(body);
    const req = httpRequest(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': CONTENT_TYPE,
        ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(bytes.length) }),
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunked) {
      // Two chunks, then the end of the body: the multipart data stops before its closing boundary.
      req.write(bytes.subarray(0, 20));
      req.end(bytes.subarray(20));
    } else {
      req.end(bytes);
    }
  });
}

describe('issue 9, finding 6: a truncated multipart body answers 400 in the envelope', () => {
  let app: LuoshiApp;
  let base: string;
  beforeAll(async () => {
    app = await buildTestApp({ actor: buildActor('ws_upload', { roles: ['office'] }) });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
  });

  for (const url of ROUTES) {
    for (const [where, body] of Object.entries(TRUNCATED)) {
      it(`${url}: cut ${where} (inject)`, async () => {
        const response = await app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': CONTENT_TYPE },
          payload: body,
        });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual(EXPECTED);
      });
    }
  }

  it('answers 400 over a real socket, with a Content-Length and chunked, and goes on serving', async () => {
    for (const url of ROUTES) {
      for (const chunked of [false, true]) {
        const response = await postOverSocket(base, url, filePart, chunked);
        expect(response.status, `${url} chunked=${chunked}`).toBe(400);
        expect(JSON.parse(response.body)).toEqual(EXPECTED);
      }
    }
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
  });
});
