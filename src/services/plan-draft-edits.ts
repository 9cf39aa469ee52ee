/**
 * The office's edits to a plan draft before it is confirmed: rename a task, set its units, merge two unit names,
 * fix / add / remove a target, add a task the parser missed, split a task, merge adjacent tasks, move or remove a
 * task, decide a unit group (keep, map to named units, drop), set the plan's metadata. A batch applies in order to
 * a copy of the draft, and all of it or none: the first bad edit throws `invalid-input` naming the edit.
 */
import { z } from 'zod';
import { COMPARATORS, CYCLE_FREQUENCIES } from '../db/schema.ts';
import { MAX_DUE_DAYS } from '../domain/periods.ts';
import { isUnitGroup } from '../importer/parse/unit-groups.ts';
import {
  GROUP_DECISIONS,
  draftUnitNames,
  syncDraftGroups,
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

const taskTitle = z.string().trim().min(1).max(500);
const taskNumber = z.string().trim().max(20);
/** An offset into the document's text (UTF-16 code units, as the parser's). */
const offset = z.number().int().min(0).max(100_000_000);

const addTask = z.strictObject({
  type: z.literal('add-task'),
  /** The task's number as written, "（12）"; "" for none. */
  number: taskNumber.default(''),
  title: taskTitle,
  /** The headings the task goes under, as written. */
  path: z.array(heading).max(10).default([]),
  /** Put it before this task; null puts it last; left out, it goes after the last task under its path. */
  before: ref.nullable().optional(),
  lead: z.array(unitName).max(50).default([]),
  support: z.array(unitName).max(50).default([]),
  targets: z.array(newTarget).max(50).default([]),
  /** The deadline as written ("2021年6月底"). */
  due: z.string().trim().min(1).max(100).nullable().default(null),
  /** The span of the document's text the office selected for the task, when it did. */
  source: z.strictObject({ start: offset, end: offset }).nullable().default(null),
});

const splitPart = z.strictObject({
  title: taskTitle,
  /** Unchanged (the task's own) when left out. */
  number: taskNumber.optional(),
  /** Where this part's text starts in the document, for every part but the first. */
  sourceStart: offset.optional(),
  /** The part's units; the task's own when left out. */
  lead: z.array(unitName).max(50).optional(),
  support: z.array(unitName).max(50).optional(),
  /** The task's targets that go to this part; the targets no part names stay with the first part. */
  targetIds: z.array(ref).max(50).default([]),
});

const splitTask = z.strictObject({
  type: z.literal('split-task'),
  taskId: ref,
  /** The parts in order: the first keeps the task's id, the others are new tasks right after it. */
  parts: z.array(splitPart).min(2).max(20),
});

const mergeTasks = z.strictObject({
  type: z.literal('merge-tasks'),
  /** Adjacent tasks under the same headings, in the draft's order; the first keeps its id. */
  taskIds: z.array(ref).min(2).max(50),
  /** The merged task's title; left out, the titles joined with "；". */
  title: taskTitle.optional(),
  /** Left out, the first task's number. */
  number: taskNumber.optional(),
});

const decideGroup = z.strictObject({
  type: z.literal('decide-group'),
  /** A unit name of the draft: a group the parser marked, or one the office marks with this edit. */
  name: unitName,
  decision: z.enum(GROUP_DECISIONS),
  /** For `map`: the named units that take the group's place in each of its tasks, in the group's role. */
  units: z.array(unitName).max(50).optional(),
});

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
  addTask,
  splitTask,
  mergeTasks,
  decideGroup,
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
  'add-task': '新增任务',
  'split-task': '拆分任务',
  'merge-tasks': '合并任务',
  'decide-group': '处理单位组',
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
  // Names the office typed that are obvious groups (各有关单位) join the groups to decide; groups no task names any
  // more leave the list.
  syncDraftGroups(next, isUnitGroup);
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

/** A name the office merged away earlier stands for the unit it was merged into. */
function mergedName(document: DraftDocument, name: string): string {
  const clean = cleanUnitName(name);
  return document.unitMerges.find((merge) => merge.from === clean)?.into ?? clean;
}

/** The units of a new or split task, as the office wrote them: merged names followed, no name twice. */
function unitsOf(
  document: DraftDocument,
  lead: readonly string[],
  support: readonly string[],
  index: number,
  type: DraftEditType,
): DraftTask['units'] {
  const units = {
    lead: lead.map((name) => mergedName(document, name)),
    support: support.map((name) => mergedName(document, name)),
  };
  checkUnitLists(units.lead, units.support, index, type);
  return units;
}

/** Where a task goes: before `before` (a task id), last for null, else after the last task under its path. */
function insertAt(tasks: readonly DraftTask[], task: DraftTask, before: string | null | undefined): number {
  if (before === null) return tasks.length;
  if (before !== undefined) return tasks.findIndex((t) => t.id === before);
  const last = tasks.map((t) => samePath(t.path, task.path)).lastIndexOf(true);
  return last >= 0 ? last + 1 : tasks.length;
}

/** "建设一号工程。" + "建设二号工程" → "建设一号工程；建设二号工程": the closing stop of each title gives way. */
function joinTitles(titles: readonly string[]): string {
  return titles
    .map((title) => title.trim().replace(/[。；;，,、]+$/u, ''))
    .filter((title) => title !== '')
    .join('；');
}

function sameTarget(a: DraftTarget, b: DraftTarget): boolean {
  const { id: _a, ...x } = a;
  const { id: _b, ...y } = b;
  return (
    JSON.stringify({ ...x, text: x.text.replace(/\s+/g, '') }) ===
    JSON.stringify({ ...y, text: y.text.replace(/\s+/g, '') })
  );
}

function unite(lists: readonly (readonly string[])[], except: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const name of lists.flat()) if (!out.includes(name) && !except.includes(name)) out.push(name);
  return out;
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
      const lead = edit.lead.map((name) => mergedName(document, name));
      const support = edit.support.map((name) => mergedName(document, name));
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
      rest.splice(insertAt(rest, task, edit.before), 0, task);
      document.tasks = rest;
      return;
    }
    case 'add-task': {
      if (edit.before !== undefined && edit.before !== null) findTask(document, edit.before, index, edit.type);
      if (edit.source !== null && edit.source.start >= edit.source.end) {
        throw badEdit(index, edit.type, `原文位置的起点（${edit.source.start}）应小于终点（${edit.source.end}）`, {
          field: 'source',
        });
      }
      const textLength = document.source.textLength;
      if (edit.source !== null && textLength !== undefined && edit.source.end > textLength) {
        throw badEdit(index, edit.type, `原文位置的终点（${edit.source.end}）超出了原文的长度（${textLength}）`, {
          field: 'source',
        });
      }
      const task: DraftTask = {
        id: takeRef(document, 't'),
        number: edit.number,
        path: [...edit.path],
        title: edit.title,
        units: unitsOf(document, edit.lead, edit.support, index, edit.type),
        targets: [],
        due: edit.due,
        unitsInherited: false,
        source: edit.source === null ? null : { start: edit.source.start, end: edit.source.end },
      };
      for (const input of edit.targets) {
        const target: DraftTarget = { id: takeRef(document, 'x'), ...input };
        checkTarget(target, index, edit.type);
        task.targets.push(target);
      }
      document.tasks.splice(insertAt(document.tasks, task, edit.before), 0, task);
      return;
    }
    case 'split-task': {
      const task = findTask(document, edit.taskId, index, edit.type);
      const [first, ...rest] = edit.parts;
      if (first === undefined) throw badEdit(index, edit.type, '请给出至少两部分');
      // The text boundaries: the first part starts where the task does; each next part starts further on.
      const starts: number[] = [];
      if (edit.parts.some((part) => part.sourceStart !== undefined)) {
        if (task.source === null) {
          throw badEdit(index, edit.type, '该任务没有原文位置，不能按原文位置拆分', { field: 'parts.sourceStart' });
        }
        if (first.sourceStart !== undefined && first.sourceStart !== task.source.start) {
          throw badEdit(index, edit.type, `第 1 部分应从任务原文的起点（${task.source.start}）开始`, {
            field: 'parts.0.sourceStart',
          });
        }
        let previous = task.source.start;
        for (const [i, part] of rest.entries()) {
          const start = part.sourceStart;
          if (start === undefined) {
            throw badEdit(index, edit.type, `第 ${i + 2} 部分缺少原文起点（sourceStart）`, {
              field: `parts.${i + 1}.sourceStart`,
            });
          }
          if (start <= previous || start >= task.source.end) {
            throw badEdit(
              index,
              edit.type,
              `第 ${i + 2} 部分的原文起点（${start}）应在前一部分之后、任务原文结束（${task.source.end}）之前`,
              { field: `parts.${i + 1}.sourceStart` },
            );
          }
          starts.push(start);
          previous = start;
        }
      }
      // Each target of the task goes to the part that names it (once); the rest stay with the first part.
      const owner = new Map<string, number>();
      edit.parts.forEach((part, p) => {
        for (const targetId of part.targetIds) {
          if (!task.targets.some((target) => target.id === targetId)) {
            throw badEdit(index, edit.type, `指标 ${targetId} 不属于任务 ${task.id}`, { targetId });
          }
          if (owner.has(targetId)) {
            throw badEdit(index, edit.type, `指标 ${targetId} 被分给了不止一个部分`, { targetId });
          }
          owner.set(targetId, p);
        }
      });
      const parts: DraftTask[] = edit.parts.map((part, p) => {
        const ownUnits = part.lead === undefined && part.support === undefined;
        const spanStart = p === 0 ? task.source?.start : starts[p - 1];
        const spanEnd = p < starts.length ? starts[p] : task.source?.end;
        return {
          id: p === 0 ? task.id : takeRef(document, 't'),
          number: part.number ?? task.number,
          path: [...task.path],
          title: part.title,
          units: ownUnits
            ? { lead: [...task.units.lead], support: [...task.units.support] }
            : unitsOf(document, part.lead ?? [], part.support ?? [], index, edit.type),
          targets: task.targets.filter((target) => (owner.get(target.id) ?? 0) === p),
          due: task.due,
          unitsInherited: ownUnits && task.unitsInherited,
          source:
            task.source === null
              ? null
              : starts.length === 0
                ? { ...task.source }
                : { start: spanStart ?? task.source.start, end: spanEnd ?? task.source.end },
        };
      });
      const at = document.tasks.indexOf(task);
      document.tasks.splice(at, 1, ...parts);
      return;
    }
    case 'merge-tasks': {
      const tasks = edit.taskIds.map((taskId) => findTask(document, taskId, index, edit.type));
      if (new Set(edit.taskIds).size !== edit.taskIds.length) {
        throw badEdit(index, edit.type, '同一项任务出现了不止一次');
      }
      const positions = tasks.map((task) => document.tasks.indexOf(task));
      const adjacent = positions.every((position, i) => i === 0 || position === (positions[i - 1] ?? -2) + 1);
      if (!adjacent) {
        throw badEdit(index, edit.type, '只能合并相邻的任务，且按草稿中的顺序给出', { taskIds: edit.taskIds });
      }
      const [first] = tasks;
      if (first === undefined) throw badEdit(index, edit.type, '请给出至少两项任务');
      const apart = tasks.find((task) => !samePath(task.path, first.path));
      if (apart !== undefined) {
        throw badEdit(index, edit.type, `任务 ${apart.id} 与 ${first.id} 不在同一标题下，不能合并`, {
          taskId: apart.id,
        });
      }
      const lead = unite(tasks.map((task) => task.units.lead));
      const targets: DraftTarget[] = [];
      for (const target of tasks.flatMap((task) => task.targets)) {
        if (!targets.some((kept) => sameTarget(kept, target))) targets.push(target);
      }
      const spans = tasks.flatMap((task) => (task.source === null ? [] : [task.source]));
      const merged: DraftTask = {
        id: first.id,
        number: edit.number ?? first.number,
        path: [...first.path],
        title: edit.title ?? joinTitles(tasks.map((task) => task.title)),
        units: {
          lead,
          support: unite(
            tasks.map((task) => task.units.support),
            lead,
          ),
        },
        targets,
        due: tasks.find((task) => task.due !== null)?.due ?? null,
        unitsInherited: tasks.every((task) => task.unitsInherited),
        source:
          spans.length === 0
            ? null
            : { start: Math.min(...spans.map((s) => s.start)), end: Math.max(...spans.map((s) => s.end)) },
      };
      document.tasks.splice(positions[0] ?? 0, tasks.length, merged);
      return;
    }
    case 'decide-group': {
      const name = cleanUnitName(edit.name);
      if (!draftUnitNames(document).includes(name)) {
        throw badEdit(index, edit.type, `草稿的任务中没有单位“${name}”`, { unit: name });
      }
      let units: string[] = [];
      if (edit.decision === 'map') {
        units = unite([(edit.units ?? []).map((unit) => mergedName(document, unit))]);
        if (units.length === 0) {
          throw badEdit(index, edit.type, `请给出“${name}”所指的具体单位（units）`, { field: 'units' });
        }
        for (const unit of units) {
          if (unit === name) throw badEdit(index, edit.type, `不能把“${name}”映射到它自己`, { unit });
          if (document.groups.some((group) => group.name === unit) || isUnitGroup(unit)) {
            throw badEdit(index, edit.type, `“${unit}”也是单位组，请映射到具体单位`, { unit });
          }
        }
      } else if (edit.units !== undefined && edit.units.length > 0) {
        throw badEdit(index, edit.type, `只有映射（map）时才需给出单位（units）`, { field: 'units' });
      }
      const decided = { name, decision: edit.decision, units };
      const at = document.groups.findIndex((group) => group.name === name);
      if (at >= 0) document.groups[at] = decided;
      else document.groups.push(decided);
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
