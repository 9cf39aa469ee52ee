/**
 * Upload forms: one file in the field `file` and a few text fields, read by @fastify/multipart in the handler.
 * The file is held in memory up to `maxBytes` (over it: 413, and the rest of the body is not read); a second
 * file, a file in another field, or none at all is refused; the text fields are checked by a zod schema. A body
 * the parser cannot read to its end (truncated, a malformed part header) answers 400 `bad-request`, not 500.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ServiceError } from '../services/errors.ts';
import { HttpError } from './errors.ts';

const MIB = 1024 * 1024;

export interface UploadForm<T> {
  fileName: string;
  bytes: Buffer;
  fields: T;
}

function formFieldError(issue: z.core.$ZodIssue | undefined): HttpError {
  const named = issue?.code === 'unrecognized_keys' ? issue.keys.join('、') : (issue?.path.join('.') ?? '');
  return new HttpError('validation-failed', `表单字段 ${named} 无效（form field ${named}: ${issue?.message ?? ''}）`);
}

/**
 * Reads an upload form. `missingFile` is the message when the form holds no file in `file` (or holds others),
 * naming what the route expects ("一个方案文件").
 */
export async function readUploadForm<S extends z.ZodType>(
  app: FastifyInstance,
  request: FastifyRequest,
  options: { readonly maxBytes: number; readonly fields: S; readonly missingFile: string },
): Promise<UploadForm<z.output<S>>> {
  let file: { fileName: string; bytes: Buffer } | undefined;
  const fields = new Map<string, string>();
  const strayFiles: string[] = [];
  try {
    await readParts();
  } catch (error) {
    if (isParserError(error)) {
      request.log.debug({ err: error }, '无法读取的上传表单（unreadable multipart body）');
      throw malformedForm();
    }
    throw error;
  }
  if (strayFiles.length > 0 || file === undefined) throw new HttpError('validation-failed', options.missingFile);
  const parsed = options.fields.safeParse(Object.fromEntries(fields));
  if (!parsed.success) throw formFieldError(parsed.error.issues[0]);
  return { ...file, fields: parsed.data };

  async function readParts(): Promise<void> {
    for await (const part of request.parts({ limits: { fileSize: options.maxBytes } })) {
      if (part.type === 'field') {
        if (part.valueTruncated || part.fieldnameTruncated) {
          throw new HttpError('validation-failed', `表单字段 ${part.fieldname} 过长（form field too long）`);
        }
        fields.set(part.fieldname, String(part.value));
        continue;
      }
      if (part.fieldname !== 'file') {
        // Drained, or the request would never finish; refused below.
        part.file.resume();
        strayFiles.push(part.fieldname);
        continue;
      }
      try {
        file = { fileName: part.filename, bytes: await part.toBuffer() };
      } catch (error) {
        if (error instanceof app.multipartErrors.RequestFileTooLargeError) {
          const mb = Math.floor(options.maxBytes / MIB);
          throw new ServiceError('too-large', `文件超过 ${mb} MB 的上限（the file is larger than ${mb} MB）`);
        }
        throw error;
      }
    }
  }
}

function malformedForm(): HttpError {
  return new HttpError(
    'bad-request',
    '上传的表单不完整或格式有误，请重新上传（the multipart body is truncated or malformed; upload again）',
  );
}

/**
 * An error of the multipart parser itself (@fastify/busboy: "Unexpected end of multipart data", a malformed part
 * header, …): plain `Error`s with no code, so they are told apart from what is not the body's fault by what they
 * are not — not one of ours (HttpError, ServiceError) and not one of @fastify/multipart's typed errors (`FST_…`,
 * which the error handler maps: limits 413, not multipart 415). Nothing else runs inside the loop that reads parts.
 */
function isParserError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof HttpError || error instanceof ServiceError) return false;
  const code = (error as { code?: unknown }).code;
  return !(typeof code === 'string' && code.startsWith('FST_'));
}
