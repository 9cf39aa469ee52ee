/**
 * Refused attempts in the audit trail (等保 安全审计: important security events, with their outcome): when a
 * signed-in actor is refused an action (403 of a policy, a CSRF failure), the refusal is recorded as an event
 * with outcome `denied`, so the audit administrator sees who tried what. Objects of another workspace answer 404
 * and are not recorded: to the actor they do not exist, and recording them would put another workspace's ids in
 * this workspace's chain.
 *
 * Two refusals are recorded whoever asks, signed in or not: a request from another site's page (a foreign
 * `Origin`, src/http/session.ts) and a request over a rate limit (429; one event per limited window and key, see
 * rate-limit.service.ts, so a flood of refused requests does not become a flood of events). Without a signed-in
 * actor they go to the reserved `system` workspace's chain, as sign-in failures for unknown names do.
 */
import { SYSTEM_WORKSPACE_ID } from './auth.service.ts';
import type { Actor, ServiceContext } from './context.ts';
import { recordAudit } from './audit.ts';
import type { RateLimitRule } from './rate-limit.service.ts';
import { inTransaction } from './transaction.ts';

/** Who a refused request is recorded as when nobody is signed in: the `system` workspace's anonymous actor. */
export function anonymousActor(ip: string | null): Actor {
  return { userId: 'anonymous', workspaceId: SYSTEM_WORKSPACE_ID, roles: [], unitId: null, ip };
}

export interface DeniedAttempt {
  readonly method: string;
  /** The route as registered (`/api/reports/:id/submit`), not the URL, so no query string is kept. */
  readonly route: string;
  readonly params: Readonly<Record<string, string>>;
  /** The error code the actor got (`forbidden`, `csrf-failed`, …). */
  readonly code: string;
  /** The `Origin` header of a request refused for coming from another site (at most 200 characters kept). */
  readonly origin?: string | undefined;
}

export async function recordDeniedAttempt(ctx: ServiceContext, actor: Actor, attempt: DeniedAttempt): Promise<void> {
  const subjectId = attempt.params['id'] ?? attempt.params['taskId'] ?? null;
  await inTransaction(ctx.db, (trx) =>
    recordAudit(trx, actor, ctx.clock(), {
      action: 'access.denied',
      subjectType: null,
      subjectId,
      detail: {
        method: attempt.method,
        route: attempt.route,
        params: attempt.params,
        code: attempt.code,
        ...(attempt.origin === undefined ? {} : { origin: attempt.origin.slice(0, 200) }),
      },
      outcome: 'denied',
    }),
  );
}

export interface RateLimitedRequest {
  readonly method: string;
  /** The route as registered, or `(no route)`. */
  readonly route: string;
  /** The rules the request took over their limit first in this window (rate-limit.service.ts). */
  readonly rules: readonly RateLimitRule[];
  readonly windowStart: string;
}

/**
 * Records that a key went over its rate limit in a window: one event per rule, in one transaction. The key itself is
 * not written (a session's is the hash of its token); the event's actor and address say who it was.
 */
export async function recordRateLimited(ctx: ServiceContext, actor: Actor, refused: RateLimitedRequest): Promise<void> {
  if (refused.rules.length === 0) return;
  await inTransaction(ctx.db, async (trx) => {
    for (const rule of refused.rules) {
      await recordAudit(trx, actor, ctx.clock(), {
        action: 'rate-limit.exceeded',
        subjectType: null,
        subjectId: null,
        detail: {
          scope: rule.scope,
          limitPerMinute: rule.perMinute,
          windowStart: refused.windowStart,
          method: refused.method,
          route: refused.route,
        },
        outcome: 'denied',
      });
    }
  });
}
