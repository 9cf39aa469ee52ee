/**
 * Accounts (三员: the system administrator keeps them, the security administrator grants roles) and the security
 * policy in force (src/services/user.service.ts).
 *
 *   GET   /api/users                          → {items}            system or security administrator
 *   GET   /api/users/:id                      → User
 *   POST  /api/users                          → {user, oneTimePassword}   system administrator
 *   PATCH /api/users/:id                      → User               system administrator (name, unit, disabled)
 *   POST  /api/users/:id/reset-password       → {user, oneTimePassword}   system administrator
 *   PUT   /api/users/:id/roles                → User               security administrator
 *   GET   /api/security/policy                → SecurityPolicy     security administrator
 *
 * An account that holds an administrator role (系统、安全、审计管理员), or would be given one, is changed by none of
 * these routes, for anyone (403): the server command `luoshi admin` manages those (src/cli/admin.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { passwordPolicy } from '../../services/auth.service.ts';
import { ServiceError } from '../../services/errors.ts';
import {
  createUser,
  getUser,
  listUsers,
  resetPassword,
  setUserRoles,
  updateUserAccount,
} from '../../services/user.service.ts';
import { canViewSecurityPolicy } from '../../policies/user.policy.ts';
import { requireActor } from '../actor.ts';
import {
  createUserBodySchema,
  securityPolicySchema,
  setRolesBodySchema,
  updateUserBodySchema,
  userIdParamsSchema,
  userListSchema,
  userSchema,
  userWithPasswordSchema,
  versionBodySchema,
} from '../schemas/auth.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 422);

export const userRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config } = app.luoshi;

  app.get(
    '/users',
    {
      schema: {
        tags: ['accounts'],
        summary: '用户列表（the accounts）',
        response: { 200: userListSchema, ...errors },
      },
    },
    async (request) => ({ items: await listUsers(serviceContext(app), requireActor(request)) }),
  );

  app.get(
    '/users/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: '用户（an account）',
        params: userIdParamsSchema,
        response: { 200: userSchema, ...errors },
      },
    },
    async (request) => getUser(serviceContext(app), requireActor(request), request.params.id),
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['accounts'],
        summary: '创建用户（create an account）',
        description:
          '系统管理员创建账户，返回一次性密码（仅显示一次，首次登录须修改）。角色由安全管理员授予；三员账户只能用服务器命令 luoshi admin 创建。',
        body: createUserBodySchema,
        response: { 201: userWithPasswordSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createUser(serviceContext(app), config.auth, requireActor(request), request.body)),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: '修改、停用或启用用户（edit, disable or enable an account）',
        description: '三员账户只能用服务器命令 luoshi admin 修改（403）。',
        params: userIdParamsSchema,
        body: updateUserBodySchema,
        response: { 200: userSchema, ...errors },
      },
    },
    async (request) => updateUserAccount(serviceContext(app), requireActor(request), request.params.id, request.body),
  );

  app.post(
    '/users/:id/reset-password',
    {
      schema: {
        tags: ['accounts'],
        summary: '重置密码（reset the password）',
        description:
          '生成新的一次性密码，解除锁定，结束该用户的所有会话。三员账户的密码只能用服务器命令 luoshi admin 重置（403）。',
        params: userIdParamsSchema,
        body: versionBodySchema,
        response: { 200: userWithPasswordSchema, ...errors },
      },
    },
    async (request) =>
      resetPassword(serviceContext(app), config.auth, requireActor(request), request.params.id, request.body.version),
  );

  app.put(
    '/users/:id/roles',
    {
      schema: {
        tags: ['accounts'],
        summary: '授予角色（grant roles）',
        description:
          '安全管理员设置用户的全部角色；单位角色须先指定所属单位。三员角色的授予和撤销，以及三员账户的任何修改，只能用服务器命令 luoshi admin（403）。',
        params: userIdParamsSchema,
        body: setRolesBodySchema,
        response: { 200: userSchema, ...errors },
      },
    },
    async (request) => setUserRoles(serviceContext(app), requireActor(request), request.params.id, request.body),
  );

  app.get(
    '/security/policy',
    {
      schema: {
        tags: ['accounts'],
        summary: '安全策略（the security policy in force）',
        description: '密码、锁定、会话和频率限制的现行设置；由部署配置（环境变量）设定。',
        response: { 200: securityPolicySchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      if (!canViewSecurityPolicy(actor)) {
        throw new ServiceError('forbidden', '只有安全管理员可以查看安全策略（only the security administrator）');
      }
      const policy = passwordPolicy(config.auth);
      return {
        password: { ...policy, hash: `scrypt N=2^${config.auth.passwordHashCost}, r=8, p=1` },
        session: { idleMinutes: config.auth.sessionIdleMinutes, maxHours: config.auth.sessionMaxHours },
        rateLimits: {
          signInPerMinute: config.auth.signInRatePerMinute,
          uploadsPerMinute: config.auth.uploadRatePerMinute,
          requestsPerSessionPerMinute: config.rateLimits.perSessionPerMinute,
          requestsPerAddressPerMinute: config.rateLimits.perAddressPerMinute,
        },
      };
    },
  );
};
