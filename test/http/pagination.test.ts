import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LuoshiApp } from '../../src/http/app.ts';
import {
  decodeCursor,
  encodeCursor,
  pageQuerySchema,
  pageSchema,
  rowsToFetch,
  toPage,
} from '../../src/http/pagination.ts';
import { buildTestApp } from '../helpers/app.ts';

describe('cursors', () => {
  it('round-trip a sort key, Chinese text included, as base64url', () => {
    const key = ['2025-12-31', '区文旅局/任务（11）', 3, null] as const;
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(key);
  });

  it('decode nothing from a cursor this server could not have made', () => {
    for (const bad of ['', '!!!', 'a', 'bm90IGpzb24', '%5B%5D', 'x'.repeat(600)])
      expect(decodeCursor(bad)).toBeUndefined();
  });
});

describe('toPage', () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ id: `tsk_${i}`, due: `2025-0${i + 1}-01` }));
  const key = (row: (typeof rows)[number]) => [row.due, row.id];

  it('gives a next cursor when more rows came than the limit', () => {
    const page = toPage(rows.slice(0, rowsToFetch(3)), 3, key, (row) => row.id);
    expect(page.items).toEqual(['tsk_0', 'tsk_1', 'tsk_2']);
    expect(page.nextCursor).not.toBeNull();
    expect(decodeCursor(page.nextCursor ?? '')).toEqual(['2025-03-01', 'tsk_2']);
  });

  it('gives null on the last page', () => {
    expect(toPage(rows, 5, key, (row) => row.id).nextCursor).toBeNull();
    expect(toPage([], 5, key, (row) => row.id)).toEqual({ items: [], nextCursor: null });
  });
});

// 120 tasks in sort order (due date, then id), served by a route that only this test registers.
const TASKS = Array.from({ length: 120 }, (_, i) => ({
  id: `tsk_${String(i).padStart(3, '0')}`,
  title: `任务（${i + 1}）`,
  due: `2025-${String((i % 12) + 1).padStart(2, '0')}-01`,
})).sort((a, b) => a.due.localeCompare(b.due) || a.id.localeCompare(b.id));

const taskSchema = z.object({ id: z.string(), title: z.string(), due: z.string() });

const listRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/test/tasks',
    {
      schema: {
        querystring: pageQuerySchema(z.tuple([z.string(), z.string()])),
        response: { 200: pageSchema(taskSchema) },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const after = cursor === undefined ? TASKS : TASKS.filter((t) => [t.due, t.id].join('\0') > cursor.join('\0'));
      return toPage(
        after.slice(0, rowsToFetch(limit)),
        limit,
        (t) => [t.due, t.id],
        (t) => t,
      );
    },
  );
};

describe('a paginated list', () => {
  let app: LuoshiApp;
  beforeAll(async () => {
    app = await buildTestApp({ extraRoutes: [listRoutes] });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 50 items by default', async () => {
    const body = (await app.inject({ method: 'GET', url: '/api/test/tasks' })).json();
    expect(body.items).toHaveLength(50);
    expect(body.nextCursor).toEqual(expect.any(String));
  });

  it('walks every item exactly once, in order, following nextCursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=33' : `?limit=33&cursor=${cursor}`;
      const response = await app.inject({ method: 'GET', url: `/api/test/tasks${query}` });
      expect(response.statusCode).toBe(200);
      const body = response.json() as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(4);
    expect(seen).toEqual(TASKS.map((t) => t.id));
  });

  it('documents cursor and limit as query parameters', async () => {
    const document = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    const parameters = document.paths['/api/test/tasks'].get.parameters as { name: string; in: string }[];
    expect(parameters.map(({ name, in: where }) => `${where}:${name}`).sort()).toEqual(['query:cursor', 'query:limit']);
  });

  it('refuses a limit outside 1–200 and a forged cursor with 400, naming the parameter', async () => {
    for (const [query, message] of [
      ['limit=0', /^查询参数 limit 应不小于 1（/],
      ['limit=201', /^查询参数 limit 应不大于 200（/],
      ['limit=ten', /^查询参数 limit 应为数字（/],
      [`cursor=${encodeCursor(['only-one'])}`, /^查询参数 cursor：分页游标无效/],
      ['cursor=not*base64', /^查询参数 cursor：分页游标无效/],
    ] as const) {
      const response = await app.inject({ method: 'GET', url: `/api/test/tasks?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe('validation-failed');
      expect(response.json().error.message, query).toMatch(message);
    }
  });
});
