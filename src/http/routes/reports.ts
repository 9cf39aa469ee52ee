/**
 * Progress reports (进展报告): a unit saves a draft for a task and period, asks its approver, submits to the office;
 * the office accepts or returns it.
 *
 *   GET  /api/plans/:id/periods                       → { items } the plan's reporting periods
 *   PUT  /api/tasks/:taskId/reports/:period           → Report (save the actor's unit's draft)
 *   POST /api/reports/:id/request-approval|approve|send-back|submit|accept|return → Report
 *   GET  /api/reports/:id                             → Report
 *   GET  /api/reports      ?plan ?unit ?task ?period ?state ?cursor ?limit → { items, nextCursor }
 *   GET  /api/tasks/:taskId/reports/:period/summary   → TaskReportSummary
 *   PUT  /api/reports/:id/contribution                → Report (a support unit's part)
 *
 * The services decide who may do what; a report of another workspace is 404. Submit needs an `Idempotency-Key`
 * header: a client that lost the answer retries with the same key and gets the same report, not a second one.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../services/context.ts';
import {
  acceptReport,
  approveReport,
  getReport,
  listReportingPeriods,
  listReports,
  requestReportApproval,
  returnReport,
  saveReportContribution,
  saveReportDraft,
  sendBackReport,
  submitReport,
  taskReportSummary,
} from '../../services/report.service.ts';
import { requireActor } from '../actor.ts';
import { encodeCursor } from '../pagination.ts';
import { errorResponses } from '../schemas/error.ts';
import { serviceContext } from '../service-context.ts';
import { idParamsSchema } from '../schemas/plans.ts';
import {
  contributionBodySchema,
  reasonBodySchema,
  reportIdParamsSchema,
  reportingPeriodListSchema,
  reportListQuerySchema,
  reportPageSchema,
  reportSchema,
  saveReportDraftBodySchema,
  submitHeadersSchema,
  taskPeriodParamsSchema,
  taskReportSummarySchema,
  versionBodySchema,
} from '../schemas/reports.ts';

const errors = errorResponses(400, 401, 403, 404, 409, 422);

export const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  const ctx = (): ServiceContext => serviceContext(app);

  app.get(
    '/plans/:id/periods',
    {
      schema: {
        tags: ['reports'],
        summary: '方案的报告期（a plan’s reporting periods）',
        description: '从方案起始到现在的各报告期及其报送截止时间。',
        params: idParamsSchema,
        response: { 200: reportingPeriodListSchema, ...errors },
      },
    },
    async (request) => ({ items: await listReportingPeriods(ctx(), requireActor(request), request.params.id) }),
  );

  app.put(
    '/tasks/:taskId/reports/:period',
    {
      schema: {
        tags: ['reports'],
        summary: '保存报告草稿（save a report draft）',
        description: '本单位该任务该期的报告；新建时不传 version，修改时传回读到的 version（过期则 409）。',
        params: taskPeriodParamsSchema,
        body: saveReportDraftBodySchema,
        response: { 200: reportSchema, ...errors },
      },
    },
    async (request) => {
      const { version, ...draft } = request.body;
      return saveReportDraft(ctx(), requireActor(request), {
        ...draft,
        taskId: request.params.taskId,
        period: request.params.period,
        ...(version === undefined ? {} : { expectedVersion: version }),
      });
    },
  );

  const moves = [
    ['request-approval', '提请单位审核（ask the unit’s approver）', requestReportApproval],
    ['approve', '单位审核通过（the unit approves）', approveReport],
    ['accept', '办公室采纳（the office accepts）', acceptReport],
  ] as const;
  for (const [action, summary, move] of moves) {
    app.post(
      `/reports/:id/${action}`,
      {
        schema: {
          tags: ['reports'],
          summary,
          params: reportIdParamsSchema,
          body: versionBodySchema,
          response: { 200: reportSchema, ...errors },
        },
      },
      async (request) => move(ctx(), requireActor(request), request.params.id, request.body.version),
    );
  }

  const withReason = [
    ['send-back', '单位退回修改（the unit’s approver sends it back）', sendBackReport],
    ['return', '办公室退回（the office returns it, with a reason）', returnReport],
  ] as const;
  for (const [action, summary, move] of withReason) {
    app.post(
      `/reports/:id/${action}`,
      {
        schema: {
          tags: ['reports'],
          summary,
          params: reportIdParamsSchema,
          body: reasonBodySchema,
          response: { 200: reportSchema, ...errors },
        },
      },
      async (request) => {
        const { version, reason } = request.body;
        return move(ctx(), requireActor(request), request.params.id, version, { reason });
      },
    );
  }

  app.post(
    '/reports/:id/submit',
    {
      schema: {
        tags: ['reports'],
        summary: '报送（submit to the office）',
        description: '需要 Idempotency-Key 请求头（8–200 个可见 ASCII 字符）：同一键重试返回同一报告，不会重复报送。',
        params: reportIdParamsSchema,
        headers: submitHeadersSchema,
        body: versionBodySchema,
        response: { 200: reportSchema, ...errors },
      },
    },
    async (request) =>
      submitReport(ctx(), requireActor(request), request.params.id, request.body.version, {
        idempotencyKey: request.headers['idempotency-key'],
      }),
  );

  app.get(
    '/reports/:id',
    {
      schema: {
        tags: ['reports'],
        summary: '报告（a report）',
        params: reportIdParamsSchema,
        response: { 200: reportSchema, ...errors },
      },
    },
    async (request) => getReport(ctx(), requireActor(request), request.params.id),
  );

  app.get(
    '/reports',
    {
      schema: {
        tags: ['reports'],
        summary: '报告列表（reports）',
        description: '按方案、单位、任务、报告期、状态筛选，最近报送的在前，分页返回。',
        querystring: reportListQuerySchema,
        response: { 200: reportPageSchema, ...errors },
      },
    },
    async (request) => {
      const { plan, unit, task, period, state, cursor, limit } = request.query;
      const page = await listReports(ctx(), requireActor(request), {
        ...(plan === undefined ? {} : { planId: plan }),
        ...(unit === undefined ? {} : { unitId: unit }),
        ...(task === undefined ? {} : { taskId: task }),
        ...(period === undefined ? {} : { period }),
        ...(state === undefined ? {} : { state }),
        cursor: cursor ?? null,
        limit,
      });
      return { items: page.items, nextCursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor) };
    },
  );

  app.get(
    '/tasks/:taskId/reports/:period/summary',
    {
      schema: {
        tags: ['reports'],
        summary: '任务某期报告汇总（a task’s reports for a period）',
        params: taskPeriodParamsSchema,
        response: { 200: taskReportSummarySchema, ...errors },
      },
    },
    async (request) => taskReportSummary(ctx(), requireActor(request), request.params.taskId, request.params.period),
  );

  app.put(
    '/reports/:id/contribution',
    {
      schema: {
        tags: ['reports'],
        summary: '填写协同情况（a support unit’s contribution）',
        params: reportIdParamsSchema,
        body: contributionBodySchema,
        response: { 200: reportSchema, ...errors },
      },
    },
    async (request) => {
      const { version, text } = request.body;
      return saveReportContribution(ctx(), requireActor(request), request.params.id, version, { text });
    },
  );
};
