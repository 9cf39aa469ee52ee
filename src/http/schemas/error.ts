/**
 * The one error envelope every failed request answers with: `{ "error": { "code", "message" } }`. The message is
 * fit to show to the user as it is (Chinese first, English in brackets); the code is for programs.
 *
 * Shared with the web client: this folder imports nothing but zod and its own files.
 */
import { z } from 'zod';

/**
 * Every code an error response may carry. The HTTP layer's own codes come first, then those of the services, the
 * domain rules and the importer (src/http/errors.ts maps each of those unions here, so a code missing from this list
 * fails to compile there).
 */
export const ERROR_CODES = [
  // The HTTP layer
  'bad-request',
  'validation-failed',
  'unauthenticated',
  'unavailable',
  'csrf-failed',
  'password-change-required',
  'rate-limited',
  'internal',
  // Services (ServiceErrorCode)
  'not-found',
  'forbidden',
  'conflict',
  'stale',
  'invalid-input',
  'too-large',
  'unsupported-media-type',
  'sign-in-failed',
  'account-locked',
  // Domain rules (DomainErrorCode)
  'invalid-period',
  'invalid-cycle',
  'invalid-time-zone',
  'invalid-date',
  'invalid-target',
  'invalid-transition',
  'reason-required',
  'evidence-required',
  'response-required',
  'approval-required',
  'top-level-reached',
  // The importer (ImportErrorCode; `too-large` is above)
  'empty',
  'binary',
  'unsupported-format',
  'corrupt-docx',
  'corrupt-pdf',
  'encrypted-pdf',
  'no-text-layer',
  'not-a-plan',
  'resource-limit',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string().describe('给用户看的说明，中文在前（a message fit to show the user, Chinese first）'),
    }),
  })
  .meta({ id: 'ErrorEnvelope', description: '错误响应（the error envelope）' });

export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/**
 * The error responses a route may give, each the one envelope: `errorResponses(400, 401, 404)` for a route's
 * `response` schema, next to its success status.
 */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof errorEnvelopeSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorEnvelopeSchema])) as Record<
    S,
    typeof errorEnvelopeSchema
  >;
}
