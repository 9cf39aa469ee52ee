/** Close-out (销号): a unit's request with evidence, the office's decision, and reopening. Imports nothing but zod. */
import { z } from 'zod';
import { idSchema, versionSchema } from '../../domain/vocabulary.ts';

export const CLOSE_OUT_STATES = ['none', 'requested', 'approved', 'rejected', 'reopened'] as const;
/** The states of one request (`withdrawn` included); `none` is only the task's, before any request. */
export const CLOSE_OUT_REQUEST_STATES = ['requested', 'approved', 'rejected', 'withdrawn', 'reopened'] as const;
export const CLOSE_OUT_ACTIONS = ['request', 'approve', 'reject', 'reopen'] as const;

const id = idSchema;
const version = versionSchema.describe('当前版本，原样传回（the version read）');

export const taskIdParamsSchema = z.object({ taskId: id });
export const closeOutIdParamsSchema = z.object({ id });

export const requestCloseOutBodySchema = z.strictObject({
  evidence: z.string().max(10_000).optional().describe('佐证材料说明（what was done and where it shows）'),
  fileId: id.nullable().optional(),
});
export const approveCloseOutBodySchema = z.strictObject({ version });
export const rejectCloseOutBodySchema = z.strictObject({ version, reason: z.string().max(10_000) });
export const reopenTaskBodySchema = z.strictObject({
  version: version.describe('任务的版本（the task’s version: taskVersion）'),
  reason: z.string().max(10_000),
});

export const closeOutSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    taskId: z.string(),
    state: z.enum(CLOSE_OUT_REQUEST_STATES),
    evidence: z.string(),
    fileId: z.string().nullable(),
    requestedBy: z.string().nullable(),
    requestedByName: z.string().nullable().describe('申请人姓名（the requester’s name）'),
    requestedAt: z.string(),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedByName: z.string().nullable().describe('审批人姓名（the decider’s name）'),
    reason: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CloseOut', description: '销号申请（a close-out request）' });

export const taskCloseOutSchema = z
  .object({
    taskId: z.string(),
    taskVersion: z.number().int(),
    closedAt: z.string().nullable(),
    state: z.enum(CLOSE_OUT_STATES),
    allowedActions: z.array(z.enum(CLOSE_OUT_ACTIONS)),
    current: closeOutSchema.nullable(),
    history: z.array(closeOutSchema),
  })
  .meta({ id: 'TaskCloseOut', description: '任务的销号情况（a task’s close-out）' });
