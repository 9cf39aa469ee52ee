/**
 * What clients send to the report services, as zod schemas (the HTTP routes may reuse them), and the one way a bad
 * value becomes `invalid-input` naming its field.
 */
import { z } from 'zod';
import {
  confidenceSchema,
  filledTextSchema,
  idempotencyKeySchema,
  idSchema,
  narrativeSchema,
  periodKeySchema,
  reasonTextSchema,
  reportStateSchema,
  TEXT_LIMITS,
  textSchema,
  versionSchema,
} from '../domain/vocabulary.ts';
import { ServiceError } from './errors.ts';

export const periodSchema = periodKeySchema;

export const readingInputSchema = z.strictObject({
  targetId: idSchema,
  value: z.number(),
  /** Where the figure comes from; "report" unless a statistic source is named (区统计局年报). */
  source: z.string().trim().min(1).max(TEXT_LIMITS.source).default('report'),
});

export const contributionInputSchema = z.strictObject({
  unitId: idSchema,
  text: filledTextSchema,
});

export const reportDraftSchema = z.strictObject({
  taskId: idSchema,
  period: periodSchema,
  /** The version read; left out only to create the report (a report that exists meanwhile is `stale`). */
  expectedVersion: versionSchema.optional(),
  narrative: narrativeSchema.default(''),
  percentDone: z.number().int().min(0).max(100).nullable().default(null),
  confidence: confidenceSchema.nullable().default(null),
  problems: textSchema.default(''),
  nextSteps: textSchema.default(''),
  /** The report's readings, one per target of the task: the whole set (a target left out loses its reading). */
  readings: z.array(readingInputSchema).max(200).default([]),
  /** The support units' contributions, on the primary lead's report: the whole set; left out, they stay. */
  contributions: z.array(contributionInputSchema).max(100).optional(),
});
export type ReportDraftInput = z.input<typeof reportDraftSchema>;

export const contributionSchema = z.strictObject({ text: filledTextSchema });
export type ContributionInput = z.input<typeof contributionSchema>;

export const reasonSchema = z.strictObject({ reason: reasonTextSchema });
export type ReasonInput = z.input<typeof reasonSchema>;

export const submitSchema = z.strictObject({
  /** The client's key for this submission: a retry with the same key returns the report and writes nothing. */
  idempotencyKey: idempotencyKeySchema,
});
export type SubmitInput = z.input<typeof submitSchema>;

/** The sort key of the last report of a page: `[submittedAt ?? createdAt, id]`. */
export const reportCursorSchema = z.tuple([z.string().min(1).max(40), idSchema]).readonly();
export type ReportCursor = z.output<typeof reportCursorSchema>;

export const REPORT_PAGE_LIMIT = Object.freeze({ min: 1, max: 200, default: 50 });

export const reportListSchema = z.strictObject({
  planId: idSchema.optional(),
  unitId: idSchema.optional(),
  taskId: idSchema.optional(),
  period: periodSchema.optional(),
  state: reportStateSchema.optional(),
  /** The previous page's `nextCursor`; left out for the first page. */
  cursor: reportCursorSchema.nullable().optional(),
  limit: z.number().int().min(REPORT_PAGE_LIMIT.min).max(REPORT_PAGE_LIMIT.max).default(REPORT_PAGE_LIMIT.default),
});
export type ReportListInput = z.input<typeof reportListSchema>;

export const baselineSchema = z.strictObject({ value: z.number(), period: periodSchema });
export type BaselineInput = z.input<typeof baselineSchema>;

export const trajectoryPointSchema = z.strictObject({
  period: periodSchema,
  /** The planned value (for a cumulative target, the planned running sum); null removes the override. */
  planned: z.number().nullable(),
  /** The point's version; left out only to create one (a point that exists meanwhile is `stale`). */
  expectedVersion: versionSchema.optional(),
});
export type TrajectoryPointInput = z.input<typeof trajectoryPointSchema>;

/** Validates a service input; the message names the first bad field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  throw new ServiceError(
    'invalid-input',
    `${what}${field === '' ? '' : `的字段“${field}”`}无效：${issue?.message ?? 'invalid'}`,
    { field },
  );
}
