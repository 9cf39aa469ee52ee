/** A task's derived status with its reasons, and a plan's status refresh. Imports nothing but zod. */
import { z } from 'zod';
import { idSchema } from '../../domain/vocabulary.ts';

export const TASK_STATUSES = ['not-started', 'on-track', 'at-risk', 'off-track', 'overdue', 'closed'] as const;

const id = idSchema;

export const taskStatusParamsSchema = z.object({ id });
export const planStatusParamsSchema = z.object({ id });

/** One reason: its code, the state it calls for, a message, and the facts of its kind (unit, period, target …). */
export const statusReasonSchema = z
  .looseObject({
    code: z.string(),
    status: z.enum(TASK_STATUSES),
    message: z.string(),
  })
  .describe('状态的理由（a reason for the status; further fields depend on the code）');

export const taskStatusSchema = z.object({
  taskId: z.string(),
  status: z.enum(TASK_STATUSES),
  label: z.string(),
  reasons: z.array(statusReasonSchema),
  otherReasons: z.array(statusReasonSchema),
  asOf: z.string(),
});

export const planStatusRefreshSchema = z.object({
  planId: z.string(),
  counts: z.object({
    'not-started': z.number().int(),
    'on-track': z.number().int(),
    'at-risk': z.number().int(),
    'off-track': z.number().int(),
    overdue: z.number().int(),
    closed: z.number().int(),
  }),
  total: z.number().int(),
  asOf: z.string(),
});
