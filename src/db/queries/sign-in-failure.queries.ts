/**
 * The lock-out counter (migration 0010), on an account's row or on the row of a sign-in name no account has, moved
 * by ONE statement each time: the count, the lock and the time of the failure are computed by the database from the
 * row as it stands, under its row lock, never read here and written back. Ten wrong passwords sent at once therefore
 * count ten times, and those that arrive after the lock count nothing (their statement matches no row).
 *
 * The rule is `afterFailure` of src/domain/passwords.ts (test/services/lockout.test.ts holds the two equal); its
 * parameters come in a `FailureMoment`. Instants are ISO-8601 UTC text, which compares in time order as text.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../database.ts';

/** One failure's instant and the policy's numbers, as the statements need them. */
export interface FailureMoment {
  readonly now: string;
  /** `now` minus the lock-out window: a failure before it no longer counts. */
  readonly windowStart: string;
  /** `now` plus the lock's duration. */
  readonly lockUntil: string;
  readonly threshold: number;
  /** When an unknown name's row means the same as no row: the end of its window, or of its lock if it locks now. */
  readonly expiresOpen: string;
  readonly expiresLocked: string;
}

/** The counter after a failure that counted. */
export interface CountedFailure {
  readonly failedAttempts: number;
  /** Set when this failure reached the threshold. */
  readonly lockedUntil: string | null;
}

type CountedTable = 'users' | 'unknown_name_failures';

/** The new count: 1 when the failure starts a new run (`startsNewCount`), else one more. */
function nextCount(table: CountedTable, moment: FailureMoment): RawBuilder<number> {
  const column = (name: string) => sql.ref(`${table}.${name}`);
  // The row is not locked (the statements' conditions): a lock it has is one that has ended.
  return sql<number>`(case when ${column('locked_until')} is not null or ${column('last_failed_at')} is null
    or ${column('last_failed_at')} <= ${moment.windowStart} then 1 else ${column('failed_attempts')} + 1 end)`;
}

function lockIfReached(table: CountedTable, moment: FailureMoment): RawBuilder<string | null> {
  return sql<string | null>`(case when ${nextCount(table, moment)} >= ${moment.threshold}
    then ${moment.lockUntil} else null end)`;
}

/**
 * Counts a failure on an account, unless it is locked. Returns the counter after it, or undefined when nothing was
 * counted: the account is locked (or does not exist).
 */
export async function countUserFailure(
  db: Db,
  workspaceId: string,
  userId: string,
  moment: FailureMoment,
): Promise<CountedFailure | undefined> {
  const row = await db
    .updateTable('users')
    .set({
      failed_attempts: nextCount('users', moment),
      locked_until: lockIfReached('users', moment),
      last_failed_at: moment.now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', moment.now)]))
    .returning(['failed_attempts', 'locked_until'])
    .executeTakeFirst();
  return row === undefined ? undefined : { failedAttempts: row.failed_attempts, lockedUntil: row.locked_until };
}

/**
 * Counts a failure under a sign-in name no account has (its key: the SHA-256 of the normalised name), in the
 * reserved workspace: a new row, or the row there moved on by the same rule as an account's — unless it is locked.
 * Returns the counter after it, or undefined when the name is locked (nothing counted).
 */
export async function countUnknownNameFailure(
  db: Db,
  workspaceId: string,
  key: string,
  moment: FailureMoment,
): Promise<CountedFailure | undefined> {
  const locksAtOnce = moment.threshold <= 1;
  const row = await db
    .insertInto('unknown_name_failures')
    .values({
      id: key,
      workspace_id: workspaceId,
      created_at: moment.now,
      updated_at: moment.now,
      failed_attempts: 1,
      last_failed_at: moment.now,
      locked_until: locksAtOnce ? moment.lockUntil : null,
      expires_at: locksAtOnce ? moment.expiresLocked : moment.expiresOpen,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['workspace_id', 'id'])
        .doUpdateSet({
          version: sql<number>`unknown_name_failures.version + 1`,
          updated_at: moment.now,
          failed_attempts: nextCount('unknown_name_failures', moment),
          locked_until: lockIfReached('unknown_name_failures', moment),
          last_failed_at: moment.now,
          expires_at: sql<string>`(case when ${nextCount('unknown_name_failures', moment)} >= ${moment.threshold}
            then ${moment.expiresLocked} else ${moment.expiresOpen} end)`,
        })
        .where((eb) =>
          eb.or([
            eb('unknown_name_failures.locked_until', 'is', null),
            eb('unknown_name_failures.locked_until', '<=', moment.now),
          ]),
        ),
    )
    .returning(['failed_attempts', 'locked_until'])
    .executeTakeFirst();
  return row === undefined ? undefined : { failedAttempts: row.failed_attempts, lockedUntil: row.locked_until };
}

/** The lock on an unknown name, if its row has one (ended or not). */
export async function findUnknownNameLock(db: Db, workspaceId: string, key: string): Promise<string | null> {
  const row = await db
    .selectFrom('unknown_name_failures')
    .select('locked_until')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', key)
    .executeTakeFirst();
  return row?.locked_until ?? null;
}

/**
 * Deletes the unknown names' rows past their window and lock (they mean the same as no row). Run before each count,
 * in a statement of its own, so the table holds only the names tried within the last window or lock.
 */
export async function sweepUnknownNameFailures(db: Db, workspaceId: string, now: string): Promise<number> {
  const result = await db
    .deleteFrom('unknown_name_failures')
    .where('workspace_id', '=', workspaceId)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
