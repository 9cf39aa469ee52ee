/** The audit trail for the audit administrator: events, export, verification. Shared with the web client. */
import { z } from 'zod';
import { pageQuerySchema, pageSchema } from './pagination.ts';

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export const AUDIT_EXPORT_FORMATS = ['csv', 'jsonl'] as const;
/** `workspace`: the administrator's own chain; `system`: the reserved chain of what belongs to no workspace. */
export const AUDIT_SCOPES = ['workspace', 'system'] as const;

const instant = z.iso
  .datetime({ offset: true })
  .describe('ISO 8601 时间，带时区，如 2021-07-01T00:00:00+08:00（an ISO 8601 instant with its offset）');
const text = z.string().trim().min(1).max(200);

const scope = z
  .enum(AUDIT_SCOPES)
  .default('workspace')
  .describe(
    'workspace：本工作区的审计链（默认）；system：不属于任何工作区的系统链，如以不存在的用户名登录的失败记录' +
      '（workspace: your own chain; system: what belongs to no workspace, such as sign-ins with unknown names）',
  );

const auditFilterShape = {
  scope,
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

export const auditVerifyQuerySchema = z.object({ scope });

export const auditEventSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    at: z.string(),
    actorId: z.string().nullable(),
    actorName: z
      .string()
      .nullable()
      .describe('操作人姓名，系统操作为其名称（the actor’s name, or the system actor’s label）'),
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
    anchor: z
      .enum(['anchored', 'unanchored', 'broken', 'empty'])
      .describe(
        '链头 HMAC：anchored 与 AUDIT_KEY 相符；unanchored 服务器未设置 AUDIT_KEY，未锚定；broken 缺失或不符（见 fault）；' +
          'empty 尚无事件（the head HMAC under AUDIT_KEY）',
      ),
    anchoredAt: z
      .array(z.number().int())
      .describe('锚定事件（audit.anchor）的序号：密钥在这些位置（重新）锚定了审计链（where the chain was anchored）'),
    expected: z
      .object({ seq: z.number().int(), hash: z.string() })
      .nullable()
      .describe('对照的预期链头（the expected head checked against）'),
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
