/** Notices (督办单): issued to a unit, answered, escalated, closed. Imports nothing but zod and its own folder. */
import { z } from 'zod';
import { idSchema, versionSchema } from '../../domain/vocabulary.ts';
import { pageQuerySchema, pageSchema } from './pagination.ts';

export const NOTICE_LEVELS = ['remind', 'urge', 'supervise', 'flagged'] as const;
export const NOTICE_STATUSES = ['open', 'responded', 'closed', 'escalated'] as const;
export const NOTICE_ACTIONS = ['escalate', 'respond', 'close'] as const;

const id = idSchema;
const isoDate = z.iso.date();
const version = versionSchema.describe('当前版本，原样传回（the version read）');

export const noticeIdParamsSchema = z.object({ id });

export const issueNoticeBodySchema = z.strictObject({
  taskId: id,
  unitId: id,
  level: z.enum(NOTICE_LEVELS),
  dueOn: isoDate,
  body: z.string().trim().min(1).max(10_000),
});
export const respondNoticeBodySchema = z.strictObject({ version, response: z.string().max(10_000) });
export const escalateNoticeBodySchema = z.strictObject({
  version,
  dueOn: isoDate,
  body: z.string().trim().min(1).max(10_000).optional(),
});
export const closeNoticeBodySchema = z.strictObject({ version });

export const noticeListQuerySchema = pageQuerySchema(z.tuple([isoDate, id])).extend({
  plan: id.optional(),
  task: id.optional(),
  unit: id.optional(),
  state: z.enum(NOTICE_STATUSES).optional(),
  level: z.enum(NOTICE_LEVELS).optional(),
  dueBefore: isoDate.optional(),
});

export const noticeSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    taskId: z.string(),
    planId: z.string(),
    taskNumber: z.string(),
    taskTitle: z.string(),
    unit: z.object({ id: z.string(), name: z.string() }),
    level: z.enum(NOTICE_LEVELS),
    state: z.enum(NOTICE_STATUSES),
    dueOn: z.string(),
    body: z.string(),
    response: z.string().nullable(),
    respondedAt: z.string().nullable(),
    respondedBy: z.string().nullable(),
    respondedByName: z.string().nullable().describe('回复人姓名（the responder’s name）'),
    escalatedFromId: z.string().nullable(),
    issuedBy: z.string().nullable(),
    issuedByName: z.string().nullable().describe('签发人姓名（the issuer’s name）'),
    issuedAt: z.string(),
    updatedAt: z.string(),
    allowedActions: z.array(z.enum(NOTICE_ACTIONS)),
  })
  .meta({ id: 'Notice', description: '督办单（a notice）' });

export const noticePageSchema = pageSchema(noticeSchema);
