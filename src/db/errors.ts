/**
 * Database errors recognised by their codes, never by their message text (which changes with versions and
 * locales): better-sqlite3's extended result codes (`SqliteError.code`) and PostgreSQL's SQLSTATE (`error.code`).
 * The checks follow `cause` chains, so an error a service wrapped is still recognised.
 */
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

export type ConstraintKind = 'unique' | 'foreign-key' | 'not-null' | 'check';

const SQLITE_CODES: Readonly<Record<string, ConstraintKind>> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign-key',
  SQLITE_CONSTRAINT_NOTNULL: 'not-null',
  SQLITE_CONSTRAINT_CHECK: 'check',
};

// PostgreSQL SQLSTATE class 23, integrity constraint violation.
const POSTGRES_CODES: Readonly<Record<string, ConstraintKind>> = {
  '23505': 'unique',
  '23503': 'foreign-key',
  '23502': 'not-null',
  '23514': 'check',
};

// SQLITE_BUSY* (another writer held the lock past busy_timeout); PostgreSQL serialization failure, deadlock.
const RETRYABLE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', '40001', '40P01']);

function* causes(error: unknown): Generator<object> {
  const seen = new Set<unknown>();
  let current = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

function codeOf(error: object): string | null {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

function isDriverError(error: object): boolean {
  // Other errors may carry a `code` too (Node's ENOENT, ECONNREFUSED): only the drivers' own classes count.
  return error instanceof SqliteDatabase.SqliteError || error instanceof pg.DatabaseError;
}

/** A driver's error in the chain carries one of `codes`. */
function hasDriverCode(error: unknown, codes: ReadonlySet<string>): boolean {
  for (const candidate of causes(error)) {
    if (!isDriverError(candidate)) continue;
    const code = codeOf(candidate);
    if (code !== null && codes.has(code)) return true;
  }
  return false;
}

/** The kind of integrity constraint a database error reports, or null when it is not a constraint violation. */
export function constraintViolationKind(error: unknown): ConstraintKind | null {
  if (error instanceof ConstraintViolationError) return error.kind;
  for (const candidate of causes(error)) {
    if (candidate instanceof ConstraintViolationError) return candidate.kind;
    if (!isDriverError(candidate)) continue;
    const code = codeOf(candidate);
    if (code === null) continue;
    const kind = SQLITE_CODES[code] ?? POSTGRES_CODES[code];
    if (kind !== undefined) return kind;
  }
  return null;
}

/** A unique or primary-key constraint was violated (SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, PostgreSQL 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return constraintViolationKind(error) === 'unique';
}

/** A foreign key was violated: the row points at nothing, or is still pointed at (SQLITE_CONSTRAINT_FOREIGNKEY, 23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  return constraintViolationKind(error) === 'foreign-key';
}

/** A NOT NULL column got null (SQLITE_CONSTRAINT_NOTNULL, 23502). */
export function isNotNullViolation(error: unknown): boolean {
  return constraintViolationKind(error) === 'not-null';
}

/** A CHECK constraint failed, e.g. an unknown state code (SQLITE_CONSTRAINT_CHECK, 23514). */
export function isCheckViolation(error: unknown): boolean {
  return constraintViolationKind(error) === 'check';
}

// A guard trigger refused the change (RAISE(ABORT) on SQLite; restrict_violation raised by a PL/pgSQL guard).
const GUARD_CODES = new Set(['SQLITE_CONSTRAINT_TRIGGER', '23001']);

/** One of the database's guard triggers (the audit trail's, migration 0008) refused the statement. */
export function isRefusedByGuard(error: unknown): boolean {
  return hasDriverCode(error, GUARD_CODES);
}

/**
 * The transaction lost a race and may simply be run again: SQLite stayed busy past busy_timeout, or PostgreSQL
 * reported a serialization failure or deadlock.
 */
export function isRetryableTransactionError(error: unknown): boolean {
  return hasDriverCode(error, RETRYABLE_CODES);
}

/**
 * A constraint violation, free of driver types, for services to catch or map. `constraint` is the constraint's
 * name where the database reports it structurally (PostgreSQL); SQLite reports it only in message text, so null.
 */
export class ConstraintViolationError extends Error {
  override readonly name = 'ConstraintViolationError';
  constructor(
    readonly kind: ConstraintKind,
    readonly constraint: string | null,
    options: { cause: unknown },
  ) {
    super(`数据库约束冲突：${kind}${constraint === null ? '' : `（${constraint}）`}`, options);
  }
}

/**
 * Turns a driver's constraint error into a `ConstraintViolationError` (keeping the original as `cause`); any other
 * value is returned as it is. Use as `catch (error) { throw toDatabaseError(error) }`.
 */
export function toDatabaseError(error: unknown): unknown {
  if (error instanceof ConstraintViolationError) return error;
  const kind = constraintViolationKind(error);
  if (kind === null) return error;
  let constraint: string | null = null;
  for (const candidate of causes(error)) {
    const name = (candidate as { constraint?: unknown }).constraint;
    if (typeof name === 'string') {
      constraint = name;
      break;
    }
  }
  return new ConstraintViolationError(kind, constraint, { cause: error });
}
