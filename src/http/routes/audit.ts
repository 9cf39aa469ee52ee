/**
 * The audit trail, for the audit administrator only (everyone else: 403, and the attempt is itself audited).
 *
 *   GET /api/audit-events          ?from ?to ?actor ?action ?subjectType ?subjectId ?outcome ?cursor ?limit
 *                                  → { items, nextCursor }, newest first
 *   GET /api/audit-events/export   the same filters, ?format=csv|jsonl → the file, streamed, ending with the chain
 *                                  head and the count (also in the X-Audit-Head-Seq / X-Audit-Head-Hash headers)
 *   GET /api/audit/verify          → the verdict on the workspace's hash chain and its head's HMAC
 *
 * Each takes ?scope=workspace (the default: the administrator's own chain) or ?scope=system (the reserved chain of
 * sign-in attempts with names nobody has; src/services/audit-scope.ts).
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { exportAuditEvents, listAuditEvents } from '../../services/audit-trail.service.ts';
import { verifyAuditTrail } from '../../services/audit-verify.service.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requireActor } from '../actor.ts';
import { encodeCursor } from '../pagination.ts';
import {
  auditEventListQuerySchema,
  auditEventPageSchema,
  auditExportQuerySchema,
  auditVerificationSchema,
  auditVerifyQuerySchema,
} from '../schemas/audit.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';

const errors = errorResponses(400, 401, 403, 422);

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  app.get(
    '/audit-events',
    {
      schema: {
        tags: ['audit'],
        summary: '审计日志（the audit trail）',
        description:
          '审计管理员按时间、操作人、操作、对象、结果筛选审计事件，最新的在前，分页返回；查看本身也记入审计日志。',
        querystring: auditEventListQuerySchema,
        response: { 200: auditEventPageSchema, ...errors },
      },
    },
    async (request) => {
      const { cursor, limit, ...query } = request.query;
      const page = await listAuditEvents(ctx(), requireActor(request), query, { cursor: cursor ?? null, limit });
      return { items: page.items, nextCursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor) };
    },
  );

  app.get(
    '/audit-events/export',
    {
      schema: {
        tags: ['audit'],
        summary: '导出审计日志（export the audit trail）',
        description:
          '审计管理员导出审计事件，按序号从早到晚：format=csv 供 Excel 打开（UTF-8 带 BOM，公式字符前加单引号），' +
          'format=jsonl 每行一条原样存储的事件，可复核哈希。末行给出条数和链头；没有末行的文件不完整。导出本身记入审计日志。',
        querystring: auditExportQuerySchema,
        response: errors,
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query;
      const file = await exportAuditEvents(ctx(), requireActor(request), query, format);
      reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .header('cache-control', 'no-store');
      if (file.head !== null) {
        reply.header('x-audit-head-seq', String(file.head.seq)).header('x-audit-head-hash', file.head.hash);
      }
      // A stream is sent as it is, not serialized: the route's schemas describe only its errors.
      return (reply as FastifyReply).send(Readable.from(file.lines));
    },
  );

  app.get(
    '/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: '校验审计链（verify the audit chain）',
        description:
          '审计管理员校验本工作区（或 scope=system 时系统链）审计事件的哈希链与链头，并以服务器的 AUDIT_KEY 核对链头的 HMAC，' +
          '指出第一处被改动、删除或插入的事件。校验本身记入审计日志。',
        querystring: auditVerifyQuerySchema,
        response: { 200: auditVerificationSchema, ...errors },
      },
    },
    async (request) => verifyAuditTrail(ctx(), requireActor(request), { scope: request.query.scope }),
  );
};
