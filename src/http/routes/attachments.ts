/**
 * Attachments (附件): evidence files on a report, reading, close-out request, notice, task or comment.
 *
 *   POST   /api/attachments               multipart: `file`, `subjectType`, `subjectId` → 201 Attachment
 *   GET    /api/attachments ?subjectType ?subjectId → { items }
 *   GET    /api/attachments/:id           → Attachment (metadata)
 *   GET    /api/attachments/:id/content   → the bytes ?download=true
 *   DELETE /api/attachments/:id           → 204
 *
 * The content is sent so that no browser runs it: the type decided on upload (anything else as
 * application/octet-stream), `X-Content-Type-Options: nosniff`, a Content-Security-Policy that sandboxes the
 * response and loads nothing, and `Content-Disposition: attachment` for all but images and plain text (RFC 6266,
 * the name in UTF-8 with an ASCII fallback). It is private to the signed-in user: `Cache-Control: private,
 * no-store`, and `Cross-Origin-Resource-Policy: same-origin` so other sites cannot embed it.
 */
import { Readable } from 'node:stream';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z, type ZodType } from 'zod';
import { contentDisposition } from '../../domain/file-names.ts';
import { ACCEPTED_EXTENSIONS, servedAs } from '../../domain/file-types.ts';
import {
  getAttachment,
  listAttachments,
  readAttachmentContent,
  removeAttachment,
  uploadAttachment,
} from '../../services/attachment.service.ts';
import type { ServiceContext } from '../../services/context.ts';
import { ServiceError } from '../../services/errors.ts';
import { createFileStorage } from '../../services/file-storage.ts';
import { requireActor } from '../actor.ts';
import { readUploadForm } from '../multipart.ts';
import {
  attachmentContentQuerySchema,
  attachmentListSchema,
  attachmentParamsSchema,
  attachmentSchema,
  attachmentSubjectSchema,
  attachmentUploadFieldsSchema,
} from '../schemas/attachments.ts';
import { errorEnvelopeSchema, errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';

const MIB = 1024 * 1024;

/** The bytes of a file (sent as they are, never serialized): typed for the handler, `binary` in the OpenAPI document. */
const contentSchema = z
  .custom<Buffer | Readable>((value) => Buffer.isBuffer(value) || value instanceof Readable)
  .meta({ type: 'string', format: 'binary', description: '文件内容（the file’s bytes）' });

/**
 * The policy for served content: nothing loads, scripts do not run, the document gets an opaque origin (so a file
 * that a browser took for HTML anyway could reach neither the API nor the user's cookies); inline styles only for
 * the browser's own image and text viewers.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox";

const errors = errorResponses(400, 401, 403, 404);

export const attachmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);
  const { config } = app.luoshi;
  const storage = createFileStorage({
    mode: config.files.storage,
    dataDir: config.dataDir,
    maxBytes: config.files.maxAttachmentMb * MIB,
  });

  // The form is read by @fastify/multipart in the handler (readUploadForm checks it); the body schema is there for the
  // OpenAPI document, so in this context the body is not validated against it.
  await app.register(async (uploads) => {
    uploads.setValidatorCompiler<ZodType>((route) =>
      route.httpPart === 'body' ? () => ({ value: null }) : validatorCompiler(route),
    );
    uploads.post(
      '/attachments',
      {
        preValidation: async (request) => {
          if (!request.isMultipart()) {
            throw new ServiceError(
              'unsupported-media-type',
              '请以 multipart/form-data 上传附件（upload the file as multipart/form-data）',
            );
          }
        },
        schema: {
          tags: ['attachments'],
          summary: '上传附件（attach a file to a report, reading, close-out, notice, task or comment）',
          description:
            `以 multipart/form-data 上传（字段 file、subjectType、subjectId）。接受的类型：` +
            `${ACCEPTED_EXTENSIONS.map((e) => `.${e}`).join(' ')}，按文件内容和扩展名共同判定，不符或不在列表中返回 415；` +
            `超过大小上限返回 413；对象不再接受本单位修改时返回 409。`,
          consumes: ['multipart/form-data'],
          body: z.object({
            file: z.file().describe('附件（the file）'),
            ...attachmentSubjectSchema.shape,
          }),
          response: {
            201: attachmentSchema,
            ...errors,
            409: errorEnvelopeSchema,
            413: errorEnvelopeSchema,
            415: errorEnvelopeSchema,
            422: errorEnvelopeSchema,
          },
        },
      },
      async (request, reply) => {
        const actor = requireActor(request);
        const upload = await readUploadForm(app, request, {
          maxBytes: storage.maxBytes,
          fields: attachmentUploadFieldsSchema,
          missingFile: '请在表单字段 file 中上传一个文件（upload one file, in the form field "file"）',
        });
        const attachment = await uploadAttachment(
          ctx(),
          actor,
          {
            subjectType: upload.fields.subjectType,
            subjectId: upload.fields.subjectId,
            fileName: upload.fileName,
            bytes: upload.bytes,
          },
          storage,
        );
        return reply.code(201).send(attachment);
      },
    );
  });

  app.get(
    '/attachments',
    {
      schema: {
        tags: ['attachments'],
        summary: '附件列表（the attachments of a subject）',
        querystring: attachmentSubjectSchema,
        response: { 200: attachmentListSchema, ...errors, 422: errorEnvelopeSchema },
      },
    },
    async (request) => ({
      items: await listAttachments(ctx(), requireActor(request), {
        type: request.query.subjectType,
        id: request.query.subjectId,
      }),
    }),
  );

  app.get(
    '/attachments/:id',
    {
      schema: {
        tags: ['attachments'],
        summary: '附件信息（an attachment’s metadata）',
        params: attachmentParamsSchema,
        response: { 200: attachmentSchema, ...errors },
      },
    },
    async (request) => getAttachment(ctx(), requireActor(request), request.params.id),
  );

  app.get(
    '/attachments/:id/content',
    {
      schema: {
        tags: ['attachments'],
        summary: '下载附件（an attachment’s content）',
        description:
          '返回文件内容。图片和纯文本可在浏览器中直接显示，其余类型（PDF、Office 文档等）作为下载返回；' +
          '响应带 nosniff 和沙箱化的内容安全策略。',
        params: attachmentParamsSchema,
        querystring: attachmentContentQuerySchema,
        response: { 200: contentSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { attachment, body } = await readAttachmentContent(
        ctx(),
        requireActor(request),
        request.params.id,
        storage,
      );
      const served = servedAs(attachment.mediaType);
      const inline = served.inline && request.query.download !== true;
      return reply
        .header('content-type', served.contentType)
        .header('content-length', String(attachment.size))
        .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', attachment.name))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('cross-origin-resource-policy', 'same-origin')
        .header('cache-control', 'private, no-store')
        .send(body);
    },
  );

  app.delete(
    '/attachments/:id',
    {
      schema: {
        tags: ['attachments'],
        summary: '删除附件（remove an attachment）',
        description:
          '方案办公室，或上传者在对象仍可由其修改时，可以删除附件；附件记录标记为已删除并写入审计日志，不会真正删除。',
        params: attachmentParamsSchema,
        response: { 204: z.null().describe('已删除（removed）'), ...errors, 409: errorEnvelopeSchema },
      },
    },
    async (request, reply) => {
      await removeAttachment(ctx(), requireActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
