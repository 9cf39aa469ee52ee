/**
 * Errors the domain rules raise or return. Each carries a typed code (mapped to an HTTP status once, at the edge)
 * and a Chinese message fit to show to the user as it is.
 */

/**
 * - `invalid-period`: a period key that is not `2021-M07`, `2021-Q3`, `2021-H2` or `2021`, or periods of different
 *   frequencies where one is needed.
 * - `invalid-cycle`: a reporting cycle with an unknown frequency or a bad number of days.
 * - `invalid-time-zone`: a time zone the runtime does not know.
 * - `invalid-date`: an invalid instant or calendar date, or a due date that is not after the issue.
 * - `invalid-target`: a target whose comparator, value, deadline or baseline do not fit together.
 * - `invalid-transition`: an action the current state does not allow.
 * - `reason-required` / `evidence-required` / `response-required`: a required text or attachment list is empty.
 * - `approval-required`: the plan asks for the unit's own approval (单位审核) before a report is submitted.
 * - `top-level-reached`: a notice at 挂牌督办 cannot be escalated further.
 */
export type DomainErrorCode =
  | 'invalid-period'
  | 'invalid-cycle'
  | 'invalid-time-zone'
  | 'invalid-date'
  | 'invalid-target'
  | 'invalid-transition'
  | 'reason-required'
  | 'evidence-required'
  | 'response-required'
  | 'approval-required'
  | 'top-level-reached';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Facts behind the error (the state, the action, the bad value), for logs and for clients that want them. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/**
 * Narrows a value returned by a transition function (or caught) to a `DomainError`.
 *
 * @example
 * const next = transitionReport(report, { type: 'accept' });
 * if (isDomainError(next)) return reply.code(409).send({ error: { code: next.code, message: next.message } });
 */
export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
