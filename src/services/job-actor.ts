/**
 * The actor the background jobs (`src/jobs/`) act as: no person, and no account anyone can sign in with. Its user id
 * `system:jobs` is what the audit trail shows for every change a job makes — a reminder issued, a notice escalated,
 * statuses derived again — so a reader can tell the machine's actions from the office's.
 *
 * Its one role is `supervisor` (督查): reminders and escalations are supervision, which the notice policies grant
 * to supervisors (`canSuperviseNotices`); it reads plans and their delivery record as a supervisor may, and it
 * holds no office right (it imports nothing, approves nothing, closes nothing out).
 */
import { findWorkspacesWithPlans } from '../db/queries/status-queue.queries.ts';
import type { Actor, ServiceContext } from './context.ts';

export const JOB_USER_ID = 'system:jobs';

/** The jobs' actor in a workspace. */
export function jobActor(workspaceId: string): Actor {
  return { userId: JOB_USER_ID, workspaceId, roles: ['supervisor'], unitId: null, ip: null };
}

export interface JobWorkspace {
  id: string;
  /** The workspace's time zone: its local midnight is when reports and milestones fall due. */
  timeZone: string;
}

/** The workspaces the scheduled jobs visit: every one that holds a plan (not the reserved `system` workspace). */
export async function listJobWorkspaces(ctx: ServiceContext): Promise<JobWorkspace[]> {
  return (await findWorkspacesWithPlans(ctx.db)).map((row) => ({ id: row.id, timeZone: row.time_zone }));
}
