/**
 * Rate limits for sign-in (per client address) and uploads (per user): a fixed one-minute window per key, kept in
 * the process's memory. One process serves a SQLite deployment; behind several PostgreSQL-backed processes each
 * counts its own share, which still bounds guessing (the account lock-out is in the database and shared).
 */
import { HttpError } from './errors.ts';

export interface RateLimiter {
  /** Counts one request of `key` at `now`; throws the 429 `rate-limited` error over the limit. */
  take(key: string, now: Date): void;
}

/** The error a limited request gets; the HTTP error handler answers 429 with a Retry-After header. */
export class RateLimitedError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'rate-limited',
      `请求过于频繁，请 ${retryAfterSeconds} 秒后再试（too many requests; retry in ${retryAfterSeconds} s）`,
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}

const WINDOW_MS = 60_000;
/** Keys kept at most; past it, windows that have ended are dropped, then the oldest. */
const MAX_KEYS = 100_000;

export function fixedWindowLimiter(perMinute: number): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key, now) {
      const at = now.getTime();
      let window = windows.get(key);
      if (window === undefined || at - window.start >= WINDOW_MS) {
        if (windows.size >= MAX_KEYS) {
          for (const [k, w] of windows) if (at - w.start >= WINDOW_MS) windows.delete(k);
          if (windows.size >= MAX_KEYS) windows.delete(windows.keys().next().value ?? '');
        }
        window = { start: at, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      if (window.count > perMinute) {
        throw new RateLimitedError(Math.max(1, Math.ceil((window.start + WINDOW_MS - at) / 1000)));
      }
    },
  };
}
