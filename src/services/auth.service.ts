/**
 * Sign-in and sessions (等保 2.0 level 3: 身份鉴别, 访问控制, 安全审计).
 *
 * - Signing in checks the password against its scrypt hash, counts failures and locks the account after five in a
 *   row for fifteen minutes (src/domain/passwords.ts). The count moves in one atomic statement
 *   (src/db/queries/sign-in-failure.queries.ts), so attempts sent at once cannot slip past it. A name nobody has
 *   is counted the same way (in `unknown_name_failures`) and answers exactly as an account does — 401, then 423
 *   after five failures — in the same time (one scrypt verification on every path, against a decoy hash when there
 *   is no usable hash), so neither the answer nor its timing tells which names exist. Every attempt, success or
 *   failure, is an audit event: in the user's workspace, or, for a name nobody has, in the reserved `system` one.
 * - A wrong current password at a password change counts toward the same lock-out: a stolen session cannot guess
 *   the password either. When it locks the account, every session of the account ends.
 * - A new password must pass the policy (common passwords and keyboard walks refused, src/domain/passwords.ts) and
 *   differ from the current one and the last five before it (their hashes in `password_history`).
 * - A session lives on the server: the cookie holds a random 256-bit token, the database only its SHA-256. It ends
 *   after 30 minutes without a request, 12 hours after sign-in, at sign-out, at "sign out everywhere", when the
 *   password changes or an administrator resets it, and when the account is disabled.
 * - Each session has its own CSRF token, which the client sends back in `X-CSRF-Token` with every change.
 * - A one-time or expired password signs in only to change it (`mustChangePassword`); a session signed in through
 *   the OIDC provider (src/services/oidc.service.ts, through `startSession`) is not bound by the password.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AuthConfig } from '../config.ts';
import type { Db } from '../db/database.ts';
import { newId } from '../db/ids.ts';
import {
  findRecentPasswordHashes,
  insertPasswordHistory,
  prunePasswordHistory,
} from '../db/queries/password-history.queries.ts';
import {
  findSessionWithUser,
  insertSession,
  revokeSession,
  revokeSessionsOfUser,
  touchSession,
} from '../db/queries/session.queries.ts';
import {
  countUnknownNameFailure,
  countUserFailure,
  findUnknownNameLock,
  sweepUnknownNameFailures,
  type CountedFailure,
  type FailureMoment,
} from '../db/queries/sign-in-failure.queries.ts';
import { findUser, findUserByUsername, updateSignInState, updateUser } from '../db/queries/user.queries.ts';
import type { UserRow, UserUpdate } from '../db/schema.ts';
import {
  AFTER_SUCCESS,
  DEFAULT_PASSWORD_POLICY,
  describePasswordProblems,
  isPasswordExpired,
  passwordProblems,
  type PasswordPolicy,
  type PasswordProblem,
} from '../domain/passwords.ts';
import { recordAudit } from './audit.ts';
import { ROLES, type Actor, type Role, type ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';
import { commonPasswordDictionary } from './password-dictionary.ts';
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

/** The lock in force at `now`, or null. */
function activeLock(lockedUntil: string | null, now: Date): Date | null {
  if (lockedUntil === null) return null;
  const until = new Date(lockedUntil);
  return until.getTime() > now.getTime() ? until : null;
}

/** The instant and the policy's numbers for the lock-out statements. */
export function failureMoment(now: Date, policy: PasswordPolicy): FailureMoment {
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const window = policy.lockoutWindowMinutes * 60_000;
  const lock = policy.lockoutMinutes * 60_000;
  return {
    now: now.toISOString(),
    windowStart: at(-window),
    lockUntil: at(lock),
    threshold: policy.lockoutThreshold,
    expiresOpen: at(window),
    expiresLocked: at(Math.max(lock, window)),
  };
}

/** The key of a sign-in name nobody has in `unknown_name_failures`: the SHA-256 of the normalised name. */
export function unknownNameKey(normalizedUsername: string): string {
  return createHash('sha256').update(normalizedUsername).digest('hex');
}

/** What the lock-out counter did with one failure. */
interface FailureOutcome {
  /** The counter after it; undefined when it counted nothing because the account (or name) was locked. */
  readonly counted: CountedFailure | undefined;
  /** The lock in force after it, or null. */
  readonly lockedUntil: Date | null;
}

/**
 * Counts one failure toward the lock-out of an account, or of a name nobody has (`user` undefined), in one atomic
 * statement; when nothing was counted, the account is locked and its lock is read back.
 */
async function countFailure(
  trx: Db,
  user: Pick<UserRow, 'workspace_id' | 'id'> | undefined,
  username: string,
  now: Date,
  policy: PasswordPolicy,
): Promise<FailureOutcome> {
  const moment = failureMoment(now, policy);
  const key = unknownNameKey(username);
  const counted =
    user === undefined
      ? await countUnknownNameFailure(trx, SYSTEM_WORKSPACE_ID, key, moment)
      : await countUserFailure(trx, user.workspace_id, user.id, moment);
  const lockedUntil =
    counted !== undefined
      ? counted.lockedUntil
      : user === undefined
        ? await findUnknownNameLock(trx, SYSTEM_WORKSPACE_ID, key)
        : ((await findUser(trx, user.workspace_id, user.id))?.locked_until ?? null);
  return { counted, lockedUntil: activeLock(lockedUntil, now) };
}

/** The audit detail of a counted failure: the count so far, or the lock it set. */
function countDetail(outcome: FailureOutcome): Record<string, unknown> {
  if (outcome.counted === undefined) return {};
  return outcome.counted.lockedUntil !== null
    ? { lockedUntil: outcome.counted.lockedUntil }
    : { failedAttempts: outcome.counted.failedAttempts };
}

/**
 * Signs a user in with name and password. Throws `sign-in-failed` (401) for a wrong name or password or a
 * disabled account (one message for all three), `account-locked` (423) while locked — for a name nobody has too,
 * after as many failures as would lock an account.
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
  const policy = passwordPolicy(config);
  const user = await findUserByUsername(ctx.db, username);
  const hash = user !== undefined && user.disabled === 0 ? user.password_hash : null;
  // One scrypt verification on every path — the account's hash, or a decoy for a name nobody has, a disabled
  // account or one without a password — so the time taken tells neither which names exist nor which are locked.
  const right = await verifyPassword(credentials.password, hash ?? (await decoyHash(cost)));
  const actor: Actor = {
    // A name nobody has: the actor is unknown, and the event goes to the `system` chain.
    userId: user?.id ?? 'anonymous',
    workspaceId: user?.workspace_id ?? SYSTEM_WORKSPACE_ID,
    roles: [],
    unitId: null,
    ip: client.ip,
  };
  const subject = { subjectType: user === undefined ? null : 'user', subjectId: user?.id ?? null };

  if (user !== undefined && hash !== null && right) {
    const lockedUntil = activeLock(user.locked_until, now);
    if (lockedUntil === null) {
      const rehashed = needsRehash(hash, cost) ? await hashPassword(credentials.password, cost) : null;
      return startSession(ctx, config, user, client, 'password', {
        signInState: {
          failed_attempts: AFTER_SUCCESS.failedAttempts,
          locked_until: null,
          last_failed_at: null,
          ...(rehashed === null ? {} : { password_hash: rehashed }),
        },
      });
    }
    // The right password while locked: refused, and not counted (the lock is not extended).
    await inTransaction(ctx.db, (trx) =>
      recordAudit(trx, actor, now, {
        action: 'auth.sign-in',
        ...subject,
        detail: { username, reason: 'locked', userAgent: client.userAgent },
        outcome: 'denied',
      }),
    );
    throw lockedError(lockedUntil, now);
  }

  const reason =
    user === undefined
      ? 'unknown-user'
      : user.disabled === 1
        ? 'disabled'
        : user.password_hash === null
          ? 'no-password'
          : 'wrong-password';
  // On every failure, known name or not, so that the two take the same statements.
  await sweepUnknownNameFailures(ctx.db, SYSTEM_WORKSPACE_ID, now.toISOString());
  const outcome = await inTransaction(ctx.db, async (trx) => {
    const counted = await countFailure(trx, user, username, now, policy);
    await recordAudit(trx, actor, now, {
      action: 'auth.sign-in',
      ...subject,
      detail: {
        username,
        reason: counted.counted === undefined ? 'locked' : reason,
        userAgent: client.userAgent,
        ...countDetail(counted),
      },
      outcome: counted.counted === undefined ? 'denied' : 'failure',
    });
    return counted;
  });
  if (outcome.lockedUntil !== null) throw lockedError(outcome.lockedUntil, now);
  throw new ServiceError('sign-in-failed', SIGN_IN_FAILED_MESSAGE);
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
    readonly signInState?: Pick<UserUpdate, 'failed_attempts' | 'locked_until' | 'last_failed_at' | 'password_hash'>;
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

/**
 * The policy's verdict on a new password, as a 422 with every problem named: the rules of src/domain/passwords.ts
 * with the common-password dictionary, then — when those pass — the account's current and recent passwords.
 */
export async function assertPasswordAcceptable(
  db: Db,
  user: Pick<UserRow, 'workspace_id' | 'id' | 'username' | 'password_hash'>,
  password: string,
  policy: PasswordPolicy,
): Promise<void> {
  const problems: PasswordProblem[] = passwordProblems(password, user.username, commonPasswordDictionary(), policy);
  if (problems.length === 0) {
    if (user.password_hash !== null && (await verifyPassword(password, user.password_hash))) {
      problems.push('same-as-current');
    } else if (await isRecentPassword(db, user, password, policy)) {
      problems.push('recently-used');
    }
  }
  if (problems.length > 0) {
    throw new ServiceError('invalid-input', describePasswordProblems(problems, policy), { problems });
  }
}

/** Whether the password is one of the account's last `historyCount` before the current one (scrypt, each). */
async function isRecentPassword(
  db: Db,
  user: Pick<UserRow, 'workspace_id' | 'id'>,
  password: string,
  policy: PasswordPolicy,
): Promise<boolean> {
  for (const hash of await findRecentPasswordHashes(db, user.workspace_id, user.id, policy.historyCount)) {
    if (await verifyPassword(password, hash)) return true;
  }
  return false;
}

/**
 * Keeps the hash of a password about to be replaced — by its owner or by an administrator's reset — in the account's
 * history, and no more of it than the policy reads. Call it in the transaction that replaces the password. A
 * one-time password is not kept: it is random, nobody chooses it again, and it would push the account's own
 * passwords out of the history.
 */
export async function rememberReplacedPassword(
  trx: Db,
  user: Pick<UserRow, 'workspace_id' | 'id' | 'password_hash' | 'must_change_password'>,
  now: Date,
  policy: PasswordPolicy,
): Promise<void> {
  if (user.password_hash === null || user.must_change_password === 1) return;
  await insertPasswordHistory(trx, {
    id: newId('passwordHistory'),
    workspace_id: user.workspace_id,
    created_at: now.toISOString(),
    user_id: user.id,
    password_hash: user.password_hash,
  });
  await prunePasswordHistory(trx, user.workspace_id, user.id, policy.historyCount);
}

function lockedByPasswordChange(until: Date, now: Date, sessionsEnded: number): ServiceError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
  return new ServiceError(
    'account-locked',
    `当前密码连续输入错误次数过多，账户已锁定 ${minutes} 分钟，此账户的所有会话均已结束（too many wrong current ` +
      `passwords: the account is locked for ${minutes} min and all its sessions have ended）`,
    { lockedUntil: until.toISOString(), sessionsEnded },
  );
}

/**
 * Changes the actor's own password: the current one must be right. A wrong one counts toward the account's
 * lock-out as a failed sign-in does (a stolen session must not guess the password at leisure); the failure that
 * locks the account ends every session of it, this one included (423). While the account is locked no current
 * password is tried. On success every other session of the user ends; this one goes on, no longer bound to change
 * the password.
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
  const policy = passwordPolicy(config);
  const subject = { subjectType: 'user', subjectId: user.id } as const;

  const lockedUntil = activeLock(user.locked_until, now);
  if (lockedUntil !== null) {
    await inTransaction(ctx.db, (trx) =>
      recordAudit(trx, actor, now, {
        action: 'auth.change-password',
        ...subject,
        outcome: 'denied',
        detail: { reason: 'locked' },
      }),
    );
    throw lockedError(lockedUntil, now);
  }

  if (!(await verifyPassword(passwords.current, user.password_hash ?? ''))) {
    const outcome = await inTransaction(ctx.db, async (trx) => {
      const counted = await countFailure(trx, user, user.username, now, policy);
      const sessionsEnded =
        counted.lockedUntil === null
          ? null
          : await revokeSessionsOfUser(trx, user.workspace_id, user.id, now.toISOString());
      await recordAudit(trx, actor, now, {
        action: 'auth.change-password',
        ...subject,
        outcome: counted.counted === undefined ? 'denied' : 'failure',
        detail: {
          reason: counted.counted === undefined ? 'locked' : 'wrong-current-password',
          ...countDetail(counted),
          ...(sessionsEnded === null ? {} : { sessionsEnded }),
        },
      });
      return { lockedUntil: counted.lockedUntil, sessionsEnded };
    });
    if (outcome.lockedUntil !== null) {
      throw lockedByPasswordChange(outcome.lockedUntil, now, outcome.sessionsEnded ?? 0);
    }
    throw new ServiceError('invalid-input', '当前密码不正确（the current password is wrong）', {
      field: 'current',
    });
  }
  await assertPasswordAcceptable(ctx.db, user, passwords.next, policy);
  const hash = await hashPassword(passwords.next, scryptCost(config));
  await inTransaction(ctx.db, async (trx) => {
    const written = await updateUser(trx, user.workspace_id, user.id, user.version, {
      password_hash: hash,
      password_changed_at: now.toISOString(),
      must_change_password: 0,
      updated_at: now.toISOString(),
    });
    if (!written) throw new ServiceError('stale', '账户已被修改，请重试（the account changed; try again）');
    await rememberReplacedPassword(trx, user, now, policy);
    const others = await revokeSessionsOfUser(trx, user.workspace_id, user.id, now.toISOString(), sessionId);
    await recordAudit(trx, actor, now, {
      action: 'auth.change-password',
      ...subject,
      detail: { otherSessionsEnded: others },
    });
  });
}
