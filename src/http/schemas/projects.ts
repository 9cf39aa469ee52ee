/** Projects (项目) a task is split into, and their milestones (节点). Imports nothing but zod. */
import { z } from 'zod';
import { idSchema, versionSchema } from '../../domain/vocabulary.ts';

const id = idSchema;
const isoDate = z.iso.date();
const version = versionSchema.describe('当前版本，原样传回（the version read）');
const name = z.string().trim().min(1).max(200);

export const projectTaskParamsSchema = z.object({ taskId: id });
export const projectIdParamsSchema = z.object({ id });

export const createProjectBodySchema = z.strictObject({
  ownerUnitId: id.nullable().default(null),
  name,
  description: z.string().max(10_000).optional(),
  plannedStart: isoDate.nullable().optional(),
  plannedEnd: isoDate.nullable().optional(),
});
export const updateProjectBodySchema = z.strictObject({
  version,
  ownerUnitId: id.nullable().optional(),
  name: name.optional(),
  description: z.string().max(10_000).optional(),
  plannedStart: isoDate.nullable().optional(),
  plannedEnd: isoDate.nullable().optional(),
  actualStart: isoDate.nullable().optional(),
  actualEnd: isoDate.nullable().optional(),
});
export const projectListQuerySchema = z.object({
  task: id.optional(),
  plan: id.optional(),
  unit: id.optional(),
});
const extendProject = z
  .boolean()
  .optional()
  .describe('节点期限晚于项目计划完成日期时，将其顺延至节点期限（move the project’s planned end to the due date）');
export const createMilestoneBodySchema = z.strictObject({
  name,
  dueOn: isoDate,
  doneOn: isoDate.nullable().optional(),
  position: z.number().int().min(0).optional(),
  extendProject,
});
export const updateMilestoneBodySchema = z.strictObject({
  version,
  name: name.optional(),
  dueOn: isoDate.optional(),
  doneOn: isoDate.nullable().optional(),
  position: z.number().int().min(0).optional(),
  extendProject,
});
export const removeMilestoneBodySchema = z.strictObject({
  version,
  reason: z.string().min(1).max(2000).describe('删除原因（why it is removed）'),
});
export const milestoneDoneBodySchema = z.strictObject({ version, doneOn: isoDate.optional() });

export const projectSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    taskId: z.string(),
    planId: z.string(),
    ownerUnit: z.object({ id: z.string(), name: z.string() }).nullable(),
    name: z.string(),
    description: z.string(),
    plannedStart: z.string().nullable(),
    plannedEnd: z.string().nullable(),
    actualStart: z.string().nullable(),
    actualEnd: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Project', description: '项目（a project of a task）' });

export const milestoneSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    projectId: z.string(),
    taskId: z.string(),
    name: z.string(),
    dueOn: z.string(),
    doneOn: z.string().nullable(),
    isFrozen: z.boolean().describe('任务已销号，不可再修改（the task is closed out）'),
    position: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Milestone', description: '节点（a milestone）' });

export const projectListSchema = z.object({ items: z.array(projectSchema) });
export const milestoneListSchema = z.object({ items: z.array(milestoneSchema) });
