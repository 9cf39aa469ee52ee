import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PASSWORD_POLICY,
  afterFailure,
  characterClasses,
  describePasswordProblems,
  isLocked,
  isPasswordExpired,
  passwordProblems,
} from '../../src/domain/passwords.ts';

const at = (iso: string) => new Date(iso);

describe('passwordProblems', () => {
  it.each([
    ['Abc#1234', []],
    ['abcdefg1!', []],
    ['金山区Abc123', []],
    ['Ab1!', ['too-short']],
    ['abcdefgh', ['too-few-classes']],
    ['abcd1234', ['too-few-classes']],
    ['zhangsan#2026', ['contains-username']],
    ['Xnasgnahz#2026', ['contains-username']],
    ['a'.repeat(300) + 'A1', ['too-long']],
  ])('%j → %j', (password, problems) => {
    expect(passwordProblems(password, 'zhangsan')).toEqual(problems);
  });

  it('counts characters, not UTF-16 units, and names every problem in one message', () => {
    expect(characterClasses('abcABC12')).toBe(3);
    expect(characterClasses('规划abc')).toBe(2);
    expect(passwordProblems('𠀀𠀀𠀀A1a', 'x')).toEqual(['too-short']);
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

describe('lock-out', () => {
  it('locks on the fifth failure in a row for 15 minutes, and a failure while locked does not extend it', () => {
    let state = { failedAttempts: 0, lockedUntil: null as Date | null };
    const now = at('2026-11-29T08:00:00Z');
    for (let i = 1; i <= 4; i++) {
      state = afterFailure(state, now);
      expect(state).toEqual({ failedAttempts: i, lockedUntil: null });
    }
    state = afterFailure(state, now);
    expect(state.lockedUntil).toEqual(at('2026-11-29T08:15:00Z'));
    expect(isLocked(state, at('2026-11-29T08:14:59Z'))).toBe(true);
    expect(afterFailure(state, at('2026-11-29T08:10:00Z'))).toBe(state);
    expect(isLocked(state, at('2026-11-29T08:15:00Z'))).toBe(false);
    // After the lock, counting starts again from nothing.
    expect(afterFailure(state, at('2026-11-29T08:16:00Z'))).toEqual({ failedAttempts: 1, lockedUntil: null });
  });
});
