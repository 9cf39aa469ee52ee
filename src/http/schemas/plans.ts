/**
 * Plans (实施方案) and their import: the draft the office edits before confirming (方案草稿), what a confirm would
 * change, and the plan in force with its tasks, targets and goals. Shared with the web client: this file imports
 * nothing but zod, its own folder and the vocabulary (src/domain/vocabulary.ts).
 *
 * The code lists copy those of src/db/schema.ts. The routes hand the services' views to these schemas, so a code a
 * service can return but a list here lacks fails to compile there (src/http/routes/plans.ts, plan-drafts.ts).
 */
import { z } from 'zod';
import { idSchema, versionSchema } from '../../domain/vocabulary.ts';
import { pageQuerySchema, pageSchema } from './pagination.ts';

export const PLAN_DRAFT_STATES = ['open', 'confirmed', 'discarded'] as const;
export const CYCLE_FREQUENCIES = ['monthly', 'quarterly', 'half-yearly', 'yearly'] as const;
export const COMPARATORS = ['>=', '<=', '=', 'range', '>'] as const;
export const UNIT_KINDS = [
  'bureau',
  'town',
  'subdistrict',
  'soe',
  'party',
  'mass-org',
  'vertical',
  'external',
  'other',
] as const;
export const TASK_STATUSES = ['not-started', 'on-track', 'at-risk', 'off-track', 'overdue', 'closed'] as const;
export const TASK_UNIT_ROLES = ['lead', 'support'] as const;
export const UNIT_MATCH_KINDS = ['exact', 'alias', 'new'] as const;
export const TASK_MATCHED_BY = ['key', 'title', 'similar-title'] as const;
export const GROUP_DECISIONS = ['keep', 'map', 'drop'] as const;
export const GROUP_STATES = ['undecided', ...GROUP_DECISIONS] as const;

export type TaskStatusCode = (typeof TASK_STATUSES)[number];

const year = z.number().int().min(1000).max(9999);
const isoDate = z.iso.date();
const instant = z.string().describe('ISO 8601 时刻，UTC（an ISO 8601 instant, UTC）');

/** A path parameter `:id`. */
export const idParamsSchema = z.object({ id: idSchema });

const targetValueSchema = z
  .union([z.number(), z.tuple([z.number(), z.number()])])
  .describe('目标值；区间指标为 [下限, 上限]（a number, or [low, high] for a range）');

// ---- The draft ----

export const planSettingsSchema = z
  .object({
    title: z.string(),
    docNumber: z.string().nullable().describe('文号'),
    issuer: z.string().nullable().describe('发文机关（issuer）'),
    issuedOn: isoDate.nullable().describe('成文日期（date of issue）'),
    startYear: year.nullable(),
    endYear: year.nullable(),
    visionYear: year.nullable().describe('远景年，如 2035（the vision year）'),
    cycleFrequency: z.enum(CYCLE_FREQUENCIES).describe('报告周期（reporting cycle）'),
    cycleDueDays: z.number().int().min(0).describe('周期结束后多少天内报告（days after the period ends）'),
    requiresUnitApproval: z.boolean().describe('报告是否需单位审核（whether reports need approval inside the unit）'),
  })
  .meta({ id: 'PlanSettings', description: '方案信息（the plan’s settings）' });

export const draftTargetSchema = z
  .object({
    id: z.string().describe('草稿内的指标编号，修改时引用（the draft-local id edits name）'),
    text: z.string(),
    value: targetValueSchema,
    unit: z.string(),
    comparator: z.enum(COMPARATORS),
    deadline: z.string().nullable().describe('完成年份，如 "2025"（the year it is due）'),
    period: z.string().nullable().describe('时段，如 "2021-2025"（a span）'),
    cumulative: z.boolean().describe('是否累计（cumulative）'),
    baseline: z.object({ value: z.number(), year: year.nullable() }).nullable().describe('基期值（baseline）'),
  })
  .meta({ id: 'DraftTarget', description: '草稿中的指标（a target of the draft）' });

export const draftTaskSchema = z
  .object({
    id: z.string().describe('草稿内的任务编号，修改时引用（the draft-local id edits name）'),
    number: z.string().describe('序号，如 "（11）"'),
    path: z.array(z.string()).describe('上级标题（the headings above the task）'),
    title: z.string(),
    units: z.object({
      lead: z.array(z.string()).describe('牵头单位，按原文顺序（lead units as written）'),
      support: z.array(z.string()).describe('配合单位（support units）'),
    }),
    targets: z.array(draftTargetSchema),
    due: z.string().nullable().describe('原文的完成时限，如 "2021年6月底"（the deadline as written）'),
    unitsInherited: z.boolean().describe('单位是否继承自上级标题（units inherited from the heading）'),
    source: z
      .object({ start: z.number().int(), end: z.number().int() })
      .nullable()
      .describe('在原文中的位置；办公室新增的任务为 null（offsets in the document’s text）'),
  })
  .meta({ id: 'DraftTask', description: '草稿中的任务（a task of the draft）' });

export const draftGoalSchema = z
  .object({ id: z.string(), title: z.string(), targets: z.array(draftTargetSchema) })
  .meta({ id: 'DraftGoal', description: '草稿中的发展目标（a goal of the draft）' });

export const unitMatchSchema = z
  .object({
    name: z.string().describe('草稿中的写法（the name as the draft writes it）'),
    match: z.enum(UNIT_MATCH_KINDS).describe('exact 同名单位；alias 别名；new 确认时新建'),
    unitId: z.string().nullable(),
    unitName: z.string().describe('单位目录中的名称（the directory’s name for it）'),
    kind: z.enum(UNIT_KINDS),
  })
  .meta({ id: 'UnitMatch', description: '单位名称与单位目录的匹配（how a unit name matches the directory）' });

export const draftGroupSchema = z
  .object({
    name: z.string().describe('任务中的写法，如 各有关单位（the name as the tasks write it）'),
    decision: z
      .enum(GROUP_STATES)
      .describe('undecided 未决定；keep 保留为单位组；map 映射到具体单位；drop 删除（the office’s decision）'),
    units: z.array(z.string()).describe('map 时代替它的具体单位（for map: the named units that take its place）'),
  })
  .meta({
    id: 'DraftUnitGroup',
    description:
      '单位组：方案以占位写法指代的一组单位，如 各区、县级市（a unit group the plan names by a placeholder）',
  });

export const draftViewSchema = z
  .object({
    id: z.string(),
    version: z.number().int().describe('修改和确认时原样传回（send it back with each edit and the confirm）'),
    state: z.enum(PLAN_DRAFT_STATES),
    planId: z.string().nullable().describe('重新导入的方案；新方案确认后才有（the plan it is a version of）'),
    isReimport: z.boolean(),
    file: z
      .object({ id: z.string(), name: z.string(), mediaType: z.string(), size: z.number().int(), sha256: z.string() })
      .nullable(),
    plan: planSettingsSchema,
    goals: z.array(draftGoalSchema),
    tasks: z.array(draftTaskSchema),
    warnings: z.array(z.object({ code: z.string(), message: z.string(), at: z.number() })),
    units: z.array(unitMatchSchema),
    unitMerges: z.array(z.object({ from: z.string(), into: z.string() })),
    groups: z
      .array(draftGroupSchema)
      .describe('任务中的单位组及办公室的决定；尚未决定的单位组会阻止确认（undecided groups block the confirm）'),
    source: z.object({
      fileName: z.string(),
      format: z.string(),
      encoding: z.string().nullable(),
      textLength: z
        .number()
        .int()
        .optional()
        .describe('解析所读文本的长度，原文位置不超过它（the length of the text; spans stay within it）'),
    }),
    createdAt: instant,
    updatedAt: instant,
    createdBy: z.string().nullable(),
    createdByName: z.string().nullable().describe('上传人姓名（the uploader’s name）'),
  })
  .meta({ id: 'PlanDraft', description: '方案草稿（a plan draft, as the office edits it）' });

export type DraftViewResponse = z.input<typeof draftViewSchema>;

/** The draft list's cursor: `[createdAt, id]` of the last draft of the page (newest first). */
export const planDraftCursorKeySchema = z.tuple([z.string().min(1).max(40), z.string().min(1).max(64)]);

export const planDraftListQuerySchema = pageQuerySchema(planDraftCursorKeySchema).extend({
  state: z.enum(PLAN_DRAFT_STATES).optional().describe('只列出该状态的草稿，如 open（only drafts in this state）'),
});

export const planDraftListItemSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    state: z.enum(PLAN_DRAFT_STATES).describe('open 待确认；confirmed 已确认；discarded 已作废'),
    fileName: z.string().nullable().describe('上传的文件名（the uploaded file’s name）'),
    title: z.string().describe('草稿中的方案标题（the plan’s title as the draft has it）'),
    taskCount: z.number().int().describe('任务数（tasks in the draft）'),
    undecidedGroups: z.number().int().describe('尚未决定的单位组数，确认前须决定（unit groups not decided yet）'),
    isReimport: z.boolean(),
    plan: z
      .object({ id: z.string(), title: z.string() })
      .nullable()
      .describe('重新导入将更新的方案，或确认后建立的方案（the plan it updates or created）'),
    createdAt: instant,
    updatedAt: instant,
    createdBy: z
      .object({ id: z.string(), displayName: z.string().nullable() })
      .nullable()
      .describe('上传人（who uploaded it）'),
  })
  .meta({ id: 'PlanDraftListItem', description: '草稿列表中的一项（a draft in the list）' });

export const planDraftPageSchema = pageSchema(planDraftListItemSchema);

/** The form fields of `POST /api/plan-drafts` besides the file (the file comes in the field `file`). */
export const planDraftUploadFieldsSchema = z.strictObject({
  planId: idSchema
    .optional()
    .describe('重新导入：新版本所属的方案（re-import: the plan this file is a new version of）'),
});

// ---- Edits (they mirror src/services/plan-draft-edits.ts, which checks them again and applies them) ----

const ref = z.string().trim().min(1).max(40);
const unitName = z.string().trim().min(1).max(100);
const heading = z.string().trim().min(1).max(500);
const deadline = z
  .string()
  .regex(/^\d{4}$/)
  .nullable();
const period = z
  .string()
  .regex(/^\d{4}-\d{4}$/)
  .nullable();
const baseline = z.strictObject({ value: z.number(), year: year.nullable() }).nullable();
const taskTitle = z.string().trim().min(1).max(500);
const taskNumber = z.string().trim().max(20);
const offset = z.number().int().min(0).max(100_000_000).describe('原文中的位置（UTF-16 offset into the text）');

const newTargetSchema = z.strictObject({
  text: z.string().trim().min(1).max(1000),
  value: targetValueSchema,
  unit: z.string().trim().max(50),
  comparator: z.enum(COMPARATORS),
  deadline: deadline.optional(),
  period: period.optional(),
  cumulative: z.boolean().optional(),
  baseline: baseline.optional(),
});

export const draftEditSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('rename-task'),
      taskId: ref,
      title: z.string().trim().min(1).max(500),
      number: z.string().trim().max(20).optional(),
    }),
    z.strictObject({
      type: z.literal('set-task-units'),
      taskId: ref,
      lead: z.array(unitName).min(1).max(50),
      support: z.array(unitName).max(50).optional(),
    }),
    z.strictObject({ type: z.literal('merge-units'), from: unitName, into: unitName }),
    z.strictObject({
      type: z.literal('fix-target'),
      targetId: ref,
      text: z.string().trim().min(1).max(1000).optional(),
      value: targetValueSchema.optional(),
      unit: z.string().trim().max(50).optional(),
      comparator: z.enum(COMPARATORS).optional(),
      deadline: deadline.optional(),
      period: period.optional(),
      cumulative: z.boolean().optional(),
      baseline: baseline.optional(),
    }),
    z.strictObject({
      type: z.literal('add-target'),
      taskId: ref.optional().describe('二者选一：任务（exactly one of taskId and goalId）'),
      goalId: ref.optional().describe('二者选一：目标'),
      target: newTargetSchema,
    }),
    z.strictObject({ type: z.literal('remove-target'), targetId: ref }),
    z.strictObject({
      type: z.literal('move-task'),
      taskId: ref,
      path: z.array(heading).max(10).optional().describe('新的上级标题（the headings it goes under）'),
      before: ref.nullable().optional().describe('移到该任务之前；null 移到最后（null: last）'),
    }),
    z.strictObject({ type: z.literal('remove-task'), taskId: ref }),
    z
      .strictObject({
        type: z.literal('add-task'),
        number: taskNumber.optional().describe('序号，如 "（12）"；默认无（the number as written）'),
        title: taskTitle,
        path: z.array(heading).max(10).optional().describe('上级标题（the headings it goes under）'),
        before: ref.nullable().optional().describe('插到该任务之前；null 放到最后；不填则放在同一标题下最后'),
        lead: z.array(unitName).max(50).optional().describe('牵头单位（lead units）'),
        support: z.array(unitName).max(50).optional().describe('配合单位（support units）'),
        targets: z.array(newTargetSchema).max(50).optional(),
        due: z.string().trim().min(1).max(100).nullable().optional().describe('完成时限，如 "2021年6月底"'),
        source: z
          .strictObject({ start: offset, end: offset })
          .nullable()
          .optional()
          .describe('办公室在原文中选定的位置（the span of the text the office selected）'),
      })
      .describe('新增解析遗漏的任务（add a task the parser missed）'),
    z
      .strictObject({
        type: z.literal('split-task'),
        taskId: ref,
        parts: z
          .array(
            z.strictObject({
              title: taskTitle,
              number: taskNumber.optional().describe('默认沿用原任务序号（the task’s own by default）'),
              sourceStart: offset
                .optional()
                .describe('该部分在原文中的起点；第一部分以外均需给出，或都不给（where this part’s text starts）'),
              lead: z
                .array(unitName)
                .max(50)
                .optional()
                .describe(
                  'lead、support 都不给时沿用原任务单位，给出任一项时该部分的单位即为所给' +
                    '（neither given: the task’s units; either given: the part’s units are as given）',
                ),
              support: z.array(unitName).max(50).optional(),
              targetIds: z
                .array(ref)
                .max(50)
                .optional()
                .describe('分给该部分的指标；未分配的留在第一部分（targets no part names stay with the first）'),
            }),
          )
          .min(2)
          .max(20),
      })
      .describe('把一项任务拆成两项或多项；第一部分保留原任务编号（split a task; the first part keeps its id）'),
    z
      .strictObject({
        type: z.literal('merge-tasks'),
        taskIds: z.array(ref).min(2).max(50).describe('同一标题下相邻的任务，按草稿顺序（adjacent, in order）'),
        title: taskTitle
          .optional()
          .describe('默认以“；”连接各标题；完成时限取第一项写有时限的任务（default: the titles joined）'),
        number: taskNumber.optional().describe('默认为第一项的序号（default: the first one’s）'),
      })
      .describe('合并相邻任务：单位和指标去重合并（merge adjacent tasks; units and targets united）'),
    z
      .strictObject({
        type: z.literal('decide-group'),
        name: unitName.describe('单位组的名称，如 各有关单位（the group’s name）'),
        decision: z.enum(GROUP_DECISIONS).describe('keep 保留为单位组；map 映射到具体单位；drop 删除'),
        units: z.array(unitName).max(50).optional().describe('map 时必填：代替它的具体单位（for map: the units）'),
      })
      .describe('决定单位组的处理方式（decide what a unit group becomes）'),
    z.strictObject({
      type: z.literal('set-plan'),
      title: z.string().trim().min(1).max(500).optional(),
      docNumber: z.string().trim().min(1).max(100).nullable().optional(),
      issuer: z.string().trim().min(1).max(200).nullable().optional(),
      issuedOn: isoDate.nullable().optional(),
      startYear: year.nullable().optional(),
      endYear: year.nullable().optional(),
      visionYear: year.nullable().optional(),
      cycleFrequency: z.enum(CYCLE_FREQUENCIES).optional(),
      cycleDueDays: z.number().int().min(0).optional(),
      requiresUnitApproval: z.boolean().optional(),
    }),
  ])
  .meta({
    id: 'DraftEdit',
    description:
      '一项草稿修改：重命名任务、设置单位、合并单位、修改/新增/删除指标、新增/拆分/合并/移动/删除任务、处理单位组、' +
      '设置方案信息（one edit）',
  });

export type DraftEditBody = z.input<typeof draftEditSchema>;

export const editPlanDraftBodySchema = z.strictObject({
  version: versionSchema.describe('草稿的当前版本（the version the edits were made on）'),
  edits: z.array(draftEditSchema).min(1).max(1000).describe('按顺序应用，全部成功或全部不生效（all or none）'),
});

export const confirmPlanDraftBodySchema = z.strictObject({
  version: versionSchema.describe('草稿的当前版本（the version that was reviewed）'),
});

export const confirmedPlanSchema = z
  .object({ planId: z.string() })
  .meta({ id: 'ConfirmedPlan', description: '确认后的方案（the confirmed plan）' });

// ---- What a confirm would change ----

const targetSummarySchema = z.object({
  text: z.string(),
  comparator: z.enum(COMPARATORS),
  value: targetValueSchema,
  unit: z.string(),
  deadline: z.string().nullable(),
  period: z.string().nullable(),
  cumulative: z.boolean(),
  baseline: z.object({ value: z.number(), period: z.string().nullable() }).nullable(),
});

const targetChangesSchema = z.object({
  added: z.array(targetSummarySchema),
  removed: z.array(targetSummarySchema.extend({ targetId: z.string() })),
  changed: z.array(z.object({ targetId: z.string(), before: targetSummarySchema, after: targetSummarySchema })),
});

const taskChangeSchema = z.union([
  z.object({ field: z.enum(['number', 'title']), before: z.string(), after: z.string() }),
  z.object({ field: z.enum(['path', 'lead', 'support']), before: z.array(z.string()), after: z.array(z.string()) }),
  z
    .object({ field: z.literal('text'), before: z.string(), after: z.string() })
    .describe('方案原文中该任务的段落有变化（the plan’s own paragraph for the task changed）'),
  z.object({ field: z.literal('restored') }).describe('此前被删除的任务恢复（a task removed earlier comes back）'),
  z.object({ field: z.literal('targets') }).extend(targetChangesSchema.shape),
]);

const diffTaskSchema = z.object({ number: z.string(), title: z.string(), path: z.array(z.string()) });

export const planDraftDiffSchema = z
  .object({
    draftId: z.string(),
    planId: z.string().nullable(),
    currentVersion: z.number().int().nullable().describe('现行版本号；新方案为 null（the version in force）'),
    summary: z.object({
      added: z.number().int(),
      removed: z.number().int(),
      changed: z.number().int(),
      unchanged: z.number().int(),
    }),
    added: z.array(
      diffTaskSchema.extend({ draftTaskId: z.string(), lead: z.array(z.string()), support: z.array(z.string()) }),
    ),
    removed: z.array(
      diffTaskSchema.extend({
        taskId: z.string(),
        hasProgress: z.boolean().describe('已有进展记录，删除后保留（progress is recorded against it）'),
      }),
    ),
    changed: z.array(
      diffTaskSchema.extend({
        taskId: z.string(),
        draftTaskId: z.string(),
        matchedBy: z.enum(TASK_MATCHED_BY),
        changes: z.array(taskChangeSchema),
      }),
    ),
    goals: z.object({
      added: z.array(z.string()),
      removed: z.array(z.string()),
      changed: z.array(
        z.object({ title: z.string(), before: z.string(), after: z.string(), targets: targetChangesSchema }),
      ),
    }),
  })
  .meta({ id: 'PlanDraftDiff', description: '确认草稿将对现行方案做出的改变（what confirming would change）' });

// ---- The plan in force ----

export const planSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    title: z.string(),
    docNumber: z.string().nullable().describe('文号'),
    issuer: z.string().nullable(),
    issuedOn: isoDate.nullable(),
    startYear: z.number().int().nullable(),
    endYear: z.number().int().nullable(),
    visionYear: z.number().int().nullable(),
    cycle: z.object({ frequency: z.enum(CYCLE_FREQUENCIES), dueDays: z.number().int() }),
    requiresUnitApproval: z.boolean(),
    allowSelfApproval: z
      .boolean()
      .describe(
        '单位只有一位审核人时，可审核自己填写的报告（a unit’s only approver may approve a report it wrote itself）',
      ),
    published: z.boolean().describe('是否已向公众公开（published to the public）'),
    currentVersion: z.number().int().describe('现行版本号（the plan version in force）'),
    createdAt: instant,
    updatedAt: instant,
    createdBy: z.string().nullable(),
    createdByName: z.string().nullable().describe('创建人姓名（the name of who made it）'),
    reportingStartsOn: isoDate
      .nullable()
      .describe(
        '方案办公室设定的报送起始日，此前各期不要求报送；null 为默认：方案开始日与确认日中较晚者（the reporting start the office set; null: the later of the plan’s start and its confirmation）',
      ),
  })
  .meta({ id: 'Plan', description: '实施方案（a plan）' });

/** The settings of a plan in force that the plan office changes after confirming it. */
export const planSettingsChangeSchema = z
  .object({
    version: versionSchema,
    allowSelfApproval: z
      .boolean()
      .optional()
      .describe(
        '单位只有一位审核人时，允许其审核自己填写的报告（let a unit’s only approver approve a report it wrote itself）',
      ),
    reportingStartsOn: isoDate
      .nullable()
      .optional()
      .describe(
        '报送起始日：此前各期不要求报送；null 恢复默认（方案开始日与确认日中较晚者）（the reporting start; null: back to the default）',
      ),
  })
  .strict()
  .refine((change) => change.allowSelfApproval !== undefined || change.reportingStartsOn !== undefined, {
    message: '至少修改一项设置（change at least one setting）',
  });

const unitRefSchema = z.object({ id: z.string(), name: z.string() });

export const planTaskSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    planId: z.string(),
    nodeId: z.string(),
    strandNodeId: z.string().nullable().describe('所属工作方向的节点（the strand it belongs to）'),
    key: z.string().describe('跨版本稳定的键（stable across versions）'),
    number: z.string(),
    title: z.string(),
    path: z.array(z.string()).describe('上级标题（the headings above the task）'),
    position: z.number().int().describe('原文顺序；被删除的保留最后的位置（document order）'),
    isRemoved: z.boolean().describe('是否已被新版本删除（removed by a later version）'),
    removedInVersion: z
      .number()
      .int()
      .nullable()
      .describe('删除它的方案版本号；现行时为 null（the plan version that removed it）'),
    dueOn: isoDate.nullable(),
    closedAt: instant.nullable(),
    status: z.enum(TASK_STATUSES).nullable().describe('推导出的任务状态；尚未计算时为 null（derived status）'),
    units: z.object({
      lead: z.array(unitRefSchema).describe('牵头单位，第一个为主牵头单位（the first is the primary lead）'),
      support: z.array(unitRefSchema).describe('配合单位'),
    }),
    sourceText: z
      .string()
      .nullable()
      .describe('方案原文中该任务的段落；未读到时为 null（the plan’s own paragraph for the task）'),
  })
  .meta({ id: 'PlanTask', description: '任务（a task of a plan）' });

export type PlanTaskResponse = z.input<typeof planTaskSchema>;

export const planTargetSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    planId: z.string(),
    taskId: z.string().nullable().describe('所属任务；目标的指标为 null（null for a goal’s target）'),
    goalNodeId: z.string().nullable(),
    text: z.string(),
    comparator: z.enum(COMPARATORS),
    value: targetValueSchema,
    unit: z.string(),
    deadline: z.string().nullable(),
    period: z.string().nullable(),
    cumulative: z.boolean(),
    baseline: z.object({ value: z.number(), period: z.string().nullable() }).nullable(),
    position: z.number().int(),
    isRemoved: z.boolean(),
    removedInVersion: z
      .number()
      .int()
      .nullable()
      .describe('删除它的方案版本号；现行时为 null（the plan version that removed it）'),
  })
  .meta({ id: 'PlanTarget', description: '指标（a target）' });

export const planGoalSchema = z
  .object({
    nodeId: z.string(),
    version: z.number().int(),
    title: z.string(),
    position: z.number().int(),
    isRemoved: z.boolean(),
    removedInVersion: z
      .number()
      .int()
      .nullable()
      .describe('删除它的方案版本号；现行时为 null（the plan version that removed it）'),
  })
  .meta({ id: 'PlanGoal', description: '发展目标（a goal）' });

/** `?includeRemoved=true`: also what a later version of the plan removed. */
const includeRemoved = z
  .stringbool()
  .default(false)
  .describe('true 时同时返回被新版本删除的条目（true: also what a later version removed）');

export const planListQuerySchema = z.object({ includeRemoved });

/**
 * A task list's cursor: the sort key of the last task of the page — its plan, 0 in force or 1 removed, its position
 * and its id (plans in the order they were made, each plan's tasks in document order, removed ones last).
 */
export const taskCursorKeySchema = z.tuple([
  idSchema,
  z.union([z.literal(0), z.literal(1)]),
  z.number().int(),
  idSchema,
]);

const taskFilters = {
  unit: idSchema.optional().describe('单位 id：牵头或配合的任务（tasks this unit leads or supports）'),
  status: z.enum(TASK_STATUSES).optional().describe('任务状态（derived status, as last computed）'),
  strand: idSchema.optional().describe('工作方向的节点 id（the strand node）'),
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('在序号、标题、上级标题和单位名称中查找，支持中文（text search, works for Chinese）'),
  includeRemoved,
};

export const planTaskListQuerySchema = pageQuerySchema(taskCursorKeySchema).extend(taskFilters);

/** `GET /api/tasks`: the tasks of every plan of the workspace, with the plan list's filters and a few more. */
export const taskListQuerySchema = pageQuerySchema(taskCursorKeySchema)
  .extend({
    plan: idSchema.optional().describe('方案 id（only this plan’s tasks）'),
    ...taskFilters,
    role: z
      .enum(TASK_UNIT_ROLES)
      .optional()
      .describe('与 unit 同用：lead 牵头、support 配合（with unit: only where it leads, or supports）'),
    dueBefore: isoDate.optional().describe('完成期限早于该日（due strictly before this day）'),
    dueAfter: isoDate.optional().describe('完成期限晚于该日（due strictly after this day）'),
  })
  .refine((query) => query.role === undefined || query.unit !== undefined, {
    path: ['role'],
    message: '按角色筛选时需同时指定 unit（role needs unit）',
  });

export const planTaskPageSchema = pageSchema(planTaskSchema);

/** The plan list's cursor: `[createdAt, id]` of the last plan of the page (newest first). */
export const planCursorKeySchema = z.tuple([z.string().min(1).max(40), idSchema]);

export const planPageQuerySchema = pageQuerySchema(planCursorKeySchema);

export const planPageSchema = pageSchema(planSchema);

export const planTargetListSchema = z.object({ items: z.array(planTargetSchema) });
export const planGoalListSchema = z.object({ items: z.array(planGoalSchema) });
