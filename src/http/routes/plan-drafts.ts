/**
 * Importing a plan (方案导入), for the plan office: upload the document → a draft → edit it → see what it would
 * change → confirm it into the plan (or into the plan's next version).
 *
 *   GET   /api/plan-drafts                ?state&cursor&limit → a page of drafts, newest first
 *   POST  /api/plan-drafts                multipart: `file`, optional `planId` (re-import) → 201 PlanDraft
 *   GET   /api/plan-drafts/:id            → PlanDraft
 *   PATCH /api/plan-drafts/:id            { version, edits } → PlanDraft (a stale version: 409)
 *   GET   /api/plan-drafts/:id/diff       → PlanDraftDiff
 *   POST  /api/plan-drafts/:id/confirm    { version } → 201 { planId }
 */
import type { FastifyRequest } from 'fastify';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z, type ZodType } from 'zod';
import { canImportPlan } from '../../policies/plan.policy.ts';
import type { Actor, ServiceContext } from '../../services/context.ts';
import { ServiceError } from '../../services/errors.ts';
import {
  confirmPlanDraft,
  createPlanDraft,
  editPlanDraft,
  getPlanDraft,
  planDraftDiff,
} from '../../services/plan-import.service.ts';
import { listPlanDrafts } from '../../services/plan-draft-list.service.ts';
import { requireActor } from '../actor.ts';
import { encodeCursor } from '../pagination.ts';
import { readUploadForm } from '../multipart.ts';
import { errorEnvelopeSchema, errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';
import {
  confirmPlanDraftBodySchema,
  confirmedPlanSchema,
  draftViewSchema,
  editPlanDraftBodySchema,
  idParamsSchema,
  planDraftDiffSchema,
  planDraftListQuerySchema,
  planDraftPageSchema,
  planDraftUploadFieldsSchema,
} from '../schemas/plans.ts';

const MIB = 1024 * 1024;

/** An office-only action by someone else: 403, before the upload is even read into memory. */
function requireImporter(request: FastifyRequest): Actor {
  const actor = requireActor(request);
  if (!canImportPlan(actor)) {
    throw new ServiceError(
      'forbidden',
      '只有方案办公室（工作专班）可以导入和确认方案（only the plan office may import plans）',
    );
  }
  return actor;
}

const errors = errorResponses(400, 401, 403, 404);

export const planDraftRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  // The upload's form is read by @fastify/multipart in the handler (readUploadForm checks it); its body schema is there
  // for the OpenAPI document, so in this context the body is not validated against it.
  await app.register(async (uploads) => {
    uploads.setValidatorCompiler<ZodType>((route) =>
      route.httpPart === 'body' ? () => ({ value: null }) : validatorCompiler(route),
    );
    uploads.post(
      '/plan-drafts',
      {
        // A JSON (or any non-multipart) body is refused before anything reads it.
        preValidation: async (request) => {
          if (!request.isMultipart()) {
            throw new ServiceError(
              'unsupported-media-type',
              '请以 multipart/form-data 上传方案文件（upload the plan file as multipart/form-data）',
            );
          }
        },
        schema: {
          tags: ['plans'],
          summary: '上传方案文件，生成草稿（upload a plan document into a draft）',
          description:
            '以 multipart/form-data 上传 .md、.txt、.docx 或 .pdf 方案文件（字段 file）；重新导入已有方案的新版本时' +
            '另传 planId。只有方案办公室可以导入。文件不像实施方案时返回 422，超过大小上限返回 413。',
          consumes: ['multipart/form-data'],
          body: z.object({
            file: z.file().describe('方案文件（the plan document）'),
            planId: planDraftUploadFieldsSchema.shape.planId,
          }),
          response: {
            201: draftViewSchema,
            ...errors,
            413: errorEnvelopeSchema,
            415: errorEnvelopeSchema,
            422: errorEnvelopeSchema,
          },
        },
      },
      async (request, reply) => {
        const actor = requireImporter(request);
        const upload = await readUploadForm(app, request, {
          maxBytes: app.luoshi.config.maxUploadMb * MIB,
          fields: planDraftUploadFieldsSchema,
          missingFile: '请在表单字段 file 中上传一个方案文件（upload one plan file, in the form field "file"）',
        });
        const draft = await createPlanDraft(ctx(), actor, {
          fileName: upload.fileName,
          bytes: upload.bytes,
          planId: upload.fields.planId ?? null,
          maxBytes: app.luoshi.config.maxUploadMb * MIB,
          reader: app.luoshi.documentReader,
        });
        return reply.code(201).send(draft);
      },
    );
  });

  app.get(
    '/plan-drafts',
    {
      schema: {
        tags: ['plans'],
        summary: '方案草稿列表（the workspace’s plan drafts）',
        description:
          '本工作区的方案草稿，最新的在前，分页返回：文件名、标题、上传人、时间、状态、任务数，重新导入时将更新的方案。' +
          '只有方案办公室可以查看。',
        querystring: planDraftListQuerySchema,
        response: { 200: planDraftPageSchema, ...errors },
      },
    },
    async (request) => {
      const { cursor, limit, state } = request.query;
      const page = await listPlanDrafts(ctx(), requireImporter(request), { state, after: cursor ?? null, limit });
      return { items: page.items, nextCursor: page.next === null ? null : encodeCursor(page.next) };
    },
  );

  app.get(
    '/plan-drafts/:id',
    {
      schema: {
        tags: ['plans'],
        summary: '方案草稿（a plan draft）',
        description: '草稿的任务、单位、指标、目标和解析提示；单位名称按当前单位目录重新匹配。只有方案办公室可以查看。',
        params: idParamsSchema,
        response: { 200: draftViewSchema, ...errors },
      },
    },
    async (request) => getPlanDraft(ctx(), requireImporter(request), request.params.id),
  );

  app.patch(
    '/plan-drafts/:id',
    {
      schema: {
        tags: ['plans'],
        summary: '修改方案草稿（edit a plan draft）',
        description:
          '按顺序应用一组修改，全部成功或全部不生效；version 不是草稿的当前版本时返回 409（stale），' +
          '某项修改无法应用时返回 422 并指明是第几项。',
        params: idParamsSchema,
        body: editPlanDraftBodySchema,
        response: { 200: draftViewSchema, ...errors, 409: errorEnvelopeSchema, 422: errorEnvelopeSchema },
      },
    },
    async (request) => {
      const actor = requireImporter(request);
      const { version, edits } = request.body;
      // The schema's edits are the service's (it checks them again and applies them): tsc holds the two together.
      return editPlanDraft(ctx(), actor, request.params.id, version, edits);
    },
  );

  app.get(
    '/plan-drafts/:id/diff',
    {
      schema: {
        tags: ['plans'],
        summary: '确认将带来的变化（what confirming the draft would change）',
        description: '新增、删除（含是否已有进展记录）和改动的任务，以及目标的变化。新方案的全部任务都是新增。',
        params: idParamsSchema,
        response: { 200: planDraftDiffSchema, ...errors },
      },
    },
    async (request) => planDraftDiff(ctx(), requireImporter(request), request.params.id),
  );

  app.post(
    '/plan-drafts/:id/confirm',
    {
      schema: {
        tags: ['plans'],
        summary: '确认方案草稿（confirm a draft into the plan）',
        description:
          '在一个事务中建立方案（或其新版本）、任务、单位和指标；已记录的进展保留。version 过时返回 409（stale），' +
          '草稿已确认返回 409（conflict）。',
        params: idParamsSchema,
        body: confirmPlanDraftBodySchema,
        response: { 201: confirmedPlanSchema, ...errors, 409: errorEnvelopeSchema },
      },
    },
    async (request, reply) => {
      const actor = requireImporter(request);
      const planId = await confirmPlanDraft(ctx(), actor, request.params.id, request.body.version);
      return reply.code(201).send({ planId });
    },
  );
};
