/**
 * The list of plan drafts (方案草稿列表) for the plan office: every draft of the workspace, newest first, a page at a
 * time, so that a draft whose id was lost (a closed tab, a dropped link) is found again.
 */
import { z } from 'zod';
import { findPlanDraftPage, type PlanDraftListRow, type PlanDraftPageKey } from '../db/queries/plan-draft.queries.ts';
import type { PlanDraftState } from '../db/schema.ts';
import { canImportPlan } from '../policies/plan.policy.ts';
import type { Actor, ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';

export type { PlanDraftPageKey } from '../db/queries/plan-draft.queries.ts';

/** One draft in the list. */
export interface DraftListItem {
  id: string;
  version: number;
  state: PlanDraftState;
  /** The uploaded file's name; null when the draft has no file. */
  fileName: string | null;
  /** The plan's title as the draft has it now (with the office's edits). */
  title: string;
  taskCount: number;
  /** Unit groups (各有关单位 …) the office has not decided yet: confirm waits for them. */
  undecidedGroups: number;
  /** True when the draft is a new version of an existing plan. */
  isReimport: boolean;
  /** The plan a re-import would update, or the plan a confirmed draft created; null otherwise. */
  plan: { id: string; title: string } | null;
  createdAt: string;
  updatedAt: string;
  /** Who uploaded it: the user's id and display name (null when the account is gone or was a command). */
  createdBy: { id: string; displayName: string | null } | null;
}

export interface DraftPage {
  items: DraftListItem[];
  /** The sort key of the last item when more follow. */
  next: PlanDraftPageKey | null;
}

export const DRAFT_PAGE_LIMIT = Object.freeze({ min: 1, max: 200, default: 50 });

// Only what the list shows is read from the stored JSON: checking every task of every draft of a page with the
// draft's full schema would cost more than the page.
const listedDocumentSchema = z.object({
  plan: z.object({ title: z.string() }),
  tasks: z.array(z.unknown()),
  groups: z.array(z.object({ decision: z.string() })).default([]),
  reimportOf: z.string().nullable(),
});

function toItem(row: PlanDraftListRow): DraftListItem {
  const document = listedDocumentSchema.parse(JSON.parse(row.draft));
  return {
    id: row.id,
    version: row.version,
    state: row.state,
    fileName: row.file_name,
    title: document.plan.title,
    taskCount: document.tasks.length,
    undecidedGroups: document.groups.filter((group) => group.decision === 'undecided').length,
    isReimport: document.reimportOf !== null,
    plan: row.plan_id === null ? null : { id: row.plan_id, title: row.plan_title ?? '' },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    createdBy: row.created_by === null ? null : { id: row.created_by, displayName: row.created_by_name },
  };
}

/** The workspace's plan drafts, newest first; `state` narrows the list (open ones: what is still to review). */
export async function listPlanDrafts(
  ctx: ServiceContext,
  actor: Actor,
  query: { state?: PlanDraftState | undefined; after?: PlanDraftPageKey | null; limit?: number } = {},
): Promise<DraftPage> {
  if (!canImportPlan(actor)) {
    throw new ServiceError(
      'forbidden',
      '只有方案办公室（工作专班）可以查看方案草稿（only the plan office may see plan drafts）',
    );
  }
  const limit = query.limit ?? DRAFT_PAGE_LIMIT.default;
  if (!Number.isInteger(limit) || limit < DRAFT_PAGE_LIMIT.min || limit > DRAFT_PAGE_LIMIT.max) {
    throw new ServiceError('invalid-input', `每页条数应为 ${DRAFT_PAGE_LIMIT.min}–${DRAFT_PAGE_LIMIT.max}（limit）`, {
      field: 'limit',
    });
  }
  const rows = await findPlanDraftPage(ctx.db, actor.workspaceId, {
    ...(query.state === undefined ? {} : { state: query.state }),
    ...(query.after == null ? {} : { after: query.after }),
    limit: limit + 1,
  });
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? [last.createdAt, last.id] : null };
}
