/** The audit trail for the audit administrator: events, export, verification. Shared with the web client. */
import { z } from 'zod';
import { pageQuerySchema, pageSchema } from './pagination.ts';

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export const AUDIT_EXPORT_FORMATS = ['csv', 'jsonl'] as const;

const instant = z.iso
  .datetime({ offset: true })
  .describe('ISO 8601 时间，带时区，如 2021-07-01T00:00:00+08:00（an ISO 8601 instant with its offset）');
const text = z.string().trim().min(1).max(200);

const auditFilterShape = {
  from: instant.optional().describe('此时间及之后（at or after, ISO 8601）'),
  to: instant.optional().describe('此时间之前（before, ISO 8601）'),
  actor: text.optional().describe('操作人的用户编号（the acting user id）'),
  action: text.optional().describe('操作，如 report.submit（the action）'),
  subjectType: text.optional().describe('对象类型，如 report（the subject type）'),
  subjectId: text.optional().describe('对象编号（the subject id）'),
  outcome: z.enum(AUDIT_OUTCOMES).optional().describe('结果（success、failure 或 denied）'),
};

export const auditEventListQuerySchema = pageQuerySchema(z.tuple([z.number().int().min(1)])).extend(auditFilterShape);

export const auditExportQuerySchema = z.object({
  ...auditFilterShape,
  format: z
    .enum(AUDIT_EXPORT_FORMATS)
    .default('csv')
    .describe('csv（Excel，UTF-8 带 BOM）或 jsonl（原样，可复核哈希）'),
});

export const auditEventSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    at: z.string(),
    actorId: z.string().nullable(),
    actorRoles: z.array(z.string()),
    action: z.string(),
    subjectType: z.string().nullable(),
    subjectId: z.string().nullable(),
    detail: z.unknown().describe('详情（JSON，通常为对象）'),
    ip: z.string().nullable(),
    outcome: z.enum(AUDIT_OUTCOMES),
    prevHash: z.string().nullable(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent', description: '审计事件（an audit event）' });

export const auditEventPageSchema = pageSchema(auditEventSchema);

const eventRefSchema = z.object({ id: z.string(), seq: z.number().int(), at: z.string(), action: z.string() });

export const auditVerificationSchema = z
  .object({
    workspaceId: z.string(),
    ok: z.boolean().describe('审计链完整（the chain is whole）'),
    events: z.number().int().describe('校验通过的事件数（intact events walked）'),
    head: z.object({ seq: z.number().int(), hash: z.string() }).nullable().describe('链头（the chain head）'),
    fault: z
      .object({
        kind: z.enum(['changed', 'missing', 'inserted', 'reordered', 'head-missing']),
        cause: z.string(),
        seq: z.number().int(),
        lastSeq: z.number().int(),
        eventId: z.string(),
        event: eventRefSchema.nullable(),
        previous: eventRefSchema.nullable(),
        next: eventRefSchema.nullable(),
        message: z.string(),
      })
      .nullable()
      .describe('第一处断裂（the first break）；完整时为 null'),
  })
  .meta({ id: 'AuditVerification', description: '审计链校验结果（the verdict on the audit chain）' });
