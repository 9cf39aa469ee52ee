/**
 * Writing a confirmed draft into the plan's tables, inside the caller's transaction: the unit directory (new units,
 * merged names as aliases), then the tree — headings from the task paths, goals, task nodes — the tasks with their
 * units and search text, and the targets. For a new plan everything is inserted; for a new version of a plan the
 * rows a task, goal or target continues are updated in place (ids kept, `removed_in_version` cleared if an earlier
 * version had dropped them), new ones are inserted, and the ones the version no longer has keep their rows and
 * positions and get `removed_in_version` = the new version's number, never deleted.
 */
import type { Transaction } from 'kysely';
import type { Database, NewNode, NewTarget, NewTask, NewTaskUnit, NodeKind, NodeRow } from '../db/schema.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import { insertNodes, updateNode } from '../db/queries/node.queries.ts';
import { markPlanStatusStale } from '../db/queries/status-queue.queries.ts';
import { deleteTaskUnits, insertTaskUnits, insertTasks, updateTask } from '../db/queries/task.queries.ts';
import { insertTargets, updateTarget } from '../db/queries/target.queries.ts';
import { insertUnitAliases, insertUnits, markUnitsAsGroups } from '../db/queries/unit.queries.ts';
import { buildSearchText } from '../db/text-search.ts';
import { readMarker } from '../importer/index.ts';
import { recordAudit } from './audit.ts';
import type { Actor } from './context.ts';
import { conflict, stale } from './errors.ts';
import { draftUnitNames, dueDateOf, type DraftDocument, type DraftTarget } from './plan-draft-document.ts';
import {
  baselineOfDraft,
  compact,
  draftTaskKeys,
  targetChanged,
  type CurrentPlan,
  type CurrentTarget,
  type PlanMatch,
} from './plan-diff.ts';
import { guessUnitKind, resolveUnit, type DirectoryUnit, type UnitDirectory } from './plan-units.ts';
import { headingText, isHeadingKind, type PlanTarget, type PlanTree } from './plan-state.ts';

type Trx = Transaction<Database>;

export interface UnitResolution {
  /** The directory unit of each name the draft uses. */
  unitOf: (name: string) => DirectoryUnit;
  created: DirectoryUnit[];
  aliases: { alias: string; unit: DirectoryUnit }[];
}

/**
 * Makes sure every unit name of the draft is in the directory: a name or alias that is there is used, the rest are
 * created with a kind guessed from the name; every merged name becomes an alias of the unit it was merged into.
 */
export async function upsertDraftUnits(
  trx: Trx,
  actor: Actor,
  at: Date,
  document: DraftDocument,
  directory: UnitDirectory,
  draftId: string,
): Promise<UnitResolution> {
  const now = at.toISOString();
  const ws = actor.workspaceId;
  const resolved = new Map<string, DirectoryUnit>();
  const created: DirectoryUnit[] = [];
  const names = [...draftUnitNames(document), ...document.unitMerges.map((merge) => merge.into)];
  // The groups the office keeps: units of the directory marked as groups (created so, or marked now).
  const kept = new Set(document.groups.filter((group) => group.decision === 'keep').map((group) => group.name));
  const toMark: DirectoryUnit[] = [];
  for (const name of names) {
    if (resolved.has(name)) continue;
    const found = resolveUnit(directory, name)?.unit ?? created.find((unit) => unit.name === name);
    if (found !== undefined) {
      resolved.set(name, found);
      if (kept.has(name) && found.isGroup !== true && !created.includes(found)) toMark.push(found);
      continue;
    }
    const unit: DirectoryUnit = {
      id: newId('unit'),
      name,
      kind: guessUnitKind(name),
      ...(kept.has(name) ? { isGroup: true } : {}),
    };
    created.push(unit);
    resolved.set(name, unit);
  }
  const aliases: { alias: string; unit: DirectoryUnit }[] = [];
  for (const { from, into } of document.unitMerges) {
    const unit = resolved.get(into);
    if (unit === undefined) continue;
    const known = resolveUnit(directory, from);
    if (known?.match === 'exact' || created.some((u) => u.name === from)) {
      throw conflict(`“${from}”已是单位目录中的单位，不能作为“${into}”的别名`, { unit: from });
    }
    if (known?.match === 'alias') {
      if (known.unit.id === unit.id) continue;
      throw conflict(`“${from}”已是“${known.unit.name}”的别名，不能再作为“${into}”的别名`, { unit: from });
    }
    if (!aliases.some((a) => a.alias === from)) aliases.push({ alias: from, unit });
  }
  try {
    await insertUnits(
      trx,
      created.map((unit) => ({
        id: unit.id,
        workspace_id: ws,
        created_at: now,
        updated_at: now,
        name: unit.name,
        full_name: null,
        kind: unit.kind,
        is_group: unit.isGroup === true ? 1 : 0,
      })),
    );
    await insertUnitAliases(
      trx,
      aliases.map(({ alias, unit }) => ({
        id: newId('unitAlias'),
        workspace_id: ws,
        created_at: now,
        updated_at: now,
        unit_id: unit.id,
        alias,
      })),
    );
  } catch (error) {
    // Another import added the same name in the meantime; the office confirms again and matches it.
    if (isUniqueViolation(error))
      throw conflict('单位目录刚被修改，请重新确认（the unit directory changed; try again）');
    throw error;
  }
  for (const unit of created) {
    await recordAudit(trx, actor, at, {
      action: 'unit.create',
      subjectType: 'unit',
      subjectId: unit.id,
      detail: { name: unit.name, kind: unit.kind, ...(unit.isGroup === true ? { isGroup: true } : {}), draftId },
    });
  }
  // A name an earlier import made an ordinary unit, which this review keeps as a group: the directory learns it.
  const marked = await markUnitsAsGroups(
    trx,
    ws,
    toMark.map((unit) => unit.id),
    now,
  );
  for (const unit of toMark.filter((u) => marked.includes(u.id))) {
    await recordAudit(trx, actor, at, {
      action: 'unit.update',
      subjectType: 'unit',
      subjectId: unit.id,
      detail: { name: unit.name, isGroup: true, draftId },
    });
  }
  for (const { alias, unit } of aliases) {
    await recordAudit(trx, actor, at, {
      action: 'unit-alias.create',
      subjectType: 'unit',
      subjectId: unit.id,
      detail: { alias, unit: unit.name, draftId },
    });
  }
  return {
    unitOf: (name) => {
      const unit = resolved.get(name);
      if (unit === undefined) throw new Error(`unit "${name}" was not resolved`);
      return unit;
    },
    created,
    aliases,
  };
}

// ---- The tree ----

interface Heading {
  key: string;
  parentKey: string | null;
  kind: NodeKind;
  number: string;
  title: string;
  /** Among its parent's children. */
  position: number;
}

/** Where a task's node goes: under the heading with this key (null: the root), at this position. */
interface TaskPlace {
  parentKey: string | null;
  position: number;
}

/** A heading's level from its numbering (GB/T 9704: 一、 › （一） › 1.); unnumbered ones by depth. */
function headingKind(text: string, depth: number): { kind: NodeKind; number: string; title: string } {
  const marker = readMarker(text);
  const number = marker?.raw ?? '';
  const title = marker === null ? text.trim() : text.slice(marker.length).trim();
  let kind: NodeKind;
  switch (marker?.style) {
    case 'chapter':
    case 'section':
    case 'cn-dun':
      kind = 'part';
      break;
    case 'cn-paren':
      kind = 'strand';
      break;
    case undefined:
      kind = depth === 0 ? 'part' : depth === 1 ? 'strand' : 'area';
      break;
    default:
      kind = 'area';
  }
  return { kind, number, title };
}

const PATH_SEPARATOR = '\u241f';

/**
 * The tree the draft describes: headings from the task paths (a heading is the same heading wherever its path is
 * written the same, width and spacing aside), each heading and task placed among its parent's children in order of
 * first appearance. The goals take the first places at the root, as the goals section comes first in a plan.
 */
function layOut(document: DraftDocument): { headings: Heading[]; taskPlaces: TaskPlace[] } {
  const headings = new Map<string, Heading>();
  const childCount = new Map<string | null, number>([[null, document.goals.length]]);
  const nextPosition = (parentKey: string | null) => {
    const position = childCount.get(parentKey) ?? 0;
    childCount.set(parentKey, position + 1);
    return position;
  };
  const taskPlaces = document.tasks.map((task) => {
    let parentKey: string | null = null;
    task.path.forEach((text, depth) => {
      const key = task.path
        .slice(0, depth + 1)
        .map(compact)
        .join(PATH_SEPARATOR);
      if (!headings.has(key)) {
        headings.set(key, { key, parentKey, ...headingKind(text, depth), position: nextPosition(parentKey) });
      }
      parentKey = key;
    });
    return { parentKey, position: nextPosition(parentKey) };
  });
  return { headings: [...headings.values()], taskPlaces };
}

export interface WriteStats {
  tasksInserted: number;
  tasksUpdated: number;
  tasksRemoved: number;
  targetsInserted: number;
  targetsUpdated: number;
  targetsRemoved: number;
}

export interface WritePlanInput {
  actor: Actor;
  at: Date;
  planId: string;
  /** The number of the plan version being written: what the rows it drops record as `removed_in_version`. */
  version: number;
  document: DraftDocument;
  units: UnitResolution;
  /** The plan in force, or null for a new plan. */
  existing: PlanTree | null;
  current: CurrentPlan;
  match: PlanMatch;
}

type TargetFields = Omit<NewTarget, 'id' | 'workspace_id' | 'version' | 'created_at' | 'updated_at' | 'plan_id'>;

function targetFields(target: DraftTarget, position: number, kept: CurrentTarget | null): TargetFields {
  const baseline = target.baseline === null ? (kept?.baseline ?? null) : baselineOfDraft(target.baseline);
  return {
    text: target.text,
    comparator: target.comparator,
    value_low: Array.isArray(target.value) ? target.value[0] : target.value,
    value_high: Array.isArray(target.value) ? target.value[1] : null,
    unit: target.unit,
    deadline: target.deadline,
    period: target.period,
    cumulative: target.cumulative ? 1 : 0,
    baseline_value: baseline?.value ?? null,
    baseline_period: baseline?.period ?? null,
    position,
    removed_in_version: null,
  };
}

/** Writes the draft's tree, tasks, units and targets; the plan row itself is the caller's. */
export async function writePlanTree(trx: Trx, input: WritePlanInput): Promise<WriteStats> {
  const { actor, at, planId, version: planVersion, document, units, existing, match } = input;
  const ws = actor.workspaceId;
  const now = at.toISOString();
  const stats: WriteStats = {
    tasksInserted: 0,
    tasksUpdated: 0,
    tasksRemoved: 0,
    targetsInserted: 0,
    targetsUpdated: 0,
    targetsRemoved: 0,
  };
  const oldNodes = existing?.nodes ?? [];
  const nodeById = new Map(oldNodes.map((node) => [node.id, node]));
  const usedNodes = new Set<string>();
  const newNodes: NewNode[] = [];
  const nodeUpdates: { node: NodeRow; change: Parameters<typeof updateNode>[4] }[] = [];
  const stamp = { workspace_id: ws, created_at: now, updated_at: now };

  const placeNode = (
    node: NodeRow | undefined,
    fields: {
      kind: NodeKind;
      parent_id: string | null;
      number: string;
      title: string;
      position: number;
      source_start: number | null;
      source_end: number | null;
    },
  ): string => {
    if (node === undefined) {
      const id = newId('node');
      newNodes.push({ id, ...stamp, plan_id: planId, ...fields });
      return id;
    }
    usedNodes.add(node.id);
    // A node an earlier version dropped and this one has again is restored.
    const { kind: _kind, ...rest } = fields;
    const change = { ...rest, removed_in_version: null };
    const same = (Object.keys(change) as (keyof typeof change)[]).every((key) => node[key] === change[key]);
    if (!same) nodeUpdates.push({ node, change });
    return node.id;
  };

  // Headings: continue the node with the same text (else the same title) under the same parent.
  const { headings, taskPlaces } = layOut(document);
  const headingIds = new Map<string, string>();
  const strandOf = new Map<string, string | null>();
  for (const heading of headings) {
    const parentId = heading.parentKey === null ? null : (headingIds.get(heading.parentKey) ?? null);
    const candidates = oldNodes.filter(
      (node) =>
        !usedNodes.has(node.id) &&
        node.kind === heading.kind &&
        node.parent_id === parentId &&
        isHeadingKind(node.kind),
    );
    const text = compact(`${heading.number}${heading.title}`);
    const old =
      candidates.find((node) => compact(headingText(node)) === text) ??
      candidates.find((node) => compact(node.title) === compact(heading.title));
    const id = placeNode(old, {
      kind: heading.kind,
      parent_id: parentId,
      number: heading.number,
      title: heading.title,
      position: heading.position,
      source_start: old?.source_start ?? null,
      source_end: old?.source_end ?? null,
    });
    headingIds.set(heading.key, id);
    const parentStrand = heading.parentKey === null ? null : (strandOf.get(heading.parentKey) ?? null);
    strandOf.set(heading.key, heading.kind === 'strand' ? id : parentStrand);
  }

  // Goals, first among the root's children as they come first in the document (发展目标).
  const goalIds = new Map<string, string>();
  document.goals.forEach((goal, i) => {
    const old = match.goals.get(goal.id);
    goalIds.set(
      goal.id,
      placeNode(old === undefined ? undefined : nodeById.get(old.nodeId), {
        kind: 'goal',
        parent_id: null,
        number: '',
        title: goal.title,
        position: i,
        source_start: null,
        source_end: null,
      }),
    );
  });

  // Task nodes and tasks.
  const keys = draftTaskKeys(document.tasks);
  const newTasks: NewTask[] = [];
  const taskUpdates: { id: string; version: number; change: Parameters<typeof updateTask>[4] }[] = [];
  const taskIds = new Map<string, string>();
  const unitRows: NewTaskUnit[] = [];
  const replaceUnitsOf: string[] = [];
  const existingTasks = new Map((existing?.tasks ?? []).map((task) => [task.id, task]));
  for (const [index, draft] of document.tasks.entries()) {
    const { parentKey, position } = taskPlaces[index] ?? { parentKey: null, position: index };
    const parentId = parentKey === null ? null : (headingIds.get(parentKey) ?? null);
    const matched = match.tasks.get(draft.id)?.task;
    const old = matched === undefined ? undefined : existingTasks.get(matched.id);
    const nodeId = placeNode(old === undefined ? undefined : nodeById.get(old.nodeId), {
      kind: 'task',
      parent_id: parentId,
      number: draft.number,
      title: draft.title,
      position,
      source_start: draft.source?.start ?? null,
      source_end: draft.source?.end ?? null,
    });
    const lead = dedupe(draft.units.lead.map(units.unitOf));
    const support = dedupe(draft.units.support.map(units.unitOf)).filter((u) => !lead.some((l) => l.id === u.id));
    const unitNames = [...lead, ...support].map((unit) => unit.name);
    const written = [...draft.units.lead, ...draft.units.support].filter((name) => !unitNames.includes(name));
    const fields = {
      node_id: nodeId,
      strand_node_id: parentKey === null ? null : (strandOf.get(parentKey) ?? null),
      key: keys[index] ?? '',
      number: draft.number,
      title: draft.title,
      position: index,
      due_on: dueDateOf(draft.due, document.plan.issuedOn) ?? old?.dueOn ?? null,
      search_text: buildSearchText([draft.number, draft.title, ...draft.path, ...unitNames, ...written]),
      // The plan's own paragraph; a draft stored before it was kept (undefined) leaves the task's as it is.
      source_text: draft.sourceText === undefined ? (old?.sourceText ?? null) : draft.sourceText,
      // In the draft, so in force: a task an earlier version dropped is restored.
      removed_in_version: null,
    };
    let taskId: string;
    if (old === undefined) {
      taskId = newId('task');
      newTasks.push({ id: taskId, ...stamp, plan_id: planId, ...fields });
      stats.tasksInserted += 1;
    } else {
      taskId = old.id;
      const before = {
        node_id: old.nodeId,
        strand_node_id: old.strandNodeId,
        key: old.key,
        number: old.number,
        title: old.title,
        position: old.position,
        due_on: old.dueOn,
        source_text: old.sourceText,
        removed_in_version: old.removedInVersion,
      };
      const unchanged = JSON.stringify(before) === JSON.stringify({ ...fields, search_text: undefined });
      if (!unchanged) {
        taskUpdates.push({ id: old.id, version: old.version, change: fields });
        stats.tasksUpdated += 1;
      } else if (existing?.searchTextOf.get(old.id) !== fields.search_text) {
        // Only a unit's directory name changed: refresh the search text, the task itself is the same.
        taskUpdates.push({ id: old.id, version: old.version, change: { search_text: fields.search_text } });
      }
    }
    taskIds.set(draft.id, taskId);
    const sameUnits = old !== undefined && sameIds(old.units.lead, lead) && sameIds(old.units.support, support);
    if (old !== undefined && !sameUnits) replaceUnitsOf.push(old.id);
    if (old === undefined || !sameUnits) {
      const row = (unitId: string, role: 'lead' | 'support', position: number): NewTaskUnit => ({
        id: newId('taskUnit'),
        ...stamp,
        task_id: taskId,
        unit_id: unitId,
        role,
        position,
      });
      lead.forEach((unit, i) => unitRows.push(row(unit.id, 'lead', i)));
      support.forEach((unit, i) => unitRows.push(row(unit.id, 'support', i)));
    }
  }

  // Writes: new nodes parents first, then moves of kept nodes (which may now hang under a new heading).
  await insertNodes(trx, newNodes);
  for (const { node, change } of nodeUpdates) {
    if (!(await updateNode(trx, ws, node.id, node.version, change, now)))
      throw stale('方案结构', node.id, node.version);
  }
  // Nodes the new version no longer has (headings, goals, removed tasks' nodes) keep their rows, marked removed.
  for (const node of oldNodes) {
    if (usedNodes.has(node.id) || node.removed_in_version !== null) continue;
    const change = { removed_in_version: planVersion };
    if (!(await updateNode(trx, ws, node.id, node.version, change, now)))
      throw stale('方案结构', node.id, node.version);
  }
  await insertTasks(trx, newTasks);
  for (const { id, version, change } of taskUpdates) {
    if (!(await updateTask(trx, ws, id, version, change, now))) throw stale('任务', id, version);
  }
  for (const task of match.removedTasks) {
    const old = existingTasks.get(task.id);
    if (old === undefined || old.isRemoved) continue;
    const change = { removed_in_version: planVersion };
    if (!(await updateTask(trx, ws, old.id, old.version, change, now))) throw stale('任务', old.id, old.version);
    stats.tasksRemoved += 1;
  }
  await deleteTaskUnits(trx, ws, replaceUnitsOf);
  await insertTaskUnits(trx, unitRows);

  // Targets: continue matched ones in place, add the new, mark the dropped.
  const existingTargets = new Map((existing?.targets ?? []).map((target) => [target.id, target]));
  const newTargets: NewTarget[] = [];
  const writeTargets = async (
    targets: readonly DraftTarget[],
    owner: { task_id: string | null; goal_node_id: string | null },
  ) => {
    for (const [position, target] of targets.entries()) {
      const kept = match.targets.get(target.id);
      const old: PlanTarget | undefined = kept === undefined ? undefined : existingTargets.get(kept.id);
      const fields = targetFields(target, position, kept ?? null);
      if (old === undefined || kept === undefined) {
        newTargets.push({ id: newId('target'), ...stamp, plan_id: planId, ...fields, ...owner });
        stats.targetsInserted += 1;
      } else if (targetChanged(target, kept) || old.position !== position) {
        if (!(await updateTarget(trx, ws, old.id, old.version, { ...owner, ...fields }, now))) {
          throw stale('指标', old.id, old.version);
        }
        stats.targetsUpdated += 1;
      }
    }
  };
  for (const task of document.tasks) {
    await writeTargets(task.targets, { task_id: taskIds.get(task.id) ?? null, goal_node_id: null });
  }
  for (const goal of document.goals) {
    await writeTargets(goal.targets, { task_id: null, goal_node_id: goalIds.get(goal.id) ?? null });
  }
  await insertTargets(trx, newTargets);
  for (const target of match.removedTargets) {
    const old = existingTargets.get(target.id);
    if (old === undefined || old.isRemoved) continue;
    const change = { removed_in_version: planVersion };
    if (!(await updateTarget(trx, ws, old.id, old.version, change, now))) throw stale('指标', old.id, old.version);
    stats.targetsRemoved += 1;
  }
  await markPlanStatusStale(trx, ws, planId, now);
  return stats;
}

function dedupe(units: readonly DirectoryUnit[]): DirectoryUnit[] {
  const out: DirectoryUnit[] = [];
  for (const unit of units) if (!out.some((u) => u.id === unit.id)) out.push(unit);
  return out;
}

function sameIds(a: readonly { id: string }[], b: readonly { id: string }[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i]?.id);
}
