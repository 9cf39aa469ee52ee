import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LuoshiApp } from '../../src/http/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/db.ts';

describeEachDatabase('GET /api/health', (database, dialect) => {
  let app: LuoshiApp;
  beforeAll(async () => {
    app = await buildTestApp({ database: database() });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 200 with the database kind once the database is migrated', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ status: 'ok', database: dialect });
  });

  it('gives every response a request id of its own making', async () => {
    const first = await app.inject({ method: 'GET', url: '/api/health', headers: { 'x-request-id': 'chosen' } });
    const second = await app.inject({ method: 'GET', url: '/api/health' });
    expect(first.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id']);
  });
});

describe('GET /api/health while not ready', () => {
  it('answers 503 with the envelope, and 200 once marked ready', async () => {
    const app = await buildTestApp({ ready: false });
    try {
      const starting = await app.inject({ method: 'GET', url: '/api/health' });
      expect(starting.statusCode).toBe(503);
      expect(starting.json()).toEqual({
        error: { code: 'unavailable', message: expect.stringMatching(/^服务正在启动或停止/) },
      });
      app.readiness.set(true);
      const ready = await app.inject({ method: 'GET', url: '/api/health' });
      expect(ready.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
