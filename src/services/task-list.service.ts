/**
 * Task lists, filtered and paginated in SQL: one plan's tasks (`listPlanTaskPage`) and the tasks of every plan of
 * the workspace (`listTasks`, e.g. "my unit's tasks across all plans"). Filters: plan, unit (lead or support, or
 * one role), the cached derived status, strand, due date before / after a day, text (Chinese substring search over
 * number, title, headings and unit names) and whether to include what a re-import removed.
 *
 * A page is three queries whatever its position in the list — the page of tasks (keyset pagination on
 * `TaskPageKey`), the heading paths of its tasks (one recursive query) and their units — so the millionth row
 * costs what the first does.
 *
 * Who sees what is `canViewPlan`'s: everyone who works on plans sees every plan's tasks; the public only those of
 * published plans, without their derived status (it comes from the delivery record, which is not public: a status
 * filter from the public is `forbidden`); the 三员 administrators none (`forbidden`). A plan the actor may not see
 * is `not-found`.
 */
import { z } from 'zod';
import {
  findAncestorsOfNodes,
  findTaskPage,
  findTaskUnitsOfTasks,
  type TaskAncestorRow,
  type TaskListRow,
  type TaskPageFilter,
  type TaskPageKey,
} from '../db/queries/task.queries.ts';
import { TASK_STATUSES, TASK_UNIT_ROLES } from '../db/schema.ts';
import { normalizeSearchText } from '../db/text-search.ts';
import { canViewDelivery } from '../policies/project.policy.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';
import { headingText, isHeadingKind, type PlanTask, type UnitRef } from './plan-state.ts';
import { planVisibility, readablePlan } from './plan.service.ts';
import { parseInput } from './report-input.ts';
import { idSchema } from '../domain/vocabulary.ts';

export type { TaskPageKey } from '../db/queries/task.queries.ts';

export const TASK_PAGE_LIMIT = Object.freeze({ min: 1, max: 200, default: 50 });

const id = idSchema;

/** The filters and page of a task list, as the services take them (the HTTP layer maps its query onto this). */
export const taskListInputSchema = z.strictObject({
  /** Only this plan's tasks (for `listTasks`; `listPlanTaskPage` names its plan itself). */
  planId: id.optional(),
  /** Tasks this unit leads or supports; with `role`, only those where it has that role. */
  unitId: id.optional(),
  role: z.enum(TASK_UNIT_ROLES).optional(),
  status: z.enum(TASK_STATUSES).optional(),
  strandId: id.optional(),
  /** Due strictly before / after this day (YYYY-MM-DD); tasks without a due date match neither. */
  dueBefore: z.iso.date().optional(),
  dueAfter: z.iso.date().optional(),
  q: z.string().max(100).optional(),
  includeRemoved: z.boolean().default(false),
  /** The previous page's `next`; left out (or null) for the first page. */
  after: z
    .tuple([id, z.union([z.literal(0), z.literal(1)]), z.number().int(), id])
    .readonly()
    .nullable()
    .optional(),
  limit: z.number().int().min(TASK_PAGE_LIMIT.min).max(TASK_PAGE_LIMIT.max).default(TASK_PAGE_LIMIT.default),
});

export type TaskListInput = z.input<typeof taskListInputSchema>;

export interface TaskPage {
  items: PlanTask[];
  /** The sort key of the page's last task when more follow (pass it back as `after`), else null. */
  next: TaskPageKey | null;
}

function parseQuery(input: TaskListInput): z.output<typeof taskListInputSchema> {
  const query = parseInput(taskListInputSchema, input, '任务查询');
  if (query.role !== undefined && query.unitId === undefined) {
    throw new ServiceError('invalid-input', '按角色筛选时需同时指定单位（role needs unitId）', { field: 'role' });
  }
  return query;
}

/** The query's filters as the task query takes them; a blank search (after normalisation) filters nothing. */
function toFilter(query: z.output<typeof taskListInputSchema>): TaskPageFilter {
  const search = query.q === undefined ? '' : normalizeSearchText(query.q);
  return {
    ...(query.planId === undefined ? {} : { planId: query.planId }),
    ...(query.unitId === undefined ? {} : { unitId: query.unitId }),
    ...(query.role === undefined ? {} : { role: query.role }),
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.strandId === undefined ? {} : { strandNodeId: query.strandId }),
    ...(query.dueBefore === undefined ? {} : { dueBefore: query.dueBefore }),
    ...(query.dueAfter === undefined ? {} : { dueAfter: query.dueAfter }),
    ...(search === '' ? {} : { search }),
    includeRemoved: query.includeRemoved,
    ...(query.after == null ? {} : { after: query.after }),
    limit: query.limit + 1,
  };
}

/** The headings above each task node (root first), from its ancestors: parts, strands and areas, as written. */
function pathsOf(ancestors: readonly TaskAncestorRow[]): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  for (const row of ancestors) {
    if (!isHeadingKind(row.kind)) continue;
    let path = paths.get(row.task_node_id);
    if (path === undefined) paths.set(row.task_node_id, (path = []));
    // Rows come nearest first; the path reads from the root down.
    path.unshift(headingText(row));
  }
  return paths;
}

async function toPage(
  ctx: ServiceContext,
  actor: Actor,
  rows: readonly TaskListRow[],
  limit: number,
): Promise<TaskPage> {
  const pageRows = rows.slice(0, limit);
  const ws = actor.workspaceId;
  const [ancestors, unitRows] = await Promise.all([
    findAncestorsOfNodes(
      ctx.db,
      ws,
      pageRows.map((row) => row.node_id),
    ),
    findTaskUnitsOfTasks(
      ctx.db,
      ws,
      pageRows.map((row) => row.id),
    ),
  ]);
  const paths = pathsOf(ancestors);
  const units = new Map<string, { lead: UnitRef[]; support: UnitRef[] }>();
  for (const unit of unitRows) {
    let entry = units.get(unit.task_id);
    if (entry === undefined) units.set(unit.task_id, (entry = { lead: [], support: [] }));
    entry[unit.role].push({ id: unit.unit_id, name: unit.unit_name });
  }
  const showsStatus = canViewDelivery(actor);
  const items = pageRows.map((row): PlanTask => ({
    id: row.id,
    version: row.version,
    planId: row.plan_id,
    nodeId: row.node_id,
    strandNodeId: row.strand_node_id,
    key: row.key,
    number: row.number,
    title: row.title,
    path: paths.get(row.node_id) ?? [],
    position: row.position,
    isRemoved: row.removed_in_version !== null,
    removedInVersion: row.removed_in_version,
    dueOn: row.due_on,
    closedAt: row.closed_at,
    // The status is derived from the delivery record (reports, notices), which the public does not read.
    status: showsStatus ? row.status : null,
    units: units.get(row.id) ?? { lead: [], support: [] },
    sourceText: row.source_text,
  }));
  const last = pageRows.at(-1);
  return {
    items,
    next: rows.length > limit && last !== undefined ? [last.plan_id, last.is_removed, last.position, last.id] : null,
  };
}

/**
 * The tasks of every plan of the actor's workspace that the actor may see, filtered, a page at a time: plans in
 * the order they were made, each plan's tasks in document order (those a re-import removed, when asked for, after
 * the plan's tasks in force). A `planId` the actor may not see is `not-found`.
 */
export async function listTasks(ctx: ServiceContext, actor: Actor, input: TaskListInput = {}): Promise<TaskPage> {
  const visibility = planVisibility(actor);
  if (visibility === 'none') throw new ServiceError('forbidden', '无权查看任务（not allowed to read tasks）');
  const query = parseQuery(input);
  if (query.status !== undefined && !canViewDelivery(actor)) {
    throw new ServiceError('forbidden', '任务状态不公开（task status is not public）');
  }
  if (query.planId !== undefined) await readablePlan(ctx, actor, query.planId);
  const rows = await findTaskPage(ctx.db, actor.workspaceId, {
    ...toFilter(query),
    ...(visibility === 'published' ? { publishedOnly: true } : {}),
  });
  return toPage(ctx, actor, rows, query.limit);
}

/**
 * One plan's tasks in document order, filtered, a page at a time; with `includeRemoved`, the tasks a re-import
 * removed follow those in force. `not-found` for a plan the actor may not see. A cursor (`after`) of another plan
 * is `invalid-input`.
 */
export async function listPlanTaskPage(
  ctx: ServiceContext,
  actor: Actor,
  planId: string,
  input: Omit<TaskListInput, 'planId'> = {},
): Promise<TaskPage> {
  const query = parseQuery({ ...input, planId });
  const plan = await readablePlan(ctx, actor, planId);
  if (query.status !== undefined && !canViewDelivery(actor)) {
    throw new ServiceError('forbidden', '任务状态不公开（task status is not public）');
  }
  if (query.after != null && query.after[0] !== plan.id) {
    throw new ServiceError(
      'invalid-input',
      '分页游标无效，请从第一页重新开始（invalid cursor: start again from the first page）',
      {
        field: 'after',
      },
    );
  }
  const rows = await findTaskPage(ctx.db, actor.workspaceId, toFilter({ ...query, planId: plan.id }));
  return toPage(ctx, actor, rows, query.limit);
}
