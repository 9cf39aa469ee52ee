/**
 * Password and lock-out rules (等保 2.0 level 3, 身份鉴别): pure, with the time and the dictionary passed in.
 *
 * - A password has at least 8 characters, of at least three of four classes (lower case, upper case, digits,
 *   other characters), and does not contain the user name (either way round, ignoring case).
 * - It is not a common password or a keyboard walk (`predictablePassword`): not one of the dictionary's words, in
 *   any case and with leetspeak undone (`P@ssw0rd`), nor a run of neighbouring keys (`1qaz2wsx`, `qwerty`), with at
 *   most a few digits or symbols — or a predictable run of them — before or after (`Password1`, `Qwerty123!`).
 * - It is none of the account's last passwords (`historyCount`; the service checks them against their hashes).
 * - It expires after `maxAgeDays` (0: never); an expired password signs in only to change it.
 * - Five failures in a row — each within `lockoutWindowMinutes` of the one before — lock the account for
 *   `lockoutMinutes`; a success clears the count. While locked, even the right password is refused and a failure
 *   changes nothing (the lock is not extended). The database applies this rule in one atomic statement
 *   (src/db/queries/sign-in-failure.queries.ts); `afterFailure` is its specification, and a test holds them equal.
 */

export interface PasswordPolicy {
  readonly minLength: number;
  readonly minClasses: number;
  /** Days a password is good for; 0 means it does not expire. */
  readonly maxAgeDays: number;
  readonly lockoutThreshold: number;
  readonly lockoutMinutes: number;
  /** A failure more than this long after the one before starts the count again. */
  readonly lockoutWindowMinutes: number;
  /** A new password must differ from the current one and from this many before it. */
  readonly historyCount: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = Object.freeze({
  minLength: 8,
  minClasses: 3,
  maxAgeDays: 90,
  lockoutThreshold: 5,
  lockoutMinutes: 15,
  lockoutWindowMinutes: 15,
  historyCount: 5,
});

/** The longest password taken: scrypt hashes any length, but a megabyte of password is an attack, not a secret. */
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordProblem =
  | 'too-short'
  | 'too-long'
  | 'too-few-classes'
  | 'contains-username'
  | 'common-password'
  | 'keyboard-walk'
  | 'same-as-current'
  | 'recently-used';

export const PASSWORD_PROBLEM_MESSAGES: Readonly<Record<PasswordProblem, string>> = {
  'too-short': '密码太短（too short）',
  'too-long': `密码不能超过 ${MAX_PASSWORD_LENGTH} 个字符（too long）`,
  'too-few-classes': '密码须包含大写字母、小写字母、数字、其他符号中的至少三类（needs three character classes）',
  'contains-username': '密码不能包含用户名（must not contain the user name）',
  'common-password':
    '密码是常见密码或其简单变形（如 P@ssw0rd、Password1），容易被猜中（a common password or a simple variant of one）',
  'keyboard-walk': '密码是键盘上相邻按键的序列（如 qwerty、1qaz2wsx），容易被猜中（a keyboard pattern）',
  'same-as-current': '新密码不能与当前密码相同（must differ from the current password）',
  'recently-used': '新密码不能与最近用过的密码相同（must differ from the recent passwords）',
};

/** Which of the four classes a password uses. */
export function characterClasses(password: string): number {
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u];
  return classes.filter((pattern) => pattern.test(password)).length;
}

// ---- Common passwords and keyboard walks ----

/** A keyboard as zxcvbn describes it: each key's characters → the characters of its neighbouring keys (or null). */
export type KeyboardGraph = Readonly<Record<string, readonly (string | null)[]>>;

/** What `predictablePassword` checks against; build it once with `buildPasswordDictionary`. */
export interface PasswordDictionary {
  /** The common passwords of `MIN_WORD_LENGTH` or more characters, in their canonical form (`canonicalForm`). */
  readonly common: ReadonlySet<string>;
  /** The longest of them, in characters: longer candidates need no look-up. */
  readonly longestWord: number;
  /** Per keyboard, each character → the characters on the keys next to its own. */
  readonly keyboards: readonly ReadonlyMap<string, ReadonlySet<string>>[];
}

/** Shorter words say little: `abc` inside `Abc#1234` is not what makes it weak or strong. */
export const MIN_WORD_LENGTH = 4;
/** Walks of fewer keys are too common inside ordinary words (`ert`, `poi`) to mean anything. */
const MIN_WALK_RUN = 3;
/** Digits and symbols around a common word add little when there are at most this many... */
const FEW_DECORATION_CHARACTERS = 6;
/** ...and past this many on one side they are not decoration any more. */
const MAX_DECORATION_CHARACTERS = 12;

/**
 * Leetspeak undone, one letter for each look-alike (zxcvbn's table); `l` and `1` both read as `i`, so `i`, `l`,
 * `1`, `!` and `|` are one character here. Applied to the dictionary and the candidate alike.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  '4': 'a',
  '@': 'a',
  '8': 'b',
  '(': 'c',
  '{': 'c',
  '[': 'c',
  '<': 'c',
  '3': 'e',
  '6': 'g',
  '9': 'g',
  '1': 'i',
  '!': 'i',
  '|': 'i',
  l: 'i',
  '0': 'o',
  $: 's',
  '5': 's',
  '7': 't',
  '+': 't',
  '%': 'x',
  '2': 'z',
};

/** Case folded (NFKC: full-width letters become ASCII) and look-alikes read as letters. */
export function canonicalForm(text: string): string {
  let out = '';
  for (const char of text.normalize('NFKC').toLowerCase()) out += LOOK_ALIKES[char] ?? char;
  return out;
}

/**
 * The dictionary for `predictablePassword`: common passwords (shorter ones than `MIN_WORD_LENGTH` are dropped) and
 * keyboards for walks.
 *
 * @example
 * const dictionary = buildPasswordDictionary(['password', 'qwerty'], [qwertyGraph]);
 */
export function buildPasswordDictionary(
  words: Iterable<string>,
  keyboards: readonly KeyboardGraph[],
): PasswordDictionary {
  const common = new Set<string>();
  let longestWord = 0;
  for (const word of words) {
    const form = canonicalForm(word);
    const length = [...form].length;
    if (length < MIN_WORD_LENGTH) continue;
    common.add(form);
    longestWord = Math.max(longestWord, length);
  }
  const maps = keyboards.map((graph) => {
    const adjacent = new Map<string, ReadonlySet<string>>();
    for (const [key, neighbours] of Object.entries(graph)) {
      adjacent.set(key, new Set(neighbours.flatMap((keys) => (keys === null ? [] : [...keys]))));
    }
    return adjacent;
  });
  return { common, longestWord, keyboards: maps };
}

/** Whether the characters are wholly made of runs of at least `MIN_WALK_RUN` neighbouring keys of one keyboard. */
function isKeyboardWalk(chars: readonly string[], dictionary: PasswordDictionary): boolean {
  const n = chars.length;
  if (n < MIN_WALK_RUN) return false;
  // covered[i]: the first i characters are covered by walks.
  const covered = new Array<boolean>(n + 1).fill(false);
  covered[0] = true;
  for (let start = 0; start < n; start++) {
    if (!covered[start]) continue;
    for (const keyboard of dictionary.keyboards) {
      let end = start + 1;
      while (end < n && keyboard.get(chars[end - 1] ?? '')?.has(chars[end] ?? '') === true) end++;
      for (let stop = start + MIN_WALK_RUN; stop <= end; stop++) covered[stop] = true;
    }
  }
  return covered[n] === true;
}

function isCommon(chars: readonly string[], dictionary: PasswordDictionary): boolean {
  return (
    chars.length >= MIN_WORD_LENGTH &&
    chars.length <= dictionary.longestWord &&
    dictionary.common.has(canonicalForm(chars.join('')))
  );
}

/** Digits or symbols an attacker's rules try first: short, a common password, a walk, or one character repeated. */
function isPredictablePart(chars: readonly string[], dictionary: PasswordDictionary): boolean {
  return (
    chars.length <= 4 || isCommon(chars, dictionary) || isKeyboardWalk(chars, dictionary) || new Set(chars).size === 1
  );
}

function isWeakDecoration(prefix: readonly string[], suffix: readonly string[], dictionary: PasswordDictionary) {
  if (prefix.length + suffix.length <= FEW_DECORATION_CHARACTERS) return true;
  return [prefix, suffix].every((part) => part.length === 0 || isPredictablePart(part, dictionary));
}

const LETTER = /\p{L}/u;

/**
 * Whether a password is a common password or a keyboard walk, give or take the decoration attackers try first:
 * case, leetspeak, and digits or symbols before or after it (at most six, or a predictable run such as `123456`).
 * Returns the problem, or null. A passphrase is none of these: only its whole or its decorated core is looked up.
 *
 * @example
 * predictablePassword('P@ssw0rd', dictionary);   // 'common-password'
 * predictablePassword('Qwerty123!', dictionary); // 'common-password' (qwerty, then 123!)
 * predictablePassword('1qaz@WSX', dictionary);   // 'keyboard-walk'
 * predictablePassword('Luoshi#2026-test', dictionary); // null
 */
export function predictablePassword(
  password: string,
  dictionary: PasswordDictionary,
): 'common-password' | 'keyboard-walk' | null {
  const chars = [...password.normalize('NFKC').toLowerCase()];
  const n = chars.length;
  // The decoration is what lies outside the first and the last letter.
  let lead = 0;
  while (lead < n && !LETTER.test(chars[lead] ?? '')) lead++;
  let trail = 0;
  while (trail < n - lead && !LETTER.test(chars[n - 1 - trail] ?? '')) trail++;
  if (lead === n) {
    // No letter at all: only the whole.
    lead = 0;
    trail = 0;
  }
  let walk = false;
  for (let i = 0; i <= Math.min(lead, MAX_DECORATION_CHARACTERS); i++) {
    for (let j = 0; j <= Math.min(trail, MAX_DECORATION_CHARACTERS); j++) {
      const core = chars.slice(i, n - j);
      if (core.length < MIN_WORD_LENGTH) continue;
      if (!isWeakDecoration(chars.slice(0, i), chars.slice(n - j), dictionary)) continue;
      if (isCommon(core, dictionary)) return 'common-password';
      walk ||= isKeyboardWalk(core, dictionary);
    }
  }
  return walk ? 'keyboard-walk' : null;
}

/**
 * What is wrong with a new password; empty when the policy accepts it. The history (`same-as-current`,
 * `recently-used`) needs the stored hashes: the service checks it.
 */
export function passwordProblems(
  password: string,
  username: string,
  dictionary: PasswordDictionary,
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
  // A megabyte is refused above without being looked at.
  if (length <= MAX_PASSWORD_LENGTH) {
    const predictable = predictablePassword(password, dictionary);
    if (predictable !== null) problems.push(predictable);
  }
  return problems;
}

/** One message for all the problems, Chinese first, for the error envelope. */
export function describePasswordProblems(problems: readonly PasswordProblem[], policy = DEFAULT_PASSWORD_POLICY) {
  return problems
    .map((problem) =>
      problem === 'too-short'
        ? `密码至少 ${policy.minLength} 个字符（at least ${policy.minLength} characters）`
        : problem === 'recently-used'
          ? `新密码不能与最近用过的 ${policy.historyCount} 个密码相同（must differ from the last ${policy.historyCount} passwords）`
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

// ---- Lock-out ----

export interface LockState {
  /** Failures counted in the current run (it stays at the threshold while the lock lasts). */
  readonly failedAttempts: number;
  readonly lockedUntil: Date | null;
  /** The latest failure that counted. */
  readonly lastFailedAt: Date | null;
}

export function isLocked(state: Pick<LockState, 'lockedUntil'>, now: Date): boolean {
  return state.lockedUntil !== null && state.lockedUntil.getTime() > now.getTime();
}

/**
 * Whether a failure at `now` starts a new count: after a lock has ended, the first failure ever, or one a whole
 * window after the failure before it.
 */
export function startsNewCount(state: LockState, now: Date, policy = DEFAULT_PASSWORD_POLICY): boolean {
  return (
    state.lockedUntil !== null ||
    state.lastFailedAt === null ||
    now.getTime() - state.lastFailedAt.getTime() >= policy.lockoutWindowMinutes * 60_000
  );
}

/**
 * The state after a failed attempt (a wrong password at sign-in, a wrong current password at a change): the count
 * goes up, or starts again at 1; at the threshold the account locks. A failure while locked changes nothing (the
 * lock is not extended, so a stranger cannot keep a user out for ever by guessing; the rate limit slows the
 * guessing).
 *
 * @example
 * afterFailure({ failedAttempts: 4, lockedUntil: null, lastFailedAt: at('08:00') }, at('08:01'))
 * // → { failedAttempts: 5, lockedUntil: at('08:16'), lastFailedAt: at('08:01') }
 */
export function afterFailure(state: LockState, now: Date, policy = DEFAULT_PASSWORD_POLICY): LockState {
  if (isLocked(state, now)) return state;
  const failedAttempts = startsNewCount(state, now, policy) ? 1 : state.failedAttempts + 1;
  const lockedUntil =
    failedAttempts >= policy.lockoutThreshold ? new Date(now.getTime() + policy.lockoutMinutes * 60_000) : null;
  return { failedAttempts, lockedUntil, lastFailedAt: now };
}

/** The state after a successful sign-in. */
export const AFTER_SUCCESS: LockState = Object.freeze({ failedAttempts: 0, lockedUntil: null, lastFailedAt: null });
