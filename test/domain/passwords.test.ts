import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PASSWORD_POLICY,
  afterFailure,
  buildPasswordDictionary,
  canonicalForm,
  characterClasses,
  describePasswordProblems,
  isLocked,
  isPasswordExpired,
  passwordProblems,
  predictablePassword,
  type LockState,
} from '../../src/domain/passwords.ts';
import { commonPasswordDictionary } from '../../src/services/password-dictionary.ts';

const at = (iso: string) => new Date(iso);
const dictionary = commonPasswordDictionary();

describe('passwordProblems', () => {
  it.each([
    ['Abc#1234', []],
    ['abcdefg1!', ['common-password']],
    ['金山区Abc123', []],
    ['Ab1!', ['too-short']],
    ['abcdefgh', ['too-few-classes']],
    ['abcd1234', ['too-few-classes', 'common-password']],
    ['zhangsan#2026', ['contains-username']],
    ['Xnasgnahz#2026', ['contains-username']],
    ['a'.repeat(300) + 'A1', ['too-long']],
  ])('%j → %j', (password, problems) => {
    expect(passwordProblems(password, 'zhangsan', dictionary)).toEqual(problems);
  });

  it('counts characters, not UTF-16 units, and names every problem in one message', () => {
    expect(characterClasses('abcABC12')).toBe(3);
    expect(characterClasses('规划abc')).toBe(2);
    expect(passwordProblems('𠀀𠀀𠀀A1a', 'x', dictionary)).toEqual(['too-short']);
    expect(describePasswordProblems(['too-short', 'too-few-classes'])).toBe(
      '密码至少 8 个字符（at least 8 characters）；密码须包含大写字母、小写字母、数字、其他符号中的至少三类（needs three character classes）',
    );
  });
});

describe('isPasswordExpired', () => {
  it('expires after maxAgeDays, never when it is 0, and at once when never set', () => {
    const changed = at('2026-01-01T00:00:00Z');
    expect(isPasswordExpired(changed, at('2026-03-31T23:59:59Z'))).toBe(false);
    expect(isPasswordExpired(changed, at('2026-04-01T00:00:00Z'))).toBe(true);
    expect(isPasswordExpired(changed, at('2030-01-01T00:00:00Z'), { ...DEFAULT_PASSWORD_POLICY, maxAgeDays: 0 })).toBe(
      false,
    );
    expect(isPasswordExpired(null, at('2026-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('finding 6c: the password policy accepts Password1, P@ssw0rd and keyboard walks', () => {
  it.each([
    ['P@ssw0rd', 'common-password'],
    ['Password1', 'common-password'],
    ['Passw0rd!', 'common-password'],
    ['Qwerty123!', 'common-password'],
    ['Admin@123', 'common-password'],
    ['Welcome2026!', 'common-password'],
    ['Monkey12345678', 'common-password'],
    ['Iloveyou520!', 'common-password'],
    ['Woaini1314!', 'common-password'],
    ['1qaz@WSX', 'common-password'],
    ['Zaq1@wsx', 'keyboard-walk'],
    ['Asdf;lkj1', 'keyboard-walk'],
  ])('refuses %j (%s)', (password, problem) => {
    expect(passwordProblems(password, 'zhangsan', dictionary)).toEqual([problem]);
  });

  it.each([
    'Luoshi#2026-test',
    'Jinshan#2026',
    'Correct Horse Battery Staple',
    '虹桥枢纽 Hongqiao 2035',
    'Monkey83920571',
    'Huangpu&River9',
  ])('accepts %j: a passphrase, or a word with more than a few unpredictable characters', (password) => {
    expect(passwordProblems(password, 'zhangsan', dictionary)).toEqual([]);
  });

  it('reads case, full-width letters and look-alike characters as the letters they stand for', () => {
    expect(canonicalForm('P@SSW0RD')).toBe('password');
    expect(canonicalForm('ｐａｓｓｗｏｒｄ')).toBe('password');
    expect(canonicalForm('L1|!i')).toBe('iiiii');
  });

  it('strips only a few digits or symbols, or a predictable run of them, around a common word', () => {
    const small = buildPasswordDictionary(['monkey'], []);
    expect(predictablePassword('Monkey#2026', small)).toBe('common-password');
    expect(predictablePassword('!!Monkey2026', small)).toBe('common-password');
    // Eight digits nobody would guess first are not decoration.
    expect(predictablePassword('Monkey83920571', small)).toBeNull();
    expect(predictablePassword('Monkey11111111', small)).toBe('common-password');
    // A word inside a passphrase is not the password.
    expect(predictablePassword('Monkey business at noon', small)).toBeNull();
  });

  it('takes words from the list passed in, and walks from its keyboards', () => {
    const empty = buildPasswordDictionary([], []);
    expect(predictablePassword('P@ssw0rd', empty)).toBeNull();
    expect(predictablePassword('1qaz2wsx', empty)).toBeNull();
    const keyboardOnly = buildPasswordDictionary([], [{ q: ['w'], w: ['q', 'e'], e: ['w', 'r'], r: ['e'] }]);
    expect(predictablePassword('qwer', keyboardOnly)).toBe('keyboard-walk');
    expect(predictablePassword('qwerqwer', keyboardOnly)).toBe('keyboard-walk');
    expect(predictablePassword('qwerx', keyboardOnly)).toBeNull();
  });

  it('names each reason in the message, Chinese first', () => {
    expect(describePasswordProblems(['common-password', 'recently-used'])).toBe(
      '密码是常见密码或其简单变形（如 P@ssw0rd、Password1），容易被猜中（a common password or a simple variant of one）；' +
        '新密码不能与最近用过的 5 个密码相同（must differ from the last 5 passwords）',
    );
    expect(describePasswordProblems(['keyboard-walk'])).toBe(
      '密码是键盘上相邻按键的序列（如 qwerty、1qaz2wsx），容易被猜中（a keyboard pattern）',
    );
  });
});

describe('lock-out', () => {
  const fresh: LockState = { failedAttempts: 0, lockedUntil: null, lastFailedAt: null };

  it('locks on the fifth failure in a row for 15 minutes, and a failure while locked does not extend it', () => {
    let state = fresh;
    const now = at('2026-11-29T08:00:00Z');
    for (let i = 1; i <= 4; i++) {
      state = afterFailure(state, now);
      expect(state).toEqual({ failedAttempts: i, lockedUntil: null, lastFailedAt: now });
    }
    state = afterFailure(state, now);
    expect(state).toEqual({ failedAttempts: 5, lockedUntil: at('2026-11-29T08:15:00Z'), lastFailedAt: now });
    expect(isLocked(state, at('2026-11-29T08:14:59Z'))).toBe(true);
    expect(afterFailure(state, at('2026-11-29T08:10:00Z'))).toBe(state);
    expect(isLocked(state, at('2026-11-29T08:15:00Z'))).toBe(false);
    // After the lock, counting starts again from nothing.
    expect(afterFailure(state, at('2026-11-29T08:16:00Z'))).toEqual({
      failedAttempts: 1,
      lockedUntil: null,
      lastFailedAt: at('2026-11-29T08:16:00Z'),
    });
  });

  it('counts a failure only within the window of the one before', () => {
    const first = afterFailure(fresh, at('2026-11-29T08:00:00Z'));
    expect(afterFailure(first, at('2026-11-29T08:14:59Z')).failedAttempts).toBe(2);
    expect(afterFailure(first, at('2026-11-29T08:15:00Z')).failedAttempts).toBe(1);
  });
});
