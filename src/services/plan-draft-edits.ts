/**
 * The office's edits to a plan draft before it is confirmed: rename a task, set its units, merge two unit names,
 * fix / add / remove a target, move or remove a task, set the plan's metadata. A batch applies in order to a copy
 * of the draft, and all of it or none: the first bad edit throws `invalid-input` naming the edit.
 */
import { z } from 'zod';
import { COMPARATORS, CYCLE_FREQUENCIES } from '../db/schema.ts';
import { MAX_DUE_DAYS } from '../domain/periods.ts';
import {
  draftUnitNames,
  takeRef,
  targetValueSchema,
  type DraftDocument,
  type DraftTarget,
  type DraftTask,
} from './plan-draft-document.ts';
import { ServiceError } from './errors.ts';
import { cleanUnitName, resolveUnit, type UnitDirectory } from './plan-units.ts';

const ref = z.string().trim().min(1).max(40);
const unitName = z.string().trim().min(1).max(100);
const heading = z.string().trim().min(1).max(500);
const year = z.number().int().min(1000).max(9999);
const comparator = z.enum(COMPARATORS);
const deadline = z
  .string()
  .regex(/^\d{4}$/)
  .nullable();
const baseline = z.strictObject({ value: z.number(), year: year.nullable() }).nullable();

const renameTask = z.strictObject({
  type: z.literal('rename-task'),
  taskId: ref,
  title: z.string().trim().min(1).max(500),
  /** The task's number as written, "（11）"; unchanged when left out. */
  number: z.string().trim().max(20).optional(),
});

const setTaskUnits = z.strictObject({
  type: z.literal('set-task-units'),
  taskId: ref,
  lead: z.array(unitName).min(1).max(50),
  support: z.array(unitName).max(50).default([]),
});

const mergeUnits = z.strictObject({ type: z.literal('merge-units'), from: unitName, into: unitName });

const fixTarget = z.strictObject({
  type: z.literal('fix-target'),
  targetId: ref,
  text: z.string().trim().min(1).max(1000).optional(),
  value: targetValueSchema.optional(),
  unit: z.string().trim().max(50).optional(),
  comparator: comparator.optional(),
  deadline: deadline.optional(),
  period: z
    .string()
    .regex(/^\d{4}-\d{4}$/)
    .nullable()
    .optional(),
  cumulative: z.boolean().optional(),
  baseline: baseline.optional(),
});

const newTarget = z.strictObject({
  text: z.string().trim().min(1).max(1000),
  value: targetValueSchema,
  unit: z.string().trim().max(50),
  comparator,
  deadline: deadline.default(null),
  period: z
    .string()
    .regex(/^\d{4}-\d{4}$/)
    .nullable()
    .default(null),
  cumulative: z.boolean().default(false),
  baseline: baseline.default(null),
});

const addTarget = z.strictObject({
  type: z.literal('add-target'),
  /** The task or the goal that gets the target: exactly one of the two. */
  taskId: ref.optional(),
  goalId: ref.optional(),
  target: newTarget,
});

const removeTarget = z.strictObject({ type: z.literal('remove-target'), targetId: ref });

const moveTask = z.strictObject({
  type: z.literal('move-task'),
  taskId: ref,
  /** The headings the task goes under, as written ("（二）…", "4.…"); unchanged when left out. */
  path: z.array(heading).max(10).optional(),
  /** Put it before this task; null puts it last; left out, it goes after the last task under its (new) path. */
  before: ref.nullable().optional(),
});

const removeTask = z.strictObject({ type: z.literal('remove-task'), taskId: ref });

const setPlan = z.strictObject({
  type: z.literal('set-plan'),
  title: z.string().trim().min(1).max(500).optional(),
  docNumber: z.string().trim().min(1).max(100).nullable().optional(),
  issuer: z.string().trim().min(1).max(200).nullable().optional(),
  issuedOn: z.iso.date().nullable().optional(),
  startYear: year.nullable().optional(),
  endYear: year.nullable().optional(),
  visionYear: year.nullable().optional(),
  cycleFrequency: z.enum(CYCLE_FREQUENCIES).optional(),
  cycleDueDays: z.number().int().min(0).max(MAX_DUE_DAYS).optional(),
  requiresUnitApproval: z.boolean().optional(),
});

export const draftEditSchema = z.discriminatedUnion('type', [
  renameTask,
  setTaskUnits,
  mergeUnits,
  fixTarget,
  addTarget,
  removeTarget,
  moveTask,
  removeTask,
  setPlan,
]);

export const draftEditsSchema = z.array(draftEditSchema).min(1).max(1000);

/** One edit, as a client sends it (defaults may be left out). */
export type DraftEditInput = z.input<typeof draftEditSchema>;
/** One edit after validation. */
export type DraftEdit = z.output<typeof draftEditSchema>;
export type DraftEditType = DraftEdit['type'];

const EDIT_LABELS: Readonly<Record<DraftEditType, string>> = {
  'rename-task': '重命名任务',
  'set-task-units': '设置任务单位',
  'merge-units': '合并单位',
  'fix-target': '修改指标',
  'add-target': '新增指标',
  'remove-target': '删除指标',
  'move-task': '移动任务',
  'remove-task': '删除任务',
  'set-plan': '设置方案信息',
};

function editLabel(index: number, type: unknown): string {
  const label = typeof type === 'string' && type in EDIT_LABELS ? EDIT_LABELS[type as DraftEditType] : '未知修改';
  return `第 ${index + 1} 项修改（${label}）`;
}

function badEdit(index: number, type: unknown, message: string, details: Record<string, unknown> = {}): ServiceError {
  return new ServiceError('invalid-input', `${editLabel(index, type)}：${message}`, { edit: index, ...details });
}

/** Validates a batch from a client; the message names the first bad edit and field. */
export function parseDraftEdits(input: unknown): DraftEdit[] {
  const result = draftEditsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const [index, ...field] = issue?.path ?? [];
  if (typeof index !== 'number') {
    throw new ServiceError(
      'invalid-input',
      '修改内容应为 1–1000 项修改组成的列表（edits must be a list of 1–1000 edits）',
    );
  }
  const type = Array.isArray(input) ? (input[index] as { type?: unknown } | undefined)?.type : undefined;
  const where = field.length > 0 ? `字段“${field.join('.')}”` : '类型';
  throw badEdit(index, type, `${where}无效（${issue?.message ?? 'invalid'}）`, { field: field.join('.') });
}

/**
 * Applies a batch of edits to a copy of the draft and returns the copy; throws `invalid-input` at the first edit
 * that does not apply (an unknown task, a range without bounds, …), leaving the draft as it was.
 */
export function applyDraftEdits(
  document: DraftDocument,
  edits: readonly DraftEdit[],
  directory: UnitDirectory,
): DraftDocument {
  const next = structuredClone(document);
  edits.forEach((edit, index) => applyEdit(next, edit, index, directory));
  return next;
}

function findTask(document: DraftDocument, taskId: string, index: number, type: DraftEditType): DraftTask {
  const task = document.tasks.find((t) => t.id === taskId);
  if (task === undefined) throw badEdit(index, type, `草稿中没有任务 ${taskId}`, { taskId });
  return task;
}

function findTarget(
  document: DraftDocument,
  targetId: string,
  index: number,
  type: DraftEditType,
): { list: DraftTarget[]; at: number } {
  for (const owner of [...document.tasks, ...document.goals]) {
    const at = owner.targets.findIndex((t) => t.id === targetId);
    if (at >= 0) return { list: owner.targets, at };
  }
  throw badEdit(index, type, `草稿中没有指标 ${targetId}`, { targetId });
}

/** The checks a target must pass after an edit, in the words the office uses. */
function checkTarget(target: DraftTarget, index: number, type: DraftEditType): void {
  const fail = (message: string) => badEdit(index, type, `指标“${target.text}”${message}`, { targetId: target.id });
  if (target.comparator === 'range') {
    if (!Array.isArray(target.value)) throw fail('是区间指标，目标值应为 [下限, 上限]');
    if (target.value[0] > target.value[1]) throw fail('的下限大于上限');
  } else if (Array.isArray(target.value)) {
    throw fail('不是区间指标，目标值应为一个数');
  }
  const values = Array.isArray(target.value) ? target.value : [target.value];
  if (!values.every(Number.isFinite)) throw fail('的目标值应为有限数值');
  if (target.baseline !== null) {
    if (!Number.isFinite(target.baseline.value)) throw fail('的基期值应为有限数值');
    if (target.baseline.year !== null && target.deadline !== null && target.baseline.year > Number(target.deadline)) {
      throw fail(`的基期（${target.baseline.year}年）晚于完成期限（${target.deadline}年）`);
    }
  }
  if (target.period !== null) {
    const [from, to] = target.period.split('-').map(Number);
    if (from === undefined || to === undefined || from > to) throw fail(`的时段“${target.period}”起止颠倒`);
  }
}

function checkUnitLists(lead: string[], support: string[], index: number, type: DraftEditType): void {
  const seen = new Set<string>();
  for (const name of [...lead, ...support]) {
    if (seen.has(name)) throw badEdit(index, type, `单位“${name}”重复出现`, { unit: name });
    seen.add(name);
  }
}

/** Replaces `from` by `into` in a list, keeping the first occurrence of each name. */
function replaceName(names: readonly string[], from: string, into: string): string[] {
  const out: string[] = [];
  for (const name of names) {
    const renamed = name === from ? into : name;
    if (!out.includes(renamed)) out.push(renamed);
  }
  return out;
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

function applyEdit(document: DraftDocument, edit: DraftEdit, index: number, directory: UnitDirectory): void {
  switch (edit.type) {
    case 'rename-task': {
      const task = findTask(document, edit.taskId, index, edit.type);
      task.title = edit.title;
      if (edit.number !== undefined) task.number = edit.number;
      return;
    }
    case 'set-task-units': {
      const task = findTask(document, edit.taskId, index, edit.type);
      // A name the office merged away earlier stands for the unit it was merged into.
      const merged = (name: string) => {
        const clean = cleanUnitName(name);
        return document.unitMerges.find((merge) => merge.from === clean)?.into ?? clean;
      };
      const lead = edit.lead.map(merged);
      const support = edit.support.map(merged);
      checkUnitLists(lead, support, index, edit.type);
      task.units = { lead, support };
      task.unitsInherited = false;
      return;
    }
    case 'merge-units': {
      const from = cleanUnitName(edit.from);
      const into = cleanUnitName(edit.into);
      if (from === into) throw badEdit(index, edit.type, `不能把“${from}”合并到它自己`);
      if (!draftUnitNames(document).includes(from)) {
        throw badEdit(index, edit.type, `草稿中没有单位“${from}”`, { unit: from });
      }
      // `from` becomes an alias on confirm, so it cannot already be a unit of the directory or another's alias.
      const known = resolveUnit(directory, from);
      const target = resolveUnit(directory, into);
      if (known?.match === 'exact') {
        throw badEdit(index, edit.type, `“${from}”是单位目录中已有的单位，不能作为别名合并到“${into}”`, {
          unit: from,
        });
      }
      if (known?.match === 'alias' && known.unit.id !== target?.unit.id) {
        throw badEdit(index, edit.type, `“${from}”已是“${known.unit.name}”的别名，不能合并到“${into}”`, {
          unit: from,
        });
      }
      for (const task of document.tasks) {
        const lead = replaceName(task.units.lead, from, into);
        task.units = { lead, support: replaceName(task.units.support, from, into).filter((n) => !lead.includes(n)) };
      }
      // A name merged into `from` earlier now goes to `into` as well.
      document.unitMerges = document.unitMerges
        .map((merge) => (merge.into === from ? { from: merge.from, into } : merge))
        .filter((merge) => merge.from !== merge.into && merge.from !== from);
      document.unitMerges.push({ from, into });
      return;
    }
    case 'fix-target': {
      const { list, at } = findTarget(document, edit.targetId, index, edit.type);
      const current = list[at] as DraftTarget;
      const { type: _type, targetId: _targetId, ...patch } = edit;
      const fixed: DraftTarget = { ...current };
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) (fixed as Record<string, unknown>)[key] = value;
      }
      checkTarget(fixed, index, edit.type);
      list[at] = fixed;
      return;
    }
    case 'add-target': {
      if ((edit.taskId === undefined) === (edit.goalId === undefined)) {
        throw badEdit(index, edit.type, '请指明指标属于哪一项任务（taskId）或哪一个目标（goalId），二者选一');
      }
      const owner =
        edit.taskId !== undefined
          ? findTask(document, edit.taskId, index, edit.type)
          : document.goals.find((goal) => goal.id === edit.goalId);
      if (owner === undefined) {
        throw badEdit(index, edit.type, `草稿中没有目标 ${edit.goalId ?? ''}`, { goalId: edit.goalId });
      }
      const target: DraftTarget = { id: takeRef(document, 'x'), ...edit.target };
      checkTarget(target, index, edit.type);
      owner.targets.push(target);
      return;
    }
    case 'remove-target': {
      const { list, at } = findTarget(document, edit.targetId, index, edit.type);
      list.splice(at, 1);
      return;
    }
    case 'move-task': {
      const task = findTask(document, edit.taskId, index, edit.type);
      if (edit.path === undefined && edit.before === undefined) {
        throw badEdit(index, edit.type, '请给出新的标题路径（path）或位置（before）');
      }
      if (edit.before === task.id) throw badEdit(index, edit.type, '任务不能移到它自己之前');
      if (edit.before !== undefined && edit.before !== null) findTask(document, edit.before, index, edit.type);
      if (edit.path !== undefined) task.path = [...edit.path];
      const rest = document.tasks.filter((t) => t.id !== task.id);
      let at: number;
      if (edit.before === null) at = rest.length;
      else if (edit.before !== undefined) at = rest.findIndex((t) => t.id === edit.before);
      else {
        const last = rest.map((t) => samePath(t.path, task.path)).lastIndexOf(true);
        at = last >= 0 ? last + 1 : rest.length;
      }
      rest.splice(at, 0, task);
      document.tasks = rest;
      return;
    }
    case 'remove-task': {
      findTask(document, edit.taskId, index, edit.type);
      if (document.tasks.length === 1) throw badEdit(index, edit.type, '方案至少要保留一项任务');
      document.tasks = document.tasks.filter((t) => t.id !== edit.taskId);
      return;
    }
    case 'set-plan': {
      const { type: _type, ...patch } = edit;
      const plan = { ...document.plan };
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) (plan as Record<string, unknown>)[key] = value;
      }
      const { startYear, endYear, visionYear } = plan;
      if (startYear !== null && endYear !== null && startYear > endYear) {
        throw badEdit(index, edit.type, `起始年（${startYear}）晚于截止年（${endYear}）`);
      }
      if (visionYear !== null && endYear !== null && visionYear < endYear) {
        throw badEdit(index, edit.type, `远景年（${visionYear}）早于截止年（${endYear}）`);
      }
      document.plan = plan;
      return;
    }
  }
}
