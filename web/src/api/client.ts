/**
 * The typed API client: openapi-fetch over the types generated from the server's OpenAPI document
 * (web/src/api/schema.d.ts, `npm run gen:api`). Same-origin requests with the session cookie; every change carries
 * the session's CSRF token (src/http/session.ts), which the client learns from sign-in or `GET /api/auth/session`.
 * A failed call throws an {@link ApiError} holding the API's error envelope; one place shows it (web/src/app/errors.ts).
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ErrorEnvelope = Schemas['ErrorEnvelope'];

let csrfToken: string | null = null;

/** Remembers the session's CSRF token (from sign-in or `GET /api/auth/session`); null after sign-out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken !== null && !SAFE_METHODS.has(request.method)) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

/** A refused or failed API call: the status and the envelope's code and message (`中文（English）`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const { error } = value;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

/**
 * The data of an openapi-fetch result, or an {@link ApiError}. An answer that is not the envelope (a proxy's error
 * page, a network failure) becomes one with a fixed message.
 *
 * @example
 * const plans = await unwrap(api.GET('/api/plans', { params: { query: {} } }));
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试（cannot reach the server; check the network）');
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  if (isEnvelope(error)) throw new ApiError(response.status, error.error.code, error.error.message);
  throw new ApiError(
    response.status,
    'unexpected',
    `服务器返回 ${response.status}（the server answered ${response.status}）`,
  );
}
