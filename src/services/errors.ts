/**
 * Errors services raise, each with a code from one union and a message in the user's language. The HTTP layer
 * maps codes to statuses in one place; domain rule breaks (`DomainError`) pass through unchanged.
 */
export type ServiceErrorCode =
  | 'not-found'
  | 'forbidden'
  | 'conflict'
  | 'stale'
  | 'invalid-input'
  | 'too-large'
  | 'unsupported-media-type'
  // Sign-in (src/services/auth.service.ts): wrong name or password; an account locked after repeated failures.
  | 'sign-in-failed'
  | 'account-locked';

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError;
}

/** The object does not exist in the actor's workspace (objects of other workspaces look the same: 404, not 403). */
export function notFound(what: string, id: string): ServiceError {
  return new ServiceError('not-found', `未找到${what}（${id}）（not found）`, { id });
}

/** The actor may not do this (403); the message says who may. */
export function forbidden(message: string): ServiceError {
  return new ServiceError('forbidden', message);
}

/** A value the rules refuse, naming the field it came in (`details.field`) when there is one. */
export function invalidInput(message: string, field?: string): ServiceError {
  return new ServiceError('invalid-input', message, field === undefined ? {} : { field });
}

/** The row changed since the client read it: its version moved on. */
export function stale(what: string, id: string, expected: number): ServiceError {
  return new ServiceError('stale', `${what}已被他人修改，请刷新后重试（changed since you read it）`, { id, expected });
}

/** The request clashes with the object's state (a confirmed draft, a name already taken): 409, not a stale read. */
export function conflict(message: string, details: Readonly<Record<string, unknown>> = {}): ServiceError {
  return new ServiceError('conflict', message, details);
}

/** A negative value for a target whose quantity cannot be negative (a count or an amount: `allowsNegative`). */
export function negativeRefused(unit: string, field: string): ServiceError {
  return new ServiceError(
    'invalid-input',
    `该指标以“${unit}”计，不能为负数（a count or amount in ${unit} cannot be negative）`,
    { field },
  );
}
