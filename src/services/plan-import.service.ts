/**
 * Importing a plan (方案导入): upload → a draft from the parser → the office edits the draft → confirm creates the
 * plan in one transaction. A draft made for an existing plan (`planId`) is a new version of it: `planDraftDiff`
 * shows what changed, and confirming it keeps every task's id, so the progress recorded against it stays.
 *
 * Every change writes its audit event in the same transaction; every update checks the row's version (`stale`);
 * objects of another workspace are `not-found`.
 */
import { createHash } from 'node:crypto';
import { findFileMeta, insertFile } from '../db/queries/file.queries.ts';
import {
  findPlanDraft,
  insertPlanDraft,
  updateOpenPlanDraft,
  type PlanDraftWithNamesRow,
} from '../db/queries/plan-draft.queries.ts';
import {
  findLatestPlanVersionNumber,
  findPlan,
  insertPlan,
  insertPlanVersion,
  updatePlan,
} from '../db/queries/plan.queries.ts';
import { findTaskIdsWithProgress } from '../db/queries/task.queries.ts';
import { findUnitAliases, findUnits } from '../db/queries/unit.queries.ts';
import type { Db } from '../db/database.ts';
import { newId } from '../db/ids.ts';
import type { PlanDraftRow, PlanDraftState } from '../db/schema.ts';
import {
  DEFAULT_MAX_BYTES,
  importDocumentInWorker,
  isImportError,
  type DocumentReader,
  type ImportErrorCode,
} from '../importer/index.ts';
import { canImportPlan } from '../policies/plan.policy.ts';
import { recordAudit } from './audit.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError, conflict, notFound, stale, type ServiceErrorCode } from './errors.ts';
import {
  buildDraftDocument,
  matchDraftUnits,
  parseDraftDocument,
  resolveDraftGroups,
  undecidedGroups,
  type DraftDocument,
  type DraftGoal,
  type DraftGroup,
  type DraftTask,
  type PlanSettings,
  type UnitMerge,
} from './plan-draft-document.ts';
import { applyDraftEdits, parseDraftEdits, type DraftEditInput } from './plan-draft-edits.ts';
import { diffPlan, matchPlan, type CurrentPlan, type PlanDiff } from './plan-diff.ts';
import { upsertDraftUnits, writePlanTree } from './plan-confirm.ts';
import { loadPlanTree, mapPlan, type Plan, type PlanTree } from './plan-state.ts';
import { buildUnitDirectory, resolveUnit, type UnitDirectory, type UnitMatch } from './plan-units.ts';
import { inTransaction } from './transaction.ts';

export type { DraftEdit, DraftEditInput } from './plan-draft-edits.ts';
export type { DraftGoal, DraftGroup, DraftTarget, DraftTask, PlanSettings, UnitMerge } from './plan-draft-document.ts';
export type { PlanDiff, TaskChange, TargetChanges, TargetSummary } from './plan-diff.ts';
export type { UnitMatch } from './plan-units.ts';

export interface UploadedFileInfo {
  id: string;
  name: string;
  mediaType: string;
  size: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
}

/** A plan draft as the office sees and edits it. */
export interface DraftView {
  id: string;
  /** Send it back with each edit and with the confirm. */
  version: number;
  state: PlanDraftState;
  /** The plan this draft is a new version of; for a new plan, set once confirmed. */
  planId: string | null;
  /** True when the draft is a new version of an existing plan. */
  isReimport: boolean;
  file: UploadedFileInfo | null;
  plan: PlanSettings;
  goals: DraftGoal[];
  tasks: DraftTask[];
  warnings: DraftDocument['warnings'];
  /** Each distinct unit name of the tasks and how it matches the unit directory now. */
  units: UnitMatch[];
  unitMerges: UnitMerge[];
  /** The unit groups the tasks name (各有关单位), with the office's decision on each; undecided ones block confirm. */
  groups: DraftGroup[];
  source: DraftDocument['source'];
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  /** The display name of `createdBy` (who uploaded it); null when it names nobody. */
  createdByName: string | null;
}

export interface CreatePlanDraftInput {
  fileName: string;
  bytes: Uint8Array;
  /** Set to import a new version of this plan. */
  planId?: string | null;
  /** The upload limit (default 20 MB). */
  maxBytes?: number;
  /** The reader thread the document is read in (the app's, with the configured budget); default the process's. */
  reader?: DocumentReader;
}

/** What confirming a draft would change in the plan in force (for a new plan: everything is added). */
export interface PlanDraftDiffView extends PlanDiff {
  draftId: string;
  planId: string | null;
  /** The number of the plan version in force; null for a new plan. */
  currentVersion: number | null;
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  md: 'text/markdown',
  txt: 'text/plain',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf',
};

// Two import failures have their own HTTP meaning (413, 415); the rest are bad input (the file is not a plan).
const IMPORT_ERROR_CODES: Partial<Record<ImportErrorCode, ServiceErrorCode>> = {
  'too-large': 'too-large',
  'unsupported-format': 'unsupported-media-type',
};

function requireImporter(actor: Actor): void {
  if (!canImportPlan(actor)) {
    throw new ServiceError(
      'forbidden',
      '只有方案办公室（工作专班）可以导入和确认方案（only the plan office may import plans）',
    );
  }
}

async function loadDirectory(db: Db, workspaceId: string): Promise<UnitDirectory> {
  const [units, aliases] = await Promise.all([findUnits(db, workspaceId), findUnitAliases(db, workspaceId)]);
  return buildUnitDirectory(
    units.map((unit) => ({ id: unit.id, name: unit.name, kind: unit.kind, isGroup: unit.is_group === 1 })),
    aliases.map((alias) => ({ alias: alias.alias, unitId: alias.unit_id })),
  );
}

async function toDraftView(db: Db, row: PlanDraftWithNamesRow, directory: UnitDirectory | null): Promise<DraftView> {
  const document = parseDraftDocument(row.draft);
  const file = row.file_id === null ? undefined : await findFileMeta(db, row.workspace_id, row.file_id);
  return {
    id: row.id,
    version: row.version,
    state: row.state,
    planId: row.plan_id,
    isReimport: document.reimportOf !== null,
    file:
      file === undefined
        ? null
        : { id: file.id, name: file.name, mediaType: file.media_type, size: file.size, sha256: file.sha256 },
    plan: document.plan,
    goals: document.goals,
    tasks: document.tasks,
    warnings: document.warnings,
    units: directory === null || row.state !== 'open' ? document.units : matchDraftUnits(document, directory),
    unitMerges: document.unitMerges,
    groups: document.groups,
    source: document.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by,
    createdByName: row.created_by_name,
  };
}

async function findDraftOrThrow(db: Db, actor: Actor, draftId: string): Promise<PlanDraftWithNamesRow> {
  const row = await findPlanDraft(db, actor.workspaceId, draftId);
  if (row === undefined) throw notFound('方案草稿', draftId);
  return row;
}

function importFailure(error: unknown): never {
  if (isImportError(error)) {
    throw new ServiceError(IMPORT_ERROR_CODES[error.code] ?? 'invalid-input', error.message, {
      importCode: error.code,
    });
  }
  throw error;
}

function checkUpload(input: CreatePlanDraftInput): void {
  if (typeof input.fileName !== 'string' || input.fileName.trim() === '' || input.fileName.length > 255) {
    throw new ServiceError('invalid-input', '文件名不能为空，且不超过 255 个字符（a file name of 1–255 characters）');
  }
  if (!(input.bytes instanceof Uint8Array)) {
    throw new ServiceError('invalid-input', '没有收到文件内容（no file content）');
  }
}

/**
 * Reads an uploaded plan document into an editable draft: stores the file, parses it, guesses the plan's settings
 * (cycle quarterly / 15 days, horizon from "十四五" or the targets) and matches its unit names with the directory.
 * With `planId`, the draft is a new version of that plan.
 */
export async function createPlanDraft(
  ctx: ServiceContext,
  actor: Actor,
  input: CreatePlanDraftInput,
): Promise<DraftView> {
  requireImporter(actor);
  checkUpload(input);
  const ws = actor.workspaceId;
  const planId = input.planId ?? null;
  const basePlan = planId === null ? undefined : await findPlan(ctx.db, ws, planId);
  if (planId !== null && basePlan === undefined) throw notFound('方案', planId);
  const base = basePlan === undefined ? null : settingsOf(mapPlan(basePlan));
  const fileName = input.fileName.trim();
  // Read in the reader thread: no document can stall the event loop or take the process's memory (issue 9, 5).
  const imported = await importDocumentInWorker(input.bytes, fileName, {
    maxBytes: input.maxBytes ?? DEFAULT_MAX_BYTES,
    reader: input.reader,
  }).catch(importFailure);
  const at = ctx.clock();
  const now = at.toISOString();
  const bytes = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const fileId = newId('file');
  const draftId = newId('planDraft');
  const row = await inTransaction(ctx.db, async (trx) => {
    const directory = await loadDirectory(trx, ws);
    const document = buildDraftDocument(
      imported.draft,
      { fileName, format: imported.source.format, encoding: imported.source.encoding, text: imported.source.text },
      directory,
      base,
      planId,
    );
    await insertFile(trx, {
      id: fileId,
      workspace_id: ws,
      created_at: now,
      name: fileName,
      media_type: MEDIA_TYPES[imported.source.format] ?? 'application/octet-stream',
      size: bytes.byteLength,
      sha256,
      path: null,
      created_by: actor.userId,
      data: Buffer.from(bytes),
    });
    await insertPlanDraft(trx, {
      id: draftId,
      workspace_id: ws,
      created_at: now,
      updated_at: now,
      file_id: fileId,
      draft: JSON.stringify(document),
      state: 'open',
      plan_id: planId,
      created_by: actor.userId,
    });
    await recordAudit(trx, actor, at, {
      action: 'plan-draft.create',
      subjectType: 'plan_draft',
      subjectId: draftId,
      detail: {
        fileName,
        fileId,
        sha256,
        size: bytes.byteLength,
        planId,
        tasks: document.tasks.length,
        goals: document.goals.length,
        warnings: document.warnings.length,
      },
    });
    const stored = await findPlanDraft(trx, ws, draftId);
    if (stored === undefined) throw notFound('方案草稿', draftId);
    return stored;
  });
  return toDraftView(ctx.db, row, null);
}

function settingsOf(plan: Plan): PlanSettings {
  return {
    title: plan.title,
    docNumber: plan.docNumber,
    issuer: plan.issuer,
    issuedOn: plan.issuedOn,
    startYear: plan.startYear,
    endYear: plan.endYear,
    visionYear: plan.visionYear,
    cycleFrequency: plan.cycle.frequency,
    cycleDueDays: plan.cycle.dueDays,
    requiresUnitApproval: plan.requiresUnitApproval,
  };
}

/** A draft of the actor's workspace, with its unit names matched against the directory as it is now. */
export async function getPlanDraft(ctx: ServiceContext, actor: Actor, draftId: string): Promise<DraftView> {
  requireImporter(actor);
  const row = await findDraftOrThrow(ctx.db, actor, draftId);
  return toDraftView(ctx.db, row, await loadDirectory(ctx.db, actor.workspaceId));
}

/**
 * Applies a batch of edits to an open draft at `expectedVersion`: all of them or none. A bad edit is
 * `invalid-input` naming it; a draft changed since is `stale`; a confirmed draft is `conflict`.
 */
export async function editPlanDraft(
  ctx: ServiceContext,
  actor: Actor,
  draftId: string,
  expectedVersion: number,
  edits: readonly DraftEditInput[],
): Promise<DraftView> {
  requireImporter(actor);
  const parsed = parseDraftEdits(edits);
  const ws = actor.workspaceId;
  const at = ctx.clock();
  const row = await inTransaction(ctx.db, async (trx) => {
    const current = await findDraftOrThrow(trx, actor, draftId);
    assertOpen(current, expectedVersion);
    const directory = await loadDirectory(trx, ws);
    const edited = applyDraftEdits(parseDraftDocument(current.draft), parsed, directory);
    edited.units = matchDraftUnits(edited, directory);
    const updated = await updateOpenPlanDraft(
      trx,
      ws,
      draftId,
      expectedVersion,
      { draft: JSON.stringify(edited) },
      at.toISOString(),
    );
    if (!updated) throw stale('方案草稿', draftId, expectedVersion);
    await recordAudit(trx, actor, at, {
      action: 'plan-draft.edit',
      subjectType: 'plan_draft',
      subjectId: draftId,
      detail: { version: expectedVersion + 1, edits: parsed },
    });
    return { ...current, draft: JSON.stringify(edited), version: expectedVersion + 1, updated_at: at.toISOString() };
  });
  return toDraftView(ctx.db, row, null);
}

function assertOpen(row: PlanDraftRow, expectedVersion: number): void {
  if (row.state !== 'open') {
    throw conflict(
      row.state === 'confirmed'
        ? '方案草稿已确认，不能再修改或确认（already confirmed）'
        : '方案草稿已作废（discarded）',
      { state: row.state },
    );
  }
  if (row.version !== expectedVersion) throw stale('方案草稿', row.id, expectedVersion);
}

async function currentPlanOf(db: Db, workspaceId: string, tree: PlanTree): Promise<CurrentPlan> {
  const progress = await findTaskIdsWithProgress(db, workspaceId, tree.plan.id);
  const targetsOf = (ownerId: string, by: 'taskId' | 'goalNodeId') =>
    tree.targets
      .filter((target) => target[by] === ownerId)
      .map((target) => ({
        id: target.id,
        text: target.text,
        comparator: target.comparator,
        value: target.value,
        unit: target.unit,
        deadline: target.deadline,
        period: target.period,
        cumulative: target.cumulative,
        baseline: target.baseline,
        isRemoved: target.isRemoved,
      }));
  return {
    tasks: tree.tasks.map((task) => ({
      id: task.id,
      key: task.key,
      number: task.number,
      title: task.title,
      path: task.path,
      lead: task.units.lead.map((unit) => unit.name),
      support: task.units.support.map((unit) => unit.name),
      targets: targetsOf(task.id, 'taskId'),
      isRemoved: task.isRemoved,
      hasProgress: progress.has(task.id),
      sourceText: task.sourceText,
    })),
    goals: tree.goals.map((goal) => ({
      nodeId: goal.nodeId,
      title: goal.title,
      targets: targetsOf(goal.nodeId, 'goalNodeId'),
      isRemoved: goal.isRemoved,
    })),
  };
}

const EMPTY_PLAN: CurrentPlan = { tasks: [], goals: [] };

/** The directory name a draft's unit name stands for (the name itself for a unit the confirm will create). */
function unitNameIn(directory: UnitDirectory): (name: string) => string {
  return (name) => resolveUnit(directory, name)?.unit.name ?? name;
}

/**
 * What confirming the draft would change in the plan in force: tasks added, removed (with whether progress is
 * recorded against them) and changed (number, title, headings, units, targets), and the goals' changes.
 */
export async function planDraftDiff(ctx: ServiceContext, actor: Actor, draftId: string): Promise<PlanDraftDiffView> {
  requireImporter(actor);
  const ws = actor.workspaceId;
  const row = await findDraftOrThrow(ctx.db, actor, draftId);
  // The units as confirm would write them: mapped groups replaced, dropped ones gone (undecided ones as written).
  const document = resolveDraftGroups(parseDraftDocument(row.draft));
  const directory = await loadDirectory(ctx.db, ws);
  const tree =
    document.reimportOf === null ? null : await loadPlanTree(ctx.db, ws, document.reimportOf, { includeRemoved: true });
  const current = tree === null ? EMPTY_PLAN : await currentPlanOf(ctx.db, ws, tree);
  const diff = diffPlan(current, document, matchPlan(current, document), unitNameIn(directory));
  return { draftId, planId: row.plan_id, currentVersion: tree?.plan.currentVersion ?? null, ...diff };
}

/**
 * Confirms an open draft at `expectedVersion`, in one transaction: units (matched by name or alias, the rest
 * created; merged names become aliases), the plan (or its next version), its tree, tasks, task units and targets,
 * the plan version with the draft and the file; the draft becomes `confirmed`. Returns the plan id. Confirming a
 * confirmed draft is `conflict`.
 */
export async function confirmPlanDraft(
  ctx: ServiceContext,
  actor: Actor,
  draftId: string,
  expectedVersion: number,
): Promise<string> {
  requireImporter(actor);
  const ws = actor.workspaceId;
  const at = ctx.clock();
  const now = at.toISOString();
  return inTransaction(ctx.db, async (trx) => {
    const row = await findDraftOrThrow(trx, actor, draftId);
    assertOpen(row, expectedVersion);
    const stored = parseDraftDocument(row.draft);
    // An undecided group would become one more ordinary unit of the directory: the office decides first.
    const undecided = undecidedGroups(stored);
    if (undecided.length > 0) {
      throw conflict(
        `请先决定以下单位组是保留为单位组、映射到具体单位还是删除：${undecided.join('，')}` +
          '（decide each unit group before confirming: keep, map or drop）',
        { groups: undecided },
      );
    }
    const document = resolveDraftGroups(stored);
    const planId = row.plan_id ?? newId('plan');
    const settings = document.plan;
    const planFields = {
      title: settings.title,
      doc_number: settings.docNumber,
      issuer: settings.issuer,
      issued_on: settings.issuedOn,
      start_year: settings.startYear,
      end_year: settings.endYear,
      vision_year: settings.visionYear,
      cycle_frequency: settings.cycleFrequency,
      cycle_due_days: settings.cycleDueDays,
      requires_unit_approval: settings.requiresUnitApproval ? (1 as const) : (0 as const),
    };
    let existing: PlanTree | null = null;
    let number = 1;
    if (row.plan_id === null) {
      await insertPlan(trx, {
        id: planId,
        workspace_id: ws,
        created_at: now,
        updated_at: now,
        ...planFields,
        current_version: 1,
        created_by: actor.userId,
      });
    } else {
      // Removed rows too: a task, target or goal the new version has again is restored, not inserted anew.
      existing = await loadPlanTree(trx, ws, planId, { includeRemoved: true });
      number = (await findLatestPlanVersionNumber(trx, ws, planId)) + 1;
      const updated = await updatePlan(
        trx,
        ws,
        planId,
        existing.plan.version,
        { ...planFields, current_version: number },
        now,
      );
      if (!updated) throw stale('方案', planId, existing.plan.version);
    }
    // Claim the draft before the bulk of the work: on PostgreSQL its row lock makes a concurrent confirm of the
    // same draft wait here, then find it confirmed (conflict) and roll back.
    const claimed = await updateOpenPlanDraft(
      trx,
      ws,
      draftId,
      expectedVersion,
      { state: 'confirmed', plan_id: planId },
      now,
    );
    if (!claimed) {
      const again = await findDraftOrThrow(trx, actor, draftId);
      assertOpen(again, expectedVersion);
      throw stale('方案草稿', draftId, expectedVersion);
    }
    const directory = await loadDirectory(trx, ws);
    const units = await upsertDraftUnits(trx, actor, at, document, directory, draftId);
    const current = existing === null ? EMPTY_PLAN : await currentPlanOf(trx, ws, existing);
    const match = matchPlan(current, document);
    const diff = diffPlan(current, document, match, (name) => units.unitOf(name).name);
    const stats = await writePlanTree(trx, {
      actor,
      at,
      planId,
      version: number,
      document,
      units,
      existing,
      current,
      match,
    });
    const versionId = newId('planVersion');
    await insertPlanVersion(trx, {
      id: versionId,
      workspace_id: ws,
      created_at: now,
      plan_id: planId,
      number,
      file_id: row.file_id,
      draft: row.draft,
      created_by: actor.userId,
    });
    await recordAudit(trx, actor, at, {
      action: 'plan.confirm',
      subjectType: 'plan',
      subjectId: planId,
      detail: {
        draftId,
        version: number,
        versionId,
        fileId: row.file_id,
        title: settings.title,
        tasks: document.tasks.length,
        unitsCreated: units.created.map((unit) => unit.name),
        aliasesCreated: units.aliases.map((alias) => alias.alias),
        summary: diff.summary,
        removedTaskIds: diff.removed.map((task) => task.taskId),
        ...stats,
      },
    });
    return planId;
  });
}
