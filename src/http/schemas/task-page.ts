/** One task's page in one answer (`GET /api/tasks/:id`). Imports nothing but zod, the other schemas and the vocabulary. */
import { z } from 'zod';
import { CLOSE_OUT_REQUEST_STATES } from './close-outs.ts';
import { CONFIDENCE_CODES, idSchema, REPORT_STATES } from '../../domain/vocabulary.ts';
import { NOTICE_LEVELS, NOTICE_STATUSES } from './notices.ts';
import { targetProgressSchema } from './reports.ts';
import { taskStatusSchema } from './task-status.ts';

const ACTIVITY_ACTIONS = [
  'report.submitted',
  'report.approved',
  'report.accepted',
  'report.returned',
  'notice.issued',
  'notice.escalated',
  'notice.responded',
  'close-out.requested',
  'close-out.approved',
  'close-out.rejected',
  'comment.added',
] as const;

const instant = z.string().describe('ISO 8601 时刻，UTC（an ISO 8601 instant, UTC）');
const date = z.string().describe('YYYY-MM-DD');
const unitRef = z.object({ id: z.string(), name: z.string() });
const person = (what: string) => ({
  id: z.string().nullable().describe(`${what}的用户 id（user id）`),
  name: z.string().nullable().describe(`${what}的姓名（display name）`),
});

export const taskPageParamsSchema = z.object({ id: idSchema });

const closeOutSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  state: z.enum(CLOSE_OUT_REQUEST_STATES),
  evidence: z.string(),
  reason: z.string().nullable(),
  requestedBy: person('申请人').id,
  requestedByName: person('申请人').name,
  requestedAt: instant,
  decidedAt: instant.nullable(),
  decidedBy: person('审批人').id,
  decidedByName: person('审批人').name,
});

export const taskPageSchema = z
  .object({
    task: z.object({
      id: z.string(),
      version: z.number().int(),
      planId: z.string(),
      planTitle: z.string(),
      number: z.string(),
      title: z.string(),
      path: z.array(z.string()).describe('上级标题，自上而下（the headings above the task）'),
      strand: z.string().nullable().describe('所属工作方向（the strand）'),
      area: z.string().nullable().describe('所属领域（the area）'),
      dueOn: date.nullable(),
      closedAt: instant.nullable(),
      isRemoved: z.boolean(),
      sourceText: z.string().nullable().describe('方案原文中该任务的段落（the plan’s own paragraph for the task）'),
      units: z.object({ lead: z.array(unitRef), support: z.array(unitRef) }),
    }),
    reporting: z
      .object({ startsOn: date, isDefault: z.boolean(), firstExpectedPeriod: z.string() })
      .describe('报送起始日与首个应报期（the reporting start and the first period expected）'),
    status: taskStatusSchema,
    targets: z.array(targetProgressSchema).describe('各指标进展；无权查看时为空（empty without the right）'),
    projects: z.array(
      z.object({
        id: z.string(),
        version: z.number().int(),
        name: z.string(),
        description: z.string(),
        ownerUnit: unitRef.nullable(),
        plannedStart: date.nullable(),
        plannedEnd: date.nullable(),
        actualStart: date.nullable(),
        actualEnd: date.nullable(),
        milestones: z
          .array(
            z.object({
              id: z.string(),
              version: z.number().int(),
              name: z.string(),
              dueOn: date,
              doneOn: date.nullable(),
              isFrozen: z.boolean(),
            }),
          )
          .describe('现行节点（已删除的不列）（milestones in force）'),
      }),
    ),
    reports: z
      .array(
        z.object({
          id: z.string(),
          version: z.number().int(),
          unitId: z.string(),
          unitName: z.string(),
          period: z.string(),
          periodLabel: z.string(),
          state: z.enum(REPORT_STATES),
          percentDone: z.number().nullable(),
          confidence: z.enum(CONFIDENCE_CODES).nullable(),
          isLate: z.boolean(),
          createdBy: person('填报人').id,
          createdByName: person('填报人').name,
          approvedAt: instant.nullable(),
          approvedBy: person('单位审核人').id,
          approvedByName: person('单位审核人').name,
          submittedAt: instant.nullable(),
          decidedAt: instant.nullable(),
          decidedBy: person('办公室审核人').id,
          decidedByName: person('办公室审核人').name,
          returnReason: z.string().nullable(),
          updatedAt: instant,
        }),
      )
      .describe('最近的报告，按期倒序（recent reports, newest period first）'),
    notices: z.array(
      z.object({
        id: z.string(),
        version: z.number().int(),
        unitId: z.string(),
        unitName: z.string(),
        level: z.enum(NOTICE_LEVELS),
        state: z.enum(NOTICE_STATUSES),
        dueOn: date,
        body: z.string(),
        response: z.string().nullable(),
        respondedAt: instant.nullable(),
        respondedBy: person('回复人').id,
        respondedByName: person('回复人').name,
        escalatedFromId: z.string().nullable(),
        issuedBy: person('签发人').id,
        issuedByName: person('签发人').name,
        createdAt: instant,
      }),
    ),
    closeOut: z.object({
      current: closeOutSchema.nullable().describe('现行的销号申请（the close-out in force）'),
      history: z.array(closeOutSchema).describe('全部销号申请，新的在前（every request, newest first）'),
    }),
    comments: z.array(
      z.object({
        id: z.string(),
        version: z.number().int(),
        body: z.string(),
        authorId: person('作者').id,
        authorName: person('作者').name,
        createdAt: instant,
        updatedAt: instant,
      }),
    ),
    attachments: z.array(
      z.object({
        id: z.string(),
        fileId: z.string(),
        name: z.string(),
        mediaType: z.string(),
        size: z.number().int(),
        createdAt: instant,
        createdBy: person('上传人').id,
        createdByName: person('上传人').name,
      }),
    ),
    activity: z
      .array(
        z.object({
          at: instant,
          action: z.enum(ACTIVITY_ACTIONS),
          actorId: z.string().nullable(),
          actorName: z.string().nullable(),
          subjectType: z.enum(['report', 'notice', 'close-out', 'comment']),
          subjectId: z.string(),
          summary: z.string(),
        }),
      )
      .describe('任务动态，取自各项记录本身，新的在前（the task’s activity from its records, newest first）'),
    asOf: instant,
  })
  .meta({ id: 'TaskPage', description: '任务页：一次请求取得任务页所需的全部内容（everything a task’s page shows）' });
