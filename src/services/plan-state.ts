/**
 * A plan as the services hand it out — `Plan`, `PlanTask` (with its heading path and units), `PlanTarget`,
 * `PlanGoal` — mapped from rows, and the loaders that read a plan's tasks or its whole tree, for the reads and for
 * re-import.
 *
 * Removed by a re-import: a task, target or node that a later version of the plan no longer has keeps its row and
 * its position (the progress recorded against it stays) and gets `removed_in_version`, the number of the version
 * that dropped it; `isRemoved` and `removedInVersion` are how callers see it.
 */
import type { Db } from '../db/database.ts';
import { findPlan, type PlanWithNamesRow } from '../db/queries/plan.queries.ts';
import { findNodesOfPlan } from '../db/queries/node.queries.ts';
import { findTaskUnitsOfPlan, findTasksOfPlan, type TaskUnitWithUnitRow } from '../db/queries/task.queries.ts';
import { findTargetsOfPlan } from '../db/queries/target.queries.ts';
import type {
  ComparatorCode,
  CycleFrequency,
  NodeKind,
  NodeRow,
  PlanRow,
  TargetRow,
  TaskRow,
  TaskStatus,
} from '../db/schema.ts';
import { notFound } from './errors.ts';

export interface Plan {
  id: string;
  version: number;
  title: string;
  /** 文号. */
  docNumber: string | null;
  issuer: string | null;
  issuedOn: string | null;
  startYear: number | null;
  endYear: number | null;
  visionYear: number | null;
  cycle: { frequency: CycleFrequency; dueDays: number };
  requiresUnitApproval: boolean;
  /** 单位审核 four-eyes relaxed: a unit's only approver may approve a report it wrote (one-person units). */
  allowSelfApproval: boolean;
  published: boolean;
  /** The number of the plan version in force. */
  currentVersion: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  /** The display name of `createdBy`; null when it names nobody. */
  createdByName: string | null;
  /** 报送起始日 as the office set it; null: the later of the plan's start and its confirmation (`reportingStartOf`). */
  reportingStartsOn: string | null;
}

export interface UnitRef {
  id: string;
  name: string;
}

export interface PlanTask {
  id: string;
  version: number;
  planId: string;
  nodeId: string;
  strandNodeId: string | null;
  /** Stable across versions: normalised number and title. */
  key: string;
  number: string;
  title: string;
  /** The headings above the task, as written: ["二、…", "（二）…", "4.…"]. */
  path: string[];
  /** Document order from 0; a removed task keeps the one it last had. */
  position: number;
  isRemoved: boolean;
  /** The plan version that no longer has the task; null while it is in force. */
  removedInVersion: number | null;
  dueOn: string | null;
  closedAt: string | null;
  status: TaskStatus | null;
  /** Lead units in written order (the first is the primary lead), then support units. */
  units: { lead: UnitRef[]; support: UnitRef[] };
  /** The plan's own paragraph for the task, as the importer read it; null when none was read. */
  sourceText: string | null;
}

export interface PlanTarget {
  id: string;
  version: number;
  planId: string;
  /** The task it belongs to, or null for a goal's target. */
  taskId: string | null;
  goalNodeId: string | null;
  text: string;
  comparator: ComparatorCode;
  /** A number, or `[low, high]` for a range. */
  value: number | [number, number];
  unit: string;
  deadline: string | null;
  period: string | null;
  cumulative: boolean;
  baseline: { value: number; period: string | null } | null;
  position: number;
  isRemoved: boolean;
  /** The plan version that no longer has the target; null while it is in force. */
  removedInVersion: number | null;
}

export interface PlanGoal {
  nodeId: string;
  version: number;
  title: string;
  position: number;
  isRemoved: boolean;
  /** The plan version that no longer has the goal; null while it is in force. */
  removedInVersion: number | null;
}

export interface PlanTree {
  plan: Plan;
  /** Rows stay inside the service layer: the import rewrites the tree from them. */
  nodes: NodeRow[];
  tasks: PlanTask[];
  targets: PlanTarget[];
  goals: PlanGoal[];
  /** Each task's stored search_text, so that a re-import rewrites only what changed. */
  searchTextOf: ReadonlyMap<string, string>;
}

export interface LoadOptions {
  /** Also what a re-import removed, after what is in force. */
  includeRemoved: boolean;
}

/** A plan row mapped; a row read without the maker's name (the jobs' own reads, which answer nobody) maps it to null. */
export function mapPlan(row: PlanRow & Partial<Pick<PlanWithNamesRow, 'created_by_name'>>): Plan {
  return {
    id: row.id,
    version: row.version,
    title: row.title,
    docNumber: row.doc_number,
    issuer: row.issuer,
    issuedOn: row.issued_on,
    startYear: row.start_year,
    endYear: row.end_year,
    visionYear: row.vision_year,
    cycle: { frequency: row.cycle_frequency, dueDays: row.cycle_due_days },
    requiresUnitApproval: row.requires_unit_approval === 1,
    allowSelfApproval: row.allow_self_approval === 1,
    published: row.published === 1,
    currentVersion: row.current_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
    createdByName: row.created_by_name ?? null,
    reportingStartsOn: row.reporting_starts_on,
  };
}

export function mapTarget(row: TargetRow): PlanTarget {
  return {
    id: row.id,
    version: row.version,
    planId: row.plan_id,
    taskId: row.task_id,
    goalNodeId: row.goal_node_id,
    text: row.text,
    comparator: row.comparator,
    value: row.comparator === 'range' && row.value_high !== null ? [row.value_low, row.value_high] : row.value_low,
    unit: row.unit,
    deadline: row.deadline,
    period: row.period,
    cumulative: row.cumulative === 1,
    baseline: row.baseline_value === null ? null : { value: row.baseline_value, period: row.baseline_period },
    position: row.position,
    isRemoved: row.removed_in_version !== null,
    removedInVersion: row.removed_in_version,
  };
}

export function mapGoal(node: NodeRow): PlanGoal {
  return {
    nodeId: node.id,
    version: node.version,
    title: node.title,
    position: node.position,
    isRemoved: node.removed_in_version !== null,
    removedInVersion: node.removed_in_version,
  };
}

/** A heading as the draft writes it: number and title, "（二）提升…". */
export function headingText(node: Pick<NodeRow, 'number' | 'title'>): string {
  return `${node.number}${node.title}`;
}

const HEADING_KINDS: readonly NodeKind[] = ['part', 'strand', 'area'];

export function isHeadingKind(kind: NodeKind): boolean {
  return HEADING_KINDS.includes(kind);
}

/** The headings above a node, from the root down. */
function pathOf(node: NodeRow, byId: ReadonlyMap<string, NodeRow>): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  let parentId = node.parent_id;
  while (parentId !== null && !seen.has(parentId)) {
    seen.add(parentId);
    const parent = byId.get(parentId);
    if (parent === undefined) break;
    if (isHeadingKind(parent.kind)) path.unshift(headingText(parent));
    parentId = parent.parent_id;
  }
  return path;
}

function mapTasks(
  taskRows: readonly TaskRow[],
  unitRows: readonly TaskUnitWithUnitRow[],
  nodes: readonly NodeRow[],
): PlanTask[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const units = new Map<string, { lead: UnitRef[]; support: UnitRef[] }>();
  for (const unit of unitRows) {
    let entry = units.get(unit.task_id);
    if (entry === undefined) units.set(unit.task_id, (entry = { lead: [], support: [] }));
    entry[unit.role].push({ id: unit.unit_id, name: unit.unit_name });
  }
  return taskRows.map((task): PlanTask => {
    const node = byId.get(task.node_id);
    return {
      id: task.id,
      version: task.version,
      planId: task.plan_id,
      nodeId: task.node_id,
      strandNodeId: task.strand_node_id,
      key: task.key,
      number: task.number,
      title: task.title,
      path: node === undefined ? [] : pathOf(node, byId),
      position: task.position,
      isRemoved: task.removed_in_version !== null,
      removedInVersion: task.removed_in_version,
      dueOn: task.due_on,
      closedAt: task.closed_at,
      status: task.status,
      units: units.get(task.id) ?? { lead: [], support: [] },
      sourceText: task.source_text,
    };
  });
}

/**
 * A plan's tasks in document order with their heading paths and units: those in force, then (when asked) the
 * removed ones in their last order. The tree of a task in force is in force, so its path needs no removed node.
 */
export async function loadPlanTasks(
  db: Db,
  workspaceId: string,
  planId: string,
  options: LoadOptions,
): Promise<PlanTask[]> {
  const [nodes, taskRows, unitRows] = await Promise.all([
    findNodesOfPlan(db, workspaceId, planId, options),
    findTasksOfPlan(db, workspaceId, planId, options),
    findTaskUnitsOfPlan(db, workspaceId, planId, options),
  ]);
  return mapTasks(taskRows, unitRows, nodes);
}

/**
 * Reads a plan of the workspace and its whole tree (re-import asks for the removed rows too, to restore them);
 * `not-found` when the workspace has no such plan.
 */
export async function loadPlanTree(
  db: Db,
  workspaceId: string,
  planId: string,
  options: LoadOptions,
): Promise<PlanTree> {
  const row = await findPlan(db, workspaceId, planId);
  if (row === undefined) throw notFound('方案', planId);
  const [nodes, taskRows, unitRows, targetRows] = await Promise.all([
    findNodesOfPlan(db, workspaceId, planId, options),
    findTasksOfPlan(db, workspaceId, planId, options),
    findTaskUnitsOfPlan(db, workspaceId, planId, options),
    findTargetsOfPlan(db, workspaceId, planId, options),
  ]);
  return {
    plan: mapPlan(row),
    nodes,
    tasks: mapTasks(taskRows, unitRows, nodes),
    targets: targetRows.map(mapTarget),
    goals: nodes.filter((node) => node.kind === 'goal').map(mapGoal),
    searchTextOf: new Map(taskRows.map((task) => [task.id, task.search_text])),
  };
}
