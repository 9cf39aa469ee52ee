/**
 * Who may do the background jobs' own work — derive the queued task statuses, sweep a workspace, send report
 * reminders and escalate overdue notices on their own initiative: the jobs' actor only (`jobActor`, user
 * `system:jobs`), which no person signs in as (user ids of people are `usr_…`). What the jobs change through the
 * ordinary services (a notice escalated or closed) is further checked there, as for anyone.
 */
import type { Actor } from '../services/context.ts';
import { JOB_USER_ID } from '../services/job-actor.ts';

export function isJobActor(actor: Actor): boolean {
  return actor.userId === JOB_USER_ID && actor.unitId === null;
}
