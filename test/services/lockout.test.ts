// The lock-out rule as the database applies it, in one statement per failure, held equal to its specification
// (`afterFailure`, src/domain/passwords.ts) step by step, on both databases: for an account and for a name nobody has.
import { expect, it } from 'vitest';
import type { Db } from '../../src/db/database.ts';
import { countUnknownNameFailure, countUserFailure } from '../../src/db/queries/sign-in-failure.queries.ts';
import {
  DEFAULT_PASSWORD_POLICY,
  afterFailure,
  type LockState,
  type PasswordPolicy,
} from '../../src/domain/passwords.ts';
import { SYSTEM_WORKSPACE_ID, failureMoment, unknownNameKey } from '../../src/services/auth.service.ts';
import { buildWorkspace } from '../factories.ts';
import { buildUser } from '../helpers/auth.ts';
import { describeEachDatabase } from '../helpers/db.ts';

const START = new Date('2026-11-29T08:00:00.000Z').getTime();
const minute = (m: number) => new Date(START + m * 60_000);

/** Failures at these minutes: a run, a quiet window, a run to the lock, tries while locked, the lock's end, a gap. */
const SCRIPT = [0, 1, 2, 20, 21, 22, 23, 24, 30, 38.9, 39, 40, 54.9, 70, 71, 72, 73, 74, 75, 90];

type Stored = { failed_attempts: number; locked_until: string | null; last_failed_at: string | null };

function asStored(state: LockState): Stored {
  return {
    failed_attempts: state.failedAttempts,
    locked_until: state.lockedUntil?.toISOString() ?? null,
    last_failed_at: state.lastFailedAt?.toISOString() ?? null,
  };
}

async function replay(policy: PasswordPolicy, count: (at: Date) => Promise<Stored>): Promise<void> {
  let expected: LockState = { failedAttempts: 0, lockedUntil: null, lastFailedAt: null };
  for (const m of SCRIPT) {
    expected = afterFailure(expected, minute(m), policy);
    expect(await count(minute(m)), `failure at minute ${m}`).toEqual(asStored(expected));
  }
}

async function userState(db: Db, id: string): Promise<Stored> {
  return db
    .selectFrom('users')
    .select(['failed_attempts', 'locked_until', 'last_failed_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function unknownState(db: Db, key: string): Promise<Stored> {
  return db
    .selectFrom('unknown_name_failures')
    .select(['failed_attempts', 'locked_until', 'last_failed_at'])
    .where('workspace_id', '=', SYSTEM_WORKSPACE_ID)
    .where('id', '=', key)
    .executeTakeFirstOrThrow();
}

const policies: [string, PasswordPolicy][] = [
  ['the default policy', DEFAULT_PASSWORD_POLICY],
  [
    'three in five minutes, locked for ten',
    { ...DEFAULT_PASSWORD_POLICY, lockoutThreshold: 3, lockoutWindowMinutes: 5, lockoutMinutes: 10 },
  ],
];

describeEachDatabase('the lock-out statement', (database) => {
  it.each(policies)('moves an account’s counter as afterFailure says (%s)', async (_name, policy) => {
    const { db } = database();
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    await replay(policy, async (at) => {
      await countUserFailure(db, ws.id, user.id, failureMoment(at, policy));
      return userState(db, user.id);
    });
  });

  it.each(policies)('moves an unknown name’s counter as afterFailure says (%s)', async (name, policy) => {
    const { db } = database();
    const key = unknownNameKey(`statement-${name}`);
    await replay(policy, async (at) => {
      await countUnknownNameFailure(db, SYSTEM_WORKSPACE_ID, key, failureMoment(at, policy));
      return unknownState(db, key);
    });
  });

  it('answers what it counted, and nothing while locked', async () => {
    const { db } = database();
    const ws = await buildWorkspace(db);
    const user = await buildUser(db, { workspaceId: ws.id, roles: ['office'] });
    const moment = failureMoment(minute(0), DEFAULT_PASSWORD_POLICY);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await countUserFailure(db, ws.id, user.id, moment));
    expect(answers).toEqual([
      { failedAttempts: 1, lockedUntil: null },
      { failedAttempts: 2, lockedUntil: null },
      { failedAttempts: 3, lockedUntil: null },
      { failedAttempts: 4, lockedUntil: null },
      { failedAttempts: 5, lockedUntil: '2026-11-29T08:15:00.000Z' },
      undefined,
    ]);
  });
});
