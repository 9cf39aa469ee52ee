/** Attachments (附件): evidence files on a subject. Shared with the web client: imports nothing but zod. */
import { z } from 'zod';
import { idSchema } from '../../domain/vocabulary.ts';

/** The things a file may be attached to; the service's list (policies/attachment.policy.ts) is the same. */
export const ATTACHMENT_SUBJECT_TYPES = ['report', 'close-out', 'notice', 'task', 'comment', 'reading'] as const;

const id = idSchema;

export const attachmentSubjectSchema = z.object({
  subjectType: z.enum(ATTACHMENT_SUBJECT_TYPES).describe('附件所属对象的类型（the kind of subject）'),
  subjectId: id.describe('附件所属对象的编号（the subject’s id）'),
});

/** The text fields of the upload form, beside the file (field `file`). */
export const attachmentUploadFieldsSchema = z.strictObject(attachmentSubjectSchema.shape);

export const attachmentParamsSchema = z.object({ id });

export const attachmentContentQuerySchema = z.object({
  download: z
    .stringbool()
    .optional()
    .describe('true：总是作为下载返回，即使是图片或文本（always as a download, even images and text）'),
});

export const attachmentSchema = z
  .object({
    id: z.string(),
    subjectType: z.enum(ATTACHMENT_SUBJECT_TYPES),
    subjectId: z.string(),
    taskId: z.string().nullable().describe('对象所属任务；目标指标的数据为 null（the subject’s task）'),
    fileId: z.string(),
    name: z.string().describe('上传时已做安全处理的文件名（the file name, made safe on upload）'),
    mediaType: z.string().describe('按文件内容判定的类型（decided from the content）'),
    size: z.number().int().describe('字节数（bytes）'),
    sha256: z.string(),
    createdBy: z.string().nullable(),
    createdByName: z.string().nullable().describe('上传人姓名（the uploader’s name）'),
    createdAt: z.string(),
  })
  .meta({ id: 'Attachment', description: '附件（an attachment: metadata only）' });

export const attachmentListSchema = z.object({ items: z.array(attachmentSchema) });

export type Attachment = z.infer<typeof attachmentSchema>;
