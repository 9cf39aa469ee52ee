/**
 * Progress reports (进展报告): the draft a unit saves, its way through approval and submission, and the office's
 * decision. Shared with the web client: this file imports nothing but zod, its own folder and the vocabulary
 * (src/domain/vocabulary.ts).
 */
import { z } from 'zod';
import {
  CONFIDENCE_CODES,
  filledTextSchema,
  idempotencyKeySchema,
  idSchema,
  narrativeSchema,
  periodKeySchema,
  REPORT_STATES,
  reasonTextSchema,
  TEXT_LIMITS,
  textSchema,
  versionSchema,
} from '../../domain/vocabulary.ts';
import { pageQuerySchema, pageSchema } from './pagination.ts';
import { planTargetSchema } from './plans.ts';

const id = idSchema;
const period = periodKeySchema;
const version = versionSchema.describe('当前版本，原样传回（the version read）');

export const reportIdParamsSchema = z.object({ id });
export const taskPeriodParamsSchema = z.object({ taskId: id, period });

export const reportingPeriodSchema = z
  .object({
    period: z.string(),
    label: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    dueAt: z.string(),
    hasEnded: z.boolean(),
    isPastDue: z.boolean(),
  })
  .meta({ id: 'ReportingPeriod', description: '报告期（a reporting period）' });

export const reportingPeriodListSchema = z.object({ items: z.array(reportingPeriodSchema) });

export const reportSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    planId: z.string(),
    taskId: z.string(),
    taskNumber: z.string().describe('任务编号（the task’s number）'),
    taskTitle: z.string().describe('任务标题（the task’s title）'),
    unitId: z.string(),
    unitName: z.string().describe('报送单位名称（the unit’s name）'),
    period: z.string(),
    state: z.enum(REPORT_STATES),
    narrative: z.string(),
    percentDone: z.number().nullable(),
    confidence: z.enum(CONFIDENCE_CODES).nullable(),
    problems: z.string(),
    nextSteps: z.string(),
    readings: z.array(
      z.object({ id: z.string(), targetId: z.string(), period: z.string(), value: z.number(), source: z.string() }),
    ),
    contributions: z.array(
      z.object({
        id: z.string(),
        unitId: z.string(),
        unitName: z.string().nullable(),
        text: z.string(),
        createdBy: z.string().nullable(),
        createdByName: z.string().nullable(),
        updatedAt: z.string(),
      }),
    ),
    approvedAt: z.string().nullable(),
    approvedBy: z.string().nullable(),
    approvedByName: z.string().nullable().describe('单位审核人姓名（the unit approver’s name）'),
    submittedAt: z.string().nullable(),
    isLate: z.boolean().describe('是否逾期报送（submitted at or after the due instant）'),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedByName: z.string().nullable().describe('办公室审核人姓名（the office reviewer’s name）'),
    returnReason: z.string().nullable().describe('退回理由（why the office returned it）'),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    createdByName: z.string().nullable().describe('填报人姓名（the writer’s name）'),
    updatedAt: z.string(),
  })
  .meta({ id: 'Report', description: '进展报告（a progress report）' });

export type ReportResponse = z.input<typeof reportSchema>;

export const reportPageSchema = pageSchema(reportSchema);

export const reportListQuerySchema = pageQuerySchema(z.tuple([z.string().min(1).max(40), id])).extend({
  plan: id.optional(),
  unit: id.optional(),
  task: id.optional(),
  period: period.optional(),
  state: z.enum(REPORT_STATES).optional(),
});

export const saveReportDraftBodySchema = z.strictObject({
  version: version.optional().describe('修改已有报告时必填；新建时省略（left out only to create the report）'),
  narrative: narrativeSchema.optional(),
  percentDone: z.number().int().min(0).max(100).nullable().optional(),
  confidence: z.enum(CONFIDENCE_CODES).nullable().optional(),
  problems: textSchema.optional(),
  nextSteps: textSchema.optional(),
  readings: z
    .array(
      z.strictObject({
        targetId: id,
        value: z.number(),
        source: z.string().trim().min(1).max(TEXT_LIMITS.source).optional(),
      }),
    )
    .max(200)
    .optional(),
  contributions: z
    .array(z.strictObject({ unitId: id, text: filledTextSchema }))
    .max(100)
    .optional(),
});

export const versionBodySchema = z.strictObject({ version });
export const reasonBodySchema = z.strictObject({ version, reason: reasonTextSchema });
export const contributionBodySchema = z.strictObject({ version, text: filledTextSchema });

export const submitHeadersSchema = z.object({
  'idempotency-key': idempotencyKeySchema.describe(
    '本次报送的幂等键；重试时原样传回（the client’s key: a retry returns the same report）',
  ),
});

const unitRef = z.object({ id: z.string(), name: z.string() });
const unitReport = z.object({ unit: unitRef, report: reportSchema.nullable() });

export const taskReportSummarySchema = z
  .object({
    taskId: z.string(),
    planId: z.string(),
    taskNumber: z.string(),
    taskTitle: z.string(),
    period: z.string(),
    dueAt: z.string(),
    primary: unitReport.nullable(),
    otherLeads: z.array(unitReport),
    support: z.array(
      z.object({
        unit: unitRef,
        contribution: z
          .object({
            id: z.string(),
            unitId: z.string(),
            text: z.string(),
            createdBy: z.string().nullable(),
            updatedAt: z.string(),
          })
          .nullable(),
      }),
    ),
    formerUnits: z.array(unitReport),
  })
  .meta({ id: 'TaskReportSummary', description: '任务某期报告汇总（a task’s reports for a period）' });

// ---- Targets: readings, baseline, the planned path and progress ----

export const TARGET_STATUSES = ['met', 'on-track', 'behind', 'off-track', 'no-data'] as const;
export const BASELINE_SOURCES = ['entered', 'first-reading', 'zero'] as const;

export const targetIdParamsSchema = z.object({ id });
export const targetPeriodParamsSchema = z.object({ id, period });

export const targetReadingSchema = z
  .object({
    id: z.string(),
    targetId: z.string(),
    period: z.string(),
    value: z.number(),
    source: z.string(),
    reportId: z.string().nullable(),
    unitId: z.string().nullable(),
    unitName: z.string().nullable().describe('报送单位名称（the reporting unit’s name）'),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    createdByName: z.string().nullable().describe('录入人姓名（the name of who recorded it）'),
  })
  .meta({ id: 'TargetReading', description: '指标读数（a reading of a target）' });

export const targetReadingListSchema = z.object({ items: z.array(targetReadingSchema) });

export const setBaselineBodySchema = z.strictObject({
  version: version.describe('指标的当前版本（the target’s version）'),
  value: z.number(),
  period,
});

export const setTrajectoryPointBodySchema = z.strictObject({
  version: version.optional().describe('修改或删除已有计划值时必填（left out only to create one）'),
  planned: z.number().nullable().describe('计划值；null 删除该期的人工设定（null removes it）'),
});

export const trajectoryPointSchema = z
  .object({ id: z.string(), version: z.number().int(), targetId: z.string(), period: z.string(), planned: z.number() })
  .nullable()
  .meta({ id: 'TrajectoryPoint', description: '人工设定的计划值；删除后为 null（a planned value the office set）' });

export const targetProgressSchema = z
  .object({
    target: planTargetSchema,
    deadline: z.string().nullable(),
    baseline: z.object({ value: z.number(), period: z.string(), source: z.enum(BASELINE_SOURCES) }).nullable(),
    asOf: z.string().nullable(),
    path: z.array(
      z.object({
        period: z.string(),
        planned: z.number().nullable(),
        overridden: z.boolean(),
        actual: z.number().nullable(),
        point: z.object({ id: z.string(), version: z.number().int() }).nullable(),
      }),
    ),
    readings: z.array(targetReadingSchema),
    assessment: z
      .object({
        status: z.enum(TARGET_STATUSES),
        period: z.string(),
        expected: z.number().nullable(),
        actual: z.number().nullable(),
        readingPeriod: z.string().nullable(),
        gap: z.number().nullable(),
        reasons: z.array(z.object({ code: z.string(), message: z.string() })),
      })
      .nullable(),
    forecast: z
      .object({
        value: z.number(),
        meets: z.boolean(),
        deadline: z.string(),
        slopePerYear: z.number(),
        basedOn: z.number().int(),
      })
      .nullable(),
  })
  .meta({ id: 'TargetProgress', description: '指标进展：基期、计划路径、读数、评估与预测（a target’s progress）' });
