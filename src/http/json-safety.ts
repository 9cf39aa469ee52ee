/**
 * Text in and out of the JSON API, made safe for every consumer:
 *
 * - Out: every JSON answer escapes `<`, `>`, `&` and the JavaScript line separators as `\u003c` and so on. The
 *   JSON means the same, but no answer carries markup, so a script payload stored as text can never run even where
 *   a browser is tricked into rendering the answer as HTML (and the answers carry nosniff and a strict CSP).
 * - In: a NUL character cannot be stored as PostgreSQL text and is never meaningful in a plan's text, so a request
 *   whose JSON holds one anywhere is refused with 400 before any service runs (rather than failing half-way).
 * - In: a query string whose percent-encoding is not UTF-8 (`?q=%E4`) is refused with 400; the framework would
 *   otherwise keep the raw `%E4` and search for it as text. (A badly encoded path is refused by Fastify's router;
 *   buildApp answers that in the envelope too.)
 */
import { HttpError } from './errors.ts';

const UNSAFE = /[<>&\u2028\u2029]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** A JSON text with markup characters escaped; `JSON.parse` of the result equals that of the input. */
export function escapeJsonForHtml(json: string): string {
  return json.replace(UNSAFE, (char) => ESCAPES[char] ?? char);
}

/** Whether any string (value or key) in a parsed JSON value holds a NUL. */
export function containsNul(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some((item) => containsNul(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => key.includes('\0') || containsNul(item, depth + 1));
  }
  return false;
}

export function nulRefused(): HttpError {
  return new HttpError(
    'bad-request',
    '文本中含有不允许的控制字符 NUL（\\u0000）（text must not contain NUL characters）',
  );
}

/** Whether a request URL's query string holds a percent-escape that does not decode (bad UTF-8 or a stray `%`). */
export function hasMalformedQuery(url: string): boolean {
  const start = url.indexOf('?');
  if (start < 0) return false;
  for (const pair of url.slice(start + 1).split('&')) {
    try {
      decodeURIComponent(pair.replaceAll('+', ' '));
    } catch {
      return true;
    }
  }
  return false;
}

export function malformedQueryRefused(): HttpError {
  return new HttpError(
    'bad-request',
    '查询参数的编码无效，应为 UTF-8 百分号编码（the query string is not valid percent-encoded UTF-8）',
  );
}

/** Fastify's router refuses a path segment that does not decode (`/api/plans/%E4`) before any hook runs. */
export function malformedPathRefused(): HttpError {
  return new HttpError(
    'bad-request',
    '地址中的编码无效，应为 UTF-8 百分号编码（the path is not valid percent-encoded UTF-8）',
  );
}
