/**
 * Refused attempts in the audit trail (等保 安全审计: important security events, with their outcome): when a
 * signed-in actor is refused an action (403 of a policy, a CSRF failure), the refusal is recorded as an event
 * with outcome `denied`, so the audit administrator sees who tried what. Objects of another workspace answer 404
 * and are not recorded: to the actor they do not exist, and recording them would put another workspace's ids in
 * this workspace's chain.
 */
import type { Actor, ServiceContext } from './context.ts';
import { recordAudit } from './audit.ts';
import { inTransaction } from './transaction.ts';

export interface DeniedAttempt {
  readonly method: string;
  /** The route as registered (`/api/reports/:id/submit`), not the URL, so no query string is kept. */
  readonly route: string;
  readonly params: Readonly<Record<string, string>>;
  /** The error code the actor got (`forbidden`, `csrf-failed`, …). */
  readonly code: string;
}

export async function recordDeniedAttempt(ctx: ServiceContext, actor: Actor, attempt: DeniedAttempt): Promise<void> {
  const subjectId = attempt.params['id'] ?? attempt.params['taskId'] ?? null;
  await inTransaction(ctx.db, (trx) =>
    recordAudit(trx, actor, ctx.clock(), {
      action: 'access.denied',
      subjectType: null,
      subjectId,
      detail: { method: attempt.method, route: attempt.route, params: attempt.params, code: attempt.code },
      outcome: 'denied',
    }),
  );
}
