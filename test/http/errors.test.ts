/**
 * The error envelope for every kind of error, through routes that only these tests register (the `extraRoutes`
 * option of buildApp: nothing here exists in production).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DomainError, type DomainErrorCode } from '../../src/domain/errors.ts';
import type { LuoshiApp } from '../../src/http/app.ts';
import { HttpError, type HttpErrorCode } from '../../src/http/errors.ts';
import { ImportError, type ImportErrorCode } from '../../src/importer/errors.ts';
import { ServiceError, type ServiceErrorCode } from '../../src/services/errors.ts';
import { buildTestApp } from '../helpers/app.ts';

const SECRET = 'SELECT password_hash FROM users WHERE id = 7 -- /srv/luoshi/secret';

interface Case {
  kind: string;
  error: () => Error;
  status: number;
  code: string;
}

const messageOf = (kind: string, code: string) => `${kind} ${code}（message for the user）`;

const serviceCases: [ServiceErrorCode, number][] = [
  ['not-found', 404],
  ['forbidden', 403],
  ['conflict', 409],
  ['stale', 409],
  ['invalid-input', 422],
  ['too-large', 413],
  ['unsupported-media-type', 415],
];
const domainCases: [DomainErrorCode, number][] = [
  ['invalid-period', 422],
  ['invalid-date', 422],
  ['reason-required', 422],
  ['evidence-required', 422],
  ['invalid-transition', 409],
  ['approval-required', 409],
  ['top-level-reached', 409],
];
const importCases: [ImportErrorCode, number][] = [
  ['not-a-plan', 422],
  ['unsupported-format', 422],
  ['encrypted-pdf', 422],
  ['too-large', 413],
];
const httpCases: [HttpErrorCode, number][] = [
  ['unauthenticated', 401],
  ['bad-request', 400],
  ['unavailable', 503],
];

const CASES: Case[] = [
  ...serviceCases.map(([code, status]) => ({
    kind: `service-${code}`,
    error: () => new ServiceError(code, messageOf('服务错误', code), { id: 'tsk_1', hidden: SECRET }),
    status,
    code,
  })),
  ...domainCases.map(([code, status]) => ({
    kind: `domain-${code}`,
    error: () => new DomainError(code, messageOf('规则错误', code), { state: SECRET }),
    status,
    code,
  })),
  ...importCases.map(([code, status]) => ({
    kind: `import-${code}`,
    error: () => new ImportError(code, messageOf('导入错误', code)),
    status,
    code,
  })),
  ...httpCases.map(([code, status]) => ({
    kind: `http-${code}`,
    error: () => new HttpError(code, messageOf('接口错误', code)),
    status,
    code,
  })),
];

const testRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/test/throw/:kind', { schema: { params: z.object({ kind: z.string() }) } }, async (request) => {
    const found = CASES.find((c) => c.kind === request.params.kind);
    throw found ? found.error() : new Error(SECRET);
  });
  app.post(
    '/test/echo',
    {
      schema: {
        body: z.object({
          title: z.string().min(1),
          count: z.number().int().max(10).optional(),
          state: z.enum(['draft', 'submitted']).optional(),
        }),
      },
    },
    async (request) => request.body,
  );
  app.post('/test/upload', async (request) => {
    const file = await request.file();
    if (file === undefined) throw new HttpError('bad-request', '缺少文件（no file）');
    return { size: (await file.toBuffer()).length };
  });
  app.get('/test/bad-response', { schema: { response: { 200: z.object({ count: z.number() }) } } }, async () => {
    // A handler bug: the response does not match its schema. The value must not reach the client.
    return { count: SECRET } as unknown as { count: number };
  });
};

function multipartBody(boundary: string, size: number): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="plan.md"\r\n` +
        'Content-Type: text/markdown\r\n\r\n',
    ),
    Buffer.alloc(size, 0x61),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

describe('the error envelope', () => {
  const logLines: string[] = [];
  let app: LuoshiApp;
  beforeAll(async () => {
    app = await buildTestApp({
      extraRoutes: [testRoutes],
      env: { LOG_LEVEL: 'error', MAX_UPLOAD_MB: '1' },
      logStream: { write: (line) => void logLines.push(line) },
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it.each(CASES)('$kind → $status $code', async ({ kind, error, status, code }) => {
    const response = await app.inject({ method: 'GET', url: `/api/test/throw/${kind}` });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    // Exactly code and message: the error's details (ids, states) stay on the server.
    expect(response.json()).toEqual({ error: { code, message: error().message } });
    expect(response.body).not.toContain(SECRET);
  });

  it('answers an unknown route with 404 not-found', async () => {
    // Other GET paths belong to the web app's fallback (test/http/web-static.test.ts); other methods do not.
    for (const [method, url] of [
      ['GET', '/api/no-such-thing'],
      ['DELETE', '/api/health'],
      ['POST', '/elsewhere?x=<script>'],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ error: { code: 'not-found', message: '未找到该接口（no such route）' } });
    }
  });

  it('answers a path or a query string whose percent-encoding does not decode with 400 in the envelope', async () => {
    for (const url of ['/api/plans/%E4', '/api/plans/%ZZ', '/api/no-such-thing/%E4']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: {
          code: 'bad-request',
          message: '地址中的编码无效，应为 UTF-8 百分号编码（the path is not valid percent-encoded UTF-8）',
        },
      });
      // The answer of a refused URL is still an API answer: its security headers and request id.
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
    // A search term that is not UTF-8 is refused instead of being searched as the raw text "%E4".
    for (const url of ['/api/tasks?q=%E4%B8', '/api/tasks?q=%', '/api/health?a=1&q=%E4']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: {
          code: 'bad-request',
          message: '查询参数的编码无效，应为 UTF-8 百分号编码（the query string is not valid percent-encoded UTF-8）',
        },
      });
    }
    // Well-formed escapes and plus signs still pass.
    expect((await app.inject({ method: 'GET', url: '/api/health?q=%E5%8C%BA+%E7%BB%8F%E5%A7%94' })).statusCode).toBe(
      200,
    );
  });

  it('answers a body over the limit with 413 too-large', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ title: 'x'.repeat(1024 * 1024 + 1) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: { code: 'too-large', message: '请求内容过大（the request body is too large）' },
    });
  });

  it('answers an upload over MAX_UPLOAD_MB with 413 too-large', async () => {
    const boundary = 'luoshi-test-boundary';
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const small = await app.inject({
      method: 'POST',
      url: '/api/test/upload',
      headers,
      payload: multipartBody(boundary, 1000),
    });
    expect(small.json()).toEqual({ size: 1000 });
    const large = await app.inject({
      method: 'POST',
      url: '/api/test/upload',
      headers,
      payload: multipartBody(boundary, 1024 * 1024 + 1),
    });
    expect(large.statusCode).toBe(413);
    expect(large.json()).toMatchObject({ error: { code: 'too-large' } });
  });

  it('answers a content type the API does not take with 415 unsupported-media-type', async () => {
    for (const contentType of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/test/echo',
        headers: { 'content-type': contentType },
        payload: 'title=x',
      });
      expect(response.statusCode, contentType).toBe(415);
      expect(response.json()).toEqual({
        error: { code: 'unsupported-media-type', message: '不支持的内容类型（unsupported content type）' },
      });
    }
    const notMultipart = await app.inject({
      method: 'POST',
      url: '/api/test/upload',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(notMultipart.statusCode).toBe(415);
  });

  it('answers malformed JSON with 400 bad-request', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: { code: 'bad-request', message: '请求体不是有效的 JSON（the body is not valid JSON）' },
    });
  });

  it('answers a body that fails its schema with 400, naming the field in Chinese first', async () => {
    const post = (payload: unknown) =>
      app.inject({ method: 'POST', url: '/api/test/echo', payload: payload as object });

    const missing = await post({});
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({
      error: { code: 'validation-failed', message: expect.stringMatching(/^请求体字段 title 为必填项（body\.title: /) },
    });

    const wrongType = await post({ title: 5 });
    expect(wrongType.json().error.message).toMatch(/^请求体字段 title 应为文本（/);
    const empty = await post({ title: '' });
    expect(empty.json().error.message).toMatch(/^请求体字段 title 不能为空（/);
    const tooBig = await post({ title: 'x', count: 11 });
    expect(tooBig.json().error.message).toMatch(/^请求体字段 count 应不大于 10（/);
    const notInteger = await post({ title: 'x', count: 1.5 });
    expect(notInteger.json().error.message).toMatch(/^请求体字段 count 应为整数（/);
    const badEnum = await post({ title: 'x', state: 'closed' });
    expect(badEnum.json().error.message).toMatch(/^请求体字段 state 应为以下之一："draft"、"submitted"（/);
    const twoProblems = await post({ count: 'many' });
    expect(twoProblems.json().error.message).toMatch(/^请求体字段 title 为必填项；请求体字段 count 应为数字（/);
    const noBody = await app.inject({ method: 'POST', url: '/api/test/echo' });
    expect(noBody.statusCode).toBe(400);
    expect(noBody.json().error.message).toMatch(/^请求体为必填项（/);
  });

  it('answers an unexpected error with a plain 500 that leaks nothing, and logs it with the request id', async () => {
    logLines.length = 0;
    const response = await app.inject({ method: 'GET', url: '/api/test/throw/anything-else' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal', message: '服务器内部错误（internal error）' } });
    expect(response.body).not.toContain('password');
    const requestId = response.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = logLines.map((line) => JSON.parse(line) as { reqId?: string; err?: { message?: string } });
    expect(logged).toContainEqual(
      expect.objectContaining({ reqId: requestId, err: expect.objectContaining({ message: SECRET }) }),
    );
  });

  it('answers a response that does not match its schema with a plain 500', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/test/bad-response' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal', message: '服务器内部错误（internal error）' } });
    expect(response.body).not.toContain('password');
  });
});
