/**
 * Errors to HTTP, in one place. Every failed request answers `{ "error": { "code", "message" } }`
 * (schemas/error.ts); this module decides the status and the message for each kind of error:
 *
 * | error | status |
 * | --- | --- |
 * | `HttpError` (this layer: unauthenticated, bad request, unavailable) | 401 / 400 / 503 |
 * | request validation (zod schemas of params, query, body) → `validation-failed` | 400 |
 * | `ServiceError`: not-found 404, forbidden 403, conflict 409, stale 409, invalid-input 422, too-large 413, unsupported-media-type 415 | |
 * | `DomainError`: a state that does not allow the action 409, a bad or missing value 422 | |
 * | `ImportError`: 422 with its code (too-large: 413, as for any body over the limit) | |
 * | Fastify's own client errors: bad JSON 400, body too large 413, content type 415, unknown route 404 | |
 * | anything else | 500 `internal`, logged with the request id, message fixed |
 *
 * 400 means the request is malformed (its shape, its JSON); 422 means it is well-formed but the rules refuse its
 * values. Messages of unknown errors never reach the client: they may hold SQL, paths or data of other users.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, type DomainErrorCode } from '../domain/errors.ts';
import { isImportError, type ImportErrorCode } from '../importer/errors.ts';
import { isServiceError, type ServiceErrorCode } from '../services/errors.ts';
import type { ErrorCode, ErrorEnvelope } from './schemas/error.ts';
import { describeValidationError, type ValidationIssue } from './validation.ts';

export { ERROR_CODES, errorEnvelopeSchema, type ErrorCode, type ErrorEnvelope } from './schemas/error.ts';

/** Codes the HTTP layer raises itself. (`internal` is not one: only the error handler answers it, with a fixed message.) */
export type HttpErrorCode =
  | 'bad-request'
  | 'validation-failed'
  | 'unauthenticated'
  | 'unavailable'
  | 'csrf-failed'
  | 'password-change-required'
  | 'rate-limited';

const HTTP_STATUS: Readonly<Record<HttpErrorCode, number>> = {
  'bad-request': 400,
  'validation-failed': 400,
  unauthenticated: 401,
  unavailable: 503,
  'csrf-failed': 403,
  'password-change-required': 403,
  'rate-limited': 429,
};

const SERVICE_STATUS: Readonly<Record<ServiceErrorCode, number>> = {
  'not-found': 404,
  forbidden: 403,
  conflict: 409,
  stale: 409,
  'invalid-input': 422,
  'too-large': 413,
  'unsupported-media-type': 415,
  'sign-in-failed': 401,
  'account-locked': 423,
};

const DOMAIN_STATUS: Readonly<Record<DomainErrorCode, number>> = {
  // The value itself is wrong or missing: the same request will never succeed.
  'invalid-period': 422,
  'invalid-cycle': 422,
  'invalid-time-zone': 422,
  'invalid-date': 422,
  'invalid-target': 422,
  'reason-required': 422,
  'evidence-required': 422,
  'response-required': 422,
  // The object's current state refuses the action: it may succeed once the state changes.
  'invalid-transition': 409,
  'approval-required': 409,
  'top-level-reached': 409,
};

const IMPORT_STATUS: Readonly<Record<ImportErrorCode, number>> = {
  empty: 422,
  'too-large': 413,
  binary: 422,
  'unsupported-format': 422,
  'corrupt-docx': 422,
  'corrupt-pdf': 422,
  'encrypted-pdf': 422,
  'no-text-layer': 422,
  'not-a-plan': 422,
  'resource-limit': 422,
};

export const INTERNAL_ERROR_MESSAGE = '服务器内部错误（internal error）';

/** An error the HTTP layer raises (a missing actor, a bad request outside any schema). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    /** Headers the answer carries (Retry-After for `rate-limited`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The caller is not signed in (no session, or it ended). */
export function unauthenticated(): HttpError {
  return new HttpError('unauthenticated', '请先登录（sign-in required）');
}

export interface ErrorResponse {
  readonly statusCode: number;
  readonly body: ErrorEnvelope;
}

function envelope(statusCode: number, code: ErrorCode, message: string): ErrorResponse {
  return { statusCode, body: { error: { code, message } } };
}

/** Fastify's and its plugins' client errors: a `FST_…` code and a 4xx status. */
function isFrameworkClientError(error: unknown): error is FastifyError & { statusCode: number } {
  if (typeof error !== 'object' || error === null) return false;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  return (
    typeof code === 'string' &&
    code.startsWith('FST_') &&
    typeof statusCode === 'number' &&
    statusCode >= 400 &&
    statusCode < 500
  );
}

function isValidationError(
  error: unknown,
): error is FastifyError & { validation: ValidationIssue[]; validationContext?: string } {
  return (
    isFrameworkClientError(error) && Array.isArray((error as { validation?: unknown }).validation) // FST_ERR_VALIDATION
  );
}

const FRAMEWORK_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: '请求体不是有效的 JSON（the body is not valid JSON）',
  FST_ERR_CTP_EMPTY_JSON_BODY: '请求体为空，但内容类型是 JSON（the JSON body is empty）',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: '请求体长度与 Content-Length 不符（the body does not match its Content-Length）',
};

/** Maps a framework client error by its status: the code says what kind of problem, never Fastify's own words. */
function frameworkClientError(error: FastifyError & { statusCode: number }): ErrorResponse {
  switch (error.statusCode) {
    case 413:
      return envelope(413, 'too-large', '请求内容过大（the request body is too large）');
    // @fastify/multipart answers 406 when a route asks for a file but the request is not multipart.
    case 406:
    case 415:
      return envelope(415, 'unsupported-media-type', '不支持的内容类型（unsupported content type）');
    case 404:
      return notFoundResponse();
    default:
      return envelope(400, 'bad-request', FRAMEWORK_MESSAGES[error.code] ?? '请求有误（bad request）');
  }
}

/** The answer for a route that does not exist. */
export function notFoundResponse(): ErrorResponse {
  // The path is not echoed back: a fixed message leaks nothing and reflects nothing.
  return envelope(404, 'not-found', '未找到该接口（no such route）');
}

/**
 * The response for an error, or null for an error that is not the client's doing (the caller logs it and answers
 * {@link internalErrorResponse}).
 */
export function toErrorResponse(error: unknown, request: FastifyRequest): ErrorResponse | null {
  if (error instanceof HttpError) return envelope(HTTP_STATUS[error.code], error.code, error.message);
  if (isServiceError(error)) return envelope(SERVICE_STATUS[error.code], error.code, error.message);
  if (isDomainError(error)) return envelope(DOMAIN_STATUS[error.code], error.code, error.message);
  if (isImportError(error)) return envelope(IMPORT_STATUS[error.code], error.code, error.message);
  if (isValidationError(error)) {
    const message = describeValidationError(error.validation, error.validationContext, request);
    return envelope(400, 'validation-failed', message);
  }
  if (isFrameworkClientError(error)) return frameworkClientError(error);
  return null;
}

export function internalErrorResponse(): ErrorResponse {
  return envelope(500, 'internal', INTERNAL_ERROR_MESSAGE);
}

/**
 * The app's error handler. Client errors are answered with their envelope (and logged at debug); anything else is
 * logged in full with the request id and answered with a plain 500.
 */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let response = toErrorResponse(error, request);
  if (response === null) {
    request.log.error({ err: error }, '未处理的错误（unhandled error）');
    response = internalErrorResponse();
  } else {
    request.log.debug({ code: response.body.error.code, status: response.statusCode }, response.body.error.message);
  }
  if (error instanceof HttpError) reply.headers(error.headers);
  return reply.code(response.statusCode).type('application/json; charset=utf-8').send(response.body);
}
