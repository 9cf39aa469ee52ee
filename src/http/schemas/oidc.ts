/**
 * Sign-in through the OIDC provider (src/http/routes/oidc.ts). Shared with the web client: imports nothing but zod.
 *
 * A failed OIDC sign-in sends the browser to `/?signInError=<code>`; the sign-in page shows the message of the code
 * from {@link OIDC_SIGN_IN_ERROR_MESSAGES}.
 */
import { z } from 'zod';

/** The codes of `?signInError=` (the service's `OidcFailure`; the route checks the two agree). */
export const OIDC_SIGN_IN_ERROR_CODES = [
  'provider-unavailable',
  'provider-refused',
  'invalid-state',
  'token-rejected',
  'not-linked',
  'account-disabled',
] as const;
export type OidcSignInErrorCode = (typeof OIDC_SIGN_IN_ERROR_CODES)[number];

export const OIDC_SIGN_IN_ERROR_MESSAGES: Readonly<Record<OidcSignInErrorCode, string>> = {
  'provider-unavailable':
    '暂时无法连接统一身份认证服务，请稍后再试或使用密码登录（the sign-in provider is unavailable）',
  'provider-refused':
    '统一身份认证未完成登录（已取消或被拒绝），请重试（sign-in at the provider was cancelled or refused）',
  'invalid-state':
    '登录请求已失效或不是从本浏览器发起，请重新登录（the sign-in expired or was not started in this browser）',
  'token-rejected': '身份令牌校验未通过，请重新登录（the identity token was rejected）',
  'not-linked':
    '该统一身份认证账号尚未关联本系统用户，请联系系统管理员（this identity is not linked to an account here）',
  'account-disabled': '账户已停用，请联系系统管理员（the account is disabled）',
};

/**
 * Whether a `returnTo` is a path of this site: one leading `/`, not `//` or `/\` (which browsers read as another
 * host), no backslash, no control characters. Anything else would make the sign-in an open redirect.
 */
export function isLocalReturnPath(value: string): boolean {
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  const base = 'https://luoshi.invalid';
  try {
    return new URL(value, base).origin === base;
  } catch {
    return false;
  }
}

export const oidcStatusSchema = z
  .object({
    enabled: z.boolean().describe('是否可用统一身份认证登录（whether OIDC sign-in is configured）'),
  })
  .meta({ id: 'OidcStatus', description: '统一身份认证登录是否启用（whether OIDC sign-in is on）' });

export const oidcStartQuerySchema = z.object({
  returnTo: z
    .string()
    .max(2000)
    .refine(isLocalReturnPath, { message: '须为本站路径，以 / 开头（must be a path of this site）' })
    .default('/')
    .describe('登录后返回的本站路径（the path of this site to return to）'),
});

/**
 * The provider's redirect back (RFC 6749 §4.1.2): `code` and `state`, or `error` and `state`; `iss` per RFC 9207.
 * Not strict: providers add parameters of their own (`session_state`, …).
 */
export const oidcCallbackQuerySchema = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
  iss: z.string().max(500).optional(),
});
