/** The workspace's plans as a list (the plan picker), a page at a time. */
import type { Db } from '../database.ts';
import type { IsoInstant } from '../schema.ts';
import { selectPlans, type PlanWithNamesRow } from './plan.queries.ts';

/** The plan list's sort key: newest first by when the plan was made, then by id. */
export type PlanPageKey = readonly [createdAt: IsoInstant, id: string];

export interface PlanPageFilter {
  /** Only the plans the office has published (what the public may see). */
  publishedOnly: boolean;
  /** The sort key of the last plan of the previous page. */
  after?: PlanPageKey;
  /** Rows to fetch (a page's limit + 1). */
  limit: number;
}

/** A page of the workspace's plans, newest first, after `filter.after`. A workspace has tens of plans. */
export function findPlanPage(db: Db, workspaceId: string, filter: PlanPageFilter): Promise<PlanWithNamesRow[]> {
  let query = selectPlans(db, workspaceId);
  if (filter.publishedOnly) query = query.where('plans.published', '=', 1);
  const after = filter.after;
  if (after !== undefined) {
    const [createdAt, id] = after;
    query = query.where((eb) =>
      eb.or([
        eb('plans.created_at', '<', createdAt),
        eb.and([eb('plans.created_at', '=', createdAt), eb('plans.id', '<', id)]),
      ]),
    );
  }
  return query.orderBy('plans.created_at', 'desc').orderBy('plans.id', 'desc').limit(filter.limit).execute();
}
