/**
 * What every service call gets: who acts (the `Actor`), the database, and the clock. Services take the actor
 * from their caller; only the HTTP layer builds one, from a verified session (issue 4) or, in tests, from a hook
 * the tests register. Nothing here reads a request.
 */
import type { Db } from '../db/database.ts';

/**
 * Roles of 等保 level-3 separation: the plan office, units' reporters and approvers, leaders, supervisors, the
 * public, and the three administrators (三员), none of whom may hold another of these three.
 */
export const ROLES = [
  'office',
  'unit-reporter',
  'unit-approver',
  'leader',
  'supervisor',
  'public',
  'system-admin',
  'security-admin',
  'audit-admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  readonly userId: string;
  readonly workspaceId: string;
  readonly roles: readonly Role[];
  /** The unit a unit reporter or approver acts for; null for roles above the units. */
  readonly unitId: string | null;
  /** Where the request came from, for the audit trail. */
  readonly ip?: string | null;
}

/** The time now; tests pass a fixed or stepping clock. */
export type Clock = () => Date;

export interface ServiceContext {
  readonly db: Db;
  readonly clock: Clock;
}

export const systemClock: Clock = () => new Date();
