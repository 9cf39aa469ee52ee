/** Sign-in, sessions, passwords and accounts. Shared with the web client: imports nothing but zod and its folder. */
import { z } from 'zod';
import { versionSchema } from '../../domain/vocabulary.ts';
import { ROLE_CODES } from './actor.ts';

export const signInBodySchema = z
  .object({
    username: z.string().min(1).max(100).describe('用户名（user name）'),
    password: z.string().min(1).max(1024).describe('密码（password）'),
  })
  .strict();

export const sessionUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  workspaceId: z.string(),
  roles: z.array(z.enum(ROLE_CODES)),
  unitId: z.string().nullable(),
});

export const sessionSchema = z
  .object({
    user: sessionUserSchema,
    csrfToken: z
      .string()
      .describe('每个修改请求须在 X-CSRF-Token 头中带回（send back in X-CSRF-Token with every change）'),
    mustChangePassword: z
      .boolean()
      .describe('一次性密码或密码已过期：只能修改密码（only a password change is allowed）'),
    expiresAt: z.string().describe('会话绝对到期时间（the absolute end）'),
    idleExpiresAt: z.string().describe('无操作到期时间（ends if idle until then）'),
  })
  .meta({ id: 'Session', description: '当前会话（the current session）' });

export const changePasswordBodySchema = z
  .object({
    current: z.string().min(1).max(1024).describe('当前密码（the current password）'),
    next: z.string().min(1).max(1024).describe('新密码（the new password）'),
  })
  .strict();

export const signOutEverywhereSchema = z.object({
  ended: z.number().int().describe('结束的会话数（sessions ended）'),
});

export const userSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    username: z.string(),
    displayName: z.string(),
    unitId: z.string().nullable(),
    roles: z.array(z.enum(ROLE_CODES)),
    disabled: z.boolean(),
    locked: z.boolean(),
    mustChangePassword: z.boolean(),
    oidc: z.boolean(),
    lastSignInAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'User', description: '用户账户（an account）' });

export const userListSchema = z.object({ items: z.array(userSchema) });

export const userWithPasswordSchema = z
  .object({
    user: userSchema,
    oneTimePassword: z.string().describe('一次性密码，仅显示这一次（shown once; must be changed at first sign-in）'),
  })
  .meta({ id: 'UserWithPassword' });

export const userIdParamsSchema = z.object({ id: z.string().min(1).max(100) });

export const createUserBodySchema = z
  .object({
    username: z.string().min(1).max(100),
    displayName: z.string().min(1).max(200),
    unitId: z.string().min(1).max(100).nullable().optional(),
    roles: z
      .array(z.enum(ROLE_CODES))
      .max(ROLE_CODES.length)
      .optional()
      .describe(
        '不能在此授予：新账户没有角色，角色由安全管理员授予，三员角色只能用服务器命令 luoshi admin 授予（roles cannot be set here）',
      ),
  })
  .strict();

export const updateUserBodySchema = z
  .object({
    version: versionSchema,
    displayName: z.string().min(1).max(200).optional(),
    unitId: z.string().min(1).max(100).nullable().optional(),
    disabled: z.boolean().optional(),
    oidcSubject: z
      .string()
      .min(1)
      .max(255)
      .nullable()
      .optional()
      .describe('统一身份认证（OIDC）账号标识 sub；null 解除关联（the OIDC subject; null unlinks）'),
  })
  .strict();

export const versionBodySchema = z.object({ version: versionSchema }).strict();

export const setRolesBodySchema = z
  .object({ version: versionSchema, roles: z.array(z.enum(ROLE_CODES)).max(ROLE_CODES.length) })
  .strict();

export const securityPolicySchema = z
  .object({
    password: z.object({
      minLength: z.number().int(),
      minClasses: z.number().int(),
      maxAgeDays: z.number().int(),
      lockoutThreshold: z.number().int(),
      lockoutMinutes: z.number().int(),
      lockoutWindowMinutes: z.number().int(),
      historyCount: z.number().int(),
      hash: z.string(),
    }),
    session: z.object({ idleMinutes: z.number().int(), maxHours: z.number().int() }),
    rateLimits: z.object({
      signInPerMinute: z.number().int(),
      uploadsPerMinute: z.number().int(),
      requestsPerSessionPerMinute: z.number().int(),
      requestsPerAddressPerMinute: z.number().int(),
    }),
  })
  .meta({ id: 'SecurityPolicy', description: '安全策略（由部署配置设定）（the security policy in force）' });
