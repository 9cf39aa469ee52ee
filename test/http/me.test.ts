import { describe, expect, it } from 'vitest';
import { buildActor, buildTestApp } from '../helpers/app.ts';

describe('GET /api/me', () => {
  it('answers 401 with the envelope when no actor is resolved (the production setting)', async () => {
    const app = await buildTestApp();
    try {
      const response = await app.inject({ method: 'GET', url: '/api/me' });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: { code: 'unauthenticated', message: '请先登录（sign-in required）' } });
    } finally {
      await app.close();
    }
  });

  it('never takes an actor from request headers', async () => {
    const app = await buildTestApp();
    try {
      const response = await app.inject({
        method: 'GET',
        url: '/api/me',
        headers: {
          'x-actor': JSON.stringify(buildActor()),
          'x-user-id': 'usr_test',
          authorization: 'Bearer usr_test',
          cookie: 'session=usr_test',
        },
      });
      expect(response.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it("returns the actor's user, workspace, roles and unit", async () => {
    const actor = buildActor({ userId: 'usr_01', workspaceId: 'ws_01', roles: ['unit-reporter'], unitId: 'unt_01' });
    const app = await buildTestApp({ actor });
    try {
      const response = await app.inject({ method: 'GET', url: '/api/me' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        userId: 'usr_01',
        workspaceId: 'ws_01',
        roles: ['unit-reporter'],
        unitId: 'unt_01',
      });
    } finally {
      await app.close();
    }
  });

  it('asks a resolver function per request, which may find nobody', async () => {
    const app = await buildTestApp({
      actor: (request) => (request.headers['x-test-user'] === 'leader' ? buildActor({ roles: ['leader'] }) : null),
    });
    try {
      const leader = await app.inject({ method: 'GET', url: '/api/me', headers: { 'x-test-user': 'leader' } });
      expect(leader.json()).toMatchObject({ roles: ['leader'] });
      const nobody = await app.inject({ method: 'GET', url: '/api/me' });
      expect(nobody.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});
