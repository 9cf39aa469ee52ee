/**
 * The actor the server command `luoshi admin` (src/cli/admin.ts) acts as: no person and no account anyone can sign
 * in with, so an API request never carries it (people's user ids are `usr_…`). Its user id `system:cli` is what the
 * audit trail shows for every change the command makes to an administrator's account — the way `system:jobs` marks
 * the background jobs' changes — and each event names the operating-system user who ran the command.
 *
 * It holds no role: what it may do is `canManageAdministrators` (src/policies/user.policy.ts), and nothing else.
 */
import type { Actor } from './context.ts';

export const ADMIN_COMMAND_USER_ID = 'system:cli';

/** The command's actor in a workspace. */
export function adminCommandActor(workspaceId: string): Actor {
  return { userId: ADMIN_COMMAND_USER_ID, workspaceId, roles: [], unitId: null, ip: null };
}
