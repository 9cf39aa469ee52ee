/**
 * Password and lock-out rules (等保 2.0 level 3, 身份鉴别): pure, with the time passed in.
 *
 * - A password has at least 8 characters, of at least three of four classes (lower case, upper case, digits,
 *   other characters), and does not contain the user name (either way round, ignoring case).
 * - It expires after `maxAgeDays` (0: never); an expired password signs in only to change it.
 * - Five failed sign-ins in a row lock the account for 15 minutes; a success clears the count. While locked,
 *   even the right password is refused (and does not extend the lock).
 */

export interface PasswordPolicy {
  readonly minLength: number;
  readonly minClasses: number;
  /** Days a password is good for; 0 means it does not expire. */
  readonly maxAgeDays: number;
  readonly lockoutThreshold: number;
  readonly lockoutMinutes: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = Object.freeze({
  minLength: 8,
  minClasses: 3,
  maxAgeDays: 90,
  lockoutThreshold: 5,
  lockoutMinutes: 15,
});

/** The longest password taken: scrypt hashes any length, but a megabyte of password is an attack, not a secret. */
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordProblem = 'too-short' | 'too-long' | 'too-few-classes' | 'contains-username' | 'same-as-current';

export const PASSWORD_PROBLEM_MESSAGES: Readonly<Record<PasswordProblem, string>> = {
  'too-short': '密码太短（too short）',
  'too-long': `密码不能超过 ${MAX_PASSWORD_LENGTH} 个字符（too long）`,
  'too-few-classes': '密码须包含大写字母、小写字母、数字、其他符号中的至少三类（needs three character classes）',
  'contains-username': '密码不能包含用户名（must not contain the user name）',
  'same-as-current': '新密码不能与当前密码相同（must differ from the current password）',
};

/** Which of the four classes a password uses. */
export function characterClasses(password: string): number {
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u];
  return classes.filter((pattern) => pattern.test(password)).length;
}

/** What is wrong with a new password; empty when the policy accepts it. */
export function passwordProblems(
  password: string,
  username: string,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const length = [...password].length;
  if (length < policy.minLength) problems.push('too-short');
  if (length > MAX_PASSWORD_LENGTH) problems.push('too-long');
  if (characterClasses(password) < policy.minClasses) problems.push('too-few-classes');
  const name = username.trim().toLowerCase();
  const lower = password.toLowerCase();
  if (name.length >= 3 && (lower.includes(name) || lower.includes([...name].reverse().join('')))) {
    problems.push('contains-username');
  }
  return problems;
}

/** One message for all the problems, Chinese first, for the error envelope. */
export function describePasswordProblems(problems: readonly PasswordProblem[], policy = DEFAULT_PASSWORD_POLICY) {
  return problems
    .map((problem) =>
      problem === 'too-short'
        ? `密码至少 ${policy.minLength} 个字符（at least ${policy.minLength} characters）`
        : PASSWORD_PROBLEM_MESSAGES[problem],
    )
    .join('；');
}

/** Whether a password set at `changedAt` has expired by `now`. A password never set counts as expired. */
export function isPasswordExpired(changedAt: Date | null, now: Date, policy = DEFAULT_PASSWORD_POLICY): boolean {
  if (policy.maxAgeDays === 0) return false;
  if (changedAt === null) return true;
  return now.getTime() - changedAt.getTime() >= policy.maxAgeDays * 86_400_000;
}

export interface LockState {
  readonly failedAttempts: number;
  readonly lockedUntil: Date | null;
}

export function isLocked(state: LockState, now: Date): boolean {
  return state.lockedUntil !== null && state.lockedUntil.getTime() > now.getTime();
}

/**
 * The state after a failed attempt: the count goes up; at the threshold the account locks and the count starts
 * again. A failure while locked changes nothing (the lock is not extended, so a stranger cannot keep a user out
 * for ever by guessing; the rate limit slows the guessing).
 */
export function afterFailure(state: LockState, now: Date, policy = DEFAULT_PASSWORD_POLICY): LockState {
  if (isLocked(state, now)) return state;
  const failedAttempts = state.failedAttempts + 1;
  if (failedAttempts >= policy.lockoutThreshold) {
    return { failedAttempts: 0, lockedUntil: new Date(now.getTime() + policy.lockoutMinutes * 60_000) };
  }
  return { failedAttempts, lockedUntil: null };
}

/** The state after a successful sign-in. */
export const AFTER_SUCCESS: LockState = Object.freeze({ failedAttempts: 0, lockedUntil: null });
