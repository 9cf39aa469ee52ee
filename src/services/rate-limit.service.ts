/**
 * Rate limits (等保 2.0 level 3, 资源控制: limits on what one user or one client may take of the service), counted
 * in the database so that every app process serving one database sees one count per key.
 *
 * - Fixed windows of one minute, aligned to the clock (every process agrees on a window's bounds): each key of a
 *   request counts one hit with one atomic upsert (src/db/queries/rate-limit.queries.ts); over its limit the
 *   request is refused until the window ends. Refused requests count too, so a client that keeps knocking stays
 *   refused for the rest of the window.
 * - One audit event per limited window and key, not one per refused request: the hit that goes one over the limit
 *   is the only one to see that count ({@link RateLimitVerdict.newlyLimited}); the caller records it.
 * - Ended windows are deleted about once a minute by each counter (one per app), so the table keeps only the keys
 *   of the current and the last window.
 */
import {
  countRateLimitHits,
  deleteEndedRateLimitWindows,
  type RateLimitWindow,
} from '../db/queries/rate-limit.queries.ts';
import { SYSTEM_WORKSPACE_ID } from './auth.service.ts';
import type { ServiceContext } from './context.ts';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** What a limit counts: API requests per session or per address, sign-ins (password and OIDC) per address, uploads. */
export const RATE_LIMIT_SCOPES = [
  'api-session',
  'api-address',
  'sign-in',
  'oidc-start',
  'oidc-callback',
  'upload',
] as const;
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number];

/** One limit a request is held to: `perMinute` requests of `key` in `scope` per window. */
export interface RateLimitRule {
  readonly scope: RateLimitScope;
  /** The client address, the session id (the SHA-256 of its token, never the token), a user id. */
  readonly key: string;
  readonly perMinute: number;
}

export interface RateLimitVerdict {
  /** Seconds until the window ends (at least 1), when a limit refused the request; null when none did. */
  readonly retryAfterSeconds: number | null;
  /** The rules this request took over their limit first in this window: each is worth one audit event. */
  readonly newlyLimited: readonly RateLimitRule[];
  /** The window's start, as its rows name it. */
  readonly windowStart: string;
}

export interface RateLimitCounter {
  /** Counts one request against every rule (one statement) and says whether any refuses it. */
  take(rules: readonly RateLimitRule[]): Promise<RateLimitVerdict>;
}

function windowId(rule: RateLimitRule, windowStart: string): string {
  return `${rule.scope}|${windowStart}|${rule.key}`;
}

/** A counter over the database of `ctx`; it remembers only when it last swept ended windows away. */
export function createRateLimitCounter(ctx: ServiceContext): RateLimitCounter {
  let nextSweepAt = 0;
  return {
    async take(rules) {
      const now = ctx.clock();
      const startMs = Math.floor(now.getTime() / RATE_LIMIT_WINDOW_MS) * RATE_LIMIT_WINDOW_MS;
      const endMs = startMs + RATE_LIMIT_WINDOW_MS;
      const windowStart = new Date(startMs).toISOString();
      const expiresAt = new Date(endMs).toISOString();
      const byId = new Map(rules.map((rule) => [windowId(rule, windowStart), rule]));
      const windows: RateLimitWindow[] = [...byId.keys()].sort().map((id) => ({ id, expiresAt }));
      const counts = await countRateLimitHits(ctx.db, SYSTEM_WORKSPACE_ID, windows, now.toISOString());

      let limited = false;
      const newlyLimited: RateLimitRule[] = [];
      for (const [id, rule] of byId) {
        const hits = counts.get(id) ?? 0;
        if (hits > rule.perMinute) limited = true;
        if (hits === rule.perMinute + 1) newlyLimited.push(rule);
      }

      if (now.getTime() >= nextSweepAt) {
        nextSweepAt = endMs;
        await deleteEndedRateLimitWindows(ctx.db, SYSTEM_WORKSPACE_ID, now.toISOString());
      }
      return {
        retryAfterSeconds: limited ? Math.max(1, Math.ceil((endMs - now.getTime()) / 1000)) : null,
        newlyLimited,
        windowStart,
      };
    },
  };
}
