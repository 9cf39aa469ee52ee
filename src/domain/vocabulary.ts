/**
 * The words the API, the services and the web client share, written once: ids, period keys, report states,
 * confidence codes, text limits and the idempotency-key pattern. Imports nothing but zod, so the HTTP schemas (and
 * through the OpenAPI document, the generated client) and the service inputs all take them from here.
 */
import { z } from 'zod';

/** Row ids are a short prefix and 26 characters (src/db/ids.ts); 64 leaves room and refuses junk early. */
export const ID_MAX_LENGTH = 64;

/** Any row id in a path, query or body. */
export const idSchema = z.string().trim().min(1).max(ID_MAX_LENGTH);

/**
 * A period key: `2021-M07` (a month), `2021-Q3`, `2021-H2` or `2021`, years 1000–9999 — exactly the keys
 * `isPeriodKey` in `periods.ts` accepts (a test holds the two together).
 */
export const PERIOD_KEY_PATTERN = /^[1-9]\d{3}(-(M(0[1-9]|1[0-2])|Q[1-4]|H[12]))?$/;

export const periodKeySchema = z.string().regex(PERIOD_KEY_PATTERN, {
  message: '报告期应写作 2021-M07、2021-Q3、2021-H2 或 2021（a period key）',
});

/**
 * A report's state as the API names it: draft → (pending-approval → approved: 单位审核) → submitted → accepted |
 * returned. The database keeps `awaiting-approval` for both approval steps (src/services/report-state.ts maps them).
 */
export const REPORT_STATES = ['draft', 'pending-approval', 'approved', 'submitted', 'accepted', 'returned'] as const;
export type ApiReportState = (typeof REPORT_STATES)[number];
export const reportStateSchema = z.enum(REPORT_STATES);

/** Delivery confidence, five levels as in the UK IPA's Delivery Confidence Assessment. */
export const CONFIDENCE_CODES = ['green', 'amber-green', 'amber', 'amber-red', 'red'] as const;
export type ConfidenceCode = (typeof CONFIDENCE_CODES)[number];
export const confidenceSchema = z.enum(CONFIDENCE_CODES);

/** The longest texts people may write, in characters. */
export const TEXT_LIMITS = Object.freeze({
  /** A report's narrative (本期进展). */
  narrative: 20_000,
  /** Problems, next steps, a contribution, a comment, a notice's body. */
  text: 10_000,
  /** A reason the workflow asks for (return, reject, reopen, escalate). */
  reason: 2_000,
  /** A reading's source (区统计局年报). */
  source: 200,
});

export const narrativeSchema = z.string().trim().max(TEXT_LIMITS.narrative);
export const textSchema = z.string().trim().max(TEXT_LIMITS.text);
/** A text that must be written (a contribution, a comment): not blank. */
export const filledTextSchema = z.string().trim().min(1).max(TEXT_LIMITS.text);
/** A reason the workflow requires; blank ones are left to the domain rule (`reason-required`). */
export const reasonTextSchema = z.string().max(TEXT_LIMITS.reason);

/** The version a client read, sent back on a change (optimistic concurrency). */
export const versionSchema = z.number().int().min(1);

/**
 * A client's key for one write: a retry with the same key returns the first answer and writes nothing. 8–200
 * visible ASCII characters (a UUID fits).
 */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{8,200}$/;

export const idempotencyKeySchema = z
  .string()
  .regex(IDEMPOTENCY_KEY_PATTERN, { message: '幂等键应为 8–200 个可见 ASCII 字符（visible ASCII）' });
