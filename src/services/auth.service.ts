/**
 * Sign-in and sessions (等保 2.0 level 3: 身份鉴别, 访问控制, 安全审计).
 *
 * - Signing in checks the password against its scrypt hash, counts failures and locks the account after five in a
 *   row for fifteen minutes (src/domain/passwords.ts). An unknown name costs the same time as a known one (a decoy
 *   hash) and gets the same message as a wrong password. Every attempt, success or failure, is an audit event: in
 *   the user's workspace, or, for a name nobody has, in the reserved `system` workspace.
 * - A session lives on the server: the cookie holds a random 256-bit token, the database only its SHA-256. It ends
 *   after 30 minutes without a request, 12 hours after sign-in, at sign-out, at "sign out everywhere", when the
 *   password changes or an administrator resets it, and when the account is disabled.
 * - Each session has its own CSRF token, which the client sends back in `X-CSRF-Token` with every change.
 * - A one-time or expired password signs in only to change it (`mustChangePassword`); a session signed in through
 *   the OIDC provider (src/services/oidc.service.ts, through `startSession`) is not bound by the password.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AuthConfig } from '../config.ts';
import {
  findSessionWithUser,
  insertSession,
  revokeSession,
  revokeSessionsOfUser,
  touchSession,
} from '../db/queries/session.queries.ts';
import { findUserByUsername, updateSignInState, updateUser } from '../db/queries/user.queries.ts';
import type { UserRow, UserUpdate } from '../db/schema.ts';
import {
  AFTER_SUCCESS,
  DEFAULT_PASSWORD_POLICY,
  afterFailure,
  describePasswordProblems,
  isLocked,
  isPasswordExpired,
  passwordProblems,
  type PasswordPolicy,
} from '../domain/passwords.ts';
import { recordAudit } from './audit.ts';
import { ROLES, type Actor, type Role, type ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';
import { decoyHash, hashPassword, needsRehash, verifyPassword, type ScryptCost } from './password-hash.ts';
import { inTransaction } from './transaction.ts';

/** The workspace whose audit chain records what belongs to no workspace (migration 0004). */
export const SYSTEM_WORKSPACE_ID = 'system';

/** Sessions are touched at most this often, so reading pages does not write a row per request. */
const TOUCH_EVERY_MS = 60_000;

export const SIGN_IN_FAILED_MESSAGE = '用户名或密码错误（wrong user name or password）';

/** The password policy of a configuration: the defaults of src/domain/passwords.ts, with its expiry. */
export function passwordPolicy(config: AuthConfig): PasswordPolicy {
  return { ...DEFAULT_PASSWORD_POLICY, maxAgeDays: config.passwordMaxAgeDays };
}

export function scryptCost(config: AuthConfig): ScryptCost {
  return { logN: config.passwordHashCost, r: 8, p: 1 };
}

/** What the HTTP layer knows of the client, for the session and the audit trail. */
export interface ClientInfo {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface SignedInUser {
  id: string;
  username: string;
  displayName: string;
  workspaceId: string;
  roles: Role[];
  unitId: string | null;
}

/** A live session as the HTTP layer uses it. */
export interface SessionState {
  /** The session's id (the token's hash), for sign-out. */
  readonly id: string;
  readonly actor: Actor;
  readonly user: SignedInUser;
  readonly csrfToken: string;
  /** A one-time or expired password: only changing it is allowed. */
  readonly mustChangePassword: boolean;
  readonly expiresAt: string;
  readonly idleExpiresAt: string;
}

export interface SignInResult {
  /** The cookie's value: shown once, never stored. */
  readonly token: string;
  readonly session: SessionState;
}

/** The SHA-256 of a session token: the session's id. */
export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A user's roles as stored (a JSON array); anything that is not a known role is dropped. */
export function parseRoles(json: string): Role[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((role): role is Role => typeof role === 'string' && (ROLES as readonly string[]).includes(role));
}

export function signedInUser(user: UserRow): SignedInUser {
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    workspaceId: user.workspace_id,
    roles: parseRoles(user.roles),
    unitId: user.unit_id,
  };
}

function actorOf(user: UserRow, ip: string | null): Actor {
  return {
    userId: user.id,
    workspaceId: user.workspace_id,
    roles: parseRoles(user.roles),
    unitId: user.unit_id,
    ip,
  };
}

function mustChange(user: UserRow, now: Date, config: AuthConfig): boolean {
  if (user.must_change_password === 1) return true;
  if (user.password_hash === null) return false;
  const changedAt = user.password_changed_at === null ? null : new Date(user.password_changed_at);
  return isPasswordExpired(changedAt, now, passwordPolicy(config));
}

/** Sign-in names are kept in lower case; the form may send them in any case and with spaces around. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

function lockedError(until: Date, now: Date): ServiceError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
  return new ServiceError(
    'account-locked',
    `连续登录失败次数过多，账户已锁定，请 ${minutes} 分钟后再试或联系系统管理员（account locked; try again in ${minutes} min）`,
    { lockedUntil: until.toISOString() },
  );
}

/**
 * Signs a user in with name and password. Throws `sign-in-failed` (401) for a wrong name or password or a
 * disabled account (one message for all three), `account-locked` (423) while locked.
 */
export async function signIn(
  ctx: ServiceContext,
  config: AuthConfig,
  credentials: { readonly username: string; readonly password: string },
  client: ClientInfo,
): Promise<SignInResult> {
  const now = ctx.clock();
  const username = normalizeUsername(credentials.username);
  const cost = scryptCost(config);
  const user = await findUserByUsername(ctx.db, username);

  const failure = async (workspaceId: string, actorId: string | null, reason: string, detail = {}) => {
    await inTransaction(ctx.db, (trx) =>
      recordAudit(
        trx,
        // A name nobody has: the actor is unknown.
        { userId: actorId ?? 'anonymous', workspaceId, roles: [], ip: client.ip },
        now,
        {
          action: 'auth.sign-in',
          subjectType: actorId === null ? null : 'user',
          subjectId: actorId,
          detail: { username, reason, userAgent: client.userAgent, ...detail },
          outcome: reason === 'locked' ? 'denied' : 'failure',
        },
      ),
    );
  };

  if (user === undefined || user.password_hash === null || user.disabled === 1) {
    // The same work and the same answer as a wrong password: the response does not tell which names exist.
    await verifyPassword(credentials.password, await decoyHash(cost));
    if (user === undefined) await failure(SYSTEM_WORKSPACE_ID, null, 'unknown-user');
    else await failure(user.workspace_id, user.id, user.disabled === 1 ? 'disabled' : 'no-password');
    throw new ServiceError('sign-in-failed', SIGN_IN_FAILED_MESSAGE);
  }

  const state = {
    failedAttempts: user.failed_attempts,
    lockedUntil: user.locked_until === null ? null : new Date(user.locked_until),
  };
  if (isLocked(state, now) && state.lockedUntil !== null) {
    await failure(user.workspace_id, user.id, 'locked');
    throw lockedError(state.lockedUntil, now);
  }

  const policy = passwordPolicy(config);
  if (!(await verifyPassword(credentials.password, user.password_hash))) {
    const next = afterFailure(state, now, policy);
    const lockedNow = isLocked(next, now);
    await inTransaction(ctx.db, async (trx) => {
      await updateSignInState(trx, user.workspace_id, user.id, {
        failed_attempts: next.failedAttempts,
        locked_until: next.lockedUntil?.toISOString() ?? null,
      });
      await recordAudit(trx, { userId: user.id, workspaceId: user.workspace_id, roles: [], ip: client.ip }, now, {
        action: 'auth.sign-in',
        subjectType: 'user',
        subjectId: user.id,
        detail: {
          username,
          reason: 'wrong-password',
          userAgent: client.userAgent,
          ...(lockedNow ? { lockedUntil: next.lockedUntil?.toISOString() } : { failedAttempts: next.failedAttempts }),
        },
        outcome: 'failure',
      });
    });
    if (lockedNow && next.lockedUntil !== null) throw lockedError(next.lockedUntil, now);
    throw new ServiceError('sign-in-failed', SIGN_IN_FAILED_MESSAGE);
  }

  const rehashed = needsRehash(user.password_hash, cost) ? await hashPassword(credentials.password, cost) : null;
  return startSession(ctx, config, user, client, 'password', {
    signInState: {
      failed_attempts: AFTER_SUCCESS.failedAttempts,
      locked_until: null,
      ...(rehashed === null ? {} : { password_hash: rehashed }),
    },
  });
}

/** How a session was signed in (`sessions.via`). */
export type SessionVia = 'password' | 'oidc';

/**
 * Opens a session for a user whose identity the caller has established (a right password, a verified OIDC ID
 * token), in one transaction with the sign-in bookkeeping and the `auth.sign-in` audit event. No checks here: the
 * caller has refused disabled and locked accounts. A session signed in through OIDC is never bound to change the
 * password (the password is not what signed it in).
 */
export async function startSession(
  ctx: ServiceContext,
  config: AuthConfig,
  user: UserRow,
  client: ClientInfo,
  via: SessionVia,
  options: {
    /** Bookkeeping besides `last_sign_in_at` (a password sign-in clears the failure count, stores a re-hash). */
    readonly signInState?: Pick<UserUpdate, 'failed_attempts' | 'locked_until' | 'password_hash'>;
    /** More for the audit event's detail (the OIDC issuer and subject). */
    readonly detail?: Readonly<Record<string, unknown>>;
  } = {},
): Promise<SignInResult> {
  const now = ctx.clock();
  const at = now.toISOString();
  const token = randomBytes(32).toString('base64url');
  const id = sessionIdOf(token);
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + config.sessionMaxHours * 3_600_000).toISOString();
  const actor = actorOf(user, client.ip);
  await inTransaction(ctx.db, async (trx) => {
    await updateSignInState(trx, user.workspace_id, user.id, { ...options.signInState, last_sign_in_at: at });
    await insertSession(trx, {
      id,
      workspace_id: user.workspace_id,
      user_id: user.id,
      created_at: at,
      updated_at: at,
      expires_at: expiresAt,
      csrf_token: csrfToken,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 500) ?? null,
      via,
    });
    await recordAudit(trx, actor, now, {
      action: 'auth.sign-in',
      subjectType: 'user',
      subjectId: user.id,
      detail: { username: user.username, via, userAgent: client.userAgent, ...options.detail },
    });
  });
  return {
    token,
    session: {
      id,
      actor,
      user: signedInUser(user),
      csrfToken,
      mustChangePassword: via === 'password' && mustChange(user, now, config),
      expiresAt,
      idleExpiresAt: new Date(now.getTime() + config.sessionIdleMinutes * 60_000).toISOString(),
    },
  };
}

/**
 * The live session of a cookie's token, or null when there is none: unknown, revoked, past its absolute end or
 * idle too long (then it is revoked), or its user disabled. Records activity at most once a minute.
 */
export async function resolveSession(
  ctx: ServiceContext,
  config: AuthConfig,
  token: string,
  client: ClientInfo,
): Promise<SessionState | null> {
  if (token.length < 20 || token.length > 100) return null;
  const now = ctx.clock();
  const id = sessionIdOf(token);
  const found = await findSessionWithUser(ctx.db, id);
  if (found === undefined || found.revoked_at !== null) return null;
  const { user } = found;
  const lastSeen = new Date(found.updated_at).getTime();
  const idleLimit = config.sessionIdleMinutes * 60_000;
  if (now.getTime() >= new Date(found.expires_at).getTime() || user.disabled === 1) return null;
  if (now.getTime() - lastSeen >= idleLimit) {
    await revokeSession(ctx.db, id, now.toISOString());
    return null;
  }
  let seen = lastSeen;
  if (now.getTime() - lastSeen >= TOUCH_EVERY_MS) {
    await touchSession(ctx.db, id, now.toISOString());
    seen = now.getTime();
  }
  return {
    id,
    actor: actorOf(user, client.ip),
    user: signedInUser(user),
    csrfToken: found.csrf_token,
    mustChangePassword: found.via === 'password' && mustChange(user, now, config),
    expiresAt: found.expires_at,
    idleExpiresAt: new Date(Math.min(seen + idleLimit, new Date(found.expires_at).getTime())).toISOString(),
  };
}

export async function signOut(ctx: ServiceContext, actor: Actor, sessionId: string): Promise<void> {
  const now = ctx.clock();
  await inTransaction(ctx.db, async (trx) => {
    await revokeSession(trx, sessionId, now.toISOString());
    await recordAudit(trx, actor, now, { action: 'auth.sign-out', subjectType: 'user', subjectId: actor.userId });
  });
}

/** Ends every session of the actor, this one included. Returns how many were open. */
export async function signOutEverywhere(ctx: ServiceContext, actor: Actor): Promise<number> {
  const now = ctx.clock();
  return inTransaction(ctx.db, async (trx) => {
    const ended = await revokeSessionsOfUser(trx, actor.workspaceId, actor.userId, now.toISOString());
    await recordAudit(trx, actor, now, {
      action: 'auth.sign-out-everywhere',
      subjectType: 'user',
      subjectId: actor.userId,
      detail: { sessions: ended },
    });
    return ended;
  });
}

/** The policy's verdict on a new password, as a 422 with every problem named. */
export function assertPasswordAcceptable(password: string, username: string, policy: PasswordPolicy): void {
  const problems = passwordProblems(password, username, policy);
  if (problems.length > 0) {
    throw new ServiceError('invalid-input', describePasswordProblems(problems, policy), { problems });
  }
}

/**
 * Changes the actor's own password: the current one must be right (a wrong one counts as a failed sign-in
 * would not: it is already signed in, so it is refused without touching the lock). Every other session of the
 * user ends; this one goes on, no longer bound to change the password.
 */
export async function changePassword(
  ctx: ServiceContext,
  config: AuthConfig,
  actor: Actor,
  sessionId: string,
  passwords: { readonly current: string; readonly next: string },
): Promise<void> {
  const now = ctx.clock();
  const found = await findSessionWithUser(ctx.db, sessionId);
  if (found === undefined || found.user.id !== actor.userId || found.user.password_hash === null) {
    throw new ServiceError('forbidden', '此账户不使用密码登录（this account signs in without a password）');
  }
  const { user } = found;
  if (!(await verifyPassword(passwords.current, user.password_hash ?? ''))) {
    await inTransaction(ctx.db, (trx) =>
      recordAudit(trx, actor, now, {
        action: 'auth.change-password',
        subjectType: 'user',
        subjectId: user.id,
        outcome: 'failure',
        detail: { reason: 'wrong-current-password' },
      }),
    );
    throw new ServiceError('invalid-input', '当前密码不正确（the current password is wrong）', {
      field: 'current',
    });
  }
  const policy = passwordPolicy(config);
  assertPasswordAcceptable(passwords.next, user.username, policy);
  if (passwords.next === passwords.current) {
    throw new ServiceError('invalid-input', describePasswordProblems(['same-as-current'], policy), {
      problems: ['same-as-current'],
    });
  }
  const hash = await hashPassword(passwords.next, scryptCost(config));
  await inTransaction(ctx.db, async (trx) => {
    const written = await updateUser(trx, user.workspace_id, user.id, user.version, {
      password_hash: hash,
      password_changed_at: now.toISOString(),
      must_change_password: 0,
      updated_at: now.toISOString(),
    });
    if (!written) throw new ServiceError('stale', '账户已被修改，请重试（the account changed; try again）');
    const others = await revokeSessionsOfUser(trx, user.workspace_id, user.id, now.toISOString(), sessionId);
    await recordAudit(trx, actor, now, {
      action: 'auth.change-password',
      subjectType: 'user',
      subjectId: user.id,
      detail: { otherSessionsEnded: others },
    });
  });
}
