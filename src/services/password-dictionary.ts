/**
 * The dictionary the password policy refuses from (src/domain/passwords.ts): the common passwords of the maintained
 * zxcvbn-ts list (`@zxcvbn-ts/language-common`, about 49,000 passwords ranked from public breaches) and its QWERTY
 * keyboard and numeric keypad for walks. Built once, at the first password change, and kept (a few MB).
 *
 * The package is CommonJS without an `exports` map; Node's ESM loader (and tsx, and vitest) give its two named
 * exports through their CommonJS interop.
 */
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { buildPasswordDictionary, type PasswordDictionary } from '../domain/passwords.ts';

let built: PasswordDictionary | undefined;

export function commonPasswordDictionary(): PasswordDictionary {
  built ??= buildPasswordDictionary(dictionary['passwords-common'], [adjacencyGraphs.qwerty, adjacencyGraphs.keypad]);
  return built;
}
