/**
 * Who may see the audit trail (等保 三员 separation): the audit administrator alone reads, exports and verifies it.
 * Not the plan office, not the system or security administrator — the people whose actions the trail records are
 * not the ones who review it. The trail is the actor's own workspace's; no object id crosses workspaces here. The
 * reserved `system` chain (sign-in attempts with names nobody has: src/services/audit-scope.ts) belongs to no
 * workspace, and every workspace's audit administrator reviews it.
 */
import type { Actor } from '../services/context.ts';

function isAuditAdmin(actor: Actor): boolean {
  return actor.roles.includes('audit-admin');
}

/** Listing and filtering the workspace's audit events. */
export function canReadAuditTrail(actor: Actor): boolean {
  return isAuditAdmin(actor);
}

/** Exporting the workspace's audit events (CSV, JSON lines) with the chain head. */
export function canExportAuditTrail(actor: Actor): boolean {
  return isAuditAdmin(actor);
}

/** Verifying the workspace's hash chain. (The `luoshi audit verify` command needs database access, not a role.) */
export function canVerifyAuditTrail(actor: Actor): boolean {
  return isAuditAdmin(actor);
}

/** Reading, exporting and verifying the reserved `system` chain, which no workspace owns. */
export function canReadSystemAuditTrail(actor: Actor): boolean {
  return isAuditAdmin(actor);
}

export function canExportSystemAuditTrail(actor: Actor): boolean {
  return isAuditAdmin(actor);
}

export function canVerifySystemAuditTrail(actor: Actor): boolean {
  return isAuditAdmin(actor);
}
