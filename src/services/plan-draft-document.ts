/**
 * The editable plan draft as stored in `plan_drafts.draft` (JSON): the parser's PlanDraft with draft-local ids on
 * its tasks, goals and targets (so that edits can name them), the plan's settings with defaults, the office's unit
 * merges, the unit groups with the office's decisions, and how each unit name matches the directory. The zod schema
 * checks the JSON each time it is read back.
 *
 * Unit groups (各有关单位, 各区、县级市): the tasks keep a group's name in their units as the plan wrote it, and
 * `groups` holds the office's decision on it. `resolveDraftGroups` applies the decisions — what confirm writes and
 * what the diff shows. An undecided group blocks the confirm (it would otherwise become one more ordinary unit of
 * the directory, the mistake this review exists to catch).
 */
import { z } from 'zod';
import { COMPARATORS, CYCLE_FREQUENCIES, UNIT_KINDS, type CycleFrequency } from '../db/schema.ts';
import { DEFAULT_REPORTING_CYCLE, MAX_DUE_DAYS } from '../domain/periods.ts';
import type { PlanDraft, Target } from '../domain/plan-draft.ts';
import type { UnitDirectory, UnitMatch } from './plan-units.ts';
import { matchUnitName } from './plan-units.ts';

export const DRAFT_FORMAT = 1;

/** What the office decides for a unit group: keep it as a group unit, map it to named units, or drop it. */
export const GROUP_DECISIONS = ['keep', 'map', 'drop'] as const;
export type GroupDecision = (typeof GROUP_DECISIONS)[number];
export const GROUP_STATES = ['undecided', ...GROUP_DECISIONS] as const;

const year = z.number().int().min(1000).max(9999);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const targetValueSchema = z.union([z.number(), z.tuple([z.number(), z.number()])]);

const draftTargetSchema = z.object({
  id: z.string(),
  text: z.string(),
  value: targetValueSchema,
  unit: z.string(),
  comparator: z.enum(COMPARATORS),
  /** The year it is due, "2025", or null. */
  deadline: z.string().nullable(),
  /** "2021-2025" for a target over a span. */
  period: z.string().nullable(),
  cumulative: z.boolean(),
  baseline: z.object({ value: z.number(), year: year.nullable() }).nullable(),
});

const draftTaskSchema = z.object({
  id: z.string(),
  number: z.string(),
  path: z.array(z.string()),
  title: z.string(),
  units: z.object({ lead: z.array(z.string()), support: z.array(z.string()) }),
  targets: z.array(draftTargetSchema),
  /** The deadline as written ("2021年6月底"), or null. */
  due: z.string().nullable(),
  unitsInherited: z.boolean(),
  /** Offsets into the uploaded document's text; null for a task the office wrote. */
  source: z.object({ start: z.number().int(), end: z.number().int() }).nullable(),
  /**
   * The text at `source`: the plan's own paragraph, kept on the task at confirm. Absent in drafts stored before it
   * was kept; null for a task the office wrote.
   */
  sourceText: z.string().nullable().optional(),
});

const draftGoalSchema = z.object({ id: z.string(), title: z.string(), targets: z.array(draftTargetSchema) });

export const planSettingsSchema = z.object({
  title: z.string().min(1),
  docNumber: z.string().nullable(),
  issuer: z.string().nullable(),
  issuedOn: isoDate.nullable(),
  startYear: year.nullable(),
  endYear: year.nullable(),
  visionYear: year.nullable(),
  cycleFrequency: z.enum(CYCLE_FREQUENCIES),
  cycleDueDays: z.number().int().min(0).max(MAX_DUE_DAYS),
  requiresUnitApproval: z.boolean(),
});

const unitMatchSchema = z.object({
  name: z.string(),
  match: z.enum(['exact', 'alias', 'new']),
  unitId: z.string().nullable(),
  unitName: z.string(),
  kind: z.enum(UNIT_KINDS),
});

const draftGroupSchema = z.object({
  /** The name as the tasks write it. */
  name: z.string(),
  decision: z.enum(GROUP_STATES),
  /** For `map`: the named units that take its place, in its role, in each of its tasks. */
  units: z.array(z.string()),
});

export const draftDocumentSchema = z.object({
  format: z.literal(DRAFT_FORMAT),
  plan: planSettingsSchema,
  goals: z.array(draftGoalSchema),
  tasks: z.array(draftTaskSchema),
  warnings: z.array(z.object({ code: z.string(), message: z.string(), at: z.number() })),
  /** Names the office merged: every use of `from` became `into`; `from` becomes an alias of `into` on confirm. */
  unitMerges: z.array(z.object({ from: z.string(), into: z.string() })),
  /** Each distinct unit name of the tasks, as last matched with the directory. */
  units: z.array(unitMatchSchema),
  /** The unit groups the tasks name, with the office's decision on each (drafts stored before issue 10 have none). */
  groups: z.array(draftGroupSchema).default([]),
  source: z.object({
    fileName: z.string(),
    format: z.string(),
    encoding: z.string().nullable(),
    /** The length of the text the parser read: the bound of every source span (drafts before issue 10 lack it). */
    textLength: z.number().int().min(0).optional(),
  }),
  /** The plan this draft is a new version of (re-import), or null for a new plan. */
  reimportOf: z.string().nullable(),
  /** The next draft-local id number (t12, g3, x40 share one counter). */
  nextRef: z.number().int().min(1),
});

export type DraftTarget = z.infer<typeof draftTargetSchema>;
export type DraftTask = z.infer<typeof draftTaskSchema>;
export type DraftGoal = z.infer<typeof draftGoalSchema>;
export type PlanSettings = z.infer<typeof planSettingsSchema>;
export type DraftDocument = z.infer<typeof draftDocumentSchema>;
export type UnitMerge = DraftDocument['unitMerges'][number];
export type DraftGroup = z.infer<typeof draftGroupSchema>;

/** Reads a stored draft; a document that does not fit is a bug or a tampered row, not the user's input. */
export function parseDraftDocument(json: string): DraftDocument {
  return draftDocumentSchema.parse(JSON.parse(json));
}

/** Hands out draft-local ids: `t` tasks, `g` goals, `x` targets. */
export function takeRef(document: { nextRef: number }, prefix: 't' | 'g' | 'x'): string {
  const ref = `${prefix}${document.nextRef}`;
  document.nextRef += 1;
  return ref;
}

export interface SourceInfo {
  fileName: string;
  format: string;
  encoding: string | null;
  /** The text the parser read, to guess the horizon's vision year from ("到2035年"). */
  text: string;
}

/** What a re-import starts from: the settings of the plan it is a new version of. */
export type BasePlanSettings = PlanSettings;

/** The stored draft for a freshly parsed document. */
export function buildDraftDocument(
  draft: PlanDraft,
  source: SourceInfo,
  directory: UnitDirectory,
  base: BasePlanSettings | null,
  reimportOf: string | null = null,
): DraftDocument {
  const counter = { nextRef: 1 };
  const toTarget = (target: Target): DraftTarget => ({
    id: takeRef(counter, 'x'),
    text: target.text,
    value: Array.isArray(target.value) ? [target.value[0], target.value[1]] : target.value,
    unit: target.unit,
    comparator: target.comparator,
    deadline: target.deadline,
    period: target.period ?? null,
    cumulative: target.cumulative === true,
    baseline: target.baseline ? { value: target.baseline.value, year: target.baseline.year } : null,
  });
  const goals = draft.goals.map((goal) => ({
    id: takeRef(counter, 'g'),
    title: goal.title,
    targets: goal.targets.map(toTarget),
  }));
  const tasks = draft.tasks.map((task) => ({
    id: takeRef(counter, 't'),
    number: task.number,
    path: [...task.path],
    title: task.title,
    units: { lead: [...task.units.lead], support: [...task.units.support] },
    targets: task.targets.map(toTarget),
    due: task.due ?? null,
    unitsInherited: task.unitsInherited === true,
    source: { start: task.source.start, end: task.source.end },
    sourceText: sourceTextOf(source.text, task.source),
  }));
  const horizon = guessHorizon(draft, source.text);
  const title = draft.title ?? base?.title ?? fileStem(source.fileName);
  const plan: PlanSettings = {
    title,
    docNumber: draft.docNumber ?? base?.docNumber ?? null,
    issuer: draft.issuer ?? base?.issuer ?? null,
    issuedOn: draft.date ?? base?.issuedOn ?? null,
    startYear: horizon.startYear ?? base?.startYear ?? null,
    endYear: horizon.endYear ?? base?.endYear ?? null,
    visionYear: horizon.visionYear ?? base?.visionYear ?? null,
    cycleFrequency: base?.cycleFrequency ?? (DEFAULT_REPORTING_CYCLE.frequency as CycleFrequency),
    cycleDueDays: base?.cycleDueDays ?? DEFAULT_REPORTING_CYCLE.dueDays,
    requiresUnitApproval: base?.requiresUnitApproval ?? false,
  };
  const document: DraftDocument = {
    format: DRAFT_FORMAT,
    plan,
    goals,
    tasks,
    warnings: draft.warnings.map((warning) => ({ ...warning })),
    unitMerges: [],
    units: [],
    groups: [],
    source: {
      fileName: source.fileName,
      format: source.format,
      encoding: source.encoding,
      textLength: source.text.length,
    },
    reimportOf,
    nextRef: counter.nextRef,
  };
  // The parser's group marks: each name it marked on any task is a group to decide.
  const marked = new Set(draft.tasks.flatMap((task) => task.units.groups ?? []));
  syncDraftGroups(document, (name) => marked.has(name));
  document.units = matchDraftUnits(document, directory);
  return document;
}

/**
 * Keeps `document.groups` in step with the tasks: a name the tasks use that `isGroup` holds for a group, and that
 * has no entry yet, joins undecided; an entry whose name no task uses any more (merged, removed) leaves.
 */
export function syncDraftGroups(document: DraftDocument, isGroup: (name: string) => boolean): void {
  const names = draftUnitNames(document);
  const groups = document.groups.filter((group) => names.includes(group.name));
  for (const name of names) {
    if (!groups.some((group) => group.name === name) && isGroup(name)) {
      groups.push({ name, decision: 'undecided', units: [] });
    }
  }
  document.groups = groups;
}

/** The groups no decision has been taken on yet, by name. */
export function undecidedGroups(document: Pick<DraftDocument, 'groups'>): string[] {
  return document.groups.filter((group) => group.decision === 'undecided').map((group) => group.name);
}

/**
 * The draft with the office's group decisions applied to its tasks: a mapped group gives way to its named units in
 * the same role and place, a dropped one leaves, a kept (or undecided) one stays; no unit twice, a lead never also
 * a support. What confirm writes and the diff shows.
 *
 * @example // 各有关单位 mapped to [区发改委, 区财政局]: support ['区科委', '各有关单位'] → ['区科委', '区发改委', '区财政局']
 */
export function resolveDraftGroups(document: DraftDocument): DraftDocument {
  const decided = new Map(document.groups.map((group) => [group.name, group]));
  const resolve = (names: readonly string[]): string[] => {
    const out: string[] = [];
    for (const name of names) {
      const group = decided.get(name);
      const replaced = group?.decision === 'map' ? group.units : group?.decision === 'drop' ? [] : [name];
      for (const unit of replaced) if (!out.includes(unit)) out.push(unit);
    }
    return out;
  };
  return {
    ...document,
    tasks: document.tasks.map((task) => {
      const lead = resolve(task.units.lead);
      return { ...task, units: { lead, support: resolve(task.units.support).filter((n) => !lead.includes(n)) } };
    }),
  };
}

/**
 * The task's paragraph as the document has it, to be read by people: the readers' bold marks (`**…**`) dropped, a
 * break that a page or a wrap put inside a sentence joined (a break after 。；！？：stays one line break), trimmed.
 * Null when the offsets do not fall in the text.
 */
export function sourceTextOf(text: string, source: { start: number; end: number }): string | null {
  if (source.start < 0 || source.end > text.length || source.end <= source.start) return null;
  const paragraph = text
    .slice(source.start, source.end)
    .replaceAll('**', '')
    .replace(/([。；！？：;!?:]?)[ \t]*[\r\n\f]+\s*/gu, (_all, end: string) => (end === '' ? '' : `${end}\n`))
    .trim();
  return paragraph === '' ? null : paragraph;
}

function fileStem(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '');
  const stem = base.replace(/\.[^.]+$/, '').trim();
  return stem === '' ? '未命名方案' : stem;
}

/** The distinct unit names of the draft's tasks, in order of first appearance (leads before supports per task). */
export function draftUnitNames(document: Pick<DraftDocument, 'tasks'>): string[] {
  const names = new Set<string>();
  for (const task of document.tasks) {
    for (const name of task.units.lead) names.add(name);
    for (const name of task.units.support) names.add(name);
  }
  return [...names];
}

/** How each unit name of the draft matches the directory: the tasks' names, then the units groups are mapped to. */
export function matchDraftUnits(
  document: Pick<DraftDocument, 'tasks' | 'groups'>,
  directory: UnitDirectory,
): UnitMatch[] {
  const names = new Set(draftUnitNames(document));
  for (const group of document.groups) if (group.decision === 'map') for (const unit of group.units) names.add(unit);
  return [...names].map((name) => matchUnitName(directory, name));
}

export interface Horizon {
  startYear: number | null;
  endYear: number | null;
  visionYear: number | null;
}

const FIVE_YEAR_PLAN =
  /[“"]((?:十[一二三四五六七八九]?|[三四五六七八九])五)[”"]|((?:十[一二三四五六七八九]|[三四五六七八九])五)(?=期间|时期|规划|末|期末|初|以来)/;
const DIGITS: Readonly<Record<string, number>> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 十四五 → 2021–2025. Five-year plans run back to back from the third (三五, 1966–1970). */
function fiveYearPlanSpan(name: string): { start: number; end: number } | null {
  const ordinal = name.slice(0, -1); // 十四五 → 十四
  const n = ordinal === '十' ? 10 : ordinal.startsWith('十') ? 10 + (DIGITS[ordinal.slice(1)] ?? NaN) : DIGITS[ordinal];
  if (n === undefined || !Number.isFinite(n) || n < 3) return null;
  const start = 1966 + 5 * (n - 3);
  return { start, end: start + 4 };
}

/**
 * The plan's horizon, guessed: a five-year plan named in the title, the headings, the goals or the targets
 * ("十四五" → 2021–2025); else a target's span ("2021-2025"); else from the issue year to the latest deadline. The
 * vision year is the latest "到2035年" of the text beyond the end year. The office corrects it in the draft.
 *
 * @example guessHorizon({ title: '“十四五”规划', … }, text) // { startYear: 2021, endYear: 2025, visionYear: 2035 }
 */
export function guessHorizon(draft: PlanDraft, text: string): Horizon {
  const targets = [...draft.tasks.flatMap((task) => task.targets), ...draft.goals.flatMap((goal) => goal.targets)];
  const places = [
    draft.title ?? '',
    ...new Set(draft.tasks.flatMap((task) => task.path)),
    ...draft.goals.map((goal) => goal.title),
    ...targets.map((target) => target.text),
  ];
  let span: { start: number; end: number } | null = null;
  for (const place of places) {
    const match = FIVE_YEAR_PLAN.exec(place);
    const name = match?.[1] ?? match?.[2];
    if (name !== undefined) span = fiveYearPlanSpan(name);
    if (span !== null) break;
  }
  if (span === null) {
    const period = targets.map((target) => /^(\d{4})-(\d{4})$/.exec(target.period ?? '')).find((m) => m !== null);
    if (period) span = { start: Number(period[1]), end: Number(period[2]) };
  }
  let startYear = span?.start ?? null;
  let endYear = span?.end ?? null;
  if (endYear === null) {
    const deadlines = targets.map((target) => Number(target.deadline)).filter((y) => Number.isInteger(y) && y > 999);
    if (deadlines.length > 0) {
      endYear = Math.max(...deadlines);
      const issued = draft.date === null ? NaN : Number(draft.date.slice(0, 4));
      startYear = Number.isInteger(issued) && issued <= endYear ? issued : null;
    }
  }
  let visionYear: number | null = null;
  if (endYear !== null) {
    for (const match of text.matchAll(/(?:到|至)\s*[“"]?\s*((?:19|20)\d{2})\s*年/g)) {
      const y = Number(match[1]);
      if (y > endYear && (visionYear === null || y > visionYear)) visionYear = y;
    }
  }
  return { startYear, endYear, visionYear };
}

function lastDayOfMonth(y: number, month: number): string {
  const day = new Date(Date.UTC(y, month, 0)).getUTCDate();
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * A task's written deadline as a date, when it names one: "2021年6月底" → 2021-06-30, "2022年底" → 2022-12-31,
 * "6月底前" → that month of the plan's year of issue (or the next, when that month has passed). Anything vaguer
 * ("长期", "持续推进") gives null.
 */
export function dueDateOf(due: string | null, issuedOn: string | null): string | null {
  if (due === null) return null;
  const full = /((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日/.exec(due);
  if (full) {
    const [y, m, d] = [Number(full[1]), Number(full[2]), Number(full[3])];
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCMonth() === m - 1 ? date.toISOString().slice(0, 10) : null;
  }
  const month = /((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月/.exec(due);
  if (month) {
    const m = Number(month[2]);
    return m >= 1 && m <= 12 ? lastDayOfMonth(Number(month[1]), m) : null;
  }
  const yearOnly = /((?:19|20)\d{2})\s*年/.exec(due);
  if (yearOnly) return `${yearOnly[1]}-12-31`;
  const monthOnly = /(\d{1,2})\s*月/.exec(due);
  if (monthOnly && issuedOn !== null) {
    const m = Number(monthOnly[1]);
    if (m < 1 || m > 12) return null;
    const issuedYear = Number(issuedOn.slice(0, 4));
    const candidate = lastDayOfMonth(issuedYear, m);
    return candidate >= issuedOn ? candidate : lastDayOfMonth(issuedYear + 1, m);
  }
  return null;
}
