/**
 * Which chain an audit administrator reads. `workspace` (the default) is their own workspace's. `system` is the
 * reserved `system` workspace's chain, which records what belongs to no workspace: sign-in attempts with a name
 * nobody has, OIDC sign-ins that match no account (issue 9: before, no audit administrator could read them). Those
 * events carry no workspace's data — the name typed, the client's address, the reason — so every workspace's audit
 * administrator may read them; every other workspace's chain stays out of reach (objects are looked up in the
 * actor's own workspace, and `scope` names no other).
 */
import { SYSTEM_WORKSPACE_ID } from './auth.service.ts';
import type { Actor } from './context.ts';

export const AUDIT_SCOPES = ['workspace', 'system'] as const;
export type AuditScope = (typeof AUDIT_SCOPES)[number];

/** The workspace id of the chain `scope` names for `actor`. */
export function auditChainOf(actor: Actor, scope: AuditScope): string {
  return scope === 'system' ? SYSTEM_WORKSPACE_ID : actor.workspaceId;
}
