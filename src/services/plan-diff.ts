/**
 * Re-import: which task of the plan in force each task of a new draft is, and what changed. Tasks match by their
 * stable key (number + title), then by the same title under another number (a task removed above renumbers the
 * rest), then by similar titles (a renamed task) — so a task keeps its id, and the reports, readings, projects,
 * notices and close-outs recorded against it. Targets match within their task or goal by their sentence, then by
 * unit and similar sentences; goals by title. Pure: the service loads the plan and writes the result.
 */
import { normalizeSearchText } from '../db/text-search.ts';
import type { ComparatorCode } from '../db/schema.ts';
import type { DraftDocument, DraftTarget, DraftTask } from './plan-draft-document.ts';

/** A target of the plan in force. */
export interface CurrentTarget {
  id: string;
  text: string;
  comparator: ComparatorCode;
  value: number | [number, number];
  unit: string;
  deadline: string | null;
  period: string | null;
  cumulative: boolean;
  baseline: { value: number; period: string | null } | null;
  isRemoved: boolean;
}

/** A task of the plan in force, with its units by their directory names. */
export interface CurrentTask {
  id: string;
  key: string;
  number: string;
  title: string;
  path: string[];
  lead: string[];
  support: string[];
  targets: CurrentTarget[];
  isRemoved: boolean;
  /** Something is recorded against it (reports, readings, projects, notices, close-outs, comments, files). */
  hasProgress: boolean;
  /** The plan's own paragraph for it, as last confirmed; null when none was kept. */
  sourceText: string | null;
}

export interface CurrentGoal {
  nodeId: string;
  title: string;
  targets: CurrentTarget[];
  isRemoved: boolean;
}

export interface CurrentPlan {
  tasks: CurrentTask[];
  goals: CurrentGoal[];
}

export type MatchedBy = 'key' | 'title' | 'similar-title';

export interface PlanMatch {
  /** Draft task id → the task it continues. */
  tasks: Map<string, { task: CurrentTask; by: MatchedBy }>;
  /** Draft goal id → the goal node it continues. */
  goals: Map<string, CurrentGoal>;
  /** Draft target id → the target it continues. */
  targets: Map<string, CurrentTarget>;
  /** Tasks in force that the draft no longer has. */
  removedTasks: CurrentTask[];
  /** Goals in force that the draft no longer has. */
  removedGoals: CurrentGoal[];
  /** Targets in force of matched tasks and goals that the draft no longer has. */
  removedTargets: CurrentTarget[];
}

/** Text compared without the noise of width, case and spacing: "（11）" = "(11)". */
export function compact(text: string): string {
  return normalizeSearchText(text).replace(/\s+/g, '');
}

/**
 * The task's stable key: its normalised number and title. A re-import matches on it first.
 *
 * @example taskKey('（11）', '打造千亿级 高端绿色化工产业集群') // '(11) 打造千亿级高端绿色化工产业集群'
 */
export function taskKey(number: string, title: string): string {
  return `${compact(number)} ${compact(title)}`.trim();
}

/** Keys for a draft's tasks in order; a repeated number and title gets "#2", "#3" so that keys stay unique. */
export function draftTaskKeys(tasks: readonly Pick<DraftTask, 'number' | 'title'>[]): string[] {
  const seen = new Map<string, number>();
  return tasks.map((task) => {
    const key = taskKey(task.number, task.title);
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    return count === 1 ? key : `${key} #${count}`;
  });
}

function bigrams(text: string): Map<string, number> {
  const grams = new Map<string, number>();
  const chars = [...compact(text)];
  if (chars.length === 1) grams.set(chars[0] ?? '', 1);
  for (let i = 0; i + 1 < chars.length; i++) {
    const gram = `${chars[i]}${chars[i + 1]}`;
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

/**
 * Dice's coefficient over character bigrams, 0–1: Chinese has no spaces to split words on, and bigrams catch a
 * renamed task ("打造千亿级高端绿色化工产业集群" ~ "打造千亿级绿色化工产业集群": 0.88).
 */
export function titleSimilarity(a: string, b: string): number {
  const x = bigrams(a);
  const y = bigrams(b);
  let size = 0;
  let shared = 0;
  for (const count of x.values()) size += count;
  for (const [gram, count] of y) {
    size += count;
    shared += Math.min(count, x.get(gram) ?? 0);
  }
  return size === 0 ? 0 : (2 * shared) / size;
}

/** Titles at least this similar are taken for the same task or target. */
export const SIMILARITY_THRESHOLD = 0.5;
/** A lower bar for a task with the same number under the same headings. */
const SAME_PLACE_THRESHOLD = 0.3;

/** Pairs by descending score (ties: earlier items first); each item is used once. */
function greedyPairs<A, B>(as: readonly A[], bs: readonly B[], score: (a: A, b: B) => number | null): [A, B][] {
  const candidates: { a: number; b: number; score: number }[] = [];
  as.forEach((a, i) =>
    bs.forEach((b, j) => {
      const s = score(a, b);
      if (s !== null) candidates.push({ a: i, b: j, score: s });
    }),
  );
  candidates.sort((p, q) => q.score - p.score || p.a - q.a || p.b - q.b);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const pairs: [A, B][] = [];
  for (const { a, b } of candidates) {
    if (usedA.has(a) || usedB.has(b)) continue;
    usedA.add(a);
    usedB.add(b);
    pairs.push([as[a] as A, bs[b] as B]);
  }
  return pairs;
}

function matchTargets(
  drafted: readonly DraftTarget[],
  current: readonly CurrentTarget[],
  into: Map<string, CurrentTarget>,
): CurrentTarget[] {
  const left = new Set(current);
  const open = drafted.filter((target) => {
    const same = current.find((c) => left.has(c) && compact(c.text) === compact(target.text));
    if (same === undefined) return true;
    into.set(target.id, same);
    left.delete(same);
    return false;
  });
  const pairs = greedyPairs(
    open,
    [...left].filter((c) => !c.isRemoved),
    (d, c) => {
      if (d.unit !== c.unit) return null;
      const s = titleSimilarity(d.text, c.text);
      return s >= SIMILARITY_THRESHOLD ? s : null;
    },
  );
  for (const [d, c] of pairs) {
    into.set(d.id, c);
    left.delete(c);
  }
  return [...left].filter((c) => !c.isRemoved);
}

/** Matches a draft against the plan in force. */
export function matchPlan(current: CurrentPlan, document: DraftDocument): PlanMatch {
  const tasks = new Map<string, { task: CurrentTask; by: MatchedBy }>();
  const keys = draftTaskKeys(document.tasks);
  const byKey = new Map(current.tasks.map((task) => [task.key, task]));
  const taken = new Set<CurrentTask>();
  const take = (draft: DraftTask, task: CurrentTask, by: MatchedBy) => {
    tasks.set(draft.id, { task, by });
    taken.add(task);
  };

  document.tasks.forEach((draft, i) => {
    const task = byKey.get(keys[i] ?? '');
    if (task !== undefined) take(draft, task, 'key');
  });
  // The same title under another number: prefer tasks in force, then restore a removed one.
  const sameTitle = greedyPairs(
    document.tasks.filter((d) => !tasks.has(d.id)),
    current.tasks.filter((t) => !taken.has(t)),
    (d, t) => (compact(d.title) === compact(t.title) ? (t.isRemoved ? 1 : 2) : null),
  );
  for (const [d, t] of sameTitle) take(d, t, 'title');
  const similar = greedyPairs(
    document.tasks.filter((d) => !tasks.has(d.id)),
    current.tasks.filter((t) => !taken.has(t) && !t.isRemoved),
    (d, t) => {
      const s = titleSimilarity(d.title, t.title);
      const samePlace = compact(d.number) === compact(t.number) && samePath(d.path, t.path);
      return s >= SIMILARITY_THRESHOLD || (samePlace && s >= SAME_PLACE_THRESHOLD) ? s + (samePlace ? 0.1 : 0) : null;
    },
  );
  for (const [d, t] of similar) take(d, t, 'similar-title');

  const goals = new Map<string, CurrentGoal>();
  const takenGoals = new Set<CurrentGoal>();
  for (const goal of document.goals) {
    const same = current.goals.find((g) => !takenGoals.has(g) && compact(g.title) === compact(goal.title));
    if (same === undefined) continue;
    goals.set(goal.id, same);
    takenGoals.add(same);
  }
  const similarGoals = greedyPairs(
    document.goals.filter((g) => !goals.has(g.id)),
    current.goals.filter((g) => !takenGoals.has(g) && !g.isRemoved),
    (d, g) => {
      const s = titleSimilarity(d.title, g.title);
      return s >= SIMILARITY_THRESHOLD ? s : null;
    },
  );
  for (const [d, g] of similarGoals) {
    goals.set(d.id, g);
    takenGoals.add(g);
  }

  const targets = new Map<string, CurrentTarget>();
  const removedTargets: CurrentTarget[] = [];
  for (const draft of document.tasks) {
    const task = tasks.get(draft.id)?.task;
    if (task !== undefined) removedTargets.push(...matchTargets(draft.targets, task.targets, targets));
  }
  for (const draft of document.goals) {
    const goal = goals.get(draft.id);
    if (goal !== undefined) removedTargets.push(...matchTargets(draft.targets, goal.targets, targets));
  }

  return {
    tasks,
    goals,
    targets,
    removedTasks: current.tasks.filter((t) => !taken.has(t) && !t.isRemoved),
    removedGoals: current.goals.filter((g) => !takenGoals.has(g) && !g.isRemoved),
    removedTargets,
  };
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((part, i) => compact(part) === compact(b[i] ?? ''));
}

// ---- The diff shown to the office ----

export interface TargetSummary {
  text: string;
  comparator: ComparatorCode;
  value: number | [number, number];
  unit: string;
  deadline: string | null;
  period: string | null;
  cumulative: boolean;
  baseline: { value: number; period: string | null } | null;
}

export interface TargetChanges {
  added: TargetSummary[];
  removed: (TargetSummary & { targetId: string })[];
  changed: { targetId: string; before: TargetSummary; after: TargetSummary }[];
}

export type TaskChange =
  | { field: 'number' | 'title'; before: string; after: string }
  /** The plan's own paragraph, when both versions have one and it differs beyond spacing, number and title. */
  | { field: 'text'; before: string; after: string }
  | { field: 'path' | 'lead' | 'support'; before: string[]; after: string[] }
  /** A task an earlier re-import removed comes back. */
  | { field: 'restored' }
  | ({ field: 'targets' } & TargetChanges);

export interface DiffTask {
  number: string;
  title: string;
  path: string[];
}

export interface PlanDiff {
  summary: { added: number; removed: number; changed: number; unchanged: number };
  added: (DiffTask & { draftTaskId: string; lead: string[]; support: string[] })[];
  removed: (DiffTask & { taskId: string; hasProgress: boolean })[];
  changed: (DiffTask & { taskId: string; draftTaskId: string; matchedBy: MatchedBy; changes: TaskChange[] })[];
  goals: {
    added: string[];
    removed: string[];
    changed: { title: string; before: string; after: string; targets: TargetChanges }[];
  };
}

function summaryOfDraft(target: DraftTarget): TargetSummary {
  return {
    text: target.text,
    comparator: target.comparator,
    value: target.value,
    unit: target.unit,
    deadline: target.deadline,
    period: target.period,
    cumulative: target.cumulative,
    baseline: target.baseline === null ? null : baselineOfDraft(target.baseline),
  };
}

export function baselineOfDraft(baseline: { value: number; year: number | null }): {
  value: number;
  period: string | null;
} {
  return { value: baseline.value, period: baseline.year === null ? null : String(baseline.year) };
}

function summaryOfCurrent(target: CurrentTarget): TargetSummary {
  const { id: _id, isRemoved: _isRemoved, ...summary } = target;
  return summary;
}

/** True when a matched target must be rewritten. A draft without a baseline keeps the one entered since. */
export function targetChanged(draft: DraftTarget, current: CurrentTarget): boolean {
  const after = summaryOfDraft(draft);
  if (after.baseline === null) after.baseline = current.baseline;
  return JSON.stringify(after) !== JSON.stringify(summaryOfCurrent(current)) || current.isRemoved;
}

function targetChanges(
  drafted: readonly DraftTarget[],
  current: readonly CurrentTarget[],
  match: PlanMatch,
): TargetChanges {
  const removed = new Set(match.removedTargets);
  const changes: TargetChanges = { added: [], removed: [], changed: [] };
  for (const target of drafted) {
    const was = match.targets.get(target.id);
    if (was === undefined) changes.added.push(summaryOfDraft(target));
    else if (targetChanged(target, was)) {
      changes.changed.push({ targetId: was.id, before: summaryOfCurrent(was), after: summaryOfDraft(target) });
    }
  }
  for (const target of current) {
    if (removed.has(target)) changes.removed.push({ targetId: target.id, ...summaryOfCurrent(target) });
  }
  return changes;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * What confirming the draft would change in the plan in force: tasks added, removed and changed (number, title,
 * headings, lead and support units by their directory names, targets), and the goals' changes.
 */
export function diffPlan(
  current: CurrentPlan,
  document: DraftDocument,
  match: PlanMatch,
  unitNameOf: (name: string) => string,
): PlanDiff {
  const diff: PlanDiff = {
    summary: { added: 0, removed: 0, changed: 0, unchanged: 0 },
    added: [],
    removed: [],
    changed: [],
    goals: { added: [], removed: [], changed: [] },
  };
  for (const draft of document.tasks) {
    const lead = draft.units.lead.map(unitNameOf);
    const support = draft.units.support.map(unitNameOf);
    const matched = match.tasks.get(draft.id);
    const place = { number: draft.number, title: draft.title, path: draft.path };
    if (matched === undefined) {
      diff.added.push({ draftTaskId: draft.id, ...place, lead, support });
      continue;
    }
    const { task, by } = matched;
    const changes: TaskChange[] = [];
    if (task.isRemoved) changes.push({ field: 'restored' });
    if (compact(task.number) !== compact(draft.number)) {
      changes.push({ field: 'number', before: task.number, after: draft.number });
    }
    if (compact(task.title) !== compact(draft.title)) {
      changes.push({ field: 'title', before: task.title, after: draft.title });
    }
    // The paragraph's other words: a new number or title is shown as such, not again as new text.
    const text = draft.sourceText ?? null;
    const renamed = changes.some((change) => change.field === 'number' || change.field === 'title');
    if (!renamed && task.sourceText !== null && text !== null && compact(task.sourceText) !== compact(text)) {
      changes.push({ field: 'text', before: task.sourceText, after: text });
    }
    if (!samePath(task.path, draft.path)) changes.push({ field: 'path', before: task.path, after: draft.path });
    if (!sameList(task.lead, lead)) changes.push({ field: 'lead', before: task.lead, after: lead });
    if (!sameList(task.support, support)) changes.push({ field: 'support', before: task.support, after: support });
    const targets = targetChanges(draft.targets, task.targets, match);
    if (targets.added.length + targets.removed.length + targets.changed.length > 0) {
      changes.push({ field: 'targets', ...targets });
    }
    if (changes.length === 0) diff.summary.unchanged += 1;
    else diff.changed.push({ taskId: task.id, draftTaskId: draft.id, matchedBy: by, ...place, changes });
  }
  for (const task of match.removedTasks) {
    diff.removed.push({
      taskId: task.id,
      number: task.number,
      title: task.title,
      path: task.path,
      hasProgress: task.hasProgress,
    });
  }
  for (const draft of document.goals) {
    const goal = match.goals.get(draft.id);
    if (goal === undefined) {
      diff.goals.added.push(draft.title);
      continue;
    }
    const targets = targetChanges(draft.targets, goal.targets, match);
    const retitled = compact(goal.title) !== compact(draft.title);
    if (retitled || goal.isRemoved || targets.added.length + targets.removed.length + targets.changed.length > 0) {
      diff.goals.changed.push({ title: draft.title, before: goal.title, after: draft.title, targets });
    }
  }
  diff.goals.removed = match.removedGoals.map((goal) => goal.title);
  diff.summary.added = diff.added.length;
  diff.summary.removed = diff.removed.length;
  diff.summary.changed = diff.changed.length;
  return diff;
}
